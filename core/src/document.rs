//! Documents the agents write about a repository: one per question asked of
//! it, with a version per run, so asking again on a newer commit (or with a
//! better model) keeps the history and can be compared.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{DocumentId, RepositoryId, TaskId, TenantId};

/// The key that makes two questions "the same": case, surrounding and
/// repeated whitespace and trailing punctuation do not count.
pub fn question_key(question: &str) -> String {
    let words: Vec<String> = question.split_whitespace().map(str::to_lowercase).collect();
    words
        .join(" ")
        .trim_end_matches(['?', '.', '!', ' '])
        .to_owned()
}

/// What one documentation run produced, to be kept as the next version of
/// the document answering `question` about `repository_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDocumentVersion {
    pub repository_id: RepositoryId,
    pub question: String,
    pub title: String,
    /// File-name-safe, from the question (`what-is-the-system-architecture`).
    pub slug: String,
    pub commit: String,
    /// The run that wrote it: a second save by the same task returns the
    /// version it saved the first time.
    pub task_id: TaskId,
    pub trace_id: Uuid,
    /// `provider/model`.
    pub model: String,
    pub markdown: String,
    /// The evidence manifest (chunks and citations).
    pub manifest: serde_json::Value,
    /// The verification report.
    pub report: serde_json::Value,
    pub claims_checked: i64,
    pub claims_removed: i64,
}

/// A document: the question and where its latest version stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: DocumentId,
    pub tenant_id: TenantId,
    pub repository_id: RepositoryId,
    /// The repository's name (as it is now).
    pub repository: String,
    pub question: String,
    pub title: String,
    pub slug: String,
    /// The newest version's number (versions count from 1).
    pub latest_version: i64,
    /// The newest version's commit, model and verification counts.
    pub commit: String,
    pub model: String,
    pub claims_checked: i64,
    pub claims_removed: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Where a version was published: the branch pushed to the repository's
/// remote and, when a forge is configured, the pull request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Publication {
    /// The file's path in the repository (`docs/faq/<slug>.md`).
    pub path: String,
    pub branch: String,
    /// The commit that adds the file.
    pub commit: String,
    pub pull_request_number: Option<u64>,
    pub pull_request_url: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
}

/// A version without its text, as versions are listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DocumentVersionInfo {
    pub document_id: DocumentId,
    pub version: i64,
    pub commit: String,
    pub task_id: TaskId,
    #[schema(value_type = String, format = Uuid)]
    pub trace_id: Uuid,
    pub model: String,
    pub claims_checked: i64,
    pub claims_removed: i64,
    pub publication: Option<Publication>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A version with its Markdown, evidence manifest and verification report.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DocumentVersion {
    #[serde(flatten)]
    pub info: DocumentVersionInfo,
    pub markdown: String,
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_question_asked_differently_has_one_key() {
        let key = question_key("What is the system architecture?");
        assert_eq!(key, "what is the system architecture");
        assert_eq!(question_key("  what is THE system\narchitecture ?? "), key);
        assert_ne!(question_key("What is the deployment?"), key);
    }
}

//! The FAQ knowledge base: categories (a tree), FAQs with a version per
//! edit, feedback on answers, the log of questions asked, FAQs suggested from
//! the questions nothing answered, and the per-tenant revision the search
//! indexes sync from.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

use crate::{FaqCategoryId, FaqId, FaqQueryId, FaqSuggestionId, TaskId, TenantId, UserId};

/// Longest question, in characters.
pub const FAQ_QUESTION_MAX: usize = 1000;
/// Longest answer (Markdown), in characters.
pub const FAQ_ANSWER_MAX: usize = 20_000;
/// Longest category name, in characters.
pub const FAQ_CATEGORY_NAME_MAX: usize = 200;
/// Longest tag, in characters.
pub const FAQ_TAG_MAX: usize = 64;
/// Most tags on one FAQ.
pub const FAQ_TAGS_MAX: usize = 32;
/// Longest external id (the key imports upsert by), in characters.
pub const FAQ_EXTERNAL_ID_MAX: usize = 200;
/// Longest feedback comment, in characters.
pub const FAQ_COMMENT_MAX: usize = 2000;
/// Longest logged question, in characters (longer ones are truncated).
pub const FAQ_QUERY_MAX: usize = 2000;
/// Longest channel name of a logged question, in characters.
pub const FAQ_CHANNEL_MAX: usize = 50;
/// Longest language tag, in characters.
pub const LANGUAGE_TAG_MAX: usize = 35;
/// How many of the most asked questions [`FaqAnalytics`] lists.
pub const FAQ_TOP_QUERIES: usize = 20;

/// Why a FAQ input was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FaqError {
    #[error("the question must have 1 to {max} characters", max = FAQ_QUESTION_MAX)]
    Question,
    #[error("the answer must have 1 to {max} characters", max = FAQ_ANSWER_MAX)]
    Answer,
    #[error("a category name must have 1 to {max} characters", max = FAQ_CATEGORY_NAME_MAX)]
    CategoryName,
    #[error("`{0}` is not a language tag like en, zh-Hant or pt-BR")]
    Language(String),
    #[error("a tag must have 1 to {max} characters and no control characters", max = FAQ_TAG_MAX)]
    Tag,
    #[error("a FAQ can have at most {max} tags", max = FAQ_TAGS_MAX)]
    TooManyTags,
    #[error("an external id must have 1 to {max} characters", max = FAQ_EXTERNAL_ID_MAX)]
    ExternalId,
    #[error("a comment must have at most {max} characters", max = FAQ_COMMENT_MAX)]
    Comment,
    #[error("a channel must have 1 to {max} characters", max = FAQ_CHANNEL_MAX)]
    Channel,
    #[error("a slug has 3 to 63 lower-case letters, digits and inner hyphens (like `acme-help`)")]
    Slug,
    #[error("a title must have 1 to {max} characters", max = FAQ_CATEGORY_NAME_MAX)]
    Title,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown FAQ {what} `{value}`")]
pub struct UnknownFaqValue {
    pub what: &'static str,
    pub value: String,
}

/// The `as_str` / `Display` / `FromStr` of a text-stored enum.
macro_rules! text_enum {
    ($name:ident, $what:literal, { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownFaqValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownFaqValue { what: $what, value: s.to_owned() })
            }
        }
    };
}

/// Who can see a FAQ: `draft` (editors only), `published` (everyone the
/// tenant answers), `archived` (kept, no longer answered with).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FaqStatus {
    #[default]
    Draft,
    Published,
    Archived,
}

text_enum!(FaqStatus, "status", {
    Draft => "draft",
    Published => "published",
    Archived => "archived",
});

/// Where a FAQ came from.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FaqSource {
    /// Written by a person.
    #[default]
    Manual,
    /// From an import (a file, another system), usually with an external id.
    Imported,
    /// Written by an agent from a repository (`origin` holds the evidence).
    Generated,
    /// Accepted from a suggestion (questions nothing answered).
    Suggested,
}

text_enum!(FaqSource, "source", {
    Manual => "manual",
    Imported => "imported",
    Generated => "generated",
    Suggested => "suggested",
});

/// Where a suggested FAQ stands.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatus {
    #[default]
    Open,
    Approved,
    Dismissed,
}

text_enum!(SuggestionStatus, "suggestion status", {
    Open => "open",
    Approved => "approved",
    Dismissed => "dismissed",
});

/// `raw` as a canonical BCP 47 language tag (`zh-hant-tw` → `zh-Hant-TW`):
/// subtags of 1 to 8 ASCII letters or digits joined by `-` (`_` accepted),
/// starting with a language of 2 to 8 letters; scripts title-cased, regions
/// upper-cased, the rest lower-cased. The shape is checked, not the registry.
pub fn language_tag(raw: &str) -> Result<String, FaqError> {
    let bad = || FaqError::Language(raw.to_owned());
    let s = raw.trim();
    if s.is_empty() || s.len() > LANGUAGE_TAG_MAX {
        return Err(bad());
    }
    let mut out = Vec::new();
    // After a singleton (`x-…`, `u-…`) only extensions follow: lower case.
    let mut in_extension = false;
    for (i, sub) in s.split(['-', '_']).enumerate() {
        if sub.is_empty() || sub.len() > 8 || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad());
        }
        let alpha = sub.bytes().all(|b| b.is_ascii_alphabetic());
        let canonical = if i == 0 {
            if !alpha || sub.len() < 2 {
                return Err(bad());
            }
            sub.to_ascii_lowercase()
        } else if in_extension {
            sub.to_ascii_lowercase()
        } else if sub.len() == 1 {
            in_extension = true;
            sub.to_ascii_lowercase()
        } else if alpha && sub.len() == 4 {
            let lower = sub.to_ascii_lowercase();
            lower[..1].to_ascii_uppercase() + &lower[1..]
        } else if alpha && sub.len() == 2 {
            sub.to_ascii_uppercase()
        } else {
            sub.to_ascii_lowercase()
        };
        out.push(canonical);
    }
    if in_extension && out.last().is_some_and(|s| s.len() == 1) {
        return Err(bad());
    }
    Ok(out.join("-"))
}

fn chars_between(s: &str, min: usize, max: usize) -> bool {
    let n = s.chars().count();
    (min..=max).contains(&n)
}

fn check_question(q: &str) -> Result<(), FaqError> {
    (!q.trim().is_empty() && chars_between(q, 1, FAQ_QUESTION_MAX))
        .then_some(())
        .ok_or(FaqError::Question)
}

fn check_answer(a: &str) -> Result<(), FaqError> {
    (!a.trim().is_empty() && chars_between(a, 1, FAQ_ANSWER_MAX))
        .then_some(())
        .ok_or(FaqError::Answer)
}

/// Tags trimmed, each checked, duplicates dropped (first kept).
pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>, FaqError> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = tag.trim();
        if !chars_between(tag, 1, FAQ_TAG_MAX) || tag.chars().any(char::is_control) {
            return Err(FaqError::Tag);
        }
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > FAQ_TAGS_MAX {
        return Err(FaqError::TooManyTags);
    }
    Ok(out)
}

/// A category of FAQs; `parent_id` makes the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaqCategory {
    pub id: FaqCategoryId,
    pub tenant_id: TenantId,
    pub parent_id: Option<FaqCategoryId>,
    pub name: String,
    /// Order among its siblings (then by name).
    pub position: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A category to create. Names are unique among siblings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewFaqCategory {
    #[serde(default)]
    pub parent_id: Option<FaqCategoryId>,
    pub name: String,
    #[serde(default)]
    pub position: i32,
}

impl NewFaqCategory {
    pub fn validate(&self) -> Result<(), FaqError> {
        check_category_name(&self.name)
    }
}

fn check_category_name(name: &str) -> Result<(), FaqError> {
    (!name.trim().is_empty() && chars_between(name, 1, FAQ_CATEGORY_NAME_MAX))
        .then_some(())
        .ok_or(FaqError::CategoryName)
}

/// Changes to a category; `None` leaves a field as it is. `parent_id:
/// Some(None)` moves the category to the top level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaqCategoryPatch {
    pub name: Option<String>,
    pub parent_id: Option<Option<FaqCategoryId>>,
    pub position: Option<i32>,
}

impl FaqCategoryPatch {
    pub fn validate(&self) -> Result<(), FaqError> {
        self.name.as_deref().map_or(Ok(()), check_category_name)
    }
}

/// A FAQ as it is now (its embedding only as `has_embedding`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Faq {
    pub id: FaqId,
    pub tenant_id: TenantId,
    pub question: String,
    /// Markdown.
    pub answer: String,
    pub category_id: Option<FaqCategoryId>,
    pub tags: Vec<String>,
    /// A canonical BCP 47 tag (`en`, `zh-Hant`, `pt-BR`).
    pub language: String,
    pub status: FaqStatus,
    pub source: FaqSource,
    /// Where it came from (evidence manifest, trace id, task, repository);
    /// opaque to the store.
    #[schema(value_type = Option<Object>)]
    pub origin: Option<serde_json::Value>,
    /// The key of an imported FAQ in its source; unique in the tenant.
    pub external_id: Option<String>,
    pub views: i64,
    pub helpful: i64,
    pub not_helpful: i64,
    /// How often it was the answer given.
    pub answer_hits: i64,
    /// The edit number: 1 when created, one more per edit (see [`FaqVersion`]).
    pub version: i64,
    /// The tenant's FAQ revision of its last change (see [`FaqChanges`]).
    pub revision: i64,
    pub has_embedding: bool,
    pub embedding_model: Option<String>,
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A FAQ to create (or, with an `external_id`, to import).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewFaq {
    pub question: String,
    pub answer: String,
    #[serde(default)]
    pub category_id: Option<FaqCategoryId>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub language: String,
    #[serde(default)]
    pub status: FaqStatus,
    #[serde(default)]
    pub source: FaqSource,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub origin: Option<serde_json::Value>,
    #[serde(default)]
    pub external_id: Option<String>,
}

impl NewFaq {
    /// The same FAQ as it is stored: tags trimmed and deduplicated, the
    /// language tag canonical, a JSON `null` origin as none; or why not.
    pub fn normalized(&self) -> Result<NewFaq, FaqError> {
        check_question(&self.question)?;
        check_answer(&self.answer)?;
        if let Some(id) = &self.external_id {
            if id.trim().is_empty() || !chars_between(id, 1, FAQ_EXTERNAL_ID_MAX) {
                return Err(FaqError::ExternalId);
            }
        }
        Ok(NewFaq {
            tags: normalize_tags(&self.tags)?,
            language: language_tag(&self.language)?,
            origin: self.origin.clone().filter(|o| !o.is_null()),
            ..self.clone()
        })
    }

    pub fn validate(&self) -> Result<(), FaqError> {
        self.normalized().map(|_| ())
    }
}

/// Changes to a FAQ; `None` leaves a field as it is (`category_id:
/// Some(None)` removes the category). An edit that changes something writes
/// a new version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaqPatch {
    pub question: Option<String>,
    pub answer: Option<String>,
    pub category_id: Option<Option<FaqCategoryId>>,
    pub tags: Option<Vec<String>>,
    pub language: Option<String>,
    pub status: Option<FaqStatus>,
    /// The version the edit was made on: when the FAQ has moved on since,
    /// the edit is refused (optimistic concurrency).
    pub expected_version: Option<i64>,
}

impl FaqPatch {
    /// The same patch as it is applied (see [`NewFaq::normalized`]); or why not.
    pub fn normalized(&self) -> Result<FaqPatch, FaqError> {
        if let Some(q) = &self.question {
            check_question(q)?;
        }
        if let Some(a) = &self.answer {
            check_answer(a)?;
        }
        Ok(FaqPatch {
            tags: self.tags.as_deref().map(normalize_tags).transpose()?,
            language: self.language.as_deref().map(language_tag).transpose()?,
            ..self.clone()
        })
    }

    pub fn validate(&self) -> Result<(), FaqError> {
        self.normalized().map(|_| ())
    }
}

/// What a FAQ said at one version (the API diffs two of them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaqVersion {
    pub faq_id: FaqId,
    pub version: i64,
    pub question: String,
    pub answer: String,
    pub category_id: Option<FaqCategoryId>,
    pub tags: Vec<String>,
    pub language: String,
    pub status: FaqStatus,
    pub edited_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One FAQ of an import: with `id`, an update of that FAQ; else matched by
/// `external_id` when it has one; else new.
#[derive(Clone, Debug, PartialEq)]
pub struct FaqImportItem {
    pub id: Option<FaqId>,
    pub faq: NewFaq,
}

/// A tenant's public help centre: its published FAQs, readable without an
/// account at `/public/{slug}/…` while `enabled`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HelpCentre {
    pub tenant_id: TenantId,
    pub slug: String,
    pub enabled: bool,
    pub title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What an owner or admin sets of a help centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HelpCentreSettings {
    pub slug: String,
    pub enabled: bool,
    pub title: String,
}

impl HelpCentreSettings {
    /// Trimmed and checked; the slug lower-cased.
    pub fn normalized(&self) -> Result<HelpCentreSettings, FaqError> {
        let slug = self.slug.trim().to_ascii_lowercase();
        let b = slug.as_bytes();
        let inner_ok = b
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
        if !(3..=63).contains(&b.len()) || !inner_ok || b[0] == b'-' || b[b.len() - 1] == b'-' {
            return Err(FaqError::Slug);
        }
        let title = self.title.trim();
        if !chars_between(title, 1, FAQ_CATEGORY_NAME_MAX) || title.chars().any(char::is_control) {
            return Err(FaqError::Title);
        }
        Ok(HelpCentreSettings {
            slug,
            enabled: self.enabled,
            title: title.to_owned(),
        })
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// Which FAQs to list: every field narrows; `before` is the last id of the
/// previous page (newest updated first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaqFilter {
    pub status: Option<FaqStatus>,
    pub category_id: Option<FaqCategoryId>,
    /// FAQs with this tag among theirs.
    pub tag: Option<String>,
    pub language: Option<String>,
    pub before: Option<FaqId>,
    pub limit: i64,
}

impl Default for FaqFilter {
    fn default() -> Self {
        Self {
            status: None,
            category_id: None,
            tag: None,
            language: None,
            before: None,
            limit: 50,
        }
    }
}

/// A FAQ with what a search index needs to hold it.
#[derive(Clone, Debug, PartialEq)]
pub struct FaqSyncRow {
    pub faq: Faq,
    pub embedding: Option<Vec<f32>>,
    pub embedding_model: Option<String>,
}

/// What changed in a tenant's FAQs after some revision: FAQs created or
/// changed (any status: the caller filters), and FAQs deleted. `revision` is
/// where the next call continues from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaqChanges {
    pub revision: i64,
    pub upserted: Vec<FaqSyncRow>,
    pub deleted: Vec<FaqId>,
}

/// Feedback to record on an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewFaqFeedback {
    pub faq_id: FaqId,
    pub helpful: bool,
    /// The logged question the FAQ answered; its log entry gets the verdict.
    #[serde(default)]
    pub query_id: Option<FaqQueryId>,
    #[serde(default)]
    pub comment: Option<String>,
}

impl NewFaqFeedback {
    pub fn validate(&self) -> Result<(), FaqError> {
        match &self.comment {
            Some(c) if c.chars().count() > FAQ_COMMENT_MAX => Err(FaqError::Comment),
            _ => Ok(()),
        }
    }
}

/// Feedback as recorded (`user_id` is none for anonymous feedback).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaqFeedback {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub faq_id: FaqId,
    pub query_id: Option<FaqQueryId>,
    pub user_id: Option<UserId>,
    pub helpful: bool,
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A question asked of the FAQs, to log. The store truncates `query` to
/// [`FAQ_QUERY_MAX`] characters and drops a `language` that is not a tag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewFaqQuery {
    pub query: String,
    #[serde(default)]
    pub language: Option<String>,
    /// `api`, `public`, `cli`, `chat`, `telegram`, `line`, `messenger`, …
    pub channel: String,
    /// The best match, if any.
    #[serde(default)]
    pub top_faq_id: Option<FaqId>,
    #[serde(default)]
    pub top_score: Option<f64>,
    /// Whether a FAQ was given as the answer.
    pub answered: bool,
}

impl NewFaqQuery {
    pub fn validate(&self) -> Result<(), FaqError> {
        (!self.channel.trim().is_empty() && chars_between(&self.channel, 1, FAQ_CHANNEL_MAX))
            .then_some(())
            .ok_or(FaqError::Channel)
    }
}

/// A logged question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaqQueryLog {
    pub id: FaqQueryId,
    pub tenant_id: TenantId,
    pub query: String,
    pub language: Option<String>,
    pub channel: String,
    pub top_faq_id: Option<FaqId>,
    pub top_score: Option<f64>,
    pub answered: bool,
    /// +1 (helpful) or -1 (not helpful) once feedback is given.
    pub feedback: Option<i16>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One of the most asked questions (asked the same way: see
/// [`crate::question_key`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TopQuery {
    pub query: String,
    pub count: i64,
}

/// How a tenant's FAQs are doing since some time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaqAnalytics {
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// The most asked questions since then, most asked first (at most
    /// [`FAQ_TOP_QUERIES`]).
    pub top_queries: Vec<TopQuery>,
    /// Questions logged since then.
    pub total_queries: i64,
    /// Of those, the ones no FAQ answered.
    pub unanswered: i64,
    /// Feedback given since then.
    pub helpful: i64,
    pub not_helpful: i64,
    /// All-time counters of the tenant's FAQs.
    pub answer_hits: i64,
    pub views: i64,
}

/// A FAQ to suggest (or a suggestion's new state): questions nothing
/// answered, clustered. Upserted by `id`, which the caller generates.
#[derive(Clone, Debug, PartialEq)]
pub struct NewFaqSuggestion {
    pub id: FaqSuggestionId,
    /// The representative question.
    pub query: String,
    /// Other questions of the cluster.
    pub examples: Vec<String>,
    /// How many questions the cluster holds.
    pub count: i64,
    /// The cluster's centre (an embedding).
    pub centroid: Option<Vec<f32>>,
}

/// A suggested FAQ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaqSuggestion {
    pub id: FaqSuggestionId,
    pub tenant_id: TenantId,
    pub query: String,
    pub examples: Vec<String>,
    pub count: i64,
    pub status: SuggestionStatus,
    /// The task drafting the FAQ, once approved.
    pub task_id: Option<TaskId>,
    /// The cluster's centre, for merging new questions; not serialised.
    #[serde(skip)]
    pub centroid: Option<Vec<f32>>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_checked_and_made_canonical() {
        for (raw, canonical) in [
            ("en", "en"),
            ("EN", "en"),
            ("zh-hant", "zh-Hant"),
            ("zh_Hant_tw", "zh-Hant-TW"),
            ("pt-br", "pt-BR"),
            ("es-419", "es-419"),
            (" ja ", "ja"),
            ("de-CH-1996", "de-CH-1996"),
            ("en-x-twain", "en-x-twain"),
        ] {
            assert_eq!(language_tag(raw).as_deref(), Ok(canonical), "{raw}");
        }
        for raw in [
            "",
            "e",
            "1en",
            "en-",
            "en--us",
            "en us",
            "toolongsubtag",
            "en-x",
            "日本語",
        ] {
            assert!(language_tag(raw).is_err(), "{raw}");
        }
    }

    fn faq() -> NewFaq {
        NewFaq {
            question: "How do I reset my password?".into(),
            answer: "Use **Forgot password**.".into(),
            category_id: None,
            tags: vec![" account ".into(), "login".into(), "account".into()],
            language: "EN-gb".into(),
            status: FaqStatus::Published,
            source: FaqSource::Manual,
            origin: Some(serde_json::Value::Null),
            external_id: None,
        }
    }

    #[test]
    fn a_new_faq_is_normalised_or_refused() {
        let n = faq().normalized().unwrap();
        assert_eq!(n.tags, ["account", "login"]);
        assert_eq!(n.language, "en-GB");
        assert_eq!(n.origin, None);

        let too_long = "x".repeat(FAQ_QUESTION_MAX + 1);
        for (bad, err) in [
            (
                NewFaq {
                    question: " ".into(),
                    ..faq()
                },
                FaqError::Question,
            ),
            (
                NewFaq {
                    question: too_long,
                    ..faq()
                },
                FaqError::Question,
            ),
            (
                NewFaq {
                    answer: String::new(),
                    ..faq()
                },
                FaqError::Answer,
            ),
            (
                NewFaq {
                    tags: vec!["".into()],
                    ..faq()
                },
                FaqError::Tag,
            ),
            (
                NewFaq {
                    tags: (0..=FAQ_TAGS_MAX).map(|i| i.to_string()).collect(),
                    ..faq()
                },
                FaqError::TooManyTags,
            ),
            (
                NewFaq {
                    language: "english language".into(),
                    ..faq()
                },
                FaqError::Language("english language".into()),
            ),
            (
                NewFaq {
                    external_id: Some(String::new()),
                    ..faq()
                },
                FaqError::ExternalId,
            ),
        ] {
            assert_eq!(bad.validate(), Err(err));
        }
        // Characters, not bytes, are counted.
        let wide = NewFaq {
            question: "問".repeat(FAQ_QUESTION_MAX),
            ..faq()
        };
        assert_eq!(wide.validate(), Ok(()));
    }

    #[test]
    fn statuses_round_trip_as_text_and_json() {
        for s in FaqStatus::ALL {
            assert_eq!(s.as_str().parse::<FaqStatus>(), Ok(*s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        for s in FaqSource::ALL {
            assert_eq!(s.as_str().parse::<FaqSource>(), Ok(*s));
        }
        for s in SuggestionStatus::ALL {
            assert_eq!(s.as_str().parse::<SuggestionStatus>(), Ok(*s));
        }
        assert!("live".parse::<FaqStatus>().is_err());
    }

    #[test]
    fn a_patch_is_checked_only_where_it_changes() {
        assert_eq!(FaqPatch::default().validate(), Ok(()));
        let p = FaqPatch {
            language: Some("zh-hans".into()),
            tags: Some(vec!["a".into(), "a".into()]),
            ..FaqPatch::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(p.language.as_deref(), Some("zh-Hans"));
        assert_eq!(p.tags.unwrap(), ["a"]);
        let bad = FaqPatch {
            answer: Some(String::new()),
            ..FaqPatch::default()
        };
        assert_eq!(bad.validate(), Err(FaqError::Answer));
        assert_eq!(
            FaqCategoryPatch {
                name: Some(String::new()),
                ..FaqCategoryPatch::default()
            }
            .validate(),
            Err(FaqError::CategoryName)
        );
    }
}

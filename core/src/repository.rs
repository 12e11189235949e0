//! Repositories a tenant registers for its agents: where the code comes from
//! and what the last index run found.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

use crate::{RepositoryId, TaskId, TenantId, UserId};

/// Longest repository name, in characters.
pub const REPOSITORY_NAME_MAX: usize = 100;

/// Where a repository's index is: `pending` (never indexed) → `indexing` →
/// `ready`, or `failed` (with the error). A ready repository being
/// re-indexed is `indexing` and keeps its last counts until the run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RepositoryStatus {
    Pending,
    Indexing,
    Ready,
    Failed,
}

impl RepositoryStatus {
    pub const ALL: [RepositoryStatus; 4] = [
        RepositoryStatus::Pending,
        RepositoryStatus::Indexing,
        RepositoryStatus::Ready,
        RepositoryStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RepositoryStatus::Pending => "pending",
            RepositoryStatus::Indexing => "indexing",
            RepositoryStatus::Ready => "ready",
            RepositoryStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for RepositoryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown repository status `{0}` (expected pending, indexing, ready or failed)")]
pub struct UnknownRepositoryStatus(pub String);

impl FromStr for RepositoryStatus {
    type Err = UnknownRepositoryStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RepositoryStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownRepositoryStatus(s.to_owned()))
    }
}

/// A repository to register. `source` must already be free of credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRepository {
    pub name: String,
    pub source: String,
    /// The most repositories the tenant may have, this one included (the
    /// operator's quota); `None`: no limit.
    pub limit: Option<u32>,
}

/// What a finished index run found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepositoryIndexed {
    /// The indexed commit (`worktree` for a plain directory).
    pub commit: String,
    pub default_branch: Option<String>,
    pub file_count: i64,
    pub chunk_count: i64,
    pub symbol_count: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Repository {
    pub id: RepositoryId,
    pub tenant_id: TenantId,
    pub name: String,
    /// A directory on the server or a git URL, without credentials.
    pub source: String,
    pub default_branch: Option<String>,
    /// The commit of the last successful index run.
    pub indexed_commit: Option<String>,
    pub file_count: i64,
    pub chunk_count: i64,
    pub symbol_count: i64,
    pub status: RepositoryStatus,
    /// Why the last index run failed (never contains credentials).
    pub error: Option<String>,
    /// Files (re)processed so far by the running index run, of `progress_total`.
    pub progress_done: i64,
    pub progress_total: i64,
    /// The latest index task (running or finished).
    pub index_task_id: Option<TaskId>,
    /// How many index runs were requested; names the next run's idempotency key.
    pub index_generation: i64,
    pub created_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub indexed_at: Option<OffsetDateTime>,
}

//! Background jobs as the queue, the store and the API see them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::{JobId, TenantId};

/// Where a job is in its life.
///
/// `queued` → `started` → `finished`; a delayed job starts `scheduled`; a
/// failed attempt with retries left goes back to `scheduled` (after a backoff);
/// with none left to `failed` (the failed-job registry). Only `queued` and
/// `scheduled` jobs can be canceled; only `failed` (and `canceled`) ones requeued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Scheduled,
    Started,
    Finished,
    Failed,
    Canceled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 6] = [
        JobStatus::Queued,
        JobStatus::Scheduled,
        JobStatus::Started,
        JobStatus::Finished,
        JobStatus::Failed,
        JobStatus::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Scheduled => "scheduled",
            JobStatus::Started => "started",
            JobStatus::Finished => "finished",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unknown job status `{0}` (expected queued, scheduled, started, finished, failed or canceled)"
)]
pub struct UnknownJobStatus(pub String);

impl FromStr for JobStatus {
    type Err = UnknownJobStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownJobStatus(s.to_owned()))
    }
}

/// A job to enqueue. Times are Unix milliseconds (the queue's clock unit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewJob {
    pub id: JobId,
    /// Queue name; workers listen on queues in the order they are given.
    pub queue: String,
    /// Which handler runs it.
    pub kind: String,
    pub payload: serde_json::Value,
    /// Higher runs first within a queue.
    pub priority: i32,
    /// Not before this time (a delayed job); `None` runs as soon as possible.
    pub run_at_ms: Option<i64>,
    pub max_attempts: i32,
    /// An attempt running longer is failed as timed out.
    pub timeout_ms: i64,
    /// How long a finished job's result is kept.
    pub result_ttl_ms: i64,
    /// Enqueuing the same key twice yields one job.
    pub idempotency_key: Option<String>,
    /// The tenant the job works for, if any (its admins can see and manage it).
    pub tenant_id: Option<TenantId>,
}

impl NewJob {
    /// A job with the defaults: priority 0, now, 3 attempts, 5-minute timeout,
    /// results kept a day.
    pub fn new(
        queue: impl Into<String>,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            id: JobId::new(),
            queue: queue.into(),
            kind: kind.into(),
            payload,
            priority: 0,
            run_at_ms: None,
            max_attempts: 3,
            timeout_ms: 5 * 60 * 1000,
            result_ttl_ms: 24 * 60 * 60 * 1000,
            idempotency_key: None,
            tenant_id: None,
        }
    }
}

/// A job and its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Job {
    pub id: JobId,
    pub queue: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub priority: i32,
    pub status: JobStatus,
    /// Attempts started so far (the running one included).
    pub attempts: i32,
    pub max_attempts: i32,
    pub timeout_ms: i64,
    pub result_ttl_ms: i64,
    pub enqueued_at_ms: i64,
    pub run_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    /// While started: the lease its worker must renew.
    pub lease_expires_ms: Option<i64>,
    pub worker_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub result_expires_ms: Option<i64>,
    pub last_error: Option<String>,
    pub idempotency_key: Option<String>,
    pub tenant_id: Option<TenantId>,
}

/// How many jobs a queue has in one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QueueCount {
    pub queue: String,
    pub status: JobStatus,
    pub count: i64,
}

/// A worker process (or in-process worker) as registered by its heartbeats.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkerInfo {
    pub id: String,
    pub host: String,
    pub pid: i64,
    pub queues: Vec<String>,
    pub started_at_ms: i64,
    pub last_heartbeat_ms: i64,
    /// Jobs it is running now.
    pub current_jobs: Vec<JobId>,
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

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

/// Bounds on a job's fields. A tenant's job (one with a `tenant_id`) gets the
/// tight ones: sign-up is open, so everything a tenant can set is capped, and no
/// tenant can hold the workers, the storage or the head of a queue at the
/// others' expense.
pub mod limits {
    use std::ops::RangeInclusive;

    /// Queue and kind names: 1 to this many printable characters.
    pub const NAME_MAX: usize = 100;
    pub const IDEMPOTENCY_KEY_MAX: usize = 200;

    /// Priorities a tenant job may have: strictly below [`SYSTEM_PRIORITY`],
    /// so a tenant's job never outranks system work in a queue.
    pub const TENANT_PRIORITY: RangeInclusive<i32> = -100..=100;
    /// A system job's priority unless it chooses another: a band reserved
    /// above every tenant priority.
    pub const SYSTEM_PRIORITY: i32 = 1_000;
    /// A tenant job's queue name: 1 to this many of `a-z 0-9 . _ -`.
    pub const TENANT_QUEUE_NAME_MAX: usize = 64;
    /// How long one attempt of a tenant job may run (a task run takes up to an
    /// hour); the floor keeps a handler from being timed out before it starts.
    pub const TENANT_TIMEOUT_MS: RangeInclusive<i64> = 1_000..=60 * 60 * 1000;
    /// Attempts per tenant job: a failing job cannot come back forever.
    pub const TENANT_MAX_ATTEMPTS: i32 = 10;
    /// A tenant job's payload, as JSON.
    pub const TENANT_MAX_PAYLOAD_BYTES: usize = 64 * 1024;
    /// How far ahead a tenant job may be scheduled.
    pub const TENANT_MAX_DELAY_MS: i64 = 7 * 24 * 60 * 60 * 1000;
    /// How long a tenant job's result may be kept.
    pub const TENANT_MAX_RESULT_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;
}

/// Why a job was refused; `field` names the [`NewJob`] field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidJob {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidJob {
    InvalidJob {
        field,
        message: message.into(),
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
    /// A system job (no tenant) with the defaults: [`limits::SYSTEM_PRIORITY`],
    /// now, 3 attempts, 5-minute timeout, results kept a day.
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
            priority: limits::SYSTEM_PRIORITY,
            run_at_ms: None,
            max_attempts: 3,
            timeout_ms: 5 * 60 * 1000,
            result_ttl_ms: 24 * 60 * 60 * 1000,
            idempotency_key: None,
            tenant_id: None,
        }
    }

    /// A job working for `tenant`, with the defaults of [`NewJob::new`] but
    /// priority 0, the middle of the tenant band.
    pub fn for_tenant(
        tenant: TenantId,
        queue: impl Into<String>,
        kind: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            priority: 0,
            tenant_id: Some(tenant),
            ..Self::new(queue, kind, payload)
        }
    }

    /// Checks every field against [`limits`], the tight bounds for a tenant's
    /// job. `now_ms` is the enqueue time delays are measured from. Every queue
    /// backend, the outbox and the API check jobs with this.
    pub fn validate(&self, now_ms: i64) -> Result<(), InvalidJob> {
        self.validate_common()?;
        if self.tenant_id.is_some() {
            self.validate_tenant(now_ms)?;
        }
        Ok(())
    }

    /// What every job needs, a system job's included.
    fn validate_common(&self) -> Result<(), InvalidJob> {
        let name_ok = |s: &str| {
            !s.is_empty() && s.len() <= limits::NAME_MAX && !s.chars().any(char::is_control)
        };
        let names = format!("must be 1 to {} printable characters", limits::NAME_MAX);
        if !name_ok(&self.queue) {
            return Err(invalid("queue", names));
        }
        if !name_ok(&self.kind) {
            return Err(invalid("kind", names));
        }
        if self.max_attempts < 1 {
            return Err(invalid("max_attempts", "must be at least 1"));
        }
        if self.timeout_ms < 1 {
            return Err(invalid("timeout_ms", "must be positive"));
        }
        if self.result_ttl_ms < 0 {
            return Err(invalid("result_ttl_ms", "must not be negative"));
        }
        if self
            .idempotency_key
            .as_ref()
            .is_some_and(|k| k.is_empty() || k.len() > limits::IDEMPOTENCY_KEY_MAX)
        {
            return Err(invalid(
                "idempotency_key",
                format!("must be 1 to {} characters", limits::IDEMPOTENCY_KEY_MAX),
            ));
        }
        Ok(())
    }

    /// The tenant bounds (see [`limits`]).
    fn validate_tenant(&self, now_ms: i64) -> Result<(), InvalidJob> {
        let queue_ok = self.queue.len() <= limits::TENANT_QUEUE_NAME_MAX
            && self
                .queue
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !queue_ok {
            return Err(invalid(
                "queue",
                format!(
                    "must be 1 to {} of a-z, 0-9, '.', '_' and '-'",
                    limits::TENANT_QUEUE_NAME_MAX
                ),
            ));
        }
        let band = &limits::TENANT_PRIORITY;
        if !band.contains(&self.priority) {
            return Err(invalid(
                "priority",
                format!("must be between {} and {}", band.start(), band.end()),
            ));
        }
        let timeouts = &limits::TENANT_TIMEOUT_MS;
        if !timeouts.contains(&self.timeout_ms) {
            return Err(invalid(
                "timeout_ms",
                format!(
                    "must be between {} and {}",
                    timeouts.start(),
                    timeouts.end()
                ),
            ));
        }
        if self.max_attempts > limits::TENANT_MAX_ATTEMPTS {
            return Err(invalid(
                "max_attempts",
                format!("must be between 1 and {}", limits::TENANT_MAX_ATTEMPTS),
            ));
        }
        if self.result_ttl_ms > limits::TENANT_MAX_RESULT_TTL_MS {
            return Err(invalid(
                "result_ttl_ms",
                format!("must be at most {}", limits::TENANT_MAX_RESULT_TTL_MS),
            ));
        }
        // Bounded by fixed points, not "now" in the past: a job recorded in the
        // outbox is checked again when it is pushed, maybe much later, and must
        // still pass.
        if self
            .run_at_ms
            .is_some_and(|at| at < 0 || at > now_ms.saturating_add(limits::TENANT_MAX_DELAY_MS))
        {
            return Err(invalid(
                "run_at_ms",
                format!(
                    "must be from 0 to {} ms from now",
                    limits::TENANT_MAX_DELAY_MS
                ),
            ));
        }
        if !fits(&self.payload, limits::TENANT_MAX_PAYLOAD_BYTES) {
            return Err(invalid(
                "payload",
                format!(
                    "must be at most {} bytes of JSON",
                    limits::TENANT_MAX_PAYLOAD_BYTES
                ),
            ));
        }
        Ok(())
    }
}

/// Whether `value` serializes to at most `max` bytes; stops counting early.
fn fits(value: &serde_json::Value, max: usize) -> bool {
    struct Counter {
        left: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.left = self
                .left
                .checked_sub(buf.len())
                .ok_or_else(|| std::io::Error::other("over the limit"))?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(Counter { left: max }, value).is_ok()
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

impl Job {
    /// Whether this delivery is the job's last (no attempt is left after it).
    pub fn last_attempt(&self) -> bool {
        self.attempts >= self.max_attempts
    }

    /// Whether the previous attempt ended because its worker was lost (its
    /// lease expired: killed, crashed, cut off). Both queue backends write
    /// this `last_error` when they take such a job back (`jobs_sql.rs`,
    /// `redis_backend.rs`).
    pub fn previous_worker_lost(&self) -> bool {
        self.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("worker lost:"))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;

    fn tenant_job() -> NewJob {
        NewJob::for_tenant(TenantId::new(), "default", "system.echo", json!({ "a": 1 }))
    }

    fn refused(job: &NewJob) -> &'static str {
        job.validate(NOW).expect_err("refused").field
    }

    #[test]
    fn system_jobs_default_above_every_tenant_priority() {
        let system = NewJob::new("q", "k", json!({}));
        assert_eq!(system.priority, limits::SYSTEM_PRIORITY);
        assert!(limits::SYSTEM_PRIORITY > *limits::TENANT_PRIORITY.end());
        assert_eq!(system.validate(NOW), Ok(()));
        let tenant = tenant_job();
        assert_eq!(tenant.priority, 0);
        assert_eq!(tenant.validate(NOW), Ok(()));
    }

    #[test]
    fn tenant_jobs_are_bounded_in_every_field() {
        type Change = fn(&mut NewJob);
        let cases: Vec<(&str, Change)> = vec![
            ("priority", |j| j.priority = 101),
            ("priority", |j| j.priority = i32::MAX),
            ("priority", |j| j.priority = -101),
            ("timeout_ms", |j| j.timeout_ms = 14 * 24 * 3_600_000),
            ("timeout_ms", |j| j.timeout_ms = 999),
            ("max_attempts", |j| j.max_attempts = 1000),
            ("max_attempts", |j| j.max_attempts = 0),
            ("result_ttl_ms", |j| j.result_ttl_ms = i64::MAX),
            ("run_at_ms", |j| {
                j.run_at_ms = Some(NOW + limits::TENANT_MAX_DELAY_MS + 1)
            }),
            ("run_at_ms", |j| j.run_at_ms = Some(-1)),
            ("queue", |j| j.queue = "Default".into()),
            ("queue", |j| j.queue = "a:b".into()),
            ("queue", |j| j.queue = "q".repeat(65)),
            ("queue", |j| j.queue = String::new()),
            ("kind", |j| j.kind = "k\n".into()),
            ("idempotency_key", |j| {
                j.idempotency_key = Some("k".repeat(201))
            }),
            (
                "payload",
                |j| j.payload = json!({ "s": "x".repeat(limits::TENANT_MAX_PAYLOAD_BYTES) }),
            ),
        ];
        for (field, change) in cases {
            let mut job = tenant_job();
            change(&mut job);
            assert_eq!(refused(&job), field, "{job:?}");
        }
    }

    #[test]
    fn tenant_bounds_are_inclusive() {
        let mut job = tenant_job();
        job.priority = 100;
        job.timeout_ms = 3_600_000;
        job.max_attempts = limits::TENANT_MAX_ATTEMPTS;
        job.run_at_ms = Some(NOW + limits::TENANT_MAX_DELAY_MS);
        job.queue = "q".repeat(limits::TENANT_QUEUE_NAME_MAX);
        // `{"s":"…"}`: 8 bytes around the string.
        job.payload = json!({ "s": "x".repeat(limits::TENANT_MAX_PAYLOAD_BYTES - 8) });
        assert_eq!(job.validate(NOW), Ok(()));
        job.priority = -100;
        // A job checked again long after it was recorded (the outbox) still passes.
        job.run_at_ms = Some(NOW - 30 * 24 * 3_600_000);
        assert_eq!(job.validate(NOW), Ok(()));
    }

    #[test]
    fn system_jobs_keep_the_wide_bounds() {
        let job = NewJob {
            priority: i32::MIN,
            timeout_ms: 14 * 24 * 3_600_000,
            max_attempts: 1000,
            queue: "a:b".into(),
            run_at_ms: Some(NOW + 365 * 24 * 3_600_000),
            ..NewJob::new("q", "k", json!({}))
        };
        assert_eq!(job.validate(NOW), Ok(()));
        let bad = NewJob {
            max_attempts: 0,
            ..job
        };
        assert_eq!(
            bad.validate(NOW).unwrap_err().to_string(),
            "max_attempts: must be at least 1"
        );
    }
}

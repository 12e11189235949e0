//! The queue interface every backend implements.

use std::time::Duration;

use async_trait::async_trait;
use morningai_core::{now_ms, Job, JobId, JobStatus, NewJob, QueueCount, WorkerInfo};
use morningai_store::{JobScope, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("job not found")]
    NotFound,
    /// The job's status does not allow the operation; says why.
    #[error("{0}")]
    InvalidState(String),
    #[error("invalid job: {0}")]
    Invalid(String),
    #[error("store: {0}")]
    Store(StoreError),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("corrupt job data: {0}")]
    Corrupt(String),
}

impl From<StoreError> for QueueError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => QueueError::NotFound,
            StoreError::InvalidState(m) => QueueError::InvalidState(m),
            e => QueueError::Store(e),
        }
    }
}

pub type QueueResult<T> = Result<T, QueueError>;

/// The result of an enqueue: the job, and whether this call created it
/// (`false` when its idempotency key named an existing job).
#[derive(Clone, Debug, PartialEq)]
pub struct Enqueued {
    pub job: Job,
    pub created: bool,
}

/// A durable job queue. Delivery is at-least-once: a job is held under a lease
/// that its worker renews; when a worker dies the lease expires and
/// [`maintain`](QueueBackend::maintain) puts the job back (or, with no attempts
/// left, in the failed registry). Operations that hold a lease name the worker
/// and return `false` when the job is no longer that worker's.
#[async_trait]
pub trait QueueBackend: Send + Sync + 'static {
    /// `database` or `redis`.
    fn name(&self) -> &'static str;

    /// Adds a job (`scheduled` when `run_at_ms` is in the future). With an
    /// idempotency key already used, returns that job instead.
    async fn enqueue(&self, job: NewJob) -> QueueResult<Enqueued>;

    /// Takes the next due job, trying `queues` in order (as RQ does): highest
    /// priority first, then earliest. The job becomes `started`, its attempt
    /// count goes up by one, and it is leased to `worker` for `lease`.
    ///
    /// Fair share: a backend with a tenant limit (`with_tenant_concurrency`)
    /// passes over jobs of a tenant that already has that many jobs started
    /// under an unexpired lease, on any worker; jobs without a tenant are
    /// never limited.
    async fn claim(
        &self,
        queues: &[String],
        worker: &str,
        lease: Duration,
    ) -> QueueResult<Option<Job>>;

    async fn renew_lease(&self, id: JobId, worker: &str, lease: Duration) -> QueueResult<bool>;

    /// [`QueueBackend::finish`], then [`QueueBackend::claim`]: how a busy
    /// worker moves on, in one round trip where the backend can. Returns
    /// whether the job was finished and the next job.
    async fn finish_and_claim(
        &self,
        id: JobId,
        worker: &str,
        result: serde_json::Value,
        queues: &[String],
        lease: Duration,
    ) -> QueueResult<(bool, Option<Job>)> {
        let finished = self.finish(id, worker, result).await?;
        Ok((finished, self.claim(queues, worker, lease).await?))
    }

    /// Marks the job `finished` with its result, kept for the job's result TTL.
    async fn finish(&self, id: JobId, worker: &str, result: serde_json::Value)
        -> QueueResult<bool>;

    /// Records a failed attempt: `retry_at_ms` schedules the next one, `None`
    /// moves the job to the failed registry (`failed`).
    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> QueueResult<bool>;

    /// Gives an unfinished job back to its queue without counting the attempt
    /// (graceful shutdown).
    async fn release(&self, id: JobId, worker: &str) -> QueueResult<bool>;

    /// Cancels a `queued` or `scheduled` job.
    async fn cancel(&self, scope: JobScope, id: JobId) -> QueueResult<Job>;

    /// Puts a `failed` (or `canceled`) job back in its queue, attempts reset.
    async fn requeue(&self, scope: JobScope, id: JobId) -> QueueResult<Job>;

    async fn job(&self, scope: JobScope, id: JobId) -> QueueResult<Option<Job>>;

    /// Newest first, filtered by status and queue.
    async fn jobs(
        &self,
        scope: JobScope,
        status: Option<JobStatus>,
        queue: Option<&str>,
        limit: usize,
    ) -> QueueResult<Vec<Job>>;

    /// Job counts per queue and status.
    async fn counts(&self, scope: JobScope) -> QueueResult<Vec<QueueCount>>;

    /// Housekeeping, run periodically by workers: reclaims jobs whose lease
    /// expired, deletes finished jobs whose result TTL passed, and forgets
    /// workers silent for [`FORGET_WORKERS_AFTER`].
    async fn maintain(&self) -> QueueResult<()>;

    /// Registers a worker or records its heartbeat.
    async fn register_worker(&self, worker: &WorkerInfo) -> QueueResult<()>;
    async fn unregister_worker(&self, id: &str) -> QueueResult<()>;
    async fn workers(&self) -> QueueResult<Vec<WorkerInfo>>;
}

/// A worker without a heartbeat for this long is dropped from the registry.
/// Until then the admin API lists it as `stale` (silent for over a lease), so
/// a killed worker is visible for a while and then goes away by itself.
pub const FORGET_WORKERS_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Checks a new job against [`NewJob::validate`] (the bounds of
/// `morningai_core::job::limits`), as every backend and the outbox do before
/// storing anything.
pub(crate) fn validate(job: &NewJob) -> QueueResult<()> {
    job.validate(now_ms())
        .map_err(|e| QueueError::Invalid(e.to_string()))
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

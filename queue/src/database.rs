//! The database backend: jobs in the store's SQLite or PostgreSQL database.
//! The SQL lives in the store (`JobStore`); this adapts it to the queue interface.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use morningai_core::{now_ms, Job, JobId, JobStatus, NewJob, QueueCount, WorkerInfo};
use morningai_store::{JobScope, Store};

use crate::backend::{millis, validate, Enqueued, QueueBackend, QueueResult};

#[derive(Clone)]
pub struct DatabaseQueue {
    store: Arc<dyn Store>,
    /// Fair share: see [`DatabaseQueue::with_tenant_concurrency`].
    tenant_limit: Option<u32>,
}

impl DatabaseQueue {
    /// A queue without a per-tenant limit.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            tenant_limit: None,
        }
    }

    /// Fair share: claims pass over jobs of a tenant that already has `limit`
    /// jobs started (under an unexpired lease, on any worker), so one tenant's
    /// backlog cannot take every worker. Jobs without a tenant are not limited.
    /// `None` (or 0) means no limit.
    pub fn with_tenant_concurrency(mut self, limit: Option<u32>) -> Self {
        self.tenant_limit = limit.filter(|&n| n > 0);
        self
    }
}

#[async_trait]
impl QueueBackend for DatabaseQueue {
    fn name(&self) -> &'static str {
        "database"
    }

    async fn enqueue(&self, job: NewJob) -> QueueResult<Enqueued> {
        validate(&job)?;
        let (job, created) = self.store.enqueue_job(&job, now_ms()).await?;
        Ok(Enqueued { job, created })
    }

    async fn claim(
        &self,
        queues: &[String],
        worker: &str,
        lease: Duration,
    ) -> QueueResult<Option<Job>> {
        let now = now_ms();
        for queue in queues {
            if let Some(job) = self
                .store
                .claim_job(queue, worker, now, millis(lease), self.tenant_limit)
                .await?
            {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    async fn renew_lease(&self, id: JobId, worker: &str, lease: Duration) -> QueueResult<bool> {
        Ok(self
            .store
            .renew_lease(id, worker, now_ms() + millis(lease))
            .await?)
    }

    async fn finish(
        &self,
        id: JobId,
        worker: &str,
        result: serde_json::Value,
    ) -> QueueResult<bool> {
        Ok(self.store.finish_job(id, worker, &result, now_ms()).await?)
    }

    async fn finish_and_claim(
        &self,
        id: JobId,
        worker: &str,
        result: serde_json::Value,
        queues: &[String],
        lease: Duration,
    ) -> QueueResult<(bool, Option<Job>)> {
        Ok(self
            .store
            .finish_and_claim_job(
                id,
                worker,
                &result,
                queues,
                now_ms(),
                millis(lease),
                self.tenant_limit,
            )
            .await?)
    }

    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> QueueResult<bool> {
        Ok(self
            .store
            .fail_job(id, worker, error, retry_at_ms, now_ms())
            .await?)
    }

    async fn release(&self, id: JobId, worker: &str) -> QueueResult<bool> {
        Ok(self.store.release_job(id, worker).await?)
    }

    async fn cancel(&self, scope: JobScope, id: JobId) -> QueueResult<Job> {
        Ok(self.store.cancel_job(scope, id, now_ms()).await?)
    }

    async fn requeue(&self, scope: JobScope, id: JobId) -> QueueResult<Job> {
        Ok(self.store.requeue_job(scope, id, now_ms()).await?)
    }

    async fn job(&self, scope: JobScope, id: JobId) -> QueueResult<Option<Job>> {
        Ok(self.store.job(scope, id).await?)
    }

    async fn jobs(
        &self,
        scope: JobScope,
        status: Option<JobStatus>,
        queue: Option<&str>,
        limit: usize,
    ) -> QueueResult<Vec<Job>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Ok(self.store.jobs(scope, status, queue, limit).await?)
    }

    async fn counts(&self, scope: JobScope) -> QueueResult<Vec<QueueCount>> {
        Ok(self.store.job_counts(scope).await?)
    }

    async fn maintain(&self) -> QueueResult<()> {
        let now = now_ms();
        let reclaimed = self.store.reap_expired_leases(now).await?;
        if reclaimed > 0 {
            tracing::warn!(reclaimed, "reclaimed jobs whose worker lost its lease");
        }
        self.store.purge_expired_results(now).await?;
        let forgotten = self
            .store
            .prune_workers(now - crate::backend::FORGET_WORKERS_AFTER.as_millis() as i64)
            .await?;
        if forgotten > 0 {
            tracing::info!(forgotten, "forgot workers silent for a day");
        }
        Ok(())
    }

    async fn register_worker(&self, worker: &WorkerInfo) -> QueueResult<()> {
        Ok(self.store.upsert_worker(worker).await?)
    }

    async fn unregister_worker(&self, id: &str) -> QueueResult<()> {
        Ok(self.store.remove_worker(id).await?)
    }

    async fn workers(&self) -> QueueResult<Vec<WorkerInfo>> {
        Ok(self.store.workers().await?)
    }
}

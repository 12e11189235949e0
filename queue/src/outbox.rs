//! Durable enqueueing. With the database backend a job row is itself the
//! durable record. With Redis, a job is first written to the database outbox
//! (the truth), then pushed to Redis; a dispatcher pushes whatever is still
//! pending — e.g. while Redis was down — when Redis answers again. Pushes are
//! idempotent (the job carries an idempotency key), so a push that succeeded
//! but was not marked is not doubled.

use std::sync::Arc;
use std::time::Duration;

use morningai_core::{now_ms, NewJob};
use morningai_store::Store;
use tokio_util::sync::CancellationToken;

use crate::{DatabaseQueue, Enqueued, QueueBackend, QueueError, QueueResult};

#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn Store>,
    backend: Arc<dyn QueueBackend>,
}

impl Outbox {
    pub fn new(store: Arc<dyn Store>, backend: Arc<dyn QueueBackend>) -> Self {
        Self { store, backend }
    }

    /// Records the job in the database, then tries to push it at once. Once
    /// this returns `Ok`, the job will reach the queue.
    pub async fn enqueue(&self, mut job: NewJob) -> QueueResult<uuid::Uuid> {
        crate::backend::validate(&job)?;
        if job.idempotency_key.is_none() {
            job.idempotency_key = Some(format!("outbox:{}", job.id));
        }
        let id = self.store.outbox_add(&job, now_ms()).await?;
        if let Err(e) = self.push(id, job).await {
            tracing::warn!(outbox_id = %id, error = %e, "queue unreachable; the outbox will push the job later");
        }
        Ok(id)
    }

    async fn push(&self, id: uuid::Uuid, job: NewJob) -> QueueResult<Enqueued> {
        let enqueued = self.backend.enqueue(job).await?;
        self.store.outbox_mark_dispatched(id, now_ms()).await?;
        Ok(enqueued)
    }

    /// Pushes every pending entry, oldest first; returns how many went out.
    /// Stops at the first failure (the queue is likely down) to keep order.
    pub async fn dispatch_pending(&self) -> QueueResult<usize> {
        let mut sent = 0;
        loop {
            let batch = self.store.outbox_pending(100).await?;
            if batch.is_empty() {
                return Ok(sent);
            }
            for entry in batch {
                match self.push(entry.id, entry.job).await {
                    Ok(_) => sent += 1,
                    // Refused for good (the bounds tightened since it was
                    // recorded, or it was written unchecked in another
                    // transaction): kept pending, it would hold up every job
                    // behind it.
                    Err(QueueError::Invalid(reason)) => {
                        tracing::error!(outbox_id = %entry.id, %reason, "dropping an outbox job the queue refuses");
                        self.store
                            .outbox_mark_dispatched(entry.id, now_ms())
                            .await?;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// Dispatches pending entries every `interval` until `shutdown`.
    pub async fn run(self, interval: Duration, shutdown: CancellationToken) {
        loop {
            match self.dispatch_pending().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(dispatched = n, "outbox pushed pending jobs"),
                Err(e) => tracing::warn!(error = %e, "outbox dispatch failed; will retry"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}

/// The queue as the application uses it: a backend, and for Redis the outbox
/// in front of it so enqueuing never loses a job.
#[derive(Clone)]
pub struct Queue {
    backend: Arc<dyn QueueBackend>,
    outbox: Option<Outbox>,
}

/// What an enqueue through [`Queue`] returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Accepted {
    /// In the queue now (the database backend).
    Queued(Box<Enqueued>),
    /// Durably recorded; the outbox delivers it to the queue.
    Recorded { outbox_id: uuid::Uuid },
}

impl Queue {
    /// The database backend: jobs are rows in the store, no outbox needed.
    pub fn database(store: Arc<dyn Store>) -> Self {
        Self::from_database(DatabaseQueue::new(store))
    }

    /// A configured database backend (e.g. with a per-tenant limit).
    pub fn from_database(queue: DatabaseQueue) -> Self {
        Self {
            backend: Arc::new(queue),
            outbox: None,
        }
    }

    /// An external backend (Redis) behind the store's outbox.
    pub fn with_outbox(store: Arc<dyn Store>, backend: Arc<dyn QueueBackend>) -> Self {
        Self {
            outbox: Some(Outbox::new(store, backend.clone())),
            backend,
        }
    }

    pub fn backend(&self) -> &Arc<dyn QueueBackend> {
        &self.backend
    }

    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    pub async fn enqueue(&self, job: NewJob) -> QueueResult<Accepted> {
        match &self.outbox {
            Some(outbox) => Ok(Accepted::Recorded {
                outbox_id: outbox.enqueue(job).await?,
            }),
            None => Ok(Accepted::Queued(Box::new(self.backend.enqueue(job).await?))),
        }
    }
}

//! What a worker runs: handlers registered by job kind.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use morningai_core::Job;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

/// What a handler gets: the job (its `attempts` is this attempt's number, so a
/// handler can be idempotent under at-least-once delivery) and a token that is
/// cancelled when the worker must stop or has lost the job's lease.
pub struct JobContext {
    pub job: Job,
    pub cancel: CancellationToken,
}

impl JobContext {
    pub fn attempt(&self) -> i32 {
        self.job.attempts
    }
}

/// Why an attempt failed, and whether trying again could help.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Retried with backoff while attempts remain.
    #[error("{0}")]
    Retry(String),
    /// Straight to the failed registry (bad payload, a bug, a refusal).
    #[error("{0}")]
    Permanent(String),
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        JobError::Retry(format!("{e:#}"))
    }
}

#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    async fn run(&self, ctx: JobContext) -> Result<serde_json::Value, JobError>;
}

struct FnHandler<F>(F);

#[async_trait]
impl<F, Fut> JobHandler for FnHandler<F>
where
    F: Fn(JobContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
{
    async fn run(&self, ctx: JobContext) -> Result<serde_json::Value, JobError> {
        (self.0)(ctx).await
    }
}

/// Handlers by job kind.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: HashMap<String, Arc<dyn JobHandler>>,
}

impl Handlers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(mut self, kind: &str, handler: impl JobHandler) -> Self {
        self.by_kind.insert(kind.to_owned(), Arc::new(handler));
        self
    }

    /// Registers an async function.
    pub fn on<F, Fut>(self, kind: &str, f: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
    {
        self.register(kind, FnHandler(f))
    }

    /// Registers an async function whose payload is decoded into `P` first; a
    /// payload that does not decode fails the job permanently with the reason.
    pub fn on_typed<P, F, Fut>(self, kind: &str, f: F) -> Self
    where
        P: DeserializeOwned + Send + 'static,
        F: Fn(P, JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<serde_json::Value, JobError>> + Send + 'static,
    {
        let f = Arc::new(f);
        let kind_name = kind.to_owned();
        self.on(kind, move |ctx: JobContext| {
            let f = f.clone();
            let kind_name = kind_name.clone();
            async move {
                let payload =
                    serde_json::from_value::<P>(ctx.job.payload.clone()).map_err(|e| {
                        JobError::Permanent(format!(
                            "payload does not fit job kind {kind_name}: {e}"
                        ))
                    })?;
                f(payload, ctx).await
            }
        })
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        self.by_kind.get(kind).cloned()
    }

    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.by_kind.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        kinds
    }
}

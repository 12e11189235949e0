//! The job queue as this process uses it: which backend, which handlers, and
//! the background work (in-process workers, the outbox dispatcher).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use morningai_orchestration::Runtime;
use morningai_queue::{
    builtin, DatabaseQueue, Handlers, Queue, RedisQueue, RetryPolicy, Worker, WorkerConfig,
};
use morningai_store::Store;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{QueueConfig, QueueKind};

/// Every job kind this build can run: the built-ins and task runs.
pub fn handlers(runtime: &Runtime) -> Handlers {
    runtime.handlers(builtin::with_builtins(Handlers::new()))
}

/// Job kinds an owner or admin may enqueue through the API (to try the queue).
pub const API_KINDS: &[&str] = &[builtin::NOOP, builtin::ECHO, builtin::SLEEP, builtin::FAIL];

/// The configured queue, with its per-tenant limit. Redis need not be up:
/// jobs wait in the outbox.
pub fn queue(config: &QueueConfig, store: Arc<dyn Store>) -> anyhow::Result<Queue> {
    let limit = config.tenant_limit();
    Ok(match config.kind {
        QueueKind::Database => {
            Queue::from_database(DatabaseQueue::new(store).with_tenant_concurrency(limit))
        }
        QueueKind::Redis => {
            let redis = RedisQueue::connect_lazy(&config.redis_url, &config.redis_prefix)
                .context("MORNINGAI_REDIS_URL")?
                .with_tenant_concurrency(limit);
            Queue::with_outbox(store, Arc::new(redis))
        }
    })
}

pub fn worker_config(config: &QueueConfig) -> WorkerConfig {
    let lease = Duration::from_secs(config.lease_secs);
    WorkerConfig {
        queues: config.queues.clone(),
        concurrency: config.workers.max(1),
        lease,
        heartbeat: lease / 3,
        grace: Duration::from_secs(config.grace_secs),
        retry: RetryPolicy::default(),
        ..WorkerConfig::default()
    }
}

/// Background tasks that stop together.
pub struct Background {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the outbox dispatcher (Redis) and, with `workers > 0`, a worker
    /// running `handlers`.
    pub fn start(queue: &Queue, config: &QueueConfig, handlers: Handlers) -> Self {
        let stop = CancellationToken::new();
        let mut tasks = Vec::new();
        if let Some(outbox) = queue.outbox() {
            tasks.push(tokio::spawn(
                outbox.clone().run(Duration::from_secs(1), stop.clone()),
            ));
        }
        if config.workers > 0 {
            let worker = Worker::new(queue.backend().clone(), handlers, worker_config(config));
            tasks.push(tokio::spawn(worker.run(stop.clone())));
        }
        Self { stop, tasks }
    }

    /// Stops claiming, lets running jobs finish within the grace period.
    pub async fn shutdown(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

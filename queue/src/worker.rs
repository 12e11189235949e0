//! The worker: claims jobs from a backend and runs their handlers with a lease
//! renewed by heartbeats, per-job timeouts, retries with backoff, and a
//! graceful shutdown that finishes running jobs within a grace period and
//! gives back the rest.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use morningai_core::{now_ms, Job, JobId, WorkerInfo};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::handler::{Handlers, JobContext, JobError};
use crate::retry::RetryPolicy;
use crate::QueueBackend;

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Queues to take jobs from, in priority order.
    pub queues: Vec<String>,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claimed job stays this worker's without a heartbeat; a
    /// worker that dies loses its jobs this long after its last heartbeat.
    pub lease: Duration,
    /// How often leases are renewed and the worker's registration refreshed.
    pub heartbeat: Duration,
    /// Longest pause between claims when the queues are empty.
    pub idle_poll: Duration,
    /// How long shutdown waits for running jobs before giving them back.
    pub grace: Duration,
    /// How often this worker runs the backend's housekeeping.
    pub maintenance: Duration,
    pub retry: RetryPolicy,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            queues: vec!["default".into()],
            concurrency: 4,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            idle_poll: Duration::from_millis(250),
            grace: Duration::from_secs(30),
            maintenance: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        }
    }
}

pub struct Worker {
    backend: Arc<dyn QueueBackend>,
    handlers: Arc<Handlers>,
    config: WorkerConfig,
    id: String,
}

/// What running jobs share with the heartbeat.
#[derive(Default)]
struct Running {
    jobs: Mutex<HashSet<JobId>>,
}

impl Running {
    fn snapshot(&self) -> Vec<JobId> {
        let mut ids: Vec<JobId> = self
            .jobs
            .lock()
            .expect("running set")
            .iter()
            .copied()
            .collect();
        ids.sort();
        ids
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

impl Worker {
    pub fn new(backend: Arc<dyn QueueBackend>, handlers: Handlers, config: WorkerConfig) -> Self {
        let id = format!(
            "{}-{}-{}",
            hostname(),
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Self {
            backend,
            handlers: Arc::new(handlers),
            config,
            id,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `shutdown` is cancelled, then drains (see the module docs).
    pub async fn run(self, shutdown: CancellationToken) {
        let running = Arc::new(Running::default());
        let info = WorkerInfo {
            id: self.id.clone(),
            host: hostname(),
            pid: i64::from(std::process::id()),
            queues: self.config.queues.clone(),
            started_at_ms: now_ms(),
            last_heartbeat_ms: now_ms(),
            current_jobs: Vec::new(),
        };
        // Registered before the first claim, so the registry never shows a
        // job started by a worker it does not list.
        if let Err(e) = self.backend.register_worker(&info).await {
            tracing::warn!(worker = %self.id, error = %e, "worker not registered yet; the heartbeat will retry");
        }
        let heartbeat_stop = CancellationToken::new();
        let heartbeat = tokio::spawn(heartbeat_loop(
            self.backend.clone(),
            info,
            running.clone(),
            self.config.clone(),
            heartbeat_stop.clone(),
        ));
        tracing::info!(worker = %self.id, queues = ?self.config.queues, concurrency = self.config.concurrency, backend = self.backend.name(), "worker started");

        // Cancelled after the grace period: running handlers stop and their jobs are released.
        let abort = CancellationToken::new();
        let slots = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let mut idle = Duration::from_millis(1);
        loop {
            let permit = tokio::select! {
                () = shutdown.cancelled() => break,
                permit = slots.clone().acquire_owned() => permit.expect("semaphore open"),
            };
            while tasks.try_join_next().is_some() {}
            match self
                .backend
                .claim(&self.config.queues, &self.id, self.config.lease)
                .await
            {
                Ok(Some(job)) => {
                    idle = Duration::from_millis(1);
                    running.jobs.lock().expect("running set").insert(job.id);
                    let run = JobRun {
                        backend: self.backend.clone(),
                        handlers: self.handlers.clone(),
                        config: self.config.clone(),
                        worker: self.id.clone(),
                        running: running.clone(),
                        abort: abort.clone(),
                    };
                    let stopping = shutdown.clone();
                    // The slot keeps going while finishing a job hands it the next.
                    tasks.spawn(async move {
                        let mut next = Some(job);
                        while let Some(job) = next.take() {
                            next = run.execute(job, &stopping).await;
                        }
                        drop(permit);
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "claim failed; retrying");
                    idle = idle.max(Duration::from_millis(100));
                }
            }
            drop(permit);
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(idle) => {}
            }
            idle = (idle * 2).min(self.config.idle_poll);
        }

        tracing::info!(worker = %self.id, running = tasks.len(), "worker stopping: no new jobs; finishing running ones");
        let drained = tokio::time::timeout(self.config.grace, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(worker = %self.id, "grace period over: giving unfinished jobs back");
            abort.cancel();
            while tasks.join_next().await.is_some() {}
        }
        heartbeat_stop.cancel();
        let _ = heartbeat.await;
        if let Err(e) = self.backend.unregister_worker(&self.id).await {
            tracing::warn!(worker = %self.id, error = %e, "could not unregister");
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }
}

/// Refreshes the worker's registration and runs housekeeping until stopped.
async fn heartbeat_loop(
    backend: Arc<dyn QueueBackend>,
    mut info: WorkerInfo,
    running: Arc<Running>,
    config: WorkerConfig,
    stop: CancellationToken,
) {
    let mut last_maintenance = 0i64;
    loop {
        info.last_heartbeat_ms = now_ms();
        info.current_jobs = running.snapshot();
        if let Err(e) = backend.register_worker(&info).await {
            tracing::warn!(worker = %info.id, error = %e, "heartbeat failed");
        }
        if now_ms() - last_maintenance >= crate::backend::millis(config.maintenance) {
            last_maintenance = now_ms();
            if let Err(e) = backend.maintain().await {
                tracing::warn!(worker = %info.id, error = %e, "queue maintenance failed");
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(config.heartbeat.min(config.maintenance)) => {}
        }
    }
}

/// One claimed job, run to an outcome recorded in the backend.
struct JobRun {
    backend: Arc<dyn QueueBackend>,
    handlers: Arc<Handlers>,
    config: WorkerConfig,
    worker: String,
    running: Arc<Running>,
    abort: CancellationToken,
}

enum Outcome {
    Finished(serde_json::Value),
    Failed(JobError),
    /// The worker is stopping: give the job back.
    Released,
    /// Another worker owns the job now; record nothing.
    LeaseLost,
}

impl JobRun {
    /// Runs the job and records its outcome; returns the next job when
    /// finishing it claimed one (the worker is not stopping).
    async fn execute(&self, job: Job, stopping: &CancellationToken) -> Option<Job> {
        use tracing::Instrument;
        let id = job.id;
        let span = tracing::info_span!("job", job_id = %id, kind = %job.kind, queue = %job.queue, attempt = job.attempts);
        let next = async {
            let outcome = self.run_handler(job.clone()).await;
            self.record(&job, outcome, stopping).await
        }
        .instrument(span)
        .await;
        let mut running = self.running.jobs.lock().expect("running set");
        running.remove(&id);
        if let Some(next) = &next {
            running.insert(next.id);
        }
        next
    }

    async fn run_handler(&self, job: Job) -> Outcome {
        let Some(handler) = self.handlers.get(&job.kind) else {
            return Outcome::Failed(JobError::Permanent(format!(
                "no handler for job kind {}",
                job.kind
            )));
        };
        let cancel = self.abort.child_token();
        let lease_lost = CancellationToken::new();
        let renewer = tokio::spawn(renew_lease(
            self.backend.clone(),
            job.id,
            self.worker.clone(),
            self.config.clone(),
            cancel.clone(),
            lease_lost.clone(),
        ));
        let timeout = Duration::from_millis(u64::try_from(job.timeout_ms).unwrap_or(1));
        let ctx = JobContext {
            job,
            cancel: cancel.clone(),
        };
        // The handler runs in its own task so a panic is an outcome, not a crash.
        let mut handle = tokio::spawn(async move { handler.run(ctx).await });
        let outcome = tokio::select! {
            joined = tokio::time::timeout(timeout, &mut handle) => match joined {
                Ok(Ok(Ok(value))) => Outcome::Finished(value),
                Ok(Ok(Err(e))) => Outcome::Failed(e),
                Ok(Err(join)) => Outcome::Failed(JobError::Retry(format!("handler panicked: {join}"))),
                Err(_) => {
                    cancel.cancel();
                    handle.abort();
                    Outcome::Failed(JobError::Retry(format!("timed out after {} ms", timeout.as_millis())))
                }
            },
            () = self.abort.cancelled() => {
                handle.abort();
                Outcome::Released
            }
            () = lease_lost.cancelled() => {
                cancel.cancel();
                handle.abort();
                Outcome::LeaseLost
            }
        };
        renewer.abort();
        // A handler that ended because the worker is stopping is given back, not failed.
        if self.abort.is_cancelled() && !matches!(outcome, Outcome::Finished(_)) {
            return Outcome::Released;
        }
        outcome
    }

    /// Records the outcome; a finished job's record also claims the next job
    /// in the same round trip unless the worker is stopping.
    async fn record(
        &self,
        job: &Job,
        outcome: Outcome,
        stopping: &CancellationToken,
    ) -> Option<Job> {
        if let Outcome::Finished(value) = &outcome {
            if !stopping.is_cancelled() && !self.abort.is_cancelled() {
                let moved_on = self
                    .backend
                    .finish_and_claim(
                        job.id,
                        &self.worker,
                        value.clone(),
                        &self.config.queues,
                        self.config.lease,
                    )
                    .await;
                match moved_on {
                    Ok((finished, next)) => {
                        if !finished {
                            tracing::warn!(job_id = %job.id, "job was no longer ours when recording its outcome");
                        }
                        return match next {
                            Some(next) if stopping.is_cancelled() => {
                                self.give_back(&next).await;
                                None
                            }
                            next => next,
                        };
                    }
                    // Recorded the slow way below; a job claimed by a reply
                    // that was lost is reclaimed when its lease expires.
                    Err(e) => {
                        tracing::warn!(job_id = %job.id, error = %e, "recording the outcome failed; retrying");
                    }
                }
            }
        }
        self.record_outcome(job, outcome).await;
        None
    }

    /// A job claimed as the worker began stopping goes straight back.
    async fn give_back(&self, job: &Job) {
        if let Err(e) = self.backend.release(job.id, &self.worker).await {
            tracing::warn!(job_id = %job.id, error = %e, "could not give back a job claimed while stopping; its lease will expire");
        }
    }

    /// Records the outcome, retrying while the backend is unreachable (Redis
    /// restarting, a database failover) so a finished job is not run again.
    async fn record_outcome(&self, job: &Job, outcome: Outcome) {
        let mut wait = Duration::from_millis(50);
        for _ in 0..40 {
            let result = match &outcome {
                Outcome::Finished(value) => {
                    self.backend
                        .finish(job.id, &self.worker, value.clone())
                        .await
                }
                Outcome::Failed(e) => {
                    let retry_at = match e {
                        JobError::Retry(_) if job.attempts < job.max_attempts => Some(
                            now_ms()
                                + crate::backend::millis(self.config.retry.delay(job.attempts)),
                        ),
                        _ => None,
                    };
                    let error = format!("attempt {}: {e}", job.attempts);
                    tracing::warn!(job_id = %job.id, kind = %job.kind, %error, retry = retry_at.is_some(), "job attempt failed");
                    self.backend
                        .fail(job.id, &self.worker, &error, retry_at)
                        .await
                }
                Outcome::Released => self.backend.release(job.id, &self.worker).await,
                Outcome::LeaseLost => {
                    tracing::warn!(job_id = %job.id, "lease lost; another worker may run this job");
                    return;
                }
            };
            match result {
                Ok(true) => return,
                Ok(false) => {
                    tracing::warn!(job_id = %job.id, "job was no longer ours when recording its outcome");
                    return;
                }
                Err(e) => {
                    tracing::warn!(job_id = %job.id, error = %e, "recording the outcome failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(2));
                }
            }
        }
        tracing::error!(job_id = %job.id, "gave up recording the outcome; the lease will expire and the job run again");
    }
}

/// Renews the job's lease every heartbeat until cancelled; signals `lost` when
/// the backend says the job is no longer ours.
async fn renew_lease(
    backend: Arc<dyn QueueBackend>,
    id: JobId,
    worker: String,
    config: WorkerConfig,
    stop: CancellationToken,
    lost: CancellationToken,
) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(config.heartbeat) => {}
        }
        match backend.renew_lease(id, &worker, config.lease).await {
            Ok(true) => {}
            Ok(false) => {
                lost.cancel();
                return;
            }
            // Unreachable backend: keep trying; the lease still has time.
            Err(e) => tracing::warn!(job_id = %id, error = %e, "lease renewal failed"),
        }
    }
}

//! Orchestration runtime benchmark: the overhead of the durable graph runtime
//! on a 10-node no-op graph (`n1 → … → n10`, a small serde state), per store.
//!
//! Runs on SQLite always (a fresh [`TempSqlite`]), and on PostgreSQL when
//! `DATABASE_URL` is set (a superuser URL; a fresh [`TempPostgres`], opened
//! as `serve` opens it: the default pool, working as the application role).
//! Tasks go through the real path: [`Runtime::submit`] writes the task and
//! its `task.run` job ([`Queue::database`]), in-process [`Worker`]s run
//! `runtime.handlers(…)`. Each phase uses a tenant of its own. Measures:
//!
//! 1. **end to end** — [`LATENCY_TASKS`] tasks one after another, one worker
//!    (concurrency 1, idle poll [`IDLE_POLL`]): from calling `submit` until
//!    the run has ended (the task is `done`). The end is signalled by a thin
//!    wrapper around the runtime's job handler the moment `run_task` returns
//!    (the task's final state is committed by then), rather than by polling;
//!    the task is then checked to be `done` with 11 checkpoints;
//! 2. **1,000 concurrent** — [`CONCURRENT_TASKS`] submitted at once while one
//!    worker with concurrency [`CONCURRENT_WORKER_CONCURRENCY`] runs them:
//!    total time from the first submit to the last run ended, tasks/s, each
//!    task's submit → done latency under load, and the final tally (every
//!    task must be `done`; a failed, canceled or unfinished task, a refused
//!    submit or a handler error is an error);
//! 3. **direct run** — [`DIRECT_TASKS`] tasks submitted with no worker
//!    running, then each run by calling [`Runtime::run_task`] and timed: the
//!    runtime's own cost without queue latency. Divided by the checkpoints a
//!    run writes ([`CHECKPOINTS_PER_TASK`]: the initial one and one per
//!    node) it is the cost per checkpointed node — the target is
//!    < [`TARGET_MS_PER_CHECKPOINTED_NODE`] ms;
//! 4. **store calls alone** — [`MICRO_CALLS`] calls each of `start_node`
//!    (the cancel check, the resume check and `node.started`, one
//!    transaction) and `save_checkpoint` (checkpoint + `node.finished`, one
//!    transaction). A run joins them: saving a node's checkpoint starts the
//!    next node in the same transaction (`save_checkpoint_and_start`), so
//!    only a run's first node (or a resumed one) calls `start_node`.
//!
//! Prints a table, writes `bench/results/orchestration.json` and
//! `bench/results/orchestration.md` at the workspace root, and exits non-zero
//! if any task did not end `done` (or any other error). A missed latency
//! target is reported, not an error.
//! Run with `cargo bench -p morningai-orchestration --bench runtime`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use morningai_core::{
    Checkpoint, CheckpointId, Email, Role, TaskId, TaskStatus, TenantCtx, TenantId,
};
use morningai_orchestration::registry::GraphEntry;
use morningai_orchestration::{
    Graph, NodeCtx, NodeError, NodeOutput, Registry, RunOutcome, Runtime, TaskRequest, END, START,
    TASK_JOB_KIND,
};
use morningai_queue::{Handlers, JobScope, JobStatus, Queue, Worker, WorkerConfig};
use morningai_store::testing::{TempPostgres, TempSqlite};
use morningai_store::{OpenOptions, Store, TaskFilter};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// The benchmark graph's task kind.
const KIND: &str = "bench.noop10";
/// Nodes in the chain.
const NODES: usize = 10;
/// Checkpoints a run writes: the initial one and one after every node.
const CHECKPOINTS_PER_TASK: usize = NODES + 1;
/// Unmeasured tasks (or calls) before each measured series.
const WARMUP: usize = 10;
/// Sequential tasks through a worker.
const LATENCY_TASKS: usize = 200;
/// Sequential tasks run by calling `run_task` directly.
const DIRECT_TASKS: usize = 200;
/// Calls of each store call measured alone.
const MICRO_CALLS: usize = 500;
/// Tasks submitted at once in the concurrency run.
const CONCURRENT_TASKS: usize = 1_000;
/// Jobs the worker of the concurrency run runs at once.
const CONCURRENT_WORKER_CONCURRENCY: usize = 8;
/// Longest pause between a worker's claims when the queue is empty.
const IDLE_POLL: Duration = Duration::from_millis(2);
/// Longest a sequential task may take before it counts as an error.
const TASK_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest the concurrency run may take.
const CONCURRENT_TIMEOUT: Duration = Duration::from_secs(300);
/// The target, per checkpointed node, on every store.
const TARGET_MS_PER_CHECKPOINTED_NODE: f64 = 2.0;

// ---------------------------------------------------------------------------
// The graph

/// The benchmark graph's state: small, and every node leaves a trace in it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoopState {
    label: String,
    #[serde(default)]
    steps: u32,
}

/// A node that does nothing but count itself.
async fn noop(mut state: NoopState, _ctx: NodeCtx) -> Result<NodeOutput<NoopState>, NodeError> {
    state.steps += 1;
    Ok(NodeOutput::Update(state))
}

/// `START → n1 → n2 → … → n10 → END`.
fn noop_graph() -> anyhow::Result<Graph<NoopState>> {
    let names: Vec<String> = (1..=NODES).map(|i| format!("n{i}")).collect();
    let mut builder = Graph::builder(KIND).step_limit(NODES as i64 + 5);
    for name in &names {
        builder = builder.node(name, noop);
    }
    builder = builder.edge(START, &names[0]);
    for pair in names.windows(2) {
        builder = builder.edge(&pair[0], &pair[1]);
    }
    builder = builder.edge(&names[NODES - 1], END);
    Ok(builder.build()?)
}

fn registry() -> anyhow::Result<Registry> {
    Ok(Registry::new().register(
        KIND,
        GraphEntry {
            graph: Arc::new(noop_graph()?),
            approver: Role::Member,
            description: "Benchmark: ten no-op nodes in a chain.",
        },
    ))
}

fn request(i: usize) -> TaskRequest {
    TaskRequest {
        kind: KIND.into(),
        input: json!({ "label": format!("bench task {i}") }),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------
// Statistics and results

/// Durations, sorted.
#[derive(Clone, Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self(samples)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// Nearest-rank percentile, in milliseconds.
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.0.len()) - 1;
        self.0[i].as_secs_f64() * 1e3
    }

    fn mean_ms(&self) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let total: Duration = self.0.iter().sum();
        total.as_secs_f64() * 1e3 / self.0.len() as f64
    }

    /// Every sample divided by `n`.
    fn divided(&self, n: u32) -> Self {
        Self(self.0.iter().map(|d| *d / n).collect())
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One line of the results table.
struct Row {
    backend: &'static str,
    scenario: String,
    errors: usize,
    samples: Samples,
    /// Tasks (or calls) per second, where meaningful.
    rate: Option<f64>,
}

impl Row {
    fn to_json(&self) -> Value {
        let s = &self.samples;
        json!({
            "backend": self.backend,
            "scenario": self.scenario,
            "n": s.len(),
            "errors": self.errors,
            "per_s": self.rate.map(round3),
            "latency_ms": {
                "mean": round3(s.mean_ms()),
                "p50": round3(s.percentile_ms(50.0)),
                "p95": round3(s.percentile_ms(95.0)),
                "p99": round3(s.percentile_ms(99.0)),
                "max": round3(s.percentile_ms(100.0)),
            },
        })
    }
}

/// The 1,000-task run's tally.
#[derive(Default)]
struct Concurrent {
    submitted: usize,
    submit_errors: usize,
    first_submit_error: Option<String>,
    done: usize,
    failed: usize,
    canceled: usize,
    /// Queued, running or waiting when the run ended (or timed out).
    unfinished: usize,
    /// Done, but without the expected checkpoints or result.
    malformed: usize,
    /// `task.run` attempts that returned an error (the job is then retried).
    handler_errors: usize,
    first_handler_error: Option<String>,
    /// `task.run` jobs in the failed registry afterwards.
    failed_jobs: usize,
    timed_out: bool,
    total: Duration,
    latency: Samples,
}

impl Concurrent {
    fn errors(&self) -> usize {
        self.submit_errors
            + self.failed
            + self.canceled
            + self.unfinished
            + self.malformed
            + self.handler_errors
            + self.failed_jobs
    }

    fn tasks_per_s(&self) -> f64 {
        self.done as f64 / self.total.as_secs_f64()
    }

    fn to_json(&self) -> Value {
        json!({
            "tasks": CONCURRENT_TASKS,
            "worker_concurrency": CONCURRENT_WORKER_CONCURRENCY,
            "submitted": self.submitted,
            "submit_errors": self.submit_errors,
            "first_submit_error": self.first_submit_error,
            "done": self.done,
            "failed": self.failed,
            "canceled": self.canceled,
            "unfinished": self.unfinished,
            "malformed": self.malformed,
            "handler_errors": self.handler_errors,
            "first_handler_error": self.first_handler_error,
            "failed_jobs": self.failed_jobs,
            "timed_out": self.timed_out,
            "errors": self.errors(),
            "total_s": round3(self.total.as_secs_f64()),
            "tasks_per_s": round3(self.tasks_per_s()),
        })
    }
}

/// Everything measured on one store.
struct BackendReport {
    backend: &'static str,
    end_to_end: Samples,
    end_to_end_errors: usize,
    direct: Samples,
    direct_errors: usize,
    concurrent: Concurrent,
    start_node: Samples,
    save_checkpoint: Samples,
    /// Problems other than counted errors, for the exit status.
    problems: Vec<String>,
}

impl BackendReport {
    /// Direct `run_task` time per checkpoint written.
    fn per_checkpointed_node(&self) -> Samples {
        self.direct.divided(CHECKPOINTS_PER_TASK as u32)
    }

    /// The two store calls of one node, at their medians.
    fn per_node_store_calls_p50_ms(&self) -> f64 {
        [&self.start_node, &self.save_checkpoint]
            .iter()
            .map(|s| s.percentile_ms(50.0))
            .sum()
    }

    fn meets_target_p50(&self) -> bool {
        self.per_checkpointed_node().percentile_ms(50.0) < TARGET_MS_PER_CHECKPOINTED_NODE
    }

    fn meets_target_p99(&self) -> bool {
        self.per_checkpointed_node().percentile_ms(99.0) < TARGET_MS_PER_CHECKPOINTED_NODE
    }

    fn errors(&self) -> usize {
        self.end_to_end_errors + self.direct_errors + self.concurrent.errors()
    }

    fn rows(&self) -> Vec<Row> {
        let b = self.backend;
        let rate = |s: &Samples| Some(1e3 / s.mean_ms());
        let c = &self.concurrent;
        vec![
            Row {
                backend: b,
                scenario: "end to end: submit → done (1 worker, sequential)".into(),
                errors: self.end_to_end_errors,
                samples: self.end_to_end.clone(),
                rate: rate(&self.end_to_end),
            },
            Row {
                backend: b,
                scenario: "direct run_task (no queue)".into(),
                errors: self.direct_errors,
                samples: self.direct.clone(),
                rate: rate(&self.direct),
            },
            Row {
                backend: b,
                scenario: format!("per checkpointed node (run_task ÷ {CHECKPOINTS_PER_TASK})"),
                errors: self.direct_errors,
                samples: self.per_checkpointed_node(),
                rate: None,
            },
            Row {
                backend: b,
                scenario: format!(
                    "{CONCURRENT_TASKS} concurrent: submit → done (worker concurrency {CONCURRENT_WORKER_CONCURRENCY})"
                ),
                errors: c.errors(),
                samples: c.latency.clone(),
                rate: Some(c.tasks_per_s()),
            },
            Row {
                backend: b,
                scenario: "store: save_checkpoint (+1 event)".into(),
                errors: 0,
                samples: self.save_checkpoint.clone(),
                rate: rate(&self.save_checkpoint),
            },
            Row {
                backend: b,
                scenario: "store: start_node (task + approval + node.started)".into(),
                errors: 0,
                samples: self.start_node.clone(),
                rate: rate(&self.start_node),
            },
        ]
    }

    fn summary_json(&self) -> Value {
        let per_node = self.per_checkpointed_node();
        json!({
            "backend": self.backend,
            "checkpoints_per_task": CHECKPOINTS_PER_TASK,
            "ms_per_checkpointed_node": {
                "mean": round3(per_node.mean_ms()),
                "p50": round3(per_node.percentile_ms(50.0)),
                "p99": round3(per_node.percentile_ms(99.0)),
            },
            "target_ms_per_checkpointed_node": TARGET_MS_PER_CHECKPOINTED_NODE,
            "meets_target_p50": self.meets_target_p50(),
            "meets_target_p99": self.meets_target_p99(),
            "per_node_store_calls_p50_ms": {
                "start_node": round3(self.start_node.percentile_ms(50.0)),
                "save_checkpoint": round3(self.save_checkpoint.percentile_ms(50.0)),
                "sum": round3(self.per_node_store_calls_p50_ms()),
            },
            "concurrent": self.concurrent.to_json(),
            "errors": self.errors(),
            "problems": self.problems,
        })
    }
}

// ---------------------------------------------------------------------------
// The harness

/// A run that has ended, as the worker's handler saw it.
struct RunEnded {
    task: Option<TaskId>,
    at: Instant,
    /// The handler's outcome (`Done`, …) or its error.
    outcome: Result<String, String>,
}

/// The runtime's `task.run` handler, reporting every run's end on `ended`.
fn reporting_handlers(
    runtime: &Runtime,
    ended: mpsc::UnboundedSender<RunEnded>,
) -> anyhow::Result<Handlers> {
    let inner = runtime
        .handlers(Handlers::new())
        .get(TASK_JOB_KIND)
        .context("the runtime registers no task.run handler")?;
    Ok(Handlers::new().on(TASK_JOB_KIND, move |ctx| {
        let inner = inner.clone();
        let ended = ended.clone();
        async move {
            let task = serde_json::from_value::<TaskId>(ctx.job.payload["task_id"].clone()).ok();
            let result = inner.run(ctx).await;
            let outcome = match &result {
                Ok(v) => Ok(v["outcome"].as_str().unwrap_or("?").to_owned()),
                Err(e) => Err(e.to_string()),
            };
            let _ = ended.send(RunEnded {
                task,
                at: Instant::now(),
                outcome,
            });
            result
        }
    }))
}

/// In-process workers on the runtime's queue.
struct Workers {
    shutdown: CancellationToken,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    fn start(queue: &Queue, handlers: &Handlers, count: usize, concurrency: usize) -> Self {
        let shutdown = CancellationToken::new();
        let config = WorkerConfig {
            concurrency,
            idle_poll: IDLE_POLL,
            ..WorkerConfig::default()
        };
        let handles = (0..count)
            .map(|_| {
                let worker = Worker::new(queue.backend().clone(), handlers.clone(), config.clone());
                tokio::spawn(worker.run(shutdown.clone()))
            })
            .collect();
        Self { shutdown, handles }
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        for handle in self.handles {
            tokio::time::timeout(Duration::from_secs(60), handle)
                .await
                .context("a worker did not stop within 60 s")?
                .context("a worker panicked")?;
        }
        Ok(())
    }
}

/// A fresh tenant (owner), as signup makes one.
async fn tenant(store: &dyn Store, name: &str) -> anyhow::Result<TenantCtx> {
    let email = Email::parse(&format!(
        "{name}-{}@example.com",
        uuid::Uuid::new_v4().simple()
    ))?;
    let signup = store.signup(&email, "not-a-real-hash", name).await?;
    Ok(TenantCtx {
        role: Role::Owner,
        ..TenantCtx::system(signup.tenant.id, signup.user.id)
    })
}

/// Why a finished task is not what a complete run of the graph leaves, if it is not.
async fn check_done(store: &dyn Store, tenant: TenantId, id: TaskId) -> Option<String> {
    match store.task(tenant, id).await {
        Ok(Some(task)) => check_task(&task),
        Ok(None) => Some(format!("task {id} vanished")),
        Err(e) => Some(format!("reading task {id}: {e}")),
    }
}

fn check_task(task: &morningai_core::Task) -> Option<String> {
    if task.status != TaskStatus::Done {
        return Some(format!(
            "task {} is {}: {}",
            task.id,
            task.status,
            task.error.as_deref().unwrap_or("")
        ));
    }
    if task.checkpoint_count != CHECKPOINTS_PER_TASK as i64 {
        return Some(format!(
            "task {} has {} checkpoints, not {CHECKPOINTS_PER_TASK}",
            task.id, task.checkpoint_count
        ));
    }
    let steps = task.result.as_ref().and_then(|r| r["steps"].as_u64());
    if steps != Some(NODES as u64) {
        return Some(format!(
            "task {} ended after {steps:?} nodes, not {NODES}",
            task.id
        ));
    }
    None
}

/// The next run end for `id` (others are ignored), counting handler errors on the way.
async fn wait_for(
    ended: &mut mpsc::UnboundedReceiver<RunEnded>,
    id: TaskId,
    handler_errors: &mut Vec<String>,
) -> anyhow::Result<(Instant, String)> {
    let deadline = tokio::time::Instant::now() + TASK_TIMEOUT;
    loop {
        let event = tokio::time::timeout_at(deadline, ended.recv())
            .await
            .with_context(|| format!("task {id} did not finish within {TASK_TIMEOUT:?}"))?
            .context("the workers stopped")?;
        if event.task != Some(id) {
            continue;
        }
        match event.outcome {
            Ok(outcome) => return Ok((event.at, outcome)),
            // The job is retried; keep waiting for its next attempt.
            Err(e) => handler_errors.push(e),
        }
    }
}

struct Fixture {
    backend: &'static str,
    store: Arc<dyn Store>,
    queue: Queue,
    runtime: Runtime,
}

impl Fixture {
    async fn new(backend: &'static str, database_url: &str) -> anyhow::Result<Self> {
        let store = morningai_store::open(database_url, &OpenOptions::default())
            .await
            .context("opening the store")?;
        let queue = Queue::database(store.clone());
        let runtime = Runtime::new(store.clone(), queue.clone(), registry()?);
        Ok(Self {
            backend,
            store,
            queue,
            runtime,
        })
    }

    /// Sequential tasks through one worker: submit → done.
    async fn end_to_end(&self) -> anyhow::Result<(Samples, usize)> {
        eprintln!(
            "{}: end to end: {LATENCY_TASKS} tasks, one at a time…",
            self.backend
        );
        let ctx = tenant(&*self.store, "e2e").await?;
        let (tx, mut ended) = mpsc::unbounded_channel();
        let handlers = reporting_handlers(&self.runtime, tx)?;
        let workers = Workers::start(&self.queue, &handlers, 1, 1);
        let mut latencies = Vec::with_capacity(LATENCY_TASKS);
        let mut errors = Vec::new();
        for i in 0..WARMUP + LATENCY_TASKS {
            let start = Instant::now();
            let (task, _) = match self.runtime.submit(&ctx, request(i)).await {
                Ok(created) => created,
                Err(e) => {
                    errors.push(format!("submit: {e}"));
                    continue;
                }
            };
            match wait_for(&mut ended, task.id, &mut errors).await {
                Ok((at, _)) => {
                    if let Some(problem) = check_done(&*self.store, ctx.tenant_id, task.id).await {
                        errors.push(problem);
                    } else if i >= WARMUP {
                        latencies.push(at - start);
                    }
                }
                Err(e) => errors.push(format!("{e:#}")),
            }
        }
        workers.stop().await?;
        if let Some(first) = errors.first() {
            eprintln!(
                "{}: end to end: {} errors, first: {first}",
                self.backend,
                errors.len()
            );
        }
        Ok((Samples::new(latencies), errors.len()))
    }

    /// Many tasks submitted at once, run by one worker with concurrency.
    async fn concurrent(&self) -> anyhow::Result<Concurrent> {
        eprintln!(
            "{}: {CONCURRENT_TASKS} concurrent tasks, worker concurrency {CONCURRENT_WORKER_CONCURRENCY}…",
            self.backend
        );
        let ctx = tenant(&*self.store, "concurrent").await?;
        let (tx, mut ended) = mpsc::unbounded_channel();
        let handlers = reporting_handlers(&self.runtime, tx)?;
        let workers = Workers::start(&self.queue, &handlers, 1, CONCURRENT_WORKER_CONCURRENCY);
        let mut report = Concurrent::default();

        let start = Instant::now();
        let mut submits = JoinSet::new();
        for i in 0..CONCURRENT_TASKS {
            let runtime = self.runtime.clone();
            submits.spawn(async move {
                let submitted_at = Instant::now();
                let created = runtime.submit(&ctx, request(i)).await;
                (submitted_at, created.map(|(task, _)| task.id))
            });
        }
        let mut submitted: HashMap<TaskId, Instant> = HashMap::with_capacity(CONCURRENT_TASKS);
        while let Some(joined) = submits.join_next().await {
            match joined.context("a submit panicked")? {
                (at, Ok(id)) => {
                    submitted.insert(id, at);
                }
                (_, Err(e)) => {
                    report.submit_errors += 1;
                    report.first_submit_error.get_or_insert(e.to_string());
                }
            }
        }
        report.submitted = submitted.len();

        // Every submitted task's run ends once with an outcome (failed attempts are retried).
        let deadline = tokio::time::Instant::now() + CONCURRENT_TIMEOUT;
        let mut latencies = Vec::with_capacity(submitted.len());
        let mut remaining = submitted.len();
        let mut last_end = start;
        while remaining > 0 {
            let Ok(Some(event)) = tokio::time::timeout_at(deadline, ended.recv()).await else {
                report.timed_out = true;
                break;
            };
            let Some(submitted_at) = event.task.and_then(|id| submitted.get(&id)) else {
                continue;
            };
            match event.outcome {
                Ok(_) => {
                    latencies.push(event.at - *submitted_at);
                    last_end = last_end.max(event.at);
                    remaining -= 1;
                }
                Err(e) => {
                    report.handler_errors += 1;
                    report.first_handler_error.get_or_insert(e);
                }
            }
        }
        report.total = last_end - start;
        report.latency = Samples::new(latencies);
        workers.stop().await?;

        // The tally, from the store.
        for status in TaskStatus::ALL {
            let filter = TaskFilter {
                status: Some(status),
                kind: Some(KIND.into()),
            };
            let tasks = self
                .store
                .tasks(ctx.tenant_id, &filter, None, 10 * CONCURRENT_TASKS as i64)
                .await?;
            match status {
                TaskStatus::Done => {
                    report.done = tasks.len();
                    report.malformed = tasks.iter().filter_map(check_task).count();
                }
                TaskStatus::Failed => report.failed = tasks.len(),
                TaskStatus::Canceled => report.canceled = tasks.len(),
                _ => report.unfinished += tasks.len(),
            }
        }
        report.failed_jobs = self
            .store
            .jobs(
                JobScope::Tenant(ctx.tenant_id),
                Some(JobStatus::Failed),
                None,
                10 * CONCURRENT_TASKS as i64,
            )
            .await?
            .len();
        Ok(report)
    }

    /// Sequential tasks run by calling `run_task` directly (no worker runs).
    async fn direct(&self) -> anyhow::Result<(Samples, usize)> {
        eprintln!(
            "{}: direct run_task: {DIRECT_TASKS} tasks, one at a time…",
            self.backend
        );
        let ctx = tenant(&*self.store, "direct").await?;
        let mut latencies = Vec::with_capacity(DIRECT_TASKS);
        let mut errors = Vec::new();
        for i in 0..WARMUP + DIRECT_TASKS {
            let (task, _) = self.runtime.submit(&ctx, request(i)).await?;
            let start = Instant::now();
            let outcome = self
                .runtime
                .run_task(ctx.tenant_id, task.id, CancellationToken::new())
                .await;
            let elapsed = start.elapsed();
            match outcome {
                Ok(RunOutcome::Done) => {
                    if let Some(problem) = check_done(&*self.store, ctx.tenant_id, task.id).await {
                        errors.push(problem);
                    } else if i >= WARMUP {
                        latencies.push(elapsed);
                    }
                }
                Ok(other) => errors.push(format!("task {} ended {other:?}", task.id)),
                Err(e) => errors.push(format!("task {}: {e:#}", task.id)),
            }
        }
        if let Some(first) = errors.first() {
            eprintln!(
                "{}: direct run_task: {} errors, first: {first}",
                self.backend,
                errors.len()
            );
        }
        Ok((Samples::new(latencies), errors.len()))
    }

    /// The two store calls of a node, each alone.
    async fn store_calls(&self) -> anyhow::Result<[Samples; 2]> {
        eprintln!("{}: store calls alone: {MICRO_CALLS} each…", self.backend);
        let ctx = tenant(&*self.store, "micro").await?;
        let tenant = ctx.tenant_id;
        // A task that never runs (no worker): its checkpoints and events are written here.
        let (task, _) = self.runtime.submit(&ctx, request(0)).await?;
        let calls = WARMUP + MICRO_CALLS;

        let mut save = Vec::with_capacity(MICRO_CALLS);
        let mut parent = None;
        let mut ids = Vec::with_capacity(calls);
        for i in 0..calls {
            let seq = i as i64 + 1;
            let node = format!("n{}", i % NODES + 1);
            let next = format!("n{}", (i + 1) % NODES + 1);
            let checkpoint = Checkpoint {
                id: CheckpointId::new(),
                task_id: task.id,
                parent_id: parent,
                seq,
                node: node.clone(),
                next: next.clone(),
                step: seq,
                state: json!({ "label": "bench task 0", "steps": seq }),
                created_at: time::OffsetDateTime::now_utc(),
            };
            let events = [(
                "node.finished".to_owned(),
                json!({ "node": node, "next": next, "duration_ms": 0, "step": seq }),
            )];
            let start = Instant::now();
            self.store
                .save_checkpoint(tenant, &checkpoint, &events)
                .await
                .context("save_checkpoint")?;
            if i >= WARMUP {
                save.push(start.elapsed());
            }
            parent = Some(checkpoint.id);
            ids.push(checkpoint.id);
        }

        let mut start_node = Vec::with_capacity(MICRO_CALLS);
        for (i, id) in ids.iter().enumerate() {
            let data = json!({ "node": format!("n{}", i % NODES + 1), "step": i + 1 });
            let start = Instant::now();
            let (found, approval) = self
                .store
                .start_node(tenant, task.id, *id, data)
                .await
                .context("start_node")?;
            if i >= WARMUP {
                start_node.push(start.elapsed());
            }
            ensure!(found.id == task.id, "another task came back");
            ensure!(approval.is_none(), "an approval appeared out of nowhere");
        }

        Ok([Samples::new(start_node), Samples::new(save)])
    }
}

async fn bench_backend(backend: &'static str, database_url: &str) -> anyhow::Result<BackendReport> {
    let f = Fixture::new(backend, database_url).await?;
    // Workers claim from the whole `default` queue: the direct and store-call
    // phases, which leave queued jobs behind, come after the worker phases.
    let (end_to_end, end_to_end_errors) = f.end_to_end().await.context("end to end")?;
    let concurrent = f.concurrent().await.context("concurrent")?;
    let (direct, direct_errors) = f.direct().await.context("direct run_task")?;
    let [start_node, save_checkpoint] = f.store_calls().await.context("store calls")?;
    let mut problems = Vec::new();
    if end_to_end.len() < LATENCY_TASKS {
        problems.push(format!(
            "end to end: {} of {LATENCY_TASKS} tasks measured",
            end_to_end.len()
        ));
    }
    if direct.len() < DIRECT_TASKS {
        problems.push(format!(
            "direct run_task: {} of {DIRECT_TASKS} tasks measured",
            direct.len()
        ));
    }
    if concurrent.timed_out {
        problems.push(format!(
            "concurrent: not every task finished within {CONCURRENT_TIMEOUT:?}"
        ));
    }
    if concurrent.done != CONCURRENT_TASKS {
        problems.push(format!(
            "concurrent: {} of {CONCURRENT_TASKS} tasks done",
            concurrent.done
        ));
    }
    Ok(BackendReport {
        backend,
        end_to_end,
        end_to_end_errors,
        direct,
        direct_errors,
        concurrent,
        start_node,
        save_checkpoint,
        problems,
    })
}

async fn bench_all() -> anyhow::Result<Vec<BackendReport>> {
    let mut reports = Vec::new();

    let sqlite = TempSqlite::new().await;
    reports.push(
        bench_backend("sqlite", &sqlite.url)
            .await
            .context("sqlite")?,
    );
    drop(sqlite);

    if std::env::var_os("DATABASE_URL").is_some() {
        let postgres = TempPostgres::new().await;
        reports.push(
            bench_backend("postgres", &postgres.owner_url)
                .await
                .context("postgres")?,
        );
        drop(postgres);
    } else {
        eprintln!("DATABASE_URL is not set: skipping PostgreSQL (`make bench` provides one)");
    }
    if reports.is_empty() {
        bail!("nothing was measured");
    }
    Ok(reports)
}

// ---------------------------------------------------------------------------
// Output

const HEADERS: [&str; 10] = [
    "backend", "scenario", "n", "errors", "per s", "p50 ms", "p95 ms", "p99 ms", "mean ms",
    "max ms",
];

fn cells(r: &Row) -> [String; 10] {
    let s = &r.samples;
    [
        r.backend.to_owned(),
        r.scenario.clone(),
        s.len().to_string(),
        r.errors.to_string(),
        r.rate.map_or_else(|| "-".into(), |x| format!("{x:.0}")),
        format!("{:.3}", s.percentile_ms(50.0)),
        format!("{:.3}", s.percentile_ms(95.0)),
        format!("{:.3}", s.percentile_ms(99.0)),
        format!("{:.3}", s.mean_ms()),
        format!("{:.3}", s.percentile_ms(100.0)),
    ]
}

fn text_table(rows: &[Row]) -> String {
    let rows: Vec<[String; 10]> = rows.iter().map(cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            // Text columns left-aligned, numbers right-aligned.
            .map(|(i, (c, w))| {
                let pad = " ".repeat(w.saturating_sub(c.chars().count()));
                if i < 2 {
                    format!("{c}{pad}")
                } else {
                    format!("{pad}{c}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(&HEADERS.map(String::from));
    out += &line(&widths.map(|w| "-".repeat(w)));
    for r in &rows {
        out += &line(r);
    }
    out
}

/// One line per backend: the target, the 1,000-task run, the per-node store calls.
fn verdicts(reports: &[BackendReport]) -> Vec<String> {
    let mut out = Vec::new();
    for r in reports {
        let per_node = r.per_checkpointed_node();
        let verdict = |met: bool| if met { "met" } else { "MISSED" };
        out.push(format!(
            "{}: per checkpointed node {:.3} ms p50 ({}), {:.3} ms p99 ({}), {:.3} ms mean — target < {} ms",
            r.backend,
            per_node.percentile_ms(50.0),
            verdict(r.meets_target_p50()),
            per_node.percentile_ms(99.0),
            verdict(r.meets_target_p99()),
            per_node.mean_ms(),
            TARGET_MS_PER_CHECKPOINTED_NODE,
        ));
        let c = &r.concurrent;
        out.push(format!(
            "{}: {CONCURRENT_TASKS} concurrent tasks: {} done, {} failed, {} canceled, {} unfinished, {} malformed; {} submit errors, {} handler errors, {} failed jobs; {:.2} s, {:.0} tasks/s — {}",
            r.backend,
            c.done,
            c.failed,
            c.canceled,
            c.unfinished,
            c.malformed,
            c.submit_errors,
            c.handler_errors,
            c.failed_jobs,
            c.total.as_secs_f64(),
            c.tasks_per_s(),
            if c.errors() == 0 && c.done == CONCURRENT_TASKS { "no errors" } else { "ERRORS" },
        ));
        out.push(format!(
            "{}: one node's store calls alone (p50): start_node {:.3} + save_checkpoint {:.3} = {:.3} ms",
            r.backend,
            r.start_node.percentile_ms(50.0),
            r.save_checkpoint.percentile_ms(50.0),
            r.per_node_store_calls_p50_ms(),
        ));
    }
    out
}

fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().unwrap_or(crate_dir).to_path_buf()
}

fn git_commit(root: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    let commit = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !commit.is_empty()).then_some(commit)
}

/// The 1-, 5- and 15-minute load averages (Linux), to tell a busy machine's figures apart.
fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

fn markdown(reports: &[BackendReport], rows: &[Row], meta: &Value) -> String {
    let mut out = String::from("# Orchestration runtime benchmark\n\n");
    out += &format!(
        "- when: {}\n- commit: {}\n- machine: {} CPUs; load average (1 min) {} at the start, {} at the end\n\
         - graph: `{KIND}`, {NODES} no-op nodes in a chain, small serde state; {CHECKPOINTS_PER_TASK} checkpoints per run (initial + one per node)\n\
         - end to end: {LATENCY_TASKS} tasks one at a time (after {WARMUP} unmeasured), `Runtime::submit` → run ended (`done`), one in-process `Worker` (concurrency 1, idle poll {} ms) on the database queue\n\
         - direct: {DIRECT_TASKS} tasks, `Runtime::run_task` called directly (no queue); per checkpointed node = that time ÷ {CHECKPOINTS_PER_TASK}; target < {TARGET_MS_PER_CHECKPOINTED_NODE} ms\n\
         - concurrent: {CONCURRENT_TASKS} tasks submitted at once, one worker with concurrency {CONCURRENT_WORKER_CONCURRENCY}; per s = tasks done ÷ time from the first submit to the last run ended\n\
         - store calls alone: {MICRO_CALLS} calls each of the two calls the runtime makes per node\n\n",
        meta["timestamp"].as_str().unwrap_or("?"),
        meta["git_commit"].as_str().unwrap_or("unknown"),
        meta["nproc"],
        meta["load_average_start"][0],
        meta["load_average_end"][0],
        IDLE_POLL.as_millis(),
    );
    out += &format!("| {} |\n", HEADERS.join(" | "));
    out += &format!(
        "|{}\n",
        (0..HEADERS.len())
            .map(|i| if i < 2 { "---|" } else { "---:|" })
            .collect::<String>()
    );
    for r in rows {
        out += &format!("| {} |\n", cells(r).join(" | "));
    }
    out += "\n";
    for line in verdicts(reports) {
        out += &format!("- {line}\n");
    }
    out
}

fn write_results(
    reports: &[BackendReport],
    rows: &[Row],
    load_at_start: Option<[f64; 3]>,
) -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let meta = json!({
        "timestamp": timestamp,
        "git_commit": git_commit(&root),
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "optimized": !cfg!(debug_assertions),
        "load_average_start": load_at_start,
        "load_average_end": load_average(),
        "graph": { "kind": KIND, "nodes": NODES, "checkpoints_per_task": CHECKPOINTS_PER_TASK },
        "warmup": WARMUP,
        "latency_tasks": LATENCY_TASKS,
        "direct_tasks": DIRECT_TASKS,
        "micro_calls": MICRO_CALLS,
        "concurrent_tasks": CONCURRENT_TASKS,
        "concurrent_worker_concurrency": CONCURRENT_WORKER_CONCURRENCY,
        "idle_poll_ms": IDLE_POLL.as_millis() as u64,
        "target_ms_per_checkpointed_node": TARGET_MS_PER_CHECKPOINTED_NODE,
    });
    let mut report = meta.clone();
    report["backends"] = json!(reports.iter().map(|r| r.backend).collect::<Vec<_>>());
    report["results"] = rows.iter().map(Row::to_json).collect();
    report["summary"] = reports.iter().map(BackendReport::summary_json).collect();

    let dir = root.join("bench").join("results");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join("orchestration.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    std::fs::write(dir.join("orchestration.md"), markdown(reports, rows, &meta))?;
    Ok(dir)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter or other flags mean nothing here.
    let load_at_start = load_average();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let reports = match runtime.block_on(bench_all()) {
        Ok(reports) => reports,
        Err(e) => {
            eprintln!("bench orchestration: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    drop(runtime);

    let rows: Vec<Row> = reports.iter().flat_map(BackendReport::rows).collect();
    print!("{}", text_table(&rows));
    println!();
    for line in verdicts(&reports) {
        println!("{line}");
    }
    let one_minute = |l: Option<[f64; 3]>| l.map_or_else(|| "?".into(), |l| l[0].to_string());
    println!(
        "load average (1 min): {} at the start, {} at the end, on {} CPUs",
        one_minute(load_at_start),
        one_minute(load_average()),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    match write_results(&reports, &rows, load_at_start) {
        Ok(dir) => eprintln!(
            "wrote {0}/orchestration.json and {0}/orchestration.md",
            dir.display()
        ),
        Err(e) => {
            eprintln!("bench orchestration: writing results: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let mut failed = false;
    for r in &reports {
        if r.errors() > 0 {
            eprintln!("{}: {} errors", r.backend, r.errors());
            failed = true;
        }
        if let Some(c) = r.concurrent.first_submit_error.as_ref() {
            eprintln!("{}: first submit error: {c}", r.backend);
        }
        if let Some(c) = r.concurrent.first_handler_error.as_ref() {
            eprintln!("{}: first handler error: {c}", r.backend);
        }
        for p in &r.problems {
            eprintln!("{}: {p}", r.backend);
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

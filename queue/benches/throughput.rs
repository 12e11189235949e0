//! Job-queue benchmark: enqueue latency and enqueue-and-process throughput of
//! no-op jobs ([`builtin::NOOP`]), per backend and worker count, and the
//! workers' memory over a long run.
//!
//! Backends: SQLite always (a fresh [`TempSqlite`] per run), PostgreSQL when
//! `DATABASE_URL` is set (a superuser URL; a fresh [`TempPostgres`] per run),
//! Redis when `REDIS_URL` is set (a random key prefix per run, its keys
//! deleted afterwards). Stores are opened as `serve` opens them (default pool).
//!
//! Each run, for 1, 2 and 8 workers:
//!
//! 1. enqueues [`DB_JOBS`] (databases) or [`REDIS_JOBS`] (Redis) jobs one at a
//!    time, before any worker runs, timing every `enqueue` call: the enqueue
//!    latency distribution and rate;
//! 2. starts N [`Worker`]s in this process, each with concurrency 1 and, for
//!    Redis, its own connection — N workers as N single-job worker processes
//!    would be (and as N `rq worker`s are) — and measures the time from
//!    starting them until every job is finished: jobs/s. Progress is counted
//!    as the workers' `finish` calls return (a thin counting wrapper around
//!    the backend); `QueueBackend::counts` then confirms the final tally.
//!    While they run, CPU time is taken per finished job: this process's
//!    (`/proc/self/stat`), the server's (Redis `INFO cpu`, or the PostgreSQL
//!    backends serving the run's database) and how busy the whole machine was,
//!    since anything else running on it skews the figures.
//!
//! Then the memory run: [`MEMORY_JOBS`] jobs through [`MEMORY_WORKERS`]
//! workers on Redis (SQLite without `REDIS_URL`), sampling this process's
//! resident set (`VmRSS`) every [`MEMORY_SAMPLE_EVERY`] finished jobs, and its
//! peak (`VmHWM`, reset before the run where the kernel allows). Flat means the
//! last sample is within 10% of the sample at 20,000 jobs.
//!
//! Prints a table, writes `bench/results/queue.json` and
//! `bench/results/queue.md` at the workspace root, and exits non-zero if a
//! run failed (an error, a failed job, a count that does not add up).
//! Run with `make bench` (or `cargo bench -p morningai-queue --bench throughput`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use async_trait::async_trait;
use morningai_queue::{
    builtin, DatabaseQueue, Enqueued, Handlers, Job, JobId, JobScope, JobStatus, NewJob,
    QueueBackend, QueueCount, QueueResult, RedisQueue, Worker, WorkerConfig, WorkerInfo,
};
use morningai_store::testing::{TempPostgres, TempSqlite};
use morningai_store::OpenOptions;
use serde_json::{json, Value};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Worker counts measured on every backend.
const WORKER_COUNTS: [usize; 3] = [1, 2, 8];
/// Jobs per run on SQLite and PostgreSQL.
const DB_JOBS: usize = 5_000;
/// Jobs per run on Redis.
const REDIS_JOBS: usize = 20_000;
/// Unmeasured enqueues before each run (to another queue, never claimed):
/// connections, prepared statements and scripts are warm when timing starts.
const WARMUP: usize = 100;
/// Longest the enqueue phase and the processing phase of a run may each
/// take; the run then reports what it completed.
const TIME_CAP: Duration = Duration::from_secs(60);
/// The memory run.
const MEMORY_JOBS: usize = 100_000;
const MEMORY_WORKERS: usize = 2;
const MEMORY_SAMPLE_EVERY: usize = 10_000;
/// Concurrent enqueuers filling the memory run's queue (not measured).
const MEMORY_ENQUEUERS: usize = 8;
const MEMORY_TIME_CAP: Duration = Duration::from_secs(300);
/// The memory run is flat if its last sample is at most this much above the
/// sample at [`MEMORY_BASELINE_AT`] finished jobs.
const MEMORY_TOLERANCE: f64 = 0.10;
const MEMORY_BASELINE_AT: usize = 20_000;

/// The queue the measured jobs go to, and the one warm-up jobs wait in.
const QUEUE: &str = "bench";
const WARMUP_QUEUE: &str = "bench-warmup";

/// The targets, end to end (jobs/s): Redis 5,000, the databases 1,000.
fn target(backend: &str) -> f64 {
    if backend == "redis" {
        5_000.0
    } else {
        1_000.0
    }
}

fn worker_config() -> WorkerConfig {
    WorkerConfig {
        queues: vec![QUEUE.into()],
        concurrency: 1,
        idle_poll: Duration::from_millis(5),
        heartbeat: Duration::from_secs(5),
        lease: Duration::from_secs(30),
        ..WorkerConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Sqlite,
    Postgres,
    Redis,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
            Kind::Redis => "redis",
        }
    }

    fn jobs(self) -> usize {
        match self {
            Kind::Redis => REDIS_JOBS,
            _ => DB_JOBS,
        }
    }
}

/// What a run's data lives in; removed by [`Setup::teardown`].
enum Guard {
    Sqlite(TempSqlite),
    Postgres(TempPostgres),
    Redis { url: String, prefix: String },
}

/// One run's backend: a handle for enqueuing and counting, and one per worker.
struct Setup {
    queue: Arc<dyn QueueBackend>,
    workers: Vec<Arc<dyn QueueBackend>>,
    guard: Guard,
}

impl Setup {
    async fn new(kind: Kind, workers: usize) -> anyhow::Result<Self> {
        match kind {
            Kind::Sqlite => {
                let db = TempSqlite::new().await;
                let store = morningai_store::open(&db.url, &OpenOptions::default()).await?;
                let queue: Arc<dyn QueueBackend> = Arc::new(DatabaseQueue::new(store));
                Ok(Self {
                    workers: vec![queue.clone(); workers],
                    queue,
                    guard: Guard::Sqlite(db),
                })
            }
            Kind::Postgres => {
                let db = TempPostgres::new().await;
                let store = morningai_store::open(&db.owner_url, &OpenOptions::default()).await?;
                let queue: Arc<dyn QueueBackend> = Arc::new(DatabaseQueue::new(store));
                Ok(Self {
                    workers: vec![queue.clone(); workers],
                    queue,
                    guard: Guard::Postgres(db),
                })
            }
            Kind::Redis => {
                let url = std::env::var("REDIS_URL").context("REDIS_URL")?;
                let prefix = format!("morningai-bench-{}", uuid::Uuid::new_v4().simple());
                let queue: Arc<dyn QueueBackend> =
                    Arc::new(RedisQueue::connect(&url, &prefix).await?);
                // Each worker its own connection, as separate processes would have.
                let mut handles = Vec::with_capacity(workers);
                for _ in 0..workers {
                    let q: Arc<dyn QueueBackend> =
                        Arc::new(RedisQueue::connect(&url, &prefix).await?);
                    handles.push(q);
                }
                Ok(Self {
                    queue,
                    workers: handles,
                    guard: Guard::Redis { url, prefix },
                })
            }
        }
    }

    /// CPU seconds the database server has used for this run so far: Redis's
    /// own account (`INFO cpu`); PostgreSQL's backends serving the run's
    /// database (from `/proc`); `None` for SQLite, which runs in this process.
    async fn server_cpu_s(&self) -> Option<f64> {
        match &self.guard {
            Guard::Sqlite(_) => None,
            Guard::Postgres(db) => Some(postgres_backend_ticks(&db.name) as f64 / CLOCK_TICKS),
            Guard::Redis { url, .. } => redis_cpu_s(url).await.ok(),
        }
    }

    /// Closes the handles and removes the run's data.
    async fn teardown(self) -> anyhow::Result<()> {
        drop(self.queue);
        drop(self.workers);
        match self.guard {
            Guard::Sqlite(db) => drop(db),
            // Drops the database (on a thread of its own, blocking briefly).
            Guard::Postgres(db) => drop(db),
            Guard::Redis { url, prefix } => delete_keys(&url, &format!("{prefix}:*")).await?,
        }
        Ok(())
    }
}

/// Deletes every key matching `pattern` (SCAN, not KEYS: the run may leave
/// hundreds of thousands).
async fn delete_keys(url: &str, pattern: &str) -> anyhow::Result<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(2_000)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            redis::cmd("UNLINK")
                .arg(keys)
                .query_async::<()>(&mut conn)
                .await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// `USER_HZ`: the unit of `/proc` CPU times (100 on every Linux platform Rust targets).
const CLOCK_TICKS: f64 = 100.0;

/// user + system ticks from a `/proc/<pid>/stat` line.
fn stat_ticks(stat: &str) -> Option<u64> {
    // Fields after the command (which may contain spaces): state is the 3rd
    // field of the line, utime the 14th, stime the 15th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn process_ticks() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| stat_ticks(&s))
        .unwrap_or(0)
}

/// CPU ticks of the PostgreSQL backends connected to `database`.
fn postgres_backend_ticks(database: &str) -> u64 {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    procs
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline);
            (cmdline.starts_with("postgres:") && cmdline.contains(database)).then_some(())?;
            stat_ticks(&std::fs::read_to_string(e.path().join("stat")).ok()?)
        })
        .sum()
}

async fn redis_cpu_s(url: &str) -> anyhow::Result<f64> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let info: String = redis::cmd("INFO").arg("cpu").query_async(&mut conn).await?;
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    Ok(field("used_cpu_user").unwrap_or(0.0) + field("used_cpu_sys").unwrap_or(0.0))
}

/// (busy, total) ticks of the whole machine, from `/proc/stat`.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .take(8) // user nice system idle iowait irq softirq steal
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = cpu.iter().sum();
    let idle = cpu.get(3).copied().unwrap_or(0) + cpu.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU use at one moment, to subtract from a later one.
struct CpuSnapshot {
    process: u64,
    server_s: Option<f64>,
    machine: (u64, u64),
}

impl CpuSnapshot {
    async fn take(setup: &Setup) -> Self {
        Self {
            process: process_ticks(),
            server_s: setup.server_cpu_s().await,
            machine: machine_ticks(),
        }
    }

    async fn since(self, setup: &Setup, jobs: usize) -> CpuUse {
        let now = CpuSnapshot::take(setup).await;
        let per_job = |seconds: f64| seconds * 1e6 / jobs.max(1) as f64;
        let busy = now.machine.0.saturating_sub(self.machine.0) as f64;
        let total = now.machine.1.saturating_sub(self.machine.1) as f64;
        CpuUse {
            process_us_per_job: per_job(
                now.process.saturating_sub(self.process) as f64 / CLOCK_TICKS,
            ),
            server_us_per_job: now
                .server_s
                .zip(self.server_s)
                .map(|(after, before)| per_job(after - before)),
            machine_busy: if total > 0.0 { busy / total } else { f64::NAN },
        }
    }
}

/// CPU spent while the workers ran, per finished job.
struct CpuUse {
    /// This process: the workers and the bench's own bookkeeping.
    process_us_per_job: f64,
    /// The database server (none for SQLite: it is in this process).
    server_us_per_job: Option<f64>,
    /// Share of all CPUs busy, with anything else running on the machine.
    machine_busy: f64,
}

/// The backend as the workers see it, counting the jobs they finish (and
/// fail) as the calls return. Everything else passes straight through.
struct Counting {
    inner: Arc<dyn QueueBackend>,
    finished: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
}

#[async_trait]
impl QueueBackend for Counting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn enqueue(&self, job: NewJob) -> QueueResult<Enqueued> {
        self.inner.enqueue(job).await
    }

    async fn claim(
        &self,
        queues: &[String],
        worker: &str,
        lease: Duration,
    ) -> QueueResult<Option<Job>> {
        self.inner.claim(queues, worker, lease).await
    }

    async fn renew_lease(&self, id: JobId, worker: &str, lease: Duration) -> QueueResult<bool> {
        self.inner.renew_lease(id, worker, lease).await
    }

    async fn finish(&self, id: JobId, worker: &str, result: Value) -> QueueResult<bool> {
        let done = self.inner.finish(id, worker, result).await?;
        if done {
            self.finished.fetch_add(1, Ordering::Relaxed);
        }
        Ok(done)
    }

    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at_ms: Option<i64>,
    ) -> QueueResult<bool> {
        self.failed.fetch_add(1, Ordering::Relaxed);
        self.inner.fail(id, worker, error, retry_at_ms).await
    }

    async fn release(&self, id: JobId, worker: &str) -> QueueResult<bool> {
        self.inner.release(id, worker).await
    }

    async fn cancel(&self, scope: JobScope, id: JobId) -> QueueResult<Job> {
        self.inner.cancel(scope, id).await
    }

    async fn requeue(&self, scope: JobScope, id: JobId) -> QueueResult<Job> {
        self.inner.requeue(scope, id).await
    }

    async fn job(&self, scope: JobScope, id: JobId) -> QueueResult<Option<Job>> {
        self.inner.job(scope, id).await
    }

    async fn jobs(
        &self,
        scope: JobScope,
        status: Option<JobStatus>,
        queue: Option<&str>,
        limit: usize,
    ) -> QueueResult<Vec<Job>> {
        self.inner.jobs(scope, status, queue, limit).await
    }

    async fn counts(&self, scope: JobScope) -> QueueResult<Vec<QueueCount>> {
        self.inner.counts(scope).await
    }

    async fn maintain(&self) -> QueueResult<()> {
        self.inner.maintain().await
    }

    async fn register_worker(&self, worker: &WorkerInfo) -> QueueResult<()> {
        self.inner.register_worker(worker).await
    }

    async fn unregister_worker(&self, id: &str) -> QueueResult<()> {
        self.inner.unregister_worker(id).await
    }

    async fn workers(&self) -> QueueResult<Vec<WorkerInfo>> {
        self.inner.workers().await
    }
}

fn noop_job(queue: &str) -> NewJob {
    NewJob::new(queue, builtin::NOOP, json!({}))
}

/// Jobs of [`QUEUE`] with `status`, per `QueueBackend::counts`.
async fn count(queue: &dyn QueueBackend, status: JobStatus) -> anyhow::Result<i64> {
    Ok(queue
        .counts(JobScope::System)
        .await?
        .iter()
        .filter(|c| c.queue == QUEUE && c.status == status)
        .map(|c| c.count)
        .sum())
}

// ---------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------

/// Sorted latencies; nearest-rank percentiles in milliseconds.
struct Latencies(Vec<Duration>);

impl Latencies {
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1].as_secs_f64() * 1e3
    }

    fn mean_ms(&self) -> f64 {
        let total: Duration = self.0.iter().sum();
        total.as_secs_f64() * 1e3 / self.0.len().max(1) as f64
    }
}

/// What the processing phase saw.
struct Processed {
    /// Jobs whose `finish` returned, as counted in process.
    finished: usize,
    failed: usize,
    elapsed: Duration,
    capped: bool,
    /// (finished jobs, VmRSS KiB) at every `sample_every` finished jobs.
    samples: Vec<(usize, u64)>,
}

/// Starts `backends.len()` workers (concurrency 1 each) and waits until
/// `jobs` jobs are finished or `cap` passes; samples RSS every `sample_every`
/// finished jobs when that is non-zero. Stops the workers before returning.
async fn process(
    backends: &[Arc<dyn QueueBackend>],
    jobs: usize,
    cap: Duration,
    sample_every: usize,
) -> anyhow::Result<Processed> {
    let finished = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let handlers = builtin::with_builtins(Handlers::new());
    let shutdown = CancellationToken::new();
    let mut samples = Vec::new();
    if sample_every > 0 {
        samples.push((0, rss_kib().context("reading VmRSS")?));
    }
    let mut next_sample = sample_every;

    let start = Instant::now();
    let mut workers = JoinSet::new();
    for backend in backends {
        let counting: Arc<dyn QueueBackend> = Arc::new(Counting {
            inner: backend.clone(),
            finished: finished.clone(),
            failed: failed.clone(),
        });
        let worker = Worker::new(counting, handlers.clone(), worker_config());
        workers.spawn(worker.run(shutdown.clone()));
    }
    // A 1 ms tick against an atomic: precise to the millisecond, and cheap.
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (elapsed, capped) = loop {
        tick.tick().await;
        let done = finished.load(Ordering::Relaxed);
        while sample_every > 0 && done >= next_sample && next_sample <= jobs {
            samples.push((next_sample, rss_kib().context("reading VmRSS")?));
            next_sample += sample_every;
        }
        if done >= jobs {
            break (start.elapsed(), false);
        }
        if start.elapsed() >= cap {
            break (start.elapsed(), true);
        }
    };
    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(joined) = workers.join_next().await {
            joined?;
        }
        anyhow::Ok(())
    })
    .await;
    stopped
        .context("workers did not stop within 30 s")?
        .context("a worker panicked")?;
    Ok(Processed {
        finished: finished.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        elapsed,
        capped,
        samples,
    })
}

/// One backend × worker-count run.
struct Run {
    backend: &'static str,
    workers: usize,
    planned: usize,
    /// Jobs enqueued (fewer than planned if the enqueue phase was capped).
    enqueued: usize,
    enqueue_elapsed: Duration,
    enqueue: Latencies,
    processed: Processed,
    /// `QueueBackend::counts` after the run: finished and failed jobs.
    counted_finished: i64,
    counted_failed: i64,
    cpu: CpuUse,
    /// The machine's 1-minute load average when the run started.
    load_before: Option<f64>,
}

impl Run {
    fn enqueue_rate(&self) -> f64 {
        self.enqueued as f64 / self.enqueue_elapsed.as_secs_f64()
    }

    fn jobs_per_s(&self) -> f64 {
        self.processed.finished as f64 / self.processed.elapsed.as_secs_f64()
    }

    /// Enqueue and processing back to back: jobs over both phases' time.
    fn combined_per_s(&self) -> f64 {
        self.processed.finished as f64
            / (self.enqueue_elapsed + self.processed.elapsed).as_secs_f64()
    }

    fn capped(&self) -> bool {
        self.enqueued < self.planned || self.processed.capped
    }

    fn meets_target(&self) -> bool {
        !self.capped() && self.jobs_per_s() >= target(self.backend)
    }

    /// What went wrong, if anything: failed jobs or counts that disagree.
    fn problem(&self) -> Option<String> {
        if self.processed.failed > 0 || self.counted_failed > 0 {
            return Some(format!(
                "{} failed attempts, {} failed jobs",
                self.processed.failed, self.counted_failed
            ));
        }
        let expected = self.processed.finished as i64;
        if !self.processed.capped && self.counted_finished != self.enqueued as i64
            || self.counted_finished != expected
        {
            return Some(format!(
                "enqueued {}, finished {} (counted in process), counts() says {}",
                self.enqueued, self.processed.finished, self.counted_finished
            ));
        }
        None
    }

    fn to_json(&self) -> Value {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        json!({
            "backend": self.backend,
            "workers": self.workers,
            "jobs_planned": self.planned,
            "jobs_enqueued": self.enqueued,
            "jobs_finished": self.processed.finished,
            "capped_by_time": self.capped(),
            "problem": self.problem(),
            "enqueue": {
                "duration_s": round(self.enqueue_elapsed.as_secs_f64()),
                "jobs_per_s": round(self.enqueue_rate()),
                "latency_ms": {
                    "mean": round(self.enqueue.mean_ms()),
                    "p50": round(self.enqueue.percentile_ms(50.0)),
                    "p95": round(self.enqueue.percentile_ms(95.0)),
                    "p99": round(self.enqueue.percentile_ms(99.0)),
                    "max": round(self.enqueue.percentile_ms(100.0)),
                },
            },
            "process": {
                "duration_s": round(self.processed.elapsed.as_secs_f64()),
                "jobs_per_s": round(self.jobs_per_s()),
            },
            "enqueue_then_process_jobs_per_s": round(self.combined_per_s()),
            "cpu_while_processing": {
                "bench_process_us_per_job": round(self.cpu.process_us_per_job),
                "server_us_per_job": self.cpu.server_us_per_job.map(round),
                "machine_busy": round(self.cpu.machine_busy),
            },
            "load_average_1m_before": self.load_before,
            "target_jobs_per_s": target(self.backend),
            "meets_target": self.meets_target(),
        })
    }
}

async fn bench_run(kind: Kind, workers: usize) -> anyhow::Result<Run> {
    let setup = Setup::new(kind, workers).await?;
    let result = measure_run(kind, workers, &setup).await;
    let teardown = setup.teardown().await;
    let run = result?;
    teardown.context("cleaning up")?;
    Ok(run)
}

async fn measure_run(kind: Kind, workers: usize, setup: &Setup) -> anyhow::Result<Run> {
    let planned = kind.jobs();
    let load_before = load_average();
    eprintln!(
        "{}: {workers} worker(s): enqueue {planned} jobs, then process…",
        kind.name()
    );
    for _ in 0..WARMUP {
        setup.queue.enqueue(noop_job(WARMUP_QUEUE)).await?;
    }

    let mut latencies = Vec::with_capacity(planned);
    let start = Instant::now();
    while latencies.len() < planned && start.elapsed() < TIME_CAP {
        let sent = Instant::now();
        let enqueued = setup.queue.enqueue(noop_job(QUEUE)).await?;
        latencies.push(sent.elapsed());
        ensure!(enqueued.created, "enqueue returned an existing job");
    }
    let enqueue_elapsed = start.elapsed();
    let enqueued = latencies.len();
    latencies.sort_unstable();

    let cpu = CpuSnapshot::take(setup).await;
    let processed = process(&setup.workers, enqueued, TIME_CAP, 0).await?;
    let cpu = cpu.since(setup, processed.finished).await;
    let counted_finished = count(setup.queue.as_ref(), JobStatus::Finished).await?;
    let counted_failed = count(setup.queue.as_ref(), JobStatus::Failed).await?;
    Ok(Run {
        backend: kind.name(),
        workers,
        planned,
        enqueued,
        enqueue_elapsed,
        enqueue: Latencies(latencies),
        processed,
        counted_finished,
        counted_failed,
        cpu,
        load_before,
    })
}

// ---------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn rss_kib() -> Option<u64> {
    proc_status_kib("VmRSS")
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0); whether it worked.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct Memory {
    backend: &'static str,
    workers: usize,
    planned: usize,
    enqueued: usize,
    processed: Processed,
    /// VmHWM over the memory run (over the whole process if it could not be reset).
    peak_kib: Option<u64>,
    peak_reset: bool,
    counted_finished: i64,
}

impl Memory {
    fn sample_at(&self, jobs: usize) -> Option<u64> {
        self.processed
            .samples
            .iter()
            .find(|(n, _)| *n == jobs)
            .map(|(_, kib)| *kib)
    }

    fn last(&self) -> Option<(usize, u64)> {
        self.processed.samples.last().copied()
    }

    /// Last sample over the baseline sample, minus one.
    fn growth(&self) -> Option<f64> {
        let base = self.sample_at(MEMORY_BASELINE_AT)?;
        let (n, last) = self.last()?;
        (n > MEMORY_BASELINE_AT).then(|| last as f64 / base as f64 - 1.0)
    }

    fn flat(&self) -> Option<bool> {
        self.growth().map(|g| g <= MEMORY_TOLERANCE)
    }

    fn problem(&self) -> Option<String> {
        if self.processed.failed > 0 {
            return Some(format!("{} failed attempts", self.processed.failed));
        }
        (!self.processed.capped && self.counted_finished != self.enqueued as i64).then(|| {
            format!(
                "enqueued {}, counts() says {} finished",
                self.enqueued, self.counted_finished
            )
        })
    }

    fn to_json(&self) -> Value {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        json!({
            "backend": self.backend,
            "workers": self.workers,
            "jobs_planned": self.planned,
            "jobs_enqueued": self.enqueued,
            "jobs_finished": self.processed.finished,
            "capped_by_time": self.processed.capped || self.enqueued < self.planned,
            "problem": self.problem(),
            "process_duration_s": round(self.processed.elapsed.as_secs_f64()),
            "jobs_per_s": round(self.processed.finished as f64 / self.processed.elapsed.as_secs_f64()),
            "rss_kib_by_finished_jobs": self.processed.samples.iter()
                .map(|(n, kib)| json!({ "jobs": n, "rss_kib": kib }))
                .collect::<Vec<_>>(),
            "peak_rss_kib": self.peak_kib,
            "peak_rss_reset_before_run": self.peak_reset,
            "baseline_at_jobs": MEMORY_BASELINE_AT,
            "growth_after_baseline": self.growth().map(round),
            "tolerance": MEMORY_TOLERANCE,
            "flat": self.flat(),
        })
    }
}

async fn bench_memory(kind: Kind) -> anyhow::Result<Memory> {
    let setup = Setup::new(kind, MEMORY_WORKERS).await?;
    let result = measure_memory(kind, &setup).await;
    let teardown = setup.teardown().await;
    let memory = result?;
    teardown.context("cleaning up")?;
    Ok(memory)
}

async fn measure_memory(kind: Kind, setup: &Setup) -> anyhow::Result<Memory> {
    eprintln!(
        "{}: memory: enqueue {MEMORY_JOBS} jobs, then process with {MEMORY_WORKERS} workers…",
        kind.name()
    );
    // Filled by concurrent enqueuers (not measured), so the run stays short.
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut enqueuers = JoinSet::new();
    for _ in 0..MEMORY_ENQUEUERS {
        let queue = setup.queue.clone();
        let next = next.clone();
        enqueuers.spawn(async move {
            let mut mine = 0usize;
            while start.elapsed() < MEMORY_TIME_CAP
                && next.fetch_add(1, Ordering::Relaxed) < MEMORY_JOBS
            {
                queue.enqueue(noop_job(QUEUE)).await?;
                mine += 1;
            }
            anyhow::Ok(mine)
        });
    }
    let mut enqueued = 0;
    while let Some(joined) = enqueuers.join_next().await {
        enqueued += joined??;
    }
    eprintln!(
        "{}: memory: enqueued {enqueued} jobs in {:.1} s; processing…",
        kind.name(),
        start.elapsed().as_secs_f64()
    );

    let peak_reset = reset_peak_rss();
    let processed = process(
        &setup.workers,
        enqueued,
        MEMORY_TIME_CAP,
        MEMORY_SAMPLE_EVERY,
    )
    .await?;
    let peak_kib = proc_status_kib("VmHWM");
    let counted_finished = count(setup.queue.as_ref(), JobStatus::Finished).await?;
    Ok(Memory {
        backend: kind.name(),
        workers: MEMORY_WORKERS,
        planned: MEMORY_JOBS,
        enqueued,
        processed,
        peak_kib,
        peak_reset,
        counted_finished,
    })
}

// ---------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------

fn workspace_root() -> PathBuf {
    let queue = Path::new(env!("CARGO_MANIFEST_DIR"));
    queue.parent().unwrap_or(queue).to_path_buf()
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

const HEADERS: [&str; 14] = [
    "backend",
    "workers",
    "jobs",
    "enqueue/s",
    "enq p50 ms",
    "enq p95 ms",
    "enq p99 ms",
    "enq max ms",
    "jobs/s",
    "target",
    "met",
    "cpu us/job",
    "server us/job",
    "box busy",
];

fn row(r: &Run) -> [String; 14] {
    let jobs = if r.capped() {
        format!("{} (capped)", r.processed.finished)
    } else {
        r.processed.finished.to_string()
    };
    [
        r.backend.to_owned(),
        r.workers.to_string(),
        jobs,
        format!("{:.0}", r.enqueue_rate()),
        format!("{:.3}", r.enqueue.percentile_ms(50.0)),
        format!("{:.3}", r.enqueue.percentile_ms(95.0)),
        format!("{:.3}", r.enqueue.percentile_ms(99.0)),
        format!("{:.3}", r.enqueue.percentile_ms(100.0)),
        format!("{:.0}", r.jobs_per_s()),
        format!("{:.0}", target(r.backend)),
        if r.problem().is_some() {
            "ERROR".into()
        } else if r.meets_target() {
            "ok".into()
        } else {
            "MISS".into()
        },
        format!("{:.0}", r.cpu.process_us_per_job),
        r.cpu
            .server_us_per_job
            .map_or_else(|| "-".into(), |us| format!("{us:.0}")),
        format!("{:.0}%", r.cpu.machine_busy * 100.0),
    ]
}

fn text_table(headers: &[&str], rows: &[Vec<String>], text_columns: usize) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            // Text columns left-aligned, numbers right-aligned.
            .map(|(i, (c, &w))| {
                if i < text_columns {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    out += &line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for r in rows {
        out += &line(r);
    }
    out
}

fn markdown_table(headers: &[&str], rows: &[Vec<String>], text_columns: usize) -> String {
    let mut out = format!("| {} |\n|", headers.join(" | "));
    for i in 0..headers.len() {
        out += if i < text_columns { "---|" } else { "---:|" };
    }
    out += "\n";
    for r in rows {
        out += &format!("| {} |\n", r.join(" | "));
    }
    out
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

const MEMORY_HEADERS: [&str; 3] = ["finished jobs", "RSS MiB", "vs 20k"];

fn memory_rows(m: &Memory) -> Vec<Vec<String>> {
    let base = m.sample_at(MEMORY_BASELINE_AT);
    m.processed
        .samples
        .iter()
        .map(|(n, kib)| {
            vec![
                n.to_string(),
                mib(*kib),
                base.map_or_else(String::new, |b| {
                    format!("{:+.1}%", (*kib as f64 / b as f64 - 1.0) * 100.0)
                }),
            ]
        })
        .collect()
}

fn memory_summary(m: &Memory) -> String {
    let verdict = match m.flat() {
        Some(true) => "flat",
        Some(false) => "NOT flat",
        None => "not enough samples",
    };
    format!(
        "memory: {} jobs on {} through {} workers in {:.1} s ({:.0} jobs/s); RSS {} → {} MiB, {} after {} jobs ({}, tolerance {:.0}%); peak RSS (VmHWM{}) {} MiB",
        m.processed.finished,
        m.backend,
        m.workers,
        m.processed.elapsed.as_secs_f64(),
        m.processed.finished as f64 / m.processed.elapsed.as_secs_f64(),
        m.sample_at(MEMORY_BASELINE_AT).map_or("?".into(), mib),
        m.last().map_or("?".into(), |(_, kib)| mib(kib)),
        m.growth().map_or("?".into(), |g| format!("{:+.1}%", g * 100.0)),
        MEMORY_BASELINE_AT,
        verdict,
        MEMORY_TOLERANCE * 100.0,
        if m.peak_reset { ", this run" } else { ", whole process" },
        m.peak_kib.map_or("?".into(), mib),
    )
}

struct Report {
    runs: Vec<Run>,
    memory: Option<Memory>,
    skipped: Vec<String>,
    /// VmHWM of the process before the memory run reset it.
    process_peak_kib: Option<u64>,
    /// The machine's 1-minute load average at the start and at the end.
    load: (Option<f64>, Option<f64>),
}

impl Report {
    fn load_line(&self) -> String {
        let show = |l: Option<f64>| l.map_or("?".into(), |l| format!("{l:.2}"));
        format!(
            "load average (1 min): {} at the start, {} at the end, on {} CPUs",
            show(self.load.0),
            show(self.load.1),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        )
    }
}

fn markdown(report: &Report, meta: &Value) -> String {
    let mut out = String::from("# Job-queue benchmark\n\n");
    out += &format!(
        "- when: {}\n- commit: {}\n- machine: {} CPUs\n- jobs: no-op (`{}`), {} per run on SQLite/PostgreSQL, {} on Redis, enqueued one at a time before the workers start (latency per `enqueue` call); jobs/s = jobs / time from starting the workers to the last job finished\n- workers: N `Worker`s in one process, concurrency 1 each (Redis: one connection each); idle poll 5 ms, heartbeat 5 s, lease 30 s\n- targets: Redis ≥ 5,000 jobs/s, SQLite and PostgreSQL ≥ 1,000 jobs/s\n- CPU while processing, per job: `cpu` = this process (workers and bench; SQLite runs here too), `server` = Redis (`INFO cpu`) or the run's PostgreSQL backends; `box busy` = all CPUs of the machine, whatever ran on them\n",
        meta["timestamp"].as_str().unwrap_or("?"),
        meta["git_commit"].as_str().unwrap_or("unknown"),
        meta["nproc"],
        builtin::NOOP,
        DB_JOBS,
        REDIS_JOBS,
    );
    out += &format!("- {}\n", report.load_line());
    for s in &report.skipped {
        out += &format!("- skipped: {s}\n");
    }
    out += "\n";
    let rows: Vec<Vec<String>> = report.runs.iter().map(|r| row(r).to_vec()).collect();
    out += &markdown_table(&HEADERS, &rows, 1);
    if let Some(m) = &report.memory {
        out += &format!(
            "\n## Memory\n\n{}\n\npeak RSS of the whole benchmark before the memory run (VmHWM): {} MiB\n\n",
            memory_summary(m),
            report.process_peak_kib.map_or("?".into(), mib)
        );
        out += &markdown_table(&MEMORY_HEADERS, &memory_rows(m), 0);
    }
    out
}

fn write_results(report: &Report) -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let meta = json!({
        "timestamp": timestamp,
        "git_commit": git_commit(&root),
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "optimized": !cfg!(debug_assertions),
        "job_kind": builtin::NOOP,
        "jobs_per_run": { "sqlite": DB_JOBS, "postgres": DB_JOBS, "redis": REDIS_JOBS },
        "worker_counts": WORKER_COUNTS,
        "workers_are": "N Worker instances in one process, concurrency 1 each; Redis: one connection each",
        "warmup_enqueues": WARMUP,
        "time_cap_s": TIME_CAP.as_secs(),
        "targets_jobs_per_s": { "redis": target("redis"), "postgres": target("postgres"), "sqlite": target("sqlite") },
    });
    let mut out = meta.clone();
    out["skipped"] = json!(report.skipped);
    out["results"] = report.runs.iter().map(Run::to_json).collect();
    out["memory"] = report.memory.as_ref().map_or(Value::Null, Memory::to_json);
    out["process_peak_rss_kib"] = json!(report.process_peak_kib);
    out["load_average_1m"] = json!({ "start": report.load.0, "end": report.load.1 });

    let dir = root.join("bench").join("results");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join("queue.json"),
        serde_json::to_string_pretty(&out)? + "\n",
    )?;
    std::fs::write(dir.join("queue.md"), markdown(report, &meta))?;
    Ok(dir)
}

async fn bench_all() -> anyhow::Result<Report> {
    let mut kinds = vec![Kind::Sqlite];
    let mut skipped = Vec::new();
    if std::env::var_os("DATABASE_URL").is_some() {
        kinds.push(Kind::Postgres);
    } else {
        skipped.push("PostgreSQL: DATABASE_URL is not set".to_owned());
    }
    if std::env::var_os("REDIS_URL").is_some() {
        kinds.push(Kind::Redis);
    } else {
        skipped.push("Redis: REDIS_URL is not set".to_owned());
    }
    for s in &skipped {
        eprintln!("skipping {s} (`make bench` provides one)");
    }

    let load_start = load_average();
    let mut runs = Vec::new();
    for kind in &kinds {
        for workers in WORKER_COUNTS {
            let run = bench_run(*kind, workers)
                .await
                .with_context(|| format!("{} with {workers} worker(s)", kind.name()))?;
            eprintln!(
                "{}: {workers} worker(s): enqueue {:.0}/s, process {:.0} jobs/s",
                run.backend,
                run.enqueue_rate(),
                run.jobs_per_s()
            );
            runs.push(run);
        }
    }

    let process_peak_kib = proc_status_kib("VmHWM");
    let memory_kind = if kinds.contains(&Kind::Redis) {
        Kind::Redis
    } else {
        Kind::Sqlite
    };
    let memory = bench_memory(memory_kind)
        .await
        .with_context(|| format!("memory run on {}", memory_kind.name()))?;
    Ok(Report {
        runs,
        memory: Some(memory),
        skipped,
        process_peak_kib,
        load: (load_start, load_average()),
    })
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter or other flags mean nothing here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let report = match runtime.block_on(bench_all()) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("bench queue: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    drop(runtime);

    let rows: Vec<Vec<String>> = report.runs.iter().map(|r| row(r).to_vec()).collect();
    print!("{}", text_table(&HEADERS, &rows, 1));
    println!("{}", report.load_line());
    if let Some(m) = &report.memory {
        println!("\n{}", memory_summary(m));
        println!(
            "peak RSS of the whole benchmark before the memory run (VmHWM): {} MiB",
            report.process_peak_kib.map_or("?".into(), mib)
        );
        print!("{}", text_table(&MEMORY_HEADERS, &memory_rows(m), 0));
    }
    match write_results(&report) {
        Ok(dir) => eprintln!("wrote {0}/queue.json and {0}/queue.md", dir.display()),
        Err(e) => {
            eprintln!("bench queue: writing results: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let mut failed = false;
    for r in &report.runs {
        if let Some(p) = r.problem() {
            eprintln!("{} with {} worker(s): {p}", r.backend, r.workers);
            failed = true;
        }
    }
    if let Some(p) = report.memory.as_ref().and_then(Memory::problem) {
        eprintln!("memory run: {p}");
        failed = true;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

//! The worker runtime on every backend: exactly-once under concurrency,
//! retries, bad payloads, timeouts and graceful shutdown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use morningai_queue::{
    builtin, Handlers, JobError, JobId, JobScope, JobStatus, NewJob, RetryPolicy, Worker,
    WorkerConfig,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::{all_backends, Fixture};

all_backends!(
    concurrent_workers_finish_every_job_exactly_once,
    retries_back_off_then_fail_and_bad_payloads_do_not_block,
    timeouts_fail_the_attempt,
    shutdown_finishes_running_jobs_and_leaves_the_rest,
    shutdown_after_grace_gives_unfinished_jobs_back,
);

fn fast_config(queue: &str, concurrency: usize) -> WorkerConfig {
    WorkerConfig {
        queues: vec![queue.into()],
        concurrency,
        lease: Duration::from_secs(10),
        heartbeat: Duration::from_millis(200),
        idle_poll: Duration::from_millis(20),
        grace: Duration::from_secs(10),
        maintenance: Duration::from_millis(500),
        retry: RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_millis(400),
        },
    }
}

struct Running {
    stop: CancellationToken,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    async fn stop(self) {
        self.stop.cancel();
        for h in self.handles {
            h.await.unwrap();
        }
    }
}

fn start(f: &Fixture, handlers: &Handlers, config: &WorkerConfig, workers: usize) -> Running {
    let stop = CancellationToken::new();
    let handles = (0..workers)
        .map(|_| {
            let w = Worker::new(f.queue.clone(), handlers.clone(), config.clone());
            tokio::spawn(w.run(stop.clone()))
        })
        .collect();
    Running { stop, handles }
}

async fn concurrent_workers_finish_every_job_exactly_once(f: Fixture) {
    const JOBS: usize = 120;
    let runs: Arc<Mutex<HashMap<JobId, usize>>> = Arc::default();
    let seen = runs.clone();
    let handlers = Handlers::new().on("count", move |ctx| {
        let seen = seen.clone();
        async move {
            *seen.lock().unwrap().entry(ctx.job.id).or_default() += 1;
            Ok(json!({ "attempt": ctx.attempt() }))
        }
    });
    let mut ids = Vec::new();
    for i in 0..JOBS {
        let j = NewJob::new("bulk", "count", json!({ "i": i }));
        ids.push(f.queue.enqueue(j).await.unwrap().job.id);
    }
    let running = start(&f, &handlers, &fast_config("bulk", 3), 4);
    for id in &ids {
        f.wait_status(*id, JobStatus::Finished, Duration::from_secs(60))
            .await;
    }
    running.stop().await;
    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), JOBS);
    assert!(
        runs.values().all(|n| *n == 1),
        "some job ran twice: {:?}",
        runs.values().filter(|n| **n != 1).count()
    );
    assert_eq!(f.get(ids[0]).await.result, Some(json!({ "attempt": 1 })));
    assert!(
        f.queue.workers().await.unwrap().is_empty(),
        "stopped workers unregister"
    );
}

async fn retries_back_off_then_fail_and_bad_payloads_do_not_block(f: Fixture) {
    let handlers = builtin::with_builtins(Handlers::new());
    let mut flaky = NewJob::new("r", builtin::FAIL, json!({ "message": "upstream 503" }));
    flaky.max_attempts = 3;
    let flaky = f.queue.enqueue(flaky).await.unwrap().job.id;
    let bad = f
        .queue
        .enqueue(NewJob::new("r", builtin::SLEEP, json!({ "ms": "soon" })))
        .await
        .unwrap()
        .job
        .id;
    let unknown = f
        .queue
        .enqueue(NewJob::new("r", "no.such.kind", json!({})))
        .await
        .unwrap()
        .job
        .id;
    let good = f
        .queue
        .enqueue(NewJob::new("r", builtin::ECHO, json!({ "ok": true })))
        .await
        .unwrap()
        .job
        .id;
    let running = start(&f, &handlers, &fast_config("r", 2), 1);

    let done = f
        .wait_status(good, JobStatus::Finished, Duration::from_secs(20))
        .await;
    assert_eq!(done.result, Some(json!({ "ok": true })));
    let bad = f
        .wait_status(bad, JobStatus::Failed, Duration::from_secs(20))
        .await;
    assert_eq!(
        bad.attempts, 1,
        "a payload that cannot decode is not retried"
    );
    assert!(bad
        .last_error
        .unwrap()
        .contains("payload does not fit job kind system.sleep"));
    let unknown = f
        .wait_status(unknown, JobStatus::Failed, Duration::from_secs(20))
        .await;
    assert!(unknown.last_error.unwrap().contains("no handler"));
    let flaky = f
        .wait_status(flaky, JobStatus::Failed, Duration::from_secs(30))
        .await;
    assert_eq!(flaky.attempts, 3);
    assert!(flaky
        .last_error
        .unwrap()
        .contains("attempt 3: upstream 503"));
    // Three attempts with 50–100 ms and 100–200 ms of backoff between them.
    let span = flaky.finished_at_ms.unwrap() - flaky.enqueued_at_ms;
    assert!(span >= 150, "retries did not back off: {span} ms");
    running.stop().await;
    let failed = f
        .queue
        .jobs(JobScope::System, Some(JobStatus::Failed), None, 10)
        .await
        .unwrap();
    assert_eq!(failed.len(), 3);
}

async fn timeouts_fail_the_attempt(f: Fixture) {
    let handlers = builtin::with_builtins(Handlers::new());
    let mut slow = NewJob::new("to", builtin::SLEEP, json!({ "ms": 5_000 }));
    slow.timeout_ms = 200;
    slow.max_attempts = 1;
    let id = f.queue.enqueue(slow).await.unwrap().job.id;
    let running = start(&f, &handlers, &fast_config("to", 1), 1);
    let job = f
        .wait_status(id, JobStatus::Failed, Duration::from_secs(10))
        .await;
    assert!(job.last_error.unwrap().contains("timed out after 200 ms"));
    running.stop().await;
}

async fn shutdown_finishes_running_jobs_and_leaves_the_rest(f: Fixture) {
    let handlers = builtin::with_builtins(Handlers::new());
    let first = f
        .queue
        .enqueue(NewJob::new("g", builtin::SLEEP, json!({ "ms": 600 })))
        .await
        .unwrap()
        .job
        .id;
    let mut rest = Vec::new();
    for _ in 0..3 {
        rest.push(
            f.queue
                .enqueue(NewJob::new("g", builtin::NOOP, json!({})))
                .await
                .unwrap()
                .job
                .id,
        );
    }
    let running = start(&f, &handlers, &fast_config("g", 1), 1);
    f.wait_status(first, JobStatus::Started, Duration::from_secs(10))
        .await;
    let workers = f.queue.workers().await.unwrap();
    assert_eq!(workers.len(), 1);
    running.stop().await;
    assert_eq!(
        f.get(first).await.status,
        JobStatus::Finished,
        "the running job finished"
    );
    for id in rest {
        assert_eq!(
            f.get(id).await.status,
            JobStatus::Queued,
            "jobs not started stay queued"
        );
    }
}

async fn shutdown_after_grace_gives_unfinished_jobs_back(f: Fixture) {
    let handlers = builtin::with_builtins(Handlers::new());
    let id = f
        .queue
        .enqueue(NewJob::new("gr", builtin::SLEEP, json!({ "ms": 30_000 })))
        .await
        .unwrap()
        .job
        .id;
    let config = WorkerConfig {
        grace: Duration::from_millis(200),
        ..fast_config("gr", 1)
    };
    let running = start(&f, &handlers, &config, 1);
    f.wait_status(id, JobStatus::Started, Duration::from_secs(10))
        .await;
    running.stop().await;
    let job = f.get(id).await;
    assert_eq!(
        (job.status, job.attempts, job.worker_id),
        (JobStatus::Queued, 0, None)
    );
    let _ = JobError::Retry(String::new());
}

/// A Redis server of this test's own, with an append-only file as production
/// should have, so it can be stopped and restarted under load.
struct OwnRedis {
    port: u16,
    dir: std::path::PathBuf,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("morningai-redis-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = Self {
            port,
            dir,
            child: None,
        };
        r.up();
        r
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn up(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed (make test installs it)");
        self.child = Some(child);
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.down();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_under_load_every_accepted_job_finishes() {
    const JOBS: usize = 300;
    let mut redis = OwnRedis::start();
    let queue = Arc::new(
        morningai_queue::RedisQueue::connect(&redis.url(), "restart")
            .await
            .unwrap(),
    );
    let handlers = Handlers::new().on("work", |_| async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        Ok(json!({}))
    });
    let mut ids = Vec::new();
    for i in 0..JOBS {
        ids.push(
            queue
                .enqueue(NewJob::new("load", "work", json!({ "i": i })))
                .await
                .unwrap()
                .job
                .id,
        );
    }
    let stop = CancellationToken::new();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(
                Worker::new(queue.clone(), handlers.clone(), fast_config("load", 4))
                    .run(stop.clone()),
            )
        })
        .collect();
    let finished = |queue: Arc<morningai_queue::RedisQueue>| async move {
        use morningai_queue::QueueBackend;
        queue
            .jobs(JobScope::System, Some(JobStatus::Finished), None, JOBS)
            .await
            .map(|j| j.len())
            .unwrap_or(0)
    };
    let start = std::time::Instant::now();
    while finished(queue.clone()).await < JOBS / 4 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no progress before the restart"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    redis.down();
    tokio::time::sleep(Duration::from_millis(700)).await;
    redis.up();
    let start = std::time::Instant::now();
    while finished(queue.clone()).await < JOBS {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "jobs lost across the restart: {} of {JOBS} finished",
            finished(queue.clone()).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.cancel();
    for w in workers {
        w.await.unwrap();
    }
    use morningai_queue::QueueBackend;
    for id in ids {
        let job = queue.job(JobScope::System, id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Finished);
    }
}

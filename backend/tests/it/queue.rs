//! The queue through the API, and worker processes as an operator runs them:
//! killed with SIGKILL mid-job, stopped with SIGTERM, serving jobs that
//! `serve` accepted.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use morningai_queue::{
    builtin, DatabaseQueue, JobId, JobScope, JobStatus, NewJob, QueueBackend, RedisQueue,
    WorkerInfo,
};
use morningai_store::testing::TempPostgres;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{assert_error, both_backends, TempDir, TestApp};

both_backends!(
    admins_manage_their_tenants_jobs_over_http,
    tenant_jobs_out_of_bounds_are_refused,
    workers_show_only_your_tenants_jobs,
);

async fn admins_manage_their_tenants_jobs_over_http(app: TestApp) {
    let owner = app.signup("ops@example.com", "Ops").await;
    let member = app.add_member(&owner, "dev@example.com", "member").await;
    let other = app.signup("else@example.com", "Else").await;
    let t = Some(owner.token.as_str());

    let (status, body) = app
        .post(
            "/api/queue/jobs",
            t,
            json!({ "kind": builtin::ECHO, "payload": { "hi": 1 }, "idempotency_key": "k1" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["job"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["job"]["status"], "queued");
    assert_eq!(body["job"]["tenant_id"], owner.tenant_id.as_str());
    let (_, again) = app
        .post(
            "/api/queue/jobs",
            t,
            json!({ "kind": builtin::ECHO, "idempotency_key": "k1" }),
        )
        .await;
    assert_eq!(
        (again["job"]["id"].as_str(), again["created"].as_bool()),
        (Some(id.as_str()), Some(false))
    );
    // Another tenant's identical key is its own job.
    let (_, theirs) = app
        .post(
            "/api/queue/jobs",
            Some(&other.token),
            json!({ "kind": builtin::ECHO, "idempotency_key": "k1" }),
        )
        .await;
    assert_ne!(theirs["job"]["id"].as_str(), Some(id.as_str()));

    let (status, body) = app
        .post("/api/queue/jobs", t, json!({ "kind": "rm -rf /" }))
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, body) = app.get("/api/queue/jobs?status=lost", t).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    for (status, body) in [
        app.get("/api/queue/stats", Some(&member.token)).await,
        app.get("/api/queue/jobs", Some(&member.token)).await,
        app.post(
            &format!("/api/queue/jobs/{id}/cancel"),
            Some(&member.token),
            json!({}),
        )
        .await,
    ] {
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }

    let (_, jobs) = app.get("/api/queue/jobs?status=queued", t).await;
    assert_eq!(jobs.as_array().unwrap().len(), 1, "{jobs}");
    let (status, _) = app
        .get(&format!("/api/queue/jobs/{id}"), Some(&other.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "other tenants cannot see it");
    let (status, _) = app
        .post(
            &format!("/api/queue/jobs/{id}/cancel"),
            Some(&other.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = app
        .post(&format!("/api/queue/jobs/{id}/retry"), t, json!({}))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (status, body) = app
        .post(&format!("/api/queue/jobs/{id}/cancel"), t, json!({}))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("canceled"))
    );
    let (status, body) = app
        .post(&format!("/api/queue/jobs/{id}/retry"), t, json!({}))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("queued"))
    );

    let (status, stats) = app.get("/api/queue/stats", t).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["backend"], "database");
    let total: i64 = stats["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 1, "only this tenant's jobs are counted: {stats}");
    let (_, log) = app.get("/api/audit", t).await;
    assert!(log.to_string().contains("job.cancel") && log.to_string().contains("job.retry"));
}

/// Every field a tenant sets is bounded: out of bounds is a 422 naming the
/// field, and nothing is stored; the bounds themselves are accepted.
async fn tenant_jobs_out_of_bounds_are_refused(app: TestApp) {
    let owner = app.signup("ops@example.com", "Ops").await;
    let t = Some(owner.token.as_str());
    let echo = builtin::ECHO;
    for (field, body) in [
        ("priority", json!({ "kind": echo, "priority": 101 })),
        ("priority", json!({ "kind": echo, "priority": i32::MAX })),
        ("priority", json!({ "kind": echo, "priority": -101 })),
        (
            "timeout_ms",
            json!({ "kind": echo, "timeout_ms": 14 * 24 * 3_600_000 }),
        ),
        ("timeout_ms", json!({ "kind": echo, "timeout_ms": 0 })),
        (
            "max_attempts",
            json!({ "kind": echo, "max_attempts": 1000 }),
        ),
        ("max_attempts", json!({ "kind": echo, "max_attempts": 0 })),
        ("queue", json!({ "kind": echo, "queue": "slow" })),
        ("queue", json!({ "kind": echo, "queue": "" })),
        (
            "delay_ms",
            json!({ "kind": echo, "delay_ms": 30u32 * 24 * 3_600_000 }),
        ),
        (
            "payload",
            json!({ "kind": echo, "payload": { "s": "x".repeat(70_000) } }),
        ),
        (
            "idempotency_key",
            json!({ "kind": echo, "idempotency_key": "k".repeat(101) }),
        ),
        ("kind", json!({ "kind": "task.run" })),
    ] {
        let (status, body) = app.post("/api/queue/jobs", t, body).await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{field}: ")),
            "{field}: {body}"
        );
    }
    let (_, jobs) = app.get("/api/queue/jobs", t).await;
    assert_eq!(jobs.as_array().unwrap().len(), 0, "nothing stored: {jobs}");

    let edge = json!({
        "kind": echo,
        "queue": "default",
        "priority": 100,
        "timeout_ms": 3_600_000,
        "max_attempts": 10,
        "delay_ms": 7 * 24 * 3_600_000 - 60_000,
        "idempotency_key": "k".repeat(100),
    });
    let (status, body) = app.post("/api/queue/jobs", t, edge).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        (&body["job"]["priority"], &body["job"]["status"]),
        (&json!(100), &json!("scheduled"))
    );
    let low = json!({ "kind": echo, "priority": -100 });
    let (status, body) = app.post("/api/queue/jobs", t, low).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// A worker's current jobs name only the caller's tenant's; the others are
/// only counted.
async fn workers_show_only_your_tenants_jobs(app: TestApp) {
    let a = app.signup("a@example.com", "A").await;
    let b = app.signup("b@example.com", "B").await;
    let mut ids = Vec::new();
    for session in [&a, &b] {
        let (status, body) = app
            .post(
                "/api/queue/jobs",
                Some(&session.token),
                json!({ "kind": builtin::NOOP }),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        ids.push(serde_json::from_value::<JobId>(body["job"]["id"].clone()).unwrap());
    }
    let (job_a, job_b) = (ids[0], ids[1]);
    let now = morningai_core::now_ms();
    let system = JobId::new();
    app.state
        .queue
        .backend()
        .register_worker(&WorkerInfo {
            id: "host-1-abc".into(),
            host: "host".into(),
            pid: 1,
            queues: vec!["default".into()],
            started_at_ms: now,
            last_heartbeat_ms: now,
            current_jobs: vec![job_a, job_b, system],
        })
        .await
        .unwrap();
    for (session, mine, theirs) in [(&a, job_a, job_b), (&b, job_b, job_a)] {
        let (status, workers) = app.get("/api/queue/workers", Some(&session.token)).await;
        assert_eq!(status, StatusCode::OK, "{workers}");
        let worker = &workers[0];
        assert_eq!(worker["current_jobs"], json!([mine]), "{workers}");
        assert_eq!(worker["running_jobs"], 3);
        let text = workers.to_string();
        assert!(!text.contains(&theirs.to_string()) && !text.contains(&system.to_string()));
        // The operator's host name and process id stay the operator's.
        assert_eq!(worker["name"], "worker-abc", "{workers}");
        assert!(
            worker.get("host").is_none()
                && worker.get("pid").is_none()
                && worker.get("id").is_none(),
            "{workers}"
        );
        assert!(!text.contains("host-1"), "{workers}");
    }
}

/// The default per-tenant limit leaves half the workers to other tenants; 0
/// lifts it.
#[test]
fn tenant_concurrency_defaults_to_half_the_workers() {
    let mut config =
        morningai_backend::Config::for_tests("sqlite::memory:", std::env::temp_dir()).queue;
    assert_eq!((config.workers, config.tenant_limit()), (2, Some(1)));
    config.workers = 9;
    assert_eq!(config.tenant_limit(), Some(4));
    config.workers = 0;
    assert_eq!(config.tenant_limit(), Some(1));
    config.tenant_concurrency = Some(3);
    assert_eq!(config.tenant_limit(), Some(3));
    config.tenant_concurrency = Some(0);
    assert_eq!(config.tenant_limit(), None);
}

/// A `morningai` process that is killed if the test ends first.
pub(crate) struct Proc(Child);

impl Proc {
    pub(crate) fn spawn(args: &[&str], env: &[(&str, String)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_morningai"));
        for (k, _) in std::env::vars() {
            if k.starts_with("MORNINGAI_") {
                cmd.env_remove(k);
            }
        }
        cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Self(cmd.spawn().unwrap())
    }

    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }

    pub(crate) fn signal(&self, sig: &str) {
        Command::new("kill")
            .args([sig, &self.pid().to_string()])
            .status()
            .unwrap();
    }

    /// Waits for the exit (up to `limit`); true when it exited successfully.
    pub(crate) fn wait(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status.success();
            }
            assert!(start.elapsed() < limit, "process did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_job(
    queue: &dyn QueueBackend,
    id: JobId,
    limit: Duration,
    done: impl Fn(&morningai_queue::Job) -> bool,
) -> morningai_queue::Job {
    let start = Instant::now();
    loop {
        let job = queue.job(JobScope::System, id).await.unwrap().unwrap();
        if done(&job) {
            return job;
        }
        assert!(start.elapsed() < limit, "waited too long: {job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn owned_by(pid: u32) -> impl Fn(&morningai_queue::Job) -> bool {
    move |j| {
        j.status == JobStatus::Started
            && j.worker_id
                .as_deref()
                .is_some_and(|w| w.contains(&format!("-{pid}-")))
    }
}

/// Environment for worker processes on the given database and queue.
pub(crate) fn worker_env(
    database_url: &str,
    data: &TempDir,
    queue: &[(&str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("MORNINGAI_DATABASE_URL", database_url.to_owned()),
        ("MORNINGAI_DATA_DIR", data.0.display().to_string()),
        ("MORNINGAI_JOB_LEASE_SECS", "1".to_owned()),
        ("MORNINGAI_WORKERS", "1".to_owned()),
    ];
    for (k, v) in queue {
        let key: &'static str = match *k {
            "MORNINGAI_QUEUE" => "MORNINGAI_QUEUE",
            "MORNINGAI_REDIS_URL" => "MORNINGAI_REDIS_URL",
            "MORNINGAI_REDIS_PREFIX" => "MORNINGAI_REDIS_PREFIX",
            other => panic!("unexpected {other}"),
        };
        env.push((key, v.clone()));
    }
    env
}

pub(crate) fn temp_dir() -> TempDir {
    let p = std::env::temp_dir().join(format!("morningai-q-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&p).unwrap();
    TempDir(p)
}

async fn crash_mid_job_is_reclaimed(
    queue: Arc<dyn QueueBackend>,
    env: Vec<(&'static str, String)>,
) {
    let job = NewJob::new("default", builtin::SLEEP, json!({ "ms": 1500 }));
    let id = queue.enqueue(job).await.unwrap().job.id;
    let mut first = Proc::spawn(&["worker"], &env);
    wait_job(&*queue, id, Duration::from_secs(30), owned_by(first.pid())).await;
    first.signal("-KILL");
    assert!(!first.wait(Duration::from_secs(10)));
    let second = Proc::spawn(&["worker"], &env);
    let done = wait_job(&*queue, id, Duration::from_secs(30), |j| {
        j.status == JobStatus::Finished
    })
    .await;
    assert_eq!(done.attempts, 2, "reclaimed after the first worker died");
    assert!(done
        .worker_id
        .unwrap()
        .contains(&format!("-{}-", second.pid())));
    assert_eq!(done.result, Some(json!({ "slept_ms": 1500, "attempt": 2 })));
}

async fn sigterm_finishes_the_running_job_and_leaves_the_rest(
    queue: Arc<dyn QueueBackend>,
    env: Vec<(&'static str, String)>,
) {
    let running = queue
        .enqueue(NewJob::new(
            "default",
            builtin::SLEEP,
            json!({ "ms": 1200 }),
        ))
        .await
        .unwrap()
        .job
        .id;
    let mut waiting = Vec::new();
    for _ in 0..2 {
        waiting.push(
            queue
                .enqueue(NewJob::new("default", builtin::NOOP, json!({})))
                .await
                .unwrap()
                .job
                .id,
        );
    }
    let mut worker = Proc::spawn(&["worker"], &env);
    wait_job(
        &*queue,
        running,
        Duration::from_secs(30),
        owned_by(worker.pid()),
    )
    .await;
    worker.signal("-TERM");
    assert!(
        worker.wait(Duration::from_secs(20)),
        "clean exit after SIGTERM"
    );
    assert_eq!(
        queue
            .job(JobScope::System, running)
            .await
            .unwrap()
            .unwrap()
            .status,
        JobStatus::Finished
    );
    for id in waiting {
        assert_eq!(
            queue
                .job(JobScope::System, id)
                .await
                .unwrap()
                .unwrap()
                .status,
            JobStatus::Queued
        );
    }
    assert!(
        queue.workers().await.unwrap().is_empty(),
        "the worker unregistered"
    );
}

#[tokio::test]
async fn postgres_worker_killed_mid_job_loses_nothing() {
    let db = TempPostgres::new().await;
    let data = temp_dir();
    let store = Arc::new(
        morningai_store::PgStore::open(&db.owner_url, &Default::default())
            .await
            .unwrap(),
    );
    crash_mid_job_is_reclaimed(
        Arc::new(DatabaseQueue::new(store)),
        worker_env(&db.owner_url, &data, &[]),
    )
    .await;
}

#[tokio::test]
async fn postgres_worker_sigterm_drains_gracefully() {
    let db = TempPostgres::new().await;
    let data = temp_dir();
    let store = Arc::new(
        morningai_store::PgStore::open(&db.owner_url, &Default::default())
            .await
            .unwrap(),
    );
    sigterm_finishes_the_running_job_and_leaves_the_rest(
        Arc::new(DatabaseQueue::new(store)),
        worker_env(&db.owner_url, &data, &[]),
    )
    .await;
}

fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .expect("REDIS_URL is not set: Redis tests need a server; run them with `make test`")
}

async fn redis_fixture() -> (
    Arc<dyn QueueBackend>,
    Vec<(&'static str, String)>,
    TempDir,
    String,
) {
    let prefix = format!("morningai-test-{}", uuid::Uuid::new_v4().simple());
    let data = temp_dir();
    let db = format!("sqlite://{}/db.sqlite", data.0.display());
    morningai_store::migrate(&db).await.unwrap();
    let queue: Arc<dyn QueueBackend> =
        Arc::new(RedisQueue::connect(&redis_url(), &prefix).await.unwrap());
    let env = worker_env(
        &db,
        &data,
        &[
            ("MORNINGAI_QUEUE", "redis".into()),
            ("MORNINGAI_REDIS_URL", redis_url()),
            ("MORNINGAI_REDIS_PREFIX", prefix.clone()),
        ],
    );
    (queue, env, data, prefix)
}

fn delete_redis_keys(prefix: &str) {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query(&mut conn)
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL").arg(keys).query(&mut conn).unwrap();
    }
}

#[tokio::test]
async fn redis_worker_killed_mid_job_loses_nothing() {
    let (queue, env, _data, prefix) = redis_fixture().await;
    crash_mid_job_is_reclaimed(queue, env).await;
    delete_redis_keys(&prefix);
}

#[tokio::test]
async fn redis_worker_sigterm_drains_gracefully() {
    let (queue, env, _data, prefix) = redis_fixture().await;
    sigterm_finishes_the_running_job_and_leaves_the_rest(queue, env).await;
    delete_redis_keys(&prefix);
}

/// The seed's deployment shape: `serve` with no workers accepts jobs into
/// Redis; a `morningai worker` started separately drains them.
#[tokio::test]
async fn redis_serve_enqueues_and_a_separate_worker_drains() {
    let (queue, mut env, _data, prefix) = redis_fixture().await;
    env.retain(|(k, _)| *k != "MORNINGAI_WORKERS");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut serve_env = env.clone();
    serve_env.push(("MORNINGAI_WORKERS", "0".into()));
    serve_env.push(("MORNINGAI_ADDR", format!("127.0.0.1:{port}")));
    let _serve = Proc::spawn(&["serve"], &serve_env);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let start = Instant::now();
    while client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status() != StatusCode::OK)
        .unwrap_or(true)
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "serve did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let signup: serde_json::Value = client
        .post(format!("{base}/api/auth/signup"))
        .json(&json!({ "email": "ops@example.com", "password": "correct horse battery", "tenant_name": "Ops" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signup["token"].as_str().unwrap();
    for i in 0..5 {
        let res = client
            .post(format!("{base}/api/queue/jobs"))
            .bearer_auth(token)
            .json(&json!({ "kind": builtin::ECHO, "payload": { "i": i } }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    let pending = |status: JobStatus| {
        let queue = queue.clone();
        async move {
            queue
                .jobs(JobScope::System, Some(status), None, 100)
                .await
                .unwrap()
                .len()
        }
    };
    let start = Instant::now();
    while pending(JobStatus::Queued).await < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "jobs did not reach Redis"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pending(JobStatus::Queued).await, 5, "serve runs no workers");
    env.push(("MORNINGAI_WORKERS", "2".into()));
    let _worker = Proc::spawn(&["worker"], &env);
    let start = Instant::now();
    while pending(JobStatus::Finished).await < 5 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the worker did not drain the queue"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, stats) = {
        let res = client
            .get(format!("{base}/api/queue/stats"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (res.status(), res.json::<serde_json::Value>().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (stats["backend"].as_str(), stats["workers"].as_u64()),
        (Some("redis"), Some(1)),
        "{stats}"
    );
    delete_redis_keys(&prefix);
}

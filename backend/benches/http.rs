//! End-to-end HTTP benchmark: the real server (router, middleware, store) in
//! process on 127.0.0.1, driven over loopback by reqwest with keep-alive.
//!
//! Runs on SQLite always, and also on PostgreSQL when `DATABASE_URL` is set
//! (a superuser URL, as `scripts/test-services.sh` provides). Measures:
//!
//! * `GET /healthz`, `GET /api/auth/me` with an API key, and with a session
//!   token: [`CONCURRENCY`] clients, [`REQUESTS`] requests, at most [`TIME_CAP`];
//! * `POST /api/auth/login` sequentially, [`LOGIN_REQUESTS`] times (argon2).
//!
//! Prints a table, writes `bench/results/http.json` and `bench/results/http.md`
//! at the workspace root, and exits non-zero if any request failed (non-2xx).
//! Run with `make bench` (or `cargo bench -p morningai-backend --bench http`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use morningai_backend::{AppState, Config};
use morningai_store::testing::{TempPostgres, TempSqlite};
use morningai_store::OpenOptions;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Concurrent clients for the throughput scenarios.
const CONCURRENCY: usize = 16;
/// Requests per throughput scenario (unless [`TIME_CAP`] ends it first).
const REQUESTS: usize = 5_000;
/// Unmeasured requests before each throughput scenario: opens the
/// connections, warms the database pool and caches.
const WARMUP: usize = 200;
/// Longest a scenario may run; it then reports what it completed.
const TIME_CAP: Duration = Duration::from_secs(30);
/// Sequential log-ins (each verifies an argon2 hash).
const LOGIN_REQUESTS: usize = 20;

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench-password-0123456789";

/// What one scenario measured.
struct Measurement {
    backend: &'static str,
    scenario: &'static str,
    concurrency: usize,
    planned: usize,
    /// Measured requests (successful or not); fewer than planned if capped.
    completed: usize,
    /// Non-2xx answers and transport failures, warm-up included.
    errors: usize,
    first_error: Option<String>,
    elapsed: Duration,
    /// Latency of every measured request, sorted.
    latencies: Vec<Duration>,
}

impl Measurement {
    fn capped(&self) -> bool {
        self.completed < self.planned
    }

    fn rps(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }

    /// Nearest-rank percentile, in milliseconds.
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1e3
    }

    fn mean_ms(&self) -> f64 {
        let total: Duration = self.latencies.iter().sum();
        total.as_secs_f64() * 1e3 / self.latencies.len().max(1) as f64
    }

    fn to_json(&self) -> Value {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        json!({
            "backend": self.backend,
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            "requests_planned": self.planned,
            "requests": self.completed,
            "capped_by_time": self.capped(),
            "errors": self.errors,
            "first_error": self.first_error,
            "duration_s": round(self.elapsed.as_secs_f64()),
            "requests_per_s": round(self.rps()),
            "latency_ms": {
                "mean": round(self.mean_ms()),
                "p50": round(self.percentile_ms(50.0)),
                "p95": round(self.percentile_ms(95.0)),
                "p99": round(self.percentile_ms(99.0)),
                "max": round(self.percentile_ms(100.0)),
            },
        })
    }
}

/// The server under test, running on the current runtime.
struct Server {
    base: String,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Opens the store at `database_url` as `serve` does (migrations are
    /// already applied) and serves it on an ephemeral loopback port.
    async fn start(database_url: &str) -> anyhow::Result<Self> {
        let store = morningai_store::open(database_url, &OpenOptions::default())
            .await
            .context("opening the store")?;
        let mut config = Config::for_tests(database_url, std::env::temp_dir());
        // Every request comes from 127.0.0.1 and one account: never throttle.
        config.login_per_ip_per_minute = 1_000_000;
        config.login_per_account_per_minute = 1_000_000;
        let secret = config.jwt_secret.clone().context("no JWT secret")?;
        let state = AppState::new(store, config, &secret)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(morningai_backend::server::run(listener, state, async {
            let _ = stop.await;
        }));
        Ok(Self {
            base: format!("http://{addr}"),
            shutdown,
            task,
        })
    }

    async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .context("server did not stop within 10 s")?
            .context("server task panicked")?
    }
}

/// Sends one request and reads the whole body; `Err` unless the status is 2xx.
async fn send(client: &Client, request: reqwest::Request) -> Result<(), String> {
    let response = client
        .execute(request)
        .await
        .map_err(|e| format!("transport: {e}"))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("reading body: {e}"))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// `concurrency` clients send copies of `template` until `total` requests
/// have been issued or `cap` has passed. Returns the tally and the wall time.
async fn drive(
    client: &Client,
    template: &reqwest::Request,
    total: usize,
    concurrency: usize,
    cap: Duration,
) -> (Tally, Duration) {
    let issued = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = client.clone();
            let template = template.try_clone().expect("request body is in memory");
            let issued = issued.clone();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                while start.elapsed() < cap && issued.fetch_add(1, Ordering::Relaxed) < total {
                    let request = template.try_clone().expect("request body is in memory");
                    let sent = Instant::now();
                    let result = send(&client, request).await;
                    tally.latencies.push(sent.elapsed());
                    if let Err(e) = result {
                        tally.errors += 1;
                        tally.first_error.get_or_insert(e);
                    }
                }
                tally
            })
        })
        .collect();
    let mut tally = Tally::default();
    for worker in workers {
        tally.merge(worker.await.expect("client task panicked"));
    }
    (tally, start.elapsed())
}

async fn measure(
    backend: &'static str,
    scenario: &'static str,
    client: &Client,
    template: reqwest::Request,
    (total, concurrency, warmup): (usize, usize, usize),
) -> Measurement {
    eprintln!("{backend}: {scenario}: {total} requests, concurrency {concurrency}…");
    let (warm, _) = drive(client, &template, warmup, concurrency, TIME_CAP).await;
    let (mut tally, elapsed) = drive(client, &template, total, concurrency, TIME_CAP).await;
    tally.latencies.sort_unstable();
    Measurement {
        backend,
        scenario,
        concurrency,
        planned: total,
        completed: tally.latencies.len(),
        errors: warm.errors + tally.errors,
        first_error: warm.first_error.or(tally.first_error),
        elapsed,
        latencies: tally.latencies,
    }
}

/// POSTs JSON and returns the answer, which must have status `expected`.
async fn post_json(
    client: &Client,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
    expected: StatusCode,
) -> anyhow::Result<Value> {
    let mut request = client.post(url).json(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let text = response.text().await?;
    ensure!(status == expected, "POST {url}: {status}: {text}");
    Ok(serde_json::from_str(&text)?)
}

/// Checks that `credential` authenticates `/api/auth/me` as `kind`.
async fn check_me(client: &Client, base: &str, credential: &str, kind: &str) -> anyhow::Result<()> {
    let response = client
        .get(format!("{base}/api/auth/me"))
        .bearer_auth(credential)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    ensure!(
        status == StatusCode::OK,
        "GET /api/auth/me: {status}: {text}"
    );
    let me: Value = serde_json::from_str(&text)?;
    ensure!(
        me["auth"] == kind,
        "GET /api/auth/me authenticated as {}",
        me["auth"]
    );
    Ok(())
}

/// Every scenario against a server on `database_url`.
async fn bench_backend(
    backend: &'static str,
    database_url: &str,
) -> anyhow::Result<Vec<Measurement>> {
    let server = Server::start(database_url).await?;
    let base = server.base.clone();
    let client = Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .pool_idle_timeout(Duration::from_secs(90))
        .timeout(Duration::from_secs(30))
        .build()?;

    let signup = post_json(
        &client,
        &format!("{base}/api/auth/signup"),
        None,
        &json!({ "email": EMAIL, "password": PASSWORD, "tenant_name": "Bench" }),
        StatusCode::CREATED,
    )
    .await?;
    let session = signup["token"]
        .as_str()
        .context("signup: no token")?
        .to_owned();
    let key = post_json(
        &client,
        &format!("{base}/api/api-keys"),
        Some(&session),
        &json!({ "name": "bench" }),
        StatusCode::CREATED,
    )
    .await?;
    let api_key = key["secret"]
        .as_str()
        .context("API key: no secret")?
        .to_owned();
    check_me(&client, &base, &api_key, "api_key").await?;
    check_me(&client, &base, &session, "session").await?;

    let load = (REQUESTS, CONCURRENCY, WARMUP);
    let mut results = Vec::new();
    let healthz = client.get(format!("{base}/healthz")).build()?;
    results.push(measure(backend, "GET /healthz", &client, healthz, load).await);
    let me_key = client
        .get(format!("{base}/api/auth/me"))
        .bearer_auth(&api_key)
        .build()?;
    results.push(measure(backend, "GET /api/auth/me (API key)", &client, me_key, load).await);
    let me_session = client
        .get(format!("{base}/api/auth/me"))
        .bearer_auth(&session)
        .build()?;
    results.push(
        measure(
            backend,
            "GET /api/auth/me (session)",
            &client,
            me_session,
            load,
        )
        .await,
    );
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": EMAIL, "password": PASSWORD }))
        .build()?;
    results.push(
        measure(
            backend,
            "POST /api/auth/login",
            &client,
            login,
            (LOGIN_REQUESTS, 1, 2),
        )
        .await,
    );

    drop(client); // closes the keep-alive connections, so shutdown is quick
    server.stop().await.context("server")?;
    Ok(results)
}

fn workspace_root() -> PathBuf {
    let backend = Path::new(env!("CARGO_MANIFEST_DIR"));
    backend.parent().unwrap_or(backend).to_path_buf()
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

const HEADERS: [&str; 9] = [
    "backend", "scenario", "clients", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms",
];

fn row(m: &Measurement) -> [String; 9] {
    let requests = if m.capped() {
        format!("{} (capped)", m.completed)
    } else {
        m.completed.to_string()
    };
    [
        m.backend.to_owned(),
        m.scenario.to_owned(),
        m.concurrency.to_string(),
        requests,
        m.errors.to_string(),
        format!("{:.1}", m.rps()),
        format!("{:.2}", m.percentile_ms(50.0)),
        format!("{:.2}", m.percentile_ms(95.0)),
        format!("{:.2}", m.percentile_ms(99.0)),
    ]
}

fn text_table(results: &[Measurement]) -> String {
    let rows: Vec<[String; 9]> = results.iter().map(row).collect();
    let mut widths = HEADERS.map(str::len);
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
                if i < 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
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

fn markdown(results: &[Measurement], meta: &Value) -> String {
    let mut out = String::from("# HTTP benchmark\n\n");
    out += &format!(
        "- when: {}\n- commit: {}\n- machine: {} CPUs\n- load: {} clients, {} requests per scenario (cap {} s), keep-alive over loopback; log-in sequential, {} requests\n\n",
        meta["timestamp"].as_str().unwrap_or("?"),
        meta["git_commit"].as_str().unwrap_or("unknown"),
        meta["nproc"],
        CONCURRENCY,
        REQUESTS,
        TIME_CAP.as_secs(),
        LOGIN_REQUESTS,
    );
    out += &format!("| {} |\n", HEADERS.join(" | "));
    out += &format!(
        "|{}\n",
        HEADERS
            .iter()
            .enumerate()
            .map(|(i, _)| if i < 2 { "---|" } else { "---:|" })
            .collect::<String>()
    );
    for r in results {
        out += &format!("| {} |\n", row(r).join(" | "));
    }
    out
}

fn write_results(results: &[Measurement]) -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    let timestamp = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let meta = json!({
        "timestamp": timestamp,
        "git_commit": git_commit(&root),
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "optimized": !cfg!(debug_assertions),
        "concurrency": CONCURRENCY,
        "requests": REQUESTS,
        "warmup_requests": WARMUP,
        "time_cap_s": TIME_CAP.as_secs(),
        "login_requests": LOGIN_REQUESTS,
    });
    let mut report = meta.clone();
    report["backends"] = json!(results
        .iter()
        .map(|m| m.backend)
        .fold(Vec::new(), |mut v, b| {
            if !v.contains(&b) {
                v.push(b);
            }
            v
        }));
    report["results"] = results.iter().map(Measurement::to_json).collect();

    let dir = root.join("bench").join("results");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        dir.join("http.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    std::fs::write(dir.join("http.md"), markdown(results, &meta))?;
    Ok(dir)
}

async fn bench_all() -> anyhow::Result<Vec<Measurement>> {
    let mut results = Vec::new();

    let sqlite = TempSqlite::new().await;
    results.extend(
        bench_backend("sqlite", &sqlite.url)
            .await
            .context("sqlite")?,
    );
    drop(sqlite);

    if std::env::var_os("DATABASE_URL").is_some() {
        let postgres = TempPostgres::new().await;
        results.extend(
            bench_backend("postgres", &postgres.owner_url)
                .await
                .context("postgres")?,
        );
        drop(postgres);
    } else {
        eprintln!("DATABASE_URL is not set: skipping PostgreSQL (`make bench` provides one)");
    }
    Ok(results)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter or other flags mean nothing here.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let results = match runtime.block_on(bench_all()) {
        Ok(results) => results,
        Err(e) => {
            eprintln!("bench http: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    drop(runtime);

    print!("{}", text_table(&results));
    match write_results(&results) {
        Ok(dir) => eprintln!("wrote {0}/http.json and {0}/http.md", dir.display()),
        Err(e) => {
            eprintln!("bench http: writing results: {e:#}");
            return ExitCode::FAILURE;
        }
    }
    let errors: usize = results.iter().map(|m| m.errors).sum();
    if errors > 0 {
        for m in results.iter().filter(|m| m.errors > 0) {
            eprintln!(
                "{} {}: {} errors, first: {}",
                m.backend,
                m.scenario,
                m.errors,
                m.first_error.as_deref().unwrap_or("?")
            );
        }
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

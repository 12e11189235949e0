//! The repositories API end to end: a fixture git repository made at test
//! time is registered, indexed by a worker (an `index` task with progress
//! and log events), re-indexed and removed with its files; bad sources,
//! other tenants and lower roles are refused; a failing clone stores no
//! credentials.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, Session, TestApp};

both_backends!(
    register_index_reindex_and_delete,
    bad_sources_and_names_are_422,
    another_tenant_gets_404_and_roles_are_checked,
    the_operator_token_goes_only_to_granted_tenants,
);

/// Requests a git server received: (path, Authorization header).
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

/// An HTTP server that answers every request with 404 and records it.
async fn recording_git_server() -> (std::net::SocketAddr, Received) {
    let seen: Received = Default::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let log = log.clone();
        async move {
            let auth = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            log.lock()
                .unwrap()
                .push((req.uri().path().to_owned(), auth));
            StatusCode::NOT_FOUND
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

/// Addresses on the server's own networks (loopback, link-local cloud
/// metadata, private ranges) are refused as git hosts; a name is resolved
/// and checked before every clone, so `localhost` fails at index time
/// without a request being made.
#[tokio::test]
async fn private_and_metadata_addresses_are_refused() {
    let (addr, seen) = recording_git_server().await;
    let mut app = TestApp::sqlite_with(|c| c.knowledge.git_allow_http = true).await;
    app.start_worker();
    let owner = app.signup("o@example.com", "Org").await;
    for (i, source) in [
        "http://169.254.169.254/latest/meta-data.git".to_owned(),
        format!("http://127.0.0.1:{}/acme/api.git", addr.port()),
        "https://[::1]/acme/api.git".to_owned(),
        "https://10.0.0.7/acme/api.git".to_owned(),
        "https://[::ffff:192.168.1.1]/acme/api.git".to_owned(),
        "ssh://git@172.16.0.1/acme/api.git".to_owned(),
    ]
    .iter()
    .enumerate()
    {
        let (status, body) = register(&app, &owner, &format!("r{i}"), source).await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("public address"), "{source}: {message}");
    }
    let source = format!("http://localhost:{}/acme/api.git", addr.port());
    let (status, body) = register(&app, &owner, "named", &source).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let done = wait_for_task(&app, &owner, body["task_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed", "{done}");
    let id = body["repository"]["id"].as_str().unwrap();
    let (_, repo) = app
        .get(&format!("/api/repositories/{id}"), Some(&owner.token))
        .await;
    let error = repo["error"].as_str().unwrap();
    assert!(error.contains("public address"), "{error}");
    assert!(seen.lock().unwrap().is_empty(), "git connected anyway");
}

/// ssh uses only a tenant's own key: without one the index fails saying so
/// (the server's own keys and agent are never offered).
#[tokio::test]
async fn ssh_without_a_key_of_the_tenant_is_refused() {
    let mut app = TestApp::sqlite_with(|c| {
        c.knowledge.git_private_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    app.start_worker();
    let owner = app.signup("o@example.com", "Org").await;
    let (status, body) = register(&app, &owner, "ssh", "ssh://git@127.0.0.1:9/acme/api.git").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let done = wait_for_task(&app, &owner, body["task_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed", "{done}");
    let id = body["repository"]["id"].as_str().unwrap();
    let (_, repo) = app
        .get(&format!("/api/repositories/{id}"), Some(&owner.token))
        .await;
    let error = repo["error"].as_str().unwrap();
    assert!(error.contains("SSH key of your own"), "{error}");
}

/// The operator's token is sent for the tenant and owner it is granted to,
/// and never for another tenant's repository on the same host.
async fn the_operator_token_goes_only_to_granted_tenants(app: TestApp) {
    let (addr, seen) = recording_git_server().await;
    let granted = app.signup("g@example.com", "Granted").await;
    let stranger = app.signup("s@example.com", "Stranger").await;
    let grant = format!("{}=127.0.0.1:{}/acme", granted.tenant_id, addr.port());
    // The operator's configuration, on a server sharing the database.
    let mut app = app
        .twin(move |c| {
            c.knowledge.git_token = Some(TOKEN.into());
            c.knowledge.git_token_grants = vec![grant];
            c.knowledge.git_allow_http = true;
            c.knowledge.git_private_hosts = vec!["127.0.0.1".into()];
        })
        .await;
    app.start_worker();
    let expected = {
        use base64::Engine as _;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));
        format!("Basic {basic}")
    };
    for (session, path, sends) in [
        (&granted, "acme/api.git", true),
        (&granted, "other/api.git", false),
        (&stranger, "acme/api.git", false),
    ] {
        seen.lock().unwrap().clear();
        let source = format!("http://127.0.0.1:{}/{path}", addr.port());
        let (status, body) = register(
            &app,
            session,
            &format!("r-{}", path.replace('/', "-")),
            &source,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let done = wait_for_task(&app, session, body["task_id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "failed", "{done}");
        let requests = seen.lock().unwrap().clone();
        assert!(!requests.is_empty(), "{path}: git made no request");
        let sent = requests
            .iter()
            .any(|(_, auth)| auth.as_deref() == Some(expected.as_str()));
        assert_eq!(sent, sends, "{path}: {requests:?}");
    }
}

#[tokio::test]
async fn sqlite_a_failing_clone_stores_no_credentials() {
    a_failing_clone_stores_no_credentials(TestApp::sqlite_with(with_token).await).await;
}

#[tokio::test]
async fn postgres_a_failing_clone_stores_no_credentials() {
    a_failing_clone_stores_no_credentials(TestApp::postgres_with(with_token).await).await;
}

#[tokio::test]
async fn local_directories_are_refused_unless_allowed() {
    let app = TestApp::sqlite_with(|c| c.knowledge.local_repository_roots = Vec::new()).await;
    let fixture = Fixture::new();
    let owner = app.signup("o@example.com", "Org").await;
    for source in [
        fixture.path().to_str().unwrap().to_owned(),
        format!("file://{}", fixture.path().display()),
    ] {
        let (status, body) = register(&app, &owner, "local", &source).await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("source:"), "{message}");
        assert!(
            message.contains("does not index its own directories"),
            "{message}"
        );
    }
}

/// With roots configured, a directory (or `file://` URL) outside them is
/// refused, also through a symbolic link or `..`; one inside is accepted.
#[tokio::test]
async fn local_directories_must_be_inside_the_configured_roots() {
    let inside = Fixture::new();
    let outside = Fixture::new();
    let root = inside
        .path()
        .parent()
        .unwrap()
        .join(format!("morningai-root-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&root).unwrap();
    let repo = root.join("repo");
    std::fs::rename(inside.path(), &repo).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
    let roots = vec![root.clone()];
    let app = TestApp::sqlite_with(move |c| c.knowledge.local_repository_roots = roots).await;
    let owner = app.signup("o@example.com", "Org").await;
    for (i, source) in [
        outside.path().display().to_string(),
        format!("file://{}", outside.path().display()),
        root.join("link").display().to_string(),
        format!(
            "{}/repo/../../{}",
            root.display(),
            outside.path().file_name().unwrap().to_str().unwrap()
        ),
    ]
    .iter()
    .enumerate()
    {
        let (status, body) = register(&app, &owner, &format!("out{i}"), source).await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("not inside a directory this server allows"),
            "{source}: {message}"
        );
    }
    // A directory on the server is an admin's decision, not a member's.
    let member = app.add_member(&owner, "m@example.com", "member").await;
    let (status, body) = register(&app, &member, "inside", repo.to_str().unwrap()).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = register(&app, &owner, "inside", repo.to_str().unwrap()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let _ = std::fs::remove_dir_all(&root);
}

const TOKEN: &str = "ghp_configuredsecrettoken0123456789";
const URL_SECRET: &str = "urlsecretpassword0123";

fn with_token(config: &mut morningai_backend::Config) {
    config.knowledge.git_token = Some(TOKEN.into());
    config.knowledge.git_token_grants = vec!["*=127.0.0.1:9/*".into()];
    config.knowledge.git_allow_http = true;
    config.knowledge.git_private_hosts = vec!["127.0.0.1".into()];
}

/// A small git repository in a temp dir, made with the `git` CLI.
struct Fixture(PathBuf);

impl Fixture {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "morningai-fixture-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"fixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.8\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/main.rs"),
            "fn main() {\n    println!(\"{}\", greet(\"world\"));\n}\n\npub fn greet(name: &str) -> String {\n    format!(\"hello {name}\")\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("README.md"),
            "# Fixture\n\nA repository for tests.\n\n## Usage\n\nRun it.\n",
        )
        .unwrap();
        let fixture = Fixture(dir);
        fixture.git(&["init", "--quiet", "--initial-branch=main"]);
        fixture.commit("first");
        fixture
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.0)
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn register(app: &TestApp, s: &Session, name: &str, source: &str) -> (StatusCode, Value) {
    app.post(
        "/api/repositories",
        Some(&s.token),
        json!({ "name": name, "source": source }),
    )
    .await
}

/// Polls the task until it ends; returns it.
async fn wait_for_task(app: &TestApp, s: &Session, task: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, body) = app.get(&format!("/api/tasks/{task}"), Some(&s.token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if ["done", "failed", "canceled"].contains(&body["status"].as_str().unwrap()) {
            return body;
        }
        assert!(Instant::now() < deadline, "task did not end: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The task's events as `(kind, event)`, read from its SSE stream (which the
/// server closes after the final event).
async fn events(app: &TestApp, s: &Session, task: &str) -> Vec<(String, Value)> {
    let res = app
        .client
        .get(format!("{}/api/tasks/{task}/events", app.base))
        .bearer_auth(&s.token)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    text.split("\n\n")
        .filter_map(|block| {
            let mut kind = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    kind = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            Some((kind?, serde_json::from_str(&data).ok()?))
        })
        .collect()
}

async fn register_index_reindex_and_delete(mut app: TestApp) {
    app.start_worker();
    let fixture = Fixture::new();
    let head = fixture.git(&["rev-parse", "HEAD"]);
    let owner = app.signup("o@example.com", "Org").await;

    let (status, body) = register(&app, &owner, "fixture", fixture.path().to_str().unwrap()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["repository"]["id"].as_str().unwrap().to_owned();
    let task = body["task_id"].as_str().unwrap().to_owned();
    assert_eq!(body["repository"]["name"], "fixture");
    assert_eq!(body["repository"]["index_task_id"], task.as_str());

    let done = wait_for_task(&app, &owner, &task).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["kind"], "index");
    assert_eq!(done["result"]["stats"]["commit"], head.as_str());
    assert!(
        done["result"]["facts"]["languages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "rust"),
        "{done}"
    );

    let (status, repo) = app
        .get(&format!("/api/repositories/{id}"), Some(&owner.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{repo}");
    assert_eq!(repo["status"], "ready", "{repo}");
    assert_eq!(repo["indexed_commit"], head.as_str());
    assert_eq!(repo["default_branch"], "main");
    assert_eq!(repo["file_count"], 3, "{repo}");
    assert!(repo["chunk_count"].as_i64().unwrap() >= 3, "{repo}");
    assert!(repo["symbol_count"].as_i64().unwrap() >= 2, "{repo}");
    assert!(repo["error"].is_null());
    assert!(repo["indexed_at"].is_string());
    assert_eq!(repo["index_task_id"], task.as_str());

    let kinds: Vec<_> = events(&app, &owner, &task).await;
    assert!(
        kinds
            .iter()
            .any(|(k, d)| k == "index.progress" && d["data"]["total"] == 3),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|(k, d)| k == "log"
            && d["data"]["line"]
                .as_str()
                .unwrap()
                .starts_with("indexed 3 files")),
        "{kinds:?}"
    );
    assert_eq!(kinds.last().unwrap().0, "task.done");

    let (status, list) = app.get("/api/repositories", Some(&owner.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["repositories"].as_array().unwrap().len(), 1);
    assert_eq!(list["repositories"][0]["id"], id.as_str());

    // A new commit, then a re-index: only the changed file is read again.
    std::fs::write(
        fixture.path().join("src/lib.rs"),
        "pub fn added() -> u32 {\n    42\n}\n",
    )
    .unwrap();
    let head2 = fixture.commit("second");
    let (status, body) = app
        .post(
            &format!("/api/repositories/{id}/index"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let task2 = body["task_id"].as_str().unwrap().to_owned();
    assert_ne!(task2, task);
    let done = wait_for_task(&app, &owner, &task2).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["result"]["stats"]["files_added"], 1, "{done}");
    assert_eq!(done["result"]["stats"]["files_unchanged"], 3, "{done}");
    let (_, repo) = app
        .get(&format!("/api/repositories/{id}"), Some(&owner.token))
        .await;
    assert_eq!(repo["indexed_commit"], head2.as_str());
    assert_eq!(repo["file_count"], 4);
    assert_eq!(repo["index_task_id"], task2.as_str());

    // The same name again is a conflict.
    let (status, body) = register(&app, &owner, "fixture", fixture.path().to_str().unwrap()).await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");

    // Cloned from a URL: the bare clone lives under the repos dir.
    let url = format!("file://{}", fixture.path().display());
    let (status, body) = register(&app, &owner, "cloned", &url).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let cloned = body["repository"]["id"].as_str().unwrap().to_owned();
    let done = wait_for_task(&app, &owner, body["task_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    let dir = app.config.repos_dir().join(&owner.tenant_id).join(&cloned);
    assert!(dir.join("checkout/HEAD").is_file());
    assert!(dir.join("index").is_dir());

    let (status, body) = app
        .delete(&format!("/api/repositories/{cloned}"), Some(&owner.token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(!dir.exists(), "the repository's files are removed");
    let (status, body) = app
        .get(&format!("/api/repositories/{cloned}"), Some(&owner.token))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app
        .delete(&format!("/api/repositories/{cloned}"), Some(&owner.token))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    // The fixture itself (a local source) is never touched.
    assert!(fixture.path().join("src/main.rs").is_file());

    let (_, audit) = app.get("/api/audit", Some(&owner.token)).await;
    let actions: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"repository.create".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"repository.delete".to_owned()),
        "{actions:?}"
    );
}

async fn bad_sources_and_names_are_422(app: TestApp) {
    let owner = app.signup("o@example.com", "Org").await;
    let missing = std::env::temp_dir().join("morningai-no-such-dir-for-sure");
    for (name, source, field) in [
        ("r", missing.to_str().unwrap(), "source"),
        ("r", "", "source"),
        ("r", "ftp://example.com/r.git", "source"),
        ("r", "https:///nohost.git", "source"),
        ("", "https://example.com/r.git", "name"),
        (&"x".repeat(101), "https://example.com/r.git", "name"),
    ] {
        let (status, body) = register(&app, &owner, name, source).await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{field}:")),
            "{source}: {message}"
        );
    }
    let (status, body) = app
        .post(
            "/api/repositories",
            Some(&owner.token),
            json!({ "name": "r" }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (_, list) = app.get("/api/repositories", Some(&owner.token)).await;
    assert!(list["repositories"].as_array().unwrap().is_empty());
}

async fn another_tenant_gets_404_and_roles_are_checked(app: TestApp) {
    let owner = app.signup("o@example.com", "Org").await;
    let other = app.signup("x@example.com", "Other").await;
    let viewer = app.add_member(&owner, "v@example.com", "viewer").await;
    let member = app.add_member(&owner, "m@example.com", "member").await;
    let (status, body) = register(&app, &member, "r", "https://example.com/r.git").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["repository"]["id"].as_str().unwrap().to_owned();

    for (status, body) in [
        app.get(&format!("/api/repositories/{id}"), Some(&other.token))
            .await,
        app.post(
            &format!("/api/repositories/{id}/index"),
            Some(&other.token),
            json!({}),
        )
        .await,
        app.delete(&format!("/api/repositories/{id}"), Some(&other.token))
            .await,
    ] {
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (_, list) = app.get("/api/repositories", Some(&other.token)).await;
    assert!(list["repositories"].as_array().unwrap().is_empty());

    // Viewers read; members register and index; admins and owners delete.
    let (status, _) = app
        .get(&format!("/api/repositories/{id}"), Some(&viewer.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = register(&app, &viewer, "v", "https://example.com/v.git").await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .post(
            &format!("/api/repositories/{id}/index"),
            Some(&viewer.token),
            json!({}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // No worker runs here: the first run is still queued, so it is returned.
    let (status, body) = app
        .post(
            &format!("/api/repositories/{id}/index"),
            Some(&member.token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["created"], false);
    let (status, body) = app
        .delete(&format!("/api/repositories/{id}"), Some(&member.token))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, _) = app
        .delete(&format!("/api/repositories/{id}"), Some(&owner.token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get("/api/repositories", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_failing_clone_stores_no_credentials(mut app: TestApp) {
    app.start_worker();
    let owner = app.signup("o@example.com", "Org").await;
    // Nothing listens on port 9; the configured token goes to 127.0.0.1.
    let source = format!("http://user:{URL_SECRET}@127.0.0.1:9/private.git");
    let (status, body) = register(&app, &owner, "private", &source).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        body["repository"]["source"],
        "http://127.0.0.1:9/private.git"
    );
    let id = body["repository"]["id"].as_str().unwrap().to_owned();
    let task = body["task_id"].as_str().unwrap().to_owned();

    let done = wait_for_task(&app, &owner, &task).await;
    assert_eq!(done["status"], "failed", "{done}");
    let (_, repo) = app
        .get(&format!("/api/repositories/{id}"), Some(&owner.token))
        .await;
    assert_eq!(repo["status"], "failed", "{repo}");
    let error = repo["error"].as_str().unwrap();
    assert!(error.contains("could not fetch"), "{error}");

    let events = events(&app, &owner, &task).await;
    let (_, audit) = app.get("/api/audit", Some(&owner.token)).await;
    for text in [
        repo.to_string(),
        done.to_string(),
        format!("{events:?}"),
        audit.to_string(),
    ] {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
        assert!(
            !text.contains(URL_SECRET),
            "the URL's password leaked: {text}"
        );
    }
}

/// The model behind a local OpenAI-compatible server.
fn with_fake_openai(addr: std::net::SocketAddr) -> impl FnOnce(&mut morningai_backend::Config) {
    move |config| {
        config.models.llm_provider = morningai_backend::config::ChatProvider::Openai;
        config.models.openai_base_url = format!("http://{addr}/v1");
        config.models.openai_api_key = Some("sk-test-doc".into());
        config.models.chat_model = Some("gpt-test".into());
    }
}

#[tokio::test]
async fn sqlite_a_doc_task_documents_an_indexed_repository() {
    let (addr, seen) = crate::chat::fake_openai().await;
    let app = TestApp::sqlite_with(with_fake_openai(addr)).await;
    a_doc_task_documents_an_indexed_repository(app, seen).await;
}

#[tokio::test]
async fn postgres_a_doc_task_documents_an_indexed_repository() {
    let (addr, seen) = crate::chat::fake_openai().await;
    let app = TestApp::postgres_with(with_fake_openai(addr)).await;
    a_doc_task_documents_an_indexed_repository(app, seen).await;
}

/// A `doc` task over HTTP about an indexed fixture: a document with its
/// footer, at the indexed commit, without the model's uncited prose, kept as
/// version 1 of a document; asked again (published) on a newer commit, version
/// 2 with a diff and a branch in the repository.
async fn a_doc_task_documents_an_indexed_repository(mut app: TestApp, seen: crate::chat::Seen) {
    app.start_worker();
    let fixture = Fixture::new();
    let head = fixture.git(&["rev-parse", "HEAD"]);
    let owner = app.signup("o@example.com", "Org").await;
    let (status, body) = register(&app, &owner, "fixture", fixture.path().to_str().unwrap()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["repository"]["id"].as_str().unwrap().to_owned();
    let done = wait_for_task(&app, &owner, body["task_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");

    let (status, body) = app
        .post(
            "/api/tasks",
            Some(&owner.token),
            json!({ "kind": "doc", "input": { "repository_id": id, "question": "What is the system architecture?" } }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let task = body["task_id"].as_str().unwrap().to_owned();
    let done = wait_for_task(&app, &owner, &task).await;
    assert_eq!(done["status"], "done", "{done}");
    let result = &done["result"];
    assert_eq!(result["commit"], head.as_str());
    assert_eq!(result["repository_id"], id.as_str());
    assert_eq!(result["model"], "openai/gpt-test");
    let md = result["markdown"].as_str().unwrap();
    assert!(md.starts_with("# fixture System Architecture\n"), "{md}");
    assert!(md.contains("`src/main.rs:L"), "{md}");
    let footer = md.split("\n---\n").last().unwrap();
    assert!(footer.contains(&format!("- Task: {task}\n")), "{footer}");
    assert!(
        footer.contains(&format!(
            "- Trace ID: `{}`",
            done["trace_id"].as_str().unwrap()
        )),
        "{footer}"
    );
    assert!(
        footer.contains("- Generated by: MorningAI documentation agent using openai/gpt-test"),
        "{footer}"
    );
    assert!(footer.contains("- Repository: fixture\n"), "{footer}");
    assert!(footer.contains(&format!("- Commit: `{head}`")), "{footer}");
    // The fake model's "Hello, queue!" cites nothing: never in the document.
    assert!(!md.contains("Hello, queue!"), "{md}");
    assert!(
        result["report"]["claims_checked"].as_u64().unwrap() > 0,
        "{result}"
    );
    assert!(!seen.lock().unwrap().is_empty());
    assert_eq!(result["manifest"]["commit"], head.as_str());
    documents_are_versioned(&app, &owner, &fixture, &id, result).await;

    // A question too long is refused at submit, naming the field.
    let (status, body) = app
        .post(
            "/api/tasks",
            Some(&owner.token),
            json!({ "kind": "doc", "input": { "repository_id": id, "question": "x".repeat(2_001) } }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("question"),
        "{body}"
    );
}

/// The document of the task whose result is `first`: listed, read, then a
/// second version (published) after a new commit, compared, isolated, deleted.
async fn documents_are_versioned(
    app: &TestApp,
    owner: &Session,
    fixture: &Fixture,
    repository: &str,
    first: &Value,
) {
    let token = Some(owner.token.as_str());
    let doc_id = first["document_id"].as_str().unwrap().to_owned();
    let (status, list) = app.get("/api/documents", token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["documents"].as_array().unwrap().len(), 1, "{list}");
    let listed = &list["documents"][0];
    assert_eq!(listed["id"], doc_id.as_str());
    assert_eq!(listed["repository"], "fixture");
    assert_eq!(listed["latest_version"], 1);
    assert_eq!(listed["question"], "What is the system architecture?");
    let (status, doc) = app.get(&format!("/api/documents/{doc_id}"), token).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["version"]["markdown"], first["markdown"]);
    assert_eq!(doc["version"]["report"], first["report"]);
    assert_eq!(doc["version"]["manifest"], first["manifest"]);
    assert_eq!(doc["version"]["version"], 1);

    // A new commit, re-indexed, asked again (with a different spelling) and published.
    std::fs::write(
        fixture.path().join("src/config.rs"),
        "/// Where the server listens.\npub fn listen_port() -> u16 {\n    8080\n}\n",
    )
    .unwrap();
    let head = fixture.commit("add config");
    let (status, body) = app
        .post(
            &format!("/api/repositories/{repository}/index"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let done = wait_for_task(app, owner, body["task_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    let (status, body) = app
        .post(
            "/api/tasks",
            token,
            json!({ "kind": "doc", "input": { "repository_id": repository, "question": "what is the system architecture", "publish": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let done = wait_for_task(app, owner, body["task_id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "done", "{done}");
    let second = &done["result"];
    assert_eq!(second["document_id"], doc_id.as_str());
    assert_eq!(second["version"], 2);

    // The branch is in the repository (a local one is its own remote),
    // holding the document; the work tree is untouched.
    let branch = second["publication"]["branch"].as_str().unwrap();
    assert!(branch.starts_with("morningai/"), "{branch}");
    let published = fixture.git(&[
        "show",
        &format!("{branch}:docs/faq/what-is-the-system-architecture.md"),
    ]);
    assert_eq!(published, second["markdown"].as_str().unwrap().trim_end());
    assert_eq!(fixture.git(&["rev-parse", &format!("{branch}^")]), head);
    assert_eq!(fixture.git(&["status", "--porcelain"]), "");
    assert!(!fixture.path().join("docs").exists());

    let (status, versions) = app
        .get(&format!("/api/documents/{doc_id}/versions"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{versions}");
    let versions = versions["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["commit"], head.as_str());
    assert_eq!(versions[0]["publication"]["branch"], branch);
    assert!(versions[1]["publication"].is_null());

    let (status, diff) = app
        .get(&format!("/api/documents/{doc_id}/diff"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{diff}");
    assert_eq!(
        (diff["from"].as_i64(), diff["to"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(diff["to_commit"], head.as_str());
    let unified = diff["unified"].as_str().unwrap();
    assert!(unified.starts_with("--- v1\n+++ v2\n"), "{unified}");
    assert!(
        unified.contains(&format!("+- Commit: `{head}`")),
        "{unified}"
    );
    assert!(diff["added"].as_u64().unwrap() >= 1, "{diff}");

    let (status, old) = app
        .get(&format!("/api/documents/{doc_id}?version=1"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{old}");
    assert_eq!(old["version"]["markdown"], first["markdown"]);
    assert_eq!(old["document"]["latest_version"], 2);

    // The cited files, at the indexed commit or an earlier one.
    let old_commit = first["commit"].as_str().unwrap();
    let file = |query: String| async move {
        app.get(
            &format!("/api/repositories/{repository}/file?{query}"),
            token,
        )
        .await
    };
    let (status, body) = file("path=src/main.rs".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["commit"].as_str(), body["language"].as_str()),
        (Some(head.as_str()), Some("rust"))
    );
    let on_disk = std::fs::read_to_string(fixture.path().join("src/main.rs")).unwrap();
    assert_eq!(body["text"], on_disk.as_str());
    assert_eq!(body["line_count"], on_disk.lines().count());
    let (status, body) = file("path=src/config.rs".into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = file(format!("path=src/config.rs&commit={old_commit}")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = file(format!("path=src/main.rs&commit={}", &old_commit[..12])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = file("path=src/nope.rs".into()).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    for bad in [
        "path=../etc/passwd",
        "path=/etc/passwd",
        "path=.git/config",
        "path=src/main.rs&commit=HEAD~1",
        "path=-x",
    ] {
        let (status, body) = file(bad.into()).await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
    }

    // Bad input names the field.
    for (path, field) in [
        (format!("/api/documents/{doc_id}?version=3"), "version"),
        (format!("/api/documents/{doc_id}/diff?from=0&to=2"), "from"),
        ("/api/documents?limit=0".to_owned(), "limit"),
    ] {
        let (status, body) = app.get(&path, token).await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{path}: {body}"
        );
    }
    let (status, body) = app.get("/api/documents/not-a-uuid", token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Another tenant sees none of it.
    let stranger = app.signup("stranger@example.com", "Elsewhere").await;
    let other = Some(stranger.token.as_str());
    let (_, list) = app.get("/api/documents", other).await;
    assert_eq!(list["documents"], json!([]));
    for path in [
        format!("/api/documents/{doc_id}"),
        format!("/api/documents/{doc_id}/versions"),
        format!("/api/documents/{doc_id}/diff"),
    ] {
        let (status, body) = app.get(&path, other).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, body) = app
        .get(
            &format!("/api/repositories/{repository}/file?path=src/main.rs"),
            other,
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app.delete(&format!("/api/documents/{doc_id}"), other).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

    let (status, _) = app.delete(&format!("/api/documents/{doc_id}"), token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get(&format!("/api/documents/{doc_id}"), token).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

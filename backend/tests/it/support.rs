//! A real server on a free port, over a throwaway database, and a client.

use std::sync::Arc;

use morningai_backend::{AppState, Config};
use morningai_store::testing::{TempPostgres, TempSqlite};
use morningai_store::Store;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Runs each listed case once against SQLite and once against PostgreSQL.
macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(crate::support::TestApp::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(crate::support::TestApp::postgres().await).await;
                }
            )*
        }
    };
}
pub(crate) use both_backends;

enum Db {
    Sqlite(#[allow(dead_code)] TempSqlite),
    Postgres(TempPostgres),
    /// Another server's database (see [`TestApp::twin`]).
    Shared(String),
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    worker_stop: tokio_util::sync::CancellationToken,
    _db: Db,
    _data_dir: TempDir,
}

pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let p =
            std::env::temp_dir().join(format!("morningai-http-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A signed-in user as the API answered.
#[derive(Clone, Debug)]
pub struct Session {
    pub token: String,
    pub user_id: String,
    pub tenant_id: String,
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::sqlite_with(|_| {}).await
    }

    pub async fn postgres() -> Self {
        Self::postgres_with(|_| {}).await
    }

    pub async fn sqlite_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let db = TempSqlite::new().await;
        let store: Arc<dyn Store> = Arc::new(
            morningai_store::SqliteStore::open(&db.url, &Default::default())
                .await
                .unwrap(),
        );
        Self::start(store, Db::Sqlite(db), tweak).await
    }

    pub async fn postgres_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let db = TempPostgres::new().await;
        let store: Arc<dyn Store> = Arc::new(
            morningai_store::PgStore::open(&db.owner_url, &Default::default())
                .await
                .unwrap(),
        );
        Self::start(store, Db::Postgres(db), tweak).await
    }

    /// A second server on this one's database, as another process (the web
    /// service and a worker on other machines) would be: its own store
    /// connections, its own in-memory state.
    pub async fn twin(&self, tweak: impl FnOnce(&mut Config)) -> Self {
        let url = self.database_url();
        let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
            Arc::new(
                morningai_store::SqliteStore::open(&url, &Default::default())
                    .await
                    .unwrap(),
            )
        } else {
            Arc::new(
                morningai_store::PgStore::open(&url, &Default::default())
                    .await
                    .unwrap(),
            )
        };
        Self::start(store, Db::Shared(url), tweak).await
    }

    async fn start(store: Arc<dyn Store>, db: Db, tweak: impl FnOnce(&mut Config)) -> Self {
        let data_dir = TempDir::new();
        let mut config = Config::for_tests("unused://", data_dir.0.clone());
        // Fixture repositories are made in the temp dir: the operator's opt-in.
        config.knowledge.local_repository_roots = vec![std::env::temp_dir()];
        tweak(&mut config);
        let secret = config.jwt_secret.clone().unwrap();
        let state = AppState::new(store, config.clone(), &secret).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            morningai_backend::server::run(listener, serving, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Self {
            base,
            client: reqwest::Client::new(),
            state,
            config,
            stop: Some(stop),
            worker_stop: tokio_util::sync::CancellationToken::new(),
            _db: db,
            _data_dir: data_dir,
        }
    }

    /// Runs an in-process worker (all job kinds, task runs included) until the app is dropped.
    /// The server's database, as another process (the CLI) would open it.
    pub fn database_url(&self) -> String {
        match &self._db {
            Db::Sqlite(db) => db.url.clone(),
            Db::Postgres(db) => db.owner_url.clone(),
            Db::Shared(url) => url.clone(),
        }
    }

    pub fn start_worker(&mut self) {
        let config = morningai_queue::WorkerConfig {
            queues: vec!["default".into()],
            concurrency: 4,
            idle_poll: std::time::Duration::from_millis(20),
            heartbeat: std::time::Duration::from_millis(500),
            ..Default::default()
        };
        let worker = morningai_queue::Worker::new(
            self.state.queue.backend().clone(),
            morningai_backend::jobs::handlers(&self.state.runtime),
            config,
        );
        tokio::spawn(worker.run(self.worker_stop.clone()));
    }

    /// Drops the PostgreSQL database under the running server (an outage).
    pub fn drop_database(&self) {
        match &self._db {
            Db::Postgres(db) => TempPostgres::drop_database(&db.name),
            Db::Sqlite(_) | Db::Shared(_) => panic!("drop_database is for PostgreSQL apps"),
        }
    }

    pub fn request(&self, method: Method, path: &str, auth: Option<&str>) -> RequestBuilder {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = auth {
            req = req.bearer_auth(token);
        }
        req
    }

    /// Sends and returns the status and JSON body (Null when empty).
    pub async fn send(&self, req: RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.unwrap();
        read(res).await
    }

    pub async fn get(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path, auth)).await
    }

    pub async fn post(&self, path: &str, auth: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::POST, path, auth).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, auth: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send(self.request(Method::PATCH, path, auth).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
        self.send(self.request(Method::DELETE, path, auth)).await
    }

    pub async fn signup(&self, email: &str, tenant: &str) -> Session {
        let (status, body) = self
            .post(
                "/api/auth/signup",
                None,
                json!({ "email": email, "password": PASSWORD, "tenant_name": tenant }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        session(&body)
    }

    pub async fn login(&self, email: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/auth/login",
            None,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Adds a member with a password (creating the user) and logs them in.
    pub async fn add_member(&self, owner: &Session, email: &str, role: &str) -> Session {
        let (status, body) = self
            .post(
                "/api/tenant/members",
                Some(&owner.token),
                json!({ "email": email, "role": role, "password": PASSWORD }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = self.login(email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        session(&body)
    }

    pub async fn api_key(&self, session: &Session, body: Value) -> (StatusCode, Value) {
        self.post("/api/api-keys", Some(&session.token), body).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.worker_stop.cancel();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub const PASSWORD: &str = "correct horse battery";

pub fn session(body: &Value) -> Session {
    Session {
        token: body["token"].as_str().expect("token").to_owned(),
        user_id: body["user"]["id"].as_str().expect("user id").to_owned(),
        tenant_id: body["tenant"]["id"].as_str().expect("tenant id").to_owned(),
    }
}

pub async fn read(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Asserts the error shape and code.
pub fn assert_error(status: StatusCode, body: &Value, want_status: StatusCode, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

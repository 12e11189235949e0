//! One fixture per backend: the queue, and a way to make tenants for it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use morningai_core::{Email, TenantId};
use morningai_queue::{DatabaseQueue, Job, JobId, JobScope, JobStatus, QueueBackend, RedisQueue};
use morningai_store::testing::{TempPostgres, TempSqlite};
use morningai_store::Store;

/// Runs each listed case against SQLite, PostgreSQL and Redis.
macro_rules! all_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(crate::support::Fixture::sqlite().await).await; } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(crate::support::Fixture::postgres().await).await; } )*
        }
        mod redis {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(crate::support::Fixture::redis().await).await; } )*
        }
    };
}
pub(crate) use all_backends;

enum Guard {
    Sqlite(#[allow(dead_code)] TempSqlite),
    Postgres(#[allow(dead_code)] TempPostgres),
    Redis(#[allow(dead_code)] RedisKeys),
}

pub struct Fixture {
    pub queue: Arc<dyn QueueBackend>,
    pub store: Option<Arc<dyn Store>>,
    _guard: Guard,
}

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| {
        panic!("REDIS_URL is not set: Redis tests need a server; run them with `make test`")
    })
}

/// Deletes a test's Redis keys when it ends.
pub struct RedisKeys {
    pub prefix: String,
}

impl RedisKeys {
    pub fn new() -> Self {
        Self {
            prefix: format!("morningai-test-{}", uuid::Uuid::new_v4().simple()),
        }
    }
}

impl Drop for RedisKeys {
    fn drop(&mut self) {
        let pattern = format!("{}:*", self.prefix);
        std::thread::spawn(move || {
            let Ok(client) = redis::Client::open(redis_url()) else {
                return;
            };
            let Ok(mut conn) = client.get_connection() else {
                return;
            };
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(&pattern)
                .query(&mut conn)
                .unwrap_or_default();
            if !keys.is_empty() {
                let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut conn);
            }
        })
        .join()
        .ok();
    }
}

impl Fixture {
    pub async fn sqlite() -> Self {
        let db = TempSqlite::new().await;
        let store: Arc<dyn Store> = Arc::new(
            morningai_store::SqliteStore::open(&db.url, &Default::default())
                .await
                .unwrap(),
        );
        Self {
            queue: Arc::new(DatabaseQueue::new(store.clone())),
            store: Some(store),
            _guard: Guard::Sqlite(db),
        }
    }

    pub async fn postgres() -> Self {
        let db = TempPostgres::new().await;
        let store: Arc<dyn Store> = Arc::new(
            morningai_store::PgStore::open(&db.owner_url, &Default::default())
                .await
                .unwrap(),
        );
        Self {
            queue: Arc::new(DatabaseQueue::new(store.clone())),
            store: Some(store),
            _guard: Guard::Postgres(db),
        }
    }

    pub async fn redis() -> Self {
        let keys = RedisKeys::new();
        let queue = RedisQueue::connect(&redis_url(), &keys.prefix)
            .await
            .unwrap();
        Self {
            queue: Arc::new(queue),
            store: None,
            _guard: Guard::Redis(keys),
        }
    }

    /// The same queue (same jobs) with a per-tenant limit on started jobs.
    pub async fn with_tenant_concurrency(mut self, limit: u32) -> Self {
        self.queue = match (&self.store, &self._guard) {
            (Some(store), _) => {
                Arc::new(DatabaseQueue::new(store.clone()).with_tenant_concurrency(Some(limit)))
            }
            (None, Guard::Redis(keys)) => Arc::new(
                RedisQueue::connect(&redis_url(), &keys.prefix)
                    .await
                    .unwrap()
                    .with_tenant_concurrency(Some(limit)),
            ),
            (None, _) => unreachable!("database fixtures have a store"),
        };
        self
    }

    /// A tenant the backend accepts jobs for (a real one where jobs reference tenants).
    pub async fn tenant(&self, name: &str) -> TenantId {
        match &self.store {
            Some(store) => {
                let email = Email::parse(&format!(
                    "{name}-{}@example.com",
                    uuid::Uuid::new_v4().simple()
                ))
                .unwrap();
                store.signup(&email, "hash", name).await.unwrap().tenant.id
            }
            None => TenantId::new(),
        }
    }

    pub async fn get(&self, id: JobId) -> Job {
        self.queue
            .job(JobScope::System, id)
            .await
            .unwrap()
            .expect("job exists")
    }

    /// Waits until `done` holds for the job, or panics after `limit`.
    pub async fn wait_for(&self, id: JobId, limit: Duration, done: impl Fn(&Job) -> bool) -> Job {
        let started = Instant::now();
        loop {
            let job = self.get(id).await;
            if done(&job) {
                return job;
            }
            assert!(
                started.elapsed() < limit,
                "timed out waiting; job is {:?} after {} attempts: {:?}",
                job.status,
                job.attempts,
                job.last_error
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn wait_status(&self, id: JobId, status: JobStatus, limit: Duration) -> Job {
        self.wait_for(id, limit, |j| j.status == status).await
    }
}

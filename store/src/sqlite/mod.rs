//! The SQLite backend: the embedded default, one file under `./data/`.
//!
//! Writes go through a single connection so that transactions never race for
//! SQLite's one write lock; reads use a pool of read-only connections (WAL lets
//! them proceed while a write is in progress).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Sqlite, Transaction};

use crate::open::{is_current, newly_applied};
use crate::sql::Scope;
use crate::traits::HealthStore;
use crate::{Backend, OpenOptions, StoreError, StoreResult};
use morningai_core::TaskId;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
    feed: crate::feed::EventFeed,
}

fn connect_options(url: &str) -> StoreResult<SqliteConnectOptions> {
    let opts = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("invalid SQLite URL: {e}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    // The folder of a file database is created on first start.
    let file = opts.get_filename();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        if file.as_os_str() != ":memory:" {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    Ok(opts)
}

/// A pool that never hands out a connection sqlx still counts as inside a
/// transaction: such a connection is closed (rolling back whatever SQLite
/// still holds open) and a fresh one is opened in its place.
///
/// An idle connection is normally outside any transaction: each `Transaction`
/// ends in a commit, a rollback, or the rollback queued when it is dropped,
/// which the pool flushes (its ping on release) before the connection is idle
/// again. It is not when that rollback failed. After `SQLITE_FULL` (disk full)
/// — or `SQLITE_IOERR`, `SQLITE_NOMEM` — SQLite rolls the whole transaction
/// back by itself, whether the failing statement was a write or the `COMMIT`;
/// the queued `ROLLBACK` then fails ("no transaction is active") and sqlx's
/// transaction depth stays at 1. Reused, that connection turns each later
/// `begin()` into a `SAVEPOINT` and each commit into a `RELEASE`. Once one of
/// those transactions is rolled back (any failed request does it) SQLite is
/// left inside a transaction that `ROLLBACK TO` keeps open and no `RELEASE`
/// ever commits: every later write is acknowledged but never reaches the
/// file, and is lost when the connection closes.
///
/// The check is one atomic load per acquire.
fn pool_options(max_connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .before_acquire(|conn, _meta| {
            Box::pin(async move {
                if conn.is_in_transaction() {
                    tracing::warn!(
                        "closing a SQLite connection left inside a transaction \
                         (a rollback failed after an earlier error); opening a new one"
                    );
                    return Ok(false);
                }
                Ok(true)
            })
        })
}

async fn applied_versions(pool: &SqlitePool) -> StoreResult<Vec<i64>> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await?;
    if !exists {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await?,
    )
}

impl SqliteStore {
    pub async fn open(url: &str, opts: &OpenOptions) -> StoreResult<Self> {
        let connect = connect_options(url)?;
        let writer = pool_options(1).connect_with(connect.clone()).await?;
        if opts.migrate {
            MIGRATOR.run(&writer).await?;
        }
        let reader = if connect.get_filename().as_os_str() == ":memory:" {
            // Every in-memory connection is its own database: share the writer.
            writer.clone()
        } else {
            pool_options(opts.max_connections.max(1))
                .connect_with(connect.read_only(true))
                .await?
        };
        Ok(Self {
            reader,
            writer,
            feed: Default::default(),
        })
    }

    pub async fn migrate(url: &str) -> StoreResult<Vec<i64>> {
        let pool = pool_options(1).connect_with(connect_options(url)?).await?;
        let before = applied_versions(&pool).await?;
        MIGRATOR.run(&pool).await?;
        let after = applied_versions(&pool).await?;
        pool.close().await;
        Ok(newly_applied(&before, after))
    }

    /// Closes both pools, waiting for every connection to finish: what a
    /// shutdown does before the process exits.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// Caps how far the database may grow on the writer connection: at most
    /// `extra_pages` pages beyond its current size (`None` lifts the cap).
    /// Beyond it SQLite answers `SQLITE_FULL` exactly as on a full disk, which
    /// lets tests inject that fault without a small filesystem. The cap is a
    /// setting of the current writer connection only (`PRAGMA
    /// max_page_count`): a connection opened later has none.
    #[doc(hidden)]
    pub async fn limit_writer_growth(&self, extra_pages: Option<u32>) -> StoreResult<()> {
        let mut conn = self.writer.acquire().await?;
        let max = match extra_pages {
            Some(extra) => {
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                    .fetch_one(&mut *conn)
                    .await?;
                pages + i64::from(extra)
            }
            // SQLite's own default (and largest) limit.
            None => 4_294_967_294,
        };
        // A pragma takes no bound parameters; `max` is an integer.
        sqlx::query(&format!("PRAGMA max_page_count = {max}"))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub(crate) fn subscribe_task_events(&self) -> tokio::sync::broadcast::Receiver<TaskId> {
        let pool = self.reader.clone();
        self.feed
            .subscribe_with(move |sender| crate::feed::poll_sqlite(pool, sender))
    }

    pub(crate) async fn begin(
        &self,
        scope: Scope<'_>,
    ) -> StoreResult<Transaction<'static, Sqlite>> {
        let pool = if scope.write {
            &self.writer
        } else {
            &self.reader
        };
        Ok(pool.begin().await?)
    }

    /// Nothing to lock: every write transaction holds the one writer connection.
    pub(crate) async fn lock_tenant(
        _tx: &mut Transaction<'static, Sqlite>,
        _tenant: morningai_core::TenantId,
        _purpose: &'static str,
    ) -> StoreResult<()> {
        Ok(())
    }

    /// Nothing to lock: every write transaction holds the one writer connection.
    pub(crate) async fn lock_owners(
        _tx: &mut Transaction<'static, Sqlite>,
        _tenant: morningai_core::TenantId,
    ) -> StoreResult<()> {
        Ok(())
    }
}

#[async_trait]
impl HealthStore for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn migrations_current(&self) -> StoreResult<bool> {
        Ok(is_current(&MIGRATOR, applied_versions(&self.reader).await?))
    }
}

/// The shared queries (`crate::sql`), instantiated for this backend.
mod queries {
    crate::sql::impl_store!(super::SqliteStore, sqlx::Sqlite);
}

/// The queue's queries (`crate::jobs_sql`), instantiated for this backend.
mod job_queries {
    crate::jobs_sql::impl_job_store!(super::SqliteStore, sqlx::Sqlite, "", None::<&str>);
}

/// The task store's queries (`crate::tasks_sql`), instantiated for this backend;
/// they reuse the audit and job inserts of the two modules above.
mod task_queries {
    crate::tasks_sql::impl_task_store!(
        super::SqliteStore,
        sqlx::Sqlite,
        queries,
        job_queries,
        None
    );
}

/// The usage store's queries (`crate::usage_sql`), instantiated for this
/// backend; budget changes audit through `queries`.
mod usage_queries {
    crate::usage_sql::impl_usage_store!(super::SqliteStore, sqlx::Sqlite, queries);
}

/// The repository store's queries (`crate::repositories_sql`), instantiated
/// for this backend; changes audit through `queries`.
mod repository_queries {
    crate::repositories_sql::impl_repository_store!(super::SqliteStore, sqlx::Sqlite, queries);
}

/// The document store's queries (`crate::documents_sql`), instantiated for
/// this backend; deletions audit through `queries`.
mod document_queries {
    crate::documents_sql::impl_document_store!(super::SqliteStore, sqlx::Sqlite, queries);
}

/// The FAQ store's queries (`crate::faqs_sql`), instantiated for this
/// backend; changes audit through `queries`.
mod faq_queries {
    crate::faqs_sql::impl_faq_store!(
        super::SqliteStore,
        sqlx::Sqlite,
        queries,
        crate::faqs_sql::ts_text,
        "EXISTS (SELECT 1 FROM json_each(f.tags) WHERE json_each.value = $5)"
    );
}

/// The credential store's queries (`crate::credentials_sql`), instantiated
/// for this backend; changes audit through `queries`.
mod credential_queries {
    crate::credentials_sql::impl_credential_store!(
        super::SqliteStore,
        sqlx::Sqlite,
        queries,
        crate::faqs_sql::ts_text
    );
}

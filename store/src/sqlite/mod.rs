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
use sqlx::{Sqlite, Transaction};

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
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(connect.clone())
            .await?;
        if opts.migrate {
            MIGRATOR.run(&writer).await?;
        }
        let reader = if connect.get_filename().as_os_str() == ":memory:" {
            // Every in-memory connection is its own database: share the writer.
            writer.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(opts.max_connections.max(1))
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
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(connect_options(url)?)
            .await?;
        let before = applied_versions(&pool).await?;
        MIGRATOR.run(&pool).await?;
        let after = applied_versions(&pool).await?;
        pool.close().await;
        Ok(newly_applied(&before, after))
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

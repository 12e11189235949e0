//! Choosing and opening a backend from a database URL.

use std::sync::Arc;

use sqlx::migrate::Migrator;

use crate::{PgStore, SqliteStore, Store, StoreError, StoreResult};

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a URL selects: `sqlite:` or `postgres(ql)://`.
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Config(
                "database URL must start with sqlite: or postgres://".into(),
            ))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// Apply pending migrations before opening (what `serve` does at start).
    pub migrate: bool,
    pub max_connections: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            migrate: true,
            max_connections: 10,
        }
    }
}

/// Opens the store a URL names, migrating first when asked.
pub async fn open(url: &str, opts: &OpenOptions) -> StoreResult<Arc<dyn Store>> {
    Ok(match Backend::from_url(url)? {
        Backend::Sqlite => Arc::new(SqliteStore::open(url, opts).await?),
        Backend::Postgres => Arc::new(PgStore::open(url, opts).await?),
    })
}

/// Applies pending migrations and returns the versions applied now.
pub async fn migrate(url: &str) -> StoreResult<Vec<i64>> {
    match Backend::from_url(url)? {
        Backend::Sqlite => SqliteStore::migrate(url).await,
        Backend::Postgres => PgStore::migrate(url).await,
    }
}

/// Whether `applied` (successful versions in the database) is exactly what
/// `migrator` knows.
pub(crate) fn is_current(migrator: &Migrator, mut applied: Vec<i64>) -> bool {
    let mut known: Vec<i64> = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    known.sort_unstable();
    applied.sort_unstable();
    known == applied
}

/// Versions in `after` that are not in `before`.
pub(crate) fn newly_applied(before: &[i64], after: Vec<i64>) -> Vec<i64> {
    after.into_iter().filter(|v| !before.contains(v)).collect()
}

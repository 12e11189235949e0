//! Throwaway databases for tests: each test gets its own
//! SQLite file or PostgreSQL database, so tests run in parallel and leave
//! nothing behind.

use std::path::PathBuf;

use sqlx::{Connection, Executor, PgConnection};

use crate::{OpenOptions, PgStore, SqliteStore};

/// A SQLite store in a fresh folder, removed on drop.
pub struct TempSqlite {
    pub store: SqliteStore,
    pub url: String,
    dir: PathBuf,
}

impl TempSqlite {
    pub async fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("morningai-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let url = format!("sqlite://{}/test.db", dir.display());
        let store = SqliteStore::open(&url, &OpenOptions::default())
            .await
            .expect("open SQLite test store");
        Self { store, url, dir }
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The PostgreSQL server tests use: `DATABASE_URL`, which `make test` sets
/// (starting a throwaway server when none answers). Missing is a failure, not
/// a skip: PostgreSQL tests must run.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: PostgreSQL tests need a server; run them with `make test`")
    })
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    format!("{}/{name}{query}", &base[..authority_end])
}

/// A PostgreSQL database created for one test, migrated, dropped on drop.
pub struct TempPostgres {
    pub store: PgStore,
    /// The test database, as the owner (superuser) — bypasses RLS; for setup only.
    pub owner_url: String,
    pub name: String,
}

impl TempPostgres {
    pub async fn new() -> Self {
        let name = Self::create_database().await;
        let owner_url = with_database(&admin_url(), &name);
        let store = PgStore::open(
            &owner_url,
            &OpenOptions {
                max_connections: 4,
                ..OpenOptions::default()
            },
        )
        .await
        .expect("open PostgreSQL test store");
        Self {
            store,
            owner_url,
            name,
        }
    }

    /// An empty database (not migrated); dropped only if the caller wraps it.
    pub async fn create_database() -> String {
        let name = format!("morningai_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url())
            .await
            .expect("connect to DATABASE_URL");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        admin.close().await.ok();
        name
    }

    /// Drops a database made by [`TempPostgres::create_database`].
    pub fn drop_database(name: &str) {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        // Drop runs outside any runtime we may use: a thread with its own.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = admin.execute(sql.as_str()).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join()
        .ok();
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        Self::drop_database(&self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:5", "t1"),
            "postgres://u@h:5/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
    }
}

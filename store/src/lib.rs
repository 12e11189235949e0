//! MorningAI persistence: one interface ([`Store`]) over two backends —
//! SQLite (the embedded default) and PostgreSQL (production, with tenant
//! isolation enforced by row-level security).
//!
//! All SQL of the project lives in this crate. It depends only on `core`.

mod credentials_sql;
mod documents_sql;
mod error;
mod faqs_sql;
pub mod feed;
mod jobs_sql;
mod open;
mod postgres;
mod repositories_sql;
mod rows;
mod sql;
mod sqlite;
mod tasks_sql;
mod traits;
mod usage_sql;

/// Throwaway databases for tests of this and other crates.
pub mod testing;

pub use error::{StoreError, StoreResult};
pub use open::{migrate, open, Backend, OpenOptions};
pub use postgres::{PgStore, APP_ROLE};
pub use sqlite::SqliteStore;
pub use traits::*;

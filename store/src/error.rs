//! The store's one error type.

/// What went wrong in the store. Callers map these once to their boundary
/// (HTTP status, CLI message); `Database` details are for logs only.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the string names what already exists.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The record is not in a state that allows the change; says why.
    #[error("{0}")]
    InvalidState(String),
    /// The change would leave a tenant without an owner.
    #[error("a tenant must keep at least one owner")]
    LastOwner,
    /// One of the operator's quotas (repositories, tasks per hour) is used
    /// up; says which.
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Whether the database's disk is full (SQLite's `SQLITE_FULL`,
    /// PostgreSQL's `disk_full`): the write was not saved.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(db)) => {
                matches!(db.code().as_deref(), Some("13" | "53100"))
            }
            _ => false,
        }
    }

    /// Whether the database is down or unreachable (not a fault of the
    /// request): no connection within the pool's timeout, a broken
    /// connection, PostgreSQL shutting down or starting up, or refusing the
    /// connection (its database gone, the login refused).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => true,
            // admin_shutdown, crash_shutdown, cannot_connect_now; the
            // database does not exist; the login was refused; class 08,
            // connection exceptions.
            StoreError::Database(sqlx::Error::Database(db)) => match db.code().as_deref() {
                Some("57P01" | "57P02" | "57P03" | "3D000" | "28000" | "28P01") => true,
                Some(code) => code.starts_with("08"),
                None => false,
            },
            _ => false,
        }
    }

    /// Maps a unique violation to `Conflict(what)`, leaving other errors as they are.
    pub(crate) fn unique_as(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Database(e),
        }
    }
}

//! Store integration tests: one conformance suite run against SQLite and
//! PostgreSQL, and the PostgreSQL row-level-security checks (as the
//! application role).

mod conformance;
mod rls;
mod schema;

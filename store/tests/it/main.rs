//! Store integration tests: one conformance suite (and the task and usage
//! stores' cases) run against SQLite and PostgreSQL, and the PostgreSQL
//! row-level-security checks (as the application role).

mod conformance;
mod documents;
mod repositories;
mod rls;
mod schema;
mod tasks;
mod usage;

//! Queue integration tests against real SQLite, PostgreSQL and Redis.

mod conformance;
mod outbox;
mod support;
mod worker;

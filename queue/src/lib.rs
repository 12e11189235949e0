//! MorningAI's durable job queue — what the seed ran on Redis Queue (RQ).
//!
//! One interface ([`QueueBackend`]) over two backends that pass one
//! conformance suite: [`DatabaseQueue`] (a jobs table in the store's SQLite or
//! PostgreSQL database; the embedded default) and [`RedisQueue`] (for several
//! machines). [`Worker`] runs handlers with leases, heartbeats, retries with
//! backoff and graceful shutdown; [`Outbox`] makes enqueuing to Redis as
//! durable as a database write.
//!
//! Depends on `core` and `store` (whose SQL the database backend uses).

mod backend;
pub mod builtin;
mod database;
mod handler;
mod outbox;
mod redis_backend;
mod retry;
mod worker;

pub use backend::{Enqueued, QueueBackend, QueueError, QueueResult, FORGET_WORKERS_AFTER};
pub use database::DatabaseQueue;
pub use handler::{Handlers, JobContext, JobError, JobHandler};
pub use morningai_core::{Job, JobId, JobStatus, NewJob, QueueCount, WorkerInfo};
pub use morningai_store::JobScope;
pub use outbox::{Accepted, Outbox, Queue};
pub use redis_backend::RedisQueue;
pub use retry::RetryPolicy;
pub use worker::{Worker, WorkerConfig};

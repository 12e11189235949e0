//! MorningAI's backend: the axum HTTP API, authentication, and the `morningai`
//! command (`serve`, `migrate`). Nothing imports this crate.

pub mod ask;
pub mod auth;
pub mod chat;
pub mod cli;
pub mod config;
pub mod faq_cli;
pub mod faq_files;
pub mod http;
pub mod jobs;
pub mod models;
pub mod secrets;
pub mod server;
pub mod telemetry;
pub mod usage;

pub use config::Config;
pub use http::{router, AppState};

//! Credentials: password hashing, session tokens, API keys, log-in throttling.

pub mod api_key;
pub mod password;
pub mod rate_limit;
pub mod token;

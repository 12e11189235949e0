//! What can go wrong talking to a model, in kinds a caller can act on.

use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AiError {
    /// The key was refused (HTTP 401/403).
    #[error("authentication failed: {0}")]
    Authentication(String),
    /// Too many requests (HTTP 429), after retries; `retry_after` when the server said.
    #[error("rate limited: {message}")]
    RateLimited {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The prompt (plus the requested completion) does not fit the model's context.
    #[error("context too long: {0}")]
    ContextTooLong(String),
    /// The request was refused as malformed (HTTP 400/404/422).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The server failed (HTTP 5xx), after retries.
    #[error("model server error: {0}")]
    Server(String),
    /// No (complete) answer within the timeout, after retries.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The server could not be reached.
    #[error("cannot reach the model server: {0}")]
    Network(String),
    /// The server answered with something that is not the protocol.
    #[error("invalid response from the model server: {0}")]
    InvalidResponse(String),
    /// A budget cap would be exceeded; nothing was sent.
    #[error("budget exceeded: {0}")]
    BudgetExceeded(String),
    /// The caller cancelled.
    #[error("canceled")]
    Canceled,
    /// An embedded model failed to load or run.
    #[error("local model: {0}")]
    Local(String),
    /// The usage ledger (budgets, spend, the response cache) could not be
    /// read or written; a call whose budget cannot be checked is not sent.
    #[error("usage ledger unavailable: {0}")]
    Ledger(String),
}

impl AiError {
    /// A stable name for the kind, as recorded with failed model calls and
    /// returned as an API error code (`budget_exceeded`, `rate_limited`, …).
    pub fn code(&self) -> &'static str {
        match self {
            AiError::Authentication(_) => "authentication",
            AiError::RateLimited { .. } => "rate_limited",
            AiError::ContextTooLong(_) => "context_too_long",
            AiError::BadRequest(_) => "bad_request",
            AiError::Server(_) => "server",
            AiError::Timeout(_) => "timeout",
            AiError::Network(_) => "network",
            AiError::InvalidResponse(_) => "invalid_response",
            AiError::BudgetExceeded(_) => "budget_exceeded",
            AiError::Canceled => "canceled",
            AiError::Local(_) => "local",
            AiError::Ledger(_) => "ledger",
        }
    }

    /// Whether trying the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            AiError::RateLimited { .. }
                | AiError::Server(_)
                | AiError::Timeout(_)
                | AiError::Network(_)
        )
    }
}

//! The crate's one error type. Variants are distinct so the webhook handler
//! can answer each case (403 vs 400) and the job queue can decide to retry;
//! none of them ever carries a token, a secret or a URL with a token in it.

use crate::Platform;
use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No secret is configured for the binding: verification fails closed,
    /// because an empty HMAC key or token would accept anyone's requests.
    #[error("no webhook secret is configured for this {0} binding")]
    SecretNotConfigured(Platform),
    #[error("the {header} header is missing")]
    MissingSignature { header: &'static str },
    #[error("the {header} header is not in the expected format")]
    MalformedSignature { header: &'static str },
    #[error("the {header} header does not match")]
    BadSignature { header: &'static str },
    /// Messenger's GET handshake was not `hub.mode=subscribe` with our verify token.
    #[error("the Messenger webhook handshake was refused")]
    HandshakeRejected,
    /// The body is not JSON in the platform's webhook shape.
    #[error("the {platform} webhook body is malformed: {reason}")]
    MalformedBody { platform: Platform, reason: String },
    /// The caller asked for something the platform would refuse (too many
    /// messages, empty text, a bad secret token): nothing was sent.
    #[error("invalid request to {platform}: {reason}")]
    InvalidRequest { platform: Platform, reason: String },
    /// HTTP 429 or a platform rate-limit code. `retry_after` is the platform's
    /// own wait when it gives one (Telegram `parameters.retry_after`, a
    /// `Retry-After` header); the caller's job queue re-schedules the send.
    #[error("{platform} rate limit: retry after {retry_after:?}")]
    RateLimited {
        platform: Platform,
        retry_after: Option<Duration>,
    },
    /// LINE answered 400 "Invalid reply token": the token expired, was used,
    /// or never existed. Replying again cannot work; send with push instead.
    #[error("LINE refused the reply token (expired, used or invalid); send with push instead")]
    InvalidReplyToken,
    /// The platform answered with an error status. `message` is the
    /// platform's own description, cut short.
    #[error("{platform} answered HTTP {status}{}: {message}", code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Api {
        platform: Platform,
        status: u16,
        code: Option<i64>,
        message: String,
    },
    /// The request did not get an answer (connect failure, timeout, bad
    /// response body). The reason is built from an error stripped of its URL,
    /// since Telegram's URL holds the bot token.
    #[error("could not talk to {platform}{}: {reason}", if *timeout { " (timed out)" } else { "" })]
    Transport {
        platform: Platform,
        timeout: bool,
        reason: String,
    },
}

impl Error {
    /// Whether sending again later may succeed: rate limits, 5xx and
    /// transport failures. For LINE push, retry with the same retry key.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Transport { .. } => true,
            Error::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The platform's requested wait, when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

//! Sending clients. Each call sends one request and reports failures as
//! typed errors without retrying: the durable job queue that calls these
//! owns retries (it survives restarts, spreads load, and knows which pieces
//! of a split answer already went out). [`crate::Error::is_retryable`] and
//! [`crate::Error::retry_after`] tell it whether and when.

mod line;
mod messenger;
mod telegram;

pub use line::{LineClient, PushOutcome};
pub use messenger::{MessagingType, MessengerClient};
pub use telegram::{ParseMode, SendOptions, TelegramClient, TelegramWebhook};

use crate::{Error, Platform};
use std::time::Duration;

/// Per-request timeout unless the caller sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Platform error descriptions are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// An API token. Its `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What every client shares: the HTTP client, where the API is, how long
/// to wait.
#[derive(Clone, Debug)]
pub(crate) struct Http {
    pub client: reqwest::Client,
    pub base_url: String,
    pub timeout: Duration,
}

impl Http {
    pub fn new(base_url: &str) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .unwrap_or_default();
        Http {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn set_base_url(&mut self, base_url: &str) {
        self.base_url = base_url.trim_end_matches('/').to_owned();
    }
}

/// A failed request as an [`Error`], its URL removed first (Telegram's URL
/// holds the bot token) and its causes kept for diagnosis.
pub(crate) fn transport(platform: Platform, err: reqwest::Error) -> Error {
    let timeout = err.is_timeout();
    let err = err.without_url();
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Transport {
        platform,
        timeout,
        reason,
    }
}

/// A `Retry-After` header in seconds, when the platform sends one.
pub(crate) fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

pub(crate) fn short(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((i, _)) => format!("{}…", &message[..i]),
        None => message.to_owned(),
    }
}

/// Rejects what the platform would refuse anyway, before sending.
pub(crate) fn check_texts(
    platform: Platform,
    texts: &[impl AsRef<str>],
    max_messages: usize,
) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidRequest { platform, reason };
    if texts.is_empty() || texts.len() > max_messages {
        return Err(invalid(format!(
            "{} messages in one request; 1 to {max_messages} are allowed",
            texts.len()
        )));
    }
    let max = crate::split::max_len(platform);
    for text in texts {
        let len = crate::split::utf16_len(text.as_ref());
        if text.as_ref().trim().is_empty() || len > max {
            return Err(invalid(format!(
                "a text of {len} UTF-16 units; 1 to {max} are allowed (split it first)"
            )));
        }
    }
    Ok(())
}

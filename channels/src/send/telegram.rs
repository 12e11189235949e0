//! Telegram Bot API: `sendMessage` and `setWebhook`.

use super::{check_texts, retry_after_header, short, transport, Http, Token};
use crate::{Error, Platform, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

const P: Platform = Platform::Telegram;

#[derive(Clone, Debug)]
pub struct TelegramClient {
    http: Http,
    token: Token,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ParseMode {
    MarkdownV2,
    #[serde(rename = "HTML")]
    Html,
}

/// Optional `sendMessage` fields. The default is plain text.
#[derive(Clone, Debug, Default)]
pub struct SendOptions {
    /// `None` sends plain text (see [`crate::markdown`] for why).
    pub parse_mode: Option<ParseMode>,
    /// Forum topic to post in (`InboundEvent::thread_id`).
    pub thread_id: Option<i64>,
    /// Quote the person's message (`InboundEvent::message_id`).
    pub reply_to_message_id: Option<i64>,
    pub disable_link_preview: bool,
}

/// `setWebhook` parameters. Its `Debug` hides the secret token.
#[derive(Clone, Serialize)]
pub struct TelegramWebhook {
    pub url: String,
    /// Sent back in `X-Telegram-Bot-Api-Secret-Token` on every update:
    /// 1-256 of `A-Z a-z 0-9 _ -` (see [`TelegramWebhook::new_secret_token`]).
    pub secret_token: String,
    /// Update types to receive; always sent, since leaving it out keeps
    /// whatever an earlier call set.
    pub allowed_updates: Vec<String>,
    pub drop_pending_updates: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
}

impl std::fmt::Debug for TelegramWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramWebhook")
            .field("url", &self.url)
            .field("secret_token", &"<redacted>")
            .field("allowed_updates", &self.allowed_updates)
            .field("drop_pending_updates", &self.drop_pending_updates)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl TelegramWebhook {
    /// A webhook for messages and their edits, keeping pending updates.
    pub fn new(url: impl Into<String>, secret_token: impl Into<String>) -> Self {
        TelegramWebhook {
            url: url.into(),
            secret_token: secret_token.into(),
            allowed_updates: vec!["message".into(), "edited_message".into()],
            drop_pending_updates: false,
            max_connections: None,
        }
    }

    /// 64 hex digits from two random v4 UUIDs (244 random bits), within
    /// Telegram's alphabet.
    pub fn new_secret_token() -> String {
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )
    }
}

/// Telegram's answer envelope.
#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<Value>,
    error_code: Option<i64>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

impl TelegramClient {
    pub fn new(bot_token: impl Into<String>) -> Self {
        TelegramClient {
            http: Http::new("https://api.telegram.org"),
            token: Token(bot_token.into()),
        }
    }

    /// Another API server (a local Bot API server, or a test double).
    pub fn with_base_url(mut self, base_url: &str) -> Self {
        self.http.set_base_url(base_url);
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// Sends one text message and returns its `message_id`. Plain text must
    /// be within 4,096 UTF-16 units ([`crate::split_for`]); with a parse
    /// mode the markup is not counted, so the length is left to Telegram.
    pub async fn send_message(&self, chat_id: &str, text: &str, opts: &SendOptions) -> Result<i64> {
        if opts.parse_mode.is_none() {
            check_texts(P, &[text], 1)?;
        }
        // Numeric ids go as numbers; `@channel` names as strings.
        let chat: Value = chat_id
            .parse::<i64>()
            .map_or_else(|_| json!(chat_id), |n| json!(n));
        let mut body = json!({ "chat_id": chat, "text": text });
        if let Some(mode) = opts.parse_mode {
            body["parse_mode"] = json!(mode);
        }
        if let Some(thread) = opts.thread_id {
            body["message_thread_id"] = json!(thread);
        }
        if let Some(id) = opts.reply_to_message_id {
            // Still send if the quoted message was deleted meanwhile.
            body["reply_parameters"] =
                json!({ "message_id": id, "allow_sending_without_reply": true });
        }
        if opts.disable_link_preview {
            body["link_preview_options"] = json!({ "is_disabled": true });
        }
        let result = self.call("sendMessage", &body).await?;
        result
            .get("message_id")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::Transport {
                platform: P,
                timeout: false,
                reason: "sendMessage answered without a message_id".into(),
            })
    }

    /// Points the bot's webhook at `hook.url`.
    pub async fn set_webhook(&self, hook: &TelegramWebhook) -> Result<()> {
        let t = &hook.secret_token;
        let valid = !t.is_empty()
            && t.len() <= 256
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(Error::InvalidRequest {
                platform: P,
                reason: "secret_token must be 1-256 of A-Z a-z 0-9 _ -".into(),
            });
        }
        self.call(
            "setWebhook",
            &serde_json::to_value(hook).unwrap_or_default(),
        )
        .await
        .map(drop)
    }

    async fn call(&self, method: &str, body: &Value) -> Result<Value> {
        let url = format!("{}/bot{}/{method}", self.http.base_url, self.token.0);
        let resp = self
            .http
            .client
            .post(url)
            .timeout(self.http.timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| transport(P, e))?;
        let status = resp.status().as_u16();
        let header_wait = retry_after_header(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| transport(P, e))?;
        tracing::debug!(platform = "telegram", method, status, "bot api call");
        let envelope: Option<Envelope> = serde_json::from_slice(&bytes).ok();
        match envelope {
            Some(Envelope {
                ok: true,
                result: Some(result),
                ..
            }) if status < 300 => Ok(result),
            Some(e) if status == 429 || e.error_code == Some(429) => Err(Error::RateLimited {
                platform: P,
                retry_after: e
                    .parameters
                    .and_then(|p| p.retry_after)
                    .map(Duration::from_secs)
                    .or(header_wait),
            }),
            Some(e) => Err(Error::Api {
                platform: P,
                status,
                code: e.error_code,
                message: short(
                    &e.description
                        .unwrap_or_else(|| "no description".into())
                        .replace(&self.token.0, "<redacted>"),
                ),
            }),
            None if status == 429 => Err(Error::RateLimited {
                platform: P,
                retry_after: header_wait,
            }),
            // A body that is not Telegram's (a proxy's page) may quote the
            // URL, and with it the token: it is not repeated.
            None => Err(Error::Api {
                platform: P,
                status,
                code: None,
                message: format!("a non-Telegram answer of {} bytes", bytes.len()),
            }),
        }
    }
}

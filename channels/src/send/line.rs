//! LINE Messaging API: reply, push, and the webhook endpoint setting.

use super::{check_texts, retry_after_header, short, transport, Http, Token};
use crate::split::LINE_MAX_MESSAGES;
use crate::{Error, Platform, Result};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

const P: Platform = Platform::Line;

#[derive(Clone, Debug)]
pub struct LineClient {
    http: Http,
    token: Token,
}

/// How a push ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    Accepted,
    /// 409: a request with this retry key was already accepted, so an
    /// earlier attempt that seemed to fail did deliver. Not sent twice.
    AlreadyAccepted,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

impl LineClient {
    pub fn new(channel_access_token: impl Into<String>) -> Self {
        LineClient {
            http: Http::new("https://api.line.me"),
            token: Token(channel_access_token.into()),
        }
    }

    pub fn with_base_url(mut self, base_url: &str) -> Self {
        self.http.set_base_url(base_url);
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// Answers with the event's reply token: 1 to 5 texts of at most 5,000
    /// UTF-16 units. The token is single-use and expires quickly;
    /// [`Error::InvalidReplyToken`] means: push instead. LINE supports
    /// retry keys only on push (and multicast, narrowcast, broadcast), so
    /// a reply that timed out is not repeated: fall back to push with a key.
    pub async fn reply_text(&self, reply_token: &str, texts: &[String]) -> Result<()> {
        check_texts(P, texts, LINE_MAX_MESSAGES)?;
        let body = json!({ "replyToken": reply_token, "messages": text_messages(texts) });
        let (status, headers, bytes) = self.send("/v2/bot/message/reply", &body, None).await?;
        if status == 400
            && error_message(&bytes)
                .to_ascii_lowercase()
                .contains("invalid reply token")
        {
            return Err(Error::InvalidReplyToken);
        }
        check(status, &headers, &bytes)
    }

    /// Sends to a user, group or room id. `retry_key` is a UUID the caller
    /// creates once per logical message and reuses on every retry, so LINE
    /// accepts it at most once (keys are remembered for 24 hours).
    pub async fn push_text(
        &self,
        to: &str,
        texts: &[String],
        retry_key: Uuid,
    ) -> Result<PushOutcome> {
        check_texts(P, texts, LINE_MAX_MESSAGES)?;
        let body = json!({ "to": to, "messages": text_messages(texts) });
        let (status, headers, bytes) = self
            .send("/v2/bot/message/push", &body, Some(retry_key))
            .await?;
        if status == 409 {
            return Ok(PushOutcome::AlreadyAccepted);
        }
        check(status, &headers, &bytes).map(|()| PushOutcome::Accepted)
    }

    /// Sets the channel's webhook URL (`PUT /v2/bot/channel/webhook/endpoint`).
    pub async fn set_webhook_endpoint(&self, endpoint: &str) -> Result<()> {
        let body = json!({ "endpoint": endpoint });
        let url = format!("{}/v2/bot/channel/webhook/endpoint", self.http.base_url);
        let req = self.http.client.put(url);
        let (status, headers, bytes) = self.execute(req, &body).await?;
        check(status, &headers, &bytes)
    }

    async fn send(
        &self,
        path: &str,
        body: &Value,
        retry_key: Option<Uuid>,
    ) -> Result<(u16, reqwest::header::HeaderMap, Vec<u8>)> {
        let mut req = self
            .http
            .client
            .post(format!("{}{path}", self.http.base_url));
        if let Some(key) = retry_key {
            req = req.header("X-Line-Retry-Key", key.hyphenated().to_string());
        }
        self.execute(req, body).await
    }

    async fn execute(
        &self,
        req: reqwest::RequestBuilder,
        body: &Value,
    ) -> Result<(u16, reqwest::header::HeaderMap, Vec<u8>)> {
        let resp = req
            .bearer_auth(&self.token.0)
            .timeout(self.http.timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| transport(P, e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.map_err(|e| transport(P, e))?;
        tracing::debug!(platform = "line", status, "messaging api call");
        Ok((status, headers, bytes.to_vec()))
    }
}

fn text_messages(texts: &[String]) -> Vec<Value> {
    texts
        .iter()
        .map(|t| json!({ "type": "text", "text": t }))
        .collect()
}

fn error_message(bytes: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(bytes)
        .ok()
        .and_then(|b| b.message)
        .unwrap_or_default()
}

fn check(status: u16, headers: &reqwest::header::HeaderMap, bytes: &[u8]) -> Result<()> {
    match status {
        200..=299 => Ok(()),
        429 => Err(Error::RateLimited {
            platform: P,
            retry_after: retry_after_header(headers),
        }),
        _ => {
            let message = error_message(bytes);
            Err(Error::Api {
                platform: P,
                status,
                code: None,
                message: short(if message.is_empty() {
                    "no message"
                } else {
                    &message
                }),
            })
        }
    }
}

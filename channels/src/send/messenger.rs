//! Messenger Platform Send API (`POST /{version}/me/messages`).

use super::{check_texts, retry_after_header, short, transport, Http, Token};
use crate::{Error, Platform, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

const P: Platform = Platform::Messenger;
/// Graph API version used unless the caller picks another.
pub const DEFAULT_GRAPH_VERSION: &str = "v23.0";
/// Graph error codes meaning "too many calls" (app, user, page, send limits).
const RATE_LIMIT_CODES: &[i64] = &[4, 17, 32, 613];

#[derive(Clone, Debug)]
pub struct MessengerClient {
    http: Http,
    token: Token,
    version: String,
}

/// `messaging_type`: an answer within the 24-hour window is a `RESPONSE`;
/// a message nobody asked for is an `UPDATE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessagingType {
    Response,
    Update,
}

#[derive(Deserialize)]
struct Sent {
    message_id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<GraphError>,
}

#[derive(Deserialize)]
struct GraphError {
    message: Option<String>,
    code: Option<i64>,
}

impl MessengerClient {
    pub fn new(page_access_token: impl Into<String>) -> Self {
        MessengerClient {
            http: Http::new("https://graph.facebook.com"),
            token: Token(page_access_token.into()),
            version: DEFAULT_GRAPH_VERSION.to_owned(),
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

    pub fn with_api_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Sends one text (at most 2,000 UTF-16 units) to a page-scoped user id
    /// and returns the new message's id. The page token goes in the
    /// `Authorization` header, not the documented `access_token` query
    /// parameter, so it never appears in a URL or an access log.
    pub async fn send_text(
        &self,
        psid: &str,
        text: &str,
        messaging_type: MessagingType,
    ) -> Result<String> {
        check_texts(P, &[text], 1)?;
        let body = json!({
            "recipient": { "id": psid },
            "messaging_type": messaging_type,
            "message": { "text": text },
        });
        let url = format!("{}/{}/me/messages", self.http.base_url, self.version);
        let resp = self
            .http
            .client
            .post(url)
            .bearer_auth(&self.token.0)
            .timeout(self.http.timeout)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport(P, e))?;
        let status = resp.status().as_u16();
        let header_wait = retry_after_header(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| transport(P, e))?;
        tracing::debug!(platform = "messenger", status, "send api call");
        if (200..300).contains(&status) {
            let sent: Sent = serde_json::from_slice(&bytes).map_err(|_| Error::Transport {
                platform: P,
                timeout: false,
                reason: "the Send API answer is not JSON".into(),
            })?;
            return Ok(sent.message_id.unwrap_or_default());
        }
        let error = serde_json::from_slice::<ErrorBody>(&bytes)
            .ok()
            .and_then(|b| b.error);
        let code = error.as_ref().and_then(|e| e.code);
        if status == 429 || code.is_some_and(|c| RATE_LIMIT_CODES.contains(&c)) {
            return Err(Error::RateLimited {
                platform: P,
                retry_after: header_wait,
            });
        }
        Err(Error::Api {
            platform: P,
            status,
            code,
            message: short(
                &error
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| "no message".into()),
            ),
        })
    }
}

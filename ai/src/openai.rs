//! The OpenAI-compatible provider: chat completions (whole or streamed over
//! server-sent events) and embeddings, against any server that speaks the
//! protocol (OpenAI, vLLM, Ollama, llama.cpp server) at a configurable base URL.
//!
//! Requests time out; 429, 5xx, timeouts and connection failures are retried
//! with exponential backoff and jitter, honouring `Retry-After`. Errors are
//! mapped to [`AiError`] kinds. The API key is never logged.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use eventsource_stream::Eventsource;
use futures::StreamExt;
use rand::Rng;
use reqwest::{header, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::types::{
    ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream, EmbedResponse, Embedder, Usage,
};
use crate::AiError;

#[derive(Clone)]
pub struct OpenAiConfig {
    /// e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    /// Whole-request timeout; for streams, the longest wait between chunks.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff; doubles each retry (with jitter).
    pub backoff: Duration,
    /// Longest `Retry-After` honoured; longer waits fail as rate limited.
    pub max_retry_after: Duration,
}

impl OpenAiConfig {
    pub fn new(base_url: impl Into<String>, api_key: Option<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key,
            timeout: Duration::from_secs(120),
            max_retries: 3,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

// The key must never reach a log line.
impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// The HTTP client shared by the chat and embedding models of one server.
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    http: reqwest::Client,
    stream_http: reqwest::Client,
    config: Arc<OpenAiConfig>,
}

impl OpenAiClient {
    pub fn new(config: OpenAiConfig) -> Result<Self, AiError> {
        let base = || {
            reqwest::Client::builder().connect_timeout(config.timeout.min(Duration::from_secs(10)))
        };
        let http = base()
            .timeout(config.timeout)
            .build()
            .map_err(|e| AiError::Network(e.to_string()))?;
        let stream_http = base()
            .read_timeout(config.timeout)
            .build()
            .map_err(|e| AiError::Network(e.to_string()))?;
        Ok(Self {
            http,
            stream_http,
            config: Arc::new(config),
        })
    }

    pub fn chat_model(&self, model: impl Into<String>) -> OpenAiChat {
        OpenAiChat {
            client: self.clone(),
            model: model.into(),
        }
    }

    pub fn embedder(&self, model: impl Into<String>, dimensions: usize) -> OpenAiEmbedder {
        OpenAiEmbedder {
            client: self.clone(),
            model: model.into(),
            dimensions,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// POSTs `body`, retrying what may succeed later; returns the successful response.
    async fn post(
        &self,
        path: &str,
        body: &Value,
        stream: bool,
    ) -> Result<reqwest::Response, AiError> {
        let client = if stream {
            &self.stream_http
        } else {
            &self.http
        };
        let mut attempt = 0u32;
        loop {
            let mut req = client.post(self.url(path)).json(body);
            if let Some(key) = &self.config.api_key {
                req = req.bearer_auth(key);
            }
            let error = match req.send().await {
                Ok(res) if res.status().is_success() => return Ok(res),
                Ok(res) => error_from_response(res, self.config.timeout).await,
                Err(e) => error_from_transport(&e, self.config.timeout),
            };
            let wait = match &error {
                AiError::RateLimited {
                    retry_after: Some(after),
                    ..
                } if *after > self.config.max_retry_after => None,
                AiError::RateLimited {
                    retry_after: Some(after),
                    ..
                } => Some(*after),
                e if e.is_retryable() => Some(self.backoff(attempt)),
                _ => None,
            };
            match wait {
                Some(wait) if attempt < self.config.max_retries => {
                    tracing::warn!(path, attempt = attempt + 1, error = %error, wait_ms = wait.as_millis() as u64, "model request failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => return Err(error),
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let full = self.config.backoff.saturating_mul(1 << attempt.min(10));
        let half = full / 2;
        half + Duration::from_millis(rand::thread_rng().gen_range(0..=half.as_millis() as u64))
    }
}

fn error_from_transport(e: &reqwest::Error, timeout: Duration) -> AiError {
    if e.is_timeout() {
        AiError::Timeout(timeout)
    } else if e.is_connect() || e.is_request() {
        AiError::Network(e.to_string())
    } else if e.is_decode() || e.is_body() {
        AiError::InvalidResponse(e.to_string())
    } else {
        AiError::Network(e.to_string())
    }
}

/// Maps an error status (and the body's `error.message`/`error.code`) to a kind.
async fn error_from_response(res: reqwest::Response, timeout: Duration) -> AiError {
    let status = res.status();
    let retry_after = res
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let body = match res.text().await {
        Ok(body) => body,
        Err(e) => return error_from_transport(&e, timeout),
    };
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(300).collect());
    let code = parsed
        .as_ref()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let message = format!("HTTP {}: {message}", status.as_u16());
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => AiError::Authentication(message),
        StatusCode::TOO_MANY_REQUESTS => AiError::RateLimited {
            message,
            retry_after,
        },
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => AiError::Timeout(timeout),
        s if s.is_server_error() => AiError::Server(message),
        _ if code == "context_length_exceeded" || message.contains("maximum context length") => {
            AiError::ContextTooLong(message)
        }
        _ => AiError::BadRequest(message),
    }
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        }
    }
}

#[derive(Deserialize)]
struct CompletionChoice {
    message: CompletionMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct CompletionMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    model: Option<String>,
    choices: Vec<CompletionChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<ChunkDelta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChunkDelta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct CompletionChunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    usage: Option<WireUsage>,
}

/// A chat model served over the OpenAI protocol.
#[derive(Clone, Debug)]
pub struct OpenAiChat {
    client: OpenAiClient,
    model: String,
}

impl OpenAiChat {
    fn body(&self, request: &ChatRequest, stream: bool) -> Value {
        let mut body =
            json!({ "model": self.model, "messages": request.messages, "stream": stream });
        let obj = body.as_object_mut().expect("object");
        if let Some(v) = request.max_tokens {
            obj.insert("max_tokens".into(), json!(v));
        }
        if let Some(v) = request.temperature {
            obj.insert("temperature".into(), json!(v));
        }
        if let Some(v) = request.top_p {
            obj.insert("top_p".into(), json!(v));
        }
        if let Some(v) = request.seed {
            obj.insert("seed".into(), json!(v));
        }
        if !request.stop.is_empty() {
            obj.insert("stop".into(), json!(request.stop));
        }
        if request.json {
            obj.insert("response_format".into(), json!({ "type": "json_object" }));
        }
        if stream {
            obj.insert("stream_options".into(), json!({ "include_usage": true }));
        }
        body
    }
}

#[async_trait]
impl ChatModel for OpenAiChat {
    fn provider(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        let started = Instant::now();
        let res = self
            .client
            .post("chat/completions", &self.body(request, false), false)
            .await?;
        let text = res
            .text()
            .await
            .map_err(|e| error_from_transport(&e, self.client.config.timeout))?;
        let completion: Completion = serde_json::from_str(&text)
            .map_err(|e| AiError::InvalidResponse(format!("not a chat completion: {e}")))?;
        let choice = completion
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| AiError::InvalidResponse("no choices in the completion".into()))?;
        Ok(ChatResponse {
            text: choice.message.content.unwrap_or_default(),
            usage: completion.usage.map(Usage::from).unwrap_or_default(),
            model: completion.model.unwrap_or_else(|| self.model.clone()),
            finish_reason: choice.finish_reason,
            latency: started.elapsed(),
        })
    }

    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError> {
        let started = Instant::now();
        let res = self
            .client
            .post("chat/completions", &self.body(request, true), true)
            .await?;
        let timeout = self.client.config.timeout;
        let fallback_model = self.model.clone();
        let events = res.bytes_stream().eventsource();
        // Accumulates the answer so the last item can carry it whole, with usage.
        struct Acc {
            text: String,
            model: String,
            usage: Usage,
            finish: Option<String>,
            done: bool,
        }
        let acc = Acc {
            text: String::new(),
            model: fallback_model,
            usage: Usage::default(),
            finish: None,
            done: false,
        };
        let stream =
            futures::stream::unfold((events, acc), move |(mut events, mut acc)| async move {
                if acc.done {
                    return None;
                }
                loop {
                    match events.next().await {
                        None => {
                            acc.done = true;
                            let item = Err(AiError::InvalidResponse(
                                "the stream ended without [DONE]".into(),
                            ));
                            return Some((item, (events, acc)));
                        }
                        Some(Err(e)) => {
                            acc.done = true;
                            let err = match e {
                                eventsource_stream::EventStreamError::Transport(t) => {
                                    error_from_transport(&t, timeout)
                                }
                                other => AiError::InvalidResponse(other.to_string()),
                            };
                            return Some((Err(err), (events, acc)));
                        }
                        Some(Ok(event)) => {
                            if event.data.trim() == "[DONE]" {
                                acc.done = true;
                                let response = ChatResponse {
                                    text: std::mem::take(&mut acc.text),
                                    usage: acc.usage,
                                    model: acc.model.clone(),
                                    finish_reason: acc.finish.take(),
                                    latency: started.elapsed(),
                                };
                                return Some((Ok(ChatChunk::Done(response)), (events, acc)));
                            }
                            let chunk: CompletionChunk = match serde_json::from_str(&event.data) {
                                Ok(c) => c,
                                Err(e) => {
                                    acc.done = true;
                                    let err = AiError::InvalidResponse(format!(
                                        "not a completion chunk: {e}"
                                    ));
                                    return Some((Err(err), (events, acc)));
                                }
                            };
                            if let Some(model) = chunk.model {
                                acc.model = model;
                            }
                            if let Some(usage) = chunk.usage {
                                acc.usage = usage.into();
                            }
                            let mut piece = String::new();
                            for choice in chunk.choices {
                                if let Some(reason) = choice.finish_reason {
                                    acc.finish = Some(reason);
                                }
                                if let Some(content) = choice.delta.and_then(|d| d.content) {
                                    piece.push_str(&content);
                                }
                            }
                            if !piece.is_empty() {
                                acc.text.push_str(&piece);
                                return Some((Ok(ChatChunk::Token(piece)), (events, acc)));
                            }
                        }
                    }
                }
            });
        Ok(Box::pin(stream))
    }
}

#[derive(Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: Option<usize>,
}

#[derive(Deserialize)]
struct Embeddings {
    data: Vec<EmbeddingItem>,
    #[serde(default)]
    model: Option<String>,
    usage: Option<WireUsage>,
}

/// An embedding model served over the OpenAI protocol.
#[derive(Clone, Debug)]
pub struct OpenAiEmbedder {
    client: OpenAiClient,
    model: String,
    dimensions: usize,
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn provider(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        let started = Instant::now();
        let body = json!({ "model": self.model, "input": texts });
        let res = self.client.post("embeddings", &body, false).await?;
        let text = res
            .text()
            .await
            .map_err(|e| error_from_transport(&e, self.client.config.timeout))?;
        let mut parsed: Embeddings = serde_json::from_str(&text)
            .map_err(|e| AiError::InvalidResponse(format!("not an embeddings response: {e}")))?;
        if parsed.data.len() != texts.len() {
            return Err(AiError::InvalidResponse(format!(
                "{} vectors for {} texts",
                parsed.data.len(),
                texts.len()
            )));
        }
        parsed.data.sort_by_key(|d| d.index.unwrap_or(0));
        Ok(EmbedResponse {
            vectors: parsed.data.into_iter().map(|d| d.embedding).collect(),
            usage: parsed.usage.map(Usage::from).unwrap_or_default(),
            model: parsed.model.unwrap_or_else(|| self.model.clone()),
            latency: started.elapsed(),
        })
    }
}

//! The model interfaces and their request/response types.

use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::AiError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageRole {
    System,
    User,
    Assistant,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    pub role: MessageRole,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: MessageRole::System,
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: MessageRole::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: MessageRole::Assistant,
            content: content.into(),
        }
    }
}

/// A chat completion request. `None` leaves a parameter to the model's default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub messages: Vec<Message>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
    pub top_p: Option<f32>,
    pub stop: Vec<String>,
    pub seed: Option<u64>,
    /// Ask for a JSON object (where the provider supports it).
    pub json: bool,
}

impl ChatRequest {
    pub fn new(messages: Vec<Message>) -> Self {
        Self {
            messages,
            ..Self::default()
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    pub text: String,
    pub usage: Usage,
    /// The model that answered (as the provider names it).
    pub model: String,
    /// `stop`, `length`, … as the provider reports it.
    pub finish_reason: Option<String>,
    pub latency: Duration,
}

/// One piece of a streamed answer.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatChunk {
    /// The next piece of text.
    Token(String),
    /// The end: the whole answer with usage.
    Done(ChatResponse),
}

pub type ChatStream = BoxStream<'static, Result<ChatChunk, AiError>>;

/// A chat model: messages in, text out (whole or streamed).
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// `openai`, `local`, …
    fn provider(&self) -> &str;
    fn model(&self) -> &str;
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError>;
    /// Token by token; the last item is [`ChatChunk::Done`].
    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError>;
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmbedResponse {
    /// One vector per input text, in order.
    pub vectors: Vec<Vec<f32>>,
    pub usage: Usage,
    pub model: String,
    pub latency: Duration,
}

/// An embedding model: texts in, vectors out.
#[async_trait]
pub trait Embedder: Send + Sync {
    fn provider(&self) -> &str;
    fn model(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// Whether the model knows English only: text in other scripts (Chinese,
    /// Japanese, Korean) comes out near random, so search should not rely
    /// on it there. Wrappers forward it.
    fn english_only(&self) -> bool {
        false
    }
    /// Embeds documents (texts to be found).
    async fn embed(&self, texts: &[String]) -> Result<EmbedResponse, AiError>;
    /// Embeds search queries (and texts compared with queries as queries, such
    /// as FAQ questions). Models that embed queries and documents alike keep
    /// this default, [`Embedder::embed`]; asymmetric ones (E5 prefixes queries
    /// with `"query: "`, documents with `"passage: "`) override it, and
    /// wrappers forward it to the model they wrap.
    async fn embed_queries(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        self.embed(texts).await
    }
}

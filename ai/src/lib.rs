//! MorningAI's AI component — the seed's GPT-4 integration, generalised: the
//! one place that talks to language and embedding models.
//!
//! Small interfaces ([`ChatModel`], [`Embedder`]) with request/response types;
//! each provider is one module implementing them, and callers never see a
//! provider's wire format. Depends only on `core`.

mod error;
pub mod local_chat;
pub mod local_embed;
pub mod openai;
pub mod provider;
mod types;

pub use error::AiError;
pub use local_chat::{LocalChatModel, LocalChatOptions};
pub use local_embed::LocalEmbedder;
pub use types::{
    ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream, EmbedResponse, Embedder, Message,
    MessageRole, Usage,
};

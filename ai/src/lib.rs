//! MorningAI's AI component — the seed's GPT-4 integration, generalised: the
//! one place that talks to language and embedding models.
//!
//! Small interfaces ([`ChatModel`], [`Embedder`]) with request/response types;
//! each provider is one module implementing them, and callers never see a
//! provider's wire format. Wrappers add what every call needs whatever the
//! provider: budgets, usage and cost ([`metered`], priced by [`pricing`]) and
//! the response cache ([`cache`]). Depends only on `core`.

pub mod cache;
mod error;
pub mod local_chat;
pub mod local_e5;
pub mod local_embed;
pub mod metered;
pub mod openai;
pub mod pricing;
pub mod provider;
mod types;

pub use cache::{cache_key, metered_and_cached, CachePolicy, CachedChat, ResponseCache};
pub use error::AiError;
pub use local_chat::{LocalChatModel, LocalChatOptions};
pub use local_e5::{E5Input, LocalE5Embedder};
pub use local_embed::LocalEmbedder;
pub use metered::{CallScope, Ledger, Meter, MeteredChat, MeteredEmbedder};
pub use pricing::{ModelPrice, Pricing, PricingError};
pub use types::{
    ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream, EmbedResponse, Embedder, Message,
    MessageRole, Usage,
};

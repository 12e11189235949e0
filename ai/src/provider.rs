//! Choosing and building the configured models.
//!
//! The embedded models are loaded lazily, on the first call, on the blocking
//! pool: a server that never calls a model (or a test that starts many
//! servers) does not pay for loading them, and a missing model file fails the
//! calls that need it with a clear error instead of the whole process.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::OnceCell;

use crate::openai::{OpenAiClient, OpenAiConfig};
use crate::{
    AiError, ChatModel, ChatRequest, ChatResponse, ChatStream, EmbedResponse, Embedder,
    LocalChatModel, LocalChatOptions, LocalE5Embedder, LocalEmbedder,
};

/// The default chat model on an OpenAI-compatible server.
pub const DEFAULT_OPENAI_CHAT_MODEL: &str = "gpt-4o";
/// The default embedding model on an OpenAI-compatible server.
pub const DEFAULT_OPENAI_EMBED_MODEL: &str = "text-embedding-3-small";

/// Where chat answers come from.
#[derive(Clone, Debug)]
pub enum ChatSettings {
    /// The embedded GGUF model at `path`.
    Local {
        path: PathBuf,
        options: LocalChatOptions,
    },
    /// An OpenAI-compatible server.
    OpenAi { config: OpenAiConfig, model: String },
}

/// Where embeddings come from.
#[derive(Clone, Debug)]
pub enum EmbedSettings {
    /// An embedded embedder in `dir`, which one by [`local_embed_model`]:
    /// multilingual-e5-small for `models/multilingual-e5-small`,
    /// all-MiniLM-L6-v2 (the default) for `models/all-MiniLM-L6-v2`.
    Local { dir: PathBuf },
    /// An OpenAI-compatible server's embeddings endpoint.
    OpenAi { config: OpenAiConfig, model: String },
    /// No embedder.
    None,
}

/// The chat model `settings` describe. Local models load on first use.
pub fn chat_model(settings: &ChatSettings) -> Result<Arc<dyn ChatModel>, AiError> {
    Ok(match settings {
        ChatSettings::Local { path, options } => Arc::new(LazyLocalChat::new(path, options)),
        ChatSettings::OpenAi { config, model } => {
            Arc::new(OpenAiClient::new(config.clone())?.chat_model(model.clone()))
        }
    })
}

/// The embedder `settings` describe, if any. Local models load on first use.
pub fn embedder(settings: &EmbedSettings) -> Result<Option<Arc<dyn Embedder>>, AiError> {
    Ok(match settings {
        EmbedSettings::Local { dir } => match local_embed_model(dir) {
            crate::local_e5::MODEL => Some(Arc::new(LazyLocalE5Embedder::new(dir))),
            _ => Some(Arc::new(LazyLocalEmbedder::new(dir))),
        },
        EmbedSettings::OpenAi { config, model } => {
            let dimensions = openai_embedding_dimensions(model);
            Some(Arc::new(
                OpenAiClient::new(config.clone())?.embedder(model.clone(), dimensions),
            ))
        }
        EmbedSettings::None => None,
    })
}

/// The embedded embedder a model directory holds: [`crate::local_e5::MODEL`]
/// (`multilingual-e5-small`) when it holds [`crate::local_e5::WEIGHTS_FILE`]
/// or is named `multilingual-e5-small` (so a directory not fetched yet still
/// fails with the right advice), else [`crate::local_embed::MODEL`]
/// (`all-MiniLM-L6-v2`).
pub fn local_embed_model(dir: &Path) -> &'static str {
    let e5 = dir.join(crate::local_e5::WEIGHTS_FILE).is_file()
        || dir
            .file_name()
            .is_some_and(|name| name == crate::local_e5::MODEL);
    if e5 {
        crate::local_e5::MODEL
    } else {
        crate::local_embed::MODEL
    }
}

/// Vector sizes of OpenAI's embedding models (others: as the server answers, 0 here).
fn openai_embedding_dimensions(model: &str) -> usize {
    match model {
        "text-embedding-3-large" => 3072,
        "text-embedding-3-small" | "text-embedding-ada-002" => 1536,
        _ => 0,
    }
}

/// Loads a model once, off the async runtime; concurrent first callers wait
/// for the same load. A failed load is not cached: the next call tries again
/// (the file may have been fetched in between).
struct Lazy<T> {
    cell: OnceCell<T>,
}

impl<T: Clone + Send + 'static> Lazy<T> {
    fn new() -> Self {
        Self {
            cell: OnceCell::new(),
        }
    }

    async fn get(
        &self,
        load: impl FnOnce() -> Result<T, AiError> + Send + 'static,
    ) -> Result<T, AiError> {
        self.cell
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(load)
                    .await
                    .map_err(|e| AiError::Local(format!("model loading failed: {e}")))?
            })
            .await
            .cloned()
    }
}

/// [`LocalChatModel`], loaded on first use.
pub struct LazyLocalChat {
    path: PathBuf,
    options: LocalChatOptions,
    model_name: String,
    model: Lazy<Arc<LocalChatModel>>,
}

impl LazyLocalChat {
    pub fn new(path: &std::path::Path, options: &LocalChatOptions) -> Self {
        let model_name = path
            .file_stem()
            .map_or_else(|| "local".to_string(), |s| s.to_string_lossy().into_owned());
        Self {
            path: path.to_path_buf(),
            options: options.clone(),
            model_name,
            model: Lazy::new(),
        }
    }

    async fn loaded(&self) -> Result<Arc<LocalChatModel>, AiError> {
        let (path, options) = (self.path.clone(), self.options.clone());
        self.model
            .get(move || {
                if !path.is_file() {
                    return Err(AiError::Local(format!(
                        "the local model {} is missing: run scripts/fetch-models.sh \
                         (make run does), or set MORNINGAI_LOCAL_MODEL_PATH",
                        path.display()
                    )));
                }
                LocalChatModel::load(&path, options).map(Arc::new)
            })
            .await
    }
}

#[async_trait]
impl ChatModel for LazyLocalChat {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        &self.model_name
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        self.loaded().await?.chat(request).await
    }

    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError> {
        self.loaded().await?.chat_stream(request).await
    }
}

/// [`LocalEmbedder`], loaded on first use.
pub struct LazyLocalEmbedder {
    dir: PathBuf,
    model: Lazy<LocalEmbedder>,
}

impl LazyLocalEmbedder {
    pub fn new(dir: &std::path::Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            model: Lazy::new(),
        }
    }
}

#[async_trait]
impl Embedder for LazyLocalEmbedder {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        crate::local_embed::MODEL
    }

    fn dimensions(&self) -> usize {
        crate::local_embed::DIMENSIONS
    }

    /// all-MiniLM-L6-v2 was trained on English.
    fn english_only(&self) -> bool {
        true
    }

    async fn embed(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        let dir = self.dir.clone();
        let model = self
            .model
            .get(move || {
                if !dir.join("model.safetensors").is_file() {
                    return Err(AiError::Local(format!(
                        "the local embedding model in {} is missing: run scripts/fetch-models.sh \
                         (make run does), or set MORNINGAI_LOCAL_EMBED_MODEL_DIR",
                        dir.display()
                    )));
                }
                LocalEmbedder::load(&dir)
            })
            .await?;
        model.embed(texts).await
    }
}

/// [`LocalE5Embedder`], loaded on first use.
pub struct LazyLocalE5Embedder {
    dir: PathBuf,
    model: Lazy<LocalE5Embedder>,
}

impl LazyLocalE5Embedder {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            model: Lazy::new(),
        }
    }

    async fn loaded(&self) -> Result<LocalE5Embedder, AiError> {
        let dir = self.dir.clone();
        self.model
            .get(move || {
                let path = dir.join(crate::local_e5::WEIGHTS_FILE);
                if !path.is_file() {
                    return Err(AiError::Local(format!(
                        "the local embedding model {} is missing: run scripts/fetch-models.sh \
                         (make run does), or set MORNINGAI_LOCAL_EMBED_MODEL_DIR",
                        path.display()
                    )));
                }
                LocalE5Embedder::load(&dir)
            })
            .await
    }
}

#[async_trait]
impl Embedder for LazyLocalE5Embedder {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        crate::local_e5::MODEL
    }

    fn dimensions(&self) -> usize {
        crate::local_e5::DIMENSIONS
    }

    async fn embed(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        self.loaded().await?.embed(texts).await
    }

    async fn embed_queries(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        self.loaded().await?.embed_queries(texts).await
    }
}

/// `timeout` for an OpenAI-compatible config built from settings.
pub fn openai_config(base_url: &str, api_key: Option<String>, timeout: Duration) -> OpenAiConfig {
    let mut config = OpenAiConfig::new(base_url, api_key);
    config.timeout = timeout;
    config
}

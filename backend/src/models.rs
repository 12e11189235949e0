//! The configured models ([`ModelConfig`] → `morningai_ai` settings).

use std::sync::Arc;
use std::time::Duration;

use morningai_ai::provider::{
    self, ChatSettings, EmbedSettings, DEFAULT_OPENAI_CHAT_MODEL, DEFAULT_OPENAI_EMBED_MODEL,
};
use morningai_ai::{ChatModel, Embedder, LocalChatOptions};

use anyhow::Context;
use morningai_agents::env::{Grant, OperatorToken, PublishConfig};
use morningai_agents::GraphEnv;
use morningai_knowledge::forge::ForgeClient;
use morningai_knowledge::{GitCredentials, IndexConfig};
use morningai_orchestration::{ModelServices, Runtime, StoreLedger};
use morningai_queue::Queue;
use morningai_store::Store;

use crate::config::{ChatProvider, EmbedProvider, ModelConfig};
use crate::Config;

/// The configured models, metered against the store with the configured
/// prices and default budget.
pub fn services(store: Arc<dyn Store>, config: &Config) -> anyhow::Result<ModelServices> {
    let models = config.models.build()?;
    let pricing = config
        .usage
        .pricing()
        .context("reading MORNINGAI_PRICING_FILE")?;
    Ok(ModelServices {
        chat: models.chat,
        embedder: models.embedder,
        pricing: Arc::new(pricing),
        ledger: Arc::new(StoreLedger::new(store, config.default_budget())),
    })
}

/// The runtime with every graph, running models from `services`.
pub fn runtime(
    store: Arc<dyn Store>,
    queue: Queue,
    config: &Config,
    services: ModelServices,
) -> anyhow::Result<Runtime> {
    let env = graph_env(store.clone(), config)?;
    Ok(Runtime::new(store, queue, morningai_agents::registry(env))
        .with_models(services)
        .with_tasks_per_hour(config.usage.tasks_per_hour))
}

/// What the graphs that read the store or the disk are built with.
pub fn graph_env(store: Arc<dyn Store>, config: &Config) -> anyhow::Result<GraphEnv> {
    let knowledge = &config.knowledge;
    let grants = knowledge
        .git_token_grants
        .iter()
        .filter(|g| !g.trim().is_empty())
        .map(|g| g.parse::<Grant>().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()
        .context("MORNINGAI_GIT_TOKEN_GRANTS")?;
    let operator_git = knowledge
        .git_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|token| OperatorToken {
            credentials: GitCredentials::token(token),
            grants: grants.clone(),
        });
    if operator_git.is_some() && grants.is_empty() {
        tracing::warn!(
            "MORNINGAI_GIT_TOKEN is set but granted to no one (MORNINGAI_GIT_TOKEN_GRANTS): it is never used"
        );
    }
    Ok(GraphEnv {
        store,
        repos_dir: config.repos_dir(),
        sources: config.source_policy(),
        operator_git,
        secret_box: Some(Arc::new(crate::secrets::secret_box(config)?)),
        index_config: IndexConfig::default(),
        publish: publish_config(knowledge)?,
    })
}

/// How documents are published, checked at start-up.
fn publish_config(knowledge: &crate::config::KnowledgeConfig) -> anyhow::Result<PublishConfig> {
    let path = knowledge.publish_path.trim();
    anyhow::ensure!(
        path.contains("{slug}")
            && !path.starts_with('/')
            && path.split('/').all(|part| !part.is_empty() && part != ".." && part != ".git"),
        "MORNINGAI_PUBLISH_PATH must be a relative path containing {{slug}} (like docs/faq/{{slug}}.md), not {path:?}"
    );
    let forge = knowledge
        .forge_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|token| ForgeClient::new(&knowledge.forge_api_url, token))
        .transpose()
        .context("MORNINGAI_FORGE_API_URL / MORNINGAI_FORGE_TOKEN")?;
    Ok(PublishConfig {
        path_template: path.to_owned(),
        max_per_hour: knowledge.publish_per_hour,
        forge_api_url: knowledge.forge_api_url.trim().to_owned(),
        forge,
        ..PublishConfig::default()
    })
}

/// The models this process's agents use.
#[derive(Clone)]
pub struct Models {
    pub chat: Arc<dyn ChatModel>,
    pub embedder: Option<Arc<dyn Embedder>>,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models")
            .field(
                "chat",
                &format_args!("{}/{}", self.chat.provider(), self.chat.model()),
            )
            .field(
                "embedder",
                &self
                    .embedder
                    .as_ref()
                    .map(|e| format!("{}/{}", e.provider(), e.model())),
            )
            .finish()
    }
}

impl ModelConfig {
    fn openai(&self) -> morningai_ai::openai::OpenAiConfig {
        provider::openai_config(
            &self.openai_base_url,
            self.openai_api_key.clone(),
            Duration::from_secs(self.llm_timeout_secs),
        )
    }

    pub fn chat_settings(&self) -> ChatSettings {
        match self.llm_provider {
            ChatProvider::Local => ChatSettings::Local {
                path: self.local_model_path.clone(),
                options: LocalChatOptions {
                    concurrency: self.llm_concurrency as usize,
                    ..LocalChatOptions::default()
                },
            },
            ChatProvider::Openai => ChatSettings::OpenAi {
                config: self.openai(),
                model: self
                    .chat_model
                    .clone()
                    .unwrap_or_else(|| DEFAULT_OPENAI_CHAT_MODEL.to_string()),
            },
        }
    }

    pub fn embed_settings(&self) -> EmbedSettings {
        match self.embed_provider {
            EmbedProvider::Local => EmbedSettings::Local {
                dir: self.local_embed_model_dir.clone(),
            },
            EmbedProvider::Openai => EmbedSettings::OpenAi {
                config: self.openai(),
                model: self
                    .embed_model
                    .clone()
                    .unwrap_or_else(|| DEFAULT_OPENAI_EMBED_MODEL.to_string()),
            },
            EmbedProvider::None => EmbedSettings::None,
        }
    }

    /// Builds the models (the embedded ones load on first use). Warns at once
    /// when an embedded model's file is missing, so the operator hears of it
    /// before the first task fails on it.
    pub fn build(&self) -> anyhow::Result<Models> {
        if self.llm_provider == ChatProvider::Local && !self.local_model_path.is_file() {
            tracing::warn!(
                path = %self.local_model_path.display(),
                "the local chat model is missing: run scripts/fetch-models.sh (make run does); \
                 tasks that need a model will fail until it is there"
            );
        }
        if self.llm_provider == ChatProvider::Openai && self.openai_api_key.is_none() {
            tracing::warn!(
                base_url = %self.openai_base_url,
                "MORNINGAI_OPENAI_API_KEY is not set; only servers that need no key will answer"
            );
        }
        let chat = provider::chat_model(&self.chat_settings())?;
        let embedder = provider::embedder(&self.embed_settings())?;
        Ok(Models { chat, embedder })
    }
}

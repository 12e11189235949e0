//! Configuration from the environment (12-factor), validated at start.
//! `morningai serve --help` lists every variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Args)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(long, env = "MORNINGAI_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// `sqlite://PATH` (embedded default) or `postgres://…` (production).
    /// Unset: `sqlite://<MORNINGAI_DATA_DIR>/morningai.db`.
    #[arg(long, env = "MORNINGAI_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// `development` (pretty logs, generated secret) or `production` (JSON
    /// logs, strict secrets, secure cookies).
    #[arg(long, env = "MORNINGAI_ENV", value_enum, default_value = "development")]
    pub env: Environment,

    /// Signs session tokens; at least 32 bytes. In development it is
    /// generated once and kept in the data folder when unset.
    #[arg(long, env = "MORNINGAI_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Encrypts the credentials tenants store (git tokens, SSH keys): 32
    /// random bytes as base64 or 64 hex digits (`openssl rand -base64 32`).
    /// Required in production; in development generated once and kept in the
    /// data folder when unset. Losing it makes the stored credentials unreadable.
    #[arg(long, env = "MORNINGAI_ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<String>,

    /// Earlier encryption keys, comma-separated: what they sealed still
    /// opens, new secrets are sealed with `MORNINGAI_ENCRYPTION_KEY` (rotation).
    #[arg(
        long,
        env = "MORNINGAI_ENCRYPTION_KEY_PREVIOUS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub encryption_key_previous: Vec<String>,

    /// Whether anyone may sign up (creating a new tenant).
    #[arg(long, env = "MORNINGAI_ALLOW_SIGNUP", default_value_t = true, action = clap::ArgAction::Set)]
    pub allow_signup: bool,

    /// Folder for local state (the SQLite file by default, the development secret).
    #[arg(long, env = "MORNINGAI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// How long a log-in session lasts, in hours.
    #[arg(long, env = "MORNINGAI_SESSION_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub session_hours: u32,

    /// Log-in attempts allowed per client IP per minute.
    #[arg(long, env = "MORNINGAI_LOGIN_PER_IP_PER_MINUTE", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_per_ip_per_minute: u32,

    /// Log-in attempts allowed per account per minute.
    #[arg(long, env = "MORNINGAI_LOGIN_PER_ACCOUNT_PER_MINUTE", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub login_per_account_per_minute: u32,

    /// Public help-centre requests allowed per client IP per minute.
    #[arg(long, env = "MORNINGAI_PUBLIC_PER_IP_PER_MINUTE", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub public_per_ip_per_minute: u32,

    /// Public help-centre requests allowed per help centre per minute (all
    /// clients together).
    #[arg(long, env = "MORNINGAI_PUBLIC_PER_CENTRE_PER_MINUTE", default_value_t = 1200, value_parser = clap::value_parser!(u32).range(1..))]
    pub public_per_centre_per_minute: u32,

    /// Take the client IP from X-Forwarded-For (only behind a proxy you run,
    /// such as Render's).
    #[arg(long, env = "MORNINGAI_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MORNINGAI_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// The built dashboard (`npm run build` in `frontend/`), served at `/`.
    #[arg(long, env = "MORNINGAI_FRONTEND_DIR", default_value = "frontend/dist")]
    pub frontend_dir: PathBuf,

    #[command(flatten)]
    pub queue: QueueConfig,

    #[command(flatten)]
    pub models: ModelConfig,

    #[command(flatten)]
    pub usage: UsageConfig,

    #[command(flatten)]
    pub knowledge: KnowledgeConfig,
}

/// Secrets print as `***`, and a database URL without its password.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field(
                "database_url",
                &self.database_url.as_deref().map(without_password),
            )
            .field("env", &self.env)
            .field("jwt_secret", &redacted(&self.jwt_secret))
            .field("encryption_key", &redacted(&self.encryption_key))
            .field(
                "encryption_key_previous",
                &vec!["***"; self.encryption_key_previous.len()],
            )
            .field("allow_signup", &self.allow_signup)
            .field("data_dir", &self.data_dir)
            .field("session_hours", &self.session_hours)
            .field("login_per_ip_per_minute", &self.login_per_ip_per_minute)
            .field(
                "login_per_account_per_minute",
                &self.login_per_account_per_minute,
            )
            .field("public_per_ip_per_minute", &self.public_per_ip_per_minute)
            .field(
                "public_per_centre_per_minute",
                &self.public_per_centre_per_minute,
            )
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("frontend_dir", &self.frontend_dir)
            .field("queue", &self.queue)
            .field("models", &self.models)
            .field("usage", &self.usage)
            .field("knowledge", &self.knowledge)
            .finish()
    }
}

/// `***` for a secret that is set.
fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "***")
}

/// `url` with the password of its `user:password@` part as `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{}", &rest[authority_end..])
        }
        None => url.to_owned(),
    }
}

/// Repositories: where their checkouts and indexes live and how they are fetched.
#[derive(Clone, Args)]
pub struct KnowledgeConfig {
    /// The operator's token for HTTP(S) git remotes, used only where
    /// `MORNINGAI_GIT_TOKEN_GRANTS` allows it; never logged or stored.
    #[arg(long, env = "MORNINGAI_GIT_TOKEN", hide_env_values = true)]
    pub git_token: Option<String>,

    /// Who may use the operator's git and forge tokens, comma-separated
    /// `TENANT_ID=host/owner` (`*` for every tenant or every owner). Unset:
    /// no one — tenants add their own credentials.
    #[arg(long, env = "MORNINGAI_GIT_TOKEN_GRANTS", value_delimiter = ',')]
    pub git_token_grants: Vec<String>,

    /// Where repository checkouts and indexes are kept. Unset: `<MORNINGAI_DATA_DIR>/repos`.
    #[arg(long, env = "MORNINGAI_REPOS_DIR")]
    pub repos_dir: Option<PathBuf>,

    /// Directories a repository may be read from on this server (a directory
    /// or `file://` source must be inside one), comma-separated. Unset:
    /// repositories come from git URLs only. Admins only.
    #[arg(long, env = "MORNINGAI_LOCAL_REPOSITORY_ROOTS", value_delimiter = ',')]
    pub local_repository_roots: Vec<PathBuf>,

    /// Whether plain `http://` git remotes are allowed (unencrypted).
    #[arg(long, env = "MORNINGAI_GIT_ALLOW_HTTP", default_value_t = false, action = clap::ArgAction::Set)]
    pub git_allow_http: bool,

    /// Git hosts that may be on a private, loopback or link-local network
    /// (a self-hosted forge): names, addresses or CIDR ranges, comma-separated.
    /// Any other host must resolve to public addresses only.
    #[arg(long, env = "MORNINGAI_GIT_PRIVATE_HOSTS", value_delimiter = ',')]
    pub git_private_hosts: Vec<String>,

    /// The forge's REST API for pull requests: GitHub's, a GitHub
    /// Enterprise `https://host/api/v3`, or a Gitea-compatible one.
    #[arg(
        long,
        env = "MORNINGAI_FORGE_API_URL",
        default_value = "https://api.github.com"
    )]
    pub forge_api_url: String,

    /// Token that opens pull requests when documents are published; unset:
    /// branches are pushed, no pull request is opened. Never logged or stored.
    #[arg(long, env = "MORNINGAI_FORGE_TOKEN", hide_env_values = true)]
    pub forge_token: Option<String>,

    /// Where a published document goes in the repository; `{slug}` is the
    /// question's slug.
    #[arg(
        long,
        env = "MORNINGAI_PUBLISH_PATH",
        default_value = "docs/faq/{slug}.md"
    )]
    pub publish_path: String,

    /// Documents a tenant may publish (branches, pull requests) per hour.
    #[arg(long, env = "MORNINGAI_PUBLISH_PER_HOUR", default_value_t = 10)]
    pub publish_per_hour: u32,

    /// The most disk one repository's clone may take, in MiB: git is
    /// stopped beyond it and the index run fails as too large.
    #[arg(long, env = "MORNINGAI_MAX_CLONE_MB", default_value_t = 2048)]
    pub max_clone_mb: u64,
}

impl std::fmt::Debug for KnowledgeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeConfig")
            .field("git_token", &self.git_token.as_ref().map(|_| "***"))
            .field("git_token_grants", &self.git_token_grants)
            .field("repos_dir", &self.repos_dir)
            .field("local_repository_roots", &self.local_repository_roots)
            .field("git_allow_http", &self.git_allow_http)
            .field("git_private_hosts", &self.git_private_hosts)
            .field("forge_api_url", &self.forge_api_url)
            .field("forge_token", &self.forge_token.as_ref().map(|_| "***"))
            .field("publish_path", &self.publish_path)
            .field("publish_per_hour", &self.publish_per_hour)
            .field("max_clone_mb", &self.max_clone_mb)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChatProvider {
    /// The embedded model (`MORNINGAI_LOCAL_MODEL_PATH`): offline, no key.
    Local,
    /// An OpenAI-compatible server (`MORNINGAI_OPENAI_BASE_URL`).
    Openai,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EmbedProvider {
    /// The embedded all-MiniLM-L6-v2 (`MORNINGAI_LOCAL_EMBED_MODEL_DIR`).
    Local,
    /// An OpenAI-compatible server's embeddings endpoint.
    Openai,
    /// No embeddings (retrieval is keyword-only).
    None,
}

/// Which language and embedding models the agents use.
#[derive(Clone, Args)]
pub struct ModelConfig {
    /// Chat model provider: `local` (embedded, the default) or `openai`.
    #[arg(
        long,
        env = "MORNINGAI_LLM_PROVIDER",
        value_enum,
        default_value = "local"
    )]
    pub llm_provider: ChatProvider,

    /// Base URL of the OpenAI-compatible API (OpenAI, vLLM, Ollama, llama.cpp server).
    #[arg(
        long,
        env = "MORNINGAI_OPENAI_BASE_URL",
        default_value = "https://api.openai.com/v1"
    )]
    pub openai_base_url: String,

    /// API key for the OpenAI-compatible API; never logged.
    #[arg(long, env = "MORNINGAI_OPENAI_API_KEY", hide_env_values = true)]
    pub openai_api_key: Option<String>,

    /// Chat model name. Default: `gpt-4o` for `openai`; the file's name for `local`.
    #[arg(long, env = "MORNINGAI_CHAT_MODEL")]
    pub chat_model: Option<String>,

    /// Embedding provider: `local` (default), `openai` or `none`.
    #[arg(
        long,
        env = "MORNINGAI_EMBED_PROVIDER",
        value_enum,
        default_value = "local"
    )]
    pub embed_provider: EmbedProvider,

    /// Embedding model name for `openai` (default `text-embedding-3-small`).
    #[arg(long, env = "MORNINGAI_EMBED_MODEL")]
    pub embed_model: Option<String>,

    /// The embedded chat model: any llama-architecture GGUF file.
    #[arg(
        long,
        env = "MORNINGAI_LOCAL_MODEL_PATH",
        default_value = "models/SmolLM2-135M-Instruct.Q4_1.gguf"
    )]
    pub local_model_path: PathBuf,

    /// The embedded embedder's folder (`model.safetensors`, `tokenizer.json`, `config.json`).
    #[arg(
        long,
        env = "MORNINGAI_LOCAL_EMBED_MODEL_DIR",
        default_value = "models/all-MiniLM-L6-v2"
    )]
    pub local_embed_model_dir: PathBuf,

    /// Model calls this process runs at once (for `local`: generations in parallel).
    #[arg(long, env = "MORNINGAI_LLM_CONCURRENCY", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub llm_concurrency: u32,

    /// Seconds an OpenAI-compatible request may take (streams: between chunks).
    #[arg(long, env = "MORNINGAI_LLM_TIMEOUT_SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub llm_timeout_secs: u64,
}

impl std::fmt::Debug for ModelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelConfig")
            .field("llm_provider", &self.llm_provider)
            .field("openai_base_url", &self.openai_base_url)
            .field("openai_api_key", &redacted(&self.openai_api_key))
            .field("chat_model", &self.chat_model)
            .field("embed_provider", &self.embed_provider)
            .field("embed_model", &self.embed_model)
            .field("local_model_path", &self.local_model_path)
            .field("local_embed_model_dir", &self.local_embed_model_dir)
            .field("llm_concurrency", &self.llm_concurrency)
            .field("llm_timeout_secs", &self.llm_timeout_secs)
            .finish()
    }
}

/// Model prices and the default budgets of every tenant (owners and admins
/// override them per tenant through `PUT /api/usage/budgets`). Unset caps: no cap.
#[derive(Clone, Debug, Args)]
pub struct UsageConfig {
    /// JSON file of model prices in USD per million tokens, extending the
    /// built-in table: `{"models":{"NAME":{"input_per_mtok":2.5,"output_per_mtok":10}}}`.
    #[arg(long, env = "MORNINGAI_PRICING_FILE")]
    pub pricing_file: Option<PathBuf>,

    /// Default cap on model spend per tenant per day (UTC), in USD.
    #[arg(long, env = "MORNINGAI_BUDGET_DAILY_USD", value_parser = non_negative_usd)]
    pub budget_daily_usd: Option<f64>,

    /// Default cap on model spend per tenant per hour, in USD.
    #[arg(long, env = "MORNINGAI_BUDGET_HOURLY_USD", value_parser = non_negative_usd)]
    pub budget_hourly_usd: Option<f64>,

    /// Default cap on model spend per task, in USD.
    #[arg(long, env = "MORNINGAI_BUDGET_TASK_USD", value_parser = non_negative_usd)]
    pub budget_task_usd: Option<f64>,

    /// Default cap on model tokens (prompt + completion) per tenant per day.
    #[arg(long, env = "MORNINGAI_BUDGET_DAILY_TOKENS")]
    pub budget_daily_tokens: Option<u64>,

    /// Default cap on model tokens per tenant per hour.
    #[arg(long, env = "MORNINGAI_BUDGET_HOURLY_TOKENS")]
    pub budget_hourly_tokens: Option<u64>,

    /// Default cap on model tokens per task.
    #[arg(long, env = "MORNINGAI_BUDGET_TASK_TOKENS")]
    pub budget_task_tokens: Option<u64>,

    /// Days a cached model answer is kept (replays of older runs ask the
    /// model again); 0 keeps them forever.
    #[arg(long, env = "MORNINGAI_MODEL_CACHE_DAYS", default_value_t = 30)]
    pub model_cache_days: u32,

    /// Tasks a tenant may start per hour (every kind, including the index
    /// runs its repositories start); 0 = no limit.
    #[arg(long, env = "MORNINGAI_TASKS_PER_HOUR", default_value_t = 600)]
    pub tasks_per_hour: u32,

    /// Repositories a tenant may have; 0 = no limit.
    #[arg(long, env = "MORNINGAI_MAX_REPOSITORIES", default_value_t = 50)]
    pub max_repositories: u32,
}

fn non_negative_usd(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(usd) if usd.is_finite() && usd >= 0.0 => Ok(usd),
        _ => Err(format!(
            "`{value}` is not an amount in USD (a number, 0 or more)"
        )),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum QueueKind {
    /// Jobs in the database (`MORNINGAI_DATABASE_URL`); the embedded default.
    Database,
    /// Jobs in Redis (`MORNINGAI_REDIS_URL`), through the database outbox.
    Redis,
}

/// The job queue and the workers of this process.
#[derive(Clone, Args)]
pub struct QueueConfig {
    /// Where jobs live: `database` or `redis`.
    #[arg(
        long = "queue",
        env = "MORNINGAI_QUEUE",
        value_enum,
        default_value = "database"
    )]
    pub kind: QueueKind,

    /// Redis for `MORNINGAI_QUEUE=redis`.
    #[arg(
        long,
        env = "MORNINGAI_REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        hide_env_values = true
    )]
    pub redis_url: String,

    /// Key prefix in Redis (several deployments can share one Redis).
    #[arg(long, env = "MORNINGAI_REDIS_PREFIX", default_value = "morningai")]
    pub redis_prefix: String,

    /// Jobs this process runs at once (`serve`: in-process workers; 0 = none).
    #[arg(long, env = "MORNINGAI_WORKERS", default_value_t = 2)]
    pub workers: usize,

    /// Queues this process takes jobs from, in priority order.
    #[arg(
        long,
        env = "MORNINGAI_QUEUES",
        value_delimiter = ',',
        default_value = "default"
    )]
    pub queues: Vec<String>,

    /// Seconds a worker holds a job without a heartbeat; a dead worker's jobs
    /// are reclaimed this long after its last heartbeat.
    #[arg(long, env = "MORNINGAI_JOB_LEASE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lease_secs: u64,

    /// Seconds a stopping worker waits for running jobs before giving them back.
    #[arg(long, env = "MORNINGAI_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub grace_secs: u64,

    /// Fair share: jobs one tenant may have running at once, across every
    /// worker of the queue (0 = no limit). Default: half of
    /// `MORNINGAI_WORKERS`, at least 1, so one tenant's backlog always leaves
    /// workers to the others.
    #[arg(long, env = "MORNINGAI_QUEUE_TENANT_CONCURRENCY")]
    pub tenant_concurrency: Option<u32>,
}

impl std::fmt::Debug for QueueConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueConfig")
            .field("kind", &self.kind)
            .field("redis_url", &without_password(&self.redis_url))
            .field("redis_prefix", &self.redis_prefix)
            .field("workers", &self.workers)
            .field("queues", &self.queues)
            .field("lease_secs", &self.lease_secs)
            .field("grace_secs", &self.grace_secs)
            .field("tenant_concurrency", &self.tenant_concurrency)
            .finish()
    }
}

impl QueueConfig {
    /// The per-tenant limit on running jobs claims enforce; `None` = no limit.
    pub fn tenant_limit(&self) -> Option<u32> {
        match self.tenant_concurrency {
            Some(0) => None,
            Some(n) => Some(n),
            None => Some(u32::try_from(self.workers / 2).unwrap_or(u32::MAX).max(1)),
        }
    }
}

/// The embedded default database: a SQLite file in the data folder.
pub fn default_database_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}", data_dir.join("morningai.db").display())
}

impl Config {
    /// The database to use: the configured URL, or the embedded default.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| default_database_url(&self.data_dir))
    }

    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    /// Where repository checkouts and indexes are kept.
    pub fn repos_dir(&self) -> PathBuf {
        self.knowledge
            .repos_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("repos"))
    }

    /// The caps of a tenant that set none: the configured ones, or safe
    /// defaults when a remote model is configured and no USD cap is.
    pub fn default_budget(&self) -> morningai_core::Budget {
        let remote = self.models.llm_provider == ChatProvider::Openai
            || self.models.embed_provider == EmbedProvider::Openai;
        self.usage.default_budget(remote)
    }

    /// Which repository sources tenants may use.
    pub fn source_policy(&self) -> morningai_knowledge::SourcePolicy {
        let knowledge = &self.knowledge;
        morningai_knowledge::SourcePolicy {
            local_roots: knowledge.local_repository_roots.clone(),
            allow_http: knowledge.git_allow_http,
            private_hosts: knowledge
                .git_private_hosts
                .iter()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .collect(),
            max_clone_bytes: Some(knowledge.max_clone_mb.saturating_mul(1024 * 1024)),
        }
    }

    /// The configuration with every default, as tests start from.
    pub fn for_tests(database_url: &str, data_dir: PathBuf) -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        let mut config = Wrapper::parse_from(["morningai"]).config;
        config.database_url = Some(database_url.to_owned());
        config.data_dir = data_dir;
        config.jwt_secret = Some("test-secret-that-is-long-enough-0123456789".into());
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_secret() {
        let mut config = Config::for_tests(
            "postgres://app:db-password@db.internal:5432/morningai?sslmode=require",
            "/tmp".into(),
        );
        config.jwt_secret = Some("jwt-secret-value".into());
        config.encryption_key = Some("encryption-key-value".into());
        config.encryption_key_previous = vec!["previous-key-value".into()];
        config.models.openai_api_key = Some("openai-key-value".into());
        config.queue.redis_url = "redis://:redis-password@cache:6379/0".into();
        let shown = format!("{config:?}");
        for secret in [
            "db-password",
            "jwt-secret-value",
            "encryption-key-value",
            "previous-key-value",
            "openai-key-value",
            "redis-password",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("postgres://app:***@db.internal:5432/morningai?sslmode=require"),
            "{shown}"
        );
        assert!(shown.contains("redis://:***@cache:6379/0"), "{shown}");
    }

    #[test]
    fn urls_lose_only_their_password() {
        assert_eq!(
            without_password("sqlite://./data/x.db"),
            "sqlite://./data/x.db"
        );
        assert_eq!(without_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            without_password("postgres://u:p@ss@h/db?x=a@b"),
            "postgres://u:***@h/db?x=a@b"
        );
        assert_eq!(without_password("not a url"), "not a url");
    }

    #[test]
    fn previous_keys_are_comma_separated() {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        let config =
            Wrapper::parse_from(["morningai", "--encryption-key-previous", "one,two"]).config;
        assert_eq!(config.encryption_key_previous, ["one", "two"]);
    }
}

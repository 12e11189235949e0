//! The `morningai` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::ModelConfig;
use crate::Config;

#[derive(clap::Args)]
pub struct ChatArgs {
    /// What to ask.
    pub prompt: String,
    /// A system prompt (default: the model's own).
    #[arg(long)]
    pub system: Option<String>,
    /// Most tokens to generate.
    #[arg(long, default_value_t = 256)]
    pub max_tokens: u32,
    /// Sampling temperature; 0 is greedy (deterministic).
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    /// Seed for sampling at a temperature above 0.
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub models: ModelConfig,
}

/// Which repository `index` and `ask` read, and where its index is kept.
#[derive(clap::Args)]
pub struct IndexArgs {
    /// The repository: a git work tree on this machine (its `HEAD` commit is
    /// indexed) or a plain directory.
    #[arg(long, value_name = "PATH")]
    pub repo: PathBuf,
    /// Where the index is kept (never inside the repository). Unset:
    /// `<MORNINGAI_DATA_DIR>/indexes/<hash of the repository's path>`.
    #[arg(long, value_name = "DIR")]
    pub index_dir: Option<PathBuf>,
    /// Folder for local state; default indexes are kept under it.
    #[arg(long, env = "MORNINGAI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

#[derive(clap::Args)]
pub struct AskArgs {
    /// What the document answers, e.g. "What is the system architecture?".
    pub question: String,
    /// Write the Markdown to FILE (and its evidence manifest to
    /// `FILE.evidence.json`) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub models: ModelConfig,
}

#[derive(Parser)]
#[command(
    name = "morningai",
    version,
    about = "MorningAI: AI agents for your repositories and knowledge"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve(Box<Config>),
    /// Run background jobs (any number of these, on any machine) until SIGTERM.
    Worker(Box<Config>),
    /// Apply pending database migrations and exit.
    Migrate {
        /// Unset: `sqlite://<MORNINGAI_DATA_DIR>/morningai.db`.
        #[arg(long, env = "MORNINGAI_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        #[arg(long, env = "MORNINGAI_DATA_DIR", default_value = "./data")]
        data_dir: std::path::PathBuf,
    },
    /// Ask the configured chat model something and stream the answer
    /// (checks a set-up: the embedded model, or an OpenAI-compatible server).
    Chat(Box<ChatArgs>),
    /// Index a repository on this machine (incrementally) and print what changed.
    Index(IndexArgs),
    /// Index a repository, then write a Markdown document answering a
    /// question about it, every claim cited and checked, in this process.
    Ask(Box<AskArgs>),
    /// Print the API's OpenAPI document (as served at `/api/openapi.json`).
    Openapi,
    /// The FAQ knowledge base: `rank` evaluates search on labelled files.
    #[command(subcommand)]
    Faq(crate::faq_cli::FaqCommand),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => {
            crate::telemetry::init(config.is_production());
            crate::server::serve(*config).await
        }
        Command::Worker(config) => {
            crate::telemetry::init(config.is_production());
            crate::server::work(*config).await
        }
        Command::Migrate {
            database_url,
            data_dir,
        } => {
            crate::telemetry::init(false);
            let url =
                database_url.unwrap_or_else(|| crate::config::default_database_url(&data_dir));
            let applied = morningai_store::migrate(&url).await?;
            if applied.is_empty() {
                println!("migrations: already up to date");
            } else {
                println!("migrations: applied {applied:?}");
            }
            Ok(())
        }
        Command::Chat(args) => {
            crate::telemetry::init_cli();
            crate::chat::run(*args).await
        }
        Command::Index(args) => {
            crate::telemetry::init_cli();
            crate::ask::index(args).await
        }
        Command::Ask(args) => {
            crate::telemetry::init_cli();
            crate::ask::ask(*args).await
        }
        Command::Faq(command) => {
            crate::telemetry::init_cli();
            crate::faq_cli::run(command).await
        }
        Command::Openapi => {
            let doc = serde_json::to_string_pretty(&crate::http::openapi_document())?;
            println!("{doc}");
            Ok(())
        }
    }
}

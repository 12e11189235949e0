//! The `morningai` command line.

use clap::{Parser, Subcommand};

use crate::Config;

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
    }
}

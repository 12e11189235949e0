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
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(
            long,
            env = "MORNINGAI_DATABASE_URL",
            default_value = "sqlite://./data/morningai.db",
            hide_env_values = true
        )]
        database_url: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => {
            crate::telemetry::init(config.is_production());
            crate::server::serve(*config).await
        }
        Command::Migrate { database_url } => {
            crate::telemetry::init(false);
            let applied = morningai_store::migrate(&database_url).await?;
            if applied.is_empty() {
                println!("migrations: already up to date");
            } else {
                println!("migrations: applied {applied:?}");
            }
            Ok(())
        }
    }
}

use clap::Parser;
use morningai_backend::cli::{run, Cli};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the cause chain on one line, without secrets in URLs
            // (sqlx redacts passwords in its connection errors).
            eprintln!("morningai: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

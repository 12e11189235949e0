//! Logging: pretty in development, JSON lines in production. `RUST_LOG`
//! overrides the default level.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init(production: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    // A second init (tests) keeps the first subscriber.
    let _ = if production {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// For commands whose stdout is their output (`morningai chat`): warnings
/// and errors only, on stderr.
pub fn init_cli() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

//! Running the server: open the store (migrating it), build the state, serve
//! until SIGTERM or Ctrl-C, then drain in-flight requests.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use morningai_store::OpenOptions;
use tokio::net::TcpListener;

use crate::{secrets, AppState, Config};

/// Everything `serve` needs before it listens; errors here stop the start.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    let secret = secrets::resolve(
        config.jwt_secret.as_deref(),
        config.is_production(),
        &config.data_dir,
    )?;
    // Like the session secret, before anything else: a production server
    // without its encryption key must not start.
    let secret_box = std::sync::Arc::new(secrets::secret_box(&config)?);
    let store = morningai_store::open(&config.database_url(), &OpenOptions::default())
        .await
        .context("opening the database")?;
    tracing::info!(
        database = store.backend().as_str(),
        "database ready, migrations applied"
    );
    let queue = crate::jobs::queue(&config.queue, store.clone())?;
    tracing::info!(queue = queue.backend().name(), "job queue ready");
    AppState::with_secrets(store, queue, config, &secret, secret_box)
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let state = prepare(config).await?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    let handlers = crate::jobs::handlers(&state.runtime);
    let background = crate::jobs::Background::start(&state.queue, &state.config.queue, handlers);
    tracing::info!(addr = %listener.local_addr()?, workers = state.config.queue.workers, "MorningAI listening");
    let served = run(listener, state, shutdown_signal()).await;
    // In-flight requests are done; now let running jobs finish (within the grace period).
    background.shutdown().await;
    served
}

/// `morningai worker`: runs jobs until SIGTERM/Ctrl-C, then drains.
pub async fn work(config: Config) -> anyhow::Result<()> {
    let store = morningai_store::open(&config.database_url(), &OpenOptions::default())
        .await
        .context("opening the database")?;
    let queue = crate::jobs::queue(&config.queue, store.clone())?;
    let services = crate::models::services(store.clone(), &config)?;
    let runtime = crate::models::runtime(store, queue.clone(), &config, services)?;
    let queue_config = crate::config::QueueConfig {
        workers: config.queue.workers.max(1),
        ..config.queue.clone()
    };
    tracing::info!(
        queue = queue.backend().name(),
        workers = queue_config.workers,
        queues = ?queue_config.queues,
        "worker process starting"
    );
    let background =
        crate::jobs::Background::start(&queue, &queue_config, crate::jobs::handlers(&runtime));
    shutdown_signal().await;
    background.shutdown().await;
    Ok(())
}

/// Serves `state` on `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limiter = state.login_limiter.clone();
    let public_limiter = state.public_limiter.clone();
    let store = state.store.clone();
    let cache_days = state.config.usage.model_cache_days;
    let pruner = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        for minute in 0u64.. {
            tick.tick().await;
            limiter.prune();
            public_limiter.prune();
            if cache_days > 0 && minute % 60 == 0 {
                purge_model_cache(&*store, cache_days).await;
            }
        }
    });
    let app = crate::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    pruner.abort();
    result.context("serving HTTP")
}

/// Deletes cached model answers older than `days` (every tenant's).
async fn purge_model_cache(store: &dyn morningai_store::Store, days: u32) {
    let before = morningai_core::now_ms() - i64::from(days) * 86_400_000;
    match store.purge_model_cache(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, days, "expired cached model answers removed"),
        Err(e) => tracing::warn!(error = %e, "could not purge the model cache"),
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

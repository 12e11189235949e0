//! Liveness and readiness probes.

use axum::extract::State;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ApiError, ApiResult, AppState};
use crate::http::extract::Json;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when alive, `ready` when ready.
    status: &'static str,
    /// The database backend: `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        database: None,
    })
}

/// The longest `/readyz` waits for the database.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The database answers and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = super::ErrorBody)))]
async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    // A probe with a short timeout of its own must get an answer: a
    // database that does not answer within this is not ready.
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            return Err(ApiError::Unavailable);
        }
        Err(_) => {
            tracing::warn!("readiness: no answer from the database within {READY_TIMEOUT:?}");
            return Err(ApiError::Unavailable);
        }
    }
    match state.store.migrations_current().await {
        Ok(true) => Ok(Json(Health {
            status: "ready",
            database: Some(state.store.backend().as_str()),
        })),
        Ok(false) => {
            tracing::warn!("readiness: migrations are not current");
            Err(ApiError::Unavailable)
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cannot read migrations");
            Err(ApiError::Unavailable)
        }
    }
}

//! The tenant's audit log, for owners and admins.

use axum::extract::State;
use morningai_core::{AuditEntry, Role};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// How many entries, newest first (1–500, default 100).
    limit: Option<i64>,
}

/// Who did what, when, in this tenant (newest first).
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = Vec<AuditEntry>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    auth: Auth,
    // Checked after the role: a caller without it learns nothing of the query.
    query: Result<Query<AuditQuery>, ApiError>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let ctx = auth.require(Role::Admin)?;
    let Query(q) = query?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 500"));
    }
    Ok(Json(state.store.audit_log(ctx, limit).await?))
}

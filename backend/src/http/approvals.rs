//! Approvals: questions and proposed actions that tasks wait on.

use axum::extract::State;
use morningai_core::{Approval, ApprovalStatus};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_approvals))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsQuery {
    /// pending, approved or rejected; all when omitted.
    status: Option<String>,
    /// 1–200, default 50.
    limit: Option<i64>,
}

/// Your tenant's approvals, newest first; decide one with `POST /api/tasks/{id}/resume`.
#[utoipa::path(get, path = "/api/approvals", tag = "tasks", params(ApprovalsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Approval>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_approvals(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<ApprovalsQuery>,
) -> ApiResult<Json<Vec<Approval>>> {
    let status = q
        .status
        .map(|s| {
            s.parse::<ApprovalStatus>()
                .map_err(|e| ApiError::validation("status", e))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 200"));
    }
    Ok(Json(
        state
            .runtime
            .store()
            .approvals(ctx.tenant_id, status, limit)
            .await?,
    ))
}

//! API keys of the tenant. The secret is returned once, at creation.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_core::{ApiKey, ApiKeyId, Principal, Role};
use morningai_store::NewApiKey;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Path};
use super::{ApiError, ApiResult, AppState, ErrorBody};
use crate::auth::api_key;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(revoke_api_key))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for, e.g. "CI".
    name: String,
    /// The key's role; at most your own, and your own when omitted.
    role: Option<Role>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    key: ApiKey,
    /// The key itself. Shown only in this response: store it now.
    secret: String,
}

/// The tenant's API keys (owners and admins see all; others their own).
#[utoipa::path(get, path = "/api/api-keys", tag = "api-keys",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<ApiKey>), (status = 401, body = ErrorBody)))]
async fn list_api_keys(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<Json<Vec<ApiKey>>> {
    let keys = state.store.api_keys(&ctx).await?;
    let visible = keys
        .into_iter()
        .filter(|k| ctx.role.is_manager() || k.user_id == ctx.user_id)
        .collect();
    Ok(Json(visible))
}

/// Create an API key. It authenticates as `Authorization: Bearer <secret>`.
#[utoipa::path(post, path = "/api/api-keys", tag = "api-keys", request_body = CreateApiKeyRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, body = CreatedApiKey),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "role above your own, or requested with an API key"),
        (status = 422, body = ErrorBody)))]
async fn create_api_key(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Json(req): Json<CreateApiKeyRequest>,
) -> ApiResult<(StatusCode, Json<CreatedApiKey>)> {
    // A leaked key must not be able to mint replacements that outlive it.
    if matches!(ctx.principal, Principal::ApiKey(_)) {
        return Err(ApiError::Forbidden(
            "API keys cannot create API keys; sign in to create one".into(),
        ));
    }
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "name",
            "must be 1 to 200 printable characters",
        ));
    }
    let role = req.role.unwrap_or(ctx.role);
    if role > ctx.role {
        return Err(ApiError::Forbidden(format!(
            "a key cannot have a role above your own ({})",
            ctx.role
        )));
    }
    let generated = api_key::generate();
    let key = state
        .store
        .create_api_key(
            &ctx,
            NewApiKey {
                name: name.to_owned(),
                prefix: generated.prefix,
                key_hash: generated.hash,
                role,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKey {
            key,
            secret: generated.secret,
        }),
    ))
}

/// Revoke an API key (your own, or any as owner/admin).
#[utoipa::path(delete, path = "/api/api-keys/{id}", tag = "api-keys",
    params(("id" = ApiKeyId, Path, description = "the key's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "revoked"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_api_key(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<ApiKeyId>,
) -> ApiResult<StatusCode> {
    let key = state
        .store
        .api_key(&ctx, id)
        .await?
        .ok_or(ApiError::NotFound("API key"))?;
    if key.user_id != ctx.user_id && !ctx.role.is_manager() {
        return Err(ApiError::Forbidden(
            "only owners and admins may revoke others' keys".into(),
        ));
    }
    state.store.revoke_api_key(&ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! The tenant's credentials: git tokens and SSH keys its agents use for its
//! repositories. Owners and admins store, list and delete them; the secret
//! is sealed on arrival (`AppState::secret_box`) and never returned, logged
//! or audited. Another tenant's credential is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_core::{
    normalize_host, Credential, CredentialError, CredentialId, CredentialKind, NewCredential, Role,
};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Path};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_credentials, create_credential))
        .routes(routes!(delete_credential))
}

/// A credential to store. No `Debug`: it holds the secret.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCredentialRequest {
    kind: CredentialKind,
    /// The host it is for, `host` or `host:port` (e.g. `github.com`); no
    /// scheme, no path.
    host: String,
    /// For `git_token`: the user name sent with the token (default
    /// `x-access-token`). Ignored for `ssh_key`.
    username: Option<String>,
    /// What it is for, e.g. "CI bot token".
    label: Option<String>,
    /// The token, or the private key (`-----BEGIN OPENSSH PRIVATE KEY-----` …).
    /// Stored encrypted; never returned.
    #[schema(format = Password)]
    secret: String,
}

/// The tenant's credentials, without their secrets (owners and admins).
#[utoipa::path(get, path = "/api/credentials", tag = "credentials",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Credential>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<Credential>>> {
    let ctx = auth.require(Role::Admin)?;
    Ok(Json(state.store.credentials(ctx).await?))
}

/// Store a credential for the agents: a git token (sent to that host only)
/// or an SSH key. The newest credential of a kind for a host is the one used.
#[utoipa::path(post, path = "/api/credentials", tag = "credentials",
    request_body = CreateCredentialRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, body = Credential, description = "stored; the secret is not returned"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_credential(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<CreateCredentialRequest>,
) -> ApiResult<(StatusCode, Json<Credential>)> {
    let ctx = auth.require(Role::Admin)?;
    let host = normalize_host(&req.host).map_err(refused)?;
    let username = match req.kind {
        CredentialKind::GitToken => req
            .username
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty()),
        CredentialKind::SshKey => None,
    };
    let new = NewCredential {
        id: CredentialId::new(),
        kind: req.kind,
        host,
        username,
        label: req.label.as_deref().unwrap_or_default().trim().to_owned(),
    };
    new.validate().map_err(refused)?;
    let secret = req.kind.normalize_secret(&req.secret).map_err(refused)?;
    let sealed = state
        .secret_box
        .seal(secret.as_bytes(), &new.aad(ctx.tenant_id));
    let credential = state.store.create_credential(ctx, &new, &sealed).await?;
    Ok((StatusCode::CREATED, Json(credential)))
}

/// A refused credential as a 422 naming the field (never quoting the secret).
fn refused(e: CredentialError) -> ApiError {
    let field = match e {
        CredentialError::Host => "host",
        CredentialError::Label => "label",
        CredentialError::Username => "username",
        CredentialError::GitToken | CredentialError::SshKey => "secret",
    };
    ApiError::validation(field, e)
}

/// Delete a credential; the agents stop using it at once.
#[utoipa::path(delete, path = "/api/credentials/{id}", tag = "credentials",
    params(("id" = CredentialId, Path, description = "the credential's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "deleted"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn delete_credential(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<CredentialId>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Role::Admin)?;
    state
        .store
        .delete_credential(ctx, id)
        .await
        .map_err(|e| match e {
            morningai_store::StoreError::NotFound => ApiError::NotFound("credential"),
            e => e.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

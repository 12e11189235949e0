//! The current tenant and its members.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_core::{Member, Role, Tenant, TenantCtx, UserId};
use morningai_store::StoreError;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::auth::parse_email;
use super::extract::{Auth, Json, Path};
use super::{ApiError, ApiResult, AppState, ErrorBody};
use crate::auth::password;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_tenant))
        .routes(routes!(list_members, add_member))
        .routes(routes!(change_member, remove_member))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    email: String,
    role: Role,
    /// The new user's initial password (at least 8 characters).
    password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeMemberRequest {
    role: Role,
}

fn may_manage(ctx: &TenantCtx, role: Role) -> ApiResult<()> {
    if !ctx.role.is_manager() {
        return Err(ApiError::Forbidden(
            "managing members needs the admin role or higher".into(),
        ));
    }
    if !ctx.role.can_manage(role) {
        return Err(ApiError::Forbidden(format!(
            "a {} cannot manage the {role} role",
            ctx.role
        )));
    }
    Ok(())
}

fn not_found_as_member(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::NotFound("member"),
        e => e.into(),
    }
}

/// The tenant you are signed in to.
#[utoipa::path(get, path = "/api/tenant", tag = "tenant",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Tenant), (status = 401, body = ErrorBody)))]
async fn get_tenant(State(state): State<AppState>, Auth(ctx): Auth) -> ApiResult<Json<Tenant>> {
    Ok(Json(state.store.tenant(&ctx).await?))
}

/// The tenant's members and their roles.
#[utoipa::path(get, path = "/api/tenant/members", tag = "tenant",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Member>), (status = 401, body = ErrorBody)))]
async fn list_members(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(state.store.members(&ctx).await?))
}

/// Add a member (owner/admin): creates a new user with this email and password in this tenant.
#[utoipa::path(post, path = "/api/tenant/members", tag = "tenant", request_body = AddMemberRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, body = Member), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the email already has an account"),
        (status = 422, body = ErrorBody)))]
async fn add_member(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Json(req): Json<AddMemberRequest>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    may_manage(&ctx, req.role)?;
    let email = parse_email(&req.email)?;
    // Only new accounts are created here: adding someone who already has an
    // account, without their consent, waits for invitations.
    if state.store.user_by_email(&email).await?.is_some() {
        return Err(ApiError::Conflict(format!(
            "{email} already has an account; adding existing accounts needs an invitation, which is not supported yet"
        )));
    }
    password::check_policy(&req.password).map_err(|m| ApiError::validation("password", m))?;
    let hash = password::hash(req.password).await?;
    let user = state.store.create_user(&email, &hash).await?;
    let member = state
        .store
        .add_member(&ctx, user.id, req.role)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict(format!("{email} is already a member")),
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(member)))
}

/// Change a member's role (owner/admin; only owners touch owners; the last owner stays).
#[utoipa::path(patch, path = "/api/tenant/members/{user_id}", tag = "tenant", request_body = ChangeMemberRequest,
    params(("user_id" = UserId, Path, description = "the member's user id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = Member), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "would leave no owner"), (status = 422, body = ErrorBody)))]
async fn change_member(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(user_id): Path<UserId>,
    Json(req): Json<ChangeMemberRequest>,
) -> ApiResult<Json<Member>> {
    may_manage(&ctx, req.role)?;
    let current = state
        .store
        .membership(ctx.tenant_id, user_id)
        .await?
        .ok_or(ApiError::NotFound("member"))?;
    may_manage(&ctx, current.role)?;
    let member = state
        .store
        .set_member_role(&ctx, user_id, req.role)
        .await
        .map_err(not_found_as_member)?;
    Ok(Json(member))
}

/// Remove a member (owner/admin), or leave the tenant yourself.
#[utoipa::path(delete, path = "/api/tenant/members/{user_id}", tag = "tenant",
    params(("user_id" = UserId, Path, description = "the member's user id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "removed"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "would leave no owner")))]
async fn remove_member(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(user_id): Path<UserId>,
) -> ApiResult<StatusCode> {
    let current = state
        .store
        .membership(ctx.tenant_id, user_id)
        .await?
        .ok_or(ApiError::NotFound("member"))?;
    if user_id != ctx.user_id {
        may_manage(&ctx, current.role)?;
    }
    state
        .store
        .remove_member(&ctx, user_id)
        .await
        .map_err(not_found_as_member)?;
    Ok(StatusCode::NO_CONTENT)
}

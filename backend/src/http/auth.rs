//! Sign-up, log-in, log-out and "who am I".

use axum::extract::State;
use axum::http::StatusCode;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use morningai_core::{Email, Principal, Role, Session, Tenant, TenantId, User};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, ClientIp, Json, SESSION_COOKIE};
use super::{ApiError, ApiResult, AppState, ErrorBody};
use crate::auth::password;
use crate::auth::token::Claims;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(setup))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SetupStatus {
    /// No one has signed up yet: the first sign-up creates the first tenant
    /// and its owner (the dashboard shows a first-run hint).
    first_run: bool,
}

/// Whether this instance is new (public: the sign-in page asks).
#[utoipa::path(get, path = "/api/auth/setup", tag = "auth",
    responses((status = 200, body = SetupStatus), (status = 503, body = ErrorBody)))]
async fn setup(State(state): State<AppState>) -> ApiResult<Json<SetupStatus>> {
    Ok(Json(SetupStatus {
        first_run: !state.store.has_users().await?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    #[schema(example = "ada@example.com")]
    email: String,
    /// At least 8 characters.
    password: String,
    /// The new tenant's name (your organisation).
    tenant_name: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    email: String,
    password: String,
    /// Which of your tenants to sign in to; the oldest membership when omitted.
    tenant_id: Option<TenantId>,
}

/// A new session: the token also arrives as an HttpOnly cookie.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionResponse {
    token: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    user: User,
    tenant: Tenant,
    role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TenantMembership {
    tenant: Tenant,
    role: Role,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    user: User,
    tenant: Tenant,
    role: Role,
    /// How this request authenticated: `session` or `api_key`.
    auth: &'static str,
    /// Every tenant this user belongs to.
    tenants: Vec<TenantMembership>,
}

pub(super) fn parse_email(raw: &str) -> ApiResult<Email> {
    Email::parse(raw).map_err(|e| ApiError::validation("email", e))
}

fn tenant_name(raw: &str) -> ApiResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::validation(
            "tenant_name",
            "must be 1 to 200 characters",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "tenant_name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Opens a session and answers with its token, also set as the session cookie.
async fn open_session(
    state: &AppState,
    user: User,
    tenant: Tenant,
    role: Role,
) -> ApiResult<(CookieJar, Json<SessionResponse>)> {
    let hours = i64::from(state.config.session_hours);
    let expires_at = OffsetDateTime::now_utc() + time::Duration::hours(hours);
    let Session { id, created_at, .. } = state
        .store
        .create_session(tenant.id, user.id, expires_at)
        .await?;
    let token = state
        .tokens
        .issue(&Claims {
            sub: user.id,
            tid: tenant.id,
            sid: id,
            iat: created_at.unix_timestamp(),
            exp: expires_at.unix_timestamp(),
        })
        .map_err(ApiError::internal)?;
    let cookie = Cookie::build((SESSION_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.is_production())
        .path("/")
        .max_age(time::Duration::hours(hours));
    Ok((
        CookieJar::new().add(cookie),
        Json(SessionResponse {
            token,
            expires_at,
            user,
            tenant,
            role,
        }),
    ))
}

/// Create a tenant and its owner, and sign in.
#[utoipa::path(post, path = "/api/auth/signup", tag = "auth", request_body = SignupRequest,
    responses(
        (status = 201, body = SessionResponse),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody, description = "signup disabled"),
        (status = 409, body = ErrorBody, description = "email taken"), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "too many sign-ups from this IP")))]
async fn signup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<SignupRequest>,
) -> ApiResult<(StatusCode, CookieJar, Json<SessionResponse>)> {
    if !state.config.allow_signup {
        return Err(ApiError::SignupDisabled);
    }
    // Each sign-up costs an argon2 hash: throttle it like log-in, per IP.
    state
        .login_limiter
        .check_ip(ip)
        .map_err(ApiError::RateLimited)?;
    let email = parse_email(&req.email)?;
    password::check_policy(&req.password).map_err(|m| ApiError::validation("password", m))?;
    let tenant_name = tenant_name(&req.tenant_name)?;
    let hash = password::hash(req.password).await?;
    let created = state
        .store
        .signup(&email, &hash, &tenant_name)
        .await
        .map_err(|e| match e {
            morningai_store::StoreError::Conflict(_) => ApiError::Conflict(
                "an account with this email already exists; log in instead".into(),
            ),
            e => e.into(),
        })?;
    tracing::info!(tenant_id = %created.tenant.id, user_id = %created.user.id, "signup");
    let (jar, body) = open_session(&state, created.user, created.tenant, Role::Owner).await?;
    Ok((StatusCode::CREATED, jar, body))
}

/// Sign in with email and password. Throttled per client IP and per account.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = SessionResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody, description = "wrong email or password"),
        (status = 403, body = ErrorBody, description = "not a member of the tenant"),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "too many attempts; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<(CookieJar, Json<SessionResponse>)> {
    let email = parse_email(&req.email)?;
    state
        .login_limiter
        .check(ip, email.as_str())
        .map_err(ApiError::RateLimited)?;
    let credentials = state.store.user_credentials(&email).await?;
    let stored_hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let ok = password::verify(req.password, stored_hash).await?;
    let Some(credentials) = credentials.filter(|_| ok) else {
        tracing::info!(%ip, "failed log-in");
        return Err(ApiError::InvalidCredentials);
    };
    let user = credentials.user;
    let memberships = state.store.memberships_of(user.id).await?;
    let chosen = match req.tenant_id {
        Some(id) => memberships.into_iter().find(|(t, _)| t.id == id),
        None => memberships.into_iter().next(),
    };
    let Some((tenant, membership)) = chosen else {
        return Err(ApiError::Forbidden(
            "you are not a member of that tenant".into(),
        ));
    };
    let ctx = morningai_core::TenantCtx {
        tenant_id: tenant.id,
        user_id: user.id,
        role: membership.role,
        principal: Principal::System,
    };
    state
        .store
        .record_audit(
            &ctx,
            "auth.login",
            None,
            serde_json::json!({ "ip": ip.to_string() }),
        )
        .await?;
    open_session(&state, user, tenant, membership.role).await
}

/// End this session: the token stops working and the cookie is cleared.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<(StatusCode, CookieJar)> {
    if let Principal::Session(sid) = ctx.principal {
        state.store.revoke_session(&ctx, sid).await?;
    }
    // An expired, empty cookie replaces the session cookie in the browser.
    let cleared = Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.is_production())
        .path("/")
        .max_age(time::Duration::ZERO);
    let jar = CookieJar::new().add(cleared);
    Ok((StatusCode::NO_CONTENT, jar))
}

/// The signed-in user, the current tenant and role, and all their tenants.
#[utoipa::path(get, path = "/api/auth/me", tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, Auth(ctx): Auth) -> ApiResult<Json<MeResponse>> {
    let user = state
        .store
        .user(ctx.user_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let tenant = state.store.tenant(&ctx).await?;
    let tenants = state
        .store
        .memberships_of(ctx.user_id)
        .await?
        .into_iter()
        .map(|(tenant, m)| TenantMembership {
            tenant,
            role: m.role,
        })
        .collect();
    let auth = match ctx.principal {
        Principal::ApiKey(_) => "api_key",
        _ => "session",
    };
    Ok(Json(MeResponse {
        user,
        tenant,
        role: ctx.role,
        auth,
        tenants,
    }))
}

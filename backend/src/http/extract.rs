//! Extractors: JSON, query and path parameters whose rejections use our error shape,
//! the client's IP, and the authenticated tenant context.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use morningai_core::{Principal, Role, TenantCtx};

use super::{ApiError, AppState};
use crate::auth::api_key;

/// `axum::Json` with rejections mapped to [`ApiError`] (400/413/415/422).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with rejections mapped to [`ApiError`] (422).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` with rejections mapped to [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The session cookie the dashboard uses (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = "morningai_session";

/// The client's address: the TCP peer, or — when the server is configured to
/// trust its proxy — the last X-Forwarded-For hop, the one that proxy added.
/// (The first hops are whatever the client wrote.)
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if state.config.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse().ok());
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientIp(peer))
    }
}

/// The credential a request presents: a bearer token (session token or API
/// key) or the session cookie.
fn presented_credential(parts: &Parts) -> Option<String> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned());
    bearer.or_else(|| {
        CookieJar::from_headers(&parts.headers)
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_owned())
    })
}

/// An authenticated request: who, in which tenant, with which role. A handler
/// that takes `Auth` cannot forget to authenticate or to scope by tenant.
pub struct Auth(pub TenantCtx);

impl Auth {
    /// Fails with 403 unless the caller's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<&TenantCtx, ApiError> {
        if self.0.role >= role {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {role} role or higher"
            )))
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let credential = presented_credential(parts).ok_or(ApiError::Unauthenticated)?;
        let ctx = if api_key::looks_like_key(&credential) {
            from_api_key(state, &credential).await?
        } else {
            from_session_token(state, &credential).await?
        };
        tracing::Span::current().record("tenant_id", tracing::field::display(ctx.tenant_id));
        Ok(Auth(ctx))
    }
}

async fn from_api_key(state: &AppState, key: &str) -> Result<TenantCtx, ApiError> {
    let key = state
        .store
        .authenticate_api_key(&api_key::hash(key))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    // A key acts with at most its creator's current role.
    let membership = state
        .store
        .membership(key.tenant_id, key.user_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(TenantCtx {
        tenant_id: key.tenant_id,
        user_id: key.user_id,
        role: key.role.min(membership.role),
        principal: Principal::ApiKey(key.id),
    })
}

async fn from_session_token(state: &AppState, token: &str) -> Result<TenantCtx, ApiError> {
    let claims = state
        .tokens
        .verify(token)
        .ok_or(ApiError::Unauthenticated)?;
    let session = state
        .store
        .session(claims.tid, claims.sid)
        .await?
        .filter(|s| s.user_id == claims.sub && s.revoked_at.is_none())
        .filter(|s| s.expires_at > time::OffsetDateTime::now_utc())
        .ok_or(ApiError::Unauthenticated)?;
    let membership = state
        .store
        .membership(session.tenant_id, session.user_id)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(TenantCtx {
        tenant_id: session.tenant_id,
        user_id: session.user_id,
        role: membership.role,
        principal: Principal::Session(session.id),
    })
}

/// Whether the credential a long-lived request (an event stream) started with
/// still holds: the session not revoked or expired, the API key not revoked,
/// the member still a member.
pub async fn still_valid(state: &AppState, ctx: &TenantCtx) -> Result<bool, ApiError> {
    let credential_holds = match ctx.principal {
        Principal::Session(id) => state
            .store
            .session(ctx.tenant_id, id)
            .await?
            .is_some_and(|s| {
                s.revoked_at.is_none() && s.expires_at > time::OffsetDateTime::now_utc()
            }),
        Principal::ApiKey(id) => state
            .store
            .api_key(ctx, id)
            .await?
            .is_some_and(|k| k.revoked_at.is_none()),
        Principal::System => true,
    };
    Ok(credential_holds
        && state
            .store
            .membership(ctx.tenant_id, ctx.user_id)
            .await?
            .is_some())
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

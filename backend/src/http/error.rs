//! The HTTP boundary's one error type, mapped once to a status and the JSON
//! shape `{"error":{"code","message"}}`. Internal details are logged with the
//! request's span (which carries the request id), never returned.

use std::time::Duration;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use morningai_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    InvalidJson(String),
    #[error("authentication required")]
    Unauthenticated,
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("signup is disabled on this instance")]
    SignupDisabled,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no route for {0}")]
    RouteNotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("a tenant must keep at least one owner")]
    LastOwner,
    #[error("request body is larger than the limit")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Invalid input; the message names the field.
    #[error("{0}")]
    Validation(String),
    /// A file with bad lines: the message and each line's problem.
    #[error("{message}")]
    InvalidFile {
        message: String,
        lines: Vec<morningai_knowledge::faq::transfer::LineError>,
    },
    #[error("too many attempts; retry in {} seconds", .0.as_secs().max(1))]
    RateLimited(Duration),
    /// A quota of the operator's is used up; the message says which.
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("service unavailable")]
    Unavailable,
    #[error("the server's storage is full: nothing was saved; try again once the operator has freed space")]
    StorageFull,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type ApiResult<T, E = ApiError> = Result<T, E>;

impl From<crate::auth::password::PasswordError> for ApiError {
    fn from(e: crate::auth::password::PasswordError) -> Self {
        use crate::auth::password::PasswordError;
        match e {
            PasswordError::Busy(_) => ApiError::RateLimited(Duration::from_secs(2)),
            PasswordError::Failed(e) => ApiError::Internal(e),
        }
    }
}

/// The error body every failing response carries.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation`, `unauthenticated`.
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
    /// For `invalid_file`: every bad line of the file (1-based) and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<morningai_knowledge::faq::transfer::LineError>>,
}

impl ApiError {
    pub fn validation(field: &str, message: impl std::fmt::Display) -> Self {
        ApiError::Validation(format!("{field}: {message}"))
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        use ApiError::*;
        match self {
            BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            SignupDisabled => (StatusCode::FORBIDDEN, "signup_disabled"),
            NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            RouteNotFound(_) => (StatusCode::NOT_FOUND, "route_not_found"),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            LastOwner => (StatusCode::CONFLICT, "last_owner"),
            PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            InvalidFile { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_file"),
            RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            QuotaExceeded(_) => (StatusCode::TOO_MANY_REQUESTS, "quota_exceeded"),
            Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            StorageFull => (StatusCode::SERVICE_UNAVAILABLE, "storage_full"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let ApiError::Internal(e) = &self {
            // The span holds the request id; the client gets none of this.
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let message = self.to_string();
        let retry_after = match &self {
            ApiError::RateLimited(wait) => Some(*wait),
            _ => None,
        };
        let lines = match self {
            ApiError::InvalidFile { lines, .. } => Some(lines),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                lines,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(wait) = retry_after {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("resource"),
            StoreError::Conflict(what) => ApiError::Conflict(format!("{what} already exists")),
            StoreError::LastOwner => ApiError::LastOwner,
            StoreError::InvalidState(m) => ApiError::Conflict(m),
            StoreError::QuotaExceeded(m) => ApiError::QuotaExceeded(m),
            // The database is down or unreachable: a clear 503 while it is.
            e if e.is_storage_full() => {
                tracing::error!(error = %e, "database storage full");
                ApiError::StorageFull
            }
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::Unavailable
            }
            e => ApiError::Internal(e.into()),
        }
    }
}

impl From<morningai_queue::QueueError> for ApiError {
    fn from(e: morningai_queue::QueueError) -> Self {
        use morningai_queue::QueueError;
        match e {
            QueueError::NotFound => ApiError::NotFound("job"),
            QueueError::InvalidState(m) => ApiError::Conflict(m),
            QueueError::Invalid(m) => ApiError::Validation(m),
            QueueError::Redis(e) => {
                tracing::warn!(error = %e, "queue unavailable");
                ApiError::Unavailable
            }
            e => ApiError::Internal(e.into()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => ApiError::Validation(e.body_text()),
            JsonRejection::JsonSyntaxError(e) => ApiError::InvalidJson(e.body_text()),
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::UnsupportedMediaType("expected `Content-Type: application/json`".into())
            }
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(r.body_text())
    }
}

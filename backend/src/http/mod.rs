//! The HTTP API: one state struct, one router per resource, merged here with
//! the layers every request passes through. Reading [`router`] tells you the API.

mod api_keys;
mod approvals;
mod audit;
mod auth;
mod credentials;
mod documents;
mod error;
mod event_stream;
mod extract;
mod faq_files;
mod faq_suggestions;
mod faqs;
mod frontend;
mod guard;
mod health;
mod help_centre;
mod openapi;
mod queue;
mod repositories;
mod tasks;
mod tenant;
mod usage;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, Request, Response};
use axum::Router;
use morningai_core::SecretBox;
use morningai_orchestration::Runtime;
use morningai_queue::Queue;
use morningai_store::Store;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::rate_limit::{LoginLimiter, PublicLimiter};
use crate::auth::token::TokenKeys;
use crate::config::Config;
use morningai_agents::faq::FaqLibrary;

pub use error::{ApiError, ApiResult, ErrorBody};
pub use extract::SESSION_COOKIE;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub queue: Queue,
    pub runtime: Runtime,
    pub config: Arc<Config>,
    pub tokens: TokenKeys,
    pub login_limiter: LoginLimiter,
    pub public_limiter: PublicLimiter,
    /// Every tenant's FAQs, searchable (kept in step with the database).
    pub faqs: Arc<FaqLibrary>,
    /// Seals and opens the tenants' stored credentials (`MORNINGAI_ENCRYPTION_KEY`).
    pub secret_box: Arc<SecretBox>,
}

impl AppState {
    /// State with the embedded database queue.
    pub fn new(store: Arc<dyn Store>, config: Config, jwt_secret: &str) -> anyhow::Result<Self> {
        let queue = Queue::database(store.clone());
        Self::with_queue(store, queue, config, jwt_secret)
    }

    /// Fails when the model configuration does (an unreadable pricing file)
    /// or the encryption key does ([`crate::secrets::secret_box`]).
    pub fn with_queue(
        store: Arc<dyn Store>,
        queue: Queue,
        config: Config,
        jwt_secret: &str,
    ) -> anyhow::Result<Self> {
        let secret_box = Arc::new(crate::secrets::secret_box(&config)?);
        Self::with_secrets(store, queue, config, jwt_secret, secret_box)
    }

    /// [`AppState::with_queue`] with the encryption key already resolved.
    pub fn with_secrets(
        store: Arc<dyn Store>,
        queue: Queue,
        config: Config,
        jwt_secret: &str,
        secret_box: Arc<SecretBox>,
    ) -> anyhow::Result<Self> {
        let services = crate::models::services(store.clone(), &config)?;
        let runtime =
            crate::models::runtime(store.clone(), queue.clone(), &config, services.clone())?;
        let faqs = Arc::new(FaqLibrary::new(store.clone(), Some(services)));
        Ok(Self {
            faqs,
            secret_box,
            store,
            queue,
            runtime,
            tokens: TokenKeys::new(jwt_secret.as_bytes()),
            login_limiter: LoginLimiter::new(
                config.login_per_ip_per_minute,
                config.login_per_account_per_minute,
            ),
            public_limiter: PublicLimiter::new(
                config.public_per_ip_per_minute,
                config.public_per_centre_per_minute,
            ),
            config: Arc::new(config),
        })
    }
}

/// Every documented route with the OpenAPI document built from them.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::router())
        .merge(api_keys::router())
        .merge(credentials::router())
        .merge(tenant::router())
        .merge(audit::router())
        .merge(queue::router())
        .merge(tasks::router())
        .merge(approvals::router())
        .merge(usage::router())
        .merge(repositories::router())
        .merge(documents::router())
        .merge(faqs::router())
        .merge(help_centre::router())
        .merge(faq_suggestions::router())
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut openapi = api().into_openapi();
    openapi::add_common_errors(&mut openapi);
    openapi
}

pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let (routes, mut openapi) = api().split_for_parts();
    openapi::add_common_errors(&mut openapi);
    routes
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        // The dashboard; unknown `/api` paths get `ApiError::RouteNotFound` there.
        .fallback_service(frontend::service(state.config.frontend_dir.clone()))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(guard::browser_guard))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                    header::COOKIE,
                ]))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(panic_response)),
        )
        .with_state(state)
}

/// The span every log line of a request is in: method, path, request id, and
/// the tenant once authentication has found it.
fn request_span(req: &Request<Body>) -> tracing::Span {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        request_id = %request_id,
        tenant_id = tracing::field::Empty,
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    use axum::response::IntoResponse;
    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
}

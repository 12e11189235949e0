//! The dashboard: the built frontend's files at `/`, and its `index.html` for
//! any other page path, so a reload on a client-side route still loads the
//! app. Paths under `/api` and `/public` never reach it: an unknown one stays a JSON 404.

use std::convert::Infallible;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use axum::response::IntoResponse;
use tower::{Service, ServiceExt};
use tower_http::services::{ServeDir, ServeFile};

use super::ApiError;

/// The router's fallback service, serving the frontend built into `dir`.
pub fn service(
    dir: PathBuf,
) -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible, Future: Send>
       + Clone
       + Send
       + Sync
       + 'static {
    let index = dir.join("index.html");
    // Hashed build output: a missing file is a 404, not the app.
    let assets = ServeDir::new(&dir);
    let pages = ServeDir::new(&dir).fallback(ServeFile::new(&index));
    tower::service_fn(move |req: Request<Body>| {
        let (assets, pages, index) = (assets.clone(), pages.clone(), index.clone());
        async move {
            let path = req.uri().path().to_owned();
            let is_api =
                path == "/api" || path.starts_with("/api/") || path.starts_with("/public/");
            if is_api || !matches!(*req.method(), Method::GET | Method::HEAD) {
                return Ok(ApiError::RouteNotFound(path).into_response());
            }
            // Checked per request, so building the frontend needs no restart.
            if !index.is_file() {
                return Ok(not_built(&index));
            }
            let immutable = path.starts_with("/assets/");
            let mut res = if immutable {
                assets.oneshot(req).await?.map(Body::new)
            } else {
                pages.oneshot(req).await?.map(Body::new)
            };
            // Vite names assets by content hash; everything else must revalidate.
            let cache = if immutable && res.status() == StatusCode::OK {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            Ok(res)
        }
    })
}

fn not_built(index: &std::path::Path) -> Response<Body> {
    let message = format!(
        "The dashboard is not built: {} is missing.\n\
         Run `npm ci && npm run build` in frontend/ (`make run` does), \
         or point MORNINGAI_FRONTEND_DIR at a built copy.\n\
         The API is at /api (documentation at /api/docs/).\n",
        index.display()
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

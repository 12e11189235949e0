//! What every response and every browser request gets: headers that keep
//! the dashboard out of other sites' frames and scripts, and a same-origin
//! check on state-changing requests authenticated by the session cookie
//! (SameSite=Strict already keeps other sites' requests cookie-less; this
//! also refuses a sibling subdomain, which counts as the same site).

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::extract::SESSION_COOKIE;
use super::ApiError;

/// The dashboard loads its own scripts and styles only (React's `style`
/// attributes need inline styles), talks only to this server, and may not
/// be framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

pub async fn browser_guard(req: Request<Body>, next: Next) -> Response {
    if cross_origin_cookie_write(&req) {
        return ApiError::Forbidden(
            "cross-origin request refused: the session cookie is for this dashboard only".into(),
        )
        .into_response();
    }
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    set_default(headers, header::REFERRER_POLICY, "same-origin");
    set_default(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    res
}

fn set_default(headers: &mut HeaderMap, name: header::HeaderName, value: &'static str) {
    headers
        .entry(name)
        .or_insert(HeaderValue::from_static(value));
}

/// A state-changing request that carries the session cookie (and no bearer
/// token, which a browser never adds by itself) from another origin.
fn cross_origin_cookie_write(req: &Request<Body>) -> bool {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return false;
    }
    let headers = req.headers();
    let has_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(';')
                .any(|c| c.trim().starts_with(&format!("{SESSION_COOKIE}=")))
        });
    if !has_cookie || headers.contains_key(header::AUTHORIZATION) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // Not a browser's cross-origin request (curl, an old client).
        None => false,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin_host.is_none_or(|o| Some(o) != host)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, headers: &[(&str, &str)]) -> Request<Body> {
        let mut req = Request::builder().method(method).uri("/api/tasks");
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req.body(Body::empty()).unwrap()
    }

    #[test]
    fn cookie_writes_must_come_from_this_origin() {
        let cookie = ("cookie", "morningai_session=abc");
        let host = ("host", "app.example.com");
        let refused = [
            vec![cookie, host, ("origin", "https://evil.example.com")],
            vec![cookie, host, ("sec-fetch-site", "same-site")],
            vec![cookie, host, ("sec-fetch-site", "cross-site")],
            vec![cookie, host, ("origin", "null")],
        ];
        for headers in refused {
            assert!(
                cross_origin_cookie_write(&request(Method::POST, &headers)),
                "{headers:?}"
            );
        }
        let allowed = [
            vec![cookie, host, ("origin", "https://app.example.com")],
            vec![cookie, host, ("sec-fetch-site", "same-origin")],
            vec![cookie, host],
            vec![host, ("origin", "https://evil.example.com")],
            vec![
                cookie,
                ("authorization", "Bearer x"),
                ("origin", "https://evil.example.com"),
            ],
        ];
        for headers in allowed {
            assert!(
                !cross_origin_cookie_write(&request(Method::POST, &headers)),
                "{headers:?}"
            );
        }
        assert!(!cross_origin_cookie_write(&request(
            Method::GET,
            &[cookie, ("origin", "https://evil.example.com")]
        )));
    }
}

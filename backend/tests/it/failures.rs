//! When the database goes away: 503 in the usual shape, nothing internal leaked.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{assert_error, TestApp, PASSWORD};

#[tokio::test]
async fn postgres_outage_gives_unavailable_without_details() {
    let app = TestApp::postgres().await;
    let s = app.signup("down@example.com", "Down").await;
    let (_, key) = app.api_key(&s, json!({ "name": "k" })).await;
    app.drop_database();

    // The database is gone: a clear 503, and nothing of what answered.
    let (status, body) = app.get("/api/tenant", Some(&s.token)).await;
    assert_error(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    assert_eq!(body["error"]["message"], "service unavailable");
    let (status, body) = app.login("down@example.com", PASSWORD).await;
    assert_error(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    let text = body.to_string().to_lowercase();
    for leak in [
        "sql",
        "postgres",
        "database",
        "morningai_test",
        "relation",
        "password",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    let (status, body) = app.get("/api/auth/me", key["secret"].as_str()).await;
    assert_error(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    let (status, body) = app.get("/readyz", None).await;
    assert_error(
        status,
        &body,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    );
    // Liveness is about the process, which is fine.
    assert_eq!(app.get("/healthz", None).await.0, StatusCode::OK);
}

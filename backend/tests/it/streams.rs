//! Event streams are bounded and follow their credential: at most
//! `STREAMS_PER_USER` open per user (429 beyond), and a stream ends soon
//! after its session is logged out. The security headers and the
//! same-origin check every browser request gets are here too.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{assert_error, TestApp};

#[tokio::test]
async fn streams_are_capped_per_user_and_end_when_the_session_is_revoked() {
    let mut app = TestApp::sqlite().await;
    app.start_worker();
    let owner = app.signup("o@example.com", "Org").await;
    // A task that waits for approval: its stream stays open.
    let (status, body) = app
        .post(
            "/api/tasks",
            Some(&owner.token),
            json!({ "kind": "echo", "input": { "message": "hi", "require_approval": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let url = format!(
        "{}/api/tasks/{}/events",
        app.base,
        body["task_id"].as_str().unwrap()
    );
    let mut open = Vec::new();
    for _ in 0..16 {
        let res = app
            .client
            .get(&url)
            .bearer_auth(&owner.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        open.push(res);
    }
    let res = app
        .client
        .get(&url)
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));

    // Logged out: the open streams end on their own (within the re-check).
    let stream = open.pop().unwrap();
    let (status, _) = app
        .post("/api/auth/logout", Some(&owner.token), json!({}))
        .await;
    assert!(status.is_success(), "{status}");
    let mut body = stream.bytes_stream();
    let ended = tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its session");
}

#[tokio::test]
async fn responses_carry_security_headers_and_cookie_writes_stay_same_origin() {
    let app = TestApp::sqlite().await;
    let owner = app.signup("o@example.com", "Org").await;
    let res = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    let headers = res.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    // The session cookie from another origin: refused, nothing created.
    let cookie = format!("morningai_session={}", owner.token);
    let res = app
        .client
        .post(format!("{}/api/api-keys", app.base))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({ "name": "stolen" }))
        .send()
        .await
        .unwrap();
    let (status, body) = crate::support::read(res).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (_, keys) = app.get("/api/api-keys", Some(&owner.token)).await;
    assert!(
        !keys.to_string().contains("stolen"),
        "a key was created: {keys}"
    );
    // The same request from the dashboard's own origin works.
    let res = app
        .client
        .post(format!("{}/api/api-keys", app.base))
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .json(&json!({ "name": "mine" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

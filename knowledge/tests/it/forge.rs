//! The forge client against a local server speaking GitHub's REST subset.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use morningai_knowledge::{ForgeClient, ForgeError, NewPullRequest, PullRequest};
use serde_json::{json, Value};

const TOKEN: &str = "ghp_ForgeSecretToken789";

/// One request the server received.
#[derive(Debug, Clone)]
struct Recorded {
    path: String,
    headers: HeaderMap,
    body: Value,
}

#[derive(Clone, Default)]
struct FakeForge {
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeForge {
    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Records the request; the refusal to send instead of the answer: 401
    /// (echoing the header, as a careless forge might) unless the token is
    /// right, 400 unless GitHub's headers are there.
    fn refusal(&self, path: String, headers: &HeaderMap, body: &Value) -> Option<Response> {
        self.requests.lock().unwrap().push(Recorded {
            path,
            headers: headers.clone(),
            body: body.clone(),
        });
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        if header("authorization") != format!("Bearer {TOKEN}") {
            let message = format!("Bad credentials: {}", header("authorization"));
            return Some(
                (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({ "message": message })),
                )
                    .into_response(),
            );
        }
        if header("accept") != "application/vnd.github+json"
            || header("x-github-api-version") != "2022-11-28"
            || !header("user-agent").starts_with("morningai")
        {
            return Some((StatusCode::BAD_REQUEST, "missing GitHub headers").into_response());
        }
        None
    }
}

async fn create_pull(
    State(forge): State<FakeForge>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(response) = forge.refusal(format!("/repos/{owner}/{repo}/pulls"), &headers, &body) {
        return response;
    }
    match (repo.as_str(), body["head"].as_str()) {
        ("missing", _) => (StatusCode::NOT_FOUND, Json(json!({"message": "Not Found"}))).into_response(),
        ("limited", _) => (
            StatusCode::FORBIDDEN,
            [("x-ratelimit-remaining", "0"), ("retry-after", "60")],
            Json(json!({"message": "API rate limit exceeded"})),
        )
            .into_response(),
        ("private", _) => (
            StatusCode::FORBIDDEN,
            // Echoes the token, as a careless forge or proxy might.
            Json(json!({"message": format!(
                "Resource not accessible by integration ({})",
                headers["authorization"].to_str().unwrap()
            )})),
        )
            .into_response(),
        (_, Some("exists")) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "message": "Validation Failed",
                "errors": [{
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": format!("A pull request already exists for {owner}:exists."),
                }],
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
            })),
        )
            .into_response(),
        _ => (
            StatusCode::CREATED,
            Json(json!({
                "id": 1,
                "number": 42,
                "state": "open",
                "html_url": format!("https://forge.example/{owner}/{repo}/pull/42"),
            })),
        )
            .into_response(),
    }
}

/// Open pull requests: the one whose head is `exists` (the one `create_pull`
/// refuses to duplicate) appears once the client has tried to open it, as
/// when another run opened it meanwhile; and `open/run` always.
async fn list_pulls(
    State(forge): State<FakeForge>,
    Path((owner, repo)): Path<(String, String)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let path = format!(
        "/repos/{owner}/{repo}/pulls?{}",
        query.get("head").cloned().unwrap_or_default()
    );
    if let Some(response) = forge.refusal(path, &headers, &Value::Null) {
        return response;
    }
    let tried_exists = forge.requests().iter().any(|r| r.body["head"] == "exists");
    let mut open = vec![json!({
        "number": 7,
        "html_url": format!("https://forge.example/{owner}/{repo}/pull/7"),
        "head": { "ref": "open/run" },
    })];
    if tried_exists {
        open.push(json!({
            "number": 9,
            "html_url": format!("https://forge.example/{owner}/{repo}/pull/9"),
            "head": { "ref": "exists" },
        }));
    }
    (StatusCode::OK, Json(Value::Array(open))).into_response()
}

async fn add_labels(
    State(forge): State<FakeForge>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let path = format!("/repos/{owner}/{repo}/issues/{number}/labels");
    if let Some(response) = forge.refusal(path, &headers, &body) {
        return response;
    }
    let labels: Vec<Value> = body["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| json!({ "name": name }))
        .collect();
    (StatusCode::OK, Json(Value::Array(labels))).into_response()
}

/// Serves the fake forge under `/api/v3` on a free port; returns its base URL.
async fn serve() -> (String, FakeForge) {
    let forge = FakeForge::default();
    let api = Router::new()
        .route(
            "/repos/{owner}/{repo}/pulls",
            post(create_pull).get(list_pulls),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/labels",
            post(add_labels),
        )
        .with_state(forge.clone());
    let app = Router::new().nest("/api/v3", api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/api/v3"), forge)
}

fn new_pr(head: &str) -> NewPullRequest {
    NewPullRequest {
        title: "docs: answer \"how do I run it?\"".into(),
        head: head.into(),
        base: "main".into(),
        body: "Generated by MorningAI.\n\nCites `server/src/main.rs:18`.".into(),
    }
}

fn assert_no_token(err: &ForgeError) {
    assert!(!err.to_string().contains(TOKEN), "{err}");
    assert!(!format!("{err:?}").contains(TOKEN), "{err:?}");
}

#[tokio::test]
async fn opens_a_pull_request_and_labels_it() {
    let (base, forge) = serve().await;
    // A trailing slash is tolerated.
    let client = ForgeClient::new(&format!("{base}/"), TOKEN).unwrap();
    assert!(!format!("{client:?}").contains(TOKEN));

    let pr = client
        .create_pull_request("acme/docs", &new_pr("morningai/faq-run"))
        .await
        .unwrap();
    assert_eq!(
        pr,
        PullRequest {
            number: 42,
            html_url: "https://forge.example/acme/docs/pull/42".into(),
        }
    );
    let labels = vec!["documentation".to_string(), "morningai".to_string()];
    client
        .add_labels("acme/docs", pr.number, &labels)
        .await
        .unwrap();
    client
        .add_labels("acme/docs", pr.number, &[])
        .await
        .unwrap();

    let requests = forge.requests();
    assert_eq!(requests.len(), 2, "no request for no labels: {requests:?}");
    assert_eq!(requests[0].path, "/repos/acme/docs/pulls");
    assert_eq!(
        requests[0].body,
        json!({
            "title": "docs: answer \"how do I run it?\"",
            "head": "morningai/faq-run",
            "base": "main",
            "body": "Generated by MorningAI.\n\nCites `server/src/main.rs:18`.",
        })
    );
    assert_eq!(requests[0].headers["content-type"], "application/json");
    assert_eq!(requests[1].path, "/repos/acme/docs/issues/42/labels");
    assert_eq!(
        requests[1].body,
        json!({ "labels": ["documentation", "morningai"] })
    );
}

/// Publishing asks before opening: a branch with an open pull request gets
/// that one back (no second one), a new branch a new one, and a pull request
/// opened meanwhile (422) is found after the refusal.
#[tokio::test]
async fn ensuring_a_pull_request_reuses_the_open_one() {
    let (base, forge) = serve().await;
    let client = ForgeClient::new(&base, TOKEN).unwrap();
    let (pr, opened) = client
        .ensure_pull_request("acme/docs", &new_pr("open/run"))
        .await
        .unwrap();
    assert_eq!((pr.number, opened), (7, false));
    let (pr, opened) = client
        .ensure_pull_request("acme/docs", &new_pr("fresh"))
        .await
        .unwrap();
    assert_eq!((pr.number, opened), (42, true));
    let (pr, opened) = client
        .ensure_pull_request("acme/docs", &new_pr("exists"))
        .await
        .unwrap();
    assert_eq!((pr.number, opened), (9, false));
    let paths: Vec<_> = forge.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/repos/acme/docs/pulls?acme:open/run",
            "/repos/acme/docs/pulls?acme:fresh",
            "/repos/acme/docs/pulls",
            "/repos/acme/docs/pulls?acme:exists",
            "/repos/acme/docs/pulls",
            "/repos/acme/docs/pulls?acme:exists",
        ]
    );
}

#[tokio::test]
async fn a_validation_failure_says_why() {
    let (base, _forge) = serve().await;
    let client = ForgeClient::new(&base, TOKEN).unwrap();
    let err = client
        .create_pull_request("acme/docs", &new_pr("exists"))
        .await
        .unwrap_err();
    let ForgeError::Unprocessable { message } = &err else {
        panic!("expected 422, got {err:?}");
    };
    assert!(message.contains("Validation Failed"), "{message}");
    assert!(
        message.contains("A pull request already exists for acme:exists."),
        "{message}"
    );
    assert!(
        err.to_string().contains("A pull request already exists"),
        "{err}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized_and_never_shown() {
    let (base, forge) = serve().await;
    let wrong = "ghp_WrongTokenEchoedBack000";
    let client = ForgeClient::new(&base, wrong).unwrap();
    let err = client
        .create_pull_request("acme/docs", &new_pr("branch"))
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::Unauthorized), "{err:?}");
    assert!(!format!("{err} {err:?} {client:?}").contains(wrong));
    assert_eq!(
        forge.requests()[0].headers["authorization"],
        format!("Bearer {wrong}")
    );
}

#[tokio::test]
async fn forge_statuses_map_to_errors() {
    let (base, _forge) = serve().await;
    let client = ForgeClient::new(&base, TOKEN).unwrap();

    let err = client
        .create_pull_request("acme/missing", &new_pr("b"))
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::NotFound), "{err:?}");
    let err = client
        .create_pull_request("acme/limited", &new_pr("b"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ForgeError::RateLimited {
                retry_after_secs: Some(60)
            }
        ),
        "{err:?}"
    );
    let err = client
        .create_pull_request("acme/private", &new_pr("b"))
        .await
        .unwrap_err();
    match &err {
        ForgeError::Forbidden { message } => {
            assert_eq!(
                message,
                "Resource not accessible by integration (Bearer ***)"
            )
        }
        other => panic!("expected 403, got {other:?}"),
    }
    // No route there: the server's own 404 with an empty body.
    let elsewhere = ForgeClient::new(&base.replace("/api/v3", "/api/v4"), TOKEN).unwrap();
    let err = elsewhere
        .add_labels("acme/docs", 1, &["x".into()])
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::NotFound), "{err:?}");
    for err in [
        client
            .create_pull_request("acme", &new_pr("b"))
            .await
            .unwrap_err(),
        client
            .create_pull_request("acme/docs/x", &new_pr("b"))
            .await
            .unwrap_err(),
        client
            .add_labels("../etc", 1, &["x".into()])
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, ForgeError::InvalidRepository(_)), "{err:?}");
        assert_no_token(&err);
    }
}

#[tokio::test]
async fn an_unreachable_forge_is_a_network_error() {
    // Port 9 (discard) is closed: the connection is refused at once.
    let client = ForgeClient::new("http://127.0.0.1:9/api/v3", TOKEN).unwrap();
    let err = client
        .create_pull_request("acme/docs", &new_pr("b"))
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::Network(_)), "{err:?}");
    assert_no_token(&err);
}

#[test]
fn bad_configuration_is_refused() {
    for url in [
        "",
        "api.github.com",
        "ftp://host/api",
        "https://bob:pw@host/api",
    ] {
        let err = ForgeClient::new(url, TOKEN).unwrap_err();
        assert!(
            matches!(err, ForgeError::InvalidBaseUrl { .. }),
            "{url:?}: {err:?}"
        );
        assert_no_token(&err);
    }
    assert!(matches!(
        ForgeClient::new("https://api.github.com", " "),
        Err(ForgeError::InvalidToken(_))
    ));
    assert!(matches!(
        ForgeClient::new("https://api.github.com", "ghp_line\nbreak"),
        Err(ForgeError::InvalidToken(_))
    ));
    assert!(ForgeClient::new("https://api.github.com", TOKEN).is_ok());
}

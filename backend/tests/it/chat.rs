//! `morningai chat`: the real binary against a local server that speaks the
//! OpenAI chat-completions protocol, and against the embedded model.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::cli::morningai;
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

const KEY: &str = "sk-test-never-printed-0123456789";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What the fake server saw: the Authorization header and the request body.
pub(crate) type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// Streams "Hello" + ", queue!" as chat-completion chunks, then usage, then `[DONE]`.
pub(crate) async fn fake_openai() -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let log = log.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                log.lock().unwrap().push((auth, body));
                let chunk = |delta: Value, finish: Value| {
                    serde_json::json!({
                        "id": "c1", "object": "chat.completion.chunk", "model": "gpt-test",
                        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
                    })
                };
                let mut sse = String::new();
                for event in [
                    chunk(serde_json::json!({"role": "assistant", "content": "Hello"}), Value::Null),
                    chunk(serde_json::json!({"content": ", queue!"}), Value::Null),
                    chunk(serde_json::json!({}), "stop".into()),
                    serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "model": "gpt-test",
                        "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}}),
                ] {
                    sse.push_str(&format!("data: {event}\n\n"));
                }
                sse.push_str("data: [DONE]\n\n");
                ([("content-type", "text/event-stream")], sse)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn chat_streams_from_an_openai_compatible_server_without_printing_the_key() {
    let (addr, seen) = fake_openai().await;
    let mut cmd = morningai();
    cmd.args(["chat", "What is a job queue?", "--system", "Be brief."])
        .env("MORNINGAI_LLM_PROVIDER", "openai")
        .env("MORNINGAI_OPENAI_BASE_URL", format!("http://{addr}/v1"))
        .env("MORNINGAI_OPENAI_API_KEY", KEY)
        .env("MORNINGAI_CHAT_MODEL", "gpt-test");
    let out = run(cmd).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "Hello, queue!\n");
    assert!(
        stderr.contains("openai/gpt-test: 9 prompt + 3 completion tokens"),
        "{stderr}"
    );
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (auth, body) = &seen[0];
    assert_eq!(auth.as_deref(), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["content"], "What is a job queue?");
}

#[tokio::test]
async fn chat_with_an_unreachable_server_or_bad_input_fails_clearly() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = morningai();
    cmd.args(["chat", "hi"])
        .env("MORNINGAI_LLM_PROVIDER", "openai")
        .env(
            "MORNINGAI_OPENAI_BASE_URL",
            format!("http://127.0.0.1:{port}/v1"),
        )
        .env("MORNINGAI_OPENAI_API_KEY", KEY);
    let out = run(cmd).await;
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot reach the model server"), "{stderr}");
    assert!(!stderr.contains(KEY));

    let mut cmd = morningai();
    cmd.args(["chat", "  "]);
    let out = run(cmd).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("the prompt is empty"));

    let mut cmd = morningai();
    cmd.args(["chat", "hi"])
        .env("MORNINGAI_LOCAL_MODEL_PATH", "/nonexistent/model.gguf");
    let out = run(cmd).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("scripts/fetch-models.sh"),
        "{}",
        text(&out.stderr)
    );
}

pub(crate) fn local_model() -> PathBuf {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models.sh (make test does)",
        path.display()
    );
    path
}

#[tokio::test]
async fn chat_answers_offline_from_the_embedded_model() {
    let mut cmd = morningai();
    cmd.args(["chat", "What is a job queue?", "--max-tokens", "24"])
        .env("MORNINGAI_LOCAL_MODEL_PATH", local_model())
        // Nothing listens here: the embedded model must not need the network.
        .env("MORNINGAI_OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
    let out = run(cmd).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.split_whitespace().count() >= 5, "{stdout:?}");
    assert!(
        stderr.contains("local/SmolLM2-135M-Instruct.Q4_1:")
            && stderr.contains("+ 24 completion tokens"),
        "{stderr}"
    );
}

/// A `chat` task through the API, the model behind MORNINGAI_OPENAI_BASE_URL:
/// the answer, the task's cost, the live events and the usage report agree.
#[tokio::test]
async fn a_chat_task_over_http_is_answered_metered_and_reported() {
    let (addr, seen) = fake_openai().await;
    // The fake model's price comes from a pricing file, as an operator's would.
    let prices =
        std::env::temp_dir().join(format!("prices-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &prices,
        r#"{"models":{"gpt-test":{"input_per_mtok":2.5,"output_per_mtok":10.0}}}"#,
    )
    .unwrap();
    let pricing_file = prices.clone();
    let mut app = crate::support::TestApp::sqlite_with(move |config| {
        config.models.llm_provider = morningai_backend::config::ChatProvider::Openai;
        config.models.openai_base_url = format!("http://{addr}/v1");
        config.models.openai_api_key = Some(KEY.into());
        config.models.chat_model = Some("gpt-test".into());
        config.usage.pricing_file = Some(pricing_file);
    })
    .await;
    let s = app.signup("chat@example.com", "Chat").await;
    app.start_worker();
    let (status, body) = app
        .post(
            "/api/tasks",
            Some(&s.token),
            serde_json::json!({ "kind": "chat", "input": { "question": "What is a job queue?" } }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let task = body["task_id"].as_str().unwrap().to_owned();

    let start = std::time::Instant::now();
    let done = loop {
        let (_, body) = app.get(&format!("/api/tasks/{task}"), Some(&s.token)).await;
        if body["status"] == "done" || body["status"] == "failed" {
            break body;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "stuck: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    };
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["result"]["answer"], "Hello, queue!");
    // 9 prompt + 3 completion tokens at $2.50 / $10 per million: 52.5 micro-USD, kept to the micro-dollar.
    let cost = 9.0 * 2.5e-6 + 3.0 * 10e-6;
    assert!(
        (done["cost_usd"].as_f64().unwrap() - cost).abs() <= 1e-6
            && done["cost_usd"].as_f64().unwrap() > 0.0,
        "{done}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);

    let (_, usage) = app.get("/api/usage", Some(&s.token)).await;
    assert_eq!(usage["total"]["calls"], 1, "{usage}");
    assert_eq!(usage["by_model"][0]["model"], "gpt-test", "{usage}");
    assert_eq!(usage["by_task"][0]["task_id"], task.as_str(), "{usage}");
    let _ = std::fs::remove_file(prices);
}

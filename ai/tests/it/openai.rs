//! The OpenAI-compatible provider against a local HTTP server that speaks
//! chat completions and embeddings, misbehaving on cue.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, StatusCode};
use axum::routing::post;
use axum::Router;
use futures::StreamExt;
use morningai_ai::openai::{OpenAiClient, OpenAiConfig};
use morningai_ai::{AiError, ChatChunk, ChatModel, ChatRequest, Embedder, Message};
use serde_json::{json, Value};

/// What the server does for one request.
#[derive(Clone)]
enum Reply {
    Json(StatusCode, Value),
    /// Status 429 with this Retry-After.
    RateLimited(&'static str),
    Raw(StatusCode, &'static str),
    /// SSE `data:` lines, then `[DONE]` unless `done` is false.
    Stream {
        chunks: Vec<Value>,
        done: bool,
    },
    Hang,
}

/// Each request as received: path, JSON body, Authorization header.
type Seen = Vec<(String, Value, Option<String>)>;

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<Vec<Reply>>>,
    seen: Arc<Mutex<Seen>>,
}

async fn serve(State(script): State<Script>, req: axum::extract::Request) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    script.seen.lock().unwrap().push((path, body, auth));
    let reply = {
        let mut replies = script.replies.lock().unwrap();
        if replies.len() > 1 {
            replies.remove(0)
        } else {
            replies[0].clone()
        }
    };
    match reply {
        Reply::Json(status, v) => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        Reply::RateLimited(after) => Response::builder()
            .status(429)
            .header("retry-after", after)
            .body(Body::from(
                json!({ "error": { "message": "slow down", "code": "rate_limit_exceeded" } })
                    .to_string(),
            ))
            .unwrap(),
        Reply::Raw(status, text) => Response::builder()
            .status(status)
            .body(Body::from(text))
            .unwrap(),
        Reply::Stream { chunks, done } => {
            let mut text = String::new();
            for c in chunks {
                text.push_str(&format!("data: {c}\n\n"));
            }
            if done {
                text.push_str("data: [DONE]\n\n");
            }
            Response::builder()
                .status(200)
                .header("content-type", "text/event-stream")
                .body(Body::from(text))
                .unwrap()
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Response::new(Body::empty())
        }
    }
}

async fn server(replies: Vec<Reply>) -> (String, Script) {
    let script = Script {
        replies: Arc::new(Mutex::new(replies)),
        ..Default::default()
    };
    let app = Router::new()
        .route("/v1/chat/completions", post(serve))
        .route("/v1/embeddings", post(serve))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, script)
}

fn config(base: &str) -> OpenAiConfig {
    OpenAiConfig {
        timeout: Duration::from_millis(800),
        backoff: Duration::from_millis(20),
        ..OpenAiConfig::new(base, Some("sk-test-secret".into()))
    }
}

fn completion(text: &str) -> Value {
    json!({
        "id": "c1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15 }
    })
}

fn request() -> ChatRequest {
    ChatRequest {
        max_tokens: Some(20),
        temperature: Some(0.0),
        stop: vec!["\n\n".into()],
        seed: Some(7),
        ..ChatRequest::new(vec![
            Message::system("Be brief."),
            Message::user("What is a queue?"),
        ])
    }
}

#[tokio::test]
async fn whole_reply_with_usage_and_the_request_on_the_wire() {
    let (base, script) = server(vec![Reply::Json(
        StatusCode::OK,
        completion("A line of jobs."),
    )])
    .await;
    let model = OpenAiClient::new(config(&base))
        .unwrap()
        .chat_model("gpt-4o-mini");
    let res = model.chat(&request()).await.unwrap();
    assert_eq!(res.text, "A line of jobs.");
    assert_eq!(
        (res.usage.prompt_tokens, res.usage.completion_tokens),
        (12, 3)
    );
    assert_eq!(
        (res.model.as_str(), res.finish_reason.as_deref()),
        ("gpt-4o-mini", Some("stop"))
    );
    let seen = script.seen.lock().unwrap();
    let (path, body, auth) = &seen[0];
    assert_eq!(path, "/v1/chat/completions");
    assert_eq!(auth.as_deref(), Some("Bearer sk-test-secret"));
    assert_eq!(
        body["messages"][1],
        json!({ "role": "user", "content": "What is a queue?" })
    );
    assert_eq!(
        (
            body["max_tokens"].as_u64(),
            body["seed"].as_u64(),
            body["stream"].as_bool()
        ),
        (Some(20), Some(7), Some(false))
    );
    assert_eq!(body["stop"], json!(["\n\n"]));
}

#[tokio::test]
async fn streamed_reply_arrives_token_by_token_then_whole() {
    let chunk = |content: &str| json!({ "model": "m", "choices": [{ "index": 0, "delta": { "content": content }, "finish_reason": null }] });
    let chunks = vec![
        json!({ "model": "m", "choices": [{ "index": 0, "delta": { "role": "assistant" } }] }),
        chunk("Hel"),
        chunk("lo, "),
        chunk("wörld"),
        json!({ "model": "m", "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] }),
        json!({ "model": "m", "choices": [], "usage": { "prompt_tokens": 5, "completion_tokens": 3 } }),
    ];
    let (base, script) = server(vec![Reply::Stream { chunks, done: true }]).await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    let mut stream = model.chat_stream(&request()).await.unwrap();
    let mut tokens = Vec::new();
    let mut done = None;
    while let Some(item) = stream.next().await {
        match item.unwrap() {
            ChatChunk::Token(t) => tokens.push(t),
            ChatChunk::Done(r) => done = Some(r),
        }
    }
    assert_eq!(tokens, ["Hel", "lo, ", "wörld"]);
    let done = done.expect("a final Done");
    assert_eq!(done.text, "Hello, wörld");
    assert_eq!(
        (done.usage.completion_tokens, done.finish_reason.as_deref()),
        (3, Some("stop"))
    );
    assert_eq!(
        script.seen.lock().unwrap()[0].1["stream_options"],
        json!({ "include_usage": true })
    );
}

#[tokio::test]
async fn a_stream_cut_before_done_is_an_error_not_a_short_answer() {
    let chunks = vec![json!({ "choices": [{ "index": 0, "delta": { "content": "partial" } }] })];
    let (base, _) = server(vec![Reply::Stream {
        chunks,
        done: false,
    }])
    .await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    let items: Vec<_> = model.chat_stream(&request()).await.unwrap().collect().await;
    assert!(
        matches!(items.last().unwrap(), Err(AiError::InvalidResponse(_))),
        "{items:?}"
    );
}

#[tokio::test]
async fn rate_limited_waits_for_retry_after_then_succeeds() {
    let (base, script) = server(vec![
        Reply::RateLimited("1"),
        Reply::Json(StatusCode::OK, completion("ok")),
    ])
    .await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    let started = Instant::now();
    assert_eq!(model.chat(&request()).await.unwrap().text, "ok");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn rate_limited_every_time_gives_rate_limited_after_the_retries() {
    let (base, script) = server(vec![Reply::RateLimited("0")]).await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    let err = model.chat(&request()).await.unwrap_err();
    assert!(
        matches!(
            err,
            AiError::RateLimited {
                retry_after: Some(_),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        script.seen.lock().unwrap().len(),
        4,
        "one try and three retries"
    );
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let (base, script) = server(vec![
        Reply::Json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "error": { "message": "overloaded" } }),
        ),
        Reply::Raw(StatusCode::BAD_GATEWAY, "<html>bad gateway</html>"),
        Reply::Json(StatusCode::OK, completion("fine")),
    ])
    .await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    assert_eq!(model.chat(&request()).await.unwrap().text, "fine");
    assert_eq!(script.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn malformed_json_is_an_invalid_response() {
    let (base, _) = server(vec![Reply::Raw(StatusCode::OK, "{\"choices\": [oops")]).await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    assert!(matches!(
        model.chat(&request()).await,
        Err(AiError::InvalidResponse(_))
    ));
    let (base, _) = server(vec![Reply::Json(StatusCode::OK, json!({ "choices": [] }))]).await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    assert!(matches!(
        model.chat(&request()).await,
        Err(AiError::InvalidResponse(_))
    ));
}

#[tokio::test]
async fn a_hang_past_the_timeout_is_a_timeout() {
    let (base, script) = server(vec![Reply::Hang]).await;
    let cfg = OpenAiConfig {
        max_retries: 1,
        ..config(&base)
    };
    let model = OpenAiClient::new(cfg).unwrap().chat_model("m");
    let started = Instant::now();
    let err = model.chat(&request()).await.unwrap_err();
    assert!(matches!(err, AiError::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(script.seen.lock().unwrap().len(), 2, "a timeout is retried");
}

#[tokio::test]
async fn unauthorized_fails_at_once_without_echoing_the_key() {
    let (base, script) = server(vec![Reply::Json(
        StatusCode::UNAUTHORIZED,
        json!({ "error": { "message": "Incorrect API key provided" } }),
    )])
    .await;
    let client = OpenAiClient::new(config(&base)).unwrap();
    let err = client.chat_model("m").chat(&request()).await.unwrap_err();
    assert!(
        matches!(&err, AiError::Authentication(m) if m.contains("Incorrect API key")),
        "{err:?}"
    );
    assert_eq!(script.seen.lock().unwrap().len(), 1, "not retried");
    assert!(
        !format!("{client:?}").contains("sk-test-secret"),
        "the key is redacted in Debug"
    );
}

#[tokio::test]
async fn context_too_long_and_bad_request_are_told_apart() {
    let too_long = json!({ "error": { "message": "This model's maximum context length is 8192 tokens", "code": "context_length_exceeded" } });
    let (base, _) = server(vec![Reply::Json(StatusCode::BAD_REQUEST, too_long)]).await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    assert!(matches!(
        model.chat(&request()).await,
        Err(AiError::ContextTooLong(_))
    ));
    let (base, _) = server(vec![Reply::Json(
        StatusCode::BAD_REQUEST,
        json!({ "error": { "message": "temperature too high" } }),
    )])
    .await;
    let model = OpenAiClient::new(config(&base)).unwrap().chat_model("m");
    assert!(
        matches!(model.chat(&request()).await, Err(AiError::BadRequest(m)) if m.contains("temperature"))
    );
}

#[tokio::test]
async fn unreachable_server_is_a_network_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = OpenAiConfig {
        max_retries: 1,
        ..config(&format!("http://127.0.0.1:{port}/v1"))
    };
    let model = OpenAiClient::new(cfg).unwrap().chat_model("m");
    assert!(matches!(
        model.chat(&request()).await,
        Err(AiError::Network(_))
    ));
}

#[tokio::test]
async fn embeddings_come_back_in_input_order() {
    let reply = json!({
        "object": "list", "model": "text-embedding-3-small",
        "data": [
            { "object": "embedding", "index": 1, "embedding": [0.0, 1.0] },
            { "object": "embedding", "index": 0, "embedding": [1.0, 0.0] }
        ],
        "usage": { "prompt_tokens": 4, "total_tokens": 4 }
    });
    let (base, script) = server(vec![Reply::Json(StatusCode::OK, reply)]).await;
    let embedder = OpenAiClient::new(config(&base))
        .unwrap()
        .embedder("text-embedding-3-small", 2);
    let res = embedder
        .embed(&["first".into(), "second".into()])
        .await
        .unwrap();
    assert_eq!(res.vectors, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert_eq!(res.usage.prompt_tokens, 4);
    assert_eq!(
        script.seen.lock().unwrap()[0].1["input"],
        json!(["first", "second"])
    );
    let (base, _) = server(vec![Reply::Json(StatusCode::OK, json!({ "data": [] }))]).await;
    let embedder = OpenAiClient::new(config(&base)).unwrap().embedder("e", 2);
    assert!(matches!(
        embedder.embed(&["x".into()]).await,
        Err(AiError::InvalidResponse(_))
    ));
}

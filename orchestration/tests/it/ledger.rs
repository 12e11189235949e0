//! Model calls metered and cached over the store, on SQLite and PostgreSQL:
//! the OpenAI-compatible client against a local server that counts the
//! requests it receives.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::StreamExt;
use morningai_ai::openai::{OpenAiClient, OpenAiConfig};
use morningai_ai::{
    AiError, CachePolicy, CallScope, ChatChunk, ChatModel, ChatRequest, Ledger, Message, Pricing,
};
use morningai_core::{now_ms, Budget, BudgetPatch, Email, MicroUsd, TaskId, TenantCtx};
use morningai_orchestration::StoreLedger;
use morningai_store::Store;
use serde_json::{json, Value};

both_stores!(
    a_call_over_a_cap_is_refused_before_any_request_leaves,
    usage_totals_add_up,
    a_cached_call_is_not_resent_and_is_recorded_as_cached,
);

/// Every answer: 1000 prompt and 200 completion tokens of gpt-4o, which at
/// $2.50 and $10 per million cost 2500 + 2000 = 4500 micro-USD.
const ANSWER_COST: MicroUsd = MicroUsd(4_500);

/// Answers a chat completion, whole or (`"stream": true`) as server-sent events.
async fn completions(State(count): State<Arc<AtomicUsize>>, Json(body): Json<Value>) -> Response {
    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
    let model = body["model"].clone();
    let usage = json!({ "prompt_tokens": 1000, "completion_tokens": 200 });
    if body["stream"] != json!(true) {
        return Json(json!({
            "model": model,
            "choices": [{ "message": { "content": format!("answer {n}") }, "finish_reason": "stop" }],
            "usage": usage,
        }))
        .into_response();
    }
    let events = [
        json!({ "model": model, "choices": [{ "delta": { "content": "answer " } }] }),
        json!({ "model": model, "choices": [{ "delta": { "content": n.to_string() }, "finish_reason": "stop" }] }),
        json!({ "model": model, "choices": [], "usage": usage }),
    ];
    let mut text: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    text.push_str("data: [DONE]\n\n");
    ([(header::CONTENT_TYPE, "text/event-stream")], text).into_response()
}

struct Fixture {
    store: Arc<dyn Store>,
    ledger: Arc<StoreLedger>,
    model: Arc<dyn ChatModel>,
    requests: Arc<AtomicUsize>,
    ctx: TenantCtx,
}

impl Fixture {
    async fn new(store: Arc<dyn Store>) -> Self {
        let requests = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(requests.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = OpenAiClient::new(OpenAiConfig::new(base, Some("sk-test".into()))).unwrap();
        let email = Email::parse("owner@example.com").unwrap();
        let s = store.signup(&email, "hash", "Acme").await.unwrap();
        // The configured default: $1 a day.
        let default = Budget {
            daily_usd: Some(MicroUsd(1_000_000)),
            ..Budget::UNLIMITED
        };
        Self {
            ledger: Arc::new(StoreLedger::new(store.clone(), default)),
            store,
            model: Arc::new(client.chat_model("gpt-4o")),
            requests,
            ctx: TenantCtx::system(s.tenant.id, s.user.id),
        }
    }

    fn chat(&self, task: Option<TaskId>, policy: CachePolicy) -> impl ChatModel {
        let scope = CallScope {
            tenant: self.ctx.tenant_id,
            task_id: task,
            trace_id: Some("trace-ledger".into()),
        };
        self.ledger.chat_model(
            self.model.clone(),
            Arc::new(Pricing::built_in()),
            scope,
            policy,
        )
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn ask(question: &str) -> ChatRequest {
    ChatRequest {
        max_tokens: Some(200),
        temperature: Some(0.7),
        ..ChatRequest::new(vec![Message::user(question)])
    }
}

async fn a_call_over_a_cap_is_refused_before_any_request_leaves(f: Fixture) {
    let task = TaskId::new();
    let chat = f.chat(Some(task), CachePolicy::Deterministic);
    chat.chat(&ask("one")).await.unwrap();
    assert_eq!(f.requests(), 1);

    // A task cap below what the task has spent plus the next call's estimate.
    f.store
        .update_budget_overrides(
            &f.ctx,
            &BudgetPatch {
                task_usd: Some(Some(MicroUsd(5_000))),
                ..BudgetPatch::default()
            },
        )
        .await
        .unwrap();
    let err = chat.chat(&ask("two")).await.unwrap_err();
    assert!(
        matches!(&err, AiError::BudgetExceeded(m) if m.contains("task_usd")),
        "{err}"
    );
    let err = chat.chat_stream(&ask("two")).await.err().unwrap();
    assert!(matches!(err, AiError::BudgetExceeded(_)), "{err}");
    assert_eq!(f.requests(), 1, "no request left after the refusal");

    // Another task of the tenant is not bound by this task's spend…
    f.chat(Some(TaskId::new()), CachePolicy::Deterministic)
        .chat(&ask("three"))
        .await
        .unwrap();
    assert_eq!(f.requests(), 2);
    // …while a tenant-wide cap binds every call, in a task or not.
    f.store
        .update_budget_overrides(
            &f.ctx,
            &BudgetPatch {
                daily_tokens: Some(Some(2_400)),
                ..BudgetPatch::default()
            },
        )
        .await
        .unwrap();
    let err = f
        .chat(None, CachePolicy::Deterministic)
        .chat(&ask("four"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AiError::BudgetExceeded(m) if m.contains("daily_tokens")),
        "{err}"
    );
    assert_eq!(f.requests(), 2);
    assert_eq!(
        f.ledger.budget(f.ctx.tenant_id).await.unwrap(),
        Budget {
            daily_usd: Some(MicroUsd(1_000_000)),
            task_usd: Some(MicroUsd(5_000)),
            daily_tokens: Some(2_400),
            ..Budget::UNLIMITED
        }
    );

    let report = f
        .store
        .usage(f.ctx.tenant_id, 0, now_ms() + 1)
        .await
        .unwrap();
    assert_eq!(report.total.calls, 5);
    assert_eq!(report.total.refused, 3);
    assert_eq!(report.total.cost, MicroUsd(2 * ANSWER_COST.0));
}

async fn usage_totals_add_up(f: Fixture) {
    let (t1, t2) = (TaskId::new(), TaskId::new());
    for (task, n) in [(Some(t1), 3), (Some(t2), 2), (None, 1)] {
        let chat = f.chat(task, CachePolicy::Deterministic);
        for i in 0..n {
            let question = format!("question {i}");
            if i % 2 == 0 {
                chat.chat(&ask(&question)).await.unwrap();
            } else {
                let chunks: Vec<_> = chat
                    .chat_stream(&ask(&question))
                    .await
                    .unwrap()
                    .collect()
                    .await;
                assert!(
                    matches!(chunks.last(), Some(Ok(ChatChunk::Done(_)))),
                    "{chunks:?}"
                );
            }
        }
    }
    let report = f
        .store
        .usage(f.ctx.tenant_id, 0, now_ms() + 1)
        .await
        .unwrap();
    assert_eq!(report.total.calls, 6);
    assert_eq!(report.total.errors, 0);
    assert_eq!(report.total.cost, MicroUsd(6 * ANSWER_COST.0));
    assert_eq!(
        (report.total.prompt_tokens, report.total.completion_tokens),
        (6_000, 1_200)
    );
    let by_task = |t: Option<TaskId>| {
        report
            .by_task
            .iter()
            .find(|u| u.task_id == t)
            .map(|u| u.totals.calls)
            .unwrap_or(0)
    };
    assert_eq!(
        (by_task(Some(t1)), by_task(Some(t2)), by_task(None)),
        (3, 2, 1)
    );
    let sum: i64 = report.by_task.iter().map(|u| u.totals.cost.0).sum();
    assert_eq!(MicroUsd(sum), report.total.cost);
    let sum: i64 = report.by_model.iter().map(|u| u.totals.cost.0).sum();
    assert_eq!(MicroUsd(sum), report.total.cost);
    assert_eq!(report.by_day.len(), 1);
    assert_eq!(report.by_day[0].totals, report.total);

    let spent = f
        .store
        .spent(f.ctx.tenant_id, Some(t1), now_ms())
        .await
        .unwrap();
    assert_eq!(spent.day.cost, report.total.cost);
    assert_eq!(
        spent.day.tokens,
        report.total.prompt_tokens + report.total.completion_tokens
    );
    assert_eq!(spent.task.tokens, by_task_tokens(&report, t1));
}

fn by_task_tokens(report: &morningai_core::UsageReport, task: TaskId) -> u64 {
    report
        .by_task
        .iter()
        .find(|u| u.task_id == Some(task))
        .map(|u| u.totals.prompt_tokens + u.totals.completion_tokens)
        .unwrap()
}

async fn a_cached_call_is_not_resent_and_is_recorded_as_cached(f: Fixture) {
    let task = TaskId::new();
    let chat = f.chat(Some(task), CachePolicy::Deterministic);
    let greedy = ChatRequest {
        temperature: Some(0.0),
        ..ask("What is a job queue?")
    };
    let first = chat.chat(&greedy).await.unwrap();
    let again = chat.chat(&greedy).await.unwrap();
    assert_eq!(
        f.requests(),
        1,
        "the second call was answered from the cache"
    );
    assert_eq!(again.text, first.text);
    assert_eq!(again.usage, first.usage);

    // A replay (policy Always) of the same step, streamed, reuses it too.
    let replay = f.chat(Some(TaskId::new()), CachePolicy::Always);
    let chunks: Vec<_> = replay.chat_stream(&greedy).await.unwrap().collect().await;
    assert!(matches!(&chunks[0], Ok(ChatChunk::Token(t)) if *t == first.text));
    assert_eq!(f.requests(), 1);

    // A hit is free even when the budget is spent.
    f.store
        .update_budget_overrides(
            &f.ctx,
            &BudgetPatch {
                daily_usd: Some(Some(MicroUsd::ZERO)),
                ..BudgetPatch::default()
            },
        )
        .await
        .unwrap();
    chat.chat(&greedy).await.unwrap();
    assert_eq!(f.requests(), 1);

    let report = f
        .store
        .usage(f.ctx.tenant_id, 0, now_ms() + 1)
        .await
        .unwrap();
    assert_eq!(report.total.calls, 4);
    assert_eq!(report.total.cached, 3);
    assert_eq!(report.total.cost, ANSWER_COST);
    assert_eq!(
        report.total.prompt_tokens, 1000,
        "hits add no billed tokens"
    );
    let spent = f
        .store
        .spent(f.ctx.tenant_id, Some(task), now_ms())
        .await
        .unwrap();
    assert_eq!(spent.task.cost, ANSWER_COST);
    assert_eq!(
        (report.by_model.len(), report.by_model[0].model.as_str()),
        (1, "gpt-4o")
    );
}

//! Graphs that call models, run by the runtime on real stores, against a
//! local server speaking the OpenAI protocol that counts the requests it gets:
//! live token and cost events, the task's cost, budgets, and replay answered
//! from the response cache.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use morningai_ai::openai::{OpenAiClient, OpenAiConfig};
use morningai_ai::Pricing;
use morningai_core::{
    Budget, BudgetPatch, Email, MicroUsd, Role, Task, TaskEvent, TaskStatus, TenantCtx,
};
use morningai_orchestration::{ModelServices, RunOutcome, Runtime, StoreLedger, TaskRequest};
use morningai_queue::Queue;
use morningai_store::Store;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

both_stores!(
    a_chat_task_streams_tokens_and_cost_as_events,
    a_replay_reuses_the_cached_answer_without_asking_again,
    a_task_over_budget_fails_before_any_request_leaves,
);

/// Every answer: 1000 prompt + 200 completion tokens of gpt-4o
/// ($2.50 / $10 per million) = 4500 micro-USD.
const ANSWER_USD: f64 = 0.0045;

/// Streams "Queues hold " + "job N." (N counts requests), then usage.
async fn completions(
    State(count): State<Arc<AtomicUsize>>,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
    assert_eq!(body["stream"], true, "nodes stream their answers");
    let model = body["model"].clone();
    let events = [
        json!({ "model": model, "choices": [{ "delta": { "content": "Queues hold " } }] }),
        json!({ "model": model, "choices": [{ "delta": { "content": format!("job {n}.") }, "finish_reason": "stop" }] }),
        json!({ "model": model, "choices": [], "usage": { "prompt_tokens": 1000, "completion_tokens": 200 } }),
    ];
    let mut text: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
    text.push_str("data: [DONE]\n\n");
    ([(header::CONTENT_TYPE, "text/event-stream")], text)
}

struct Fixture {
    runtime: Runtime,
    store: Arc<dyn Store>,
    ctx: TenantCtx,
    requests: Arc<AtomicUsize>,
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
        let models = ModelServices {
            chat: Arc::new(client.chat_model("gpt-4o")),
            embedder: None,
            pricing: Arc::new(Pricing::built_in()),
            ledger: Arc::new(StoreLedger::new(store.clone(), Budget::UNLIMITED)),
        };
        let runtime = Runtime::new(
            store.clone(),
            Queue::database(store.clone()),
            morningai_agents::registry_without_env(),
        )
        .with_models(models);
        Self {
            runtime,
            store,
            ctx: TenantCtx {
                role: Role::Owner,
                ..TenantCtx::system(s.tenant.id, s.user.id)
            },
            requests,
        }
    }

    async fn ask(&self, question: &str) -> Task {
        let req = TaskRequest {
            kind: "chat".into(),
            input: json!({ "question": question }),
            ..Default::default()
        };
        self.runtime.submit(&self.ctx, req).await.unwrap().0
    }

    async fn run(&self, task: &Task) -> (RunOutcome, Task) {
        let outcome = self
            .runtime
            .run_task(self.ctx.tenant_id, task.id, CancellationToken::new())
            .await
            .unwrap();
        let task = self
            .store
            .task(self.ctx.tenant_id, task.id)
            .await
            .unwrap()
            .unwrap();
        (outcome, task)
    }

    async fn events(&self, task: &Task) -> Vec<TaskEvent> {
        self.store
            .task_events(self.ctx.tenant_id, task.id, 0, 1000)
            .await
            .unwrap()
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn kinds(events: &[TaskEvent]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

fn calls(events: &[TaskEvent]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e.kind == "model.call")
        .map(|e| &e.data)
        .collect()
}

async fn a_chat_task_streams_tokens_and_cost_as_events(f: Fixture) {
    let task = f.ask("What is a job queue?").await;
    let (outcome, done) = f.run(&task).await;
    assert_eq!(outcome, RunOutcome::Done);
    assert_eq!(done.status, TaskStatus::Done);
    let result = done.result.unwrap();
    assert_eq!(result["answer"], "Queues hold job 1.");
    assert_eq!(result["model"], "openai/gpt-4o");
    assert_eq!(result["completion_tokens"], 200);
    assert!(
        (done.cost_usd - ANSWER_USD).abs() < 1e-9,
        "{}",
        done.cost_usd
    );
    assert_eq!(f.requests(), 1);

    let events = f.events(&task).await;
    // The streamed text and the call arrive between the node's start and end.
    let kinds = kinds(&events);
    let started = kinds.iter().position(|k| *k == "node.started").unwrap();
    let finished = kinds.iter().position(|k| *k == "node.finished").unwrap();
    let streamed: String = events[started..finished]
        .iter()
        .filter(|e| e.kind == "model.tokens")
        .map(|e| e.data["text"].as_str().unwrap())
        .collect();
    assert_eq!(streamed, "Queues hold job 1.");
    let calls = calls(&events[started..finished]);
    assert_eq!(calls.len(), 1, "{kinds:?}");
    let call = calls[0];
    assert_eq!(
        (&call["provider"], &call["model"], &call["outcome"]),
        (&json!("openai"), &json!("gpt-4o"), &json!("ok"))
    );
    assert_eq!(
        (&call["prompt_tokens"], &call["completion_tokens"]),
        (&json!(1000), &json!(200))
    );
    assert!((call["cost_usd"].as_f64().unwrap() - ANSWER_USD).abs() < 1e-9);
    assert!((call["task_cost_usd"].as_f64().unwrap() - ANSWER_USD).abs() < 1e-9);

    // The usage ledger has it, under the task and its trace.
    let report = f
        .store
        .usage(f.ctx.tenant_id, 0, morningai_core::now_ms() + 1000)
        .await
        .unwrap();
    assert_eq!(report.total.calls, 1);
    assert_eq!(report.by_task.len(), 1);
    assert_eq!(report.by_task[0].task_id, Some(task.id));
}

async fn a_replay_reuses_the_cached_answer_without_asking_again(f: Fixture) {
    let task = f.ask("What is a job queue?").await;
    let (_, first) = f.run(&task).await;
    assert_eq!(f.requests(), 1);
    let checkpoints = f.store.checkpoints(f.ctx.tenant_id, task.id).await.unwrap();
    let initial = checkpoints.first().unwrap();

    let replay = f.runtime.replay(&f.ctx, &first, initial.id).await.unwrap();
    let (outcome, replayed) = f.run(&replay).await;
    assert_eq!(outcome, RunOutcome::Done);
    assert_eq!(f.requests(), 1, "the replay asked the model again");
    assert_eq!(
        replayed.result.as_ref().unwrap()["answer"],
        "Queues hold job 1."
    );
    assert_eq!(replayed.cost_usd, 0.0);
    let events = f.events(&replay).await;
    let calls = calls(&events);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["outcome"], "cached");
    assert_eq!(calls[0]["cost_usd"], 0.0);

    // A different question is a different request: the model answers it.
    let other = f.ask("What is a worker?").await;
    let (_, other) = f.run(&other).await;
    assert_eq!(other.result.unwrap()["answer"], "Queues hold job 2.");
    assert_eq!(f.requests(), 2);
}

async fn a_task_over_budget_fails_before_any_request_leaves(f: Fixture) {
    // Less than one answer's estimated cost per task.
    f.store
        .update_budget_overrides(
            &f.ctx,
            &BudgetPatch {
                task_usd: Some(Some(MicroUsd(100))),
                ..BudgetPatch::default()
            },
        )
        .await
        .unwrap();
    let task = f.ask("What is a job queue?").await;
    let (outcome, failed) = f.run(&task).await;
    assert_eq!(outcome, RunOutcome::Failed);
    assert_eq!(failed.status, TaskStatus::Failed);
    let error = failed.error.unwrap();
    assert!(error.contains("budget exceeded"), "{error}");
    assert_eq!(f.requests(), 0, "nothing was sent");
    let events = f.events(&task).await;
    let calls = calls(&events);
    assert_eq!(calls.len(), 1, "one refusal recorded, not retried");
    assert_eq!(calls[0]["outcome"], "refused");
}

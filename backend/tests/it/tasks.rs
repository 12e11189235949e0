//! The tasks API end to end: a worker runs the graph while the client
//! watches events over SSE, answers approvals, cancels, replays.

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, Session, TestApp};

both_backends!(
    create_watch_live_and_resume_the_stream_without_gaps,
    approvals_flow_over_http,
    list_page_cancel_and_replay,
    another_tenant_gets_404_everywhere,
    bad_input_gets_clear_errors,
);

/// One parsed server-sent event.
#[derive(Debug, Clone, PartialEq)]
struct Sse {
    id: i64,
    event: String,
    data: Value,
}

/// Reads the task's event stream to its end (the server closes it after the final event).
async fn read_events(
    app: &TestApp,
    token: &str,
    task: &str,
    last_event_id: Option<i64>,
) -> Vec<Sse> {
    let mut req = app
        .client
        .get(format!("{}/api/tasks/{task}/events", app.base))
        .bearer_auth(token);
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut body = res.bytes_stream();
    let mut buf = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline.into(), body.next()).await {
        buf.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
    }
    buf.split("\n\n")
        .filter_map(|block| {
            let mut id = None;
            let mut event = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            Some(Sse {
                id: id?,
                event,
                data: serde_json::from_str(&data).ok()?,
            })
        })
        .collect()
}

async fn create(app: &TestApp, s: &Session, input: Value) -> String {
    let (status, body) = app
        .post(
            "/api/tasks",
            Some(&s.token),
            json!({ "kind": "echo", "input": input }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "queued");
    assert!(body["trace_id"].is_string());
    body["task_id"].as_str().unwrap().to_owned()
}

async fn wait_status(app: &TestApp, s: &Session, task: &str, status: &str) -> Value {
    let start = Instant::now();
    loop {
        let (_, body) = app.get(&format!("/api/tasks/{task}"), Some(&s.token)).await;
        if body["status"] == status {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "task stuck: {body}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

async fn create_watch_live_and_resume_the_stream_without_gaps(mut app: TestApp) {
    let s = app.signup("live@example.com", "Live").await;
    app.start_worker();
    let task = create(
        &app,
        &s,
        json!({ "message": "hi", "rounds": 3, "delay_ms": 50 }),
    )
    .await;
    let all = read_events(&app, &s.token, &task, None).await;
    let ids: Vec<i64> = all.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "no gaps or duplicates"
    );
    assert_eq!(all.first().unwrap().event, "task.queued");
    assert_eq!(all.last().unwrap().event, "task.done");
    assert!(all
        .iter()
        .any(|e| e.event == "node.finished" && e.data["data"]["node"] == "echo"));
    assert_eq!(
        all[3].data["seq"],
        json!(all[3].id),
        "the data is the stored event"
    );
    // Reconnecting after event k yields exactly the rest.
    for k in [1, 5, all.len() as i64 - 1] {
        let rest = read_events(&app, &s.token, &task, Some(k)).await;
        assert_eq!(rest, all[k as usize..].to_vec(), "resume after {k}");
    }
    let (_, done) = app.get(&format!("/api/tasks/{task}"), Some(&s.token)).await;
    assert_eq!(done["status"], "done");
    assert_eq!(
        done["result"]["transcript"],
        json!(["1: hi", "2: hi", "3: hi"])
    );
    assert_eq!(done["checkpoint_count"], 6);
    assert!(done["started_at"].is_string() && done["finished_at"].is_string());
}

async fn approvals_flow_over_http(mut app: TestApp) {
    let owner = app.signup("boss@example.com", "Approvals").await;
    let viewer = app
        .add_member(&owner, "watcher@example.com", "viewer")
        .await;
    app.start_worker();
    let task = create(
        &app,
        &owner,
        json!({ "message": "deploy", "rounds": 1, "require_approval": true }),
    )
    .await;
    let waiting = wait_status(&app, &owner, &task, "waiting_approval").await;
    assert_eq!(waiting["interrupt"]["question"], "Publish this echo?");
    let (_, pending) = app
        .get("/api/approvals?status=pending", Some(&owner.token))
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["task_id"], task.as_str());

    let (status, body) = app
        .post(
            &format!("/api/tasks/{task}/resume"),
            Some(&viewer.token),
            json!({ "decision": "approve" }),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .post(
            &format!("/api/tasks/{task}/resume"),
            Some(&owner.token),
            json!({ "decision": "maybe" }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, body) = app
        .post(
            &format!("/api/tasks/{task}/resume"),
            Some(&owner.token),
            json!({ "decision": "approve", "input": { "note": "go" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let done = wait_status(&app, &owner, &task, "done").await;
    assert_eq!(done["result"]["approved"], true);
    let (status, body) = app
        .post(
            &format!("/api/tasks/{task}/resume"),
            Some(&owner.token),
            json!({ "decision": "approve" }),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (_, decided) = app
        .get("/api/approvals?status=approved", Some(&owner.token))
        .await;
    assert_eq!(decided[0]["decided_by"], owner.user_id.as_str());
    let (_, log) = app.get("/api/audit", Some(&owner.token)).await;
    assert!(log.to_string().contains("approval.approve"));
}

async fn list_page_cancel_and_replay(mut app: TestApp) {
    let s = app.signup("pages@example.com", "Pages").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(create(&app, &s, json!({ "message": format!("m{i}"), "rounds": 1 })).await);
    }
    let (_, page1) = app.get("/api/tasks?limit=2", Some(&s.token)).await;
    assert_eq!(page1["tasks"].as_array().unwrap().len(), 2);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = app
        .get(
            &format!("/api/tasks?limit=2&cursor={cursor}"),
            Some(&s.token),
        )
        .await;
    assert_eq!(page2["tasks"].as_array().unwrap().len(), 1);
    assert!(page2["next_cursor"].is_null());
    let listed: Vec<&str> = page1["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .chain(page2["tasks"].as_array().unwrap())
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()],
        "newest first"
    );

    let (status, canceled) = app
        .post(
            &format!("/api/tasks/{}/cancel", ids[0]),
            Some(&s.token),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (StatusCode::OK, Some("canceled"))
    );
    let (status, body) = app
        .post(
            &format!("/api/tasks/{}/cancel", ids[0]),
            Some(&s.token),
            json!({}),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (_, only) = app.get("/api/tasks?status=canceled", Some(&s.token)).await;
    assert_eq!(only["tasks"].as_array().unwrap().len(), 1);

    app.start_worker();
    wait_status(&app, &s, &ids[1], "done").await;
    let (_, checkpoints) = app
        .get(
            &format!("/api/tasks/{}/checkpoints", ids[1]),
            Some(&s.token),
        )
        .await;
    let cp = checkpoints
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["node"] == "prepare")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, replay) = app
        .post(
            &format!("/api/tasks/{}/replay", ids[1]),
            Some(&s.token),
            json!({ "checkpoint_id": cp }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{replay}");
    let replayed = wait_status(&app, &s, replay["task_id"].as_str().unwrap(), "done").await;
    assert_eq!(replayed["replay_of"], cp.as_str());
    let (status, body) = app
        .post(
            &format!("/api/tasks/{}/replay", ids[2]),
            Some(&s.token),
            json!({ "checkpoint_id": cp }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
}

async fn another_tenant_gets_404_everywhere(mut app: TestApp) {
    let a = app.signup("a@example.com", "A").await;
    let b = app.signup("b@example.com", "B").await;
    app.start_worker();
    let task = create(
        &app,
        &a,
        json!({ "message": "secret", "rounds": 1, "require_approval": true }),
    )
    .await;
    wait_status(&app, &a, &task, "waiting_approval").await;
    let (status, counts) = app.get("/api/tasks/counts", Some(&a.token)).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    assert_eq!(counts["counts"]["waiting_approval"], 1, "{counts}");
    assert_eq!(
        (counts["counts"]["done"].as_i64(), counts["total"].as_i64()),
        (Some(0), Some(1))
    );
    let (_, counts) = app.get("/api/tasks/counts", Some(&b.token)).await;
    assert_eq!(counts["total"], 0, "{counts}");
    assert_eq!(counts["counts"].as_object().unwrap().len(), 6, "{counts}");
    let (_, cps) = app
        .get(&format!("/api/tasks/{task}/checkpoints"), Some(&a.token))
        .await;
    let cp = cps[0]["id"].as_str().unwrap();
    let t = Some(b.token.as_str());
    for (status, body) in [
        app.get(&format!("/api/tasks/{task}"), t).await,
        app.get(&format!("/api/tasks/{task}/checkpoints"), t).await,
        app.get(&format!("/api/tasks/{task}/events"), t).await,
        app.post(
            &format!("/api/tasks/{task}/resume"),
            t,
            json!({ "decision": "approve" }),
        )
        .await,
        app.post(
            &format!("/api/tasks/{task}/replay"),
            t,
            json!({ "checkpoint_id": cp }),
        )
        .await,
        app.post(&format!("/api/tasks/{task}/cancel"), t, json!({}))
            .await,
    ] {
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (_, list) = app.get("/api/tasks", t).await;
    assert_eq!(list["tasks"], json!([]));
    let (_, approvals) = app.get("/api/approvals", t).await;
    assert_eq!(approvals, json!([]));
    assert_eq!(
        wait_status(&app, &a, &task, "waiting_approval").await["status"],
        "waiting_approval"
    );
}

async fn bad_input_gets_clear_errors(app: TestApp) {
    let s = app.signup("bad@example.com", "Bad").await;
    let viewer = app.add_member(&s, "v@example.com", "viewer").await;
    let t = Some(s.token.as_str());
    let cases = [
        (json!({ "kind": "nope", "input": {} }), "kind:"),
        (
            json!({ "kind": "echo", "input": { "rounds": 2 } }),
            "input:",
        ),
        (
            json!({ "kind": "echo", "input": { "message": "x" }, "priority": 1000 }),
            "priority:",
        ),
        (
            json!({ "kind": "echo", "input": { "message": "x" }, "idempotency_key": "" }),
            "idempotency_key:",
        ),
        (json!({ "kind": "echo" }), "input"),
    ];
    for (body, field) in cases {
        let (status, err) = app.post("/api/tasks", t, body).await;
        assert_error(status, &err, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(field),
            "{field}: {err}"
        );
    }
    let (status, body) = app
        .post(
            "/api/tasks",
            Some(&viewer.token),
            json!({ "kind": "echo", "input": { "message": "x" } }),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.get("/api/tasks?status=sleeping", t).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, body) = app.get("/api/tasks?cursor=not-an-id", t).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, body) = app.get("/api/approvals?status=maybe", t).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let task = create(&app, &s, json!({ "message": "x" })).await;
    let res = app
        .client
        .get(format!("{}/api/tasks/{task}/events", app.base))
        .bearer_auth(&s.token)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let (status, body) = app
        .post(
            &format!("/api/tasks/{task}/resume"),
            t,
            json!({ "decision": "approve" }),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    // Same idempotency key, same task.
    let body = json!({ "kind": "echo", "input": { "message": "once" }, "idempotency_key": "k" });
    let (_, first) = app.post("/api/tasks", t, body.clone()).await;
    let (_, second) = app.post("/api/tasks", t, body).await;
    assert_eq!(first["task_id"], second["task_id"]);
    assert_eq!(second["created"], false);
    let (_, kinds) = app.get("/api/task-kinds", t).await;
    let kinds: Vec<_> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"echo") && kinds.contains(&"index"),
        "{kinds:?}"
    );
}

/// A worker process killed mid-run: the task finishes from its last
/// checkpoint under another worker, and no node runs twice.
#[tokio::test]
async fn postgres_killed_worker_task_resumes_from_its_checkpoint() {
    use crate::queue::{temp_dir, worker_env, Proc};
    use morningai_core::{Email, TaskStatus, TenantCtx};
    use morningai_orchestration::{Runtime, TaskRequest};
    use morningai_store::Store;
    use std::sync::Arc;

    let db = morningai_store::testing::TempPostgres::new().await;
    let data = temp_dir();
    let store: Arc<dyn Store> = Arc::new(
        morningai_store::PgStore::open(&db.owner_url, &Default::default())
            .await
            .unwrap(),
    );
    let signup = store
        .signup(&Email::parse("k@example.com").unwrap(), "h", "K")
        .await
        .unwrap();
    let ctx = TenantCtx::system(signup.tenant.id, signup.user.id);
    let runtime = Runtime::new(
        store.clone(),
        morningai_queue::Queue::database(store.clone()),
        morningai_agents::registry_without_env(),
    );
    let req = TaskRequest {
        kind: "echo".into(),
        input: json!({ "message": "durable", "rounds": 4, "delay_ms": 700 }),
        ..Default::default()
    };
    let (task, _) = runtime.submit(&ctx, req).await.unwrap();

    let env = worker_env(&db.owner_url, &data, &[]);
    let mut first = Proc::spawn(&["worker"], &env);
    let start = Instant::now();
    while store
        .task(ctx.tenant_id, task.id)
        .await
        .unwrap()
        .unwrap()
        .checkpoint_count
        < 4
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the first worker made no progress"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.signal("-KILL");
    first.wait(Duration::from_secs(10));
    let progress = store
        .task(ctx.tenant_id, task.id)
        .await
        .unwrap()
        .unwrap()
        .checkpoint_count;
    assert!(progress < 7, "killed mid-run, not after it");

    let _second = Proc::spawn(&["worker"], &env);
    let start = Instant::now();
    let done = loop {
        let t = store.task(ctx.tenant_id, task.id).await.unwrap().unwrap();
        if t.status.is_final() {
            break t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "not resumed: {t:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done.status, TaskStatus::Done, "{:?}", done.error);
    assert_eq!(
        done.result.unwrap()["transcript"].as_array().unwrap().len(),
        4
    );
    let events = store
        .task_events(ctx.tenant_id, task.id, 0, 1000)
        .await
        .unwrap();
    let mut finished = std::collections::HashMap::new();
    for e in events.iter().filter(|e| e.kind == "node.finished") {
        *finished
            .entry((e.data["node"].to_string(), e.data["step"].as_i64().unwrap()))
            .or_insert(0) += 1;
    }
    assert!(
        finished.values().all(|n| *n == 1),
        "a completed node ran again: {finished:?}"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "checkpoint.initial")
            .count(),
        1
    );
}

/// A client's idempotency key cannot take the place of the server's own (an
/// index run's), and reusing one for a different request is an error, not
/// the old task.
#[tokio::test]
async fn idempotency_keys_are_namespaced_and_bound_to_their_request() {
    let app = TestApp::sqlite().await;
    let s = app.signup("k@example.com", "Keys").await;
    let submit = |key: &'static str, message: &'static str| {
        let app = &app;
        let token = s.token.clone();
        async move {
            app.post(
                "/api/tasks",
                Some(&token),
                json!({ "kind": "echo", "input": { "message": message }, "idempotency_key": key }),
            )
            .await
        }
    };
    let (status, body) = submit("morningai:index:x:1", "hi").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, first) = submit("mine", "hi").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    let (status, again) = submit("mine", "hi").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["task_id"], first["task_id"]);
    assert_eq!(again["created"], false);
    let (status, body) = submit("mine", "something else").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("idempotency_key"),
        "{body}"
    );
}

mod quota {
    use reqwest::StatusCode;
    use serde_json::json;

    use crate::support::{assert_error, TestApp};

    /// The operator's hourly task quota: a clear 429 past it, nothing stored,
    /// and the same idempotency key still answers its task.
    async fn past_the_hourly_quota_submissions_get_429(app: TestApp) {
        let s = app.signup("quota@example.com", "Quota").await;
        for i in 0..2 {
            let (status, _) = app
                .post(
                    "/api/tasks",
                    Some(&s.token),
                    json!({ "kind": "echo", "input": { "message": "hi" }, "idempotency_key": format!("k{i}") }),
                )
                .await;
            assert_eq!(status, StatusCode::ACCEPTED);
        }
        let (status, body) = app
            .post(
                "/api/tasks",
                Some(&s.token),
                json!({ "kind": "echo", "input": { "message": "hi" } }),
            )
            .await;
        assert_error(
            status,
            &body,
            StatusCode::TOO_MANY_REQUESTS,
            "quota_exceeded",
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("2 tasks an hour"),
            "{body}"
        );
        let (status, body) = app
            .post(
                "/api/tasks",
                Some(&s.token),
                json!({ "kind": "echo", "input": { "message": "hi" }, "idempotency_key": "k0" }),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["created"], false);
        let (_, list) = app.get("/api/tasks", Some(&s.token)).await;
        assert_eq!(list["tasks"].as_array().unwrap().len(), 2, "{list}");
    }

    #[tokio::test]
    async fn sqlite() {
        let app = TestApp::sqlite_with(|c| c.usage.tasks_per_hour = 2).await;
        past_the_hourly_quota_submissions_get_429(app).await;
    }

    #[tokio::test]
    async fn postgres() {
        let app = TestApp::postgres_with(|c| c.usage.tasks_per_hour = 2).await;
        past_the_hourly_quota_submissions_get_429(app).await;
    }
}

//! Runs of the `echo` graph driven directly (no worker), on SQLite and PostgreSQL.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use morningai_core::{ApprovalStatus, Email, Role, Task, TaskEvent, TaskStatus, TenantCtx};
use morningai_orchestration::{RunOutcome, Runtime, SubmitError, TaskRequest};
use morningai_queue::{JobScope, JobStatus, Queue};
use morningai_store::Store;
use serde_json::json;
use tokio_util::sync::CancellationToken;

both_stores!(
    echo_runs_to_done_with_ordered_events_and_checkpoints,
    a_runaway_loop_hits_the_step_limit,
    a_suspended_run_resumes_from_its_checkpoint_without_repeating_nodes,
    interrupts_wait_for_approval_then_continue_on_approve_or_reject,
    cancel_stops_a_running_task_at_the_next_node,
    replay_starts_a_new_run_from_a_checkpoint,
    bad_input_and_unknown_kinds_are_refused,
    tenants_cannot_reach_each_others_tasks,
    the_last_delivery_after_lost_workers_fails_the_task,
);

struct Fixture {
    runtime: Runtime,
    store: Arc<dyn Store>,
    ctx: TenantCtx,
}

impl Fixture {
    async fn new(store: Arc<dyn Store>) -> Self {
        let ctx = tenant(&*store, "a").await;
        let runtime = Runtime::new(
            store.clone(),
            Queue::database(store.clone()),
            morningai_agents::registry_without_env(),
        );
        Self {
            runtime,
            store,
            ctx,
        }
    }

    async fn submit(&self, input: serde_json::Value) -> Task {
        let req = TaskRequest {
            kind: "echo".into(),
            input,
            ..Default::default()
        };
        self.runtime.submit(&self.ctx, req).await.unwrap().0
    }

    async fn run(&self, task: &Task) -> RunOutcome {
        self.runtime
            .run_task(self.ctx.tenant_id, task.id, CancellationToken::new())
            .await
            .unwrap()
    }

    async fn task(&self, task: &Task) -> Task {
        self.store
            .task(self.ctx.tenant_id, task.id)
            .await
            .unwrap()
            .unwrap()
    }

    async fn events(&self, task: &Task) -> Vec<TaskEvent> {
        self.store
            .task_events(self.ctx.tenant_id, task.id, 0, 1000)
            .await
            .unwrap()
    }
}

async fn tenant(store: &dyn Store, name: &str) -> TenantCtx {
    let email = Email::parse(&format!(
        "{name}-{}@example.com",
        uuid::Uuid::new_v4().simple()
    ))
    .unwrap();
    let s = store.signup(&email, "hash", name).await.unwrap();
    TenantCtx {
        role: Role::Owner,
        ..TenantCtx::system(s.tenant.id, s.user.id)
    }
}

/// (node, step) of every `node.finished` event, and how often each occurs.
fn finished_nodes(events: &[TaskEvent]) -> HashMap<(String, i64), usize> {
    let mut seen = HashMap::new();
    for e in events.iter().filter(|e| e.kind == "node.finished") {
        let key = (
            e.data["node"].as_str().unwrap().to_owned(),
            e.data["step"].as_i64().unwrap(),
        );
        *seen.entry(key).or_default() += 1;
    }
    seen
}

async fn echo_runs_to_done_with_ordered_events_and_checkpoints(f: Fixture) {
    let task = f
        .submit(json!({ "message": "  hello  ", "rounds": 3 }))
        .await;
    assert_eq!(task.status, TaskStatus::Queued);
    let jobs = f
        .store
        .jobs(
            JobScope::Tenant(f.ctx.tenant_id),
            Some(JobStatus::Queued),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "the task's job was written with it");
    assert_eq!(jobs[0].payload["task_id"], json!(task.id));

    assert_eq!(f.run(&task).await, RunOutcome::Done);
    let done = f.task(&task).await;
    assert_eq!(done.status, TaskStatus::Done);
    let result = done.result.unwrap();
    assert_eq!(
        result["transcript"],
        json!(["1: hello", "2: hello", "3: hello"])
    );
    assert_eq!(result["summary"], "echoed \"hello\" 3 times");
    assert_eq!(
        done.checkpoint_count, 6,
        "initial + prepare + 3 echoes + finish"
    );

    let events = f.events(&task).await;
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=events.len() as i64).collect::<Vec<_>>(),
        "contiguous, in order"
    );
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"task.queued"));
    assert_eq!(kinds.last(), Some(&"task.done"));
    assert_eq!(kinds.iter().filter(|k| **k == "node.started").count(), 5);
    assert_eq!(kinds.iter().filter(|k| **k == "log").count(), 3);
    assert!(finished_nodes(&events).values().all(|n| *n == 1));

    let checkpoints = f.store.checkpoints(f.ctx.tenant_id, task.id).await.unwrap();
    let path: Vec<(&str, &str)> = checkpoints
        .iter()
        .map(|c| (c.node.as_str(), c.next.as_str()))
        .collect();
    assert_eq!(
        path,
        [
            ("__start__", "prepare"),
            ("prepare", "echo"),
            ("echo", "echo"),
            ("echo", "echo"),
            ("echo", "finish"),
            ("finish", "__end__")
        ]
    );
    assert!(checkpoints
        .windows(2)
        .all(|w| w[1].parent_id == Some(w[0].id)));
    // A second delivery of the same job changes nothing.
    assert_eq!(f.run(&task).await, RunOutcome::AlreadyFinal);
}

async fn a_runaway_loop_hits_the_step_limit(f: Fixture) {
    let task = f
        .submit(json!({ "message": "again", "rounds": 1000 }))
        .await;
    assert_eq!(f.run(&task).await, RunOutcome::Failed);
    let failed = f.task(&task).await;
    assert_eq!(failed.status, TaskStatus::Failed);
    assert!(
        failed.error.unwrap().contains("step limit of 25"),
        "clear error"
    );
    assert_eq!(f.events(&task).await.last().unwrap().kind, "task.failed");
}

async fn a_suspended_run_resumes_from_its_checkpoint_without_repeating_nodes(f: Fixture) {
    let task = f
        .submit(json!({ "message": "slow", "rounds": 4, "delay_ms": 150 }))
        .await;
    let stop = CancellationToken::new();
    let runner = {
        let runtime = f.runtime.clone();
        let (tenant, id, stop) = (f.ctx.tenant_id, task.id, stop.clone());
        tokio::spawn(async move { runtime.run_task(tenant, id, stop).await.unwrap() })
    };
    // Let two echoes finish, then pull the plug mid-run.
    loop {
        if f.task(&task).await.checkpoint_count >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    assert_eq!(runner.await.unwrap(), RunOutcome::Suspended);
    let before = f.task(&task).await;
    assert_eq!(before.status, TaskStatus::Running);

    assert_eq!(f.run(&task).await, RunOutcome::Done);
    let events = f.events(&task).await;
    let finished = finished_nodes(&events);
    assert!(
        finished.values().all(|n| *n == 1),
        "a node ran twice: {finished:?}"
    );
    assert_eq!(
        f.task(&task).await.result.unwrap()["transcript"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == "checkpoint.initial")
            .count(),
        1,
        "not restarted from scratch"
    );
}

async fn interrupts_wait_for_approval_then_continue_on_approve_or_reject(f: Fixture) {
    for approve in [true, false] {
        let task = f
            .submit(json!({ "message": "ship it", "rounds": 1, "require_approval": true }))
            .await;
        assert_eq!(f.run(&task).await, RunOutcome::WaitingApproval);
        let waiting = f.task(&task).await;
        assert_eq!(waiting.status, TaskStatus::WaitingApproval);
        assert_eq!(
            waiting.interrupt.clone().unwrap()["question"],
            "Publish this echo?"
        );
        let pending = f
            .store
            .approvals(f.ctx.tenant_id, Some(ApprovalStatus::Pending), 10)
            .await
            .unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].task_id, task.id);
        // Running it again (a duplicate job) does not move it.
        assert_eq!(f.run(&task).await, RunOutcome::WaitingApproval);

        let viewer = TenantCtx {
            role: Role::Viewer,
            ..f.ctx
        };
        assert!(matches!(
            f.runtime.decide(&viewer, &waiting, true, None).await,
            Err(SubmitError::Forbidden(_))
        ));
        let (resumed, approval) = f
            .runtime
            .decide(&f.ctx, &waiting, approve, Some(json!({ "note": "ok" })))
            .await
            .unwrap();
        assert_eq!(resumed.status, TaskStatus::Queued);
        assert_eq!(
            approval.status,
            if approve {
                ApprovalStatus::Approved
            } else {
                ApprovalStatus::Rejected
            }
        );
        assert!(
            f.runtime
                .decide(&f.ctx, &resumed, true, None)
                .await
                .is_err(),
            "decided once"
        );

        assert_eq!(f.run(&task).await, RunOutcome::Done);
        let result = f.task(&task).await.result.unwrap();
        assert_eq!(result["approved"], json!(approve));
        assert_eq!(result["approver_note"], json!({ "note": "ok" }));
        if !approve {
            assert_eq!(result["summary"], "rejected after 1 echoes");
        }
        assert!(finished_nodes(&f.events(&task).await)
            .values()
            .all(|n| *n == 1));
    }
    let log = f.store.audit_log(&f.ctx, 50).await.unwrap();
    assert!(
        log.iter().any(|e| e.action == "approval.approve")
            && log.iter().any(|e| e.action == "approval.reject")
    );
}

async fn cancel_stops_a_running_task_at_the_next_node(f: Fixture) {
    let task = f
        .submit(json!({ "message": "long", "rounds": 20, "delay_ms": 100 }))
        .await;
    let runner = {
        let runtime = f.runtime.clone();
        let (tenant, id) = (f.ctx.tenant_id, task.id);
        tokio::spawn(async move {
            runtime
                .run_task(tenant, id, CancellationToken::new())
                .await
                .unwrap()
        })
    };
    loop {
        if f.task(&task).await.checkpoint_count >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let requested = f.store.request_task_cancel(&f.ctx, task.id).await.unwrap();
    assert!(requested.cancel_requested);
    assert_eq!(runner.await.unwrap(), RunOutcome::Canceled);
    let canceled = f.task(&task).await;
    assert_eq!(canceled.status, TaskStatus::Canceled);
    assert!(canceled.checkpoint_count < 22, "it stopped early");
    // A queued task is canceled at once.
    let queued = f.submit(json!({ "message": "never" })).await;
    assert_eq!(
        f.store
            .request_task_cancel(&f.ctx, queued.id)
            .await
            .unwrap()
            .status,
        TaskStatus::Canceled
    );
    assert_eq!(f.run(&queued).await, RunOutcome::AlreadyFinal);
}

async fn replay_starts_a_new_run_from_a_checkpoint(f: Fixture) {
    let task = f.submit(json!({ "message": "again", "rounds": 2 })).await;
    f.run(&task).await;
    let checkpoints = f.store.checkpoints(f.ctx.tenant_id, task.id).await.unwrap();
    let after_prepare = checkpoints.iter().find(|c| c.node == "prepare").unwrap();
    let replay = f
        .runtime
        .replay(&f.ctx, &f.task(&task).await, after_prepare.id)
        .await
        .unwrap();
    assert_ne!(replay.id, task.id);
    assert_eq!(replay.replay_of, Some(after_prepare.id));
    assert_eq!(f.run(&replay).await, RunOutcome::Done);
    let replayed = f
        .store
        .checkpoints(f.ctx.tenant_id, replay.id)
        .await
        .unwrap();
    assert_eq!(replayed[0].node, "__replay__");
    assert_eq!(replayed[0].state, after_prepare.state);
    assert_eq!(
        replayed.len(),
        1 + 2 + 1,
        "from echo on: 2 echoes and finish"
    );
    assert_eq!(f.task(&replay).await.result, f.task(&task).await.result);
}

async fn bad_input_and_unknown_kinds_are_refused(f: Fixture) {
    let submit = |kind: &str, input: serde_json::Value| {
        let req = TaskRequest {
            kind: kind.into(),
            input,
            ..Default::default()
        };
        let runtime = f.runtime.clone();
        let ctx = f.ctx;
        async move { runtime.submit(&ctx, req).await }
    };
    assert!(matches!(
        submit("nope", json!({})).await,
        Err(SubmitError::UnknownKind(_))
    ));
    let Err(SubmitError::InvalidInput(m)) = submit("echo", json!({ "rounds": 2 })).await else {
        panic!("accepted")
    };
    assert!(m.contains("message"), "{m}");
    let Err(SubmitError::InvalidInput(m)) =
        submit("echo", json!({ "message": "x", "colour": "red" })).await
    else {
        panic!("accepted")
    };
    assert!(m.contains("colour"), "{m}");
    assert!(matches!(
        submit("echo", json!("just a string")).await,
        Err(SubmitError::InvalidInput(_))
    ));
    assert!(
        f.store
            .tasks(f.ctx.tenant_id, &Default::default(), None, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing stored"
    );
    // Input that parses but fails the graph's own checks fails the run clearly.
    let empty = submit("echo", json!({ "message": "   " })).await.unwrap().0;
    assert_eq!(f.run(&empty).await, RunOutcome::Failed);
    assert!(f
        .task(&empty)
        .await
        .error
        .unwrap()
        .contains("message must be 1 to 10,000 characters"));
}

async fn tenants_cannot_reach_each_others_tasks(f: Fixture) {
    let task = f
        .submit(json!({ "message": "mine", "require_approval": true, "rounds": 1 }))
        .await;
    f.run(&task).await;
    let b = tenant(&*f.store, "b").await;
    assert!(f.store.task(b.tenant_id, task.id).await.unwrap().is_none());
    assert!(f
        .store
        .checkpoints(b.tenant_id, task.id)
        .await
        .unwrap()
        .is_empty());
    assert!(f
        .store
        .task_events(b.tenant_id, task.id, 0, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(f
        .store
        .approvals(b.tenant_id, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(f.store.request_task_cancel(&b, task.id).await.is_err());
    assert!(f
        .runtime
        .run_task(b.tenant_id, task.id, CancellationToken::new())
        .await
        .is_err());
    assert_eq!(
        f.task(&task).await.status,
        TaskStatus::WaitingApproval,
        "untouched"
    );
}

/// A task whose worker was lost on every earlier attempt (killed, perhaps by
/// the task itself) ends failed on its job's last delivery, without running
/// again; a last delivery after an ordinary failure still runs it.
async fn the_last_delivery_after_lost_workers_fails_the_task(f: Fixture) {
    let handlers = f.runtime.handlers(morningai_queue::Handlers::new());
    let handler = handlers
        .get(morningai_orchestration::TASK_JOB_KIND)
        .unwrap();
    let job_of = |task: &Task| {
        let store = f.store.clone();
        let (tenant, id) = (f.ctx.tenant_id, task.id);
        async move {
            store
                .jobs(JobScope::Tenant(tenant), Some(JobStatus::Queued), None, 10)
                .await
                .unwrap()
                .into_iter()
                .find(|j| j.payload["task_id"] == json!(id))
                .unwrap()
        }
    };
    let lost = f.submit(json!({ "message": "hi" })).await;
    let mut job = job_of(&lost).await;
    job.attempts = job.max_attempts;
    job.last_error = Some(format!(
        "worker lost: its lease expired during attempt {}",
        job.max_attempts - 1
    ));
    let outcome = handler
        .run(morningai_queue::JobContext {
            job,
            cancel: CancellationToken::new(),
        })
        .await
        .unwrap();
    assert_eq!(outcome["outcome"], "Failed");
    let failed = f.task(&lost).await;
    assert_eq!(failed.status, TaskStatus::Failed);
    assert!(
        failed
            .error
            .as_deref()
            .unwrap()
            .contains("was lost 4 times"),
        "{:?}",
        failed.error
    );
    assert!(
        !f.events(&lost)
            .await
            .iter()
            .any(|e| e.kind == "node.started"),
        "the graph did not run again"
    );

    let ordinary = f.submit(json!({ "message": "hi" })).await;
    let mut job = job_of(&ordinary).await;
    job.attempts = job.max_attempts;
    job.last_error = Some("the model timed out".into());
    handler
        .run(morningai_queue::JobContext {
            job,
            cancel: CancellationToken::new(),
        })
        .await
        .unwrap();
    assert_eq!(f.task(&ordinary).await.status, TaskStatus::Done);
}

//! The task store: tasks, checkpoints, events and approvals. Each case runs
//! once per backend; the module name (`sqlite::…` / `postgres::…`) says which.

use morningai_core::{
    ApprovalStatus, Checkpoint, CheckpointId, Email, JobStatus, NewJob, NewTask, Task, TaskId,
    TaskStatus, TenantCtx,
};
use morningai_store::{JobDelivery, JobScope, Store, StoreError, TaskFilter};
use serde_json::json;
use time::OffsetDateTime;

both_stores!(
    create_writes_task_event_and_job,
    create_with_outbox_writes_an_outbox_row,
    create_is_idempotent_per_tenant,
    concurrent_creates_with_one_key_make_one_task,
    create_refuses_a_job_of_another_tenant,
    listing_filters_and_pages_newest_first,
    running_and_checkpoints,
    events_are_numbered_without_gaps_under_concurrency,
    finish_only_from_unfinished_states,
    interrupt_then_approve,
    interrupt_then_reject_through_the_outbox,
    interrupt_rules,
    cancel_by_status,
    tenants_cannot_reach_each_others_tasks,
    sql_metacharacters_in_tasks_are_stored_verbatim,
    start_node_reads_the_task_and_answer_and_logs_the_start,
    saving_a_checkpoint_can_start_the_next_node,
    the_hourly_task_quota_holds_under_concurrency,
);

async fn tenant(store: &dyn Store, name: &str) -> TenantCtx {
    let email = Email::parse(&format!("{name}@example.com")).unwrap();
    let s = store.signup(&email, "hash", name).await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

fn new_task(kind: &str, key: Option<&str>) -> NewTask {
    NewTask {
        id: TaskId::new(),
        kind: kind.into(),
        input: json!({ "question": kind }),
        priority: 3,
        idempotency_key: key.map(Into::into),
        trace_id: uuid::Uuid::now_v7(),
        replay_of: None,
        hourly_limit: None,
    }
}

fn job_for(ctx: &TenantCtx, task: TaskId) -> NewJob {
    NewJob {
        tenant_id: Some(ctx.tenant_id),
        ..NewJob::new("tasks", "task.run", json!({ "task_id": task }))
    }
}

async fn create(store: &dyn Store, ctx: &TenantCtx, kind: &str) -> Task {
    let t = new_task(kind, None);
    let (task, created) = store
        .create_task(ctx, &t, &job_for(ctx, t.id), JobDelivery::JobsTable)
        .await
        .unwrap();
    assert!(created);
    task
}

async fn running(store: &dyn Store, ctx: &TenantCtx, kind: &str) -> Task {
    let task = create(store, ctx, kind).await;
    store
        .mark_task_running(ctx.tenant_id, task.id)
        .await
        .unwrap()
}

fn micros(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

fn checkpoint(task: TaskId, seq: i64, parent: Option<CheckpointId>) -> Checkpoint {
    Checkpoint {
        id: CheckpointId::new(),
        task_id: task,
        parent_id: parent,
        seq,
        node: format!("node{seq}"),
        next: format!("node{}", seq + 1),
        step: seq,
        state: json!({ "messages": [seq], "nested": { "ok": true } }),
        created_at: micros(OffsetDateTime::now_utc()),
    }
}

async fn event_kinds(store: &dyn Store, ctx: &TenantCtx, task: TaskId) -> Vec<String> {
    store
        .task_events(ctx.tenant_id, task, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

async fn audit_actions(store: &dyn Store, ctx: &TenantCtx) -> Vec<String> {
    store
        .audit_log(ctx, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn assert_invalid<T: std::fmt::Debug>(res: Result<T, StoreError>, what: &str) {
    assert!(
        matches!(res, Err(StoreError::InvalidState(_))),
        "{what}: {res:?}"
    );
}

fn assert_not_found<T: std::fmt::Debug>(res: Result<T, StoreError>, what: &str) {
    assert!(matches!(res, Err(StoreError::NotFound)), "{what}: {res:?}");
}

async fn create_writes_task_event_and_job(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = new_task("research", Some("key-1"));
    let job = job_for(&ctx, t.id);
    let (task, created) = store
        .create_task(&ctx, &t, &job, JobDelivery::JobsTable)
        .await
        .unwrap();
    assert!(created);
    assert_eq!(
        (task.id, task.tenant_id, task.status),
        (t.id, ctx.tenant_id, TaskStatus::Queued)
    );
    assert_eq!(
        (&task.kind, &task.input, task.priority, task.trace_id),
        (&t.kind, &t.input, t.priority, t.trace_id)
    );
    assert_eq!(task.idempotency_key.as_deref(), Some("key-1"));
    assert_eq!(task.created_by, Some(ctx.user_id));
    assert_eq!(task.replay_of, None);
    assert_eq!(
        (
            task.result.clone(),
            task.error.clone(),
            task.interrupt.clone()
        ),
        (None, None, None)
    );
    assert_eq!((task.cost_usd, task.checkpoint_count), (0.0, 0));
    assert!(!task.cancel_requested);
    assert_eq!(task.created_at, task.updated_at);
    assert_eq!((task.started_at, task.finished_at), (None, None));
    assert_eq!(store.task(ctx.tenant_id, t.id).await.unwrap(), Some(task));

    let events = store.task_events(ctx.tenant_id, t.id, 0, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].seq, events[0].kind.as_str()), (1, "task.queued"));
    assert_eq!(events[0].task_id, t.id);

    let jobs = store
        .jobs(JobScope::Tenant(ctx.tenant_id), None, None, 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].id, jobs[0].status, jobs[0].tenant_id),
        (job.id, JobStatus::Queued, Some(ctx.tenant_id))
    );
    assert_eq!(jobs[0].payload, job.payload);
    assert!(store.outbox_pending(10).await.unwrap().is_empty());

    // A delayed job is written `scheduled`, like `enqueue_job` does.
    let later = new_task("later", None);
    let delayed = NewJob {
        run_at_ms: Some(morningai_core::now_ms() + 3_600_000),
        ..job_for(&ctx, later.id)
    };
    store
        .create_task(&ctx, &later, &delayed, JobDelivery::JobsTable)
        .await
        .unwrap();
    let job = store
        .job(JobScope::Tenant(ctx.tenant_id), delayed.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.status, JobStatus::Scheduled);
}

async fn create_with_outbox_writes_an_outbox_row(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = new_task("research", None);
    let job = job_for(&ctx, t.id);
    store
        .create_task(&ctx, &t, &job, JobDelivery::Outbox)
        .await
        .unwrap();
    let outbox = store.outbox_pending(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].job, job);
    assert!(store
        .jobs(JobScope::System, None, None, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn create_is_idempotent_per_tenant(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let first = new_task("research", Some("same"));
    let (task, created) = store
        .create_task(&a, &first, &job_for(&a, first.id), JobDelivery::JobsTable)
        .await
        .unwrap();
    assert!(created);

    // Same key, another id and input: the first task comes back, nothing is written.
    let again = NewTask {
        input: json!({ "other": true }),
        ..new_task("other", Some("same"))
    };
    let (got, created) = store
        .create_task(&a, &again, &job_for(&a, again.id), JobDelivery::JobsTable)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(got, task);
    assert!(store.task(a.tenant_id, again.id).await.unwrap().is_none());
    assert_eq!(event_kinds(store, &a, task.id).await, ["task.queued"]);
    let (_, created) = store
        .create_task(&a, &again, &job_for(&a, again.id), JobDelivery::Outbox)
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(
        store
            .jobs(JobScope::System, None, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store.outbox_pending(10).await.unwrap().is_empty());

    // Keys are per tenant; no key never collides.
    let in_b = new_task("research", Some("same"));
    let (b_task, created) = store
        .create_task(&b, &in_b, &job_for(&b, in_b.id), JobDelivery::JobsTable)
        .await
        .unwrap();
    assert!(created);
    assert_ne!(b_task.id, task.id);
    create(store, &a, "research").await;
    create(store, &a, "research").await;
    let all = store
        .tasks(a.tenant_id, &TaskFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);

    // Reusing a task id without a key is a conflict, not a silent no-op.
    let dup = NewTask {
        idempotency_key: None,
        ..first.clone()
    };
    let res = store
        .create_task(&a, &dup, &job_for(&a, dup.id), JobDelivery::JobsTable)
        .await;
    assert!(matches!(res, Err(StoreError::Conflict(_))), "{res:?}");
}

async fn concurrent_creates_with_one_key_make_one_task(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let attempt = || async {
        let t = new_task("research", Some("race"));
        store
            .create_task(&ctx, &t, &job_for(&ctx, t.id), JobDelivery::JobsTable)
            .await
            .unwrap()
    };
    let (r1, r2, r3, r4, r5, r6) = tokio::join!(
        attempt(),
        attempt(),
        attempt(),
        attempt(),
        attempt(),
        attempt()
    );
    let results = [r1, r2, r3, r4, r5, r6];
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    let id = results[0].0.id;
    assert!(results.iter().all(|(t, _)| t.id == id));
    let tasks = store
        .tasks(ctx.tenant_id, &TaskFilter::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(event_kinds(store, &ctx, id).await, ["task.queued"]);
    assert_eq!(
        store
            .jobs(JobScope::Tenant(ctx.tenant_id), None, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn create_refuses_a_job_of_another_tenant(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    for job_tenant in [Some(b.tenant_id), None] {
        let t = new_task("research", None);
        let job = NewJob {
            tenant_id: job_tenant,
            ..job_for(&a, t.id)
        };
        for delivery in [JobDelivery::JobsTable, JobDelivery::Outbox] {
            let res = store.create_task(&a, &t, &job, delivery).await;
            assert_invalid(res, "job for another tenant");
        }
        // The whole transaction was rolled back.
        assert!(store.task(a.tenant_id, t.id).await.unwrap().is_none());
    }
    assert!(store
        .jobs(JobScope::System, None, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store.outbox_pending(10).await.unwrap().is_empty());
}

async fn listing_filters_and_pages_newest_first(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let mut created = Vec::new();
    for i in 0..7 {
        let kind = if i % 2 == 0 { "even" } else { "odd" };
        created.push(create(store, &a, kind).await.id);
    }
    create(store, &b, "even").await;
    for id in &created[..3] {
        store.mark_task_running(a.tenant_id, *id).await.unwrap();
    }
    let newest_first: Vec<TaskId> = created.iter().rev().copied().collect();

    let ids = |tasks: Vec<Task>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let all = store
        .tasks(a.tenant_id, &TaskFilter::default(), None, 100)
        .await
        .unwrap();
    assert!(all.iter().all(|t| t.tenant_id == a.tenant_id));
    assert_eq!(ids(all), newest_first);

    // Pages of 3 with the last id as the cursor cover the list exactly once.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .tasks(a.tenant_id, &TaskFilter::default(), before, 3)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        before = page.last().map(|t| t.id);
        paged.extend(ids(page));
    }
    assert_eq!(paged, newest_first);

    let running = TaskFilter {
        status: Some(TaskStatus::Running),
        kind: None,
    };
    let got = ids(store.tasks(a.tenant_id, &running, None, 100).await.unwrap());
    assert_eq!(got, [created[2], created[1], created[0]]);
    let odd = TaskFilter {
        status: None,
        kind: Some("odd".into()),
    };
    let got = ids(store.tasks(a.tenant_id, &odd, None, 100).await.unwrap());
    assert_eq!(got, [created[5], created[3], created[1]]);

    // Counts by status: A's own, statuses with none left out.
    let mut counts = store.task_counts(a.tenant_id).await.unwrap();
    counts.sort_by_key(|(status, _)| status.as_str());
    assert_eq!(counts, [(TaskStatus::Queued, 4), (TaskStatus::Running, 3)]);
    assert_eq!(
        store.task_counts(b.tenant_id).await.unwrap(),
        [(TaskStatus::Queued, 1)]
    );
    let queued_even = TaskFilter {
        status: Some(TaskStatus::Queued),
        kind: Some("even".into()),
    };
    let got = ids(store
        .tasks(a.tenant_id, &queued_even, Some(created[6]), 100)
        .await
        .unwrap());
    assert_eq!(got, [created[4]]);
    let none = TaskFilter {
        status: Some(TaskStatus::Done),
        kind: None,
    };
    assert!(store
        .tasks(a.tenant_id, &none, None, 100)
        .await
        .unwrap()
        .is_empty());
}

async fn running_and_checkpoints(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let task = create(store, &ctx, "research").await;
    assert!(store.latest_checkpoint(t, task.id).await.unwrap().is_none());

    let run = store.mark_task_running(t, task.id).await.unwrap();
    assert_eq!(run.status, TaskStatus::Running);
    let started = run.started_at.expect("started_at set");
    assert!(run.updated_at >= task.updated_at);
    // A reclaimed job marks it again: it stays running, first start kept.
    let again = store.mark_task_running(t, task.id).await.unwrap();
    assert_eq!(
        (again.status, again.started_at),
        (TaskStatus::Running, Some(started))
    );

    let c1 = checkpoint(task.id, 1, None);
    let events = store
        .save_checkpoint(
            t,
            &c1,
            &[
                ("node.started".into(), json!({ "node": "node1" })),
                ("node.finished".into(), json!({ "node": "node1" })),
            ],
        )
        .await
        .unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [2, 3]);
    assert_eq!(events[1].data, json!({ "node": "node1" }));
    let c2 = checkpoint(task.id, 2, Some(c1.id));
    let none = store.save_checkpoint(t, &c2, &[]).await.unwrap();
    assert!(none.is_empty());
    let c3 = checkpoint(task.id, 3, Some(c2.id));
    let events = store
        .save_checkpoint(t, &c3, &[("node.finished".into(), json!({}))])
        .await
        .unwrap();
    assert_eq!(events[0].seq, 4);

    // The same seq twice is a conflict, and nothing of it is kept.
    let dup = checkpoint(task.id, 3, Some(c3.id));
    let res = store
        .save_checkpoint(t, &dup, &[("x".into(), json!({}))])
        .await;
    assert!(matches!(res, Err(StoreError::Conflict(_))), "{res:?}");
    assert!(store.checkpoint(t, dup.id).await.unwrap().is_none());

    let task_now = store.task(t, task.id).await.unwrap().unwrap();
    assert_eq!(task_now.checkpoint_count, 3);
    assert_eq!(
        store.latest_checkpoint(t, task.id).await.unwrap(),
        Some(c3.clone())
    );
    assert_eq!(store.checkpoint(t, c1.id).await.unwrap(), Some(c1.clone()));
    assert_eq!(
        store.checkpoints(t, task.id).await.unwrap(),
        [c1.clone(), c2, c3]
    );

    let log = store
        .append_task_event(t, task.id, "log", json!({ "line": "hello" }))
        .await
        .unwrap();
    assert_eq!((log.seq, log.kind.as_str()), (5, "log"));

    let all = store.task_events(t, task.id, 0, 100).await.unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert_eq!(all[4], log);
    let after: Vec<i64> = store
        .task_events(t, task.id, 2, 2)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(after, [3, 4]);
    assert!(store
        .task_events(t, task.id, 5, 10)
        .await
        .unwrap()
        .is_empty());

    // Unknown tasks.
    let missing = TaskId::new();
    assert_not_found(
        store
            .save_checkpoint(t, &checkpoint(missing, 1, None), &[])
            .await,
        "checkpoint of a missing task",
    );
    assert_not_found(
        store.append_task_event(t, missing, "log", json!({})).await,
        "event of a missing task",
    );
    assert_not_found(store.mark_task_running(t, missing).await, "run missing");
    assert!(store.task(t, missing).await.unwrap().is_none());
}

async fn events_are_numbered_without_gaps_under_concurrency(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let task = running(store, &ctx, "research").await;
    let append = |i: i64| store.append_task_event(t, task.id, "log", json!({ "i": i }));
    let c = checkpoint(task.id, 1, None);
    let batch = [
        ("a".to_owned(), json!(1)),
        ("b".to_owned(), json!(2)),
        ("c".to_owned(), json!(3)),
    ];
    let (e1, e2, e3, e4, e5, cp) = tokio::join!(
        append(1),
        append(2),
        append(3),
        append(4),
        append(5),
        store.save_checkpoint(t, &c, &batch)
    );
    let mut seqs: Vec<i64> = [e1, e2, e3, e4, e5]
        .into_iter()
        .map(|e| e.unwrap().seq)
        .collect();
    let cp = cp.unwrap();
    let cp_seqs: Vec<i64> = cp.iter().map(|e| e.seq).collect();
    assert_eq!(cp_seqs.len(), 3);
    assert!(
        cp_seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "a checkpoint's events are contiguous: {cp_seqs:?}"
    );
    seqs.extend(cp_seqs);
    seqs.sort_unstable();
    assert_eq!(seqs, (2..=9).collect::<Vec<_>>());
    let stored: Vec<i64> = store
        .task_events(t, task.id, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(stored, (1..=9).collect::<Vec<_>>());
}

async fn finish_only_from_unfinished_states(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;

    let task = running(store, &ctx, "research").await;
    let done = store
        .finish_task(
            t,
            task.id,
            TaskStatus::Done,
            Some(&json!({ "answer": 42 })),
            None,
            ("task.done", json!({ "ok": true })),
        )
        .await
        .unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    assert_eq!(done.result, Some(json!({ "answer": 42 })));
    assert_eq!(done.error, None);
    let finished = done.finished_at.expect("finished_at set");
    assert_eq!(done.updated_at, finished);
    assert_eq!(store.task(t, task.id).await.unwrap(), Some(done.clone()));
    assert_eq!(
        event_kinds(store, &ctx, task.id).await,
        ["task.queued", "task.done"]
    );

    // Final is final.
    for status in [TaskStatus::Done, TaskStatus::Failed, TaskStatus::Canceled] {
        let res = store
            .finish_task(t, task.id, status, None, Some("again"), ("x", json!({})))
            .await;
        assert_invalid(res, "finishing a finished task");
    }
    assert_invalid(store.mark_task_running(t, task.id).await, "run a done task");
    let unchanged = store.task(t, task.id).await.unwrap().unwrap();
    assert_eq!(unchanged, done);
    assert_eq!(event_kinds(store, &ctx, task.id).await.len(), 2);

    // A queued task can fail before it runs; only final statuses finish.
    let queued = create(store, &ctx, "research").await;
    for status in [
        TaskStatus::Queued,
        TaskStatus::Running,
        TaskStatus::WaitingApproval,
    ] {
        let res = store
            .finish_task(t, queued.id, status, None, None, ("x", json!({})))
            .await;
        assert_invalid(res, "finishing with a non-final status");
    }
    let failed = store
        .finish_task(
            t,
            queued.id,
            TaskStatus::Failed,
            None,
            Some("the model refused"),
            ("task.failed", json!({ "error": "the model refused" })),
        )
        .await
        .unwrap();
    assert_eq!(
        (failed.status, failed.error.as_deref(), failed.result),
        (TaskStatus::Failed, Some("the model refused"), None)
    );
    assert_not_found(
        store
            .finish_task(
                t,
                TaskId::new(),
                TaskStatus::Done,
                None,
                None,
                ("x", json!({})),
            )
            .await,
        "finish a missing task",
    );
}

async fn interrupt_then_approve(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let task = running(store, &ctx, "deploy").await;
    let c1 = checkpoint(task.id, 1, None);
    store.save_checkpoint(t, &c1, &[]).await.unwrap();
    let payload = json!({ "question": "deploy to prod?", "diff": ["a", "b"] });
    let waiting = store
        .interrupt_task(t, task.id, c1.id, "approve_deploy", &payload)
        .await
        .unwrap();
    assert_eq!(waiting.status, TaskStatus::WaitingApproval);
    assert_eq!(waiting.interrupt, Some(payload.clone()));

    let pending = store
        .approvals(t, Some(ApprovalStatus::Pending), 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    let p = &pending[0];
    assert_eq!(
        (
            p.task_id,
            p.task_kind.as_str(),
            p.checkpoint_id,
            p.node.as_str()
        ),
        (task.id, "deploy", c1.id, "approve_deploy")
    );
    assert_eq!(
        (&p.payload, p.status, p.decided_by, p.decided_at),
        (&payload, ApprovalStatus::Pending, None, None)
    );
    assert_eq!(
        store.approval(t, task.id, c1.id).await.unwrap().as_ref(),
        Some(p)
    );
    let events = store.task_events(t, task.id, 0, 100).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.kind, "interrupt");
    assert_eq!(last.data["node"], "approve_deploy");
    assert_eq!(last.data["payload"], payload);

    // A waiting task does not run until it is decided.
    assert_invalid(
        store.mark_task_running(t, task.id).await,
        "run a waiting task",
    );

    let input = json!({ "comment": "ship it" });
    let job = job_for(&ctx, task.id);
    let (resumed, approval) = store
        .decide_approval(
            &ctx,
            task.id,
            true,
            Some(&input),
            &job,
            JobDelivery::JobsTable,
        )
        .await
        .unwrap();
    assert_eq!(resumed.status, TaskStatus::Queued);
    assert_eq!(resumed.interrupt, None);
    assert!(resumed.updated_at >= waiting.updated_at);
    assert_eq!(store.task(t, task.id).await.unwrap(), Some(resumed.clone()));
    assert_eq!(approval.status, ApprovalStatus::Approved);
    assert_eq!(approval.decided_by, Some(ctx.user_id));
    assert!(approval.decided_at.is_some());
    assert_eq!(approval.decision_input, Some(input.clone()));
    assert_eq!(approval.checkpoint_id, c1.id);
    assert_eq!(
        store.approval(t, task.id, c1.id).await.unwrap(),
        Some(approval.clone())
    );
    assert!(store
        .approvals(t, Some(ApprovalStatus::Pending), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.approvals(t, None, 10).await.unwrap(),
        std::slice::from_ref(&approval)
    );
    let resumed_event = store
        .task_events(t, task.id, 0, 100)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(resumed_event.kind, "resumed");
    assert_eq!(
        resumed_event.data,
        json!({ "decision": "approved", "input": input })
    );
    let jobs = store
        .jobs(JobScope::Tenant(t), None, None, 10)
        .await
        .unwrap();
    assert!(jobs
        .iter()
        .any(|j| j.id == job.id && j.status == JobStatus::Queued));
    assert_eq!(jobs.len(), 2, "the create's job and the resume's");
    assert_eq!(audit_actions(store, &ctx).await[0], "approval.approve");

    // Deciding again: the task is no longer waiting.
    let again = store
        .decide_approval(
            &ctx,
            task.id,
            false,
            None,
            &job_for(&ctx, task.id),
            JobDelivery::JobsTable,
        )
        .await;
    assert_invalid(again, "decide twice");
    assert_eq!(
        store.approval(t, task.id, c1.id).await.unwrap(),
        Some(approval)
    );

    // The resumed run starts again, keeping its first start.
    let rerun = store.mark_task_running(t, task.id).await.unwrap();
    assert_eq!(
        (rerun.status, rerun.started_at),
        (TaskStatus::Running, task.started_at)
    );
}

async fn interrupt_then_reject_through_the_outbox(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let task = running(store, &ctx, "deploy").await;
    let c1 = checkpoint(task.id, 1, None);
    store.save_checkpoint(t, &c1, &[]).await.unwrap();
    store
        .interrupt_task(t, task.id, c1.id, "ask", &json!({ "q": 1 }))
        .await
        .unwrap();
    let job = job_for(&ctx, task.id);
    let (resumed, approval) = store
        .decide_approval(&ctx, task.id, false, None, &job, JobDelivery::Outbox)
        .await
        .unwrap();
    assert_eq!(resumed.status, TaskStatus::Queued);
    assert_eq!(
        (
            approval.status,
            approval.decision_input,
            approval.decided_by
        ),
        (ApprovalStatus::Rejected, None, Some(ctx.user_id))
    );
    let outbox = store.outbox_pending(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].job, job);
    let last = store
        .task_events(t, task.id, 0, 100)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.kind.as_str(), last.data),
        ("resumed", json!({ "decision": "rejected", "input": null }))
    );
    assert_eq!(audit_actions(store, &ctx).await[0], "approval.reject");
    assert_eq!(
        store
            .approvals(t, Some(ApprovalStatus::Rejected), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn interrupt_rules(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let queued = create(store, &ctx, "research").await;
    let cp = CheckpointId::new();
    assert_invalid(
        store
            .interrupt_task(t, queued.id, cp, "n", &json!({}))
            .await,
        "interrupt a queued task",
    );
    assert_invalid(
        store
            .decide_approval(
                &ctx,
                queued.id,
                true,
                None,
                &job_for(&ctx, queued.id),
                JobDelivery::JobsTable,
            )
            .await,
        "decide a queued task",
    );
    assert_not_found(
        store
            .interrupt_task(t, TaskId::new(), cp, "n", &json!({}))
            .await,
        "interrupt a missing task",
    );
    assert_not_found(
        store
            .decide_approval(
                &ctx,
                TaskId::new(),
                true,
                None,
                &job_for(&ctx, queued.id),
                JobDelivery::JobsTable,
            )
            .await,
        "decide a missing task",
    );

    // The same checkpoint cannot be asked about twice; the refused interrupt
    // leaves the task running.
    let task = running(store, &ctx, "research").await;
    store
        .interrupt_task(t, task.id, cp, "n", &json!({}))
        .await
        .unwrap();
    store
        .decide_approval(
            &ctx,
            task.id,
            true,
            None,
            &job_for(&ctx, task.id),
            JobDelivery::JobsTable,
        )
        .await
        .unwrap();
    store.mark_task_running(t, task.id).await.unwrap();
    let res = store.interrupt_task(t, task.id, cp, "n", &json!({})).await;
    assert!(matches!(res, Err(StoreError::Conflict(_))), "{res:?}");
    assert_eq!(
        store.task(t, task.id).await.unwrap().unwrap().status,
        TaskStatus::Running
    );
    // A refused decision writes no job.
    let jobs_before = store
        .jobs(JobScope::Tenant(t), None, None, 100)
        .await
        .unwrap()
        .len();
    let refused = job_for(&ctx, task.id);
    assert_invalid(
        store
            .decide_approval(&ctx, task.id, true, None, &refused, JobDelivery::JobsTable)
            .await,
        "decide a running task",
    );
    assert_eq!(
        store
            .jobs(JobScope::Tenant(t), None, None, 100)
            .await
            .unwrap()
            .len(),
        jobs_before
    );
}

async fn cancel_by_status(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;

    // Queued: canceled at once.
    let queued = create(store, &ctx, "research").await;
    let canceled = store.request_task_cancel(&ctx, queued.id).await.unwrap();
    assert_eq!(canceled.status, TaskStatus::Canceled);
    assert!(canceled.finished_at.is_some());
    assert!(canceled.cancel_requested);
    assert_eq!(
        store.task(t, queued.id).await.unwrap(),
        Some(canceled.clone())
    );
    assert_eq!(
        event_kinds(store, &ctx, queued.id).await,
        ["task.queued", "task.canceled"]
    );
    assert_invalid(
        store.mark_task_running(t, queued.id).await,
        "run a canceled task",
    );

    // Running: flagged, stops at its next node boundary.
    let run = running(store, &ctx, "research").await;
    let flagged = store.request_task_cancel(&ctx, run.id).await.unwrap();
    assert_eq!(
        (
            flagged.status,
            flagged.cancel_requested,
            flagged.finished_at
        ),
        (TaskStatus::Running, true, None)
    );
    assert_eq!(event_kinds(store, &ctx, run.id).await, ["task.queued"]);
    // Asking again is harmless; the run then ends itself as canceled.
    store.request_task_cancel(&ctx, run.id).await.unwrap();
    let ended = store
        .finish_task(
            t,
            run.id,
            TaskStatus::Canceled,
            None,
            None,
            ("task.canceled", json!({})),
        )
        .await
        .unwrap();
    assert_eq!(ended.status, TaskStatus::Canceled);

    // Waiting: canceled at once, its pending approval closed.
    let waiting = running(store, &ctx, "deploy").await;
    let cp = CheckpointId::new();
    store
        .interrupt_task(t, waiting.id, cp, "ask", &json!({ "q": 1 }))
        .await
        .unwrap();
    let canceled = store.request_task_cancel(&ctx, waiting.id).await.unwrap();
    assert_eq!(canceled.status, TaskStatus::Canceled);
    assert_eq!(canceled.interrupt, None);
    assert!(store
        .approvals(t, Some(ApprovalStatus::Pending), 10)
        .await
        .unwrap()
        .is_empty());
    let closed = store.approval(t, waiting.id, cp).await.unwrap().unwrap();
    assert_eq!(
        (closed.status, closed.decided_by),
        (ApprovalStatus::Rejected, Some(ctx.user_id))
    );
    assert_invalid(
        store
            .decide_approval(
                &ctx,
                waiting.id,
                true,
                None,
                &job_for(&ctx, waiting.id),
                JobDelivery::JobsTable,
            )
            .await,
        "decide a canceled task",
    );

    // Final: refused, and no audit entry for the refusal.
    let audits_before = audit_actions(store, &ctx).await;
    for id in [queued.id, run.id, waiting.id] {
        assert_invalid(
            store.request_task_cancel(&ctx, id).await,
            "cancel a final task",
        );
    }
    assert_not_found(
        store.request_task_cancel(&ctx, TaskId::new()).await,
        "cancel a missing task",
    );
    assert_eq!(audit_actions(store, &ctx).await, audits_before);
    let cancels = audits_before
        .iter()
        .filter(|a| a.as_str() == "task.cancel")
        .count();
    assert_eq!(cancels, 4);
    let entry = store.audit_log(&ctx, 1).await.unwrap().remove(0);
    assert_eq!(
        (entry.action.as_str(), entry.actor_user_id, entry.target),
        (
            "task.cancel",
            Some(ctx.user_id),
            Some(waiting.id.to_string())
        )
    );
}

async fn tenants_cannot_reach_each_others_tasks(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let (ta, tb) = (a.tenant_id, b.tenant_id);
    let task = running(store, &a, "secret").await;
    let c1 = checkpoint(task.id, 1, None);
    store
        .save_checkpoint(ta, &c1, &[("node.finished".into(), json!({}))])
        .await
        .unwrap();
    store
        .interrupt_task(ta, task.id, c1.id, "ask", &json!({ "secret": 1 }))
        .await
        .unwrap();
    let before = store.task(ta, task.id).await.unwrap().unwrap();
    let events_before = store.task_events(ta, task.id, 0, 100).await.unwrap();

    // Reads.
    assert!(store.task(tb, task.id).await.unwrap().is_none());
    assert!(store
        .tasks(tb, &TaskFilter::default(), None, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .latest_checkpoint(tb, task.id)
        .await
        .unwrap()
        .is_none());
    assert!(store.checkpoint(tb, c1.id).await.unwrap().is_none());
    assert!(store.checkpoints(tb, task.id).await.unwrap().is_empty());
    assert!(store
        .task_events(tb, task.id, 0, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(store.approval(tb, task.id, c1.id).await.unwrap().is_none());
    assert!(store.approvals(tb, None, 100).await.unwrap().is_empty());

    // Writes.
    assert_not_found(store.mark_task_running(tb, task.id).await, "run");
    assert_not_found(
        store
            .save_checkpoint(tb, &checkpoint(task.id, 2, Some(c1.id)), &[])
            .await,
        "checkpoint",
    );
    assert_not_found(
        store.append_task_event(tb, task.id, "log", json!({})).await,
        "event",
    );
    assert_not_found(
        store
            .finish_task(tb, task.id, TaskStatus::Done, None, None, ("x", json!({})))
            .await,
        "finish",
    );
    assert_not_found(
        store
            .interrupt_task(tb, task.id, CheckpointId::new(), "n", &json!({}))
            .await,
        "interrupt",
    );
    assert_not_found(
        store
            .decide_approval(
                &b,
                task.id,
                true,
                None,
                &job_for(&b, task.id),
                JobDelivery::JobsTable,
            )
            .await,
        "decide",
    );
    assert_not_found(store.request_task_cancel(&b, task.id).await, "cancel");

    // Nothing of A changed, and B wrote no job.
    assert_eq!(store.task(ta, task.id).await.unwrap(), Some(before));
    assert_eq!(
        store.task_events(ta, task.id, 0, 100).await.unwrap(),
        events_before
    );
    assert_eq!(store.checkpoints(ta, task.id).await.unwrap(), [c1]);
    assert_eq!(
        store
            .approvals(ta, Some(ApprovalStatus::Pending), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .jobs(JobScope::Tenant(tb), None, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(!audit_actions(store, &b)
        .await
        .iter()
        .any(|a| a.starts_with("approval.") || a == "task.cancel"));
}

async fn sql_metacharacters_in_tasks_are_stored_verbatim(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let nasty = "Robert'); DROP TABLE tasks;-- \" \\ % _ $1 ? é 🦀";
    let input = json!({ "q": nasty, "nested": [nasty, { "k'": "v\"" }] });
    let nt = NewTask {
        input: input.clone(),
        ..new_task(nasty, Some(nasty))
    };
    let (task, _) = store
        .create_task(&ctx, &nt, &job_for(&ctx, nt.id), JobDelivery::JobsTable)
        .await
        .unwrap();
    assert_eq!(task.kind, nasty);
    assert_eq!(task.input, input);
    assert_eq!(task.idempotency_key.as_deref(), Some(nasty));
    create(
        store,
        &ctx,
        "Robert'); DROP TABLE tasks;-- \" \\ x _ $1 ? é 🦀",
    )
    .await;

    // The kind filter is an equality, not a pattern.
    let by_kind = TaskFilter {
        status: None,
        kind: Some(nasty.into()),
    };
    let found = store.tasks(t, &by_kind, None, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, task.id);
    let pattern = TaskFilter {
        status: None,
        kind: Some("%".into()),
    };
    assert!(store.tasks(t, &pattern, None, 10).await.unwrap().is_empty());

    store.mark_task_running(t, task.id).await.unwrap();
    let event = store
        .append_task_event(t, task.id, nasty, json!({ "line": nasty }))
        .await
        .unwrap();
    let stored = store
        .task_events(t, task.id, event.seq - 1, 1)
        .await
        .unwrap();
    assert_eq!(stored, std::slice::from_ref(&event));
    assert_eq!(
        (stored[0].kind.as_str(), &stored[0].data),
        (nasty, &json!({ "line": nasty }))
    );
    let c = Checkpoint {
        node: nasty.into(),
        next: nasty.into(),
        state: input.clone(),
        ..checkpoint(task.id, 1, None)
    };
    store.save_checkpoint(t, &c, &[]).await.unwrap();
    assert_eq!(store.checkpoint(t, c.id).await.unwrap(), Some(c.clone()));
    store
        .interrupt_task(t, task.id, c.id, nasty, &input)
        .await
        .unwrap();
    let approval = store.approval(t, task.id, c.id).await.unwrap().unwrap();
    assert_eq!((approval.node.as_str(), &approval.payload), (nasty, &input));
    store
        .decide_approval(
            &ctx,
            task.id,
            true,
            Some(&input),
            &job_for(&ctx, task.id),
            JobDelivery::JobsTable,
        )
        .await
        .unwrap();
    store.mark_task_running(t, task.id).await.unwrap();
    let failed = store
        .finish_task(
            t,
            task.id,
            TaskStatus::Failed,
            Some(&input),
            Some(nasty),
            (nasty, json!({ "error": nasty })),
        )
        .await
        .unwrap();
    assert_eq!(failed.error.as_deref(), Some(nasty));
    assert_eq!(failed.result, Some(input));
    assert_eq!(store.task(t, task.id).await.unwrap(), Some(failed));
}

async fn start_node_reads_the_task_and_answer_and_logs_the_start(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let task = running(store, &ctx, "deploy").await;
    let c1 = checkpoint(task.id, 1, None);
    store.save_checkpoint(t, &c1, &[]).await.unwrap();

    // No question asked at this checkpoint: the task, no answer, one event.
    let (now, answer) = store
        .start_node(t, task.id, c1.id, json!({ "node": "plan", "step": 1 }))
        .await
        .unwrap();
    assert_eq!(
        (now.id, now.status, answer),
        (task.id, TaskStatus::Running, None)
    );
    let events = store.task_events(t, task.id, 0, 100).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), &last.data),
        ("node.started", &json!({ "node": "plan", "step": 1 }))
    );

    // A cancel was requested: the task says so and nothing is logged.
    store.request_task_cancel(&ctx, task.id).await.unwrap();
    let before = event_kinds(store, &ctx, task.id).await;
    let (now, answer) = store
        .start_node(t, task.id, c1.id, json!({ "node": "plan", "step": 1 }))
        .await
        .unwrap();
    assert!(now.cancel_requested);
    assert_eq!(answer, None);
    assert_eq!(event_kinds(store, &ctx, task.id).await, before);

    // Another tenant's task does not exist.
    let other = tenant(store, "b").await;
    assert_not_found(
        store
            .start_node(other.tenant_id, task.id, c1.id, json!({}))
            .await,
        "start a node of another tenant's task",
    );
}

/// `save_checkpoint_and_start`: the checkpoint, its events, then
/// `node.started`, in that order, and the task as it is; nothing started
/// once a cancel was requested; another tenant's task is not found.
async fn saving_a_checkpoint_can_start_the_next_node(store: &dyn Store) {
    let ctx = tenant(store, "a").await;
    let t = ctx.tenant_id;
    let task = running(store, &ctx, "deploy").await;
    let c1 = checkpoint(task.id, 1, None);
    let finished = [("node.finished".to_string(), json!({ "node": "node1" }))];
    let now = store
        .save_checkpoint_and_start(t, &c1, &finished, json!({ "node": "node2", "step": 2 }))
        .await
        .unwrap();
    assert_eq!(
        (now.id, now.status, now.checkpoint_count),
        (task.id, TaskStatus::Running, 1)
    );
    assert_eq!(
        store.latest_checkpoint(t, task.id).await.unwrap(),
        Some(c1.clone())
    );
    let events = store.task_events(t, task.id, 0, 100).await.unwrap();
    let tail: Vec<(&str, &serde_json::Value)> = events
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(|e| (e.kind.as_str(), &e.data))
        .collect();
    assert_eq!(
        tail,
        [
            ("node.finished", &json!({ "node": "node1" })),
            ("node.started", &json!({ "node": "node2", "step": 2 }))
        ]
    );

    store.request_task_cancel(&ctx, task.id).await.unwrap();
    let before = event_kinds(store, &ctx, task.id).await;
    let c2 = checkpoint(task.id, 2, Some(c1.id));
    let now = store
        .save_checkpoint_and_start(t, &c2, &[], json!({ "node": "node3", "step": 3 }))
        .await
        .unwrap();
    assert!(now.cancel_requested);
    assert_eq!(now.checkpoint_count, 2);
    // The checkpoint is saved; no node is started.
    assert_eq!(event_kinds(store, &ctx, task.id).await, before);
    assert_eq!(store.latest_checkpoint(t, task.id).await.unwrap(), Some(c2));

    let other = tenant(store, "b").await;
    assert_not_found(
        store
            .save_checkpoint_and_start(
                other.tenant_id,
                &checkpoint(task.id, 3, None),
                &[],
                json!({}),
            )
            .await,
        "save a checkpoint of another tenant's task",
    );
}

/// Ten submissions at once under a quota of four an hour: four tasks, six
/// refusals naming the quota; a repeated key still answers its task, and
/// another tenant's quota is its own.
async fn the_hourly_task_quota_holds_under_concurrency(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let limited = |key: Option<String>| NewTask {
        hourly_limit: Some(4),
        idempotency_key: key,
        ..new_task("research", None)
    };
    let attempts: Vec<_> = (0..10)
        .map(|i| {
            let t = limited(Some(format!("k{i}")));
            let job = job_for(&a, t.id);
            (t, job)
        })
        .collect();
    let results = futures::future::join_all(
        attempts
            .iter()
            .map(|(t, job)| store.create_task(&a, t, job, JobDelivery::JobsTable)),
    )
    .await;
    let created: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(created.len(), 4, "{results:?}");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(
            e,
            StoreError::QuotaExceeded(m) if m.contains("4 tasks an hour")
        )));
    // At the quota, the same key answers the task it made.
    let (first, _) = created[0];
    let again = NewTask {
        idempotency_key: first.idempotency_key.clone(),
        ..limited(None)
    };
    let (same, fresh) = store
        .create_task(&a, &again, &job_for(&a, again.id), JobDelivery::JobsTable)
        .await
        .unwrap();
    assert_eq!((same.id, fresh), (first.id, false));
    let mine = store
        .tasks(a.tenant_id, &TaskFilter::default(), None, 50)
        .await
        .unwrap();
    assert_eq!(mine.len(), 4, "nothing refused was stored");
    let other = limited(None);
    store
        .create_task(&b, &other, &job_for(&b, other.id), JobDelivery::JobsTable)
        .await
        .unwrap();
}

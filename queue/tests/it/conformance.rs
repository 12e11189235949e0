//! What every queue backend guarantees, checked through the interface alone.

use std::time::Duration;

use morningai_core::job::limits::{self, SYSTEM_PRIORITY};
use morningai_core::{now_ms, TenantId};
use morningai_queue::{Job, JobId, JobScope, JobStatus, NewJob, QueueError};
use serde_json::json;

use crate::support::{all_backends, Fixture};

all_backends!(
    claims_by_priority_then_age_and_queue_order,
    delayed_jobs_do_not_run_early,
    failed_attempts_retry_then_land_in_the_failed_registry,
    requeue_and_cancel_follow_the_status_rules,
    idempotency_key_yields_one_job_even_concurrently,
    finished_results_expire_after_their_ttl,
    expired_leases_are_reclaimed_by_another_worker,
    released_jobs_go_back_without_using_an_attempt,
    tenants_see_and_touch_only_their_jobs,
    listing_and_counts_reflect_every_status,
    invalid_jobs_are_refused,
    worker_registry_lists_and_forgets,
    finishing_hands_over_the_next_job,
    tenant_jobs_out_of_bounds_are_refused,
    a_tenant_at_its_limit_leaves_the_workers_to_others,
    concurrent_claims_never_take_a_tenant_past_its_limit,
    a_tenant_under_its_limit_always_gets_its_jobs_back,
);

fn job(queue: &str) -> NewJob {
    NewJob::new(queue, "test.kind", json!({ "n": 1 }))
}

fn tenant_job(tenant: TenantId, queue: &str) -> NewJob {
    NewJob::for_tenant(tenant, queue, "test.kind", json!({ "n": 1 }))
}

const LEASE: Duration = Duration::from_secs(30);

async fn claims_by_priority_then_age_and_queue_order(f: Fixture) {
    let q = &f.queue;
    let mut ids = Vec::new();
    for p in [0, 5, -1, 5, 10] {
        let mut j = job("work");
        j.priority = p;
        ids.push(q.enqueue(j).await.unwrap().job.id);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut order = Vec::new();
    while let Some(j) = q.claim(&["work".into()], "w1", LEASE).await.unwrap() {
        assert_eq!(
            (j.status, j.attempts, j.worker_id.as_deref()),
            (JobStatus::Started, 1, Some("w1"))
        );
        assert!(j.lease_expires_ms.unwrap() > now_ms());
        order.push(j.id);
    }
    assert_eq!(order, [ids[4], ids[1], ids[3], ids[0], ids[2]]);

    // Queues are tried in the order given, whatever the priorities.
    let mut low = job("low");
    low.priority = SYSTEM_PRIORITY + 100;
    let low = q.enqueue(low).await.unwrap().job.id;
    let high = q.enqueue(job("high")).await.unwrap().job.id;
    let queues = ["high".to_string(), "low".to_string()];
    assert_eq!(
        q.claim(&queues, "w1", LEASE).await.unwrap().unwrap().id,
        high
    );
    assert_eq!(
        q.claim(&queues, "w1", LEASE).await.unwrap().unwrap().id,
        low
    );
    assert!(q.claim(&queues, "w1", LEASE).await.unwrap().is_none());
}

async fn delayed_jobs_do_not_run_early(f: Fixture) {
    let mut j = job("later");
    let run_at = now_ms() + 600;
    j.run_at_ms = Some(run_at);
    let id = f.queue.enqueue(j).await.unwrap().job.id;
    assert_eq!(f.get(id).await.status, JobStatus::Scheduled);
    assert!(f
        .queue
        .claim(&["later".into()], "w", LEASE)
        .await
        .unwrap()
        .is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(f
        .queue
        .claim(&["later".into()], "w", LEASE)
        .await
        .unwrap()
        .is_none());
    tokio::time::sleep(Duration::from_millis(350)).await;
    let claimed = f
        .queue
        .claim(&["later".into()], "w", LEASE)
        .await
        .unwrap()
        .expect("due now");
    assert_eq!(claimed.id, id);
    assert!(claimed.started_at_ms.unwrap() >= run_at);
}

async fn failed_attempts_retry_then_land_in_the_failed_registry(f: Fixture) {
    let q = &f.queue;
    let mut j = job("retry");
    j.max_attempts = 2;
    let id = q.enqueue(j).await.unwrap().job.id;
    let queues = ["retry".to_string()];

    let first = q.claim(&queues, "w", LEASE).await.unwrap().unwrap();
    assert!(q
        .fail(id, "w", "boom 1", Some(now_ms() + 300))
        .await
        .unwrap());
    let after = f.get(id).await;
    assert_eq!(
        (after.status, after.attempts, after.last_error.as_deref()),
        (JobStatus::Scheduled, 1, Some("boom 1"))
    );
    assert!(
        q.claim(&queues, "w", LEASE).await.unwrap().is_none(),
        "backoff is respected"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let second = q.claim(&queues, "w", LEASE).await.unwrap().unwrap();
    assert_eq!((second.id, second.attempts), (first.id, 2));
    assert!(q.fail(id, "w", "boom 2", None).await.unwrap());
    let failed = f.get(id).await;
    assert_eq!(
        (failed.status, failed.last_error.as_deref()),
        (JobStatus::Failed, Some("boom 2"))
    );
    assert!(failed.finished_at_ms.is_some());
    let registry = q
        .jobs(JobScope::System, Some(JobStatus::Failed), None, 10)
        .await
        .unwrap();
    assert_eq!(registry.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    // A worker that no longer holds the job cannot change it.
    assert!(!q.fail(id, "w", "late", None).await.unwrap());
    assert!(!q.finish(id, "w", json!({})).await.unwrap());
}

async fn requeue_and_cancel_follow_the_status_rules(f: Fixture) {
    let q = &f.queue;
    let queues = ["rc".to_string()];
    let id = q.enqueue(job("rc")).await.unwrap().job.id;
    assert!(matches!(
        q.requeue(JobScope::System, id).await,
        Err(QueueError::InvalidState(_))
    ));
    let canceled = q.cancel(JobScope::System, id).await.unwrap();
    assert_eq!(canceled.status, JobStatus::Canceled);
    assert!(
        q.claim(&queues, "w", LEASE).await.unwrap().is_none(),
        "canceled jobs never run"
    );
    assert!(matches!(
        q.cancel(JobScope::System, id).await,
        Err(QueueError::InvalidState(_))
    ));
    let requeued = q.requeue(JobScope::System, id).await.unwrap();
    assert_eq!((requeued.status, requeued.attempts), (JobStatus::Queued, 0));

    let started = q.claim(&queues, "w", LEASE).await.unwrap().unwrap();
    let err = q.cancel(JobScope::System, started.id).await.unwrap_err();
    assert!(
        matches!(&err, QueueError::InvalidState(m) if m.contains("started")),
        "{err}"
    );
    assert!(q.fail(id, "w", "bad", None).await.unwrap());
    let again = q.requeue(JobScope::System, id).await.unwrap();
    assert_eq!(
        (again.status, again.attempts, again.worker_id),
        (JobStatus::Queued, 0, None)
    );
    assert_eq!(
        q.claim(&queues, "w2", LEASE)
            .await
            .unwrap()
            .unwrap()
            .attempts,
        1
    );

    assert!(matches!(
        q.cancel(JobScope::System, JobId::new()).await,
        Err(QueueError::NotFound)
    ));
    assert!(matches!(
        q.requeue(JobScope::System, JobId::new()).await,
        Err(QueueError::NotFound)
    ));
}

async fn idempotency_key_yields_one_job_even_concurrently(f: Fixture) {
    let mut j = job("idem");
    j.idempotency_key = Some("order-42".into());
    let first = f.queue.enqueue(j.clone()).await.unwrap();
    assert!(first.created);
    let mut again = j.clone();
    again.id = JobId::new();
    let second = f.queue.enqueue(again).await.unwrap();
    assert!(!second.created);
    assert_eq!(second.job.id, first.job.id);

    let attempts = (0..10).map(|_| {
        let q = f.queue.clone();
        let mut j = job("idem");
        j.idempotency_key = Some("burst".into());
        tokio::spawn(async move { q.enqueue(j).await.unwrap() })
    });
    let results = futures::future::join_all(attempts).await;
    let created = results
        .iter()
        .filter(|r| r.as_ref().unwrap().created)
        .count();
    let ids: std::collections::HashSet<JobId> =
        results.iter().map(|r| r.as_ref().unwrap().job.id).collect();
    assert_eq!((created, ids.len()), (1, 1));
    let all = f
        .queue
        .jobs(JobScope::System, None, Some("idem"), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

async fn finished_results_expire_after_their_ttl(f: Fixture) {
    let mut j = job("ttl");
    j.result_ttl_ms = 300;
    let id = f.queue.enqueue(j).await.unwrap().job.id;
    let kept = f.queue.enqueue(job("ttl")).await.unwrap().job.id;
    for _ in 0..2 {
        let c = f
            .queue
            .claim(&["ttl".into()], "w", LEASE)
            .await
            .unwrap()
            .unwrap();
        assert!(f
            .queue
            .finish(c.id, "w", json!({ "answer": 42 }))
            .await
            .unwrap());
    }
    let done = f.get(id).await;
    assert_eq!(
        (done.status, done.result.clone()),
        (JobStatus::Finished, Some(json!({ "answer": 42 })))
    );
    assert!(done.result_expires_ms.unwrap() <= done.finished_at_ms.unwrap() + 300);
    tokio::time::sleep(Duration::from_millis(400)).await;
    f.queue.maintain().await.unwrap();
    assert!(
        f.queue.job(JobScope::System, id).await.unwrap().is_none(),
        "result kept past its TTL"
    );
    assert_eq!(
        f.get(kept).await.status,
        JobStatus::Finished,
        "the default TTL keeps the other"
    );
}

async fn expired_leases_are_reclaimed_by_another_worker(f: Fixture) {
    let q = &f.queue;
    let mut j = job("lease");
    j.max_attempts = 2;
    let id = q.enqueue(j).await.unwrap().job.id;
    let queues = ["lease".to_string()];
    q.claim(&queues, "dead", Duration::from_millis(200))
        .await
        .unwrap()
        .unwrap();
    q.maintain().await.unwrap();
    assert_eq!(
        f.get(id).await.status,
        JobStatus::Started,
        "the lease has not expired yet"
    );
    assert!(q
        .renew_lease(id, "dead", Duration::from_millis(200))
        .await
        .unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    q.maintain().await.unwrap();
    let back = f.get(id).await;
    assert_eq!(back.status, JobStatus::Queued);
    assert!(back.last_error.unwrap().contains("lease"));
    let again = q.claim(&queues, "alive", LEASE).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (id, 2));
    assert!(
        !q.renew_lease(id, "dead", LEASE).await.unwrap(),
        "the dead worker's lease is gone"
    );
    assert!(!q.finish(id, "dead", json!({})).await.unwrap());
    // Out of attempts when the second worker dies too: the failed registry.
    q.renew_lease(id, "alive", Duration::from_millis(100))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    q.maintain().await.unwrap();
    assert_eq!(f.get(id).await.status, JobStatus::Failed);
}

async fn released_jobs_go_back_without_using_an_attempt(f: Fixture) {
    let id = f.queue.enqueue(job("rel")).await.unwrap().job.id;
    f.queue
        .claim(&["rel".into()], "w", LEASE)
        .await
        .unwrap()
        .unwrap();
    assert!(!f.queue.release(id, "other").await.unwrap());
    assert!(f.queue.release(id, "w").await.unwrap());
    let back = f.get(id).await;
    assert_eq!(
        (back.status, back.attempts, back.worker_id),
        (JobStatus::Queued, 0, None)
    );
    assert_eq!(
        f.queue
            .claim(&["rel".into()], "w", LEASE)
            .await
            .unwrap()
            .unwrap()
            .attempts,
        1
    );
}

async fn tenants_see_and_touch_only_their_jobs(f: Fixture) {
    let a = f.tenant("a").await;
    let b = f.tenant("b").await;
    let ja = f.queue.enqueue(tenant_job(a, "t")).await.unwrap().job.id;
    let jb = f.queue.enqueue(tenant_job(b, "t")).await.unwrap().job.id;
    let system = f.queue.enqueue(job("t")).await.unwrap().job.id;

    let seen: Vec<JobId> = f
        .queue
        .jobs(JobScope::Tenant(a), None, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(seen, [ja]);
    assert!(f
        .queue
        .job(JobScope::Tenant(a), jb)
        .await
        .unwrap()
        .is_none());
    assert!(f
        .queue
        .job(JobScope::Tenant(a), system)
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        f.queue.cancel(JobScope::Tenant(a), jb).await,
        Err(QueueError::NotFound)
    ));
    assert_eq!(f.get(jb).await.status, JobStatus::Queued);
    let counts = f.queue.counts(JobScope::Tenant(a)).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.count).sum::<i64>(), 1);
    assert_eq!(
        f.queue
            .cancel(JobScope::Tenant(b), jb)
            .await
            .unwrap()
            .status,
        JobStatus::Canceled
    );
    assert_eq!(
        f.queue
            .counts(JobScope::System)
            .await
            .unwrap()
            .iter()
            .map(|c| c.count)
            .sum::<i64>(),
        3
    );
}

async fn listing_and_counts_reflect_every_status(f: Fixture) {
    let q = &f.queue;
    let queued = q.enqueue(job("l")).await.unwrap().job.id;
    let mut later = job("l");
    later.run_at_ms = Some(now_ms() + 60_000);
    let scheduled = q.enqueue(later).await.unwrap().job.id;
    let to_cancel = q.enqueue(job("m")).await.unwrap().job.id;
    q.cancel(JobScope::System, to_cancel).await.unwrap();
    let started = q
        .claim(&["l".into()], "w", LEASE)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(started, queued);
    let counts = q.counts(JobScope::System).await.unwrap();
    let count = |queue: &str, status: JobStatus| {
        counts
            .iter()
            .find(|c| c.queue == queue && c.status == status)
            .map_or(0, |c| c.count)
    };
    assert_eq!(count("l", JobStatus::Started), 1);
    assert_eq!(count("l", JobStatus::Scheduled), 1);
    assert_eq!(count("m", JobStatus::Canceled), 1);
    assert_eq!(counts.iter().map(|c| c.count).sum::<i64>(), 3);
    let newest_first: Vec<JobId> = q
        .jobs(JobScope::System, None, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(newest_first, [to_cancel, scheduled, queued]);
    assert_eq!(
        q.jobs(JobScope::System, None, None, 2).await.unwrap().len(),
        2
    );
    let only_l: Vec<JobId> = q
        .jobs(JobScope::System, Some(JobStatus::Scheduled), Some("l"), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(only_l, [scheduled]);
}

async fn invalid_jobs_are_refused(f: Fixture) {
    for bad in [
        NewJob {
            queue: String::new(),
            ..job("x")
        },
        NewJob {
            kind: "k\n".into(),
            ..job("x")
        },
        NewJob {
            max_attempts: 0,
            ..job("x")
        },
        NewJob {
            timeout_ms: 0,
            ..job("x")
        },
        NewJob {
            idempotency_key: Some(String::new()),
            ..job("x")
        },
    ] {
        assert!(matches!(
            f.queue.enqueue(bad).await,
            Err(QueueError::Invalid(_))
        ));
    }
    assert!(
        f.queue.counts(JobScope::System).await.unwrap().is_empty(),
        "nothing was stored"
    );
}

async fn worker_registry_lists_and_forgets(f: Fixture) {
    let mut info = morningai_queue::WorkerInfo {
        id: "host-1-abc".into(),
        host: "host".into(),
        pid: 1,
        queues: vec!["default".into(), "slow".into()],
        started_at_ms: now_ms(),
        last_heartbeat_ms: now_ms(),
        current_jobs: vec![],
    };
    f.queue.register_worker(&info).await.unwrap();
    info.current_jobs = vec![JobId::new()];
    info.last_heartbeat_ms += 10;
    f.queue.register_worker(&info).await.unwrap();
    assert_eq!(f.queue.workers().await.unwrap(), [info.clone()]);
    f.queue.unregister_worker(&info.id).await.unwrap();
    assert!(f.queue.workers().await.unwrap().is_empty());

    // Housekeeping forgets a worker silent for longer than FORGET_WORKERS_AFTER, not a live one.
    let forget_ms = morningai_queue::FORGET_WORKERS_AFTER.as_millis() as i64;
    let dead = morningai_queue::WorkerInfo {
        id: "host-2-dead".into(),
        last_heartbeat_ms: now_ms() - forget_ms - 1000,
        ..info.clone()
    };
    let silent_but_recent = morningai_queue::WorkerInfo {
        id: "host-3-stale".into(),
        last_heartbeat_ms: now_ms() - forget_ms + 60_000,
        ..info.clone()
    };
    for w in [&info, &dead, &silent_but_recent] {
        f.queue.register_worker(w).await.unwrap();
    }
    f.queue.maintain().await.unwrap();
    let ids: Vec<String> = f
        .queue
        .workers()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(!ids.contains(&dead.id), "{ids:?}");
}

/// `finish_and_claim`: the job is finished and the next one claimed, by
/// priority and queue order, as `finish` then `claim` would; a job no longer
/// the worker's is not finished, yet the next job is still claimed.
async fn finishing_hands_over_the_next_job(f: Fixture) {
    let q = &f.queue;
    let queues = ["high".to_string(), "low".to_string()];
    let first = q.enqueue(job("low")).await.unwrap().job.id;
    let claimed = q.claim(&queues, "w1", LEASE).await.unwrap().unwrap();
    assert_eq!(claimed.id, first);
    let mut urgent = job("low");
    urgent.priority = SYSTEM_PRIORITY + 5;
    let urgent = q.enqueue(urgent).await.unwrap().job.id;
    let _later = q.enqueue(job("low")).await.unwrap().job.id;
    let high = q.enqueue(job("high")).await.unwrap().job.id;

    let (finished, next) = q
        .finish_and_claim(first, "w1", json!({ "ok": true }), &queues, LEASE)
        .await
        .unwrap();
    assert!(finished);
    let done = f.get(first).await;
    assert_eq!(done.status, JobStatus::Finished);
    assert_eq!(done.result, Some(json!({ "ok": true })));
    let next = next.unwrap();
    assert_eq!(next.id, high, "the first queue comes first");
    assert_eq!(
        (next.status, next.attempts, next.worker_id.as_deref()),
        (JobStatus::Started, 1, Some("w1"))
    );

    let (finished, next) = q
        .finish_and_claim(high, "w1", json!(null), &queues, LEASE)
        .await
        .unwrap();
    assert!(finished);
    assert_eq!(next.unwrap().id, urgent, "then priority");

    // Another worker's job is not finished by w2; w2 still gets work.
    let (finished, next) = q
        .finish_and_claim(urgent, "w2", json!(1), &queues, LEASE)
        .await
        .unwrap();
    assert!(!finished);
    assert_eq!(f.get(urgent).await.status, JobStatus::Started);
    let last = next.unwrap();
    assert_eq!(last.worker_id.as_deref(), Some("w2"));

    // Nothing left: finished, no next job.
    let (finished, next) = q
        .finish_and_claim(last.id, "w2", json!(2), &queues, LEASE)
        .await
        .unwrap();
    assert!(finished && next.is_none());
}

/// Each bound of a tenant's job (`morningai_core::job::limits`), in every
/// backend: refused, nothing stored. A system job may go beyond them.
async fn tenant_jobs_out_of_bounds_are_refused(f: Fixture) {
    let t = f.tenant("t").await;
    let cases: [(&str, NewJob); 7] = [
        (
            "priority",
            NewJob {
                priority: limits::TENANT_PRIORITY.end() + 1,
                ..tenant_job(t, "x")
            },
        ),
        (
            "priority",
            NewJob {
                priority: i32::MAX,
                ..tenant_job(t, "x")
            },
        ),
        (
            "timeout_ms",
            NewJob {
                timeout_ms: 14 * 24 * 3_600_000,
                ..tenant_job(t, "x")
            },
        ),
        (
            "max_attempts",
            NewJob {
                max_attempts: 1000,
                ..tenant_job(t, "x")
            },
        ),
        (
            "queue",
            NewJob {
                queue: "Not A Queue".into(),
                ..tenant_job(t, "x")
            },
        ),
        (
            "run_at_ms",
            NewJob {
                run_at_ms: Some(now_ms() + 8 * 24 * 3_600_000),
                ..tenant_job(t, "x")
            },
        ),
        (
            "payload",
            NewJob {
                payload: json!({ "s": "x".repeat(limits::TENANT_MAX_PAYLOAD_BYTES) }),
                ..tenant_job(t, "x")
            },
        ),
    ];
    for (field, bad) in cases {
        match f.queue.enqueue(bad).await {
            Err(QueueError::Invalid(m)) => assert!(m.starts_with(&format!("{field}: ")), "{m}"),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(
        f.queue.counts(JobScope::System).await.unwrap().is_empty(),
        "nothing was stored"
    );
    let top = NewJob {
        priority: *limits::TENANT_PRIORITY.end(),
        ..tenant_job(t, "x")
    };
    assert_eq!(f.queue.enqueue(top).await.unwrap().job.priority, 100);
    let system = NewJob {
        max_attempts: 1000,
        ..job("x")
    };
    assert_eq!(
        f.queue.enqueue(system).await.unwrap().job.priority,
        SYSTEM_PRIORITY
    );
}

async fn claim_one(f: &Fixture, queue: &str, lease: Duration) -> Option<Job> {
    f.queue
        .claim(&[queue.to_string()], "w", lease)
        .await
        .unwrap()
}

/// Fair share: tenant A's backlog at the top of the tenant band cannot keep
/// tenant B's job (at the bottom) from a worker once A has its limit running;
/// A gets a worker again as soon as one of its jobs ends (finished, failed).
async fn a_tenant_at_its_limit_leaves_the_workers_to_others(f: Fixture) {
    let f = f.with_tenant_concurrency(2).await;
    let (a, b) = (f.tenant("a").await, f.tenant("b").await);
    let q = &f.queue;
    let mut a_jobs = Vec::new();
    for _ in 0..6 {
        let j = NewJob {
            priority: 100,
            ..tenant_job(a, "fair")
        };
        a_jobs.push(q.enqueue(j).await.unwrap().job.id);
    }
    let b_job = NewJob {
        priority: -100,
        ..tenant_job(b, "fair")
    };
    let b_job = q.enqueue(b_job).await.unwrap().job.id;

    let tenant_of = |j: Option<Job>| j.expect("a job").tenant_id;
    assert_eq!(tenant_of(claim_one(&f, "fair", LEASE).await), Some(a));
    let second = claim_one(&f, "fair", LEASE).await.unwrap();
    assert_eq!(second.tenant_id, Some(a));
    let third = claim_one(&f, "fair", LEASE).await.unwrap();
    assert_eq!(third.id, b_job, "A is at its limit: B's job is next");
    assert!(
        claim_one(&f, "fair", LEASE).await.is_none(),
        "only A's jobs are left"
    );
    // System jobs are not limited, and still come first.
    let system = q.enqueue(job("fair")).await.unwrap().job.id;
    assert_eq!(claim_one(&f, "fair", LEASE).await.unwrap().id, system);

    // One of A's jobs ends: A is claimable again, once.
    assert!(q.finish(second.id, "w", json!(null)).await.unwrap());
    assert_eq!(tenant_of(claim_one(&f, "fair", LEASE).await), Some(a));
    assert!(claim_one(&f, "fair", LEASE).await.is_none());
    // Finishing one hands over A's next in the same call…
    let running: Vec<Job> = q
        .jobs(JobScope::Tenant(a), Some(JobStatus::Started), None, 10)
        .await
        .unwrap();
    assert_eq!(running.len(), 2);
    let (finished, next) = q
        .finish_and_claim(running[0].id, "w", json!(null), &["fair".into()], LEASE)
        .await
        .unwrap();
    assert!(finished);
    assert_eq!(tenant_of(next), Some(a));
    // …and a failed attempt frees a slot too.
    assert!(q.fail(running[1].id, "w", "boom", None).await.unwrap());
    assert_eq!(tenant_of(claim_one(&f, "fair", LEASE).await), Some(a));
    assert!(claim_one(&f, "fair", LEASE).await.is_none());
    let queued = q
        .jobs(JobScope::Tenant(a), Some(JobStatus::Queued), None, 10)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "A's last job waits its turn");
}

/// Claims racing on many workers take a tenant to its limit, not past it.
async fn concurrent_claims_never_take_a_tenant_past_its_limit(f: Fixture) {
    let f = f.with_tenant_concurrency(3).await;
    let a = f.tenant("a").await;
    for _ in 0..12 {
        f.queue.enqueue(tenant_job(a, "race")).await.unwrap();
    }
    let claims: Vec<_> = (0..8)
        .map(|i| {
            let q = f.queue.clone();
            tokio::spawn(async move {
                q.claim(&["race".into()], &format!("w{i}"), LEASE)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut claimed = 0;
    for c in claims {
        claimed += usize::from(c.await.unwrap().is_some());
    }
    assert_eq!(claimed, 3);
}

/// A tenant's waiting jobs are never stranded: canceling one of them, or a
/// lease that expires before housekeeping runs, still lets the next one run.
async fn a_tenant_under_its_limit_always_gets_its_jobs_back(f: Fixture) {
    let f = f.with_tenant_concurrency(1).await;
    let a = f.tenant("a").await;
    let q = &f.queue;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(q.enqueue(tenant_job(a, "back")).await.unwrap().job.id);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(claim_one(&f, "back", LEASE).await.unwrap().id, ids[0]);
    assert!(claim_one(&f, "back", LEASE).await.is_none());
    assert!(q.finish(ids[0], "w", json!(null)).await.unwrap());
    // The job that would run next is canceled: the one after it runs.
    q.cancel(JobScope::Tenant(a), ids[1]).await.unwrap();
    let short = Duration::from_millis(50);
    assert_eq!(claim_one(&f, "back", short).await.unwrap().id, ids[2]);
    assert!(claim_one(&f, "back", LEASE).await.is_none());
    // Its lease expires (its worker died): the slot is free, housekeeping or not.
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert_eq!(claim_one(&f, "back", LEASE).await.unwrap().id, ids[3]);
    assert!(claim_one(&f, "back", LEASE).await.is_none());
}

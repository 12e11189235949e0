//! The usage store: the model-call ledger, spend windows, usage reports,
//! budget overrides and the response cache. Each case runs once per backend.

use morningai_core::usage::{day_start_ms, hour_start_ms};
use morningai_core::{
    Budget, BudgetPatch, CallKind, CallOutcome, Email, MicroUsd, ModelCall, ModelCallId, Spend,
    SpendHold, TaskId, TenantCtx, TenantId, UsageTotals, SPEND_HOLD_TTL_MS,
};
use morningai_core::{NewJob, NewTask};
use morningai_store::{JobDelivery, Store};
use serde_json::json;

both_stores!(
    spend_counts_billed_calls_in_the_hour_day_and_task,
    usage_report_groups_add_up_to_the_total,
    budget_overrides_patch_clear_and_audit,
    cache_stores_replaces_and_misses,
    tenants_cannot_reach_each_others_usage,
    a_tasks_cost_follows_its_billed_calls,
    concurrent_holds_never_overshoot_a_cap,
    holds_are_released_by_their_record_and_lapse,
);

async fn tenant(store: &dyn Store, name: &str) -> TenantCtx {
    let email = Email::parse(&format!("{name}@example.com")).unwrap();
    let s = store.signup(&email, "hash", name).await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

/// 2023-11-14T22:15:23.456Z: the hour began at 22:00, the day at 00:00.
const NOW: i64 = 1_700_000_123_456;

fn call(
    tenant: TenantId,
    at_ms: i64,
    outcome: CallOutcome,
    tokens: (u64, u64),
    cost: i64,
) -> ModelCall {
    ModelCall {
        id: ModelCallId::new(),
        tenant_id: tenant,
        task_id: None,
        trace_id: None,
        provider: "openai".into(),
        model: "gpt-4o".into(),
        kind: CallKind::Chat,
        prompt_tokens: tokens.0,
        completion_tokens: tokens.1,
        cost: MicroUsd(cost),
        latency_ms: 12,
        outcome,
        error_code: (outcome == CallOutcome::Error).then(|| "timeout".to_owned()),
        created_at_ms: at_ms,
    }
}

async fn spend_counts_billed_calls_in_the_hour_day_and_task(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let t = a.tenant_id;
    let task = TaskId::new();
    let in_hour = hour_start_ms(NOW) + 1;
    let earlier_today = day_start_ms(NOW) + 1;
    let yesterday = day_start_ms(NOW) - 1;
    let calls = [
        ModelCall {
            task_id: Some(task),
            ..call(t, in_hour, CallOutcome::Ok, (10, 5), 100)
        },
        ModelCall {
            task_id: Some(task),
            ..call(t, yesterday, CallOutcome::Ok, (1, 1), 1000)
        },
        call(t, earlier_today, CallOutcome::Ok, (20, 0), 200),
        call(t, in_hour, CallOutcome::Error, (3, 0), 7),
        // Neither a refusal nor a cache hit counts, whatever it carries.
        ModelCall {
            task_id: Some(task),
            ..call(t, in_hour, CallOutcome::Refused, (0, 0), 0)
        },
        ModelCall {
            task_id: Some(task),
            ..call(t, in_hour, CallOutcome::Cached, (50, 50), 0)
        },
    ];
    for c in &calls {
        store.record_model_call(c).await.unwrap();
    }
    let spent = store.spent(t, Some(task), NOW).await.unwrap();
    assert_eq!(
        spent.hour,
        Spend {
            cost: MicroUsd(107),
            tokens: 18
        }
    );
    assert_eq!(
        spent.day,
        Spend {
            cost: MicroUsd(307),
            tokens: 38
        }
    );
    assert_eq!(
        spent.task,
        Spend {
            cost: MicroUsd(1100),
            tokens: 17
        }
    );
    let no_task = store.spent(t, None, NOW).await.unwrap();
    assert_eq!(no_task.task, Spend::default());
    assert_eq!(no_task.day, spent.day);

    // Ids are unique; text is stored as given.
    let err = store.record_model_call(&calls[0]).await.unwrap_err();
    assert!(
        matches!(err, morningai_store::StoreError::Conflict(_)),
        "{err}"
    );
    let odd = ModelCall {
        model: "x'); DROP TABLE model_calls; --".into(),
        trace_id: Some("trace \"1\"".into()),
        ..call(t, in_hour, CallOutcome::Ok, (1, 1), 1)
    };
    store.record_model_call(&odd).await.unwrap();
    let report = store.usage(t, day_start_ms(NOW), NOW + 1).await.unwrap();
    assert!(report.by_model.iter().any(|m| m.model == odd.model));
}

async fn usage_report_groups_add_up_to_the_total(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let t = a.tenant_id;
    let day = 86_400_000;
    let start = day_start_ms(NOW) - 2 * day;
    let (t1, t2) = (TaskId::new(), TaskId::new());
    let calls = [
        ModelCall {
            task_id: Some(t1),
            ..call(t, start + 5, CallOutcome::Ok, (100, 50), 1_500)
        },
        ModelCall {
            task_id: Some(t1),
            model: "gpt-4o-mini".into(),
            ..call(t, start + day + 5, CallOutcome::Ok, (40, 10), 12)
        },
        ModelCall {
            task_id: Some(t2),
            ..call(t, start + day + 6, CallOutcome::Error, (9, 0), 3)
        },
        ModelCall {
            provider: "local".into(),
            model: "smollm2".into(),
            ..call(t, start + 2 * day + 1, CallOutcome::Ok, (30, 30), 0)
        },
        ModelCall {
            task_id: Some(t2),
            ..call(t, start + 2 * day + 2, CallOutcome::Refused, (0, 0), 0)
        },
        ModelCall {
            task_id: Some(t1),
            ..call(t, start + 2 * day + 3, CallOutcome::Cached, (100, 50), 0)
        },
        // Outside the range on both sides.
        call(t, start - 1, CallOutcome::Ok, (1, 1), 99),
        call(t, start + 3 * day, CallOutcome::Ok, (1, 1), 99),
    ];
    for c in &calls {
        store.record_model_call(c).await.unwrap();
    }
    let report = store.usage(t, start, start + 3 * day).await.unwrap();
    assert_eq!(
        report.total,
        UsageTotals {
            calls: 6,
            errors: 1,
            refused: 1,
            cached: 1,
            prompt_tokens: 179,
            completion_tokens: 90,
            cost: MicroUsd(1_515),
        }
    );
    let sum = |totals: Vec<UsageTotals>| {
        totals
            .into_iter()
            .fold(UsageTotals::default(), |a, b| UsageTotals {
                calls: a.calls + b.calls,
                errors: a.errors + b.errors,
                refused: a.refused + b.refused,
                cached: a.cached + b.cached,
                prompt_tokens: a.prompt_tokens + b.prompt_tokens,
                completion_tokens: a.completion_tokens + b.completion_tokens,
                cost: a.cost + b.cost,
            })
    };
    assert_eq!(
        sum(report.by_day.iter().map(|d| d.totals).collect()),
        report.total
    );
    assert_eq!(
        sum(report.by_model.iter().map(|d| d.totals).collect()),
        report.total
    );
    assert_eq!(
        sum(report.by_task.iter().map(|d| d.totals).collect()),
        report.total
    );

    let days: Vec<i64> = report.by_day.iter().map(|d| d.day_start_ms).collect();
    assert_eq!(days, [start, start + day, start + 2 * day]);
    assert_eq!(report.by_day[1].totals.cost, MicroUsd(15));
    // Costliest first.
    assert_eq!(
        report
            .by_model
            .iter()
            .map(|m| (m.provider.as_str(), m.model.as_str()))
            .collect::<Vec<_>>(),
        [
            ("openai", "gpt-4o"),
            ("openai", "gpt-4o-mini"),
            ("local", "smollm2")
        ]
    );
    assert_eq!(report.by_task[0].task_id, Some(t1));
    assert_eq!(report.by_task[0].totals.cost, MicroUsd(1_512));
    assert_eq!(report.by_task[0].totals.cached, 1);
    let outside = report.by_task.iter().find(|u| u.task_id.is_none()).unwrap();
    assert_eq!(outside.totals.prompt_tokens, 30);

    let empty = store.usage(t, NOW + day, NOW + 2 * day).await.unwrap();
    assert_eq!(empty.total, UsageTotals::default());
    assert!(empty.by_day.is_empty() && empty.by_model.is_empty() && empty.by_task.is_empty());
}

async fn budget_overrides_patch_clear_and_audit(store: &dyn Store) {
    let a = tenant(store, "a").await;
    assert_eq!(
        store.budget_overrides(a.tenant_id).await.unwrap(),
        Budget::UNLIMITED
    );

    let set = BudgetPatch {
        daily_usd: Some(Some(MicroUsd(5_000_000))),
        task_tokens: Some(Some(1_000)),
        hourly_tokens: Some(Some(u64::MAX)),
        ..BudgetPatch::default()
    };
    let after = store.update_budget_overrides(&a, &set).await.unwrap();
    let want = Budget {
        daily_usd: Some(MicroUsd(5_000_000)),
        task_tokens: Some(1_000),
        hourly_tokens: Some(i64::MAX as u64),
        ..Budget::UNLIMITED
    };
    assert_eq!(after, want);
    assert_eq!(store.budget_overrides(a.tenant_id).await.unwrap(), want);

    // Only what the patch names changes; `Some(None)` clears.
    let clear = BudgetPatch {
        daily_usd: Some(None),
        hourly_usd: Some(Some(MicroUsd(0))),
        ..BudgetPatch::default()
    };
    let after = store.update_budget_overrides(&a, &clear).await.unwrap();
    let want = Budget {
        hourly_usd: Some(MicroUsd(0)),
        task_tokens: Some(1_000),
        hourly_tokens: Some(i64::MAX as u64),
        ..Budget::UNLIMITED
    };
    assert_eq!(after, want);
    assert_eq!(store.budget_overrides(a.tenant_id).await.unwrap(), want);

    let log = store.audit_log(&a, 10).await.unwrap();
    let changes: Vec<&serde_json::Value> = log
        .iter()
        .filter(|e| e.action == "budget.update")
        .map(|e| &e.detail)
        .collect();
    assert_eq!(
        changes,
        [
            &json!({ "daily_usd": null, "hourly_usd": 0.0 }),
            &json!({ "daily_usd": 5.0, "task_tokens": 1000, "hourly_tokens": u64::MAX }),
        ]
    );
    assert!(log
        .iter()
        .filter(|e| e.action == "budget.update")
        .all(|e| e.actor_user_id == Some(a.user_id)));
}

async fn cache_stores_replaces_and_misses(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let t = a.tenant_id;
    assert_eq!(store.cached_response(t, "k1").await.unwrap(), None);
    let first = json!({ "text": "hello 'world'; --", "usage": { "prompt_tokens": 3 } });
    store.cache_response(t, "k1", &first, NOW).await.unwrap();
    assert_eq!(store.cached_response(t, "k1").await.unwrap(), Some(first));
    let second = json!({ "text": "again" });
    store
        .cache_response(t, "k1", &second, NOW + 1)
        .await
        .unwrap();
    assert_eq!(store.cached_response(t, "k1").await.unwrap(), Some(second));
    assert_eq!(store.cached_response(t, "k2").await.unwrap(), None);

    // Expiry: answers stored before the cut-off go, for every tenant (on
    // PostgreSQL as the application role, through the system policy).
    let b = tenant(store, "b").await.tenant_id;
    store
        .cache_response(b, "old", &json!(1), NOW - 10)
        .await
        .unwrap();
    store
        .cache_response(b, "new", &json!(2), NOW + 10)
        .await
        .unwrap();
    assert_eq!(store.purge_model_cache(NOW).await.unwrap(), 1);
    assert_eq!(store.cached_response(b, "old").await.unwrap(), None);
    assert_eq!(
        store.cached_response(b, "new").await.unwrap(),
        Some(json!(2))
    );
    assert!(store.cached_response(t, "k1").await.unwrap().is_some());
    assert_eq!(store.purge_model_cache(NOW + 11).await.unwrap(), 2);
    assert_eq!(store.cached_response(t, "k1").await.unwrap(), None);
}

async fn tenants_cannot_reach_each_others_usage(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let task = TaskId::new();
    store
        .record_model_call(&ModelCall {
            task_id: Some(task),
            ..call(a.tenant_id, NOW, CallOutcome::Ok, (10, 10), 500)
        })
        .await
        .unwrap();
    store
        .update_budget_overrides(
            &a,
            &BudgetPatch {
                daily_usd: Some(Some(MicroUsd(1))),
                ..BudgetPatch::default()
            },
        )
        .await
        .unwrap();
    store
        .cache_response(a.tenant_id, "k", &json!("a's answer"), NOW)
        .await
        .unwrap();

    let spent = store.spent(b.tenant_id, Some(task), NOW).await.unwrap();
    assert_eq!(
        spent,
        Default::default(),
        "B sees none of A's spend, even for A's task id"
    );
    let report = store.usage(b.tenant_id, 0, i64::MAX).await.unwrap();
    assert_eq!(report.total.calls, 0);
    assert_eq!(
        store.budget_overrides(b.tenant_id).await.unwrap(),
        Budget::UNLIMITED
    );
    assert_eq!(store.cached_response(b.tenant_id, "k").await.unwrap(), None);
    // B's own entry under the same key does not touch A's.
    store
        .cache_response(b.tenant_id, "k", &json!("b's answer"), NOW)
        .await
        .unwrap();
    assert_eq!(
        store.cached_response(a.tenant_id, "k").await.unwrap(),
        Some(json!("a's answer"))
    );
    assert_eq!(
        store
            .usage(a.tenant_id, 0, i64::MAX)
            .await
            .unwrap()
            .total
            .calls,
        1
    );
}

async fn a_tasks_cost_follows_its_billed_calls(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let task = NewTask {
        id: TaskId::new(),
        kind: "echo".into(),
        input: json!({}),
        priority: 0,
        idempotency_key: None,
        trace_id: uuid::Uuid::now_v7(),
        replay_of: None,
        hourly_limit: None,
    };
    let job = NewJob {
        tenant_id: Some(a.tenant_id),
        ..NewJob::new("default", "task.run", json!({}))
    };
    store
        .create_task(&a, &task, &job, JobDelivery::JobsTable)
        .await
        .unwrap();
    for (outcome, cost) in [
        (CallOutcome::Ok, 1_500_000),
        (CallOutcome::Error, 250_000),
        (CallOutcome::Cached, 0),
        (CallOutcome::Refused, 0),
    ] {
        let c = ModelCall {
            task_id: Some(task.id),
            ..call(a.tenant_id, NOW, outcome, (1, 1), cost)
        };
        store.record_model_call(&c).await.unwrap();
    }
    let stored = store.task(a.tenant_id, task.id).await.unwrap().unwrap();
    assert!((stored.cost_usd - 1.75).abs() < 1e-9, "{}", stored.cost_usd);
}

fn hold(tenant: TenantId, task: Option<TaskId>, cost: i64, at_ms: i64) -> SpendHold {
    SpendHold {
        id: ModelCallId::new(),
        tenant,
        task,
        cost: MicroUsd(cost),
        tokens: 10,
        at_ms,
    }
}

/// Twenty calls asking at once for 100 each under a cap of 1,000: exactly
/// ten are held, whatever the interleaving (on PostgreSQL they run on
/// separate connections at the same time).
async fn concurrent_holds_never_overshoot_a_cap(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let budget = Budget {
        daily_usd: Some(MicroUsd(1_000)),
        ..Budget::UNLIMITED
    };
    let holds: Vec<_> = (0..20).map(|_| hold(a.tenant_id, None, 100, NOW)).collect();
    let answers =
        futures::future::join_all(holds.iter().map(|h| store.hold_spend(h, &budget))).await;
    let held = answers.iter().filter(|a| matches!(a, Ok(None))).count();
    let refused: Vec<_> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().and_then(|r| r.as_ref()))
        .collect();
    assert_eq!(held, 10, "{answers:?}");
    assert_eq!(refused.len(), 10, "{answers:?}");
    assert!(refused.iter().all(|(cap, _)| *cap == "daily_usd"));
    // What is held is not spent (the usage page shows what was spent)...
    assert_eq!(
        store.spent(a.tenant_id, None, NOW).await.unwrap().day,
        Spend::default()
    );
    // ...and another tenant's caps do not see it.
    assert_eq!(
        store
            .hold_spend(&hold(b.tenant_id, None, 1_000, NOW), &budget)
            .await
            .unwrap(),
        None
    );
}

async fn holds_are_released_by_their_record_and_lapse(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let t = a.tenant_id;
    let task = TaskId::new();
    let budget = Budget {
        daily_usd: Some(MicroUsd(1_000)),
        task_usd: Some(MicroUsd(600)),
        ..Budget::UNLIMITED
    };
    let first = hold(t, Some(task), 500, NOW);
    assert_eq!(store.hold_spend(&first, &budget).await.unwrap(), None);
    // The task's cap counts the task's hold.
    let refused = store
        .hold_spend(&hold(t, Some(task), 200, NOW), &budget)
        .await
        .unwrap();
    assert_eq!(refused.map(|r| r.0), Some("task_usd"));
    // The call costs less than its estimate: its record replaces the hold.
    let mut recorded = call(t, NOW, CallOutcome::Ok, (5, 5), 300);
    recorded.id = first.id;
    recorded.task_id = Some(task);
    store.record_model_call(&recorded).await.unwrap();
    assert_eq!(
        store
            .hold_spend(&hold(t, Some(task), 300, NOW), &budget)
            .await
            .unwrap(),
        None,
        "300 spent + 300 held = the task cap"
    );
    // A hold never recorded (its worker died) stops counting when it lapses.
    let day = store
        .hold_spend(&hold(t, None, 500, NOW), &budget)
        .await
        .unwrap();
    assert_eq!(
        day.map(|r| r.0),
        Some("daily_usd"),
        "300 + 300 + 500 > 1000"
    );
    let later = NOW + SPEND_HOLD_TTL_MS + 1;
    assert_eq!(
        store
            .hold_spend(&hold(t, None, 500, later), &budget)
            .await
            .unwrap(),
        None,
        "only the 300 spent counts after the holds lapsed"
    );
}

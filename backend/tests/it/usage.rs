//! Usage and budgets over HTTP: reports of recorded model calls, the
//! effective budget (configured defaults and tenant overrides), who may
//! change it, validation, audit, and tenants kept apart.

use morningai_backend::Config;
use morningai_core::{
    now_ms, CallKind, CallOutcome, MicroUsd, ModelCall, ModelCallId, TaskId, TenantId,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, Session, TestApp};

both_backends!(
    usage_reports_recorded_calls_by_day_model_and_task,
    usage_ranges_are_validated,
    only_owners_and_admins_change_budgets_and_values_are_validated,
);

fn with_defaults(config: &mut Config) {
    config.usage.budget_daily_usd = Some(5.0);
    config.usage.budget_task_tokens = Some(1000);
}

mod sqlite_defaults {
    #[tokio::test]
    async fn budgets_show_defaults_overrides_and_spend() {
        let app = crate::support::TestApp::sqlite_with(super::with_defaults).await;
        super::budgets_show_defaults_overrides_and_spend(app).await;
    }
}

mod postgres_defaults {
    #[tokio::test]
    async fn budgets_show_defaults_overrides_and_spend() {
        let app = crate::support::TestApp::postgres_with(super::with_defaults).await;
        super::budgets_show_defaults_overrides_and_spend(app).await;
    }
}

fn tenant_of(session: &Session) -> TenantId {
    session.tenant_id.parse().unwrap()
}

/// Records a call of `session`'s tenant, made now.
async fn record(
    app: &TestApp,
    session: &Session,
    model: &str,
    task: Option<TaskId>,
    outcome: CallOutcome,
    tokens: (u64, u64),
    cost_micros: i64,
) {
    app.state
        .store
        .record_model_call(&ModelCall {
            id: ModelCallId::new(),
            tenant_id: tenant_of(session),
            task_id: task,
            trace_id: None,
            provider: "openai".into(),
            model: model.into(),
            kind: CallKind::Chat,
            prompt_tokens: tokens.0,
            completion_tokens: tokens.1,
            cost: MicroUsd(cost_micros),
            latency_ms: 10,
            outcome,
            error_code: None,
            created_at_ms: now_ms(),
        })
        .await
        .unwrap();
}

async fn put_budgets(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.send(
        app.request(Method::PUT, "/api/usage/budgets", Some(token))
            .json(&body),
    )
    .await
}

async fn usage_reports_recorded_calls_by_day_model_and_task(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let viewer = app.add_member(&owner, "viewer@example.com", "viewer").await;
    let other = app.signup("other@example.com", "Else").await;
    let task = TaskId::new();
    record(
        &app,
        &owner,
        "gpt-4o",
        Some(task),
        CallOutcome::Ok,
        (1000, 200),
        4_500,
    )
    .await;
    record(
        &app,
        &owner,
        "gpt-4o",
        Some(task),
        CallOutcome::Cached,
        (1000, 200),
        0,
    )
    .await;
    record(
        &app,
        &owner,
        "gpt-4o-mini",
        None,
        CallOutcome::Ok,
        (100, 10),
        21,
    )
    .await;
    record(
        &app,
        &owner,
        "gpt-4o-mini",
        None,
        CallOutcome::Refused,
        (0, 0),
        0,
    )
    .await;
    record(
        &app,
        &other,
        "gpt-4o",
        None,
        CallOutcome::Ok,
        (5, 5),
        999_999,
    )
    .await;

    // Any member may read, a viewer too.
    let (status, body) = app.get("/api/usage", Some(&viewer.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["total"],
        json!({
            "calls": 4, "errors": 0, "refused": 1, "cached": 1,
            "prompt_tokens": 1100, "completion_tokens": 210, "tokens": 1310,
            "cost_usd": 0.004521,
        })
    );
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(body["by_day"].as_array().unwrap().len(), 1);
    assert_eq!(body["by_day"][0]["date"], today.as_str());
    assert_eq!(body["by_day"][0]["calls"], 4);
    assert_eq!(body["by_model"][0]["model"], "gpt-4o");
    assert_eq!(body["by_model"][0]["provider"], "openai");
    assert_eq!(body["by_model"][0]["cost_usd"], 0.0045);
    assert_eq!(body["by_model"][0]["cached"], 1);
    assert_eq!(body["by_model"][1]["model"], "gpt-4o-mini");
    assert_eq!(body["by_task"][0]["task_id"], task.to_string());
    assert_eq!(body["by_task"][0]["calls"], 2);
    assert_eq!(body["by_task"][1]["task_id"], Value::Null);
    assert!(body["from"].is_string() && body["to"].is_string());

    // The other tenant sees only its own call.
    let (_, theirs) = app.get("/api/usage", Some(&other.token)).await;
    assert_eq!(theirs["total"]["calls"], 1);
    assert_eq!(theirs["total"]["cost_usd"], 0.999999);
    assert_eq!(theirs["by_model"].as_array().unwrap().len(), 1);

    // A range that ends before today holds nothing; a date `to` includes its day.
    let (_, past) = app
        .get(
            "/api/usage?from=2020-01-01&to=2020-01-31",
            Some(&owner.token),
        )
        .await;
    assert_eq!(past["total"]["calls"], 0);
    assert_eq!(past["from"], "2020-01-01T00:00:00Z");
    assert_eq!(past["to"], "2020-02-01T00:00:00Z");
    let (_, this_day) = app
        .get(
            &format!("/api/usage?from={today}&to={today}"),
            Some(&owner.token),
        )
        .await;
    assert_eq!(this_day["total"]["calls"], 4);

    let (status, body) = app.get("/api/usage", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn usage_ranges_are_validated(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let t = Some(owner.token.as_str());
    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2025-13-01", "to"),
        ("from=2025-02-01&to=2025-01-01", "from"),
        ("from=2020-01-01&to=2025-01-01", "from"),
    ] {
        let (status, body) = app.get(&format!("/api/usage?{query}"), t).await;
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
                .starts_with(field),
            "{query}: {body}"
        );
    }
    let (status, body) = app.get("/api/usage?limit=5", t).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, _) = app
        .get(
            "/api/usage?from=2025-01-01T00:00:00Z&to=2025-01-02T12:30:00%2B02:00",
            t,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn budgets_show_defaults_overrides_and_spend(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let other = app.signup("other@example.com", "Else").await;
    record(
        &app,
        &owner,
        "gpt-4o",
        None,
        CallOutcome::Ok,
        (1000, 200),
        4_500,
    )
    .await;
    // Neither a refusal nor a cache hit is spending.
    record(
        &app,
        &owner,
        "gpt-4o",
        None,
        CallOutcome::Cached,
        (1000, 200),
        0,
    )
    .await;

    let (status, body) = app.get("/api/usage/budgets", Some(&owner.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let defaults = json!({
        "daily_usd": 5.0, "hourly_usd": null, "task_usd": null,
        "daily_tokens": null, "hourly_tokens": null, "task_tokens": 1000,
    });
    assert_eq!(body["defaults"], defaults);
    assert_eq!(body["effective"], defaults);
    assert_eq!(body["overridden"], json!([]));
    assert_eq!(body["spent"]["day"]["cost_usd"], 0.0045);
    assert_eq!(body["spent"]["day"]["tokens"], 1200);
    assert_eq!(body["spent"]["hour"]["tokens"], 1200);
    assert!(body["spent"]["day"]["since"]
        .as_str()
        .unwrap()
        .ends_with("T00:00:00Z"));

    let (status, body) = put_budgets(
        &app,
        &owner.token,
        json!({ "daily_usd": 1.5, "hourly_tokens": 100, "task_tokens": 0 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["effective"],
        json!({
            "daily_usd": 1.5, "hourly_usd": null, "task_usd": null,
            "daily_tokens": null, "hourly_tokens": 100, "task_tokens": 0,
        })
    );
    assert_eq!(body["defaults"], defaults);
    assert_eq!(
        body["overridden"],
        json!(["daily_usd", "hourly_tokens", "task_tokens"])
    );
    assert_eq!(body["overrides"]["daily_usd"], 1.5);
    assert_eq!(body["overrides"]["task_usd"], Value::Null);

    // null clears an override (back to the default); absent fields stay.
    let (status, body) = put_budgets(
        &app,
        &owner.token,
        json!({ "daily_usd": null, "task_tokens": null }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["effective"]["daily_usd"], 5.0);
    assert_eq!(body["effective"]["task_tokens"], 1000);
    assert_eq!(body["effective"]["hourly_tokens"], 100);
    assert_eq!(body["overridden"], json!(["hourly_tokens"]));
    let (_, again) = app.get("/api/usage/budgets", Some(&owner.token)).await;
    assert_eq!(again["effective"], body["effective"]);

    // Audited, with what changed.
    let (_, log) = app.get("/api/audit", Some(&owner.token)).await;
    let changes: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "budget.update")
        .map(|e| &e["detail"])
        .collect();
    assert_eq!(
        changes,
        [
            &json!({ "daily_usd": null, "task_tokens": null }),
            &json!({ "daily_usd": 1.5, "hourly_tokens": 100, "task_tokens": 0 }),
        ]
    );

    // The other tenant keeps the defaults and its own (empty) spend.
    let (_, theirs) = app.get("/api/usage/budgets", Some(&other.token)).await;
    assert_eq!(theirs["effective"], defaults);
    assert_eq!(theirs["overridden"], json!([]));
    assert_eq!(theirs["spent"]["day"]["tokens"], 0);

    // The defaults are the operator's: a tenant may lower them, never raise.
    let (status, raised) = put_budgets(
        &app,
        &owner.token,
        json!({ "daily_usd": 1000000.0, "task_tokens": 1000000 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{raised}");
    assert_eq!(raised["effective"]["daily_usd"], 5.0);
    assert_eq!(raised["effective"]["task_tokens"], 1000);
    let (status, body) = put_budgets(
        &app,
        &owner.token,
        json!({ "daily_usd": null, "task_tokens": null }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn only_owners_and_admins_change_budgets_and_values_are_validated(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let admin = app.add_member(&owner, "admin@example.com", "admin").await;
    let member = app.add_member(&owner, "member@example.com", "member").await;
    let viewer = app.add_member(&owner, "viewer@example.com", "viewer").await;

    for who in [&member, &viewer] {
        let (status, body) = put_budgets(&app, &who.token, json!({ "daily_usd": 1 })).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, _) = app.get("/api/usage/budgets", Some(&who.token)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = put_budgets(&app, &admin.token, json!({ "daily_usd": 2 })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["effective"]["daily_usd"], 2.0);
    // No change, no audit entry.
    let (status, _) = put_budgets(&app, &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, log) = app.get("/api/audit", Some(&owner.token)).await;
    let audited = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "budget.update")
        .count();
    assert_eq!(audited, 1);

    for (body, field) in [
        (json!({ "daily_usd": -1 }), "daily_usd"),
        (json!({ "hourly_usd": -0.01 }), "hourly_usd"),
        (json!({ "task_usd": 1e300 }), "task_usd"),
        (json!({ "daily_tokens": -5 }), "daily_tokens"),
        (json!({ "task_tokens": "many" }), "task_tokens"),
        (json!({ "task_tokens": 1.5 }), "task_tokens"),
        (json!({ "weekly_usd": 3 }), "weekly_usd"),
    ] {
        let (status, res) = put_budgets(&app, &owner.token, body.clone()).await;
        assert_error(status, &res, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert!(
            res["error"]["message"].as_str().unwrap().contains(field),
            "{body}: {res}"
        );
    }
    let (_, body) = app.get("/api/usage/budgets", Some(&owner.token)).await;
    assert_eq!(
        body["effective"]["daily_usd"], 2.0,
        "nothing invalid was applied"
    );

    let (status, body) = app
        .send(
            app.request(Method::PUT, "/api/usage/budgets", Some(&owner.token))
                .body("{\"daily_usd\": 1}"),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

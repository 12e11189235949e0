//! The row-level-security matrix on PostgreSQL, as the application role: a
//! transaction scoped to tenant A cannot select, insert, update or delete
//! tenant B's rows in any tenant-owned table, even with raw SQL that has no
//! WHERE clause; a transaction with no tenant set sees nothing.

use morningai_core::{
    BudgetPatch, CallKind, CallOutcome, Checkpoint, CheckpointId, Email, FaqSuggestionId, MicroUsd,
    ModelCall, ModelCallId, NewDocumentVersion, NewFaq, NewFaqCategory, NewFaqFeedback,
    NewFaqQuery, NewFaqSuggestion, NewJob, NewRepository, NewTask, RepositoryId, Role, TaskId,
    TenantCtx,
};
use morningai_store::testing::TempPostgres;
use morningai_store::{
    AccountStore, ApiKeyStore, DocumentStore, FaqStore, RepositoryStore, SessionStore, TaskStore,
    UsageStore,
};
use morningai_store::{JobDelivery, NewApiKey};
use sqlx::{Connection, PgConnection, Postgres, Transaction};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

struct World {
    db: TempPostgres,
    a: TenantCtx,
    b: TenantCtx,
}

/// Two tenants, each with a row in every tenant-owned table.
async fn world() -> World {
    let db = TempPostgres::new().await;
    let mut ctxs = Vec::new();
    for name in ["a", "b"] {
        let email = Email::parse(&format!("{name}@example.com")).unwrap();
        let s = db.store.signup(&email, "h", name).await.unwrap();
        let ctx = TenantCtx::system(s.tenant.id, s.user.id);
        db.store
            .create_api_key(
                &ctx,
                NewApiKey {
                    name: name.into(),
                    prefix: "p".into(),
                    key_hash: format!("hash-{name}"),
                    role: Role::Member,
                },
            )
            .await
            .unwrap();
        db.store
            .create_session(
                ctx.tenant_id,
                ctx.user_id,
                OffsetDateTime::now_utc() + Duration::hours(1),
            )
            .await
            .unwrap();
        task_rows(&db, &ctx).await;
        usage_rows(&db, &ctx).await;
        let repo = db
            .store
            .create_repository(
                &ctx,
                &NewRepository {
                    name: "r".into(),
                    source: "https://example.com/r.git".into(),
                    limit: None,
                },
            )
            .await
            .unwrap();
        document_rows(&db, &ctx, repo.id).await;
        faq_rows(&db, &ctx, name).await;
        assert!(db
            .store
            .reserve_publication(ctx.tenant_id, name, 0, 1, 10)
            .await
            .unwrap());
        ctxs.push(ctx);
    }
    World {
        db,
        a: ctxs[0],
        b: ctxs[1],
    }
}

/// A task of `ctx`'s tenant with a checkpoint, events and a pending approval.
async fn task_rows(db: &TempPostgres, ctx: &TenantCtx) {
    let task = NewTask {
        id: TaskId::new(),
        kind: "k".into(),
        input: serde_json::json!({}),
        priority: 0,
        idempotency_key: None,
        trace_id: Uuid::now_v7(),
        replay_of: None,
        hourly_limit: None,
    };
    let job = NewJob {
        tenant_id: Some(ctx.tenant_id),
        ..NewJob::new("tasks", "task.run", serde_json::json!({}))
    };
    db.store
        .create_task(ctx, &task, &job, JobDelivery::JobsTable)
        .await
        .unwrap();
    db.store
        .mark_task_running(ctx.tenant_id, task.id)
        .await
        .unwrap();
    let checkpoint = Checkpoint {
        id: CheckpointId::new(),
        task_id: task.id,
        parent_id: None,
        seq: 1,
        node: "n".into(),
        next: "m".into(),
        step: 1,
        state: serde_json::json!({}),
        created_at: OffsetDateTime::now_utc(),
    };
    db.store
        .save_checkpoint(
            ctx.tenant_id,
            &checkpoint,
            &[("node.finished".into(), serde_json::json!({}))],
        )
        .await
        .unwrap();
    db.store
        .interrupt_task(
            ctx.tenant_id,
            task.id,
            checkpoint.id,
            "n",
            &serde_json::json!({}),
        )
        .await
        .unwrap();
}

/// A model call, a budget override and a cached answer of `ctx`'s tenant.
async fn usage_rows(db: &TempPostgres, ctx: &TenantCtx) {
    db.store
        .record_model_call(&ModelCall {
            id: ModelCallId::new(),
            tenant_id: ctx.tenant_id,
            task_id: None,
            trace_id: None,
            provider: "openai".into(),
            model: "gpt-4o".into(),
            kind: CallKind::Chat,
            prompt_tokens: 1,
            completion_tokens: 1,
            cost: MicroUsd(1),
            latency_ms: 1,
            outcome: CallOutcome::Ok,
            error_code: None,
            created_at_ms: 1,
        })
        .await
        .unwrap();
    let patch = BudgetPatch {
        daily_usd: Some(Some(MicroUsd(1))),
        ..BudgetPatch::default()
    };
    db.store.update_budget_overrides(ctx, &patch).await.unwrap();
    db.store
        .cache_response(ctx.tenant_id, "k", &serde_json::json!({}), 1)
        .await
        .unwrap();
}

/// A document with one version on `repo`.
async fn document_rows(db: &TempPostgres, ctx: &TenantCtx, repo: RepositoryId) {
    db.store
        .save_document_version(
            ctx.tenant_id,
            &NewDocumentVersion {
                repository_id: repo,
                question: "q".into(),
                title: "t".into(),
                slug: "q".into(),
                commit: "c".into(),
                task_id: TaskId::new(),
                trace_id: Uuid::now_v7(),
                model: "m".into(),
                markdown: "# t".into(),
                manifest: serde_json::json!({}),
                report: serde_json::json!({}),
                claims_checked: 0,
                claims_removed: 0,
            },
        )
        .await
        .unwrap();
}

/// A row in every FAQ table: a category with a FAQ (and its version), a
/// deleted FAQ (a tombstone; both take revisions), a logged question with
/// feedback, a suggestion.
async fn faq_rows(db: &TempPostgres, ctx: &TenantCtx, name: &str) {
    let category = db
        .store
        .create_category(
            ctx,
            &NewFaqCategory {
                parent_id: None,
                name: "c".into(),
                position: 0,
            },
        )
        .await
        .unwrap();
    let faq = |question: &str| NewFaq {
        question: question.into(),
        answer: "a".into(),
        category_id: Some(category.id),
        tags: vec!["t".into()],
        language: "en".into(),
        status: morningai_core::FaqStatus::Published,
        source: morningai_core::FaqSource::Manual,
        origin: None,
        external_id: None,
    };
    let kept = db.store.create_faq(ctx, &faq("q")).await.unwrap();
    let gone = db.store.create_faq(ctx, &faq("gone")).await.unwrap();
    db.store.delete_faq(ctx, gone.id).await.unwrap();
    let query = db
        .store
        .log_faq_query(
            ctx.tenant_id,
            &NewFaqQuery {
                query: "q".into(),
                language: None,
                channel: "api".into(),
                top_faq_id: Some(kept.id),
                top_score: Some(0.9),
                answered: true,
            },
        )
        .await
        .unwrap();
    db.store
        .record_feedback(
            ctx.tenant_id,
            None,
            &NewFaqFeedback {
                faq_id: kept.id,
                helpful: true,
                query_id: Some(query),
                comment: None,
            },
        )
        .await
        .unwrap();
    db.store
        .upsert_suggestion(
            ctx.tenant_id,
            &NewFaqSuggestion {
                id: FaqSuggestionId::new(),
                query: "q".into(),
                examples: vec![],
                count: 1,
                centroid: None,
            },
        )
        .await
        .unwrap();
    // Tenant a's help centre is on, b's is off.
    db.store
        .set_help_centre(
            ctx,
            &morningai_core::HelpCentreSettings {
                slug: format!("help-{name}"),
                enabled: name == "a",
                title: "Help".into(),
            },
        )
        .await
        .unwrap();
}

/// (table, the column naming its tenant, an INSERT of a row for tenant $1 by user $2)
const TABLES: &[(&str, &str, &str)] = &[
    ("tenants", "id", "INSERT INTO tenants (id, name) VALUES ($1, 'x') ON CONFLICT DO NOTHING"),
    ("memberships", "tenant_id", "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'viewer')"),
    ("sessions", "tenant_id", "INSERT INTO sessions (id, tenant_id, user_id, expires_at) VALUES (gen_random_uuid(), $1, $2, now())"),
    ("api_keys", "tenant_id", "INSERT INTO api_keys (id, tenant_id, user_id, name, prefix, key_hash, role) VALUES (gen_random_uuid(), $1, $2, 'x', 'p', gen_random_uuid()::text, 'viewer')"),
    ("audit_log", "tenant_id", "INSERT INTO audit_log (id, tenant_id, action) VALUES (gen_random_uuid(), $1, 'x')"),
    ("tasks", "tenant_id", "INSERT INTO tasks (id, tenant_id, kind, input, status, trace_id, created_by) VALUES (gen_random_uuid(), $1, 'x', '{}', 'queued', gen_random_uuid(), $2)"),
    ("task_checkpoints", "tenant_id", "INSERT INTO task_checkpoints (id, tenant_id, task_id, seq, node, next, step, state) VALUES (gen_random_uuid(), $1, gen_random_uuid(), 1, 'n', 'm', 1, '{}')"),
    ("task_events", "tenant_id", "INSERT INTO task_events (tenant_id, task_id, seq, kind) VALUES ($1, gen_random_uuid(), 1, 'x')"),
    ("approvals", "tenant_id", "INSERT INTO approvals (checkpoint_id, tenant_id, task_id, node, payload, status) VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'n', '{}', 'pending')"),
    ("model_calls", "tenant_id", "INSERT INTO model_calls (id, tenant_id, provider, model, kind, prompt_tokens, completion_tokens, cost_micros, latency_ms, outcome, created_at_ms) VALUES (gen_random_uuid(), $1, 'p', 'm', 'chat', 0, 0, 0, 0, 'ok', 0)"),
    ("budgets", "tenant_id", "INSERT INTO budgets (tenant_id, updated_by, updated_at_ms) VALUES ($1, $2, 0)"),
    ("model_cache", "tenant_id", "INSERT INTO model_cache (tenant_id, key, response, created_at_ms) VALUES ($1, gen_random_uuid()::text, '{}', 0)"),
    ("repositories", "tenant_id", "INSERT INTO repositories (id, tenant_id, name, source, status, created_by, created_at, updated_at) VALUES (gen_random_uuid(), $1, gen_random_uuid()::text, 's', 'pending', $2, now(), now())"),
    ("documents", "tenant_id", "INSERT INTO documents (id, tenant_id, repository_id, question, question_key, title, slug, latest_version, created_at, updated_at) VALUES (gen_random_uuid(), $1, (SELECT id FROM repositories LIMIT 1), 'q', gen_random_uuid()::text, 't', 's', 1, now(), now())"),
    ("document_versions", "tenant_id", "INSERT INTO document_versions (document_id, tenant_id, version, commit_sha, task_id, trace_id, model, markdown, manifest, report, created_at) VALUES ((SELECT id FROM documents LIMIT 1), $1, 99, 'c', gen_random_uuid(), gen_random_uuid(), 'm', 'md', '{}', '{}', now())"),
    ("faq_categories", "tenant_id", "INSERT INTO faq_categories (id, tenant_id, name, created_at, updated_at) VALUES (gen_random_uuid(), $1, gen_random_uuid()::text, now(), now())"),
    ("faqs", "tenant_id", "INSERT INTO faqs (id, tenant_id, question, answer, language, status, source, revision, created_by, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'q', 'a', 'en', 'draft', 'manual', 1, $2, now(), now())"),
    ("faq_versions", "tenant_id", "INSERT INTO faq_versions (faq_id, tenant_id, version, question, answer, tags, language, status, edited_by, created_at) VALUES ((SELECT id FROM faqs LIMIT 1), $1, 99, 'q', 'a', '[]', 'en', 'draft', $2, now())"),
    ("faq_queries", "tenant_id", "INSERT INTO faq_queries (id, tenant_id, query, query_key, channel, answered, created_at) VALUES (gen_random_uuid(), $1, 'q', 'q', 'api', false, now())"),
    ("faq_feedback", "tenant_id", "INSERT INTO faq_feedback (id, tenant_id, faq_id, user_id, helpful, created_at) VALUES (gen_random_uuid(), $1, (SELECT id FROM faqs LIMIT 1), $2, true, now())"),
    ("faq_suggestions", "tenant_id", "INSERT INTO faq_suggestions (id, tenant_id, query, status, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'q', 'open', now(), now())"),
    ("faq_revisions", "tenant_id", "INSERT INTO faq_revisions (tenant_id, revision) VALUES ($1, 1)"),
    ("faq_tombstones", "tenant_id", "INSERT INTO faq_tombstones (tenant_id, faq_id, revision) VALUES ($1, gen_random_uuid(), 1)"),
    ("publication_slots", "tenant_id", "INSERT INTO publication_slots (tenant_id, key, reserved_at_ms) VALUES ($1, 'k' || md5(random()::text), 0)"),
    ("faq_help_centres", "tenant_id", "INSERT INTO faq_help_centres (tenant_id, slug, enabled, title, updated_at) VALUES ($1, 'x' || md5(random()::text), true, 't', now()) ON CONFLICT DO NOTHING"),
];

/// A transaction as the application role, scoped to `ctx` (or to nothing).
async fn app_tx(world: &World, ctx: Option<&TenantCtx>) -> Transaction<'static, Postgres> {
    let mut tx = world.db.store.pool().begin().await.unwrap();
    if let Some(ctx) = ctx {
        sqlx::query(
            "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)",
        )
        .bind(ctx.tenant_id.to_string())
        .bind(ctx.user_id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx
}

async fn owner_count(world: &World, table: &str, col: &str, tenant: Uuid) -> i64 {
    let mut owner = PgConnection::connect(&world.db.owner_url).await.unwrap();
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE {col} = $1"))
        .bind(tenant)
        .fetch_one(&mut owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn postgres_rls_tenant_cannot_read_other_tenants_rows() {
    let w = world().await;
    for (table, col, _) in TABLES {
        let mut tx = app_tx(&w, Some(&w.a)).await;
        let all: Vec<Uuid> = sqlx::query_scalar(&format!("SELECT {col} FROM {table}"))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert!(!all.is_empty(), "{table}: tenant A sees its own rows");
        assert!(
            all.iter().all(|t| *t == w.a.tenant_id.0),
            "{table}: A saw another tenant's rows"
        );
        assert!(
            owner_count(&w, table, col, w.b.tenant_id.0).await > 0,
            "{table}: B has rows"
        );
    }
}

#[tokio::test]
async fn postgres_rls_no_tenant_set_sees_nothing() {
    let w = world().await;
    for (table, _, _) in TABLES {
        let mut tx = app_tx(&w, None).await;
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}: visible without a tenant");
    }
}

#[tokio::test]
async fn postgres_rls_tenant_cannot_insert_for_another_tenant() {
    let w = world().await;
    for (table, col, insert) in TABLES {
        let before = owner_count(&w, table, col, w.b.tenant_id.0).await;
        let mut tx = app_tx(&w, Some(&w.a)).await;
        let target = if *table == "tenants" {
            Uuid::new_v4()
        } else {
            w.b.tenant_id.0
        };
        let res = sqlx::query(insert)
            .bind(target)
            .bind(w.a.user_id.0)
            .execute(&mut *tx)
            .await;
        let err = res.expect_err(&format!("{table}: insert for another tenant accepted"));
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{table}: {err}");
        drop(tx);
        assert_eq!(owner_count(&w, table, col, w.b.tenant_id.0).await, before);
    }
}

#[tokio::test]
async fn postgres_rls_tenant_cannot_update_or_delete_other_tenants_rows() {
    let w = world().await;
    for (table, col, _) in TABLES {
        let b_before = owner_count(&w, table, col, w.b.tenant_id.0).await;
        // UPDATE and DELETE with no WHERE clause: only A's own rows may be touched.
        for stmt in [
            format!("UPDATE {table} SET {col} = {col}"),
            format!("DELETE FROM {table}"),
        ] {
            let mut tx = app_tx(&w, Some(&w.a)).await;
            let a_visible: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            match sqlx::query(&stmt).execute(&mut *tx).await {
                Ok(done) => assert_eq!(done.rows_affected() as i64, a_visible, "{table}: {stmt}"),
                // The audit log grants no UPDATE/DELETE at all; deleting a tenant
                // row referenced elsewhere may fail too. Both leave B untouched.
                Err(e) => {
                    let code = e
                        .as_database_error()
                        .and_then(|d| d.code())
                        .map(|c| c.to_string());
                    assert!(
                        matches!(code.as_deref(), Some("42501") | Some("23503")),
                        "{table}: {stmt}: {e}"
                    );
                }
            }
            tx.commit().await.ok();
            assert_eq!(
                owner_count(&w, table, col, w.b.tenant_id.0).await,
                b_before,
                "{table}: {stmt} touched B"
            );
        }
        // Targeting B's rows explicitly affects nothing.
        let mut tx = app_tx(&w, Some(&w.a)).await;
        for stmt in [
            format!("UPDATE {table} SET {col} = {col} WHERE {col} = $1"),
            format!("DELETE FROM {table} WHERE {col} = $1"),
        ] {
            if let Ok(done) = sqlx::query(&stmt)
                .bind(w.b.tenant_id.0)
                .execute(&mut *tx)
                .await
            {
                assert_eq!(done.rows_affected(), 0, "{table}: {stmt}");
            }
        }
        tx.commit().await.ok();
        assert_eq!(
            owner_count(&w, table, col, w.b.tenant_id.0).await,
            b_before,
            "{table}"
        );
    }
}

#[tokio::test]
async fn postgres_rls_public_slug_reveals_only_a_turned_on_help_centre() {
    let w = world().await;
    for (slug, want) in [("help-a", vec!["help-a".to_owned()]), ("help-b", vec![])] {
        let mut tx = app_tx(&w, None).await;
        sqlx::query("SELECT set_config('app.public_slug', $1, true)")
            .bind(slug)
            .execute(&mut *tx)
            .await
            .unwrap();
        let visible: Vec<String> = sqlx::query_scalar("SELECT slug FROM faq_help_centres")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert_eq!(visible, want, "naming {slug}");
        // Nothing else of the tenant becomes visible, and nothing writable.
        let faqs: i64 = sqlx::query_scalar("SELECT count(*) FROM faqs")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(faqs, 0);
        let updated = sqlx::query("UPDATE faq_help_centres SET title = 'pwned'")
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(updated.rows_affected(), 0);
    }
    // Through the store: the same, and B's slug is a miss.
    assert!(w
        .db
        .store
        .public_help_centre("help-a")
        .await
        .unwrap()
        .is_some());
    assert!(w
        .db
        .store
        .public_help_centre("help-b")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        w.db.store
            .help_centre(w.b.tenant_id)
            .await
            .unwrap()
            .unwrap()
            .slug,
        "help-b"
    );
}

#[tokio::test]
async fn postgres_rls_api_key_lookup_needs_the_key() {
    let w = world().await;
    let mut tx = app_tx(&w, None).await;
    sqlx::query("SELECT set_config('app.api_key_hash', 'hash-b', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let visible: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        visible,
        ["hash-b"],
        "presenting B's key reveals exactly that key"
    );
    let updated = sqlx::query("UPDATE api_keys SET name = 'pwned'")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        updated.rows_affected(),
        0,
        "presenting a key does not allow writing it"
    );
}

/// Users have no tenant, but a request may change or delete only its own
/// user: not another tenant's member's e-mail or password hash.
#[tokio::test]
async fn postgres_rls_users_are_changed_only_by_themselves() {
    let w = world().await;
    let mut tx = app_tx(&w, Some(&w.a)).await;
    for stmt in [
        "UPDATE users SET password_hash = 'taken-over' WHERE id = $1",
        "DELETE FROM users WHERE id = $1",
    ] {
        let done = sqlx::query(stmt)
            .bind(w.b.user_id.0)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 0, "{stmt}");
    }
    // Everyone's row is still readable (log-in looks a user up by e-mail).
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, 2);
    let own = sqlx::query("UPDATE users SET password_hash = password_hash WHERE id = $1")
        .bind(w.a.user_id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(own.rows_affected(), 1);
    tx.commit().await.unwrap();
    let mut owner = PgConnection::connect(&w.db.owner_url).await.unwrap();
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(w.b.user_id.0)
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(hash, "h");
}

//! Model usage (the `model_calls` ledger), budget overrides and the response
//! cache, written once for both backends like `sql.rs`. Every query filters
//! on `tenant_id` explicitly (the isolation on SQLite; on PostgreSQL it sits
//! on top of RLS). Money is micro-USD and times Unix milliseconds, both
//! `BIGINT`; sums are cast back to `BIGINT` because PostgreSQL's `SUM(bigint)`
//! is `numeric`.

use morningai_core::usage::{DayUsage, ModelUsage, TaskUsage};
use morningai_core::{Budget, MicroUsd, UsageTotals};
use uuid::Uuid;

/// The calls whose tokens and cost count (see `CallOutcome::is_billed`).
pub(crate) const BILLED: &str = "outcome IN ('ok', 'error')";

/// The aggregate columns of a usage report row (`UsageRow`).
pub(crate) const USAGE_AGGREGATES: &str = "COUNT(*) AS calls,
     CAST(COALESCE(SUM(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END), 0) AS BIGINT) AS errors,
     CAST(COALESCE(SUM(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refused,
     CAST(COALESCE(SUM(CASE WHEN outcome = 'cached' THEN 1 ELSE 0 END), 0) AS BIGINT) AS cached,
     CAST(COALESCE(SUM(CASE WHEN outcome IN ('ok', 'error') THEN prompt_tokens ELSE 0 END), 0) AS BIGINT) AS prompt,
     CAST(COALESCE(SUM(CASE WHEN outcome IN ('ok', 'error') THEN completion_tokens ELSE 0 END), 0) AS BIGINT) AS completion,
     CAST(COALESCE(SUM(CASE WHEN outcome IN ('ok', 'error') THEN cost_micros ELSE 0 END), 0) AS BIGINT) AS cost";

pub(crate) const BUDGET_COLUMNS: &str =
    "daily_usd_micros, hourly_usd_micros, task_usd_micros, daily_tokens, hourly_tokens, task_tokens";

/// At most this many tasks in a usage report (the costliest).
pub(crate) const REPORT_TASKS: i64 = 200;

pub(crate) fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// A token count as a `BIGINT` (caps beyond `i64::MAX` are as good as none).
pub(crate) fn tokens_db(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[derive(sqlx::FromRow)]
pub(crate) struct UsageRow {
    calls: i64,
    errors: i64,
    refused: i64,
    cached: i64,
    prompt: i64,
    completion: i64,
    cost: i64,
}

impl UsageRow {
    pub fn totals(&self) -> UsageTotals {
        UsageTotals {
            calls: count(self.calls),
            errors: count(self.errors),
            refused: count(self.refused),
            cached: count(self.cached),
            prompt_tokens: count(self.prompt),
            completion_tokens: count(self.completion),
            cost: MicroUsd(self.cost),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DayUsageRow {
    day_start_ms: i64,
    #[sqlx(flatten)]
    usage: UsageRow,
}

impl DayUsageRow {
    pub fn into_domain(self) -> DayUsage {
        DayUsage {
            day_start_ms: self.day_start_ms,
            totals: self.usage.totals(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ModelUsageRow {
    provider: String,
    model: String,
    #[sqlx(flatten)]
    usage: UsageRow,
}

impl ModelUsageRow {
    pub fn into_domain(self) -> ModelUsage {
        ModelUsage {
            totals: self.usage.totals(),
            provider: self.provider,
            model: self.model,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskUsageRow {
    task_id: Option<Uuid>,
    #[sqlx(flatten)]
    usage: UsageRow,
}

impl TaskUsageRow {
    pub fn into_domain(self) -> TaskUsage {
        TaskUsage {
            task_id: self.task_id.map(Into::into),
            totals: self.usage.totals(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct BudgetRow {
    daily_usd_micros: Option<i64>,
    hourly_usd_micros: Option<i64>,
    task_usd_micros: Option<i64>,
    daily_tokens: Option<i64>,
    hourly_tokens: Option<i64>,
    task_tokens: Option<i64>,
}

impl BudgetRow {
    pub fn into_domain(self) -> Budget {
        Budget {
            daily_usd: self.daily_usd_micros.map(MicroUsd),
            hourly_usd: self.hourly_usd_micros.map(MicroUsd),
            task_usd: self.task_usd_micros.map(MicroUsd),
            daily_tokens: self.daily_tokens.map(count),
            hourly_tokens: self.hourly_tokens.map(count),
            task_tokens: self.task_tokens.map(count),
        }
    }
}

/// What a budget change did, for its audit entry: each cap it touched, in
/// USD or tokens, `null` where an override was cleared.
pub(crate) fn budget_change_detail(patch: &morningai_core::BudgetPatch) -> serde_json::Value {
    let mut detail = serde_json::Map::new();
    let usd = |v: Option<MicroUsd>| serde_json::json!(v.map(MicroUsd::as_usd));
    let tokens = |v: Option<u64>| serde_json::json!(v);
    for (name, value) in [
        ("daily_usd", patch.daily_usd.map(usd)),
        ("hourly_usd", patch.hourly_usd.map(usd)),
        ("task_usd", patch.task_usd.map(usd)),
        ("daily_tokens", patch.daily_tokens.map(tokens)),
        ("hourly_tokens", patch.hourly_tokens.map(tokens)),
        ("task_tokens", patch.task_tokens.map(tokens)),
    ] {
        if let Some(value) = value {
            detail.insert(name.to_owned(), value);
        }
    }
    serde_json::Value::Object(detail)
}

/// Implements `UsageStore` for `$store` over `$db`. `$queries` names the
/// sibling module where `impl_store!` was instantiated (its `audit_in`
/// writes the budget change's audit entry in the same transaction).
macro_rules! impl_usage_store {
    ($store:ty, $db:ty, $queries:ident) => {
        use super::$queries::audit_in;
        use $crate::sql::Scope;
        use $crate::traits::UsageStore;
        use $crate::usage_sql::{
            budget_change_detail, count, tokens_db, BudgetRow, DayUsageRow, ModelUsageRow,
            TaskUsageRow, UsageRow, BILLED, BUDGET_COLUMNS, REPORT_TASKS, USAGE_AGGREGATES,
        };
        use $crate::StoreResult;
        use async_trait::async_trait;
        use morningai_core::usage::{day_start_ms, hour_start_ms};
        use morningai_core::{
            exceeded_cap, Budget, BudgetPatch, MicroUsd, ModelCall, Spend, SpendHold, Spent,
            TaskId, TenantCtx, TenantId, UsageReport, SPEND_HOLD_TTL_MS,
        };
        use sqlx::types::Json;

        type Tx = sqlx::Transaction<'static, $db>;

        /// What the tenant spent this hour and day, and what `task` spent:
        /// billed calls, plus (with `holds`) unexpired holds at `now_ms`.
        async fn spent_in(
            tx: &mut Tx,
            tenant: TenantId,
            task: Option<TaskId>,
            now_ms: i64,
            holds: bool,
        ) -> StoreResult<Spent> {
            // Calls and holds as one set of (time, cost, tokens) matching
            // `filter`, the tenant always `$1` and `now_ms` the placeholder
            // named (PostgreSQL binds only the placeholders a statement uses).
            let counted = |filter: &str, now: &str| {
                let calls = format!(
                    "SELECT created_at_ms, cost_micros, prompt_tokens + completion_tokens AS tokens
                     FROM model_calls WHERE tenant_id = $1 AND {BILLED} AND {filter}"
                );
                if holds {
                    format!(
                        "{calls} UNION ALL SELECT created_at_ms, cost_micros, tokens
                         FROM spend_holds WHERE tenant_id = $1 AND expires_at_ms > {now} AND {filter}"
                    )
                } else {
                    calls
                }
            };
            // The hour lies inside the day: one scan of the day serves both.
            let day_sql = format!(
                "SELECT
                     CAST(COALESCE(SUM(CASE WHEN created_at_ms >= $2 THEN cost_micros ELSE 0 END), 0) AS BIGINT),
                     CAST(COALESCE(SUM(CASE WHEN created_at_ms >= $2 THEN tokens ELSE 0 END), 0) AS BIGINT),
                     CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT),
                     CAST(COALESCE(SUM(tokens), 0) AS BIGINT)
                 FROM ({}) AS counted",
                counted("created_at_ms >= $3", "$4")
            );
            let mut day = sqlx::query_as(&day_sql)
            .bind(tenant.0)
            .bind(hour_start_ms(now_ms))
            .bind(day_start_ms(now_ms));
            if holds {
                day = day.bind(now_ms);
            }
            let (hour_cost, hour_tokens, day_cost, day_tokens): (i64, i64, i64, i64) =
                day.fetch_one(&mut **tx).await?;
            let task_spend = match task {
                Some(task) => {
                    let task_sql = format!(
                        "SELECT CAST(COALESCE(SUM(cost_micros), 0) AS BIGINT),
                                CAST(COALESCE(SUM(tokens), 0) AS BIGINT)
                         FROM ({}) AS counted",
                        counted("task_id = $2", "$3")
                    );
                    let mut of_task = sqlx::query_as(&task_sql)
                    .bind(tenant.0)
                    .bind(task.0);
                    if holds {
                        of_task = of_task.bind(now_ms);
                    }
                    let (cost, tokens): (i64, i64) = of_task.fetch_one(&mut **tx).await?;
                    Spend { cost: MicroUsd(cost), tokens: count(tokens) }
                }
                None => Spend::default(),
            };
            Ok(Spent {
                hour: Spend { cost: MicroUsd(hour_cost), tokens: count(hour_tokens) },
                day: Spend { cost: MicroUsd(day_cost), tokens: count(day_tokens) },
                task: task_spend,
            })
        }

        #[async_trait]
        impl UsageStore for $store {
            async fn record_model_call(&self, call: &ModelCall) -> StoreResult<()> {
                let mut tx = self.begin(Scope::tenant(call.tenant_id, None).writing()).await?;
                sqlx::query(
                    "INSERT INTO model_calls (id, tenant_id, task_id, trace_id, provider, model, kind,
                         prompt_tokens, completion_tokens, cost_micros, latency_ms, outcome, error_code,
                         created_at_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(call.id.0)
                .bind(call.tenant_id.0)
                .bind(call.task_id.map(|t| t.0))
                .bind(&call.trace_id)
                .bind(&call.provider)
                .bind(&call.model)
                .bind(call.kind.as_str())
                .bind(tokens_db(call.prompt_tokens))
                .bind(tokens_db(call.completion_tokens))
                .bind(call.cost.0.max(0))
                .bind(call.latency_ms.max(0))
                .bind(call.outcome.as_str())
                .bind(&call.error_code)
                .bind(call.created_at_ms)
                .execute(&mut *tx)
                .await
                .map_err($crate::StoreError::unique_as("a model call with this id"))?;
                sqlx::query("DELETE FROM spend_holds WHERE tenant_id = $1 AND id = $2")
                    .bind(call.tenant_id.0)
                    .bind(call.id.0)
                    .execute(&mut *tx)
                    .await?;
                // The task's running total, as its API shows it (`cost_usd`).
                if let (Some(task), true) = (call.task_id, call.outcome.is_billed() && call.cost.0 > 0) {
                    sqlx::query(
                        "UPDATE tasks SET cost_usd = cost_usd + $3 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(call.tenant_id.0)
                    .bind(task.0)
                    .bind(call.cost.as_usd())
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn hold_spend(
                &self,
                hold: &SpendHold,
                budget: &Budget,
            ) -> StoreResult<Option<(&'static str, String)>> {
                let mut tx = self.begin(Scope::tenant(hold.tenant, None).writing()).await?;
                <$store>::lock_tenant(&mut tx, hold.tenant, "morningai.spend").await?;
                sqlx::query("DELETE FROM spend_holds WHERE tenant_id = $1 AND expires_at_ms <= $2")
                    .bind(hold.tenant.0)
                    .bind(hold.at_ms)
                    .execute(&mut *tx)
                    .await?;
                let spent = spent_in(&mut tx, hold.tenant, hold.task, hold.at_ms, true).await?;
                let refused = exceeded_cap(budget, &spent, hold.task.is_some(), hold.cost, hold.tokens);
                if refused.is_none() {
                    sqlx::query(
                        "INSERT INTO spend_holds (id, tenant_id, task_id, cost_micros, tokens, created_at_ms, expires_at_ms)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(hold.id.0)
                    .bind(hold.tenant.0)
                    .bind(hold.task.map(|t| t.0))
                    .bind(hold.cost.0.max(0))
                    .bind(tokens_db(hold.tokens))
                    .bind(hold.at_ms)
                    .bind(hold.at_ms.saturating_add(SPEND_HOLD_TTL_MS))
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::StoreError::unique_as("a spend hold with this id"))?;
                }
                tx.commit().await?;
                Ok(refused)
            }

            async fn spent(
                &self,
                tenant: TenantId,
                task: Option<TaskId>,
                now_ms: i64,
            ) -> StoreResult<Spent> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let spent = spent_in(&mut tx, tenant, task, now_ms, false).await?;
                tx.commit().await?;
                Ok(spent)
            }

            async fn usage(
                &self,
                tenant: TenantId,
                from_ms: i64,
                to_ms: i64,
            ) -> StoreResult<UsageReport> {
                const RANGE: &str =
                    "FROM model_calls WHERE tenant_id = $1 AND created_at_ms >= $2 AND created_at_ms < $3";
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let total = sqlx::query_as::<_, UsageRow>(&format!(
                    "SELECT {USAGE_AGGREGATES} {RANGE}"
                ))
                .bind(tenant.0)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_one(&mut *tx)
                .await?;
                let by_day = sqlx::query_as::<_, DayUsageRow>(&format!(
                    "SELECT (created_at_ms / 86400000) * 86400000 AS day_start_ms, {USAGE_AGGREGATES}
                     {RANGE} GROUP BY (created_at_ms / 86400000) * 86400000 ORDER BY day_start_ms"
                ))
                .bind(tenant.0)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *tx)
                .await?;
                let by_model = sqlx::query_as::<_, ModelUsageRow>(&format!(
                    "SELECT provider, model, {USAGE_AGGREGATES}
                     {RANGE} GROUP BY provider, model ORDER BY cost DESC, calls DESC, provider, model"
                ))
                .bind(tenant.0)
                .bind(from_ms)
                .bind(to_ms)
                .fetch_all(&mut *tx)
                .await?;
                let by_task = sqlx::query_as::<_, TaskUsageRow>(&format!(
                    "SELECT task_id, {USAGE_AGGREGATES}
                     {RANGE} GROUP BY task_id ORDER BY cost DESC, calls DESC LIMIT $4"
                ))
                .bind(tenant.0)
                .bind(from_ms)
                .bind(to_ms)
                .bind(REPORT_TASKS)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(UsageReport {
                    total: total.totals(),
                    by_day: by_day.into_iter().map(DayUsageRow::into_domain).collect(),
                    by_model: by_model.into_iter().map(ModelUsageRow::into_domain).collect(),
                    by_task: by_task.into_iter().map(TaskUsageRow::into_domain).collect(),
                })
            }

            async fn budget_overrides(&self, tenant: TenantId) -> StoreResult<Budget> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let row = sqlx::query_as::<_, BudgetRow>(&format!(
                    "SELECT {BUDGET_COLUMNS} FROM budgets WHERE tenant_id = $1"
                ))
                .bind(tenant.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.map_or(Budget::UNLIMITED, BudgetRow::into_domain))
            }

            async fn update_budget_overrides(
                &self,
                ctx: &TenantCtx,
                patch: &BudgetPatch,
            ) -> StoreResult<Budget> {
                let tenant = ctx.tenant_id;
                let now_ms = morningai_core::now_ms();
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                sqlx::query(
                    "INSERT INTO budgets (tenant_id, updated_by, updated_at_ms) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant_id) DO NOTHING",
                )
                .bind(tenant.0)
                .bind(ctx.user_id.0)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                // Read through an UPDATE: on PostgreSQL it locks the row, so two
                // concurrent changes apply one after the other and neither is lost.
                let current = sqlx::query_as::<_, BudgetRow>(&format!(
                    "UPDATE budgets SET updated_by = $2, updated_at_ms = $3 WHERE tenant_id = $1
                     RETURNING {BUDGET_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(ctx.user_id.0)
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?
                .into_domain();
                let next = patch.apply(current);
                let stored = sqlx::query_as::<_, BudgetRow>(&format!(
                    "UPDATE budgets SET daily_usd_micros = $2, hourly_usd_micros = $3, task_usd_micros = $4,
                         daily_tokens = $5, hourly_tokens = $6, task_tokens = $7
                     WHERE tenant_id = $1
                     RETURNING {BUDGET_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(next.daily_usd.map(|m| m.0))
                .bind(next.hourly_usd.map(|m| m.0))
                .bind(next.task_usd.map(|m| m.0))
                .bind(next.daily_tokens.map(tokens_db))
                .bind(next.hourly_tokens.map(tokens_db))
                .bind(next.task_tokens.map(tokens_db))
                .fetch_one(&mut *tx)
                .await?
                .into_domain();
                audit_in(
                    &mut tx,
                    tenant,
                    Some(ctx.user_id),
                    "budget.update",
                    None,
                    budget_change_detail(patch),
                )
                .await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn cached_response(
                &self,
                tenant: TenantId,
                key: &str,
            ) -> StoreResult<Option<serde_json::Value>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let response: Option<Json<serde_json::Value>> = sqlx::query_scalar(
                    "SELECT response FROM model_cache WHERE tenant_id = $1 AND key = $2",
                )
                .bind(tenant.0)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(response.map(|Json(v)| v))
            }

            async fn cache_response(
                &self,
                tenant: TenantId,
                key: &str,
                response: &serde_json::Value,
                now_ms: i64,
            ) -> StoreResult<()> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                sqlx::query(
                    "INSERT INTO model_cache (tenant_id, key, response, created_at_ms)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (tenant_id, key)
                     DO UPDATE SET response = excluded.response, created_at_ms = excluded.created_at_ms",
                )
                .bind(tenant.0)
                .bind(key)
                .bind(Json(response))
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn purge_model_cache(&self, before_ms: i64) -> StoreResult<u64> {
                let mut tx = self.begin(Scope::system().writing()).await?;
                let purged = sqlx::query("DELETE FROM model_cache WHERE created_at_ms < $1")
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(purged.rows_affected())
            }
        }
    };
}

pub(crate) use impl_usage_store;

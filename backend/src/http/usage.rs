//! Model usage and budgets: what the tenant's model calls used and cost, the
//! caps in force and what has been spent against them; owners and admins
//! override the configured default caps. Money is micro-USD inside and USD
//! (a JSON number) here.

use axum::extract::State;
use morningai_core::usage::{day_start_ms, hour_start_ms};
use morningai_core::{now_ms, Budget, BudgetPatch, MicroUsd, Role, TaskId, UsageTotals};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_usage))
        .routes(routes!(get_budgets, put_budgets))
}

const DAY_MS: i64 = 86_400_000;
/// The range when `from` is not given: the 30 days before `to`.
const DEFAULT_RANGE_DAYS: i64 = 30;
/// The longest range one report covers.
const MAX_RANGE_DAYS: i64 = 400;

fn datetime(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn unix_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// An RFC 3339 time, or a UTC date: its start, or (`end_of_day`) the start
/// of the next day, so that `to=2025-01-31` includes the 31st.
fn parse_time(field: &str, value: &str, end_of_day: bool) -> ApiResult<i64> {
    if let Ok(t) = OffsetDateTime::parse(value, &Rfc3339) {
        return Ok(unix_ms(t));
    }
    if let Ok(date) = Date::parse(value, &Iso8601::DATE) {
        let start = unix_ms(date.midnight().assume_utc());
        return Ok(if end_of_day { start + DAY_MS } else { start });
    }
    Err(ApiError::validation(
        field,
        "must be an RFC 3339 time (2025-01-31T12:00:00Z) or a date (2025-01-31)",
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// Start (inclusive): an RFC 3339 time or a UTC date. Default: 30 days before `to`.
    from: Option<String>,
    /// End (exclusive; a date includes that whole day). Default: now.
    to: Option<String>,
}

/// Counts over model calls. Tokens and cost count the calls that reached a
/// model (`ok` and failed ones); `refused` (over a budget cap) and `cached`
/// (answered from the response cache) calls cost nothing.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UsageTotalsBody {
    calls: u64,
    errors: u64,
    refused: u64,
    cached: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    tokens: u64,
    cost_usd: f64,
}

impl From<UsageTotals> for UsageTotalsBody {
    fn from(t: UsageTotals) -> Self {
        Self {
            calls: t.calls,
            errors: t.errors,
            refused: t.refused,
            cached: t.cached,
            prompt_tokens: t.prompt_tokens,
            completion_tokens: t.completion_tokens,
            tokens: t.prompt_tokens.saturating_add(t.completion_tokens),
            cost_usd: t.cost.as_usd(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DayUsageBody {
    /// The UTC day, `YYYY-MM-DD`.
    date: String,
    #[serde(flatten)]
    totals: UsageTotalsBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ModelUsageBody {
    provider: String,
    model: String,
    #[serde(flatten)]
    totals: UsageTotalsBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskUsageBody {
    /// `null`: calls made outside any task.
    task_id: Option<TaskId>,
    #[serde(flatten)]
    totals: UsageTotalsBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UsageBody {
    #[serde(with = "time::serde::rfc3339")]
    from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    to: OffsetDateTime,
    total: UsageTotalsBody,
    /// Per UTC day with calls, oldest first.
    by_day: Vec<DayUsageBody>,
    /// Per provider and model, costliest first.
    by_model: Vec<ModelUsageBody>,
    /// Per task, costliest first (at most 200).
    by_task: Vec<TaskUsageBody>,
}

/// The tenant's model usage and cost over a time range: in total, per day,
/// per model and per task.
#[utoipa::path(get, path = "/api/usage", tag = "usage", params(UsageQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = UsageBody), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_usage(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<UsageBody>> {
    let to = match &q.to {
        Some(v) => parse_time("to", v, true)?,
        None => now_ms(),
    };
    let from = match &q.from {
        Some(v) => parse_time("from", v, false)?,
        None => to - DEFAULT_RANGE_DAYS * DAY_MS,
    };
    if from >= to {
        return Err(ApiError::validation("from", "must be before `to`"));
    }
    if to - from > MAX_RANGE_DAYS * DAY_MS {
        return Err(ApiError::validation(
            "from",
            format!("the range may span at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let report = state.store.usage(ctx.tenant_id, from, to).await?;
    Ok(Json(UsageBody {
        from: datetime(from),
        to: datetime(to),
        total: report.total.into(),
        by_day: report
            .by_day
            .into_iter()
            .map(|d| DayUsageBody {
                date: datetime(d.day_start_ms).date().to_string(),
                totals: d.totals.into(),
            })
            .collect(),
        by_model: report
            .by_model
            .into_iter()
            .map(|m| ModelUsageBody {
                provider: m.provider,
                model: m.model,
                totals: m.totals.into(),
            })
            .collect(),
        by_task: report
            .by_task
            .into_iter()
            .map(|t| TaskUsageBody {
                task_id: t.task_id,
                totals: t.totals.into(),
            })
            .collect(),
    }))
}

/// Budget caps; `null` = no cap (or, in `overrides`, not overridden).
#[derive(Serialize, utoipa::ToSchema)]
pub struct BudgetCaps {
    /// USD per UTC day.
    daily_usd: Option<f64>,
    /// USD per UTC clock hour.
    hourly_usd: Option<f64>,
    /// USD per task.
    task_usd: Option<f64>,
    /// Tokens (prompt + completion) per UTC day.
    daily_tokens: Option<u64>,
    /// Tokens per UTC clock hour.
    hourly_tokens: Option<u64>,
    /// Tokens per task.
    task_tokens: Option<u64>,
}

impl From<Budget> for BudgetCaps {
    fn from(b: Budget) -> Self {
        Self {
            daily_usd: b.daily_usd.map(MicroUsd::as_usd),
            hourly_usd: b.hourly_usd.map(MicroUsd::as_usd),
            task_usd: b.task_usd.map(MicroUsd::as_usd),
            daily_tokens: b.daily_tokens,
            hourly_tokens: b.hourly_tokens,
            task_tokens: b.task_tokens,
        }
    }
}

/// The names of the caps a budget sets.
fn caps_set(b: &Budget) -> Vec<String> {
    [
        ("daily_usd", b.daily_usd.is_some()),
        ("hourly_usd", b.hourly_usd.is_some()),
        ("task_usd", b.task_usd.is_some()),
        ("daily_tokens", b.daily_tokens.is_some()),
        ("hourly_tokens", b.hourly_tokens.is_some()),
        ("task_tokens", b.task_tokens.is_some()),
    ]
    .into_iter()
    .filter(|(_, set)| *set)
    .map(|(name, _)| name.to_owned())
    .collect()
}

/// What the tenant's billed model calls spent since a window began.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SpendBody {
    #[serde(with = "time::serde::rfc3339")]
    since: OffsetDateTime,
    cost_usd: f64,
    tokens: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CurrentSpend {
    /// This UTC clock hour.
    hour: SpendBody,
    /// This UTC day.
    day: SpendBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BudgetsBody {
    /// The caps in force: each override, else the default.
    effective: BudgetCaps,
    /// The instance's defaults (`MORNINGAI_BUDGET_*`).
    defaults: BudgetCaps,
    /// This tenant's overrides.
    overrides: BudgetCaps,
    /// The caps this tenant overrides.
    overridden: Vec<String>,
    spent: CurrentSpend,
}

async fn budgets_body(
    state: &AppState,
    tenant: morningai_core::TenantId,
) -> ApiResult<BudgetsBody> {
    let defaults = state.config.default_budget();
    let overrides = state.store.budget_overrides(tenant).await?;
    let now = now_ms();
    let spent = state.store.spent(tenant, None, now).await?;
    Ok(BudgetsBody {
        effective: overrides.over(defaults).into(),
        defaults: defaults.into(),
        overridden: caps_set(&overrides),
        overrides: overrides.into(),
        spent: CurrentSpend {
            hour: SpendBody {
                since: datetime(hour_start_ms(now)),
                cost_usd: spent.hour.cost.as_usd(),
                tokens: spent.hour.tokens,
            },
            day: SpendBody {
                since: datetime(day_start_ms(now)),
                cost_usd: spent.day.cost.as_usd(),
                tokens: spent.day.tokens,
            },
        },
    })
}

/// The tenant's budget: the caps in force, which are overridden, and what has
/// been spent this hour and today.
#[utoipa::path(get, path = "/api/usage/budgets", tag = "usage",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = BudgetsBody), (status = 401, body = ErrorBody)))]
async fn get_budgets(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<Json<BudgetsBody>> {
    Ok(Json(budgets_body(&state, ctx.tenant_id).await?))
}

/// Changes to the tenant's overrides. Per cap: absent leaves it as it is,
/// `null` clears the override (back to the default), a number (0 or more)
/// overrides the default. To lift a default cap, override it with a large number.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBudgetsRequest {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Option<f64>)]
    daily_usd: Option<Option<f64>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Option<f64>)]
    hourly_usd: Option<Option<f64>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Option<f64>)]
    task_usd: Option<Option<f64>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Option<i64>)]
    daily_tokens: Option<Option<i64>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Option<i64>)]
    hourly_tokens: Option<Option<i64>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Option<i64>)]
    task_tokens: Option<Option<i64>>,
}

fn usd_change(field: &str, change: Option<Option<f64>>) -> ApiResult<Option<Option<MicroUsd>>> {
    change
        .map(|value| {
            value
                .map(|usd| {
                    MicroUsd::from_usd(usd).ok_or_else(|| {
                        ApiError::validation(field, "must be an amount in USD, 0 or more, or null")
                    })
                })
                .transpose()
        })
        .transpose()
}

fn tokens_change(field: &str, change: Option<Option<i64>>) -> ApiResult<Option<Option<u64>>> {
    change
        .map(|value| {
            value
                .map(|n| {
                    u64::try_from(n).map_err(|_| {
                        ApiError::validation(
                            field,
                            "must be a number of tokens, 0 or more, or null",
                        )
                    })
                })
                .transpose()
        })
        .transpose()
}

impl UpdateBudgetsRequest {
    fn into_patch(self) -> ApiResult<BudgetPatch> {
        Ok(BudgetPatch {
            daily_usd: usd_change("daily_usd", self.daily_usd)?,
            hourly_usd: usd_change("hourly_usd", self.hourly_usd)?,
            task_usd: usd_change("task_usd", self.task_usd)?,
            daily_tokens: tokens_change("daily_tokens", self.daily_tokens)?,
            hourly_tokens: tokens_change("hourly_tokens", self.hourly_tokens)?,
            task_tokens: tokens_change("task_tokens", self.task_tokens)?,
        })
    }
}

/// Override the tenant's budget caps (owner/admin; audited as `budget.update`).
#[utoipa::path(put, path = "/api/usage/budgets", tag = "usage", request_body = UpdateBudgetsRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = BudgetsBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_budgets(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<UpdateBudgetsRequest>,
) -> ApiResult<Json<BudgetsBody>> {
    let ctx = auth.require(Role::Admin)?;
    let patch = req.into_patch()?;
    if patch != BudgetPatch::default() {
        state.store.update_budget_overrides(ctx, &patch).await?;
    }
    Ok(Json(budgets_body(&state, ctx.tenant_id).await?))
}

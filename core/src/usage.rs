//! Model usage, cost and budgets: what the AI component records for every
//! model call and what the store keeps. Money is counted in micro-USD
//! ([`MicroUsd`], an integer) so that sums are exact.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{ModelCallId, TaskId, TenantId};

/// An amount of money in millionths of a US dollar.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct MicroUsd(pub i64);

impl MicroUsd {
    pub const ZERO: MicroUsd = MicroUsd(0);

    /// `usd` rounded to the nearest micro-dollar; `None` unless it is a
    /// finite amount from 0 up to about 9.2 trillion dollars.
    pub fn from_usd(usd: f64) -> Option<Self> {
        let micros = (usd * 1_000_000.0).round();
        (usd.is_finite() && usd >= 0.0 && micros < i64::MAX as f64)
            .then_some(MicroUsd(micros as i64))
    }

    pub fn as_usd(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }

    pub fn saturating_add(self, other: MicroUsd) -> MicroUsd {
        MicroUsd(self.0.saturating_add(other.0))
    }
}

impl Add for MicroUsd {
    type Output = MicroUsd;
    fn add(self, other: MicroUsd) -> MicroUsd {
        self.saturating_add(other)
    }
}

impl Sum for MicroUsd {
    fn sum<I: Iterator<Item = MicroUsd>>(iter: I) -> MicroUsd {
        iter.fold(MicroUsd::ZERO, Add::add)
    }
}

/// `$1.5`, `$0.000123`: dollars with as many decimals as the amount needs (at least two).
impl fmt::Display for MicroUsd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let mut frac = format!("{:06}", abs % 1_000_000);
        while frac.len() > 2 && frac.ends_with('0') {
            frac.pop();
        }
        write!(f, "{sign}${}.{frac}", abs / 1_000_000)
    }
}

/// What a model call did: generate text or embed texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    Chat,
    Embed,
}

impl CallKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Chat => "chat",
            CallKind::Embed => "embed",
        }
    }
}

/// How a model call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallOutcome {
    /// The model answered.
    Ok,
    /// The request failed (`error_code` says how); any usage known is kept.
    Error,
    /// Refused before sending: a budget cap would have been exceeded.
    Refused,
    /// Answered from the response cache: nothing sent, nothing charged.
    Cached,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 4] = [
        CallOutcome::Ok,
        CallOutcome::Error,
        CallOutcome::Refused,
        CallOutcome::Cached,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Error => "error",
            CallOutcome::Refused => "refused",
            CallOutcome::Cached => "cached",
        }
    }

    /// Whether the call's tokens and cost count against budgets: only calls
    /// that reached a model.
    pub fn is_billed(self) -> bool {
        matches!(self, CallOutcome::Ok | CallOutcome::Error)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown model call {what} `{value}`")]
pub struct UnknownUsageValue {
    pub what: &'static str,
    pub value: String,
}

impl FromStr for CallKind {
    type Err = UnknownUsageValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [CallKind::Chat, CallKind::Embed]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownUsageValue {
                what: "kind",
                value: s.to_owned(),
            })
    }
}

impl FromStr for CallOutcome {
    type Err = UnknownUsageValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CallOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownUsageValue {
                what: "outcome",
                value: s.to_owned(),
            })
    }
}

/// One call to a model, as recorded. A `cached` call keeps the tokens of the
/// answer it reused but costs nothing and counts against no budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCall {
    pub id: ModelCallId,
    pub tenant_id: TenantId,
    pub task_id: Option<TaskId>,
    pub trace_id: Option<String>,
    /// `openai`, `local`, …
    pub provider: String,
    pub model: String,
    pub kind: CallKind,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost: MicroUsd,
    pub latency_ms: i64,
    pub outcome: CallOutcome,
    /// For `error`: the error kind (`rate_limited`, `timeout`, …); for
    /// `refused`: `budget_exceeded:<cap>`.
    pub error_code: Option<String>,
    /// Unix milliseconds.
    pub created_at_ms: i64,
}

impl ModelCall {
    pub fn tokens(&self) -> u64 {
        self.prompt_tokens.saturating_add(self.completion_tokens)
    }
}

/// A tenant's caps on model spend. `None` = no cap. The hour and the day are
/// the current UTC clock hour and calendar day; the task cap is per task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub daily_usd: Option<MicroUsd>,
    pub hourly_usd: Option<MicroUsd>,
    pub task_usd: Option<MicroUsd>,
    pub daily_tokens: Option<u64>,
    pub hourly_tokens: Option<u64>,
    pub task_tokens: Option<u64>,
}

impl Budget {
    /// No caps at all.
    pub const UNLIMITED: Budget = Budget {
        daily_usd: None,
        hourly_usd: None,
        task_usd: None,
        daily_tokens: None,
        hourly_tokens: None,
        task_tokens: None,
    };

    /// Reading `self` as a tenant's overrides: each cap it sets, else the
    /// default's — but never above the default's: the defaults are the
    /// operator's, spending the operator's credit, and a tenant (any
    /// stranger, with open sign-up) may only tighten them.
    pub fn over(self, default: Budget) -> Budget {
        fn tighter<T: Ord>(own: Option<T>, default: Option<T>) -> Option<T> {
            match (own, default) {
                (Some(own), Some(default)) => Some(own.min(default)),
                (own, default) => own.or(default),
            }
        }
        Budget {
            daily_usd: tighter(self.daily_usd, default.daily_usd),
            hourly_usd: tighter(self.hourly_usd, default.hourly_usd),
            task_usd: tighter(self.task_usd, default.task_usd),
            daily_tokens: tighter(self.daily_tokens, default.daily_tokens),
            hourly_tokens: tighter(self.hourly_tokens, default.hourly_tokens),
            task_tokens: tighter(self.task_tokens, default.task_tokens),
        }
    }
}

/// A change to a tenant's budget overrides: per cap, `None` leaves it as it
/// is, `Some(None)` clears the override (back to the default), `Some(Some(v))`
/// sets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BudgetPatch {
    pub daily_usd: Option<Option<MicroUsd>>,
    pub hourly_usd: Option<Option<MicroUsd>>,
    pub task_usd: Option<Option<MicroUsd>>,
    pub daily_tokens: Option<Option<u64>>,
    pub hourly_tokens: Option<Option<u64>>,
    pub task_tokens: Option<Option<u64>>,
}

impl BudgetPatch {
    pub fn apply(&self, to: Budget) -> Budget {
        Budget {
            daily_usd: self.daily_usd.unwrap_or(to.daily_usd),
            hourly_usd: self.hourly_usd.unwrap_or(to.hourly_usd),
            task_usd: self.task_usd.unwrap_or(to.task_usd),
            daily_tokens: self.daily_tokens.unwrap_or(to.daily_tokens),
            hourly_tokens: self.hourly_tokens.unwrap_or(to.hourly_tokens),
            task_tokens: self.task_tokens.unwrap_or(to.task_tokens),
        }
    }
}

/// Money and tokens spent over some window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spend {
    pub cost: MicroUsd,
    pub tokens: u64,
}

/// What a tenant has spent in the current hour and day, and what one task has
/// spent (zero when no task is asked about).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spent {
    pub hour: Spend,
    pub day: Spend,
    pub task: Spend,
}

/// The first cap that spending `cost` and `tokens` more would exceed, with
/// a message naming it; task caps count only for a call within a task.
pub fn exceeded_cap(
    budget: &Budget,
    spent: &Spent,
    in_task: bool,
    cost: MicroUsd,
    tokens: u64,
) -> Option<(&'static str, String)> {
    let usd_caps = [
        (
            "task_usd",
            budget.task_usd.filter(|_| in_task),
            spent.task.cost,
            "by this task",
        ),
        (
            "hourly_usd",
            budget.hourly_usd,
            spent.hour.cost,
            "this hour",
        ),
        ("daily_usd", budget.daily_usd, spent.day.cost, "today"),
    ];
    for (name, cap, spent, when) in usd_caps {
        if let Some(cap) = cap {
            if spent.saturating_add(cost) > cap {
                return Some((
                    name,
                    format!(
                        "the {name} cap of {cap} would be exceeded: {spent} spent {when}, \
                         and this call may cost up to {cost}"
                    ),
                ));
            }
        }
    }
    let token_caps = [
        (
            "task_tokens",
            budget.task_tokens.filter(|_| in_task),
            spent.task.tokens,
            "by this task",
        ),
        (
            "hourly_tokens",
            budget.hourly_tokens,
            spent.hour.tokens,
            "this hour",
        ),
        (
            "daily_tokens",
            budget.daily_tokens,
            spent.day.tokens,
            "today",
        ),
    ];
    for (name, cap, spent, when) in token_caps {
        if let Some(cap) = cap {
            if spent.saturating_add(tokens) > cap {
                return Some((
                    name,
                    format!(
                        "the {name} cap of {cap} tokens would be exceeded: {spent} used {when}, \
                         and this call may use up to {tokens}"
                    ),
                ));
            }
        }
    }
    None
}

/// How long a hold lasts when its call is never recorded (the worker making
/// it was killed): longer than any model call may take.
pub const SPEND_HOLD_TTL_MS: i64 = 15 * 60 * 1000;

/// Spend held for one model call in flight: its estimated cost and tokens,
/// counted against the caps (with what was spent and what other calls hold)
/// from before the call is sent until it is recorded. The id is the id of
/// the call's record, which releases the hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpendHold {
    pub id: ModelCallId,
    pub tenant: TenantId,
    pub task: Option<TaskId>,
    pub cost: MicroUsd,
    pub tokens: u64,
    pub at_ms: i64,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The start of the UTC clock hour holding `now_ms`.
pub fn hour_start_ms(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(HOUR_MS)
}

/// The start of the UTC day holding `now_ms`.
pub fn day_start_ms(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(DAY_MS)
}

/// Counts over a set of model calls. Tokens and cost count billed calls only
/// (`ok` and `error`); the outcome counts say how many calls were which.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageTotals {
    pub calls: u64,
    pub errors: u64,
    pub refused: u64,
    pub cached: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost: MicroUsd,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayUsage {
    /// Unix milliseconds of the UTC day's start.
    pub day_start_ms: i64,
    pub totals: UsageTotals,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelUsage {
    pub provider: String,
    pub model: String,
    pub totals: UsageTotals,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskUsage {
    /// `None`: calls made outside any task.
    pub task_id: Option<TaskId>,
    pub totals: UsageTotals,
}

/// A tenant's usage over a time range: in total, per UTC day (oldest first),
/// per model and per task (both costliest first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    pub total: UsageTotals,
    pub by_day: Vec<DayUsage>,
    pub by_model: Vec<ModelUsage>,
    pub by_task: Vec<TaskUsage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_usd_converts_and_displays() {
        assert_eq!(MicroUsd::from_usd(2.5), Some(MicroUsd(2_500_000)));
        assert_eq!(MicroUsd::from_usd(0.0000004), Some(MicroUsd(0)));
        assert_eq!(MicroUsd::from_usd(-0.01), None);
        assert_eq!(MicroUsd::from_usd(f64::NAN), None);
        assert_eq!(MicroUsd::from_usd(1e20), None);
        assert_eq!(MicroUsd(2_500_000).to_string(), "$2.50");
        assert_eq!(MicroUsd(123).to_string(), "$0.000123");
        assert_eq!(MicroUsd(-1_000_000).to_string(), "-$1.00");
        assert_eq!(
            [MicroUsd(1), MicroUsd(2)].into_iter().sum::<MicroUsd>(),
            MicroUsd(3)
        );
    }

    #[test]
    fn windows_start_on_utc_boundaries() {
        let t = 1_700_000_123_456; // 2023-11-14T22:15:23.456Z
        assert_eq!(hour_start_ms(t), 1_699_999_200_000);
        assert_eq!(day_start_ms(t), 1_699_920_000_000);
        assert_eq!(hour_start_ms(hour_start_ms(t)), hour_start_ms(t));
    }

    #[test]
    fn overrides_fall_back_to_defaults_and_patches_apply() {
        let default = Budget {
            daily_usd: Some(MicroUsd(5_000_000)),
            task_tokens: Some(1000),
            ..Budget::UNLIMITED
        };
        let overrides = Budget {
            daily_usd: Some(MicroUsd(1)),
            hourly_tokens: Some(7),
            ..Budget::UNLIMITED
        };
        let effective = overrides.over(default);
        assert_eq!(effective.daily_usd, Some(MicroUsd(1)));
        assert_eq!(effective.task_tokens, Some(1000));
        assert_eq!(effective.hourly_tokens, Some(7));
        assert_eq!(effective.hourly_usd, None);
        // A tenant cannot raise the operator's caps: only lower them.
        let raised = Budget {
            daily_usd: Some(MicroUsd(1_000_000_000)),
            task_tokens: Some(10),
            ..Budget::UNLIMITED
        }
        .over(default);
        assert_eq!(raised.daily_usd, Some(MicroUsd(5_000_000)));
        assert_eq!(raised.task_tokens, Some(10));

        let patch = BudgetPatch {
            daily_usd: Some(None),
            task_usd: Some(Some(MicroUsd(9))),
            ..BudgetPatch::default()
        };
        let patched = patch.apply(overrides);
        assert_eq!(patched.daily_usd, None);
        assert_eq!(patched.task_usd, Some(MicroUsd(9)));
        assert_eq!(patched.hourly_tokens, Some(7));
    }

    #[test]
    fn kinds_and_outcomes_round_trip() {
        for o in CallOutcome::ALL {
            assert_eq!(o.as_str().parse::<CallOutcome>(), Ok(o));
        }
        assert_eq!("embed".parse::<CallKind>(), Ok(CallKind::Embed));
        assert!("nope".parse::<CallOutcome>().is_err());
    }
}

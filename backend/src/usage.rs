//! The usage configuration ([`UsageConfig`]) turned into what the AI
//! component and the store work with: the default budget of every tenant
//! and the price table.

use morningai_ai::{Pricing, PricingError};
use morningai_core::{Budget, MicroUsd};

use crate::config::UsageConfig;

/// USD → micro-USD; an amount too large to count is as good as no cap.
fn usd_cap(usd: Option<f64>) -> Option<MicroUsd> {
    usd.map(|usd| MicroUsd::from_usd(usd).unwrap_or(MicroUsd(i64::MAX)))
}

/// Per-tenant spending caps when a remote (possibly paid) model is
/// configured and the operator set none: with open sign-up, no cap would let
/// any stranger spend the operator's credit. USD per day, hour and task.
pub const REMOTE_DEFAULT_USD: (f64, f64, f64) = (5.0, 1.0, 0.5);

impl UsageConfig {
    /// The caps of a tenant that overrides none (`MORNINGAI_BUDGET_*`); with
    /// a `remote` model and no USD cap configured, [`REMOTE_DEFAULT_USD`].
    pub fn default_budget(&self, remote: bool) -> Budget {
        let none_set = self.budget_daily_usd.is_none()
            && self.budget_hourly_usd.is_none()
            && self.budget_task_usd.is_none();
        let (daily, hourly, task) = if remote && none_set {
            let (d, h, t) = REMOTE_DEFAULT_USD;
            (Some(d), Some(h), Some(t))
        } else {
            (
                self.budget_daily_usd,
                self.budget_hourly_usd,
                self.budget_task_usd,
            )
        };
        Budget {
            daily_usd: usd_cap(daily),
            hourly_usd: usd_cap(hourly),
            task_usd: usd_cap(task),
            daily_tokens: self.budget_daily_tokens,
            hourly_tokens: self.budget_hourly_tokens,
            task_tokens: self.budget_task_tokens,
        }
    }

    /// The built-in prices, extended by `MORNINGAI_PRICING_FILE` when set.
    pub fn pricing(&self) -> Result<Pricing, PricingError> {
        match &self.pricing_file {
            Some(path) => Pricing::load(path),
            None => Ok(Pricing::built_in()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_budget_from_configuration() {
        let mut config = crate::Config::for_tests("unused://", "/tmp".into()).usage;
        assert_eq!(config.default_budget(false), Budget::UNLIMITED);
        // A remote model with no caps configured gets the safe defaults.
        let remote = config.default_budget(true);
        assert_eq!(remote.daily_usd, Some(MicroUsd(5_000_000)));
        assert_eq!(remote.task_usd, Some(MicroUsd(500_000)));
        config.budget_daily_usd = Some(2.5);
        config.budget_task_tokens = Some(10_000);
        config.budget_hourly_usd = Some(1e300);
        let budget = config.default_budget(true);
        assert_eq!(budget.daily_usd, Some(MicroUsd(2_500_000)));
        assert_eq!(budget.task_tokens, Some(10_000));
        assert_eq!(budget.hourly_usd, Some(MicroUsd(i64::MAX)));
        assert!(config.pricing().is_ok());
        config.pricing_file = Some("/nonexistent/prices.json".into());
        assert!(config.pricing().is_err());
    }
}

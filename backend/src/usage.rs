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

impl UsageConfig {
    /// The caps of a tenant that overrides none (`MORNINGAI_BUDGET_*`).
    pub fn default_budget(&self) -> Budget {
        Budget {
            daily_usd: usd_cap(self.budget_daily_usd),
            hourly_usd: usd_cap(self.budget_hourly_usd),
            task_usd: usd_cap(self.budget_task_usd),
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
        assert_eq!(config.default_budget(), Budget::UNLIMITED);
        config.budget_daily_usd = Some(2.5);
        config.budget_task_tokens = Some(10_000);
        config.budget_hourly_usd = Some(1e300);
        let budget = config.default_budget();
        assert_eq!(budget.daily_usd, Some(MicroUsd(2_500_000)));
        assert_eq!(budget.task_tokens, Some(10_000));
        assert_eq!(budget.hourly_usd, Some(MicroUsd(i64::MAX)));
        assert!(config.pricing().is_ok());
        config.pricing_file = Some("/nonexistent/prices.json".into());
        assert!(config.pricing().is_err());
    }
}

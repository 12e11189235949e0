//! What a model call costs: a table of prices in USD per million input
//! (prompt) and output (completion) tokens.
//!
//! Built-in prices cover common OpenAI models; a JSON file
//! (`{"models":{"NAME":{"input_per_mtok":2.5,"output_per_mtok":10.0}}}`)
//! overrides and extends them. A model matches its own name, or else the
//! longest listed name it starts with followed by `-` (so the dated
//! `gpt-4o-2024-08-06` is priced as `gpt-4o`, and `gpt-4o-mini-2024-07-18` as
//! `gpt-4o-mini`). Embedded models (provider `local`) cost nothing. A remote
//! model the table does not know costs 0 — its calls are still recorded, with
//! their tokens — and a warning is logged once per model: add it to the file.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use morningai_core::MicroUsd;
use serde::{Deserialize, Serialize};

use crate::Usage;

/// A model's price in USD per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

impl ModelPrice {
    const fn new(input_per_mtok: f64, output_per_mtok: f64) -> Self {
        Self {
            input_per_mtok,
            output_per_mtok,
        }
    }

    /// The cost of `usage` at this price, rounded to the micro-dollar. A price
    /// per million tokens in USD is a price per token in micro-USD.
    pub fn cost(&self, usage: Usage) -> MicroUsd {
        let micros = f64::from(usage.prompt_tokens) * self.input_per_mtok
            + f64::from(usage.completion_tokens) * self.output_per_mtok;
        MicroUsd(micros.round() as i64)
    }
}

/// Published list prices (USD per 1M tokens) when this table was written;
/// a pricing file corrects them without a rebuild.
const BUILT_IN: &[(&str, ModelPrice)] = &[
    ("gpt-4o", ModelPrice::new(2.5, 10.0)),
    ("gpt-4o-mini", ModelPrice::new(0.15, 0.6)),
    ("gpt-4.1", ModelPrice::new(2.0, 8.0)),
    ("gpt-4.1-mini", ModelPrice::new(0.4, 1.6)),
    ("gpt-4.1-nano", ModelPrice::new(0.1, 0.4)),
    ("gpt-4-turbo", ModelPrice::new(10.0, 30.0)),
    ("gpt-4", ModelPrice::new(30.0, 60.0)),
    ("gpt-3.5-turbo", ModelPrice::new(0.5, 1.5)),
    ("text-embedding-3-small", ModelPrice::new(0.02, 0.0)),
    ("text-embedding-3-large", ModelPrice::new(0.13, 0.0)),
    ("text-embedding-ada-002", ModelPrice::new(0.1, 0.0)),
];

/// The provider name of the embedded models, which are free.
const LOCAL_PROVIDER: &str = "local";

#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error("cannot read the pricing file {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("invalid pricing file: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PricingFile {
    models: BTreeMap<String, ModelPrice>,
}

/// The price table. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Pricing {
    models: BTreeMap<String, ModelPrice>,
    /// Remote models already warned about as unpriced.
    warned: Mutex<HashSet<String>>,
}

impl Default for Pricing {
    fn default() -> Self {
        Self::built_in()
    }
}

impl Pricing {
    /// The built-in prices only.
    pub fn built_in() -> Self {
        Self::with(BUILT_IN.iter().map(|(m, p)| ((*m).to_owned(), *p)))
    }

    fn with(models: impl IntoIterator<Item = (String, ModelPrice)>) -> Self {
        Self {
            models: models.into_iter().collect(),
            warned: Mutex::new(HashSet::new()),
        }
    }

    /// The built-in prices, overridden and extended by a pricing file's JSON.
    pub fn from_json(json: &str) -> Result<Self, PricingError> {
        let file: PricingFile =
            serde_json::from_str(json).map_err(|e| PricingError::Invalid(e.to_string()))?;
        for (model, price) in &file.models {
            for (what, value) in [
                ("input_per_mtok", price.input_per_mtok),
                ("output_per_mtok", price.output_per_mtok),
            ] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(PricingError::Invalid(format!(
                        "models.{model}.{what}: {value} is not a price (a number, 0 or more)"
                    )));
                }
            }
            if model.is_empty() {
                return Err(PricingError::Invalid("a model name is empty".into()));
            }
        }
        let mut pricing = Self::built_in();
        pricing.models.extend(file.models);
        Ok(pricing)
    }

    /// [`Pricing::from_json`] of a file.
    pub fn load(path: &Path) -> Result<Self, PricingError> {
        let json = std::fs::read_to_string(path).map_err(|error| PricingError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Self::from_json(&json)
    }

    /// The price of `model` served by `provider`; `None` when unknown (and
    /// for embedded models, which are free).
    pub fn price(&self, provider: &str, model: &str) -> Option<ModelPrice> {
        if provider == LOCAL_PROVIDER {
            return Some(ModelPrice::new(0.0, 0.0));
        }
        if let Some(price) = self.models.get(model) {
            return Some(*price);
        }
        self.models
            .iter()
            .filter(|(name, _)| {
                model
                    .strip_prefix(name.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
            })
            .max_by_key(|(name, _)| name.len())
            .map(|(_, price)| *price)
    }

    /// What `usage` of `model` costs; 0 for a model without a price (warned
    /// about once).
    pub fn cost(&self, provider: &str, model: &str, usage: Usage) -> MicroUsd {
        match self.price(provider, model) {
            Some(price) => price.cost(usage),
            None => {
                let first = self
                    .warned
                    .lock()
                    .map(|mut w| w.insert(format!("{provider}/{model}")))
                    .unwrap_or(false);
                if first {
                    tracing::warn!(
                        provider,
                        model,
                        "no price for this model: its calls are recorded at cost 0; \
                         add it to MORNINGAI_PRICING_FILE"
                    );
                }
                MicroUsd::ZERO
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(prompt_tokens: u32, completion_tokens: u32) -> Usage {
        Usage {
            prompt_tokens,
            completion_tokens,
        }
    }

    #[test]
    fn built_in_prices_and_dated_variants() {
        let p = Pricing::built_in();
        // 1000 in at $2.50/M + 500 out at $10/M = $0.0025 + $0.005.
        assert_eq!(
            p.cost("openai", "gpt-4o", usage(1000, 500)),
            MicroUsd(7_500)
        );
        assert_eq!(
            p.price("openai", "gpt-4o-2024-08-06"),
            p.price("openai", "gpt-4o")
        );
        assert_eq!(
            p.price("openai", "gpt-4o-mini-2024-07-18"),
            Some(ModelPrice::new(0.15, 0.6))
        );
        assert_eq!(
            p.price("openai", "gpt-4-turbo-2024-04-09"),
            Some(ModelPrice::new(10.0, 30.0))
        );
        assert_eq!(
            p.price("openai", "gpt-4.1-mini"),
            Some(ModelPrice::new(0.4, 1.6))
        );
        // A prefix must end at a `-`: gpt-4o is not a dated gpt-4.
        assert_ne!(p.price("openai", "gpt-4o"), p.price("openai", "gpt-4"));
        assert_eq!(
            p.cost("openai", "text-embedding-3-small", usage(1_000_000, 0)),
            MicroUsd(20_000)
        );
    }

    #[test]
    fn local_models_are_free_and_unknown_ones_cost_zero() {
        let p = Pricing::built_in();
        assert_eq!(
            p.cost("local", "SmolLM2-135M-Instruct", usage(10_000, 10_000)),
            MicroUsd::ZERO
        );
        assert_eq!(
            p.cost("local", "gpt-4o", usage(10_000, 10_000)),
            MicroUsd::ZERO
        );
        assert_eq!(p.price("openai", "llama3:8b"), None);
        assert_eq!(p.cost("openai", "llama3:8b", usage(5, 5)), MicroUsd::ZERO);
        assert_eq!(p.cost("openai", "llama3:8b", usage(5, 5)), MicroUsd::ZERO);
        assert_eq!(p.warned.lock().unwrap().len(), 1, "warned once");
    }

    #[test]
    fn a_file_overrides_and_extends() {
        let p = Pricing::from_json(
            r#"{"models":{"gpt-4o":{"input_per_mtok":5,"output_per_mtok":15},
                          "llama3:8b":{"input_per_mtok":0.1,"output_per_mtok":0.2}}}"#,
        )
        .unwrap();
        assert_eq!(
            p.price("openai", "gpt-4o-2024-08-06"),
            Some(ModelPrice::new(5.0, 15.0))
        );
        assert_eq!(
            p.cost("openai", "llama3:8b", usage(10_000_000, 5_000_000)),
            MicroUsd(2_000_000)
        );
        assert_eq!(
            p.price("openai", "gpt-4o-mini"),
            Some(ModelPrice::new(0.15, 0.6))
        );

        for bad in [
            r#"{"models":{"m":{"input_per_mtok":-1,"output_per_mtok":0}}}"#,
            r#"{"models":{"m":{"input_per_mtok":1}}}"#,
            r#"{"model":{}}"#,
            "not json",
        ] {
            assert!(Pricing::from_json(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Pricing::load(Path::new("/nonexistent/prices.json")),
            Err(PricingError::Read { .. })
        ));
    }

    #[test]
    fn cost_rounds_to_the_micro_dollar() {
        let p = Pricing::built_in();
        // 3 tokens at $0.15/M = 0.45 micro-USD → 0; 10 → 1.5 → 2.
        assert_eq!(p.cost("openai", "gpt-4o-mini", usage(3, 0)), MicroUsd(0));
        assert_eq!(p.cost("openai", "gpt-4o-mini", usage(10, 0)), MicroUsd(2));
    }
}

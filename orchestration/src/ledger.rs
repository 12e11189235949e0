//! The AI component's usage ledger and response cache over the store: model
//! calls are recorded in `model_calls`, budgets are the tenant's overrides
//! over the configured default, and cached answers live in `model_cache`.
//!
//! Like the runtime, every store call is scoped to the tenant the call is
//! made for (the task's tenant), so on PostgreSQL row-level security holds.

use std::sync::Arc;

use async_trait::async_trait;
use morningai_ai::{
    metered_and_cached, AiError, CachePolicy, CachedChat, CallScope, ChatModel, ChatResponse,
    Ledger, Pricing, ResponseCache,
};
use morningai_core::{now_ms, Budget, ModelCall, SpendHold, TenantId};
use morningai_store::{Store, StoreError};

/// [`Ledger`] and [`ResponseCache`] backed by the store.
#[derive(Clone)]
pub struct StoreLedger {
    store: Arc<dyn Store>,
    default_budget: Budget,
}

fn ledger_error(e: StoreError) -> AiError {
    AiError::Ledger(e.to_string())
}

impl StoreLedger {
    /// `default_budget`: the caps of a tenant that overrides none (from configuration).
    pub fn new(store: Arc<dyn Store>, default_budget: Budget) -> Self {
        Self {
            store,
            default_budget,
        }
    }

    pub fn default_budget(&self) -> Budget {
        self.default_budget
    }

    /// `model` for calls in `scope`: budget-checked, recorded, and cached per
    /// `policy` (the cache outside the meter; see `morningai_ai::cache`).
    pub fn chat_model(
        self: &Arc<Self>,
        model: Arc<dyn ChatModel>,
        pricing: Arc<Pricing>,
        scope: CallScope,
        policy: CachePolicy,
    ) -> CachedChat {
        metered_and_cached(model, self.clone(), self.clone(), pricing, scope, policy)
    }
}

#[async_trait]
impl Ledger for StoreLedger {
    async fn budget(&self, tenant: TenantId) -> Result<Budget, AiError> {
        let overrides = self
            .store
            .budget_overrides(tenant)
            .await
            .map_err(ledger_error)?;
        Ok(overrides.over(self.default_budget))
    }

    async fn hold(
        &self,
        hold: SpendHold,
        budget: &Budget,
    ) -> Result<Option<(&'static str, String)>, AiError> {
        self.store
            .hold_spend(&hold, budget)
            .await
            .map_err(ledger_error)
    }

    async fn record(&self, call: ModelCall) -> Result<(), AiError> {
        self.store
            .record_model_call(&call)
            .await
            .map_err(ledger_error)
    }
}

#[async_trait]
impl ResponseCache for StoreLedger {
    async fn get(&self, tenant: TenantId, key: &str) -> Result<Option<ChatResponse>, AiError> {
        let Some(stored) = self
            .store
            .cached_response(tenant, key)
            .await
            .map_err(ledger_error)?
        else {
            return Ok(None);
        };
        // An entry this build cannot read (an older shape) is a miss; the
        // fresh answer then replaces it.
        match serde_json::from_value(stored) {
            Ok(response) => Ok(Some(response)),
            Err(e) => {
                tracing::warn!(error = %e, key, "unreadable cached answer ignored");
                Ok(None)
            }
        }
    }

    async fn put(
        &self,
        tenant: TenantId,
        key: &str,
        response: &ChatResponse,
    ) -> Result<(), AiError> {
        let value = serde_json::to_value(response)
            .map_err(|e| AiError::Ledger(format!("cannot serialize the answer: {e}")))?;
        self.store
            .cache_response(tenant, key, &value, now_ms())
            .await
            .map_err(ledger_error)
    }
}

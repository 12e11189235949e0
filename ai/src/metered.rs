//! Usage, cost and budgets around any model: [`MeteredChat`] and
//! [`MeteredEmbedder`] check the tenant's budget before a call, refuse it
//! (nothing sent) when a cap would be exceeded, and record every call —
//! answered, failed or refused — in a [`Ledger`].
//!
//! Budgets are reserved, not only checked: a call's estimate is held (with
//! what was spent and what calls in flight hold, atomically, in the ledger)
//! before it is sent, and released when its record is written, so calls
//! running at the same time cannot overshoot a cap together.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
pub use morningai_core::exceeded_cap;
use morningai_core::{
    now_ms, Budget, CallKind, CallOutcome, MicroUsd, ModelCall, ModelCallId, SpendHold, TaskId,
    TenantId,
};

use crate::pricing::Pricing;
use crate::types::{
    ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream, EmbedResponse, Embedder, Message,
    Usage,
};
use crate::AiError;

/// Where model calls are recorded and budgets come from. Object safe: the
/// wrappers hold an `Arc<dyn Ledger>`.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// The tenant's effective budget: its overrides over the configured default.
    async fn budget(&self, tenant: TenantId) -> Result<Budget, AiError>;
    /// Holds `hold` unless, with what the tenant (and the hold's task) spent
    /// and what other calls hold, it would exceed a cap of `budget`: checked
    /// and held as one step, so that calls at the same time see each other.
    /// `Some((cap, message))`: refused, nothing held.
    async fn hold(
        &self,
        hold: SpendHold,
        budget: &Budget,
    ) -> Result<Option<(&'static str, String)>, AiError>;
    /// Records a call and releases the hold with the call's id, if any.
    async fn record(&self, call: ModelCall) -> Result<(), AiError>;
}

/// On whose behalf calls are made: the tenant pays, the task and trace say why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallScope {
    pub tenant: TenantId,
    pub task_id: Option<TaskId>,
    pub trace_id: Option<String>,
}

impl CallScope {
    pub fn tenant(tenant: TenantId) -> Self {
        Self {
            tenant,
            task_id: None,
            trace_id: None,
        }
    }
}

/// Completion tokens assumed for a budget check when the request sets no `max_tokens`.
pub const DEFAULT_COMPLETION_ESTIMATE: u32 = 1024;

/// Tokens of a text, estimated high: one per three bytes of UTF-8 (English
/// averages about four characters a token; CJK about one character, which is
/// three bytes). Used only before a call, for the budget check.
pub fn estimate_text_tokens(text: &str) -> u32 {
    u32::try_from(text.len().div_ceil(3)).unwrap_or(u32::MAX)
}

/// Prompt tokens of a chat, estimated high: the text plus each message's
/// framing (role and separators, a few tokens in every chat template).
pub fn estimate_prompt_tokens(messages: &[Message]) -> u32 {
    messages
        .iter()
        .map(|m| estimate_text_tokens(&m.content).saturating_add(4))
        .fold(3u32, u32::saturating_add)
}

fn has_caps(budget: &Budget, in_task: bool) -> bool {
    budget.daily_usd.is_some()
        || budget.hourly_usd.is_some()
        || budget.daily_tokens.is_some()
        || budget.hourly_tokens.is_some()
        || (in_task && (budget.task_usd.is_some() || budget.task_tokens.is_some()))
}

/// The ledger, the prices and the scope: what both wrappers (and the
/// response cache, for its hits) need to check and record calls.
#[derive(Clone)]
pub struct Meter {
    ledger: Arc<dyn Ledger>,
    pricing: Arc<Pricing>,
    scope: CallScope,
}

/// How one call went, for its record.
pub(crate) struct CallReport<'a> {
    /// The call's id: the id of the hold its record releases.
    pub id: ModelCallId,
    pub provider: &'a str,
    pub model: &'a str,
    pub kind: CallKind,
    pub usage: Usage,
    pub cost: MicroUsd,
    pub latency: Duration,
    pub outcome: CallOutcome,
    pub error_code: Option<String>,
}

impl Meter {
    pub fn new(ledger: Arc<dyn Ledger>, pricing: Arc<Pricing>, scope: CallScope) -> Self {
        Self {
            ledger,
            pricing,
            scope,
        }
    }

    pub fn scope(&self) -> &CallScope {
        &self.scope
    }

    /// Holds an estimate of the call against every cap and answers the id
    /// its record must carry (which releases the hold); over a cap, records
    /// the call as refused and fails with `BudgetExceeded`. A ledger that
    /// cannot be read fails the call too: no spending without a check.
    async fn admit(
        &self,
        provider: &str,
        model: &str,
        kind: CallKind,
        estimate: Usage,
    ) -> Result<ModelCallId, AiError> {
        let id = ModelCallId::new();
        let in_task = self.scope.task_id.is_some();
        let budget = self.ledger.budget(self.scope.tenant).await?;
        if !has_caps(&budget, in_task) {
            return Ok(id);
        }
        let hold = SpendHold {
            id,
            tenant: self.scope.tenant,
            task: self.scope.task_id,
            cost: self.pricing.cost(provider, model, estimate),
            tokens: u64::from(estimate.prompt_tokens) + u64::from(estimate.completion_tokens),
            at_ms: now_ms(),
        };
        let Some((cap, message)) = self.ledger.hold(hold, &budget).await? else {
            return Ok(id);
        };
        self.record(CallReport {
            id: ModelCallId::new(),
            provider,
            model,
            kind,
            usage: Usage::default(),
            cost: MicroUsd::ZERO,
            latency: Duration::ZERO,
            outcome: CallOutcome::Refused,
            error_code: Some(format!("budget_exceeded:{cap}")),
        })
        .await;
        Err(AiError::BudgetExceeded(message))
    }

    /// What `usage` of `model` costs.
    fn cost(&self, provider: &str, model: &str, usage: Usage) -> MicroUsd {
        self.pricing.cost(provider, model, usage)
    }

    pub(crate) fn model_call(&self, report: CallReport<'_>) -> ModelCall {
        ModelCall {
            id: report.id,
            tenant_id: self.scope.tenant,
            task_id: self.scope.task_id,
            trace_id: self.scope.trace_id.clone(),
            provider: report.provider.to_owned(),
            model: report.model.to_owned(),
            kind: report.kind,
            prompt_tokens: report.usage.prompt_tokens.into(),
            completion_tokens: report.usage.completion_tokens.into(),
            cost: report.cost,
            latency_ms: i64::try_from(report.latency.as_millis()).unwrap_or(i64::MAX),
            outcome: report.outcome,
            error_code: report.error_code,
            created_at_ms: now_ms(),
        }
    }

    /// Records a call. A failure is logged, not returned: the call has
    /// happened (and been paid for), so its answer still goes to the caller.
    pub(crate) async fn record(&self, report: CallReport<'_>) {
        let call = self.model_call(report);
        if let Err(e) = self.ledger.record(call).await {
            tracing::error!(error = %e, tenant_id = %self.scope.tenant, "model call not recorded");
        }
    }

    /// Records a finished or failed call with its real usage and cost.
    async fn record_result(
        &self,
        id: ModelCallId,
        provider: &str,
        model: &str,
        kind: CallKind,
        started: Instant,
        result: Result<Usage, &AiError>,
    ) {
        let (usage, outcome, error_code) = match result {
            Ok(usage) => (usage, CallOutcome::Ok, None),
            Err(e) => (
                Usage::default(),
                CallOutcome::Error,
                Some(e.code().to_owned()),
            ),
        };
        self.record(CallReport {
            id,
            provider,
            model,
            kind,
            usage,
            cost: self.cost(provider, model, usage),
            latency: started.elapsed(),
            outcome,
            error_code,
        })
        .await;
    }
}

/// The model a response names, or the configured one when it names none.
fn answered_by<'a>(response_model: &'a str, configured: &'a str) -> &'a str {
    if response_model.is_empty() {
        configured
    } else {
        response_model
    }
}

/// A chat model whose calls are budget-checked and recorded.
pub struct MeteredChat {
    inner: Arc<dyn ChatModel>,
    meter: Meter,
}

impl MeteredChat {
    pub fn new(inner: Arc<dyn ChatModel>, meter: Meter) -> Self {
        Self { inner, meter }
    }

    async fn admit(&self, request: &ChatRequest) -> Result<ModelCallId, AiError> {
        let estimate = Usage {
            prompt_tokens: estimate_prompt_tokens(&request.messages),
            completion_tokens: request.max_tokens.unwrap_or(DEFAULT_COMPLETION_ESTIMATE),
        };
        self.meter
            .admit(
                self.inner.provider(),
                self.inner.model(),
                CallKind::Chat,
                estimate,
            )
            .await
    }
}

#[async_trait]
impl ChatModel for MeteredChat {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        let id = self.admit(request).await?;
        let started = Instant::now();
        let result = self.inner.chat(request).await;
        let (provider, configured) = (self.inner.provider(), self.inner.model());
        match &result {
            Ok(response) => {
                let model = answered_by(&response.model, configured);
                self.meter
                    .record_result(
                        id,
                        provider,
                        model,
                        CallKind::Chat,
                        started,
                        Ok(response.usage),
                    )
                    .await
            }
            Err(e) => {
                self.meter
                    .record_result(id, provider, configured, CallKind::Chat, started, Err(e))
                    .await
            }
        }
        result
    }

    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError> {
        let id = self.admit(request).await?;
        let started = Instant::now();
        let (provider, model) = (self.inner.provider(), self.inner.model());
        let inner = match self.inner.chat_stream(request).await {
            Ok(stream) => stream,
            Err(e) => {
                self.meter
                    .record_result(id, provider, model, CallKind::Chat, started, Err(&e))
                    .await;
                return Err(e);
            }
        };
        let recorder = StreamRecorder {
            id,
            meter: self.meter.clone(),
            provider: provider.to_owned(),
            model: model.to_owned(),
            started,
            prompt_estimate: estimate_prompt_tokens(&request.messages),
            chunks: 0,
            finished: false,
        };
        Ok(metered_stream(inner, recorder))
    }
}

/// Records a streamed call once: at `Done` (real usage), at an error, or —
/// when the caller drops the stream first — with what is known then (the
/// prompt estimate and one token per chunk received).
struct StreamRecorder {
    id: ModelCallId,
    meter: Meter,
    provider: String,
    model: String,
    started: Instant,
    prompt_estimate: u32,
    chunks: u32,
    finished: bool,
}

impl StreamRecorder {
    fn known_usage(&self) -> Usage {
        if self.chunks == 0 {
            return Usage::default();
        }
        Usage {
            prompt_tokens: self.prompt_estimate,
            completion_tokens: self.chunks,
        }
    }

    fn report(&self, usage: Usage, outcome: CallOutcome, code: Option<String>) -> ModelCall {
        self.report_for(&self.model, usage, outcome, code)
    }

    fn report_for(
        &self,
        model: &str,
        usage: Usage,
        outcome: CallOutcome,
        error_code: Option<String>,
    ) -> ModelCall {
        self.meter.model_call(CallReport {
            id: self.id,
            provider: &self.provider,
            model,
            kind: CallKind::Chat,
            usage,
            cost: self.meter.cost(&self.provider, model, usage),
            latency: self.started.elapsed(),
            outcome,
            error_code,
        })
    }

    async fn finish(&mut self, call: ModelCall) {
        self.finished = true;
        if let Err(e) = self.meter.ledger.record(call).await {
            tracing::error!(error = %e, tenant_id = %self.meter.scope.tenant, "model call not recorded");
        }
    }
}

impl Drop for StreamRecorder {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let call = self.report(
            self.known_usage(),
            CallOutcome::Error,
            Some(AiError::Canceled.code().to_owned()),
        );
        let ledger = self.meter.ledger.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = ledger.record(call).await {
                        tracing::error!(error = %e, "dropped stream's model call not recorded");
                    }
                });
            }
            Err(_) => tracing::error!(
                tenant_id = %call.tenant_id,
                "a stream dropped outside a runtime: its model call is not recorded"
            ),
        }
    }
}

fn metered_stream(inner: ChatStream, recorder: StreamRecorder) -> ChatStream {
    futures::stream::unfold(Some((inner, recorder)), |state| async move {
        let (mut inner, mut rec) = state?;
        match inner.next().await {
            Some(Ok(ChatChunk::Token(text))) => {
                rec.chunks = rec.chunks.saturating_add(1);
                Some((Ok(ChatChunk::Token(text)), Some((inner, rec))))
            }
            Some(Ok(ChatChunk::Done(response))) => {
                let model = answered_by(&response.model, &rec.model).to_owned();
                let call = rec.report_for(&model, response.usage, CallOutcome::Ok, None);
                rec.finish(call).await;
                Some((Ok(ChatChunk::Done(response)), None))
            }
            Some(Err(e)) => {
                let call = rec.report(rec.known_usage(), CallOutcome::Error, Some(e.code().into()));
                rec.finish(call).await;
                Some((Err(e), None))
            }
            None => {
                let e = AiError::InvalidResponse("the stream ended without an answer".into());
                let call = rec.report(rec.known_usage(), CallOutcome::Error, Some(e.code().into()));
                rec.finish(call).await;
                Some((Err(e), None))
            }
        }
    })
    .boxed()
}

/// An embedder whose calls are budget-checked and recorded.
pub struct MeteredEmbedder {
    inner: Arc<dyn Embedder>,
    meter: Meter,
}

impl MeteredEmbedder {
    pub fn new(inner: Arc<dyn Embedder>, meter: Meter) -> Self {
        Self { inner, meter }
    }
}

#[async_trait]
impl Embedder for MeteredEmbedder {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    fn dimensions(&self) -> usize {
        self.inner.dimensions()
    }

    fn english_only(&self) -> bool {
        self.inner.english_only()
    }

    async fn embed(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        self.metered(texts, EmbedRole::Passage).await
    }

    async fn embed_queries(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        self.metered(texts, EmbedRole::Query).await
    }
}

/// Which of the inner embedder's methods a metered call forwards to (an
/// asymmetric model such as E5 embeds queries and passages differently).
#[derive(Clone, Copy)]
enum EmbedRole {
    Passage,
    Query,
}

impl MeteredEmbedder {
    async fn metered(&self, texts: &[String], role: EmbedRole) -> Result<EmbedResponse, AiError> {
        let (provider, configured) = (self.inner.provider(), self.inner.model());
        let estimate = Usage {
            prompt_tokens: texts
                .iter()
                .map(|t| estimate_text_tokens(t))
                .fold(0u32, u32::saturating_add),
            completion_tokens: 0,
        };
        let id = self
            .meter
            .admit(provider, configured, CallKind::Embed, estimate)
            .await?;
        let started = Instant::now();
        let result = match role {
            EmbedRole::Passage => self.inner.embed(texts).await,
            EmbedRole::Query => self.inner.embed_queries(texts).await,
        };
        match &result {
            Ok(response) => {
                let model = answered_by(&response.model, configured);
                self.meter
                    .record_result(
                        id,
                        provider,
                        model,
                        CallKind::Embed,
                        started,
                        Ok(response.usage),
                    )
                    .await
            }
            Err(e) => {
                self.meter
                    .record_result(id, provider, configured, CallKind::Embed, started, Err(e))
                    .await
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use morningai_core::{Spend, Spent};

    #[test]
    fn estimates_err_high() {
        // "hello world" is 2 tokens for GPT-4-class tokenizers.
        assert_eq!(estimate_text_tokens("hello world"), 4);
        assert_eq!(estimate_text_tokens(""), 0);
        // Three CJK characters: 9 bytes, 3 tokens.
        assert_eq!(estimate_text_tokens("日本語"), 3);
        assert_eq!(
            estimate_prompt_tokens(&[Message::system("be brief"), Message::user("hi")]),
            3 + (3 + 4) + (1 + 4)
        );
    }

    #[test]
    fn caps_are_named_and_task_caps_need_a_task() {
        let spent = Spent {
            hour: Spend {
                cost: MicroUsd(100),
                tokens: 10,
            },
            day: Spend {
                cost: MicroUsd(900),
                tokens: 90,
            },
            task: Spend {
                cost: MicroUsd(50),
                tokens: 5,
            },
        };
        let budget = Budget {
            daily_usd: Some(MicroUsd(1_000)),
            task_tokens: Some(6),
            ..Budget::UNLIMITED
        };
        assert_eq!(
            exceeded_cap(&budget, &spent, false, MicroUsd(100), 1),
            None,
            "exactly at the cap is allowed"
        );
        let (cap, message) = exceeded_cap(&budget, &spent, false, MicroUsd(101), 1).unwrap();
        assert_eq!(cap, "daily_usd");
        assert!(
            message.contains("$0.001") && message.contains("today"),
            "{message}"
        );
        assert_eq!(exceeded_cap(&budget, &spent, false, MicroUsd(0), 2), None);
        assert_eq!(
            exceeded_cap(&budget, &spent, true, MicroUsd(0), 2).map(|c| c.0),
            Some("task_tokens")
        );
        assert_eq!(
            exceeded_cap(
                &Budget::UNLIMITED,
                &spent,
                true,
                MicroUsd(i64::MAX),
                u64::MAX
            ),
            None
        );
        let zero = Budget {
            hourly_tokens: Some(0),
            ..Budget::UNLIMITED
        };
        assert_eq!(
            exceeded_cap(&zero, &Spent::default(), false, MicroUsd(0), 1).map(|c| c.0),
            Some("hourly_tokens")
        );
    }
}

/// Test doubles shared by this crate's unit tests: an in-memory ledger and
/// cache, and a chat model that counts the requests it receives.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use morningai_core::usage::{day_start_ms, hour_start_ms};
    use morningai_core::{Spend, Spent};

    use super::*;
    use crate::cache::ResponseCache;

    #[derive(Default)]
    pub struct MemoryLedger {
        pub budget: Mutex<Budget>,
        pub calls: Mutex<Vec<ModelCall>>,
        pub holds: Mutex<Vec<SpendHold>>,
        pub cache: Mutex<Vec<(TenantId, String, ChatResponse)>>,
    }

    impl MemoryLedger {
        pub fn calls(&self) -> Vec<ModelCall> {
            self.calls.lock().unwrap().clone()
        }
    }

    #[async_trait]
    impl Ledger for MemoryLedger {
        async fn budget(&self, _: TenantId) -> Result<Budget, AiError> {
            Ok(*self.budget.lock().unwrap())
        }
        async fn hold(
            &self,
            hold: SpendHold,
            budget: &Budget,
        ) -> Result<Option<(&'static str, String)>, AiError> {
            // One lock over calls and holds: the check and the hold are one step.
            let calls = self.calls.lock().unwrap();
            let mut holds = self.holds.lock().unwrap();
            let (tenant, now_ms) = (hold.tenant, hold.at_ms);
            let counted = calls
                .iter()
                .filter(|c| c.outcome.is_billed())
                .map(|c| (c.tenant_id, c.task_id, c.created_at_ms, c.cost, c.tokens()))
                .chain(
                    holds
                        .iter()
                        .map(|h| (h.tenant, h.task, h.at_ms, h.cost, h.tokens)),
                )
                .filter(|c| c.0 == tenant)
                .collect::<Vec<_>>();
            let sum = |keep: &dyn Fn(&(TenantId, Option<TaskId>, i64, MicroUsd, u64)) -> bool| {
                counted
                    .iter()
                    .filter(|c| keep(c))
                    .fold(Spend::default(), |s, c| Spend {
                        cost: s.cost + c.3,
                        tokens: s.tokens + c.4,
                    })
            };
            let spent = Spent {
                hour: sum(&|c| c.2 >= hour_start_ms(now_ms)),
                day: sum(&|c| c.2 >= day_start_ms(now_ms)),
                task: hold
                    .task
                    .map_or_else(Spend::default, |t| sum(&|c| c.1 == Some(t))),
            };
            let refused = exceeded_cap(budget, &spent, hold.task.is_some(), hold.cost, hold.tokens);
            if refused.is_none() {
                holds.push(hold);
            }
            Ok(refused)
        }
        async fn record(&self, call: ModelCall) -> Result<(), AiError> {
            self.holds.lock().unwrap().retain(|h| h.id != call.id);
            self.calls.lock().unwrap().push(call);
            Ok(())
        }
    }

    #[async_trait]
    impl ResponseCache for MemoryLedger {
        async fn get(&self, tenant: TenantId, key: &str) -> Result<Option<ChatResponse>, AiError> {
            Ok(self
                .cache
                .lock()
                .unwrap()
                .iter()
                .find(|(t, k, _)| *t == tenant && k == key)
                .map(|(_, _, r)| r.clone()))
        }
        async fn put(
            &self,
            tenant: TenantId,
            key: &str,
            response: &ChatResponse,
        ) -> Result<(), AiError> {
            self.cache
                .lock()
                .unwrap()
                .push((tenant, key.to_owned(), response.clone()));
            Ok(())
        }
    }

    /// Answers "four tokens long" (usage 10 + 4) in four chunks; counts requests.
    #[derive(Default)]
    pub struct CountingChat {
        pub requests: AtomicUsize,
        pub fail: bool,
    }

    impl CountingChat {
        pub fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }
        fn answer(&self) -> ChatResponse {
            ChatResponse {
                text: "four tokens long".into(),
                usage: Usage {
                    prompt_tokens: 10,
                    completion_tokens: 4,
                },
                model: "gpt-4o-2024-08-06".into(),
                finish_reason: Some("stop".into()),
                latency: Duration::from_millis(5),
            }
        }
    }

    #[async_trait]
    impl ChatModel for CountingChat {
        fn provider(&self) -> &str {
            "openai"
        }
        fn model(&self) -> &str {
            "gpt-4o"
        }
        async fn chat(&self, _: &ChatRequest) -> Result<ChatResponse, AiError> {
            self.requests.fetch_add(1, Ordering::SeqCst);
            if self.fail {
                return Err(AiError::Server("boom".into()));
            }
            Ok(self.answer())
        }
        async fn chat_stream(&self, _: &ChatRequest) -> Result<ChatStream, AiError> {
            self.requests.fetch_add(1, Ordering::SeqCst);
            let mut chunks: Vec<Result<ChatChunk, AiError>> = ["four", " tokens", " lo", "ng"]
                .into_iter()
                .map(|t| Ok(ChatChunk::Token(t.into())))
                .collect();
            chunks.push(if self.fail {
                Err(AiError::Server("boom".into()))
            } else {
                Ok(ChatChunk::Done(self.answer()))
            });
            Ok(futures::stream::iter(chunks).boxed())
        }
    }
}

#[cfg(test)]
mod wrapper_tests {
    use super::testing::{CountingChat, MemoryLedger};
    use super::*;

    fn setup(budget: Budget) -> (Arc<MemoryLedger>, Arc<CountingChat>, MeteredChat, CallScope) {
        let ledger = Arc::new(MemoryLedger::default());
        *ledger.budget.lock().unwrap() = budget;
        let model = Arc::new(CountingChat::default());
        let scope = CallScope {
            tenant: TenantId::new(),
            task_id: Some(TaskId::new()),
            trace_id: Some("trace-1".into()),
        };
        let meter = Meter::new(ledger.clone(), Arc::new(Pricing::built_in()), scope.clone());
        (ledger, model.clone(), MeteredChat::new(model, meter), scope)
    }

    fn request() -> ChatRequest {
        ChatRequest {
            max_tokens: Some(100),
            ..ChatRequest::new(vec![Message::user("What is a job queue?")])
        }
    }

    #[tokio::test]
    async fn answered_calls_are_recorded_with_real_usage_and_cost() {
        let (ledger, model, chat, scope) = setup(Budget::UNLIMITED);
        let answer = chat.chat(&request()).await.unwrap();
        assert_eq!(answer.text, "four tokens long");
        assert_eq!(model.requests(), 1);
        let calls = ledger.calls();
        assert_eq!(calls.len(), 1);
        let c = &calls[0];
        assert_eq!(
            (c.outcome, c.prompt_tokens, c.completion_tokens),
            (CallOutcome::Ok, 10, 4)
        );
        // 10 × $2.50/M + 4 × $10/M = 25 + 40 micro-USD, priced as the dated model that answered.
        assert_eq!(c.cost, MicroUsd(65));
        assert_eq!(c.model, "gpt-4o-2024-08-06");
        assert_eq!((c.tenant_id, c.task_id), (scope.tenant, scope.task_id));
        assert_eq!(c.trace_id.as_deref(), Some("trace-1"));
        assert_eq!(c.kind, CallKind::Chat);
    }

    #[tokio::test]
    async fn a_call_over_a_cap_is_refused_unsent_and_recorded() {
        let (ledger, model, chat, _) = setup(Budget {
            task_tokens: Some(50),
            ..Budget::UNLIMITED
        });
        // The estimate (prompt + max_tokens 100) is over 50 tokens.
        let err = chat.chat(&request()).await.unwrap_err();
        assert!(
            matches!(&err, AiError::BudgetExceeded(m) if m.contains("task_tokens")),
            "{err}"
        );
        assert_eq!(err.code(), "budget_exceeded");
        assert_eq!(model.requests(), 0, "nothing was sent");
        let err = chat.chat_stream(&request()).await.err().unwrap();
        assert!(matches!(err, AiError::BudgetExceeded(_)));
        assert_eq!(model.requests(), 0);
        let calls = ledger.calls();
        assert_eq!(calls.len(), 2);
        assert!(calls.iter().all(|c| c.outcome == CallOutcome::Refused
            && c.error_code.as_deref() == Some("budget_exceeded:task_tokens")
            && c.tokens() == 0
            && c.cost == MicroUsd::ZERO));

        // Under the cap it goes through; the next one sees the spend.
        *ledger.budget.lock().unwrap() = Budget {
            daily_usd: Some(MicroUsd(1_090)),
            ..Budget::UNLIMITED
        };
        // Estimate: 14 prompt + 100 completion tokens = 35 + 1000 micro-USD at
        // gpt-4o prices; the first call spends 65, so a second would reach 1100.
        chat.chat(&request()).await.unwrap();
        assert_eq!(model.requests(), 1);
        let err = chat.chat(&request()).await.unwrap_err();
        assert!(
            matches!(&err, AiError::BudgetExceeded(m) if m.contains("daily_usd")),
            "{err}"
        );
        assert_eq!(model.requests(), 1);
    }

    #[tokio::test]
    async fn a_call_in_flight_holds_its_estimate_until_recorded() {
        // One estimate (1,035 micro-USD, see above) fits under the cap, two do not.
        let (ledger, model, chat, _) = setup(Budget {
            daily_usd: Some(MicroUsd(1_500)),
            ..Budget::UNLIMITED
        });
        let stream = chat.chat_stream(&request()).await.unwrap();
        assert_eq!(ledger.holds.lock().unwrap().len(), 1);
        let err = chat.chat(&request()).await.unwrap_err();
        assert!(
            matches!(&err, AiError::BudgetExceeded(m) if m.contains("daily_usd")),
            "the stream's hold counts while it runs: {err}"
        );
        let chunks: Vec<_> = stream.collect().await;
        assert!(matches!(chunks.last(), Some(Ok(ChatChunk::Done(_)))));
        // Its record (65 spent) released the hold: the next call fits.
        assert!(ledger.holds.lock().unwrap().is_empty());
        chat.chat(&request()).await.unwrap();
        assert_eq!(model.requests(), 2);
        assert!(ledger.holds.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn failures_are_recorded_with_their_kind() {
        let ledger = Arc::new(MemoryLedger::default());
        let model = Arc::new(CountingChat {
            fail: true,
            ..CountingChat::default()
        });
        let meter = Meter::new(
            ledger.clone(),
            Arc::new(Pricing::built_in()),
            CallScope::tenant(TenantId::new()),
        );
        let chat = MeteredChat::new(model, meter);
        assert!(chat.chat(&request()).await.is_err());
        let mut stream = chat.chat_stream(&request()).await.unwrap();
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                break;
            }
        }
        let calls = ledger.calls();
        assert_eq!(calls.len(), 2);
        assert!(calls
            .iter()
            .all(|c| c.outcome == CallOutcome::Error && c.error_code.as_deref() == Some("server")));
        // The failed stream had sent four chunks: those tokens were spent.
        assert_eq!(calls[1].completion_tokens, 4);
        assert!(calls[1].cost > MicroUsd::ZERO);
    }

    #[tokio::test]
    async fn streams_record_at_done_or_when_dropped() {
        let (ledger, _, chat, _) = setup(Budget::UNLIMITED);
        let chunks: Vec<_> = chat.chat_stream(&request()).await.unwrap().collect().await;
        assert!(matches!(chunks.last(), Some(Ok(ChatChunk::Done(_)))));
        let calls = ledger.calls();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            (
                calls[0].outcome,
                calls[0].prompt_tokens,
                calls[0].completion_tokens
            ),
            (CallOutcome::Ok, 10, 4)
        );

        let mut stream = chat.chat_stream(&request()).await.unwrap();
        stream.next().await.unwrap().unwrap();
        stream.next().await.unwrap().unwrap();
        drop(stream);
        for _ in 0..100 {
            if ledger.calls().len() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let calls = ledger.calls();
        assert_eq!(calls.len(), 2, "the dropped stream is recorded");
        assert_eq!(calls[1].outcome, CallOutcome::Error);
        assert_eq!(calls[1].error_code.as_deref(), Some("canceled"));
        assert_eq!(calls[1].completion_tokens, 2);
    }
}

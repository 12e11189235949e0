//! How graph nodes call models. Every call a node makes is scoped to its
//! task (tenant, task id, trace id): budget-checked before it leaves,
//! recorded with its cost, answered from the response cache when allowed —
//! always on a replay, so a replayed run reuses the first run's answers —
//! and reported live as task events: `model.tokens` while an answer streams
//! in, `model.call` once it is recorded (with the task's cost so far).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use morningai_ai::{
    AiError, CachePolicy, CallScope, ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream,
    Embedder, Ledger, Meter, MeteredEmbedder, Pricing,
};
use morningai_core::{Budget, ModelCall, SpendHold, TenantId};
use morningai_store::Store;
use serde_json::json;

use crate::ledger::StoreLedger;
use crate::live::LiveEvents;

/// The configured models and what metering them needs; given to the
/// [`Runtime`](crate::Runtime) with `with_models`.
#[derive(Clone)]
pub struct ModelServices {
    pub chat: Arc<dyn ChatModel>,
    pub embedder: Option<Arc<dyn Embedder>>,
    pub pricing: Arc<Pricing>,
    pub ledger: Arc<StoreLedger>,
}

/// What one node run may call.
#[derive(Clone)]
pub struct NodeModels {
    pub chat: Arc<NodeChat>,
    pub embedder: Option<Arc<dyn Embedder>>,
}

impl ModelServices {
    /// The embedder, budget-checked and recorded against `scope`'s tenant
    /// (for work outside a task: searches, the FAQ index's embeddings).
    pub fn embedder_for(&self, scope: CallScope) -> Option<Arc<dyn Embedder>> {
        let ledger: Arc<dyn Ledger> = self.ledger.clone();
        let meter = Meter::new(ledger, self.pricing.clone(), scope);
        self.embedder
            .clone()
            .map(|embedder| Arc::new(MeteredEmbedder::new(embedder, meter)) as Arc<dyn Embedder>)
    }

    /// The models for one node run of a task.
    pub(crate) fn for_node(
        &self,
        store: Arc<dyn Store>,
        scope: CallScope,
        policy: CachePolicy,
        events: LiveEvents,
    ) -> NodeModels {
        let ledger: Arc<dyn Ledger> = Arc::new(TaskLedger {
            inner: self.ledger.clone(),
            store,
            events: events.clone(),
        });
        let meter = Meter::new(ledger.clone(), self.pricing.clone(), scope.clone());
        let chat = morningai_ai::metered_and_cached(
            self.chat.clone(),
            ledger,
            self.ledger.clone(),
            self.pricing.clone(),
            scope,
            policy,
        );
        NodeModels {
            chat: Arc::new(NodeChat {
                inner: Arc::new(chat),
                events,
            }),
            embedder: self.embedder.clone().map(|embedder| {
                Arc::new(MeteredEmbedder::new(embedder, meter)) as Arc<dyn Embedder>
            }),
        }
    }
}

/// The store's ledger, plus a `model.call` event for every call recorded.
struct TaskLedger {
    inner: Arc<StoreLedger>,
    store: Arc<dyn Store>,
    events: LiveEvents,
}

#[async_trait]
impl Ledger for TaskLedger {
    async fn budget(&self, tenant: TenantId) -> Result<Budget, AiError> {
        self.inner.budget(tenant).await
    }

    async fn hold(
        &self,
        hold: SpendHold,
        budget: &Budget,
    ) -> Result<Option<(&'static str, String)>, AiError> {
        self.inner.hold(hold, budget).await
    }

    async fn record(&self, call: ModelCall) -> Result<(), AiError> {
        self.inner.record(call.clone()).await?;
        // The task's cost now includes this call (the store adds it in the
        // same transaction as the record).
        let task_cost_usd = match call.task_id {
            Some(task) => self
                .store
                .task(call.tenant_id, task)
                .await
                .ok()
                .flatten()
                .map(|t| t.cost_usd),
            None => None,
        };
        self.events.emit(
            "model.call",
            json!({
                "provider": call.provider,
                "model": call.model,
                "kind": call.kind,
                "outcome": call.outcome,
                "prompt_tokens": call.prompt_tokens,
                "completion_tokens": call.completion_tokens,
                "cost_usd": call.cost.as_usd(),
                "latency_ms": call.latency_ms,
                "error_code": call.error_code,
                "task_cost_usd": task_cost_usd,
            }),
        );
        Ok(())
    }
}

/// How often streamed text is written as a `model.tokens` event, at most.
const TOKEN_EVENT_EVERY: Duration = Duration::from_millis(250);

/// Collects streamed text and emits it in batches (an event per token would
/// be a database write per token).
struct TokenBatcher {
    events: LiveEvents,
    pending: String,
    last: Instant,
}

impl TokenBatcher {
    fn new(events: LiveEvents) -> Self {
        Self {
            events,
            pending: String::new(),
            last: Instant::now(),
        }
    }

    fn push(&mut self, text: &str) {
        self.pending.push_str(text);
        if self.last.elapsed() >= TOKEN_EVENT_EVERY {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.events.emit("model.tokens", json!({ "text": text }));
        }
        self.last = Instant::now();
    }
}

/// A node's chat model: answers stream in as `model.tokens` events even when
/// the node asks for the whole answer.
pub struct NodeChat {
    inner: Arc<dyn ChatModel>,
    events: LiveEvents,
}

#[async_trait]
impl ChatModel for NodeChat {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        let mut stream = self.chat_stream(request).await?;
        while let Some(chunk) = stream.next().await {
            if let ChatChunk::Done(response) = chunk? {
                return Ok(response);
            }
        }
        Err(AiError::InvalidResponse(
            "the answer ended without its final chunk".into(),
        ))
    }

    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError> {
        let inner = self.inner.chat_stream(request).await?;
        let mut batcher = TokenBatcher::new(self.events.clone());
        Ok(inner
            .map(move |chunk| {
                match &chunk {
                    Ok(ChatChunk::Token(text)) => batcher.push(text),
                    Ok(ChatChunk::Done(_)) | Err(_) => batcher.flush(),
                }
                chunk
            })
            .boxed())
    }
}

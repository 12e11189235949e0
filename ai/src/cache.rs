//! The response cache: answers stored under a key of (provider, model,
//! messages, every parameter), so that a replayed step reuses the answer it
//! got the first time instead of asking (and paying) again.
//!
//! Composition: the cache goes *outside* the meter —
//! `CachedChat(MeteredChat(model))`, which [`metered_and_cached`] builds. A
//! hit then never reaches the meter, so it is not budget-checked and costs
//! nothing, and the cache itself records it (outcome `cached`, cost 0, the
//! stored answer's tokens) when given the meter. A miss goes through the
//! meter as any call would, and its answer is stored.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use futures::StreamExt;
use morningai_core::{CallKind, CallOutcome, MicroUsd, ModelCallId, TenantId};
use sha2::{Digest, Sha256};

use crate::metered::{CallReport, CallScope, Ledger, Meter, MeteredChat};
use crate::pricing::Pricing;
use crate::types::{ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream};
use crate::AiError;

/// Where cached answers live, per tenant.
#[async_trait]
pub trait ResponseCache: Send + Sync {
    async fn get(&self, tenant: TenantId, key: &str) -> Result<Option<ChatResponse>, AiError>;
    async fn put(
        &self,
        tenant: TenantId,
        key: &str,
        response: &ChatResponse,
    ) -> Result<(), AiError>;
}

/// Bumped when the key's serialization changes, so old entries stop matching.
const KEY_VERSION: u32 = 1;

/// The cache key of a request: SHA-256 (hex) of a canonical serialization of
/// the provider, the model, the messages and every parameter of the request
/// (a parameter added to [`ChatRequest`] joins the key by itself).
pub fn cache_key(provider: &str, model: &str, request: &ChatRequest) -> String {
    let canonical = serde_json::to_vec(&(KEY_VERSION, provider, model, request))
        .expect("a chat request serializes");
    hex::encode(Sha256::digest(&canonical))
}

/// Which requests the cache answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Every request: for replays, which must see the answers of the first run.
    Always,
    /// Only requests whose answer is meant to be repeatable: temperature 0,
    /// or a seed, or no temperature on a provider whose default is greedy
    /// (the embedded model; OpenAI's default temperature is 1).
    Deterministic,
}

impl CachePolicy {
    pub fn applies(self, provider: &str, request: &ChatRequest) -> bool {
        match self {
            CachePolicy::Always => true,
            CachePolicy::Deterministic => {
                request.temperature == Some(0.0)
                    || request.seed.is_some()
                    || (request.temperature.is_none() && provider == "local")
            }
        }
    }
}

/// A chat model in front of which answers are cached.
pub struct CachedChat {
    inner: Arc<dyn ChatModel>,
    cache: Arc<dyn ResponseCache>,
    tenant: TenantId,
    policy: CachePolicy,
    /// Records hits (outcome `cached`) when set.
    meter: Option<Meter>,
}

impl CachedChat {
    pub fn new(
        inner: Arc<dyn ChatModel>,
        cache: Arc<dyn ResponseCache>,
        tenant: TenantId,
        policy: CachePolicy,
    ) -> Self {
        Self {
            inner,
            cache,
            tenant,
            policy,
            meter: None,
        }
    }

    /// Records every hit through `meter` (outcome `cached`, cost 0).
    pub fn recording_hits(mut self, meter: Meter) -> Self {
        self.meter = Some(meter);
        self
    }

    fn key(&self, request: &ChatRequest) -> Option<String> {
        self.policy
            .applies(self.inner.provider(), request)
            .then(|| cache_key(self.inner.provider(), self.inner.model(), request))
    }

    /// The stored answer, if any. A cache that cannot be read is a miss
    /// (logged): the model answers instead.
    async fn lookup(&self, key: &str) -> Option<ChatResponse> {
        let started = Instant::now();
        let hit = match self.cache.get(self.tenant, key).await {
            Ok(hit) => hit?,
            Err(e) => {
                tracing::warn!(error = %e, "response cache unavailable; asking the model");
                return None;
            }
        };
        if let Some(meter) = &self.meter {
            meter
                .record(CallReport {
                    id: ModelCallId::new(),
                    provider: self.inner.provider(),
                    model: if hit.model.is_empty() {
                        self.inner.model()
                    } else {
                        &hit.model
                    },
                    kind: CallKind::Chat,
                    usage: hit.usage,
                    cost: MicroUsd::ZERO,
                    latency: started.elapsed(),
                    outcome: CallOutcome::Cached,
                    error_code: None,
                })
                .await;
        }
        Some(hit)
    }
}

async fn store(cache: &dyn ResponseCache, tenant: TenantId, key: &str, response: &ChatResponse) {
    if let Err(e) = cache.put(tenant, key, response).await {
        tracing::warn!(error = %e, "answer not cached");
    }
}

#[async_trait]
impl ChatModel for CachedChat {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        let Some(key) = self.key(request) else {
            return self.inner.chat(request).await;
        };
        if let Some(hit) = self.lookup(&key).await {
            return Ok(hit);
        }
        let response = self.inner.chat(request).await?;
        store(&*self.cache, self.tenant, &key, &response).await;
        Ok(response)
    }

    /// A hit streams the whole answer as one token, then `Done`.
    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError> {
        let Some(key) = self.key(request) else {
            return self.inner.chat_stream(request).await;
        };
        if let Some(hit) = self.lookup(&key).await {
            let chunks = [
                Ok(ChatChunk::Token(hit.text.clone())),
                Ok(ChatChunk::Done(hit)),
            ];
            return Ok(futures::stream::iter(chunks).boxed());
        }
        let inner = self.inner.chat_stream(request).await?;
        let (cache, tenant) = (self.cache.clone(), self.tenant);
        // Stores the answer when the stream completes; a stream that fails
        // or is dropped stores nothing.
        let stream = inner.then(move |chunk| {
            let (cache, key) = (cache.clone(), key.clone());
            async move {
                if let Ok(ChatChunk::Done(response)) = &chunk {
                    store(&*cache, tenant, &key, response).await;
                }
                chunk
            }
        });
        Ok(stream.boxed())
    }
}

/// `model` metered and cached the one right way: the cache outside the meter,
/// recording its hits through the same ledger.
pub fn metered_and_cached(
    model: Arc<dyn ChatModel>,
    ledger: Arc<dyn Ledger>,
    cache: Arc<dyn ResponseCache>,
    pricing: Arc<Pricing>,
    scope: CallScope,
    policy: CachePolicy,
) -> CachedChat {
    let tenant = scope.tenant;
    let meter = Meter::new(ledger, pricing, scope);
    let metered: Arc<dyn ChatModel> = Arc::new(MeteredChat::new(model, meter.clone()));
    CachedChat::new(metered, cache, tenant, policy).recording_hits(meter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;

    fn request() -> ChatRequest {
        ChatRequest {
            temperature: Some(0.0),
            ..ChatRequest::new(vec![
                Message::system("s"),
                Message::user("What is a queue?"),
            ])
        }
    }

    #[test]
    fn the_key_covers_provider_model_messages_and_every_parameter() {
        let base = cache_key("openai", "gpt-4o", &request());
        assert_eq!(base.len(), 64);
        assert_eq!(base, cache_key("openai", "gpt-4o", &request()), "stable");
        let mut variants = vec![
            cache_key("local", "gpt-4o", &request()),
            cache_key("openai", "gpt-4o-mini", &request()),
        ];
        let tweaks: [fn(&mut ChatRequest); 8] = [
            |r| r.messages[1].content.push('!'),
            |r| r.messages[0].role = crate::MessageRole::User,
            |r| r.max_tokens = Some(10),
            |r| r.temperature = Some(0.5),
            |r| r.top_p = Some(0.9),
            |r| r.stop = vec!["\n".into()],
            |r| r.seed = Some(1),
            |r| r.json = true,
        ];
        for tweak in tweaks {
            let mut r = request();
            tweak(&mut r);
            variants.push(cache_key("openai", "gpt-4o", &r));
        }
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(v, &base, "variant {i}");
        }
        // Message boundaries matter: "ab" + "c" is not "a" + "bc".
        let split = |a: &str, b: &str| {
            cache_key(
                "p",
                "m",
                &ChatRequest::new(vec![Message::user(a), Message::user(b)]),
            )
        };
        assert_ne!(split("ab", "c"), split("a", "bc"));
    }

    #[test]
    fn deterministic_policy() {
        let p = CachePolicy::Deterministic;
        assert!(p.applies("openai", &request()));
        let sampled = ChatRequest {
            temperature: Some(0.7),
            ..request()
        };
        assert!(!p.applies("openai", &sampled));
        assert!(p.applies(
            "openai",
            &ChatRequest {
                seed: Some(42),
                ..sampled.clone()
            }
        ));
        let default = ChatRequest {
            temperature: None,
            ..request()
        };
        assert!(!p.applies("openai", &default), "OpenAI's default samples");
        assert!(
            p.applies("local", &default),
            "the embedded model's default is greedy"
        );
        assert!(CachePolicy::Always.applies("openai", &sampled));
    }
}

#[cfg(test)]
mod wrapper_tests {
    use super::*;
    use crate::metered::testing::{CountingChat, MemoryLedger};
    use crate::Message;

    fn setup(policy: CachePolicy) -> (Arc<MemoryLedger>, Arc<CountingChat>, CachedChat) {
        let ledger = Arc::new(MemoryLedger::default());
        let model = Arc::new(CountingChat::default());
        let chat = metered_and_cached(
            model.clone(),
            ledger.clone(),
            ledger.clone(),
            Arc::new(Pricing::built_in()),
            CallScope::tenant(TenantId::new()),
            policy,
        );
        (ledger, model, chat)
    }

    #[tokio::test]
    async fn a_hit_is_not_sent_costs_nothing_and_is_recorded_as_cached() {
        let (ledger, model, chat) = setup(CachePolicy::Deterministic);
        let req = ChatRequest {
            temperature: Some(0.0),
            ..ChatRequest::new(vec![Message::user("hi")])
        };
        let first = chat.chat(&req).await.unwrap();
        let again = chat.chat(&req).await.unwrap();
        assert_eq!(again, first);
        assert_eq!(model.requests(), 1, "the second answer came from the cache");

        // Streamed, a hit is the whole text as one token, then Done.
        let chunks: Vec<_> = chat.chat_stream(&req).await.unwrap().collect().await;
        assert_eq!(chunks.len(), 2);
        assert!(matches!(&chunks[0], Ok(ChatChunk::Token(t)) if *t == first.text));
        assert!(matches!(&chunks[1], Ok(ChatChunk::Done(r)) if *r == first));
        assert_eq!(model.requests(), 1);

        let outcomes: Vec<_> = ledger.calls().iter().map(|c| (c.outcome, c.cost)).collect();
        assert_eq!(
            outcomes,
            [
                (CallOutcome::Ok, MicroUsd(65)),
                (CallOutcome::Cached, MicroUsd::ZERO),
                (CallOutcome::Cached, MicroUsd::ZERO),
            ]
        );
        assert_eq!(
            ledger.calls()[1].tokens(),
            14,
            "a hit keeps the answer's tokens"
        );
    }

    #[tokio::test]
    async fn hits_are_not_refused_by_budgets_and_sampling_is_not_cached() {
        let (ledger, model, chat) = setup(CachePolicy::Deterministic);
        let greedy = ChatRequest {
            seed: Some(7),
            ..ChatRequest::new(vec![Message::user("hi")])
        };
        chat.chat(&greedy).await.unwrap();
        *ledger.budget.lock().unwrap() = morningai_core::Budget {
            daily_tokens: Some(0),
            ..morningai_core::Budget::UNLIMITED
        };
        chat.chat(&greedy).await.unwrap();
        let sampled = ChatRequest {
            temperature: Some(0.8),
            ..greedy.clone()
        };
        let err = chat.chat(&sampled).await.unwrap_err();
        assert!(matches!(err, AiError::BudgetExceeded(_)), "{err}");
        assert_eq!(model.requests(), 1);

        // A streamed miss is stored when it completes.
        *ledger.budget.lock().unwrap() = morningai_core::Budget::UNLIMITED;
        let (_, model, chat) = setup(CachePolicy::Always);
        let _: Vec<_> = chat.chat_stream(&sampled).await.unwrap().collect().await;
        chat.chat(&sampled).await.unwrap();
        assert_eq!(model.requests(), 1, "Always caches even sampled requests");
    }
}

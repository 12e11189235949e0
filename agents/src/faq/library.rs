//! A tenant's FAQs as the server searches them: one in-memory index per
//! tenant, filled from the database on first use and kept in step with it.
//!
//! Keeping several processes in step (the web service and the workers on
//! other machines): every FAQ write takes the tenant's next revision in the
//! database (`faq_revisions`), deletions leave a tombstone. Before answering,
//! a search reads the tenant's revision (one primary-key lookup) and, when
//! its index is behind, applies the changes since the revision it has. So
//! every process answers from the FAQs committed before the search began —
//! read-your-writes across processes, with no message that could be missed.
//!
//! Embeddings live in the database beside the FAQ (with the model that made
//! them), so each FAQ is embedded once, by whichever process first finds it
//! without a vector of the configured model — in the background, metered
//! against its tenant's budget; until then it is found by keywords.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use morningai_ai::{CallScope, Embedder};
use morningai_core::{Faq, FaqCategoryId, FaqId, FaqQueryId, FaqStatus, NewFaqQuery, TenantId};
use morningai_knowledge::faq::{FaqDoc, FaqFilter, FaqHit};
use morningai_orchestration::ModelServices;
use morningai_store::Store;

use super::search::{embedding_text, FaqSearchError, FaqSearcher, Ranking, SearchOutcome};

/// Tenants whose index is kept in memory; the least recently searched one
/// is dropped beyond this (and rebuilt from the database when needed).
pub const MAX_TENANT_INDEXES: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum FaqLibraryError {
    #[error(transparent)]
    Search(#[from] FaqSearchError),
    #[error(transparent)]
    Store(#[from] morningai_store::StoreError),
}

struct TenantIndex {
    searcher: FaqSearcher,
    /// The revision the index reflects.
    revision: tokio::sync::Mutex<i64>,
    /// Set while a background embedding run is going for this tenant.
    embedding: std::sync::atomic::AtomicBool,
    last_used: std::sync::atomic::AtomicU64,
}

pub struct FaqLibrary {
    store: Arc<dyn Store>,
    models: Option<ModelServices>,
    tenants: Mutex<HashMap<TenantId, Arc<TenantIndex>>>,
    clock: std::sync::atomic::AtomicU64,
}

/// The semantic similarity from which a search counts as answered (the
/// query log's `answered`; below it the query feeds suggestions).
pub const ANSWERED_SIMILARITY: f32 = 0.75;

/// The best hit's own measure: its cosine when meaning found it, else its BM25.
pub fn top_score(hit: &FaqHit) -> f32 {
    hit.semantic.or(hit.keyword).map_or(0.0, |s| s.score)
}

/// A search is answered when one of its hits is close in meaning (not
/// only the first: keywords may rank a weaker match above it) — or, with
/// keywords only, when it found anything at all.
pub fn answered<'a>(mut hits: impl Iterator<Item = &'a FaqHit>, semantic: bool) -> bool {
    if semantic {
        hits.any(|h| h.semantic.is_some_and(|s| s.score >= ANSWERED_SIMILARITY))
    } else {
        hits.next().is_some()
    }
}

/// Every FAQ of the tenant with this status and category (unset: any),
/// oldest first, read a page at a time: what an export or `docs/FAQ.md`
/// holds.
pub async fn all_faqs(
    store: &dyn Store,
    tenant: TenantId,
    status: Option<FaqStatus>,
    category_id: Option<FaqCategoryId>,
) -> Result<Vec<Faq>, morningai_store::StoreError> {
    const PAGE: i64 = 500;
    let mut faqs = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .faqs(
                tenant,
                &morningai_core::FaqFilter {
                    status,
                    category_id,
                    before,
                    limit: PAGE,
                    ..morningai_core::FaqFilter::default()
                },
            )
            .await?;
        before = page.last().map(|f| f.id);
        let done = (page.len() as i64) < PAGE;
        faqs.extend(page);
        if done {
            break;
        }
    }
    faqs.sort_by_key(|f| (f.created_at, f.id));
    Ok(faqs)
}

/// A question to [`FaqLibrary::ask`].
#[derive(Clone, Debug)]
pub struct Question<'a> {
    pub text: &'a str,
    pub filter: FaqFilter,
    /// The asker's language (a canonical tag), logged with the query.
    pub language: Option<String>,
    /// Where it was asked: `api`, `public`, `telegram`…
    pub channel: &'a str,
    pub limit: usize,
    /// Whether to log it (staff searching their own FAQs are not asking).
    pub log: bool,
}

/// What [`FaqLibrary::ask`] found.
#[derive(Debug)]
pub struct Asked {
    pub hits: Vec<LibraryHit>,
    pub outcome: SearchOutcome,
    /// Set when the question was logged.
    pub query_id: Option<FaqQueryId>,
    pub answered: bool,
}

/// A hit with its FAQ.
#[derive(Clone, Debug)]
pub struct LibraryHit {
    pub faq: Faq,
    pub hit: FaqHit,
}

/// An FAQ as the index sees it.
pub fn faq_doc(faq: &Faq) -> FaqDoc {
    FaqDoc {
        id: faq.id.to_string(),
        question: faq.question.clone(),
        answer: faq.answer.clone(),
        language: faq.language.clone(),
        category: faq.category_id.map(|c| c.to_string()),
        tags: faq.tags.clone(),
        status: faq.status.as_str().to_string(),
    }
}

impl FaqLibrary {
    /// `models`: the configured embedder (and what metering it needs); `None`
    /// searches by keywords only.
    pub fn new(store: Arc<dyn Store>, models: Option<ModelServices>) -> Self {
        FaqLibrary {
            store,
            models,
            tenants: Mutex::new(HashMap::new()),
            clock: Default::default(),
        }
    }

    /// The embedder's model name, when there is one.
    pub fn embedder_model(&self) -> Option<String> {
        self.models
            .as_ref()
            .and_then(|m| m.embedder.as_ref())
            .map(|e| e.model().to_string())
    }

    fn embedder(&self, tenant: TenantId) -> Option<Arc<dyn Embedder>> {
        self.models
            .as_ref()
            .and_then(|m| m.embedder_for(CallScope::tenant(tenant)))
    }

    fn tenant(&self, tenant: TenantId) -> Result<Arc<TenantIndex>, FaqLibraryError> {
        use std::sync::atomic::Ordering;
        let now = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut tenants = self.tenants.lock().expect("faq tenants");
        if let Some(t) = tenants.get(&tenant) {
            t.last_used.store(now, Ordering::Relaxed);
            return Ok(t.clone());
        }
        if tenants.len() >= MAX_TENANT_INDEXES {
            let oldest = tenants
                .iter()
                .min_by_key(|(_, t)| t.last_used.load(Ordering::Relaxed))
                .map(|(id, _)| *id);
            if let Some(id) = oldest {
                tenants.remove(&id);
            }
        }
        let index = Arc::new(TenantIndex {
            searcher: FaqSearcher::new(self.embedder(tenant))?,
            revision: tokio::sync::Mutex::new(0),
            embedding: Default::default(),
            last_used: now.into(),
        });
        tenants.insert(tenant, index.clone());
        Ok(index)
    }

    /// Brings the tenant's index to the database's current revision.
    async fn catch_up(
        self: &Arc<Self>,
        tenant: TenantId,
        index: &Arc<TenantIndex>,
    ) -> Result<(), FaqLibraryError> {
        let current = self.store.faq_revision(tenant).await?;
        let mut have = index.revision.lock().await;
        if *have >= current {
            return Ok(());
        }
        let changes = self.store.faq_changes_since(tenant, *have).await?;
        let model = self.embedder_model();
        let deleted: Vec<String> = changes.deleted.iter().map(|id| id.to_string()).collect();
        index
            .searcher
            .index()
            .remove(&deleted)
            .map_err(FaqSearchError::from)?;
        let docs: Vec<FaqDoc> = changes.upserted.iter().map(|r| faq_doc(&r.faq)).collect();
        index
            .searcher
            .index()
            .upsert(&docs)
            .map_err(FaqSearchError::from)?;
        let mut missing = false;
        for row in &changes.upserted {
            match (&row.embedding, &row.embedding_model) {
                (Some(v), Some(m)) if Some(m) == model.as_ref() => {
                    index
                        .searcher
                        .index()
                        .set_vector(&row.faq.id.to_string(), v);
                }
                _ => missing |= model.is_some(),
            }
        }
        *have = changes.revision.max(current);
        drop(have);
        if missing {
            self.embed_missing(tenant, index.clone());
        }
        Ok(())
    }

    /// Embeds, in the background, the tenant's FAQs that have no vector of
    /// the configured model, and stores the vectors (one run per tenant).
    fn embed_missing(self: &Arc<Self>, tenant: TenantId, index: Arc<TenantIndex>) {
        use std::sync::atomic::Ordering;
        if index.embedding.swap(true, Ordering::AcqRel) {
            return;
        }
        let library = self.clone();
        tokio::spawn(async move {
            if let Err(e) = library.embed_pending(tenant, &index).await {
                tracing::warn!(tenant = %tenant, error = %e, "FAQ embeddings not computed");
            }
            index.embedding.store(false, Ordering::Release);
        });
    }

    async fn embed_pending(
        &self,
        tenant: TenantId,
        index: &TenantIndex,
    ) -> Result<(), FaqLibraryError> {
        let Some(model) = self.embedder_model() else {
            return Ok(());
        };
        let changes = self.store.faq_changes_since(tenant, 0).await?;
        let pending: Vec<&Faq> = changes
            .upserted
            .iter()
            .filter(|r| r.embedding.is_none() || r.embedding_model.as_deref() != Some(&model))
            .map(|r| &r.faq)
            .collect();
        for batch in pending.chunks(64) {
            let docs: Vec<FaqDoc> = batch.iter().map(|f| faq_doc(f)).collect();
            let vectors = index.searcher.embed(&docs).await?;
            for (faq, v) in batch.iter().zip(&vectors) {
                match self
                    .store
                    .set_faq_embedding(tenant, faq.id, &model, v)
                    .await
                {
                    Ok(()) => {
                        index.searcher.index().set_vector(&faq.id.to_string(), v);
                    }
                    // Deleted meanwhile: nothing to embed.
                    Err(morningai_store::StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    }

    /// Embeds one FAQ now and stores its vector (after a create or an edit),
    /// so it is found by meaning from the next search on. A failure leaves
    /// it to the background run.
    pub async fn embed_now(&self, faq: &Faq) {
        let (Some(model), Some(embedder)) = (self.embedder_model(), self.embedder(faq.tenant_id))
        else {
            return;
        };
        let text = embedding_text(&faq_doc(faq));
        match embedder.embed_queries(&[text]).await {
            Ok(response) => {
                if let Some(v) = response.vectors.first() {
                    if let Err(e) = self
                        .store
                        .set_faq_embedding(faq.tenant_id, faq.id, &model, v)
                        .await
                    {
                        tracing::debug!(error = %e, faq = %faq.id, "FAQ embedding not stored");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, faq = %faq.id, "FAQ not embedded"),
        }
    }

    /// After a bulk write (an import): brings the tenant's index up to date
    /// and embeds what needs it, in the background, so the first search
    /// after it does not wait.
    pub fn embed_soon(self: &Arc<Self>, tenant: TenantId) {
        if self.embedder_model().is_none() {
            return;
        }
        let library = self.clone();
        tokio::spawn(async move {
            let caught_up = match library.tenant(tenant) {
                Ok(index) => library.catch_up(tenant, &index).await,
                Err(e) => Err(e),
            };
            if let Err(e) = caught_up {
                tracing::warn!(tenant = %tenant, error = %e, "FAQ index not brought up to date");
            }
        });
    }

    /// The best `limit` FAQs of `tenant` for `text`, with their records.
    pub async fn search(
        self: &Arc<Self>,
        tenant: TenantId,
        text: &str,
        filter: FaqFilter,
        limit: usize,
    ) -> Result<(Vec<LibraryHit>, SearchOutcome), FaqLibraryError> {
        let index = self.tenant(tenant)?;
        self.catch_up(tenant, &index).await?;
        let outcome = index
            .searcher
            .search(text, filter, limit, Ranking::default())
            .await?;
        let found: Vec<(&FaqHit, FaqId)> = outcome
            .hits
            .iter()
            .filter_map(|h| Some((h, FaqId::from(h.id.parse::<uuid::Uuid>().ok()?))))
            .collect();
        let ids: Vec<FaqId> = found.iter().map(|(_, id)| *id).collect();
        // Read back in one query: the record, not the index, is the truth
        // (a row deleted since the catch-up is simply left out).
        let mut records: HashMap<FaqId, Faq> = self
            .store
            .faqs_by_id(tenant, &ids)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        let hits = found
            .into_iter()
            .filter_map(|(hit, id)| {
                records.remove(&id).map(|faq| LibraryHit {
                    faq,
                    hit: hit.clone(),
                })
            })
            .collect();
        Ok((hits, outcome))
    }

    /// Searches as a person asks (the API, the help centre, a chat bot):
    /// the hits, and the query logged with whether it was answered, so
    /// that unanswered questions become suggestions.
    pub async fn ask(
        self: &Arc<Self>,
        tenant: TenantId,
        question: &Question<'_>,
    ) -> Result<Asked, FaqLibraryError> {
        let (hits, outcome) = self
            .search(
                tenant,
                question.text,
                question.filter.clone(),
                question.limit,
            )
            .await?;
        let top = hits.first();
        let answered = answered(hits.iter().map(|h| &h.hit), outcome.semantic);
        if !question.log {
            return Ok(Asked {
                hits,
                outcome,
                query_id: None,
                answered,
            });
        }
        let query_id = self
            .store
            .log_faq_query(
                tenant,
                &NewFaqQuery {
                    query: question.text.to_owned(),
                    language: question.language.clone(),
                    channel: question.channel.to_owned(),
                    top_faq_id: top.map(|h| h.faq.id),
                    top_score: top.map(|h| f64::from(top_score(&h.hit))),
                    answered,
                },
            )
            .await?;
        Ok(Asked {
            hits,
            outcome,
            query_id: Some(query_id),
            answered,
        })
    }

    /// Re-clusters the tenant's unanswered questions into suggestions with
    /// its embedder (see [`super::suggest`]).
    pub async fn refresh_suggestions(
        &self,
        tenant: TenantId,
    ) -> Result<super::suggest::Refreshed, FaqLibraryError> {
        super::suggest::refresh(&*self.store, self.embedder(tenant), tenant).await
    }

    /// Published FAQs only: what a public reader or a bot may be shown.
    pub fn published() -> FaqFilter {
        FaqFilter {
            status: Some(FaqStatus::Published.as_str().to_string()),
            ..FaqFilter::default()
        }
    }
}

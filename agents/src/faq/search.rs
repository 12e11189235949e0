//! The one FAQ search path: the API, the CLI's `faq rank` and the chat bots
//! all go through [`FaqSearcher`] — the hybrid index of `knowledge::faq`
//! plus the configured embedder, which embeds FAQ questions and queries
//! alike as queries (a paraphrase of a question should land next to it).

use std::sync::Arc;
use std::time::{Duration, Instant};

use morningai_ai::{AiError, Embedder};
use morningai_knowledge::faq::{
    is_cjk, FaqDoc, FaqFilter, FaqHit, FaqIndex, FaqQuery, KEYWORD_WEIGHT,
};
use morningai_knowledge::KnowledgeError;

/// Texts per embedding call when indexing.
const EMBED_BATCH: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum FaqSearchError {
    #[error("faq index: {0}")]
    Index(#[from] KnowledgeError),
    #[error("embedding: {0}")]
    Model(#[from] AiError),
}

/// Which signals a search uses (all of them but in evaluations).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signals {
    #[default]
    Hybrid,
    Keyword,
    Semantic,
}

/// How a search ranks: the signals and the keyword ranking's weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ranking {
    pub signals: Signals,
    pub keyword_weight: f32,
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            signals: Signals::Hybrid,
            keyword_weight: KEYWORD_WEIGHT,
        }
    }
}

/// A search's hits and how it was answered.
#[derive(Clone, Debug)]
pub struct SearchOutcome {
    pub hits: Vec<FaqHit>,
    /// Whether the query was embedded (false: keyword only, or the embedder failed).
    pub semantic: bool,
    pub took: Duration,
}

pub struct FaqSearcher {
    index: FaqIndex,
    embedder: Option<Arc<dyn Embedder>>,
}

impl std::fmt::Debug for FaqSearcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqSearcher")
            .field("index", &self.index)
            .field("embedder", &self.embedder_model())
            .finish()
    }
}

/// A Chinese, Japanese or Korean text for an English-only embedder.
fn english_only_cjk(embedder: &dyn Embedder, text: &str) -> bool {
    embedder.english_only() && text.chars().any(is_cjk)
}

/// What is embedded for an FAQ: its question (queries are paraphrases of
/// questions; the answer's words reach the query through BM25).
pub fn embedding_text(doc: &FaqDoc) -> String {
    doc.question.clone()
}

impl FaqSearcher {
    pub fn new(embedder: Option<Arc<dyn Embedder>>) -> Result<Self, FaqSearchError> {
        let index = FaqIndex::new(embedder.as_ref().map(|e| e.dimensions()))?;
        Ok(FaqSearcher { index, embedder })
    }

    pub fn index(&self) -> &FaqIndex {
        &self.index
    }

    /// `provider/model` of the embedder, if there is one.
    pub fn embedder_model(&self) -> Option<String> {
        self.embedder
            .as_ref()
            .map(|e| format!("{}/{}", e.provider(), e.model()))
    }

    /// Embeds FAQs for the index (in batches), in order.
    pub async fn embed(&self, docs: &[FaqDoc]) -> Result<Vec<Vec<f32>>, FaqSearchError> {
        let Some(embedder) = &self.embedder else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(docs.len());
        for batch in docs.chunks(EMBED_BATCH) {
            let texts: Vec<String> = batch.iter().map(embedding_text).collect();
            out.extend(embedder.embed_queries(&texts).await?.vectors);
        }
        Ok(out)
    }

    /// The best `limit` FAQs for `text`. When the embedder fails the search
    /// still answers from keywords (and says so in `semantic`).
    pub async fn search(
        &self,
        text: &str,
        filter: FaqFilter,
        limit: usize,
        ranking: Ranking,
    ) -> Result<SearchOutcome, FaqSearchError> {
        let signals = ranking.signals;
        let started = Instant::now();
        let keyword_text = if signals == Signals::Semantic {
            ""
        } else {
            text
        };
        let embedding = async {
            match (&self.embedder, signals) {
                // An English-only model's vector of a Chinese, Japanese or
                // Korean query is noise: such queries go by keywords alone.
                (Some(embedder), Signals::Hybrid | Signals::Semantic)
                    if !text.trim().is_empty() && !english_only_cjk(embedder.as_ref(), text) =>
                {
                    match embedder.embed_queries(&[text.to_string()]).await {
                        Ok(mut r) => r.vectors.pop(),
                        Err(e) => {
                            tracing::warn!(error = %e, "query not embedded; searching by keyword only");
                            None
                        }
                    }
                }
                _ => None,
            }
        };
        // BM25 runs here while the embedder works on its own thread.
        let keyword = async { self.index.keyword_candidates(keyword_text, &filter, limit) };
        let (vector, keyword) = tokio::join!(embedding, keyword);
        let hits = self.index.search_with(
            &FaqQuery {
                text: keyword_text,
                vector: vector.as_deref(),
                filter,
                limit,
                keyword_weight: ranking.keyword_weight,
            },
            keyword?,
        )?;
        Ok(SearchOutcome {
            hits,
            semantic: vector.is_some(),
            took: started.elapsed(),
        })
    }
}

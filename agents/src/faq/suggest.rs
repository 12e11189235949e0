//! Suggestions: the questions people asked that no FAQ answered (or whose
//! answer they marked unhelpful), clustered by meaning. Each cluster is a
//! suggested FAQ with its count and example questions; a person approves
//! it (a `faq` task drafts the answer) or dismisses it (it stays dismissed,
//! and keeps absorbing the same question so it does not come back).
//!
//! Clustering is greedy over the window's questions, oldest first: a
//! question joins the suggestion whose centre is nearest when the cosine
//! reaches [`SAME_QUESTION`] (or, without an embedder, when it is worded
//! the same once normalised), else it starts one. Existing suggestions are
//! the first clusters, so ids, statuses and decisions survive a refresh.

use std::collections::HashMap;
use std::sync::Arc;

use morningai_ai::Embedder;
use morningai_core::{
    question_key, FaqSuggestion, FaqSuggestionId, NewFaqSuggestion, SuggestionStatus, TenantId,
};
use morningai_knowledge::cosine;
use morningai_store::Store;
use time::{Duration, OffsetDateTime};

use super::library::FaqLibraryError;
use super::search::FaqSearchError;

/// Questions at least this close in meaning are the same question.
pub const SAME_QUESTION: f32 = 0.8;
/// How far back questions are considered.
pub const WINDOW_DAYS: i64 = 30;
/// Most questions considered in one refresh (the most recent).
pub const MAX_QUESTIONS: i64 = 5_000;
/// Example questions kept per suggestion.
pub const MAX_EXAMPLES: usize = 5;

/// What a refresh found.
#[derive(Clone, Debug)]
pub struct Refreshed {
    /// The open suggestions, most asked first.
    pub suggestions: Vec<FaqSuggestion>,
    /// Unanswered questions in the window.
    pub questions_considered: usize,
}

struct Cluster {
    id: FaqSuggestionId,
    /// The suggestion's question (an existing one keeps its own).
    query: Option<String>,
    key: String,
    centroid: Option<Vec<f32>>,
    members: Vec<String>,
}

impl Cluster {
    fn absorb(&mut self, text: &str, vector: Option<&[f32]>) {
        if let Some(v) = vector {
            match &mut self.centroid {
                Some(c) if c.len() == v.len() => {
                    // A running mean over the members seen with a vector.
                    let n = self.members.len().max(1) as f32;
                    for (c, x) in c.iter_mut().zip(v) {
                        *c += (x - *c) / (n + 1.0);
                    }
                }
                _ => self.centroid = Some(v.to_vec()),
            }
        }
        self.members.push(text.to_owned());
    }
}

/// Re-clusters the tenant's unanswered questions of the window into
/// suggestions and stores them.
pub async fn refresh(
    store: &dyn Store,
    embedder: Option<Arc<dyn Embedder>>,
    tenant: TenantId,
) -> Result<Refreshed, FaqLibraryError> {
    let since = OffsetDateTime::now_utc() - Duration::days(WINDOW_DAYS);
    let mut questions = store
        .unanswered_queries(tenant, since, MAX_QUESTIONS)
        .await?;
    questions.reverse(); // oldest first
    let texts: Vec<String> = questions.iter().map(|q| q.query.clone()).collect();
    let vectors: Vec<Option<Vec<f32>>> = match &embedder {
        Some(e) if !texts.is_empty() => {
            let mut out = Vec::with_capacity(texts.len());
            for batch in texts.chunks(64) {
                let r = e
                    .embed_queries(batch)
                    .await
                    .map_err(|e| FaqLibraryError::Search(FaqSearchError::from(e)))?;
                out.extend(r.vectors.into_iter().map(Some));
            }
            out
        }
        _ => vec![None; texts.len()],
    };
    let mut clusters: Vec<Cluster> = store
        .suggestions(tenant, None, 1_000)
        .await?
        .into_iter()
        .map(|s| Cluster {
            id: s.id,
            key: question_key(&s.query),
            query: Some(s.query),
            centroid: s.centroid,
            members: Vec::new(),
        })
        .collect();
    let existing = clusters.len();
    for (text, vector) in texts.iter().zip(&vectors) {
        let key = question_key(text);
        let best = clusters
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let same_words = c.key == key;
                let similarity = match (vector, &c.centroid) {
                    (Some(v), Some(centre)) => cosine(v, centre),
                    _ => 0.0,
                };
                (same_words || similarity >= SAME_QUESTION)
                    .then_some((i, if same_words { 2.0 } else { similarity }))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        match best {
            Some(i) => clusters[i].absorb(text, vector.as_deref()),
            None => {
                let mut c = Cluster {
                    id: FaqSuggestionId::new(),
                    query: None,
                    key,
                    centroid: None,
                    members: Vec::new(),
                };
                c.absorb(text, vector.as_deref());
                clusters.push(c);
            }
        }
    }
    for (i, c) in clusters.iter().enumerate() {
        if c.members.is_empty() {
            continue; // nothing new asked: left as it is
        }
        let query = c.query.clone().unwrap_or_else(|| most_asked(&c.members));
        let mut examples: Vec<String> = Vec::new();
        for m in &c.members {
            if question_key(m) != question_key(&query)
                && !examples.iter().any(|e| question_key(e) == question_key(m))
                && examples.len() < MAX_EXAMPLES
            {
                examples.push(m.clone());
            }
        }
        store
            .upsert_suggestion(
                tenant,
                &NewFaqSuggestion {
                    id: c.id,
                    query,
                    examples,
                    count: c.members.len() as i64,
                    centroid: c.centroid.clone(),
                },
            )
            .await?;
        if i >= existing {
            tracing::debug!(tenant = %tenant, members = c.members.len(), "new FAQ suggestion");
        }
    }
    Ok(Refreshed {
        suggestions: store
            .suggestions(tenant, Some(SuggestionStatus::Open), 200)
            .await?,
        questions_considered: texts.len(),
    })
}

/// The wording asked most often (the first of equals).
fn most_asked(members: &[String]) -> String {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        counts.entry(question_key(m)).or_insert((0, i)).0 += 1;
    }
    let (_, (_, first)) = counts
        .into_iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .expect("a cluster has members");
    members[first].clone()
}

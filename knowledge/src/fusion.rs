//! Combining rankings: reciprocal rank fusion of BM25 and embedding
//! similarity. Embeddings come from the caller, so this crate depends on no
//! model crate.

use std::collections::HashMap;
use std::future::Future;

use crate::error::{KnowledgeError, Result};
use crate::index::{Hit, RepoIndex};

/// The usual RRF constant: ranks below ~60 contribute little.
pub const RRF_K: f32 = 60.0;

/// Cosine similarity; 0 when either vector is zero or the lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

/// Fuses rankings of ids (best first) into one: score = Σ 1 / (k + rank).
pub fn reciprocal_rank_fusion(rankings: &[Vec<String>], k: f32) -> Vec<(String, f32)> {
    let mut scores: HashMap<&str, f32> = HashMap::new();
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    let mut order = 0;
    for ranking in rankings {
        for (rank, id) in ranking.iter().enumerate() {
            *scores.entry(id).or_default() += 1.0 / (k + rank as f32 + 1.0);
            first_seen.entry(id).or_insert_with(|| {
                order += 1;
                order
            });
        }
    }
    let mut fused: Vec<(String, f32)> = scores
        .into_iter()
        .map(|(id, s)| (id.to_string(), s))
        .collect();
    fused.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| first_seen[a.0.as_str()].cmp(&first_seen[b.0.as_str()]))
    });
    fused
}

/// Re-ranks BM25 `hits` (best first) with embedding similarity: the BM25
/// ranking and the cosine ranking are fused with RRF; the fused score
/// replaces `score`. `hit_vectors[i]` is the embedding of `hits[i]`.
pub fn rerank_by_embedding(
    hits: Vec<Hit>,
    query_vector: &[f32],
    hit_vectors: &[Vec<f32>],
    k: usize,
) -> Vec<Hit> {
    let bm25: Vec<String> = hits.iter().map(|h| h.chunk_id.clone()).collect();
    let mut by_similarity: Vec<(usize, f32)> = hit_vectors
        .iter()
        .enumerate()
        .map(|(i, v)| (i, cosine(query_vector, v)))
        .collect();
    by_similarity.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let semantic: Vec<String> = by_similarity
        .iter()
        .map(|(i, _)| bm25[*i].clone())
        .collect();
    let fused = reciprocal_rank_fusion(&[bm25, semantic], RRF_K);
    let mut by_id: HashMap<String, Hit> =
        hits.into_iter().map(|h| (h.chunk_id.clone(), h)).collect();
    fused
        .into_iter()
        .filter_map(|(id, score)| {
            by_id.remove(&id).map(|mut hit| {
                hit.score = score;
                hit
            })
        })
        .take(k)
        .collect()
}

impl RepoIndex {
    /// Hybrid retrieval: BM25 candidates (4×`k`, at least 20) re-ranked with
    /// embedding similarity. `embed` receives the query followed by the
    /// candidates' texts and returns one vector per text, in order; adapt any
    /// embedder (async or not) to it.
    pub async fn search_hybrid<F, Fut, E>(
        &self,
        query: &str,
        k: usize,
        embed: F,
    ) -> Result<Vec<Hit>>
    where
        F: FnOnce(Vec<String>) -> Fut,
        Fut: Future<Output = std::result::Result<Vec<Vec<f32>>, E>>,
        E: std::fmt::Display,
    {
        let candidates = self.search(query, (k * 4).max(20))?;
        if candidates.is_empty() {
            return Ok(candidates);
        }
        let mut texts = Vec::with_capacity(candidates.len() + 1);
        texts.push(query.to_string());
        texts.extend(candidates.iter().map(|h| format!("{}\n{}", h.path, h.text)));
        let vectors = embed(texts)
            .await
            .map_err(|e| KnowledgeError::Embedding(e.to_string()))?;
        if vectors.len() != candidates.len() + 1 {
            return Err(KnowledgeError::Embedding(format!(
                "expected {} vectors, got {}",
                candidates.len() + 1,
                vectors.len()
            )));
        }
        Ok(rerank_by_embedding(
            candidates,
            &vectors[0],
            &vectors[1..],
            k,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_prefers_agreement() {
        let a = vec!["x".to_string(), "y".to_string(), "z".to_string()];
        let b = vec!["y".to_string(), "z".to_string(), "x".to_string()];
        let fused = reciprocal_rank_fusion(&[a, b], RRF_K);
        assert_eq!(fused[0].0, "y");
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0], &[1.0, 2.0]), 0.0);
    }
}

//! Hybrid retrieval: BM25 candidates fused with embedding similarity.

use futures::executor::block_on;
use morningai_knowledge::KnowledgeError;

use crate::fixture::{indexed, Fixture};

/// A toy embedder: hashed bag of lowercase words.
fn embed(texts: &[String]) -> Vec<Vec<f32>> {
    texts
        .iter()
        .map(|t| {
            let mut v = vec![0f32; 64];
            for word in t
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                let h = word
                    .to_lowercase()
                    .bytes()
                    .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
                v[(h % 64) as usize] += 1.0;
            }
            v
        })
        .collect()
}

#[test]
fn hybrid_search_fuses_embedding_similarity() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let mut calls = 0;
    let hits = block_on(index.search_hybrid("user service get user", 3, |texts| {
        calls += 1;
        async move { Ok::<_, String>(embed(&texts)) }
    }))
    .unwrap();
    assert_eq!(calls, 1);
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert_eq!(hits[0].path, "api/app.py");
    assert!(hits[0].symbols.contains(&"UserService".to_string()));
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));

    let err =
        block_on(index.search_hybrid("user", 3, |_| async { Ok::<_, String>(vec![vec![1.0]]) }))
            .unwrap_err();
    assert!(matches!(err, KnowledgeError::Embedding(_)), "{err}");
    let err = block_on(index.search_hybrid("user", 3, |_| async {
        Err::<Vec<Vec<f32>>, _>("model down")
    }))
    .unwrap_err();
    assert!(err.to_string().contains("model down"));
}

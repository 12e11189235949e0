//! The embedded all-MiniLM-L6-v2 embedder against the real model files that
//! `scripts/fetch-models.sh` fetches (`make test` runs it first).

use std::path::PathBuf;
use std::sync::LazyLock;

use morningai_ai::{AiError, Embedder, LocalEmbedder};

const TOLERANCE: f32 = 1e-4;

fn model_dir() -> PathBuf {
    std::env::var_os("MORNINGAI_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
        .join("all-MiniLM-L6-v2")
}

/// One model for all tests of this binary.
static EMBEDDER: LazyLock<LocalEmbedder> = LazyLock::new(|| {
    let dir = model_dir();
    for file in ["model.safetensors", "tokenizer.json"] {
        let path = dir.join(file);
        assert!(
            path.is_file(),
            "{} is missing: run scripts/fetch-models.sh (make test does)",
            path.display()
        );
    }
    LocalEmbedder::load(&dir).expect("load all-MiniLM-L6-v2")
});

fn embedder() -> LocalEmbedder {
    EMBEDDER.clone()
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= TOLERANCE,
        "{what}: vectors differ by up to {worst}"
    );
}

#[tokio::test]
async fn reports_its_identity() {
    let e = embedder();
    assert_eq!(e.provider(), "local");
    assert_eq!(e.model(), "all-MiniLM-L6-v2");
    assert_eq!(e.dimensions(), 384);
}

#[tokio::test]
async fn vectors_have_384_dimensions_and_unit_norm() {
    let e = embedder();
    let long = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    let input = texts(&["Hello world", "", "Café déjà vu — 東京", &long]);
    let res = e.embed(&input).await.unwrap();
    assert_eq!(res.model, "all-MiniLM-L6-v2");
    assert_eq!(res.vectors.len(), input.len());
    for (text, v) in input.iter().zip(&res.vectors) {
        assert_eq!(v.len(), 384, "{text:?}");
        assert!(v.iter().all(|x| x.is_finite()), "{text:?}");
        let norm = dot(v, v).sqrt();
        assert!((norm - 1.0).abs() <= TOLERANCE, "{text:?}: norm {norm}");
    }
}

#[tokio::test]
async fn usage_counts_real_tokens_with_truncation_at_256() {
    let e = embedder();
    // [CLS] hello world [SEP] = 4; [CLS] [SEP] = 2; the long text is cut to 256.
    let long = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    let res = e.embed(&texts(&["Hello world", "", &long])).await.unwrap();
    assert_eq!(res.usage.prompt_tokens, 4 + 2 + 256);
    assert_eq!(res.usage.completion_tokens, 0);
}

#[tokio::test]
async fn empty_input_gives_no_vectors() {
    let res = embedder().embed(&[]).await.unwrap();
    assert!(res.vectors.is_empty());
    assert_eq!(res.usage.prompt_tokens, 0);
}

#[tokio::test]
async fn similar_sentences_score_closer_than_unrelated_ones() {
    let e = embedder();
    let res = e
        .embed(&texts(&[
            "A man is playing a guitar.",
            "Someone plays an instrument.",
            "The stock market fell today.",
        ]))
        .await
        .unwrap();
    let v = &res.vectors;
    // Vectors are normalised: cosine similarity is the dot product.
    let similar = dot(&v[0], &v[1]);
    let unrelated = dot(&v[0], &v[2]);
    let unrelated2 = dot(&v[1], &v[2]);
    assert!(similar > 0.5, "similar pair scores {similar}");
    assert!(
        unrelated < 0.2 && unrelated2 < 0.2,
        "unrelated pairs score {unrelated}, {unrelated2}"
    );
    assert!(
        similar > unrelated + 0.3,
        "similar {similar} vs unrelated {unrelated}"
    );
}

#[tokio::test]
async fn same_text_embeds_the_same_alone_twice_and_padded_in_a_batch() {
    let e = embedder();
    let text = "A man is playing a guitar.";
    let alone = e.embed(&texts(&[text])).await.unwrap().vectors.remove(0);
    let again = e.embed(&texts(&[text])).await.unwrap().vectors.remove(0);
    assert_close(&alone, &again, "twice");

    // In a batch with longer texts the short one is padded; with a batch size
    // of 2 the inputs also spread over several forward passes, sorted by length.
    let long = "The quick brown fox jumps over the lazy dog. ".repeat(10);
    let batch = texts(&[
        &long,
        "Hi",
        text,
        "Someone plays an instrument on a sunny afternoon in the park.",
        text,
    ]);
    for e in [e.clone(), e.clone().with_batch_size(2)] {
        let res = e.embed(&batch).await.unwrap();
        assert_eq!(res.vectors.len(), batch.len());
        assert_close(&res.vectors[2], &alone, "in a batch");
        assert_close(&res.vectors[4], &alone, "in a batch, twice");
        // Order is kept: each vector is its own text's.
        for (i, t) in batch.iter().enumerate() {
            let single = e
                .embed(std::slice::from_ref(t))
                .await
                .unwrap()
                .vectors
                .remove(0);
            assert_close(&res.vectors[i], &single, &format!("batch item {i}"));
        }
    }
}

/// The first components of sentence-transformers'
/// `SentenceTransformer("all-MiniLM-L6-v2").encode(...)` for these texts (as
/// published, and recomputed with an independent float64 implementation of the
/// model); `LONG` (400+ tokens) checks the truncation to 256 tokens.
#[rustfmt::skip]
const REFERENCE: [(&str, [f32; 6]); 5] = [
    ("This is an example sentence", [0.06765693, 0.06349593, 0.04871314, 0.07930495, 0.03744806, 0.00265273]),
    ("Each sentence is converted.", [0.07853645, 0.08856265, -0.0020927, -0.00717247, -0.01252624, 0.01881747]),
    ("", [-0.11883835, 0.04829856, -0.00254805, -0.01101118, 0.0519507, 0.01029179]),
    ("Café déjà vu — 東京", [0.05083271, 0.00967685, 0.09635572, -0.00997369, -0.01987603, 0.01692343]),
    ("LONG", [0.06227807, -0.05786294, 0.07232648, -0.00595944, -0.04538719, 0.00576147]),
];

#[tokio::test]
async fn matches_sentence_transformers_reference_values() {
    let e = embedder();
    let long = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    let input: Vec<String> = REFERENCE
        .iter()
        .map(|(t, _)| {
            if *t == "LONG" {
                long.clone()
            } else {
                t.to_string()
            }
        })
        .collect();
    let res = e.embed(&input).await.unwrap();
    for ((text, expected), v) in REFERENCE.iter().zip(&res.vectors) {
        assert_close(&v[..6], expected, &format!("reference for {text:?}"));
    }
    assert_eq!(res.usage.prompt_tokens, 7 + 7 + 2 + 9 + 256);
}

#[test]
fn loading_from_a_missing_directory_is_a_local_error() {
    let dir = std::env::temp_dir().join("morningai-no-such-model-dir");
    match LocalEmbedder::load(&dir) {
        Err(AiError::Local(message)) => assert!(message.contains("tokenizer.json"), "{message}"),
        other => panic!("expected AiError::Local, got {other:?}"),
    }
}

#[test]
fn loading_a_directory_without_weights_is_a_local_error() {
    let src = model_dir();
    assert!(
        src.join("tokenizer.json").is_file(),
        "{} is missing: run scripts/fetch-models.sh (make test does)",
        src.join("tokenizer.json").display()
    );
    let dir =
        std::env::temp_dir().join(format!("morningai-embed-noweights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(src.join("tokenizer.json"), dir.join("tokenizer.json")).unwrap();
    let result = LocalEmbedder::load(&dir);
    std::fs::remove_dir_all(&dir).ok();
    match result {
        Err(AiError::Local(message)) => assert!(message.contains("model.safetensors"), "{message}"),
        other => panic!("expected AiError::Local, got {other:?}"),
    }
}

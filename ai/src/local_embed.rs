//! The embedded local embedder: all-MiniLM-L6-v2 (sentence-transformers) run
//! on the CPU with candle's BERT, no server and no network.
//!
//! It reproduces what sentence-transformers does for this model: WordPiece
//! tokenisation from `tokenizer.json` (truncated to 256 tokens, the model's
//! `max_seq_length`), the 6-layer BERT encoder, mean pooling over the attention
//! mask, then L2 normalisation — so vectors have 384 dimensions and norm 1,
//! and cosine similarity is a dot product.
//!
//! The model directory (`models/all-MiniLM-L6-v2/`, filled by
//! `scripts/fetch-models.sh`) holds `model.safetensors`, `tokenizer.json` and
//! optionally `config.json`; without the latter the standard all-MiniLM-L6-v2
//! configuration is used.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, HiddenAct, PositionEmbeddingType};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::{AiError, EmbedResponse, Embedder, Usage};

/// The model's name, as [`Embedder::model`] reports it.
pub const MODEL: &str = "all-MiniLM-L6-v2";
/// The length of its vectors.
pub const DIMENSIONS: usize = 384;
/// The longest input in tokens (special tokens included); longer texts are
/// truncated, as sentence-transformers does (`max_seq_length`).
pub const MAX_TOKENS: usize = 256;
/// The most texts per forward pass unless [`LocalEmbedder::with_batch_size`]
/// says otherwise. Short texts run best in large batches (bigger matrix
/// products); long ones are held back by [`TOKENS_PER_BATCH`].
pub const DEFAULT_BATCH_SIZE: usize = 128;
/// The most padded tokens per forward pass: 32 texts of the full 256 tokens,
/// more when shorter. Bounds memory (attention is quadratic in length).
pub const TOKENS_PER_BATCH: usize = 32 * MAX_TOKENS;

/// all-MiniLM-L6-v2 on the CPU. Cheap to clone (the weights are shared).
#[derive(Clone)]
pub struct LocalEmbedder {
    inner: Arc<Inner>,
    batch_size: usize,
}

struct Inner {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

impl std::fmt::Debug for LocalEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEmbedder")
            .field("model", &MODEL)
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

fn local(context: &str, err: impl std::fmt::Display) -> AiError {
    AiError::Local(format!("{context}: {err}"))
}

/// The standard all-MiniLM-L6-v2 configuration, for a directory without `config.json`.
fn default_config() -> Config {
    Config {
        vocab_size: 30522,
        hidden_size: DIMENSIONS,
        num_hidden_layers: 6,
        num_attention_heads: 12,
        intermediate_size: 1536,
        hidden_act: HiddenAct::Gelu,
        hidden_dropout_prob: 0.1,
        max_position_embeddings: 512,
        type_vocab_size: 2,
        initializer_range: 0.02,
        layer_norm_eps: 1e-12,
        pad_token_id: 0,
        position_embedding_type: PositionEmbeddingType::Absolute,
        use_cache: true,
        classifier_dropout: None,
        model_type: Some("bert".to_string()),
    }
}

impl LocalEmbedder {
    /// Loads the model from `dir` (`model.safetensors`, `tokenizer.json`,
    /// optionally `config.json`). Fails with [`AiError::Local`] when a file is
    /// missing or does not hold this model.
    pub fn load(dir: &Path) -> Result<Self, AiError> {
        let device = Device::Cpu;

        let config_path = dir.join("config.json");
        let config = if config_path.exists() {
            let text = std::fs::read_to_string(&config_path)
                .map_err(|e| local(&format!("cannot read {}", config_path.display()), e))?;
            serde_json::from_str::<Config>(&text)
                .map_err(|e| local(&format!("invalid {}", config_path.display()), e))?
        } else {
            default_config()
        };
        if config.hidden_size != DIMENSIONS {
            return Err(AiError::Local(format!(
                "{} describes a model with {} dimensions, not {MODEL} ({DIMENSIONS})",
                config_path.display(),
                config.hidden_size
            )));
        }

        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| local(&format!("cannot load {}", tokenizer_path.display()), e))?;
        // tokenizer.json pads every input to a fixed 128 and truncates there; we
        // pad per batch ourselves and truncate where sentence-transformers does.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: MAX_TOKENS.min(config.max_position_embeddings),
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| local("cannot set truncation", e))?;

        let weights_path = dir.join("model.safetensors");
        // Read (not mmap) the ~90 MB of weights: no `unsafe`, and the file may
        // change afterwards without harm.
        let tensors = candle_core::safetensors::load(&weights_path, &device)
            .map_err(|e| local(&format!("cannot load {}", weights_path.display()), e))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = BertModel::load(vb, &config).map_err(|e| {
            local(
                &format!("{} is not a {MODEL} model", weights_path.display()),
                e,
            )
        })?;

        Ok(Self {
            inner: Arc::new(Inner {
                model,
                tokenizer,
                device,
            }),
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

    /// Embeds on the calling thread (blocking: CPU-bound for milliseconds to
    /// seconds). [`Embedder::embed`] runs this off the async runtime.
    pub fn embed_blocking(&self, texts: &[String]) -> Result<(Vec<Vec<f32>>, Usage), AiError> {
        self.inner.embed(texts, self.batch_size)
    }
}

impl Inner {
    fn embed(
        &self,
        texts: &[String],
        batch_size: usize,
    ) -> Result<(Vec<Vec<f32>>, Usage), AiError> {
        if texts.is_empty() {
            return Ok((Vec::new(), Usage::default()));
        }
        let inputs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| local("tokenisation failed", e))?;
        let ids: Vec<&[u32]> = encodings.iter().map(|e| e.get_ids()).collect();
        let prompt_tokens: usize = ids.iter().map(|i| i.len()).sum();

        // Longest first, so each batch holds texts of similar length and pads
        // little (sentence-transformers sorts too); results go back in order.
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
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i]).collect();
            let out = self
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

    /// One forward pass: token ids (unpadded) in, normalised mean-pooled vectors out.
    fn forward(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let n = batch.len();
        let len = batch.iter().map(|i| i.len()).max().unwrap_or(0).max(1);
        let mut input_ids = vec![0u32; n * len]; // [PAD] is 0
        let mut mask = vec![0u32; n * len];
        for (row, ids) in batch.iter().enumerate() {
            input_ids[row * len..row * len + ids.len()].copy_from_slice(ids);
            mask[row * len..row * len + ids.len()].fill(1);
        }
        let input_ids = Tensor::from_vec(input_ids, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        let token_type_ids = input_ids.zeros_like()?;

        let hidden = self
            .model
            .forward(&input_ids, &token_type_ids, Some(&mask))?; // (n, len, 384)

        // Mean over the real tokens: sum(hidden * mask) / max(sum(mask), 1e-9).
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (n, len, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (n, 384)
        let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?; // (n, 1)
        let mean = summed.broadcast_div(&counts)?;
        // L2 normalisation, as torch.nn.functional.normalize (eps 1e-12).
        let norms = mean
            .sqr()?
            .sum_keepdim(D::Minus1)?
            .sqrt()?
            .clamp(1e-12f32, f32::MAX)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

#[async_trait]
impl Embedder for LocalEmbedder {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        MODEL
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    /// all-MiniLM-L6-v2 was trained on English.
    fn english_only(&self) -> bool {
        true
    }

    async fn embed(&self, texts: &[String]) -> Result<EmbedResponse, AiError> {
        let started = Instant::now();
        let (vectors, usage) = if texts.is_empty() {
            (Vec::new(), Usage::default())
        } else {
            let this = self.clone();
            let texts = texts.to_vec();
            tokio::task::spawn_blocking(move || this.embed_blocking(&texts))
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

//! The encoder: multilingual-e5-small's 12-layer BERT, its Q4_0 matrices
//! dequantised to f32 at load and run by candle_transformers' [`BertEncoder`]
//! (the tensors renamed to BERT's names), behind our own embedding step.
//!
//! The embedding step is ours because the word embeddings stay 4-bit: the
//! 250,037 × 384 table would take 384 MB as f32 (54 MB as Q4_0), and a batch
//! only needs a few hundred rows, dequantised on the fly exactly as `e5.c`
//! does (`deq_row`). Then, as `e5.c`'s `forward_batch`: word + position
//! (0-based: the file's 512 rows are BERT's, no XLM-R `padding_idx` offset) +
//! token type 0, LayerNorm, the encoder, and mean pooling over every token
//! (`<s>` and `</s>` included) then L2 normalisation.
//!
//! `e5.c` also quantises activations to int8 before each matrix product
//! (int8 × int4 kernels); here activations stay f32, which is closer to the
//! original model. Vectors agree with `e5.c`'s to a cosine of about 0.999+.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, D};
use candle_nn::{LayerNorm, Module, VarBuilder};
use candle_transformers::models::bert::{BertEncoder, Config, HiddenAct, PositionEmbeddingType};

use super::format::{dequantize_q4_0, Header, ModelFile, TensorRef, Q4_BLOCK_BYTES, QK};

/// The file's tensor names (per layer, after `l{i}.`) → BERT's.
const LAYER_TENSORS: [(&str, &str); 16] = [
    ("q.w", "attention.self.query.weight"),
    ("q.b", "attention.self.query.bias"),
    ("k.w", "attention.self.key.weight"),
    ("k.b", "attention.self.key.bias"),
    ("v.w", "attention.self.value.weight"),
    ("v.b", "attention.self.value.bias"),
    ("ao.w", "attention.output.dense.weight"),
    ("ao.b", "attention.output.dense.bias"),
    ("aln.w", "attention.output.LayerNorm.weight"),
    ("aln.b", "attention.output.LayerNorm.bias"),
    ("fi.w", "intermediate.dense.weight"),
    ("fi.b", "intermediate.dense.bias"),
    ("fo.w", "output.dense.weight"),
    ("fo.b", "output.dense.bias"),
    ("oln.w", "output.LayerNorm.weight"),
    ("oln.b", "output.LayerNorm.bias"),
];

pub(super) struct E5Model {
    hidden: usize,
    /// The word embeddings, still Q4_0: `vocab` rows of `hidden / 32` blocks.
    word_q4: Vec<u8>,
    vocab: usize,
    /// `max_positions × hidden`, f32.
    positions: Vec<f32>,
    /// Token type 0's embedding (the only type used).
    token_type: Vec<f32>,
    embed_norm: LayerNorm,
    encoder: BertEncoder,
    device: Device,
}

/// Shape of each tensor, as BERT has it (rows × columns for matrices).
fn expected_shape(name: &str, h: &Header) -> Option<Vec<usize>> {
    let (hid, ffn) = (h.hidden, h.ffn);
    Some(match name {
        "emb.word" => vec![h.vocab, hid],
        "emb.pos" => vec![h.max_positions, hid],
        "emb.type" => vec![h.type_vocab, hid],
        "emb.ln.w" | "emb.ln.b" => vec![hid],
        _ => {
            let (_, suffix) = name.split_once('.')?;
            match suffix {
                "q.w" | "k.w" | "v.w" | "ao.w" => vec![hid, hid],
                "fi.w" => vec![ffn, hid],
                "fo.w" => vec![hid, ffn],
                "fi.b" => vec![ffn],
                _ => vec![hid],
            }
        }
    })
}

impl E5Model {
    /// Builds the model from the parsed file and its bytes.
    pub fn load(file: &ModelFile, data: &[u8], device: &Device) -> Result<Self, String> {
        let h = &file.header;
        if h.hidden % h.heads != 0 || h.hidden % QK != 0 || h.ffn % QK != 0 {
            return Err(format!(
                "unexpected dimensions: hidden {}, heads {}, FFN {}",
                h.hidden, h.heads, h.ffn
            ));
        }
        if h.type_vocab == 0 || h.max_positions < 3 {
            return Err("no token types or positions".into());
        }

        // Each tensor as f32 values, checked against its expected shape.
        let get = |name: &str| -> Result<(TensorRef, Vec<usize>), String> {
            let t = *file
                .tensors
                .get(name)
                .ok_or_else(|| format!("tensor {name} is missing"))?;
            let shape = expected_shape(name, h).expect("known name");
            if shape.iter().product::<usize>() != t.elements {
                return Err(format!(
                    "tensor {name} has {} elements, expected {shape:?}",
                    t.elements
                ));
            }
            Ok((t, shape))
        };
        let values = |name: &str| -> Result<(Vec<f32>, Vec<usize>), String> {
            let (t, shape) = get(name)?;
            let bytes = &data[t.offset..t.offset + t.bytes];
            let mut out = vec![0f32; t.elements];
            if t.dtype == 0 {
                for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *o = f32::from_le_bytes(b.try_into().expect("4 bytes"));
                }
            } else {
                dequantize_q4_0(bytes, &mut out);
            }
            Ok((out, shape))
        };
        let tensor = |name: &str| -> Result<Tensor, String> {
            let (v, shape) = values(name)?;
            Tensor::from_vec(v, shape, device).map_err(|e| e.to_string())
        };

        let (word, _) = get("emb.word")?;
        if word.dtype != 1 {
            return Err("emb.word is not Q4_0".into());
        }
        let word_q4 = data[word.offset..word.offset + word.bytes].to_vec();
        let (positions, _) = values("emb.pos")?;
        let (types, _) = values("emb.type")?;
        let token_type = types[..h.hidden].to_vec();
        let embed_norm = LayerNorm::new(tensor("emb.ln.w")?, tensor("emb.ln.b")?, f64::from(h.eps));

        let mut tensors = HashMap::new();
        for l in 0..h.layers {
            for (ours, bert) in LAYER_TENSORS {
                tensors.insert(
                    format!("layer.{l}.{bert}"),
                    tensor(&format!("l{l}.{ours}"))?,
                );
            }
        }
        let config = Config {
            vocab_size: h.vocab,
            hidden_size: h.hidden,
            num_hidden_layers: h.layers,
            num_attention_heads: h.heads,
            intermediate_size: h.ffn,
            hidden_act: HiddenAct::Gelu, // erf GELU, as e5.c
            hidden_dropout_prob: 0.0,
            max_position_embeddings: h.max_positions,
            type_vocab_size: h.type_vocab,
            initializer_range: 0.02,
            layer_norm_eps: f64::from(h.eps),
            pad_token_id: 0,
            position_embedding_type: PositionEmbeddingType::Absolute,
            use_cache: false,
            classifier_dropout: None,
            model_type: Some("bert".to_string()),
        };
        let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
        let encoder = BertEncoder::load(vb, &config).map_err(|e| e.to_string())?;

        Ok(Self {
            hidden: h.hidden,
            word_q4,
            vocab: h.vocab,
            positions,
            token_type,
            embed_norm,
            encoder,
            device: device.clone(),
        })
    }

    /// The longest input in tokens.
    pub fn max_positions(&self) -> usize {
        self.positions.len() / self.hidden
    }

    /// One forward pass: token ids (unpadded, `<s>`…`</s>`) in, normalised
    /// mean-pooled vectors out.
    pub fn forward(&self, batch: &[&[u32]]) -> candle_core::Result<Vec<Vec<f32>>> {
        let (n, hid) = (batch.len(), self.hidden);
        let len = batch.iter().map(|i| i.len()).max().unwrap_or(0).max(1);
        if len > self.max_positions() {
            candle_core::bail!("{len} tokens, more than {}", self.max_positions());
        }
        let row_bytes = hid / QK * Q4_BLOCK_BYTES;

        // Embeddings: word + position + token type 0 (padding rows stay 0).
        let mut x = vec![0f32; n * len * hid];
        let mut mask = vec![0f32; n * len];
        for (row, ids) in batch.iter().enumerate() {
            for (p, &id) in ids.iter().enumerate() {
                let id = id as usize;
                if id >= self.vocab {
                    candle_core::bail!("token id {id} is outside the vocabulary");
                }
                let out = &mut x[(row * len + p) * hid..][..hid];
                dequantize_q4_0(&self.word_q4[id * row_bytes..][..row_bytes], out);
                let pos = &self.positions[p * hid..][..hid];
                for ((o, &pe), &te) in out.iter_mut().zip(pos).zip(&self.token_type) {
                    *o += pe + te;
                }
                mask[row * len + p] = 1.0;
            }
        }
        let x = Tensor::from_vec(x, (n, len, hid), &self.device)?;
        let x = self.embed_norm.forward(&x)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        // Additive attention mask, (n, 1, 1, len): 0 for tokens, f32::MIN for
        // padding (as candle's BertModel builds it).
        let additive = ((1.0 - &mask)? * f64::from(f32::MIN))?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        let hidden = self.encoder.forward(&x, &additive)?; // (n, len, hid)

        // Mean over the real tokens, then L2 normalisation (e5.c: eps 1e-12 on
        // the squared norm; no text has zero tokens).
        let mask = mask.unsqueeze(2)?; // (n, len, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (n, hid)
        let counts = mask.sum(1)?.clamp(1f32, f32::MAX)?; // (n, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean
            .sqr()?
            .sum_keepdim(D::Minus1)?
            .clamp(1e-12f32, f32::MAX)?
            .sqrt()?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

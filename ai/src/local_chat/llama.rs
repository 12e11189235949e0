//! A lean llama forward pass for small GGUF models whose matrices are Q4_1
//! or Q8_0 (SmolLM2-135M-Instruct: Q4_1 layers, Q8_0 embeddings).
//!
//! Why not candle's `quantized_llama`: it runs the model op by op, each op a
//! fresh tensor and a trip through candle's thread pool, and candle 0.11 has no
//! SIMD kernel for Q4_1 (so the weights had to be re-encoded as Q8_0 at load:
//! 2.3 s and 550 MB). For a 135M model that overhead dominates. Measured on
//! this project's 2-core machine with 2 threads, in the same run as llama.cpp
//! (`ai/benches/local_models.rs`): candle reached about a third of llama.cpp's
//! prompt rate and a twentieth of its generation rate; this module is at or
//! above llama.cpp on both (the figures are in the benchmark's report).
//!
//! What it does instead: the file's weights as they are (no re-encoding), the
//! matrices applied to the same input stacked into one (Q, K and V; gate and
//! up), activations quantized to 8 bits once per matrix input and multiplied
//! by [`quant`]'s kernels (several tokens per weight block while reading a
//! prompt), a KV cache per session that grows as needed, scratch buffers
//! reused from one call to the next, and one rayon pool of the configured
//! size for everything. Greedy decoding is deterministic: every reduction
//! has a fixed order whatever the thread count.
//!
//! [`LlamaWeights::from_gguf`] returns `None` for a file it does not cover
//! (other weight formats, other shapes); the caller then uses candle.

use std::io::{Read, Seek, SeekFrom};

use candle_core::quantized::{gguf_file, GgmlDType};
use rayon::prelude::*;

use super::quant::{
    self, blocks_from_bytes, rms_norm, silu_mul, ActBlock, BlockQ4_1, BlockQ8_0, QMatrix, BLOCK,
};

/// The model's dimensions, from the GGUF metadata.
#[derive(Clone, Debug)]
pub struct Config {
    pub layers: usize,
    pub dim: usize,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub ff: usize,
    pub vocab: usize,
    pub eps: f32,
    pub rope_base: f32,
}

impl Config {
    fn kv_dim(&self) -> usize {
        self.kv_heads * self.head_dim
    }
}

struct Layer {
    attn_norm: Vec<f32>,
    /// Q, K and V stacked: `dim + 2 * kv_dim` rows.
    qkv: QMatrix,
    wo: QMatrix,
    ffn_norm: Vec<f32>,
    /// Gate and up stacked: `2 * ff` rows.
    gate_up: QMatrix,
    down: QMatrix,
}

/// The weights, shared by all sessions.
pub struct LlamaWeights {
    config: Config,
    embed: QMatrix,
    layers: Vec<Layer>,
    norm: Vec<f32>,
    /// `None`: the output projection is the embedding matrix (tied).
    output: Option<QMatrix>,
    /// `1 / base^(2i / head_dim)` for each rotated pair.
    inv_freq: Vec<f32>,
    pool: rayon::ThreadPool,
}

/// What a tensor could not be read as.
type LoadError = String;

fn read_tensor_bytes<R: Read + Seek>(
    content: &gguf_file::Content,
    reader: &mut R,
    name: &str,
) -> Result<(GgmlDType, Vec<usize>, Vec<u8>), LoadError> {
    let info = content
        .tensor_infos
        .get(name)
        .ok_or_else(|| format!("no tensor {name}"))?;
    let dims = info.shape.dims().to_vec();
    let elems: usize = dims.iter().product();
    let dtype = info.ggml_dtype;
    let bytes = elems / dtype.block_size() * dtype.type_size();
    reader
        .seek(SeekFrom::Start(content.tensor_data_offset + info.offset))
        .map_err(|e| format!("{name}: {e}"))?;
    let mut data = vec![0u8; bytes];
    reader
        .read_exact(&mut data)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok((dtype, dims, data))
}

/// A 2-D Q4_1 or Q8_0 tensor of `rows x cols`, or `Ok(None)` for another format.
fn read_matrix<R: Read + Seek>(
    content: &gguf_file::Content,
    reader: &mut R,
    name: &str,
    rows: usize,
    cols: usize,
) -> Result<Option<QMatrix>, LoadError> {
    let (dtype, dims, data) = read_tensor_bytes(content, reader, name)?;
    if dims != [rows, cols] {
        return Err(format!("{name}: shape {dims:?}, expected [{rows}, {cols}]"));
    }
    Ok(match dtype {
        GgmlDType::Q4_1 => Some(QMatrix::Q4_1 {
            rows,
            cols,
            blocks: blocks_from_bytes::<BlockQ4_1>(&data),
        }),
        GgmlDType::Q8_0 => Some(QMatrix::Q8_0 {
            rows,
            cols,
            blocks: blocks_from_bytes::<BlockQ8_0>(&data),
        }),
        _ => None,
    })
}

/// A 1-D F32 or F16 tensor of `len`, or `Ok(None)` for another format.
fn read_vector<R: Read + Seek>(
    content: &gguf_file::Content,
    reader: &mut R,
    name: &str,
    len: usize,
) -> Result<Option<Vec<f32>>, LoadError> {
    let (dtype, dims, data) = read_tensor_bytes(content, reader, name)?;
    if dims != [len] {
        return Err(format!("{name}: shape {dims:?}, expected [{len}]"));
    }
    Ok(match dtype {
        GgmlDType::F32 => Some(
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        GgmlDType::F16 => Some(
            data.chunks_exact(2)
                .map(|b| quant::f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
        ),
        _ => None,
    })
}

impl LlamaWeights {
    /// The model in `content` (a llama-architecture GGUF), computing on a pool
    /// of `threads` threads. `Ok(None)` when the file holds something this
    /// module does not cover; `Err` when it is inconsistent or unreadable.
    pub fn from_gguf<R: Read + Seek>(
        content: &gguf_file::Content,
        reader: &mut R,
        threads: usize,
    ) -> Result<Option<Self>, LoadError> {
        let Some(config) = config(content) else {
            return Ok(None);
        };
        let (dim, kv_dim, ff) = (config.dim, config.kv_dim(), config.ff);
        macro_rules! some {
            ($e:expr) => {
                match $e? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            };
        }
        let embed = some!(read_matrix(
            content,
            reader,
            "token_embd.weight",
            config.vocab,
            dim
        ));
        let output = if content.tensor_infos.contains_key("output.weight") {
            Some(some!(read_matrix(
                content,
                reader,
                "output.weight",
                config.vocab,
                dim
            )))
        } else {
            None
        };
        let norm = some!(read_vector(content, reader, "output_norm.weight", dim));
        let mut layers = Vec::with_capacity(config.layers);
        for i in 0..config.layers {
            let name = |t: &str| format!("blk.{i}.{t}.weight");
            let mut matrix =
                |t: &str, rows, cols| read_matrix(content, reader, &name(t), rows, cols);
            let q = some!(matrix("attn_q", dim, dim));
            let k = some!(matrix("attn_k", kv_dim, dim));
            let v = some!(matrix("attn_v", kv_dim, dim));
            let wo = some!(matrix("attn_output", dim, dim));
            let gate = some!(matrix("ffn_gate", ff, dim));
            let up = some!(matrix("ffn_up", ff, dim));
            let down = some!(matrix("ffn_down", dim, ff));
            let Some(qkv) = q.stacked(k).and_then(|qk| qk.stacked(v)) else {
                return Ok(None);
            };
            let Some(gate_up) = gate.stacked(up) else {
                return Ok(None);
            };
            layers.push(Layer {
                attn_norm: some!(read_vector(content, reader, &name("attn_norm"), dim)),
                qkv,
                wo,
                ffn_norm: some!(read_vector(content, reader, &name("ffn_norm"), dim)),
                gate_up,
                down,
            });
        }
        let half = config.head_dim / 2;
        let inv_freq = (0..half)
            .map(|i| {
                1.0 / config
                    .rope_base
                    .powf(2.0 * i as f32 / config.head_dim as f32)
            })
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("local-chat-{i}"))
            .build()
            .map_err(|e| format!("cannot start the inference threads: {e}"))?;
        Ok(Some(Self {
            config,
            embed,
            layers,
            norm,
            output,
            inv_freq,
            pool,
        }))
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `tokens` (at positions `state.len()..`) through the model, adding
    /// them to `state`'s cache, and returns the logits after the last one.
    pub fn forward<'s>(&self, state: &'s mut LlamaState, tokens: &[u32]) -> &'s [f32] {
        assert!(!tokens.is_empty(), "no tokens");
        self.pool.install(|| self.forward_in_pool(state, tokens));
        &state.logits
    }

    fn forward_in_pool(&self, s: &mut LlamaState, tokens: &[u32]) {
        let c = &self.config;
        let (n, dim, kv_dim, hd) = (tokens.len(), c.dim, c.kv_dim(), c.head_dim);
        let qkv_dim = dim + 2 * kv_dim;
        let start = s.len;
        s.x.resize(n * dim, 0.0);
        s.xn.resize(n * dim, 0.0);
        s.qkv.resize(n * qkv_dim, 0.0);
        s.attn.resize(n * dim, 0.0);
        s.gate_up.resize(n * 2 * c.ff, 0.0);
        s.ff.resize(n * c.ff, 0.0);
        for (x, &t) in s.x.chunks_exact_mut(dim).zip(tokens) {
            self.embed.dequantize_row((t as usize).min(c.vocab - 1), x);
        }
        // cos/sin per token and rotated pair, shared by all layers.
        let half = hd / 2;
        s.rope.clear();
        for p in start..start + n {
            for &f in &self.inv_freq {
                let (sin, cos) = (p as f32 * f).sin_cos();
                s.rope.push((cos, sin));
            }
        }

        for (layer, cache) in self.layers.iter().zip(s.cache.iter_mut()) {
            // Attention.
            for (x, xn) in s.x.chunks_exact(dim).zip(s.xn.chunks_exact_mut(dim)) {
                rms_norm(x, &layer.attn_norm, c.eps, xn);
            }
            quant::quantize_rows(&s.xn, dim, &mut s.acts);
            quant::matmul(&layer.qkv, &s.acts, &mut s.qkv);
            for (t, row) in s.qkv.chunks_exact_mut(qkv_dim).enumerate() {
                let rope = &s.rope[t * half..(t + 1) * half];
                // Q and K heads are contiguous in the row; V is not rotated.
                for head in row[..dim + kv_dim].chunks_exact_mut(hd) {
                    for (pair, &(cos, sin)) in head.chunks_exact_mut(2).zip(rope) {
                        let (a, b) = (pair[0], pair[1]);
                        pair[0] = a * cos - b * sin;
                        pair[1] = a * sin + b * cos;
                    }
                }
                cache.keys.extend_from_slice(&row[dim..dim + kv_dim]);
                cache.values.extend_from_slice(&row[dim + kv_dim..]);
            }
            let group = c.heads / c.kv_heads;
            let scale = 1.0 / (hd as f32).sqrt();
            let (qkv, keys, values) = (&s.qkv, &cache.keys, &cache.values);
            s.attn
                .par_chunks_mut(hd)
                .enumerate()
                .with_min_len(2)
                .for_each_init(Vec::new, |scores, (i, out)| {
                    let (t, h) = (i / c.heads, i % c.heads);
                    let q = &qkv[t * qkv_dim + h * hd..][..hd];
                    let kv = (h / group) * hd;
                    quant::attend(
                        q,
                        keys,
                        values,
                        kv,
                        kv_dim,
                        start + t + 1,
                        scale,
                        scores,
                        out,
                    );
                });
            quant::quantize_rows(&s.attn, dim, &mut s.acts);
            quant::matmul(&layer.wo, &s.acts, &mut s.xn);
            add(&mut s.x, &s.xn);

            // Feed-forward (SwiGLU).
            for (x, xn) in s.x.chunks_exact(dim).zip(s.xn.chunks_exact_mut(dim)) {
                rms_norm(x, &layer.ffn_norm, c.eps, xn);
            }
            quant::quantize_rows(&s.xn, dim, &mut s.acts);
            quant::matmul(&layer.gate_up, &s.acts, &mut s.gate_up);
            for (gu, ff) in s
                .gate_up
                .chunks_exact(2 * c.ff)
                .zip(s.ff.chunks_exact_mut(c.ff))
            {
                ff.copy_from_slice(&gu[..c.ff]);
                silu_mul(ff, &gu[c.ff..]);
            }
            quant::quantize_rows(&s.ff, c.ff, &mut s.acts);
            quant::matmul(&layer.down, &s.acts, &mut s.xn);
            add(&mut s.x, &s.xn);
        }
        s.len += n;

        // Logits of the last token only.
        let last = &s.x[(n - 1) * dim..];
        let mut normed = vec![0f32; dim];
        rms_norm(last, &self.norm, c.eps, &mut normed);
        quant::quantize_rows(&normed, dim, &mut s.acts);
        s.logits.resize(c.vocab, 0.0);
        quant::matmul(
            self.output.as_ref().unwrap_or(&self.embed),
            &s.acts,
            &mut s.logits,
        );
    }
}

fn add(x: &mut [f32], y: &[f32]) {
    for (x, y) in x.iter_mut().zip(y) {
        *x += y;
    }
}

/// The model's dimensions, or `None` when the metadata is missing or the
/// shapes are beyond this module (head sizes, block multiples).
fn config(content: &gguf_file::Content) -> Option<Config> {
    let u = |key: &str| {
        content
            .metadata
            .get(&format!("llama.{key}"))
            .and_then(|v| v.to_u32().ok())
            .map(|v| v as usize)
    };
    let f = |key: &str| {
        content
            .metadata
            .get(&format!("llama.{key}"))
            .and_then(|v| v.to_f32().ok())
    };
    let dim = u("embedding_length")?;
    let heads = u("attention.head_count")?;
    let kv_heads = u("attention.head_count_kv").unwrap_or(heads);
    let vocab = content
        .tensor_infos
        .get("token_embd.weight")?
        .shape
        .dims()
        .first()
        .copied()?;
    let config = Config {
        layers: u("block_count")?,
        dim,
        heads,
        kv_heads,
        head_dim: dim / heads.max(1),
        ff: u("feed_forward_length")?,
        vocab,
        eps: f("attention.layer_norm_rms_epsilon").unwrap_or(1e-5),
        rope_base: f("rope.freq_base").unwrap_or(10_000.0),
    };
    let rope_dim = u("rope.dimension_count").unwrap_or(config.head_dim);
    let fits = heads > 0
        && kv_heads > 0
        && heads % kv_heads == 0
        && config.head_dim * heads == dim
        && rope_dim == config.head_dim
        && config.head_dim % 8 == 0
        && dim % BLOCK == 0
        && config.ff % BLOCK == 0;
    fits.then_some(config)
}

/// One layer's cached keys and values: a `kv_dim`-wide row per position.
#[derive(Default)]
struct KvCache {
    keys: Vec<f32>,
    values: Vec<f32>,
}

/// A sequence being processed: its KV cache and scratch buffers.
pub struct LlamaState {
    len: usize,
    cache: Vec<KvCache>,
    x: Vec<f32>,
    xn: Vec<f32>,
    qkv: Vec<f32>,
    attn: Vec<f32>,
    gate_up: Vec<f32>,
    ff: Vec<f32>,
    acts: Vec<ActBlock>,
    rope: Vec<(f32, f32)>,
    logits: Vec<f32>,
}

impl LlamaState {
    /// An empty sequence, with cache room for `positions` tokens reserved.
    pub fn new(weights: &LlamaWeights, positions: usize) -> Self {
        let kv_dim = weights.config.kv_dim();
        let cache = (0..weights.config.layers)
            .map(|_| KvCache {
                keys: Vec::with_capacity(positions * kv_dim),
                values: Vec::with_capacity(positions * kv_dim),
            })
            .collect();
        Self {
            len: 0,
            cache,
            x: Vec::new(),
            xn: Vec::new(),
            qkv: Vec::new(),
            attn: Vec::new(),
            gate_up: Vec::new(),
            ff: Vec::new(),
            acts: Vec::new(),
            rope: Vec::new(),
            logits: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::io::BufReader;
    use std::path::PathBuf;

    use candle_core::{Device, Tensor};
    use candle_transformers::models::quantized_llama::ModelWeights;

    use super::*;

    fn model_path() -> PathBuf {
        std::env::var_os("MORNINGAI_MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
            .join("SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    /// The forward pass against candle's quantized llama on the real model
    /// (same weights, activations also rounded to 8 bits per block): a prompt,
    /// then single tokens on its cache, then greedy decoding. The logits differ
    /// by the rounding (measured: at most 4% of the largest logit, 1.5% on
    /// average); the chosen tokens do not.
    #[test]
    fn logits_match_candle_quantized_llama() {
        let path = model_path();
        assert!(
            path.is_file(),
            "{} is missing: run scripts/fetch-models.sh",
            path.display()
        );
        let mut reader = BufReader::new(File::open(&path).unwrap());
        let content = gguf_file::Content::read(&mut reader).unwrap();
        let ours = LlamaWeights::from_gguf(&content, &mut reader, 2)
            .unwrap()
            .expect("SmolLM2 is covered");
        let mut theirs = ModelWeights::from_gguf(content, &mut reader, &Device::Cpu).unwrap();

        let mut state = LlamaState::new(&ours, 32);
        let steps: [&[u32]; 3] = [&[1, 9690, 198, 19556, 28, 638, 359, 346, 47], &[2], &[198]];
        let mut position = 0;
        for tokens in steps {
            let got = ours.forward(&mut state, tokens).to_vec();
            let input = Tensor::new(tokens, &Device::Cpu)
                .unwrap()
                .unsqueeze(0)
                .unwrap();
            let expected: Vec<f32> = theirs
                .forward(&input, position)
                .unwrap()
                .squeeze(0)
                .unwrap()
                .to_vec1()
                .unwrap();
            position += tokens.len();
            let argmax = |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
            assert_eq!(argmax(&got), argmax(&expected), "after {position} tokens");
            let spread = expected.iter().fold(0f32, |m, v| m.max(v.abs()));
            let worst = got
                .iter()
                .zip(&expected)
                .fold(0f32, |m, (g, e)| m.max((g - e).abs()));
            let mean = got
                .iter()
                .zip(&expected)
                .map(|(g, e)| (g - e).abs())
                .sum::<f32>()
                / got.len() as f32;
            assert!(
                worst <= 0.08 * spread && mean <= 0.03 * spread,
                "after {position} tokens: off by {worst} at worst, {mean} on average (|max| {spread})"
            );
        }

        // Greedy continuations agree (a wrong rotation or cache would diverge at once).
        let argmax =
            |v: &[f32]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap() as u32;
        let (mut a, mut b) = (vec![198u32], vec![198u32]);
        for _ in 0..12 {
            let last = *a.last().unwrap();
            a.push(argmax(ours.forward(&mut state, &[last])));
            let input = Tensor::new(&[*b.last().unwrap()], &Device::Cpu)
                .unwrap()
                .unsqueeze(0)
                .unwrap();
            let logits: Vec<f32> = theirs
                .forward(&input, position)
                .unwrap()
                .squeeze(0)
                .unwrap()
                .to_vec1()
                .unwrap();
            position += 1;
            b.push(argmax(&logits));
        }
        assert_eq!(a, b);
    }
}

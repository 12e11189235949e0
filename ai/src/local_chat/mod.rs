//! The embedded chat model: SmolLM2-135M-Instruct (a Q4_1 GGUF file) run
//! in-process on the CPU, by this module's own llama forward pass
//! ([`llama`], with [`quant`]'s kernels) when the file's weights are Q4_1 or
//! Q8_0 (SmolLM2's are), else by candle's quantized llama. `llama`'s doc says
//! why it exists (speed: candle's op-by-op execution was 3 to 20 times slower
//! than llama.cpp on this model).
//!
//! Everything comes from the GGUF file: weights, the tokenizer
//! ([`GgufTokenizer`], from `tokenizer.ggml.*`), the chat template
//! ([`ChatTemplate`], from `tokenizer.chat_template`) and the context length.
//! `scripts/fetch-models.sh` puts the file at
//! `models/SmolLM2-135M-Instruct.Q4_1.gguf`.
//!
//! Inference runs on tokio's blocking pool (the forward pass itself on the
//! model's own pool of [`LocalChatOptions::threads`] threads), at most
//! [`LocalChatOptions::concurrency`] requests at a time (the others wait for a
//! slot). Each request gets its own KV cache over the shared weights
//! ([`LocalChatSession`], also public for benchmarks and tools).
//! Sampling: `temperature` `None` or `0` is greedy (deterministic); otherwise
//! candle's `LogitsProcessor` samples with `temperature`, `top_p` and `seed`
//! (a random seed when none is given). Generation ends at a control token
//! (`<|im_end|>`, `<|endoftext|>`, …) or a stop sequence (`finish_reason`
//! `stop`), or at `max_tokens` or the end of the context (`length`).
//! Dropping a `chat` future or a stream stops the generation at the next
//! token. `ChatRequest::json` is not enforced by this model.

mod llama;
mod quant;
mod stop;
mod template;
mod tokenizer;

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::quantized_llama::{ModelWeights, MAX_SEQ_LEN};
use futures::StreamExt;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::{AiError, ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream, Message, Usage};

use stop::{Scan, StopScanner};
pub use template::ChatTemplate;
pub use tokenizer::GgufTokenizer;
use tokenizer::Utf8Stream;

/// Prompt tokens fed to the model per forward pass: bounds the scratch memory
/// of long prompts and lets cancellation in between. As large as llama.cpp's
/// default micro-batch: larger batches amortise reading the weights.
const PREFILL_CHUNK: usize = 512;

/// The longest context served, whatever the file says: bounds the KV cache
/// (SmolLM2-135M: 46 KB per token, so 190 MB at this length).
pub const MAX_CONTEXT: usize = MAX_SEQ_LEN;

/// How a [`LocalChatModel`] runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalChatOptions {
    /// Threads computing a forward pass (the model's own pool; requests
    /// running at once share it). `None`: one per CPU. With candle (files the
    /// built-in forward pass does not cover) this sets candle's kernel thread
    /// pool instead, which is sized once per process from the
    /// `CANDLE_NUM_THREADS` environment variable (else `RAYON_NUM_THREADS`,
    /// else the number of physical cores): when this is set and
    /// `CANDLE_NUM_THREADS` is not, `load` sets it; it only takes effect if
    /// `load` runs before anything else in the process uses candle's quantized
    /// kernels, and the first value wins.
    pub threads: Option<usize>,
    /// Generations running at once; further requests wait. At least 1.
    pub concurrency: usize,
    /// `max_tokens` when a request leaves it unset.
    pub default_max_tokens: u32,
    /// For files run by candle only (weights other than Q4_1 and Q8_0):
    /// re-encode Q4_1 / Q5_0 / Q5_1 weights as Q8_0 while loading. candle
    /// has SIMD kernels (picked at run time: AVX2, NEON) for Q8_0 but only
    /// portable scalar code for those formats, which is many times slower.
    /// Costs some memory (Q8_0 takes 34 bytes per 32 weights, Q4_1 20) and
    /// load time; the answers differ slightly from computing with the file's
    /// exact weights (Q8_0 keeps them to within 0.4% of each block's range).
    /// The built-in forward pass always computes with the file's weights.
    pub requantize: bool,
}

impl Default for LocalChatOptions {
    fn default() -> Self {
        Self {
            threads: None,
            concurrency: 1,
            default_max_tokens: 256,
            requantize: true,
        }
    }
}

/// SmolLM2 (or another llama-architecture ChatML GGUF model with the
/// `smollm` pre-tokenizer) run in-process. Cheap to share behind an `Arc`.
pub struct LocalChatModel {
    inner: Arc<Inner>,
    slots: Arc<Semaphore>,
}

/// What computes the forward pass.
enum Engine {
    /// This module's own ([`llama`]).
    Lean(llama::LlamaWeights),
    /// candle's quantized llama, for what [`llama`] does not cover.
    Candle(ModelWeights),
}

struct Inner {
    engine: Engine,
    tokenizer: GgufTokenizer,
    template: ChatTemplate,
    context_length: usize,
    model: String,
    default_max_tokens: u32,
}

impl std::fmt::Debug for LocalChatModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalChatModel")
            .field("model", &self.inner.model)
            .field("context_length", &self.inner.context_length)
            .field("tokenizer", &self.inner.tokenizer)
            .field(
                "engine",
                &match &self.inner.engine {
                    Engine::Lean(w) => format!("built-in ({} threads)", w.threads()),
                    Engine::Candle(_) => "candle".to_string(),
                },
            )
            .finish_non_exhaustive()
    }
}

fn local(what: impl std::fmt::Display) -> AiError {
    AiError::Local(what.to_string())
}

fn inference(e: candle_core::Error) -> AiError {
    AiError::Local(format!("inference failed: {e}"))
}

/// Weight formats for which candle 0.11 has no SIMD kernel
/// (see [`LocalChatOptions::requantize`]).
const SLOW_DTYPES: [GgmlDType; 3] = [GgmlDType::Q4_1, GgmlDType::Q5_0, GgmlDType::Q5_1];

/// An in-memory GGUF with `content`'s model metadata and tensors, those in
/// [`SLOW_DTYPES`] re-encoded as Q8_0, for `ModelWeights::from_gguf`.
fn requantized<R: Read + Seek>(
    content: &gguf_file::Content,
    reader: &mut R,
) -> candle_core::Result<(gguf_file::Content, Cursor<Vec<u8>>)> {
    let device = Device::Cpu;
    let mut tensors = Vec::with_capacity(content.tensor_infos.len());
    for name in content.tensor_infos.keys() {
        let tensor = content.tensor(reader, name, &device)?;
        let tensor = if SLOW_DTYPES.contains(&tensor.dtype()) {
            QTensor::quantize(&tensor.dequantize(&device)?, GgmlDType::Q8_0)?
        } else {
            tensor
        };
        tensors.push((name.as_str(), tensor));
    }
    // The tokenizer's arrays are not needed by the model; the alignment is the writer's.
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .filter(|(key, _)| !key.starts_with("tokenizer.") && *key != "general.alignment")
        .map(|(key, value)| (key.as_str(), value))
        .collect();
    let tensor_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(name, t)| (*name, t)).collect();
    let mut gguf = Cursor::new(Vec::new());
    gguf_file::write(&mut gguf, &metadata, &tensor_refs)?;
    drop(tensor_refs);
    drop(tensors);
    gguf.set_position(0);
    let content = gguf_file::Content::read(&mut gguf)?;
    Ok((content, gguf))
}

/// candle's model for a file [`llama`] does not cover.
fn candle_weights<R: Read + Seek>(
    content: gguf_file::Content,
    reader: &mut R,
    requantize: bool,
) -> candle_core::Result<ModelWeights> {
    if requantize {
        let (content, mut gguf) = requantized(&content, reader)?;
        ModelWeights::from_gguf(content, &mut gguf, &Device::Cpu)
    } else {
        ModelWeights::from_gguf(content, reader, &Device::Cpu)
    }
}

/// A sequence being generated: its KV cache (or candle's model copy holding
/// it) and position. From [`LocalChatModel::session`].
pub struct LocalChatSession<'m> {
    inner: &'m Inner,
    state: SessionState,
    position: usize,
    logits: Vec<f32>,
}

enum SessionState {
    Lean(llama::LlamaState),
    Candle(ModelWeights),
}

impl Inner {
    fn session(&self, positions: usize) -> LocalChatSession<'_> {
        let state = match &self.engine {
            Engine::Lean(weights) => SessionState::Lean(llama::LlamaState::new(
                weights,
                positions.min(self.context_length),
            )),
            Engine::Candle(weights) => SessionState::Candle(weights.clone()),
        };
        LocalChatSession {
            inner: self,
            state,
            position: 0,
            logits: Vec::new(),
        }
    }
}

impl LocalChatSession<'_> {
    /// Runs `tokens` through the model after those fed before (in chunks of
    /// at most 512) and returns the logits for the token that follows them.
    /// Fails past the context length.
    pub fn feed(&mut self, tokens: &[u32]) -> Result<&[f32], AiError> {
        if tokens.is_empty() {
            return Err(local("no tokens to feed"));
        }
        if self.position + tokens.len() > self.inner.context_length {
            return Err(AiError::ContextTooLong(format!(
                "{} tokens past a context of {}",
                self.position + tokens.len(),
                self.inner.context_length
            )));
        }
        for chunk in tokens.chunks(PREFILL_CHUNK) {
            match &mut self.state {
                SessionState::Lean(state) => {
                    let weights = match &self.inner.engine {
                        Engine::Lean(weights) => weights,
                        Engine::Candle(_) => unreachable!("a lean session has lean weights"),
                    };
                    let logits = weights.forward(state, chunk);
                    self.logits.clear();
                    self.logits.extend_from_slice(logits);
                }
                SessionState::Candle(model) => {
                    let input = Tensor::new(chunk, &Device::Cpu)
                        .and_then(|t| t.unsqueeze(0))
                        .map_err(inference)?;
                    self.logits = model
                        .forward(&input, self.position)
                        .and_then(|l| l.squeeze(0))
                        .and_then(|l| l.to_vec1::<f32>())
                        .map_err(inference)?;
                }
            }
            self.position += chunk.len();
        }
        Ok(&self.logits)
    }

    /// Tokens fed so far.
    pub fn position(&self) -> usize {
        self.position
    }
}

/// Sets `CANDLE_NUM_THREADS` once per process (see [`LocalChatOptions::threads`]).
fn configure_threads(threads: usize) {
    static APPLIED: OnceLock<Option<usize>> = OnceLock::new();
    let applied = *APPLIED.get_or_init(|| match std::env::var("CANDLE_NUM_THREADS") {
        Ok(v) => v.trim().parse().ok(),
        Err(_) => {
            std::env::set_var("CANDLE_NUM_THREADS", threads.to_string());
            Some(threads)
        }
    });
    if applied != Some(threads) {
        tracing::warn!(
            requested = threads,
            ?applied,
            "local chat: candle's thread count is already set; keeping it"
        );
    }
}

impl LocalChatModel {
    /// Loads a GGUF chat model (weights, tokenizer, chat template). Blocking
    /// (about a hundred MB of reading); call it at startup or through
    /// `spawn_blocking`.
    pub fn load(path: &Path, options: LocalChatOptions) -> Result<Self, AiError> {
        let started = Instant::now();
        let file =
            File::open(path).map_err(|e| local(format!("cannot open {}: {e}", path.display())))?;
        let mut reader = BufReader::new(file);
        let content = gguf_file::Content::read(&mut reader).map_err(|e| {
            local(format!(
                "{} is not a readable GGUF file: {e}",
                path.display()
            ))
        })?;
        let meta_str = |key: &str| {
            content
                .metadata
                .get(key)
                .and_then(|v| v.to_string().ok())
                .map(String::as_str)
        };
        let meta_u32 = |key: &str| content.metadata.get(key).and_then(|v| v.to_u32().ok());

        let arch = meta_str("general.architecture").unwrap_or_default();
        if arch != "llama" {
            return Err(local(format!(
                "{}: architecture `{arch}` is not llama",
                path.display()
            )));
        }
        let tokenizer = GgufTokenizer::from_gguf(&content)?;
        let template = ChatTemplate::from_gguf_template(meta_str("tokenizer.chat_template"))?;
        let trained_context = meta_u32("llama.context_length").map_or(MAX_CONTEXT, |n| n as usize);
        let context_length = trained_context.min(MAX_CONTEXT);
        if let Some(n) = meta_u32("llama.vocab_size") {
            if n as usize != tokenizer.vocab_size() {
                return Err(local(format!(
                    "vocab_size {n} but {} tokens",
                    tokenizer.vocab_size()
                )));
            }
        }

        let threads = options.threads.filter(|&n| n > 0).unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let lean = llama::LlamaWeights::from_gguf(&content, &mut reader, threads).map_err(|e| {
            local(format!(
                "cannot load the weights of {}: {e}",
                path.display()
            ))
        })?;
        let slow = content
            .tensor_infos
            .values()
            .any(|t| SLOW_DTYPES.contains(&t.ggml_dtype));
        let requantized = lean.is_none() && options.requantize && slow;
        let engine = if let Some(weights) = lean {
            Engine::Lean(weights)
        } else {
            if let Some(threads) = options.threads.filter(|&n| n > 0) {
                configure_threads(threads);
            }
            Engine::Candle(
                candle_weights(content, &mut reader, requantized).map_err(|e| {
                    local(format!(
                        "cannot load the weights of {}: {e}",
                        path.display()
                    ))
                })?,
            )
        };
        let model = path
            .file_stem()
            .map_or_else(|| "local".to_string(), |s| s.to_string_lossy().into_owned());
        tracing::info!(
            model,
            context_length,
            trained_context,
            engine = if matches!(engine, Engine::Lean(_)) {
                "built-in"
            } else {
                "candle"
            },
            requantized,
            load_ms = started.elapsed().as_millis() as u64,
            "local chat model loaded"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                tokenizer,
                template,
                context_length,
                model,
                default_max_tokens: options.default_max_tokens.max(1),
            }),
            slots: Arc::new(Semaphore::new(options.concurrency.max(1))),
        })
    }

    pub fn tokenizer(&self) -> &GgufTokenizer {
        &self.inner.tokenizer
    }

    pub fn template(&self) -> &ChatTemplate {
        &self.inner.template
    }

    /// Tokens of context (prompt plus answer): the file's
    /// `llama.context_length`, capped at [`MAX_CONTEXT`].
    pub fn context_length(&self) -> usize {
        self.inner.context_length
    }

    /// A fresh sequence over the model's weights, fed token ids directly
    /// (no template, no sampling): what `chat` runs on, for benchmarks and
    /// tools. Blocking; `positions` is a hint of its final length.
    pub fn session(&self, positions: usize) -> LocalChatSession<'_> {
        self.inner.session(positions)
    }

    /// The prompt token ids for `messages` (chat template applied).
    pub fn prompt_tokens(&self, messages: &[Message]) -> Result<Vec<u32>, AiError> {
        self.inner.template.encode(messages, &self.inner.tokenizer)
    }

    fn prepare(&self, request: &ChatRequest) -> Result<Job, AiError> {
        if request.messages.is_empty() {
            return Err(AiError::BadRequest("no messages".into()));
        }
        if request.max_tokens == Some(0) {
            return Err(AiError::BadRequest("max_tokens must be at least 1".into()));
        }
        let temperature = match request.temperature {
            Some(t) if t.is_nan() || t < 0.0 => {
                return Err(AiError::BadRequest(format!("temperature {t} is not >= 0")));
            }
            Some(t) if t > 0.0 => Some(f64::from(t)),
            _ => None,
        };
        let top_p = match request.top_p {
            Some(p) if !(p > 0.0 && p <= 1.0) => {
                return Err(AiError::BadRequest(format!("top_p {p} is not in (0, 1]")));
            }
            Some(p) if p < 1.0 => Some(f64::from(p)),
            _ => None,
        };
        let sampling = match (temperature, top_p) {
            (None, _) => Sampling::ArgMax,
            (Some(temperature), None) => Sampling::All { temperature },
            (Some(temperature), Some(p)) => Sampling::TopP { p, temperature },
        };

        let prompt = self.prompt_tokens(&request.messages)?;
        let context = self.inner.context_length;
        if prompt.len() >= context {
            return Err(AiError::ContextTooLong(format!(
                "the prompt is {} tokens; {} has a context of {context}, answer included",
                prompt.len(),
                self.inner.model
            )));
        }
        let room = context - prompt.len();
        let max_tokens = match request.max_tokens {
            Some(n) if n as usize > room => {
                return Err(AiError::ContextTooLong(format!(
                    "the prompt is {} tokens and max_tokens {n}; {} has a context of {context}",
                    prompt.len(),
                    self.inner.model
                )));
            }
            Some(n) => n as usize,
            None => (self.inner.default_max_tokens as usize).min(room),
        };
        Ok(Job {
            prompt,
            max_tokens,
            sampling,
            seed: request.seed.unwrap_or_else(rand::random),
            stop: request.stop.clone(),
        })
    }

    async fn slot(&self) -> Result<OwnedSemaphorePermit, AiError> {
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| local("the model is shut down"))
    }

    fn response(&self, done: Completion, prompt_tokens: usize, started: Instant) -> ChatResponse {
        response(&self.inner.model, done, prompt_tokens, started.elapsed())
    }
}

fn response(
    model: &str,
    done: Completion,
    prompt_tokens: usize,
    latency: Duration,
) -> ChatResponse {
    ChatResponse {
        text: done.text,
        usage: Usage {
            prompt_tokens: prompt_tokens as u32,
            completion_tokens: done.completion_tokens as u32,
        },
        model: model.to_string(),
        finish_reason: Some(done.finish_reason.to_string()),
        latency,
    }
}

/// A validated request.
struct Job {
    prompt: Vec<u32>,
    max_tokens: usize,
    sampling: Sampling,
    seed: u64,
    stop: Vec<String>,
}

struct Completion {
    text: String,
    completion_tokens: usize,
    finish_reason: &'static str,
}

/// Sets the flag when dropped: the `chat` future went away.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn logits_tensor(logits: &[f32]) -> Result<Tensor, AiError> {
    Tensor::from_slice(logits, logits.len(), &Device::Cpu).map_err(inference)
}

/// Runs `generate`, turning a panic into an error.
fn generate_caught(
    inner: &Inner,
    job: &Job,
    canceled: &dyn Fn() -> bool,
    emit: &mut dyn FnMut(String) -> bool,
) -> Result<Completion, AiError> {
    std::panic::catch_unwind(AssertUnwindSafe(|| generate(inner, job, canceled, emit)))
        .unwrap_or_else(|_| Err(local("inference panicked")))
}

/// The generation loop (blocking). `emit` receives the answer piece by piece
/// and returns false when nobody listens any more; `canceled` is polled
/// before every forward pass. Either ends it with [`AiError::Canceled`].
fn generate(
    inner: &Inner,
    job: &Job,
    canceled: &dyn Fn() -> bool,
    emit: &mut dyn FnMut(String) -> bool,
) -> Result<Completion, AiError> {
    let tokenizer = &inner.tokenizer;
    let mut session = inner.session(job.prompt.len() + job.max_tokens);
    let mut logits = None;
    for chunk in job.prompt.chunks(PREFILL_CHUNK) {
        if canceled() {
            return Err(AiError::Canceled);
        }
        logits = Some(logits_tensor(session.feed(chunk)?)?);
    }
    let mut logits = logits.ok_or_else(|| local("empty prompt"))?;

    let mut sampler = LogitsProcessor::from_sampling(job.seed, job.sampling.clone());
    let mut utf8 = Utf8Stream::default();
    let mut stops = StopScanner::new(&job.stop);
    let mut completion_tokens = 0;
    let finish_reason = loop {
        let next = sampler.sample(&logits).map_err(inference)?;
        if tokenizer.is_control(next) {
            break "stop";
        }
        completion_tokens += 1;
        let piece = utf8.push(tokenizer.token_bytes(next).unwrap_or_default());
        if !piece.is_empty() {
            match stops.push(&piece) {
                Scan::Continue(text) => {
                    if !text.is_empty() && !emit(text) {
                        return Err(AiError::Canceled);
                    }
                }
                Scan::Stop(text) => {
                    if !text.is_empty() && !emit(text) {
                        return Err(AiError::Canceled);
                    }
                    return Ok(Completion {
                        text: stops.into_text(),
                        completion_tokens,
                        finish_reason: "stop",
                    });
                }
            }
        }
        if completion_tokens >= job.max_tokens || session.position() >= inner.context_length {
            break "length";
        }
        if canceled() {
            return Err(AiError::Canceled);
        }
        logits = logits_tensor(session.feed(&[next])?)?;
    };

    // An incomplete character left at the end, then whatever was held back.
    let tail = utf8.finish();
    let finish_reason = match stops.push(&tail) {
        Scan::Continue(text) => {
            let rest = text + &stops.finish();
            if !rest.is_empty() && !emit(rest) {
                return Err(AiError::Canceled);
            }
            finish_reason
        }
        Scan::Stop(text) => {
            if !text.is_empty() && !emit(text) {
                return Err(AiError::Canceled);
            }
            "stop"
        }
    };
    Ok(Completion {
        text: stops.into_text(),
        completion_tokens,
        finish_reason,
    })
}

#[async_trait]
impl ChatModel for LocalChatModel {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        &self.inner.model
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        let started = Instant::now();
        let job = self.prepare(request)?;
        let slot = self.slot().await?;
        let canceled = Arc::new(AtomicBool::new(false));
        let _cancel_on_drop = CancelOnDrop(canceled.clone());
        let inner = self.inner.clone();
        let prompt_tokens = job.prompt.len();
        let done = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            generate_caught(
                &inner,
                &job,
                &|| canceled.load(Ordering::Relaxed),
                &mut |_| true,
            )
        })
        .await
        .map_err(|e| local(format!("inference task failed: {e}")))??;
        Ok(self.response(done, prompt_tokens, started))
    }

    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError> {
        let started = Instant::now();
        let job = self.prepare(request)?;
        let slot = self.slot().await?;
        let (tx, rx) = mpsc::channel::<Result<ChatChunk, AiError>>(64);
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let result = generate_caught(&inner, &job, &|| tx.is_closed(), &mut |piece| {
                tx.blocking_send(Ok(ChatChunk::Token(piece))).is_ok()
            });
            let last = result.map(|done| {
                ChatChunk::Done(response(
                    &inner.model,
                    done,
                    job.prompt.len(),
                    started.elapsed(),
                ))
            });
            // Fails only when the stream was dropped: nobody to tell.
            let _ = tx.blocking_send(last);
        });
        let stream = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        Ok(stream.boxed())
    }
}

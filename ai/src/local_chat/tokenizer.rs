//! The model's tokenizer, built from the GGUF file's own metadata — no
//! `tokenizer.json` from a hub.
//!
//! SmolLM2 uses byte-level BPE (GPT-2's byte-to-unicode mapping) with the
//! `smollm` pre-tokenizer: every number character is split off on its own,
//! then the GPT-2 regex applies (llama.cpp's `LLAMA_VOCAB_PRE_TYPE_SMOLLM`;
//! `Digits(individual) + ByteLevel` in the model's Hugging Face
//! `tokenizer.json`). Encoding is done by the `tokenizers` crate's BPE model
//! fed with `tokenizer.ggml.tokens` / `tokenizer.ggml.merges`; decoding maps
//! each token back to its raw bytes, so text round-trips exactly and a
//! character split across tokens is reassembled ([`Utf8Stream`]).

use std::collections::HashMap;

use candle_core::quantized::gguf_file;
use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;

use crate::AiError;

/// `tokenizer.ggml.token_type` of control tokens (`<|im_start|>`, …).
const TOKEN_TYPE_CONTROL: u32 = 3;

/// Byte-level BPE tokenizer read from a GGUF file.
pub struct GgufTokenizer {
    bpe: tokenizers::Tokenizer,
    /// Raw bytes of each token id (control tokens: their text).
    token_bytes: Vec<Vec<u8>>,
    /// Control tokens (`<|im_start|>`, `<|endoftext|>`, …) by text.
    control: HashMap<String, u32>,
    is_control: Vec<bool>,
    eos: u32,
}

impl std::fmt::Debug for GgufTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgufTokenizer")
            .field("vocab_size", &self.token_bytes.len())
            .field("control_tokens", &self.control.len())
            .field("eos", &self.eos)
            .finish()
    }
}

fn local(what: impl std::fmt::Display) -> AiError {
    AiError::Local(format!("tokenizer: {what}"))
}

fn metadata<'a>(ct: &'a gguf_file::Content, key: &str) -> Result<&'a gguf_file::Value, AiError> {
    ct.metadata
        .get(key)
        .ok_or_else(|| local(format!("GGUF metadata has no `{key}`")))
}

fn string_array(ct: &gguf_file::Content, key: &str) -> Result<Vec<String>, AiError> {
    let values = metadata(ct, key)?
        .to_vec()
        .map_err(|e| local(format!("`{key}`: {e}")))?;
    values
        .iter()
        .map(|v| {
            v.to_string()
                .cloned()
                .map_err(|e| local(format!("`{key}`: {e}")))
        })
        .collect()
}

fn u32_value(v: &gguf_file::Value) -> Option<u32> {
    use gguf_file::Value::*;
    match *v {
        U8(x) => Some(x.into()),
        I8(x) => u32::try_from(x).ok(),
        U16(x) => Some(x.into()),
        I16(x) => u32::try_from(x).ok(),
        U32(x) => Some(x),
        I32(x) => u32::try_from(x).ok(),
        U64(x) => u32::try_from(x).ok(),
        I64(x) => u32::try_from(x).ok(),
        _ => None,
    }
}

/// GPT-2's reversible byte ↔ unicode mapping: printable bytes map to
/// themselves, the others to U+0100 upwards.
fn unicode_to_byte() -> HashMap<char, u8> {
    let mut printable: Vec<u8> = (b'!'..=b'~')
        .chain(0xA1..=0xAC)
        .chain(0xAE..=0xFF)
        .collect();
    let mut map: HashMap<char, u8> = printable.iter().map(|&b| (char::from(b), b)).collect();
    let mut next = 256u32;
    for b in 0..=255u8 {
        if !printable.contains(&b) {
            printable.push(b);
            map.insert(char::from_u32(next).expect("U+0100..U+0143 are chars"), b);
            next += 1;
        }
    }
    map
}

impl GgufTokenizer {
    /// Builds the tokenizer from `tokenizer.ggml.*` metadata.
    pub(crate) fn from_gguf(ct: &gguf_file::Content) -> Result<Self, AiError> {
        let model = metadata(ct, "tokenizer.ggml.model")?
            .to_string()
            .map_err(local)?;
        if model != "gpt2" {
            return Err(local(format!(
                "unsupported tokenizer model `{model}` (want gpt2 BPE)"
            )));
        }
        // Pre-tokenizers other than SmolLM's would need their own regexes.
        if let Some(pre) = ct.metadata.get("tokenizer.ggml.pre") {
            let pre = pre.to_string().map_err(local)?;
            if pre != "smollm" {
                return Err(local(format!(
                    "unsupported pre-tokenizer `{pre}` (want smollm)"
                )));
            }
        }
        let tokens = string_array(ct, "tokenizer.ggml.tokens")?;
        let merges = string_array(ct, "tokenizer.ggml.merges")?
            .into_iter()
            .map(|m| match m.split_once(' ') {
                Some((a, b)) => Ok((a.to_string(), b.to_string())),
                None => Err(local(format!("malformed merge `{m}`"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let types: Vec<u32> = match ct.metadata.get("tokenizer.ggml.token_type") {
            Some(v) => {
                let v = v.to_vec().map_err(local)?;
                v.iter()
                    .map(|t| u32_value(t).ok_or_else(|| local("bad token_type")))
                    .collect::<Result<_, _>>()?
            }
            None => vec![1; tokens.len()],
        };
        if types.len() != tokens.len() {
            return Err(local("token_type and tokens differ in length"));
        }
        let eos = metadata(ct, "tokenizer.ggml.eos_token_id")
            .ok()
            .and_then(u32_value)
            .ok_or_else(|| local("no eos_token_id"))?;
        if eos as usize >= tokens.len() {
            return Err(local("eos_token_id out of range"));
        }

        let vocab: Vocab = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let bpe = BPE::builder()
            .vocab_and_merges(vocab, merges)
            .build()
            .map_err(local)?;
        let mut tokenizer = tokenizers::Tokenizer::new(bpe);
        let pre: PreTokenizerWrapper = Sequence::new(vec![
            Digits::new(true).into(),
            ByteLevel::new(false, true, true).into(),
        ])
        .into();
        tokenizer.with_pre_tokenizer(Some(pre));

        let to_byte = unicode_to_byte();
        let mut control = HashMap::new();
        let mut is_control = Vec::with_capacity(tokens.len());
        let mut token_bytes = Vec::with_capacity(tokens.len());
        for (id, (token, &ty)) in tokens.iter().zip(&types).enumerate() {
            if ty == TOKEN_TYPE_CONTROL {
                control.insert(token.clone(), id as u32);
                is_control.push(true);
                token_bytes.push(token.as_bytes().to_vec());
            } else {
                is_control.push(false);
                let bytes = token
                    .chars()
                    .map(|c| {
                        to_byte
                            .get(&c)
                            .copied()
                            .ok_or_else(|| local(format!("token {id} {token:?} is not byte-level")))
                    })
                    .collect::<Result<Vec<u8>, _>>()?;
                token_bytes.push(bytes);
            }
        }
        Ok(Self {
            bpe: tokenizer,
            token_bytes,
            control,
            is_control,
            eos,
        })
    }

    /// Token ids of plain `text`. Control-token text in it (`<|im_start|>`)
    /// is encoded as ordinary characters, never as the control token, so
    /// message content cannot forge chat structure.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, AiError> {
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let encoding = self.bpe.encode_fast(text, false).map_err(local)?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Token ids of `text` in which control-token text (`<|im_start|>`, …)
    /// stands for the control token itself, like Hugging Face's tokenizer
    /// encoding a rendered chat template.
    pub fn encode_with_special_tokens(&self, text: &str) -> Result<Vec<u32>, AiError> {
        let mut ids = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            // Earliest control token; the longest one on a tie.
            let found = self
                .control
                .iter()
                .filter_map(|(t, &id)| {
                    rest.find(t.as_str())
                        .map(|at| (at, std::cmp::Reverse(t.len()), id))
                })
                .min();
            match found {
                Some((at, std::cmp::Reverse(len), id)) => {
                    ids.extend(self.encode(&rest[..at])?);
                    ids.push(id);
                    rest = &rest[at + len..];
                }
                None => {
                    ids.extend(self.encode(rest)?);
                    break;
                }
            }
        }
        Ok(ids)
    }

    /// The text of `ids` (control tokens as their text); bytes that are not
    /// UTF-8 become U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> String {
        let mut bytes = Vec::new();
        for &id in ids {
            bytes.extend_from_slice(self.token_bytes(id).unwrap_or_default());
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The raw bytes a token stands for (`None` for an unknown id).
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        self.token_bytes.get(id as usize).map(Vec::as_slice)
    }

    /// The id of a control token such as `<|im_start|>`.
    pub fn control_token_id(&self, token: &str) -> Option<u32> {
        self.control.get(token).copied()
    }

    /// Whether `id` is a control token (`<|im_end|>`, `<|endoftext|>`, …).
    pub fn is_control(&self, id: u32) -> bool {
        self.is_control.get(id as usize).copied().unwrap_or(false)
    }

    /// `tokenizer.ggml.eos_token_id` (`<|im_end|>` for SmolLM2 Instruct).
    pub fn eos_token_id(&self) -> u32 {
        self.eos
    }

    pub fn vocab_size(&self) -> usize {
        self.token_bytes.len()
    }
}

/// Turns a stream of token bytes into text, holding back an incomplete UTF-8
/// sequence until the bytes completing it arrive.
#[derive(Debug, Default)]
pub(crate) struct Utf8Stream {
    pending: Vec<u8>,
}

impl Utf8Stream {
    /// Appends `bytes`; returns the text now complete (possibly empty).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(s) => {
                    out.push_str(s);
                    self.pending.clear();
                    return out;
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    out.push_str(
                        std::str::from_utf8(&self.pending[..valid]).expect("valid prefix"),
                    );
                    match e.error_len() {
                        // Invalid whatever follows: replace it and go on.
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            self.pending.drain(..valid + bad);
                        }
                        // Incomplete at the end: wait for more.
                        None => {
                            self.pending.drain(..valid);
                            return out;
                        }
                    }
                }
            }
        }
    }

    /// The end of the stream: whatever is held back, lossily.
    pub(crate) fn finish(&mut self) -> String {
        let out = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_mapping_is_gpt2s() {
        let map = unicode_to_byte();
        assert_eq!(map.len(), 256);
        assert_eq!(map[&'Ġ'], b' ');
        assert_eq!(map[&'Ċ'], b'\n');
        assert_eq!(map[&'ĉ'], b'\t');
        assert_eq!(map[&'!'], b'!');
        assert_eq!(map[&'Ā'], 0);
    }

    #[test]
    fn utf8_stream_reassembles_split_characters() {
        let text = "a€😀b";
        let bytes = text.as_bytes();
        let mut s = Utf8Stream::default();
        let mut out = String::new();
        for b in bytes {
            out.push_str(&s.push(std::slice::from_ref(b)));
        }
        out.push_str(&s.finish());
        assert_eq!(out, text);

        let mut s = Utf8Stream::default();
        assert_eq!(s.push(&[0xE2, 0x82]), "");
        assert_eq!(s.push(&[0xAC, b'x']), "€x");
        assert_eq!(s.push(&[0xFF, b'y']), "\u{FFFD}y");
        assert_eq!(s.push(&[0xF0, 0x9F]), "");
        assert_eq!(s.finish(), "\u{FFFD}");
    }
}

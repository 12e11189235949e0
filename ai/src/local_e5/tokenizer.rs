//! The XLM-R SentencePiece tokenizer embedded in `e5-small-q4.bin`, built
//! with the `tokenizers` crate so that it splits text exactly as `e5.c`'s
//! `tok_content` does:
//!
//! 1. normalisation ([`E5Normalizer`]): each character replaced by its entry
//!    in the file's 4,837-entry map (tabs and newlines become spaces, control
//!    characters vanish, NFKC-style foldings, `▁` becomes a space …), then
//!    runs of spaces collapsed into one. Nothing is trimmed.
//! 2. [`Metaspace`]: spaces become `▁`, and a `▁` is prepended unless the text
//!    starts with one.
//! 3. [`Unigram`] Viterbi over the pieces and their scores; a character no
//!    piece starts with is `<unk>`, scored `min score − 10` as in `e5.c`.
//!
//! Two details of `e5.c` the crate does differently, bridged here:
//! - the crate fuses a run of unknown characters into one `<unk>`; `e5.c`
//!   emits one `<unk>` per character, so fused ones are split again
//!   ([`E5Tokenizer::content_ids`]);
//! - `e5.c` never matches the `<unk>` piece itself against the text; it is
//!   renamed here to a string no normalised text contains (a NUL: `e5.c` reads
//!   C strings, so the text ends at the first NUL, and so it does here).
//!
//! Metaspace splits the text into words (`▁`-led) before the Viterbi pass,
//! where `e5.c` runs one pass over the whole text. Same result: no piece has a
//! `▁` other than at its start, so every best path breaks before each `▁`.
//! (Scores are summed in f64 here, f32 in `e5.c`: exact ties aside, the same.)

use std::collections::HashMap;

use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::unigram::Unigram;
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{NormalizedString, Normalizer, TokenizerImpl};

use super::format::Vocab;

/// What stands in for the `<unk>` piece's text in the Unigram vocabulary.
const UNMATCHABLE: &str = "\0";

/// `e5.c`'s normalisation: the per-character map, then collapsing runs of
/// spaces (U+0020) into one.
pub(super) struct E5Normalizer {
    map: HashMap<char, Vec<char>>,
}

impl Normalizer for E5Normalizer {
    fn normalize(&self, normalized: &mut NormalizedString) -> tokenizers::Result<()> {
        // (char, change) as `NormalizedString::transform` wants them: the first
        // character replacing an original one is 0, further ones +1 (inserted),
        // and each original character that leaves nothing is a -1 on the
        // character before it (or, before any, counts in `removed_at_start`).
        let mut out: Vec<(char, isize)> = Vec::with_capacity(normalized.len());
        let mut removed_at_start = 0usize;
        let mut last = None;
        for c in normalized.get().chars() {
            let one = [c];
            let replacement = self.map.get(&c).map_or(&one[..], Vec::as_slice);
            let mut consumed = false;
            for &r in replacement {
                if r == ' ' && last == Some(' ') {
                    continue;
                }
                out.push((r, if consumed { 1 } else { 0 }));
                consumed = true;
                last = Some(r);
            }
            if !consumed {
                match out.last_mut() {
                    Some((_, change)) => *change -= 1,
                    None => removed_at_start += 1,
                }
            }
        }
        normalized.transform(out, removed_at_start);
        Ok(())
    }
}

type Inner = TokenizerImpl<Unigram, E5Normalizer, Metaspace, PostProcessorWrapper, DecoderWrapper>;

/// Text → token ids, as `e5.c`.
pub(super) struct E5Tokenizer {
    inner: Inner,
    bos: u32,
    eos: u32,
    unk: u32,
}

impl E5Tokenizer {
    pub fn new(vocab: &Vocab) -> Result<Self, String> {
        let pieces = vocab
            .pieces
            .iter()
            .enumerate()
            .map(|(id, (piece, score))| {
                let piece = if id == vocab.unk as usize {
                    UNMATCHABLE
                } else {
                    piece.as_str()
                };
                (piece.to_string(), f64::from(*score))
            })
            .collect();
        let model = Unigram::from(pieces, Some(vocab.unk as usize), false)
            .map_err(|e| format!("invalid vocabulary: {e}"))?;
        let mut inner = Inner::new(model);
        inner
            .with_normalizer(Some(E5Normalizer {
                map: vocab.norm.clone(),
            }))
            .with_pre_tokenizer(Some(Metaspace::new('▁', PrependScheme::Always, true)));
        Ok(Self {
            inner,
            bos: vocab.bos,
            eos: vocab.eos,
            unk: vocab.unk,
        })
    }

    /// The content ids of each text (no `<s>`/`</s>`), at most `max` each (the
    /// first ones).
    pub fn content_ids(&self, texts: Vec<String>, max: usize) -> Result<Vec<Vec<u32>>, String> {
        let texts: Vec<String> = texts
            .into_iter()
            .map(|mut t| {
                if let Some(nul) = t.find('\0') {
                    t.truncate(nul);
                }
                t
            })
            .collect();
        let encodings = self
            .inner
            .encode_batch(texts, false)
            .map_err(|e| e.to_string())?;
        Ok(encodings
            .iter()
            .map(|e| {
                let mut ids = Vec::with_capacity(e.len().min(max));
                for (&id, token) in e.get_ids().iter().zip(e.get_tokens()) {
                    // A fused run of unknown characters: one <unk> each.
                    let n = if id == self.unk {
                        token.chars().count().max(1)
                    } else {
                        1
                    };
                    ids.extend(std::iter::repeat_n(id, n.min(max - ids.len())));
                    if ids.len() == max {
                        break;
                    }
                }
                ids
            })
            .collect())
    }

    /// `<s> content </s>` for each text, at most `max_tokens` ids each.
    pub fn encode(&self, texts: Vec<String>, max_tokens: usize) -> Result<Vec<Vec<u32>>, String> {
        let content = self.content_ids(texts, max_tokens.saturating_sub(2))?;
        Ok(content
            .into_iter()
            .map(|ids| {
                let mut all = Vec::with_capacity(ids.len() + 2);
                all.push(self.bos);
                all.extend(ids);
                all.push(self.eos);
                all
            })
            .collect())
    }
}

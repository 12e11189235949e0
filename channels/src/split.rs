//! Cutting an answer into messages each platform accepts.
//!
//! Lengths are counted in UTF-16 code units: LINE documents that it counts
//! so, Telegram counts entity offsets so, and for a platform that counts
//! code points instead, UTF-16 units are never fewer, so a piece within the
//! limit in units is within it in characters too.
//!
//! Cuts fall, by preference, on a paragraph break, a line break, a sentence
//! end, a space, and only then between two grapheme clusters (so an emoji
//! ZWJ sequence or a flag is never cut). A cut never falls inside a fenced
//! code block, inline code, a link or `**strong**` text unless that entity
//! alone is longer than the limit. The whitespace at a cut is the separator
//! and is dropped (indentation after a line break is kept); nothing is ever
//! added, so the pieces appear in the input in order with only whitespace
//! between them.

use crate::markdown::protected_spans;
use crate::Platform;
use unicode_segmentation::UnicodeSegmentation;

/// Telegram `sendMessage`: 1-4,096 characters after entities parsing.
pub const TELEGRAM_MAX_LEN: usize = 4096;
/// LINE text message: 5,000 characters, counted in UTF-16 code units.
pub const LINE_MAX_LEN: usize = 5000;
/// LINE reply and push: at most 5 message objects per request.
pub const LINE_MAX_MESSAGES: usize = 5;
/// Messenger Send API: text up to 2,000 characters.
pub const MESSENGER_MAX_LEN: usize = 2000;

/// The per-message text limit of a platform, in UTF-16 code units.
pub fn max_len(platform: Platform) -> usize {
    match platform {
        Platform::Telegram => TELEGRAM_MAX_LEN,
        Platform::Line => LINE_MAX_LEN,
        Platform::Messenger => MESSENGER_MAX_LEN,
    }
}

/// Length as the platforms count it: UTF-16 code units.
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Splits `text` into pieces within `platform`'s per-message limit.
pub fn split_for(platform: Platform, text: &str) -> Vec<String> {
    split(text, max_len(platform))
}

/// Groups pieces into requests of at most `per_request` messages (LINE: 5).
/// For LINE the first group goes with the reply token, the rest by push.
pub fn batches(pieces: Vec<String>, per_request: usize) -> Vec<Vec<String>> {
    let per_request = per_request.max(1);
    let mut out: Vec<Vec<String>> = Vec::new();
    for piece in pieces {
        match out.last_mut() {
            Some(last) if last.len() < per_request => last.push(piece),
            _ => out.push(vec![piece]),
        }
    }
    out
}

/// Preference of a cut point; higher is better.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Grapheme,
    Word,
    Sentence,
    Line,
    Paragraph,
}

#[derive(Clone, Copy)]
struct Cut {
    /// Where the piece ends.
    pos: usize,
    /// Where the next piece starts (after the separator).
    next: usize,
    rank: Rank,
}

/// Splits `text` into pieces of at most `max_len` UTF-16 code units.
/// Whitespace-only input gives no pieces.
pub fn split(text: &str, max_len: usize) -> Vec<String> {
    let max_len = max_len.max(1);
    // units[i] = UTF-16 units before byte i (valid at char boundaries).
    let mut units = vec![0usize; text.len() + 1];
    for (i, c) in text.char_indices() {
        for k in 1..=c.len_utf8() {
            units[i + k] = units[i] + c.len_utf16();
        }
    }
    let len16 = |a: usize, b: usize| units[b] - units[a];
    let mut bounds: Vec<usize> = text.grapheme_indices(true).map(|(i, _)| i).collect();
    bounds.push(text.len());
    let spans: Vec<_> = protected_spans(text)
        .into_iter()
        .filter(|s| len16(s.start, s.end) <= max_len)
        .collect();
    let inside = |p: usize| spans.iter().any(|s| s.start < p && p < s.end);
    let cuts: Vec<Cut> = cut_points(text)
        .into_iter()
        .filter(|c| bounds.binary_search(&c.pos).is_ok() && !inside(c.pos))
        .collect();

    let mut pieces = Vec::new();
    let mut start = text.len() - text.trim_start().len();
    while start < text.len() {
        let rest_end = start + text[start..].trim_end().len();
        if len16(start, rest_end) <= max_len {
            if rest_end > start {
                pieces.push(text[start..rest_end].to_owned());
            }
            break;
        }
        // The furthest grapheme boundary the limit allows.
        let first = bounds.partition_point(|b| *b <= start);
        let fit = bounds[first..].partition_point(|b| len16(start, *b) <= max_len);
        let hard_end = if fit > 0 {
            bounds[first + fit - 1]
        } else {
            // One grapheme cluster longer than the limit (pathological
            // combining marks): fall back to code points, at least one.
            let mut end = start;
            for (i, c) in text[start..].char_indices() {
                if i > 0 && len16(start, start + i + c.len_utf8()) > max_len {
                    break;
                }
                end = start + i + c.len_utf8();
            }
            end
        };
        let cut = choose(&cuts, &bounds, start, hard_end, max_len, &len16, &inside);
        let piece = text[start..cut.pos].trim_end();
        if !piece.is_empty() {
            pieces.push(piece.to_owned());
        }
        start = cut.next.max(cut.pos).max(start + 1);
        while !text.is_char_boundary(start) {
            start += 1;
        }
    }
    pieces
}

/// Picks the cut for a piece starting at `start` that may end at `hard_end`:
/// the best-ranked cut whose piece is at least half the limit (so an early
/// paragraph break does not waste a message), else the longest piece.
fn choose(
    cuts: &[Cut],
    bounds: &[usize],
    start: usize,
    hard_end: usize,
    max_len: usize,
    len16: &impl Fn(usize, usize) -> usize,
    inside: &impl Fn(usize) -> bool,
) -> Cut {
    let lo = cuts.partition_point(|c| c.pos <= start);
    let hi = cuts.partition_point(|c| c.pos <= hard_end);
    let window = &cuts[lo..hi];
    let min_len = max_len / 2;
    let mut fallback: Option<Cut> = None;
    for rank in [Rank::Paragraph, Rank::Line, Rank::Sentence, Rank::Word] {
        if let Some(cut) = window.iter().rev().find(|c| c.rank == rank) {
            if len16(start, cut.pos) >= min_len {
                return *cut;
            }
            fallback.get_or_insert(*cut);
        }
    }
    let lo = bounds.partition_point(|b| *b <= start);
    let hi = bounds.partition_point(|b| *b <= hard_end);
    let grapheme = bounds[lo..hi]
        .iter()
        .rev()
        .find(|b| !inside(**b))
        .map(|&pos| Cut {
            pos,
            next: pos,
            rank: Rank::Grapheme,
        });
    match (grapheme, fallback) {
        (Some(g), Some(f)) if len16(start, g.pos) < min_len => f,
        (Some(g), _) => g,
        (None, Some(f)) => f,
        (None, None) => Cut {
            pos: hard_end,
            next: hard_end,
            rank: Rank::Grapheme,
        },
    }
}

/// Every natural cut point of the text, in order.
fn cut_points(text: &str) -> Vec<Cut> {
    const SENTENCE_END: &[char] = &['.', '!', '?', ';', ':', '…'];
    // Full-width punctuation ends a sentence with no space after it.
    const CJK_SENTENCE_END: &[char] = &['。', '！', '？', '；', '：'];
    let mut cuts = Vec::new();
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            // The whole whitespace run is one separator.
            let (mut end, mut newlines, mut after_last_newline) = (i + c.len_utf8(), 0, None);
            if c == '\n' {
                newlines += 1;
                after_last_newline = Some(end);
            }
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_whitespace() {
                    break;
                }
                end = j + d.len_utf8();
                if d == '\n' {
                    newlines += 1;
                    after_last_newline = Some(end);
                }
                chars.next();
            }
            let (rank, next) = match (newlines, after_last_newline) {
                (0, _) | (_, None) => {
                    let sentence = prev.is_some_and(|p| {
                        SENTENCE_END.contains(&p) || CJK_SENTENCE_END.contains(&p)
                    });
                    (if sentence { Rank::Sentence } else { Rank::Word }, end)
                }
                // Keep the indentation of the next line.
                (1, Some(after)) => (Rank::Line, after),
                (_, Some(after)) => (Rank::Paragraph, after),
            };
            cuts.push(Cut { pos: i, next, rank });
            prev = Some(' ');
            continue;
        }
        if CJK_SENTENCE_END.contains(&c) {
            let pos = i + c.len_utf8();
            if chars.peek().is_some_and(|(_, d)| !d.is_whitespace()) {
                cuts.push(Cut {
                    pos,
                    next: pos,
                    rank: Rank::Sentence,
                });
            }
        }
        prev = Some(c);
    }
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_trimmed_piece() {
        assert_eq!(split("  hello \n", 10), vec!["hello"]);
        assert!(split(" \n\t ", 10).is_empty());
    }

    #[test]
    fn prefers_paragraph_then_line_then_word() {
        let text = "aaaa bbbb\ncccc\n\ndddd eeee";
        assert_eq!(split(text, 16), vec!["aaaa bbbb\ncccc", "dddd eeee"]);
        assert_eq!(
            split("aaaa bbbb\ncccc dddd", 12),
            vec!["aaaa bbbb", "cccc dddd"]
        );
        assert_eq!(split("aaaa bbbb cccc", 11), vec!["aaaa bbbb", "cccc"]);
    }

    #[test]
    fn counts_utf16_and_keeps_zwj_sequences() {
        let family = "👨‍👩‍👧‍👦"; // 11 UTF-16 units, one grapheme
        assert_eq!(utf16_len(family), 11);
        let text = family.repeat(3);
        let pieces = split(&text, 12);
        assert_eq!(pieces, vec![family; 3]);
    }

    #[test]
    fn cjk_sentences_cut_after_full_width_stop() {
        let pieces = split("你好世界。今天天气很好。", 8);
        assert_eq!(pieces, vec!["你好世界。", "今天天气很好。"]);
    }

    #[test]
    fn link_is_not_cut() {
        let text = "word [a link](https://example.com/x) tail";
        // The link (31 units) fits the limit, so it moves whole to the next piece.
        assert_eq!(
            split(text, 33),
            vec!["word", "[a link](https://example.com/x)", "tail"]
        );
        // Longer than the limit, it has to be cut.
        assert_eq!(
            split(text, 20),
            vec!["word [a link](https:", "//example.com/x)", "tail"]
        );
    }

    #[test]
    fn batches_of_five() {
        let pieces: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        let b = batches(pieces, LINE_MAX_MESSAGES);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![5, 5, 2]);
    }
}

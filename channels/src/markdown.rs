//! Markdown awareness: where text must not be cut, and Telegram MarkdownV2
//! escaping.
//!
//! The clients send plain text by default (no `parse_mode`): answers are
//! written by a model in GitHub Markdown, which MarkdownV2 does not parse
//! (`**bold**`, `# heading`, tables), and one unescaped `.` or `!` makes
//! Telegram reject the whole message. These helpers are for callers that
//! build MarkdownV2 deliberately (e.g. a bold title around escaped text).

use std::ops::Range;

/// Characters MarkdownV2 reserves outside code and link URLs.
const MARKDOWN_V2_RESERVED: &str = "_*[]()~`>#+-=|{}.!\\";

/// Escapes text for Telegram MarkdownV2 so it shows literally. Telegram's
/// 4,096 limit counts the text after parsing, so split before escaping.
pub fn escape_markdown_v2(text: &str) -> String {
    escape(text, MARKDOWN_V2_RESERVED)
}

/// Escapes the inside of a MarkdownV2 `code` or `pre` entity (only `` ` ``
/// and `\` are special there).
pub fn escape_markdown_v2_code(text: &str) -> String {
    escape(text, "`\\")
}

fn escape(text: &str, reserved: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        if reserved.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Byte ranges a split must not fall inside: fenced code blocks (``` or
/// ~~~, to the closing fence or the end), and on one line inline code,
/// links and images `[text](url)`, and `**strong**` text.
pub(crate) fn protected_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    // (start of the opening line, fence char, fence length)
    let mut fence: Option<(usize, char, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start_matches(' ');
        match fence {
            Some((open, ch, n)) => {
                let run = trimmed.chars().take_while(|c| *c == ch).count();
                if run >= n && trimmed[run * ch.len_utf8()..].trim().is_empty() {
                    spans.push(open..start + body.len());
                    fence = None;
                }
            }
            None => {
                let ch = trimmed.chars().next();
                let run = ch.map_or(0, |ch| trimmed.chars().take_while(|c| *c == ch).count());
                match ch {
                    Some(ch @ ('`' | '~')) if run >= 3 => fence = Some((start, ch, run)),
                    _ => inline_spans(body, start, &mut spans),
                }
            }
        }
    }
    if let Some((open, _, _)) = fence {
        spans.push(open..text.len());
    }
    spans
}

/// Inline spans of one line (`line` has no newline; `base` is its offset).
fn inline_spans(line: &str, base: usize, spans: &mut Vec<Range<usize>>) {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let end = match b[i] {
            b'`' => {
                let n = b[i..].iter().take_while(|c| **c == b'`').count();
                let ticks = &line[i..i + n];
                line[i + n..].find(ticks).map(|j| i + n + j + n)
            }
            b'[' => line[i..].find("](").and_then(|j| {
                let url = i + j + 2;
                line[url..].find(')').map(|k| url + k + 1)
            }),
            b'*' if b.get(i + 1) == Some(&b'*') => line[i + 2..].find("**").map(|j| i + 2 + j + 2),
            _ => None,
        };
        match end {
            Some(end) => {
                // An image `![alt](url)` starts at the `!`.
                let start = if b[i] == b'[' && i > 0 && b[i - 1] == b'!' {
                    i - 1
                } else {
                    i
                };
                spans.push(base + start..base + end);
                i = end;
            }
            None => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_reserved_character() {
        assert_eq!(
            escape_markdown_v2("a_b*c[d]e(f)g~h`i>j#k+l-m=n|o{p}q.r!s\\t"),
            "a\\_b\\*c\\[d\\]e\\(f\\)g\\~h\\`i\\>j\\#k\\+l\\-m\\=n\\|o\\{p\\}q\\.r\\!s\\\\t"
        );
        assert_eq!(escape_markdown_v2("你好 😀"), "你好 😀");
        assert_eq!(escape_markdown_v2_code("a`b\\c.d"), "a\\`b\\\\c.d");
    }

    #[test]
    fn finds_fences_links_and_code() {
        let text = "see [docs](https://x.y/a_b) and `a b`\n```rust\nfn main() {}\n```\nend **bold text** ![img](u)";
        let spans = protected_spans(text);
        let got: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(
            got,
            vec![
                "[docs](https://x.y/a_b)",
                "`a b`",
                "```rust\nfn main() {}\n```",
                "**bold text**",
                "![img](u)"
            ]
        );
        // An unclosed fence protects to the end.
        let open = "a\n```\ncode";
        assert_eq!(protected_spans(open), vec![2..open.len()]);
    }
}

//! Drafting: one section's Markdown, its facts rendered by code and its
//! prose written by the model from the section's evidence.
//!
//! The prompt stays small (under about 1,500 tokens with the answer) so a
//! 2k-context model can write it. The model is asked to cite evidence by its
//! number (`[2]`), which weak models copy more reliably than paths; the
//! numbers become the evidence's `path:Lstart-Lend` here, so a citation
//! always names a range the model was actually shown.

use morningai_ai::{ChatModel, ChatRequest, Message};
use morningai_knowledge::Hit;

use super::outline::{cite, Section, SectionKind};
use super::retrieve::head;
use super::verify::sentences;
use super::DocError;

/// The longest prose asked of the model for one section.
pub const DRAFT_MAX_TOKENS: u32 = 160;
/// Prompt budget in characters (about 3.5 characters a token for code and prose).
const PROMPT_CHARS: usize = 4_200;
const EXCERPT_LINES: usize = 14;
const EXCERPT_CHARS: usize = 900;
const MAX_PROSE_CHARS: usize = 1_500;

const SYSTEM: &str = "You write one section of a software project's documentation. \
Use only the facts and evidence given. End every sentence with the number of the evidence it comes from, like [1]. \
Never name a file, library or service that the evidence does not show. \
Write two to four plain sentences: no headings, no lists, no code.";

/// The section's Markdown: its heading, the model's prose (when the section
/// has a brief) and its facts. Code examples are shown verbatim from the
/// pinned chunk, under their citation.
pub async fn draft(
    section: &Section,
    evidence: &[Hit],
    model: &dyn ChatModel,
) -> Result<String, DocError> {
    let shown: Vec<Hit> = evidence.iter().map(|h| head(h, EXCERPT_LINES)).collect();
    let prose = match &section.brief {
        Some(brief) => {
            let request = prompt(section, brief, &shown);
            let response = model.chat(&request).await?;
            clean_prose(&response.text, &shown)
        }
        None => String::new(),
    };
    Ok(compose(section, &prose))
}

/// The request for a section's prose.
pub fn prompt(section: &Section, brief: &str, shown: &[Hit]) -> ChatRequest {
    let mut user = format!("Section: {}\nTask: {brief}\n", section.heading);
    if !section.facts.is_empty() {
        user.push_str("\nFacts:\n");
        for fact in &section.facts {
            let line = format!("- {}: {}\n", fact.label, fact.text);
            if user.len() + line.len() > PROMPT_CHARS / 3 {
                break;
            }
            user.push_str(&line);
        }
    }
    user.push_str("\nEvidence:\n");
    for (i, hit) in shown.iter().enumerate() {
        let mut text = hit.text.clone();
        if text.len() > EXCERPT_CHARS {
            let mut cut = EXCERPT_CHARS;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        let block = format!(
            "[{}] {}:L{}-L{}\n{}\n\n",
            i + 1,
            hit.path,
            hit.start_line,
            hit.end_line,
            text
        );
        if user.len() + block.len() > PROMPT_CHARS {
            break;
        }
        user.push_str(&block);
    }
    user.push_str("Write the section's prose now.");
    ChatRequest {
        messages: vec![Message::system(SYSTEM), Message::user(user)],
        max_tokens: Some(DRAFT_MAX_TOKENS),
        temperature: Some(0.0),
        // One paragraph; a weak model that starts echoing the prompt stops there.
        stop: vec!["\n\n".into(), "Facts:".into(), "Evidence:".into()],
        ..ChatRequest::default()
    }
}

/// One paragraph of the model's text: headings, code blocks and list
/// markers dropped, `[n]` turned into the citation of evidence `n`, and only
/// the sentences that read as prose kept (see [`reads_as_prose`]), up to a
/// length.
pub fn clean_prose(text: &str, shown: &[Hit]) -> String {
    let mut kept = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || t.is_empty() || t.starts_with('#') || t.starts_with('|') || t == "---" {
            continue;
        }
        let t = t.trim_start_matches(['-', '*', '+', '>']).trim_start();
        let t = strip_ordinal(t);
        kept.push(t.to_string());
    }
    let joined = kept.join(" ");
    let mut prose = String::new();
    let mut seen: Vec<String> = Vec::new();
    for sentence in sentences(&joined) {
        if !reads_as_prose(&sentence) || seen.contains(&sentence) {
            continue;
        }
        let cited = replace_markers(&sentence, shown);
        if prose.len() + cited.len() > MAX_PROSE_CHARS {
            break;
        }
        seen.push(sentence);
        if !prose.is_empty() {
            prose.push(' ');
        }
        prose.push_str(&cited);
    }
    prose
}

/// Whether a sentence of the model's reads as prose rather than an echo of
/// the prompt or of code: some words, no prompt labels, no code punctuation
/// outside backticks, not a run-on, not opening with a citation or a path.
/// This is about readability; truth is [`super::verify`]'s job.
pub fn reads_as_prose(sentence: &str) -> bool {
    const LABELS: &[&str] = &[
        "Facts:",
        "Evidence:",
        "Section:",
        "Task:",
        "Write the section",
        "Question:",
    ];
    if sentence.len() > 400 || LABELS.iter().any(|l| sentence.contains(l)) {
        return false;
    }
    let outside_ticks: String = sentence
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, s)| s)
        .collect::<Vec<_>>()
        .join(" ");
    if ["{", "}", ";", "=>", "->", "//", "#[", "::", "==", ":L"]
        .iter()
        .any(|c| outside_ticks.contains(c))
    {
        return false;
    }
    let first = sentence.split_whitespace().next().unwrap_or("");
    if first.starts_with(['(', '[', '`']) || first.contains('/') {
        return false;
    }
    let words = outside_ticks
        .split_whitespace()
        .filter(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || ",.;:'!?".contains(c))
                && w.chars().any(char::is_alphabetic)
        })
        .count();
    let markers = sentence.matches('[').count();
    words >= 4 && markers <= 3
}

fn strip_ordinal(text: &str) -> &str {
    let digits = text.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && text[digits..].starts_with(". ") {
        &text[digits + 2..]
    } else {
        text
    }
}

/// `[2]` → `` (`path:L1-L9`) `` for each shown evidence number; other
/// brackets are left alone.
fn replace_markers(text: &str, shown: &[Hit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        let number = digits.parse::<usize>().ok();
        match number {
            Some(n) if n >= 1 && n <= shown.len() && after[digits.len()..].starts_with(']') => {
                let hit = &shown[n - 1];
                out.push_str(&format!(
                    "({})",
                    cite(&hit.path, hit.start_line, hit.end_line)
                ));
                rest = &after[digits.len() + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // `(`a`) (`b`)` reads better as `(`a`, `b`)`.
    out.replace("`)(`", "`, `")
        .replace("`) (`", "`, `")
        .replace(" .", ".")
}

/// The section's Markdown from its facts and prose.
pub fn compose(section: &Section, prose: &str) -> String {
    let mut md = format!(
        "{} {}\n\n",
        "#".repeat(section.level as usize),
        section.heading
    );
    let facts: String = section
        .facts
        .iter()
        .map(|f| format!("- **{}**: {}\n", f.label, f.text))
        .collect();
    match &section.kind {
        SectionKind::Component { .. } => {
            md.push_str(&facts);
            if !prose.is_empty() {
                md.push_str(&format!("- **Description**: {prose}\n"));
            }
        }
        SectionKind::CodeExample => {
            if !prose.is_empty() {
                md.push_str(prose);
                md.push_str("\n\n");
            }
            if let Some(hit) = section.pinned.first() {
                md.push_str(&format!(
                    "From {}:\n\n```{}\n{}\n```\n",
                    cite(&hit.path, hit.start_line, hit.end_line),
                    fence_language(&hit.language),
                    hit.text
                ));
            }
            md.push_str(&facts);
        }
        _ => {
            if !prose.is_empty() {
                md.push_str(prose);
                md.push_str("\n\n");
            }
            md.push_str(&facts);
        }
    }
    md.trim_end().to_string()
}

fn fence_language(language: &str) -> &str {
    match language {
        "text" => "",
        "shell" => "sh",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(path: &str, start: usize, end: usize) -> Hit {
        Hit {
            chunk_id: format!("{path}:{start}-{end}"),
            path: path.into(),
            start_line: start,
            end_line: end,
            commit: "c".into(),
            language: "rust".into(),
            text: "fn main() {}".into(),
            score: 0.0,
            symbols: vec![],
        }
    }

    #[test]
    fn markers_become_citations() {
        let shown = [hit("a.rs", 1, 3), hit("b.rs", 4, 9)];
        assert_eq!(
            clean_prose(
                "## Title\nThe program starts here [1][2].\n```\ncode\n```\n- See the guide [3] and [x].",
                &shown
            ),
            "The program starts here (`a.rs:L1-L3`, `b.rs:L4-L9`). See the guide [3] and [x]."
        );
    }

    #[test]
    fn echoes_are_not_prose() {
        let shown = [hit("a.rs", 1, 3)];
        assert_eq!(
            clean_prose(
                "Facts: Path: `server/` Language: Rust. (`a.rs:L1-L1`) a.rs:L1-L1 the x. \
                 fn main() { run(); } is here. The server starts the shop [1]. The server starts the shop [1].",
                &shown
            ),
            "The server starts the shop (`a.rs:L1-L3`)."
        );
    }
}

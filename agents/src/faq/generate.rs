//! FAQ generation from a repository: questions a newcomer would ask, and
//! answers drafted from retrieved evidence and checked like documents.
//!
//! An answer is the model's prose (each sentence citing the evidence it was
//! shown) followed by a "Where to look" list written by code from the same
//! evidence; [`verify`] then drops every sentence or item that does not
//! check out at the indexed commit. A weak model therefore gives a shorter
//! answer, never a false one; an answer with nothing left is dropped.

use std::collections::HashSet;

use morningai_ai::{ChatModel, ChatRequest, Message};
use morningai_knowledge::{Hit, RepoIndex};
use serde::{Deserialize, Serialize};

use crate::doc::draft::clean_prose;
use crate::doc::outline::cite;
use crate::doc::retrieve::head;
use crate::doc::{verify, DocError, VerificationReport};

/// Chunks an answer is drafted from.
pub const EVIDENCE_PER_ANSWER: usize = 4;
/// The longest answer asked of the model.
pub const ANSWER_MAX_TOKENS: u32 = 200;
/// Most questions one task proposes.
pub const MAX_QUESTIONS: usize = 20;
const EXCERPT_LINES: usize = 14;
const EXCERPT_CHARS: usize = 800;
const PROMPT_CHARS: usize = 4_000;

const ANSWER_SYSTEM: &str = "You answer a newcomer's question about a software repository, as an FAQ entry. \
Use only the evidence given. End every sentence with the number of the evidence it comes from, like [1]. \
Never name a file, library or service that the evidence does not show. \
Write two to four plain sentences: no headings, no lists, no code.";

const QUESTIONS_SYSTEM: &str = "You list questions a developer new to a repository would ask. \
One question per line, each ending with a question mark. No numbering, no answers.";

/// A line range an answer cites.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub path: String,
    pub start_line: usize,
    pub end_line: usize,
}

/// A drafted and verified answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftAnswer {
    pub question: String,
    /// Markdown; every sentence and item cites the repository.
    pub answer: String,
    pub evidence: Vec<EvidenceRef>,
    pub report: VerificationReport,
}

/// The evidence for a question: the best chunks, at most one per file.
pub fn evidence(question: &str, index: &RepoIndex) -> Result<Vec<Hit>, DocError> {
    let mut seen = HashSet::new();
    Ok(index
        .search(question, EVIDENCE_PER_ANSWER * 3)?
        .into_iter()
        .filter(|h| seen.insert(h.path.clone()))
        .take(EVIDENCE_PER_ANSWER)
        .collect())
}

/// Drafts the answer to `question` and verifies it; `None` when the
/// repository holds no evidence for it or nothing of the answer checks out.
pub async fn answer(
    question: &str,
    index: &RepoIndex,
    model: &dyn ChatModel,
) -> Result<Option<DraftAnswer>, DocError> {
    let shown = shown(&evidence(question, index)?);
    if shown.is_empty() {
        return Ok(None);
    }
    let markdown = draft(question, &shown, model).await?;
    check(question, &markdown, &shown, index)
}

/// The evidence as the model is shown it (each chunk's head).
pub fn shown(evidence: &[Hit]) -> Vec<Hit> {
    evidence.iter().map(|h| head(h, EXCERPT_LINES)).collect()
}

/// The unverified answer: the model's prose with its `[n]` markers turned
/// into citations, then the "Where to look" list.
pub async fn draft(
    question: &str,
    shown: &[Hit],
    model: &dyn ChatModel,
) -> Result<String, DocError> {
    let response = model.chat(&answer_prompt(question, shown)).await?;
    let mut markdown = clean_prose(&response.text, shown);
    markdown.push_str("\n\n**Where to look:**\n\n");
    for hit in shown {
        markdown.push_str(&where_to_look(hit));
    }
    Ok(markdown)
}

/// The answer with what does not check out at the indexed commit removed;
/// `None` when nothing is left.
pub fn check(
    question: &str,
    markdown: &str,
    shown: &[Hit],
    index: &RepoIndex,
) -> Result<Option<DraftAnswer>, DocError> {
    let (verified, report) = verify(markdown, index)?;
    let verified = without_empty_heading(&verified);
    if report.claims_kept == 0 || verified.trim().is_empty() {
        return Ok(None);
    }
    let evidence = shown
        .iter()
        .map(|h| EvidenceRef {
            path: h.path.clone(),
            start_line: h.start_line,
            end_line: h.end_line,
        })
        .collect();
    Ok(Some(DraftAnswer {
        question: question.to_owned(),
        answer: verified,
        evidence,
        report,
    }))
}

/// `- `path:Lx-Ly`: defines `a`, `b`.` — the symbols the chunk defines.
fn where_to_look(hit: &Hit) -> String {
    let symbols: Vec<String> = hit
        .symbols
        .iter()
        .filter(|s| !s.is_empty() && s.len() <= 60)
        .take(3)
        .map(|s| format!("`{s}`"))
        .collect();
    let what = if symbols.is_empty() {
        String::new()
    } else {
        format!(": defines {}", symbols.join(", "))
    };
    format!(
        "- {}{what}.\n",
        cite(&hit.path, hit.start_line, hit.end_line)
    )
}

/// The "Where to look" label alone, when verification removed every item.
fn without_empty_heading(markdown: &str) -> String {
    let trimmed = markdown.trim();
    match trimmed.strip_suffix("**Where to look:**") {
        Some(rest) => rest.trim().to_owned(),
        None => trimmed.to_owned(),
    }
}

fn answer_prompt(question: &str, shown: &[Hit]) -> ChatRequest {
    let mut user = format!("Question: {question}\n\nEvidence:\n");
    for (i, hit) in shown.iter().enumerate() {
        let text: String = hit.text.chars().take(EXCERPT_CHARS).collect();
        let block = format!("[{}] {}\n{text}\n\n", i + 1, hit.citation());
        if user.len() + block.len() > PROMPT_CHARS {
            break;
        }
        user.push_str(&block);
    }
    user.push_str("Answer the question now.");
    ChatRequest {
        messages: vec![Message::system(ANSWER_SYSTEM), Message::user(user)],
        max_tokens: Some(ANSWER_MAX_TOKENS),
        temperature: Some(0.0),
        stop: vec!["\n\n".into(), "Question:".into(), "Evidence:".into()],
        ..ChatRequest::default()
    }
}

/// What the model is told of the repository when asked for questions.
pub fn brief(index: &RepoIndex, name: &str) -> String {
    let facts = index.facts();
    let mut brief = format!("Repository: {name}\n");
    let components: Vec<&str> = facts
        .components
        .iter()
        .map(|c| c.name.as_str())
        .take(8)
        .collect();
    if !components.is_empty() {
        brief.push_str(&format!("Components: {}\n", components.join(", ")));
    }
    let technologies: Vec<&str> = facts
        .technologies()
        .map(|t| t.name.as_str())
        .take(12)
        .collect();
    if !technologies.is_empty() {
        brief.push_str(&format!("Technologies: {}\n", technologies.join(", ")));
    }
    brief
}

/// `count` questions a newcomer would ask about the repository: the
/// model's, kept when they are questions and new, then `from_facts` (see
/// [`questions_from_facts`]) until there are enough.
pub async fn propose_questions(
    brief: &str,
    from_facts: &[String],
    model: &dyn ChatModel,
    count: usize,
) -> Result<Vec<String>, DocError> {
    let count = count.min(MAX_QUESTIONS);
    let mut questions: Vec<String> = Vec::new();
    let mut keys = HashSet::new();
    let mut push = |q: &str, questions: &mut Vec<String>| {
        if questions.len() < count && keys.insert(morningai_core::question_key(q)) {
            questions.push(q.to_owned());
        }
    };
    let request = ChatRequest {
        messages: vec![
            Message::system(QUESTIONS_SYSTEM),
            Message::user(format!("{brief}\nList {count} questions.")),
        ],
        max_tokens: Some(40 * count as u32),
        temperature: Some(0.0),
        ..ChatRequest::default()
    };
    let response = model.chat(&request).await?;
    // A weak model repeats one template ("What is the latest version of
    // X?") for every component: one question per opening is kept.
    let mut openings = HashSet::new();
    for line in response.text.lines() {
        if let Some(q) = as_question(line) {
            if openings.insert(opening(&q)) {
                push(&q, &mut questions);
            }
        }
    }
    for q in from_facts {
        push(q, &mut questions);
    }
    Ok(questions)
}

/// A question's first five words, lower-cased.
fn opening(question: &str) -> String {
    question
        .split_whitespace()
        .take(5)
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A line of the model's that is a question: list markers and numbering
/// dropped, 10 to 200 characters, ending in `?`, no prompt echo.
pub fn as_question(line: &str) -> Option<String> {
    let t = line
        .trim()
        .trim_start_matches(|c: char| {
            c.is_ascii_digit() || matches!(c, '-' | '*' | '.' | ')' | ' ')
        })
        .trim();
    let n = t.chars().count();
    let echo = ["Repository:", "Components:", "Technologies:", "List "]
        .iter()
        .any(|p| t.starts_with(p));
    (t.ends_with('?') && (10..=200).contains(&n) && !echo).then(|| t.to_owned())
}

/// Questions the repository's facts make worth answering.
pub fn questions_from_facts(index: &RepoIndex, name: &str) -> Vec<String> {
    let facts = index.facts();
    let mut out = vec![format!("How do I run {name} locally?")];
    if !facts.scripts.is_empty() || !facts.entry_points.is_empty() {
        out.push(format!("How do I run the tests of {name}?"));
    }
    out.push(format!("How is {name} configured?"));
    for service in facts.services.iter().take(3) {
        out.push(format!("How does {name} use {}?", service.name));
    }
    for component in facts.components.iter().take(5) {
        out.push(format!("What does the {} component do?", component.name));
    }
    for deploy in facts.deployment.iter().take(2) {
        out.push(format!("How is {name} deployed with {}?", deploy.name));
    }
    out.push(format!("Where is the entry point of {name}?"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_lines_ending_in_a_question_mark() {
        assert_eq!(
            as_question("1. How do I log in?").as_deref(),
            Some("How do I log in?")
        );
        assert_eq!(
            as_question("- Where is the config?").as_deref(),
            Some("Where is the config?")
        );
        assert_eq!(as_question("Answer: it is here."), None);
        assert_eq!(as_question("Why?"), None);
        assert_eq!(as_question("List 3 questions?"), None);
    }

    #[test]
    fn one_question_per_opening() {
        assert_eq!(
            opening("What is the latest version of the backend?"),
            opening("What is the latest version of the frontend?")
        );
        assert_ne!(opening("How do I run it?"), opening("How do I test it?"));
    }

    #[test]
    fn an_emptied_where_to_look_list_loses_its_label() {
        assert_eq!(
            without_empty_heading("Prose.\n\n**Where to look:**\n"),
            "Prose."
        );
        assert_eq!(
            without_empty_heading("**Where to look:**\n\n- `a:L1-L2`."),
            "**Where to look:**\n\n- `a:L1-L2`."
        );
    }
}

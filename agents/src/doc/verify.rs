//! Verification: every sentence of a document is a claim, checked against
//! the repository at the indexed commit. A claim stays only when it cites a
//! `path:Lstart-Lend` and every path, line range, backticked symbol and
//! technology it names checks out; anything else is removed (or, when the
//! only fault is a path with exactly one real path ending in it, rewritten
//! to that path) and counted in the report.
//!
//! Headings and fenced code are not claims: headings are written by code
//! from the facts, and code blocks are verbatim excerpts under a checked
//! citation.

use std::collections::BTreeMap;

use morningai_knowledge::{find_path_like_tokens, ProseIssue, ProseReport, RepoIndex};
use serde::{Deserialize, Serialize};

use super::DocError;

/// What verification did to a document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationReport {
    /// Sentences (and list items) checked.
    pub claims_checked: usize,
    pub claims_kept: usize,
    pub paths_checked: usize,
    pub citations_checked: usize,
    pub symbols_checked: usize,
    pub technologies_checked: usize,
    /// Removed claims by reason: `missing_path`, `bad_lines`,
    /// `unknown_symbol`, `unused_technology`, `uncited`.
    pub removed_by_kind: BTreeMap<String, usize>,
    pub removed: Vec<RemovedClaim>,
    pub rewritten: Vec<RewrittenClaim>,
}

impl VerificationReport {
    /// How many claims were removed.
    pub fn removed_count(&self) -> usize {
        self.removed.len()
    }

    fn absorb(&mut self, prose: &ProseReport) {
        self.paths_checked += prose.paths_checked;
        self.citations_checked += prose.citations_checked;
        self.symbols_checked += prose.symbols_checked;
        self.technologies_checked += prose.technologies_checked;
    }
}

/// A claim taken out of the document, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedClaim {
    pub text: String,
    /// It cites no `path:Lstart-Lend`.
    pub uncited: bool,
    pub issues: Vec<ProseIssue>,
}

/// A claim whose path was corrected to the one real path ending in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewrittenClaim {
    pub from: String,
    pub to: String,
}

/// Technologies checked on top of the knowledge verifier's list:
/// (word, canonical name in the facts).
const MORE_TECHNOLOGIES: &[(&str, &str)] = &[
    ("Supabase", "Supabase"),
    ("OpenAI", "OpenAI API"),
    ("GPT-4", "OpenAI API"),
    ("GPT-3", "OpenAI API"),
    ("ChatGPT", "OpenAI API"),
    ("Heroku", "Heroku"),
    ("Nginx", "nginx"),
    ("nginx", "nginx"),
    ("MinIO", "MinIO"),
    ("Valkey", "Valkey"),
    ("Sidekiq", "Sidekiq"),
    ("DynamoDB", "DynamoDB"),
    ("Firebase", "Firebase"),
];

/// Technologies recognised in any case (`a redis queue`, `an rq worker`):
/// product names that are not English words, as (word, canonical name in
/// the facts). The knowledge verifier and [`MORE_TECHNOLOGIES`] only match
/// the usual spelling, which let a model name an absent service in lower
/// case. Only whole words outside code spans count, so identifiers and
/// paths such as `REDIS_URL`, `bench/rq/` or `redis.conf` do not.
const ANY_CASE_TECHNOLOGIES: &[(&str, &str)] = &[
    ("redis", "Redis"),
    ("rq", "RQ"),
    ("celery", "Celery"),
    ("bullmq", "BullMQ"),
    ("sidekiq", "Sidekiq"),
    ("rabbitmq", "RabbitMQ"),
    ("kafka", "Kafka"),
    ("postgresql", "PostgreSQL"),
    ("postgres", "PostgreSQL"),
    ("mysql", "MySQL"),
    ("mariadb", "MariaDB"),
    ("mongodb", "MongoDB"),
    ("mongo", "MongoDB"),
    ("sqlite", "SQLite"),
    ("memcached", "Memcached"),
    ("elasticsearch", "Elasticsearch"),
    ("dynamodb", "DynamoDB"),
    ("kubernetes", "Kubernetes"),
    ("k8s", "Kubernetes"),
    ("supabase", "Supabase"),
    ("firebase", "Firebase"),
    ("heroku", "Heroku"),
    ("valkey", "Valkey"),
    ("minio", "MinIO"),
];

/// Checks `markdown` claim by claim; returns the document with what did not
/// check out removed, and the report.
pub fn verify(markdown: &str, index: &RepoIndex) -> Result<(String, VerificationReport), DocError> {
    let mut report = VerificationReport::default();
    let mut out: Vec<String> = Vec::new();
    for block in blocks(markdown) {
        match block {
            Block::Verbatim(line) => out.push(line),
            Block::Claims { prefix, content } => {
                // A label is code's, but check it like prose: it could name anything.
                let label = index.verify_prose(&prefix)?;
                report.absorb(&label);
                let mut label_issues = label.issues;
                add_issues(&mut label_issues, technology_issues(&prefix, index));
                if !label_issues.is_empty() {
                    report.claims_checked += 1;
                    remove(
                        &mut report,
                        format!("{prefix}{content}"),
                        false,
                        label_issues,
                    );
                    continue;
                }
                let mut kept = Vec::new();
                for sentence in sentences(&content) {
                    report.claims_checked += 1;
                    if let Some(sentence) = check_claim(&sentence, index, &mut report)? {
                        report.claims_kept += 1;
                        kept.push(sentence);
                    }
                }
                if !kept.is_empty() {
                    out.push(format!("{prefix}{}", kept.join(" ")));
                }
            }
        }
    }
    Ok((drop_empty_headings(out).join("\n"), report))
}

/// The claim as kept (possibly rewritten), or `None` when removed.
fn check_claim(
    sentence: &str,
    index: &RepoIndex,
    report: &mut VerificationReport,
) -> Result<Option<String>, DocError> {
    let prose = index.verify_prose(sentence)?;
    report.absorb(&prose);
    let mut issues = prose.issues;
    add_issues(&mut issues, technology_issues(sentence, index));
    let cited = is_cited(sentence);
    if issues.is_empty() {
        if cited {
            return Ok(Some(sentence.to_string()));
        }
        remove(report, sentence.to_string(), true, Vec::new());
        return Ok(None);
    }
    if let Some(rewritten) = rewrite(sentence, &issues) {
        let again = index.verify_prose(&rewritten)?;
        if again.issues.is_empty()
            && technology_issues(&rewritten, index).is_empty()
            && is_cited(&rewritten)
        {
            report.rewritten.push(RewrittenClaim {
                from: sentence.to_string(),
                to: rewritten.clone(),
            });
            return Ok(Some(rewritten));
        }
    }
    remove(report, sentence.to_string(), !cited, issues);
    Ok(None)
}

fn remove(report: &mut VerificationReport, text: String, uncited: bool, issues: Vec<ProseIssue>) {
    if uncited {
        *report.removed_by_kind.entry("uncited".into()).or_default() += 1;
    }
    for issue in &issues {
        *report
            .removed_by_kind
            .entry(issue_kind(issue).into())
            .or_default() += 1;
    }
    report.removed.push(RemovedClaim {
        text,
        uncited,
        issues,
    });
}

pub fn issue_kind(issue: &ProseIssue) -> &'static str {
    match issue {
        ProseIssue::MissingPath { .. } => "missing_path",
        ProseIssue::BadLines { .. } => "bad_lines",
        ProseIssue::UnknownSymbol { .. } => "unknown_symbol",
        ProseIssue::UnusedTechnology { .. } => "unused_technology",
    }
}

/// Whether a sentence cites a line range.
fn is_cited(sentence: &str) -> bool {
    find_path_like_tokens(sentence)
        .iter()
        .any(|t| t.start_line.is_some())
}

/// The sentence with each missing path replaced by the one real path that
/// ends with it; `None` unless every issue is such a path.
fn rewrite(sentence: &str, issues: &[ProseIssue]) -> Option<String> {
    let mut out = sentence.to_string();
    for issue in issues {
        let ProseIssue::MissingPath {
            token,
            path,
            suggestions,
        } = issue
        else {
            return None;
        };
        let [real] = suggestions.as_slice() else {
            return None;
        };
        let fixed = token.replacen(path.as_str(), real, 1);
        let fixed = fixed
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string();
        if !out.contains(token.as_str()) {
            return None;
        }
        out = out.replacen(token.as_str(), &fixed, 1);
    }
    Some(out)
}

/// Named technologies the repository's facts do not show, beyond the
/// knowledge verifier's list (and its spelling).
fn technology_issues(text: &str, index: &RepoIndex) -> Vec<ProseIssue> {
    let facts = index.facts();
    let mut issues: Vec<ProseIssue> = Vec::new();
    let mentions = MORE_TECHNOLOGIES
        .iter()
        .filter(|(word, _)| contains_word(text, word))
        .map(|(word, canonical)| (*word, *canonical))
        .chain(plain_words(text).filter_map(|word| {
            ANY_CASE_TECHNOLOGIES
                .iter()
                .find(|(known, _)| word.eq_ignore_ascii_case(known))
                .map(|(_, canonical)| (word, *canonical))
        }));
    for (mention, canonical) in mentions {
        if !facts.uses(canonical) {
            add_issues(
                &mut issues,
                vec![ProseIssue::UnusedTechnology {
                    name: canonical.to_string(),
                    mention: mention.to_string(),
                }],
            );
        }
    }
    issues
}

/// Adds `more` to `issues`, one unused technology per name (the knowledge
/// verifier may have reported it already).
fn add_issues(issues: &mut Vec<ProseIssue>, more: Vec<ProseIssue>) {
    for issue in more {
        let known = match &issue {
            ProseIssue::UnusedTechnology { name, .. } => issues
                .iter()
                .any(|i| matches!(i, ProseIssue::UnusedTechnology { name: n, .. } if n == name)),
            _ => false,
        };
        if !known {
            issues.push(issue);
        }
    }
}

/// The words of `text` outside code spans: split at anything but letters,
/// digits, `_`, `.` and `/` (so `REDIS_URL` and `bench/rq/` stay whole and
/// `redis-backed` does not), without a sentence's closing dot.
fn plain_words(text: &str) -> impl Iterator<Item = &str> {
    text.split('`')
        .step_by(2)
        .flat_map(|part| {
            part.split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '/')))
        })
        .map(|word| word.trim_end_matches('.'))
        .filter(|word| !word.is_empty())
}

fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric()) && !after.is_some_and(|c| c.is_alphanumeric())
    })
}

enum Block {
    Verbatim(String),
    /// A paragraph or list item: its marker and bold label, then its text.
    Claims {
        prefix: String,
        content: String,
    },
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut in_fence = false;
    let mut continuable = false;
    for line in markdown.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            blocks.push(Block::Verbatim(line.to_string()));
            continuable = false;
            continue;
        }
        if in_fence || t.is_empty() || t.starts_with('#') || t == "---" || t.starts_with("<!--") {
            blocks.push(Block::Verbatim(line.to_string()));
            continuable = false;
            continue;
        }
        let marker = list_marker(line);
        if marker.is_none() && continuable {
            if let Some(Block::Claims { content, .. }) = blocks.last_mut() {
                content.push(' ');
                content.push_str(line.trim());
                continue;
            }
        }
        let marker_len = marker.unwrap_or(line.len() - t.len());
        let (label_len, _) = bold_label(&line[marker_len..]);
        let split = marker_len + label_len;
        blocks.push(Block::Claims {
            prefix: line[..split].to_string(),
            content: line[split..].trim().to_string(),
        });
        continuable = true;
    }
    blocks
}

/// The length of a list marker with its indentation and space (`- `, `  1. `).
fn list_marker(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start().len();
    let t = &line[indent..];
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("+ ") {
        return Some(indent + 2);
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    (digits > 0 && t[digits..].starts_with(". ")).then_some(indent + digits + 2)
}

/// The length of a leading `**Label**:` / `**Label:**` with its space.
fn bold_label(text: &str) -> (usize, bool) {
    let Some(rest) = text.strip_prefix("**") else {
        return (0, false);
    };
    let Some(close) = rest.find("**") else {
        return (0, false);
    };
    let mut len = 2 + close + 2;
    let after = &text[len..];
    if after.starts_with(':') {
        len += 1;
    } else if !rest[..close].ends_with(':') {
        return (0, false);
    }
    let spaces = text[len..].len() - text[len..].trim_start().len();
    (len + spaces, true)
}

/// Splits text into sentences at `.`, `!` or `?` followed by a space,
/// outside backticks and brackets, and not after `e.g.`-style abbreviations.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_tick = false;
    let mut depth: i32 = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_tick = !in_tick,
            b'(' | b'[' if !in_tick => depth += 1,
            b')' | b']' if !in_tick => depth = (depth - 1).max(0),
            b'.' | b'!' | b'?' if !in_tick && depth == 0 => {
                let next_is_space = bytes.get(i + 1).is_some_and(|c| c.is_ascii_whitespace());
                if next_is_space && !abbreviation(&text[start..=i]) {
                    let sentence = text[start..=i].trim();
                    if !sentence.is_empty() {
                        out.push(sentence.to_string());
                    }
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    let tail = text[start..].trim();
    if !tail.is_empty() {
        out.push(tail.to_string());
    }
    out
}

fn abbreviation(sentence: &str) -> bool {
    let last = sentence
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_lowercase();
    matches!(last.as_str(), "e.g." | "i.e." | "etc." | "vs." | "cf.")
}

/// Drops headings left without content before the next heading of the same
/// or a higher level.
fn drop_empty_headings(lines: Vec<String>) -> Vec<String> {
    let level = |l: &str| {
        let hashes = l.chars().take_while(|c| *c == '#').count();
        (hashes > 0 && l[hashes..].starts_with(' ')).then_some(hashes)
    };
    let mut keep = vec![true; lines.len()];
    let mut in_fence = false;
    let fenced: Vec<bool> = lines
        .iter()
        .map(|l| {
            if l.trim_start().starts_with("```") {
                in_fence = !in_fence;
                true
            } else {
                in_fence
            }
        })
        .collect();
    for (i, line) in lines.iter().enumerate() {
        if fenced[i] {
            continue;
        }
        let Some(own) = level(line) else { continue };
        let mut has_content = false;
        for (j, next) in lines.iter().enumerate().skip(i + 1) {
            if !fenced[j] {
                if let Some(other) = level(next) {
                    has_content |= other > own;
                    break;
                }
            }
            if !next.trim().is_empty() {
                has_content = true;
                break;
            }
        }
        keep[i] = has_content;
    }
    let mut out: Vec<String> = lines
        .into_iter()
        .zip(keep)
        .filter_map(|(l, k)| k.then_some(l))
        .collect();
    // No runs of blank lines where something was removed.
    out.dedup_by(|a, b| a.trim().is_empty() && b.trim().is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sentences_but_not_citations_or_abbreviations() {
        assert_eq!(
            sentences("It runs (e.g. `a.rs:L1-L2`). Then `b.rs` stops! Done"),
            vec!["It runs (e.g. `a.rs:L1-L2`).", "Then `b.rs` stops!", "Done"]
        );
        assert_eq!(
            sentences("Rust (1 file, e.g. `x.rs`). Go."),
            vec!["Rust (1 file, e.g. `x.rs`).", "Go."]
        );
    }

    #[test]
    fn plain_words_skip_code_spans_paths_and_identifiers() {
        let words: Vec<&str> = plain_words(
            "Jobs go to an rq worker over a redis-backed queue (`REDIS_URL`, `rq/x.py`). \
             See bench/rq/ and REDIS_URL in redis.conf, then Redis.",
        )
        .collect();
        assert!(
            words.contains(&"rq") && words.contains(&"redis"),
            "{words:?}"
        );
        assert!(words.contains(&"Redis"), "{words:?}");
        for whole in ["bench/rq/", "REDIS_URL", "redis.conf"] {
            assert!(words.contains(&whole), "{whole}: {words:?}");
        }
        assert!(!words.iter().any(|w| w.contains("rq/x.py")), "{words:?}");
    }

    #[test]
    fn labels_and_markers() {
        assert_eq!(list_marker("- **Path**: x"), Some(2));
        assert_eq!(list_marker("  12. y"), Some(6));
        assert_eq!(list_marker("plain"), None);
        assert_eq!(bold_label("**Path**: x").0, 10);
        assert_eq!(bold_label("**Issue:** x").0, 11);
        assert_eq!(bold_label("**bold** text").0, 0);
    }

    #[test]
    fn empty_headings_go() {
        let lines = [
            "## A", "", "## B", "text", "### C", "", "## D", "### E", "x",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            drop_empty_headings(lines),
            vec!["", "## B", "text", "", "## D", "### E", "x"]
        );
    }
}

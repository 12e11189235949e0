//! Checking what a document claims against the repository at the indexed
//! commit: cited line ranges, path-like tokens, backticked symbols and named
//! technologies.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::index::RepoIndex;

/// The outcome of checking one citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CitationCheck {
    Ok,
    /// The commit has no such file.
    MissingFile,
    /// `start` > `end`, or a line number of 0.
    InvalidRange,
    /// The range goes past the file's last line.
    OutOfRange {
        lines: usize,
    },
    /// The file exists but is not text (nothing to cite by line).
    NotText,
}

/// A path-like token found in prose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathToken {
    /// The token as written (`src/main.rs:L3-L9`).
    pub text: String,
    /// The repository path it names, without leading `./` or `/`, and without
    /// the trailing `/` of a folder.
    pub path: String,
    /// Whether it names a folder (written with a trailing `/`).
    pub dir: bool,
    pub start_line: Option<usize>,
    pub end_line: Option<usize>,
    /// Byte offset in the text.
    pub offset: usize,
    pub backticked: bool,
}

/// Something in the prose that does not check out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProseIssue {
    /// A path that is not in the repository; `suggestions` are real paths
    /// that end with it.
    MissingPath {
        token: String,
        path: String,
        suggestions: Vec<String>,
    },
    /// A cited line range that is not in the file.
    BadLines {
        token: String,
        path: String,
        check: CitationCheck,
    },
    /// A backticked identifier that is neither defined nor used in the code.
    UnknownSymbol { name: String },
    /// A technology the repository's facts do not show it uses.
    UnusedTechnology { name: String, mention: String },
}

/// The result of checking a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProseReport {
    pub paths_checked: usize,
    pub citations_checked: usize,
    pub symbols_checked: usize,
    pub technologies_checked: usize,
    pub issues: Vec<ProseIssue>,
}

impl ProseReport {
    /// Whether everything checked out.
    pub fn is_clean(&self) -> bool {
        self.issues.is_empty()
    }
}

const EXTENSIONS: &[&str] = &[
    "rs",
    "py",
    "pyi",
    "ts",
    "tsx",
    "js",
    "jsx",
    "mjs",
    "cjs",
    "go",
    "md",
    "mdx",
    "toml",
    "json",
    "yaml",
    "yml",
    "txt",
    "sql",
    "sh",
    "bash",
    "html",
    "css",
    "scss",
    "lock",
    "cfg",
    "ini",
    "env",
    "java",
    "kt",
    "rb",
    "php",
    "c",
    "h",
    "cc",
    "cpp",
    "hpp",
    "cs",
    "swift",
    "proto",
    "graphql",
    "xml",
    "gradle",
    "vue",
    "svelte",
    "dockerfile",
    "mk",
    "conf",
    "csv",
    "svg",
    "png",
    "jpg",
    "example",
    "sample",
    "tmpl",
];

const FILENAMES: &[&str] = &[
    "Dockerfile",
    "Makefile",
    "Procfile",
    "LICENSE",
    "README",
    "Gemfile",
    "Rakefile",
    "Justfile",
    ".gitignore",
    ".env",
    ".dockerignore",
];

/// Names that look like files but are products (`Node.js`).
const NOT_FILES: &[&str] = &[
    "node.js",
    "vue.js",
    "next.js",
    "nuxt.js",
    "express.js",
    "react.js",
    "d3.js",
    "three.js",
    "chart.js",
    "ember.js",
    "backbone.js",
    "angular.js",
    "nest.js",
    "socket.io",
    "deno.js",
];

const HTTP_VERBS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("valid regex"))
}

/// Every path-like token in `text`: `src/foo.rs`, `backend/`, `Cargo.toml`,
/// `/queue`, with an optional `:L10-L20`, `:10-20` or `#L10-L20` suffix.
/// URLs, e-mail addresses, HTTP routes after a verb (`POST /api/tasks`) and
/// product names (`Node.js`) are not paths.
pub fn find_path_like_tokens(text: &str) -> Vec<PathToken> {
    static TICKS: OnceLock<Regex> = OnceLock::new();
    static WORD: OnceLock<Regex> = OnceLock::new();
    let ticks = regex(&TICKS, r"`([^`\n]+)`");
    let word = regex(&WORD, r"[A-Za-z0-9_./~@+#:-]+");
    let mut tokens = Vec::new();
    let mut ticked = Vec::new();
    for m in ticks.captures_iter(text) {
        let inner = m.get(1).expect("group");
        ticked.push(m.get(0).expect("match").range());
        if let Some(token) = path_token(inner.as_str(), inner.start(), true, text) {
            tokens.push(token);
        }
    }
    for m in word.find_iter(text) {
        if ticked.iter().any(|r| r.contains(&m.start())) {
            continue;
        }
        if let Some(token) = path_token(m.as_str(), m.start(), false, text) {
            tokens.push(token);
        }
    }
    tokens.sort_by_key(|t| t.offset);
    tokens
}

fn path_token(raw: &str, offset: usize, backticked: bool, text: &str) -> Option<PathToken> {
    static LINES: OnceLock<Regex> = OnceLock::new();
    let lines = regex(
        &LINES,
        r"^(.+?)(?::L?(\d+)(?:-L?(\d+))?|#L(\d+)(?:-L(\d+))?)$",
    );
    let leading = raw.len() - raw.trim_start_matches(['(', '"', '\'', '[', '<']).len();
    let mut token = raw[leading..].trim_end_matches([')', '"', '\'', ']', '>', ',', ';', '!', '?']);
    // A sentence's full stop or colon is not part of the path.
    while token.ends_with(['.', ':']) {
        token = &token[..token.len() - 1];
    }
    if token.is_empty() || token.contains("://") || token.contains('@') || token.contains("..") {
        return None;
    }
    let (body, start, end) = match lines.captures(token) {
        Some(c) => {
            let body = c.get(1).expect("group").as_str();
            let start = c.get(2).or(c.get(4)).and_then(|m| m.as_str().parse().ok());
            let end = c.get(3).or(c.get(5)).and_then(|m| m.as_str().parse().ok());
            (body, start, end.or(start))
        }
        None => (token, None, None),
    };
    if body.contains(':') || body.contains('#') || body.starts_with("www.") {
        return None;
    }
    let rooted = body.starts_with('/');
    let path = body.trim_start_matches("./").trim_start_matches('/');
    let dir = path.ends_with('/');
    let path = path.trim_end_matches('/');
    if path.is_empty() || path.starts_with('~') {
        return None;
    }
    let segments: Vec<&str> = path.split('/').collect();
    let segment_ok = |s: &&str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+'))
            && s.chars().any(|c| c.is_ascii_alphabetic())
    };
    if !segments.iter().all(segment_ok) {
        return None;
    }
    let last = segments.last().copied().unwrap_or("");
    let has_extension = last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    });
    let known_name = FILENAMES.contains(&last);
    if segments.len() == 1 && NOT_FILES.contains(&last.to_ascii_lowercase().as_str()) {
        return None;
    }
    let path_like = if segments.len() > 1 || rooted || dir {
        has_extension || known_name || dir || rooted || backticked
    } else {
        has_extension || known_name
    };
    if !path_like {
        return None;
    }
    if rooted && !dir {
        // `POST /api/tasks` is a route, not a file.
        let before = text[..offset].trim_end();
        if HTTP_VERBS.iter().any(|v| before.ends_with(v)) {
            return None;
        }
    }
    Some(PathToken {
        text: token.to_string(),
        path: path.to_string(),
        dir,
        start_line: start,
        end_line: end,
        offset: offset + leading,
        backticked,
    })
}

/// Technologies recognised in prose: (pattern, canonical name as in facts).
const TECHNOLOGIES: &[(&str, &str)] = &[
    (r"\bRedis\b", "Redis"),
    (r"\bPostgre(?:SQL|s)\b", "PostgreSQL"),
    (r"\bMySQL\b", "MySQL"),
    (r"\bMariaDB\b", "MariaDB"),
    (r"\bMongoDB\b", "MongoDB"),
    (r"\bSQLite\b", "SQLite"),
    (r"\bRabbitMQ\b", "RabbitMQ"),
    (r"\bKafka\b", "Kafka"),
    (r"\bCelery\b", "Celery"),
    (r"\bRQ\b", "RQ"),
    (r"\bBullMQ\b", "BullMQ"),
    (r"\bMemcached\b", "Memcached"),
    (r"\bElasticsearch\b", "Elasticsearch"),
    (r"\bFlask\b", "Flask"),
    (r"\bDjango\b", "Django"),
    (r"\bFastAPI\b", "FastAPI"),
    (r"\bGunicorn\b", "Gunicorn"),
    (r"\bExpress\b", "Express"),
    (r"\bReact\b", "React"),
    (r"\bVue\b", "Vue"),
    (r"\bAngular\b", "Angular"),
    (r"\bSvelte\b", "Svelte"),
    (r"\bNext\.js\b", "Next.js"),
    (r"\bVite\b", "Vite"),
    (r"\bTailwind\b", "Tailwind CSS"),
    (r"\bDocker Compose\b", "Docker Compose"),
    (r"\bKubernetes\b", "Kubernetes"),
    (r"\bLangGraph\b", "LangGraph"),
    (r"\bDjango\b", "Django"),
];

impl RepoIndex {
    /// Checks a citation `path:start-end` (1-based, inclusive) against the
    /// indexed commit.
    pub fn verify_citation(&self, path: &str, start: usize, end: usize) -> CitationCheck {
        let path = path.trim_start_matches("./").trim_start_matches('/');
        if start == 0 || end < start {
            return if self.has_file(path) {
                CitationCheck::InvalidRange
            } else {
                CitationCheck::MissingFile
            };
        }
        let lines = match self.file(path) {
            Some(file) => file.lines,
            None if self.has_file(path) => match self.read_file(path) {
                Ok(Some(bytes)) => match std::str::from_utf8(&bytes) {
                    Ok(text) if !bytes.contains(&0) => text.lines().count(),
                    _ => return CitationCheck::NotText,
                },
                _ => return CitationCheck::MissingFile,
            },
            None => return CitationCheck::MissingFile,
        };
        if end > lines {
            CitationCheck::OutOfRange { lines }
        } else {
            CitationCheck::Ok
        }
    }

    /// Checks every path-like token (and its line range), every backticked
    /// identifier that looks like a symbol (`parse_config`, `TaskStore`,
    /// `Store::claim_next`, `run()`), and every named technology in `text`;
    /// the report lists what does not check out.
    pub fn verify_prose(&self, text: &str) -> Result<ProseReport> {
        let mut report = ProseReport::default();
        for token in find_path_like_tokens(text) {
            report.paths_checked += 1;
            let exists = if token.dir {
                self.has_dir(&token.path)
            } else {
                self.has_file(&token.path) || self.has_dir(&token.path)
            };
            if !exists {
                let suffix = format!("/{}", token.path);
                let mut suggestions: Vec<String> = self
                    .paths()
                    .filter(|p| p.ends_with(&suffix))
                    .map(str::to_string)
                    .collect();
                suggestions.sort();
                suggestions.truncate(5);
                report.issues.push(ProseIssue::MissingPath {
                    token: token.text,
                    path: token.path,
                    suggestions,
                });
                continue;
            }
            if let Some(start) = token.start_line {
                report.citations_checked += 1;
                let end = token.end_line.unwrap_or(start);
                let check = self.verify_citation(&token.path, start, end);
                if check != CitationCheck::Ok {
                    report.issues.push(ProseIssue::BadLines {
                        token: token.text,
                        path: token.path,
                        check,
                    });
                }
            }
        }
        for name in backticked_symbols(text) {
            report.symbols_checked += 1;
            let last = name
                .trim_end_matches("()")
                .rsplit(['.', ':'])
                .next()
                .unwrap_or(&name)
                .to_string();
            if self.symbols().any(|s| s.name == last) || self.mentions(&name)? {
                continue;
            }
            report.issues.push(ProseIssue::UnknownSymbol { name });
        }
        let facts = self.facts();
        let mut named = std::collections::BTreeSet::new();
        for (pattern, canonical) in TECHNOLOGIES {
            let re = Regex::new(pattern).expect("valid regex");
            let Some(m) = re.find(text) else { continue };
            if !named.insert(*canonical) {
                continue;
            }
            report.technologies_checked += 1;
            if !facts.uses(canonical) {
                report.issues.push(ProseIssue::UnusedTechnology {
                    name: canonical.to_string(),
                    mention: m.as_str().to_string(),
                });
            }
        }
        Ok(report)
    }
}

/// Backticked identifiers that look like code symbols rather than words:
/// containing `_`, `::`, `()`, or an inner capital (`TaskStore`).
fn backticked_symbols(text: &str) -> Vec<String> {
    static TICKS: OnceLock<Regex> = OnceLock::new();
    static IDENT: OnceLock<Regex> = OnceLock::new();
    let ticks = regex(&TICKS, r"`([^`\n]+)`");
    let ident = regex(
        &IDENT,
        r"^[A-Za-z_][A-Za-z0-9_]*(?:(?:::|\.)[A-Za-z_][A-Za-z0-9_]*)*(?:\(\))?$",
    );
    let mut out = Vec::new();
    for m in ticks.captures_iter(text) {
        let inner = m.get(1).expect("group").as_str().trim();
        if !ident.is_match(inner) {
            continue;
        }
        // A file name (`main.rs`) is a path, checked as such.
        if path_token(inner, 0, true, inner).is_some() {
            continue;
        }
        let bare = inner.trim_end_matches("()");
        let inner_capital = bare.chars().skip(1).any(|c| c.is_ascii_uppercase())
            && bare.chars().any(|c| c.is_ascii_lowercase());
        let looks_like_symbol =
            bare.contains('_') || bare.contains("::") || inner.ends_with("()") || inner_capital;
        if looks_like_symbol && !out.iter().any(|s| s == inner) {
            out.push(inner.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str) -> Vec<String> {
        find_path_like_tokens(text)
            .into_iter()
            .map(|t| t.path)
            .collect()
    }

    #[test]
    fn finds_paths_not_words() {
        assert_eq!(
            paths("See `src/main.rs:L3-L9`, the backend/ folder, Cargo.toml and /queue."),
            vec!["src/main.rs", "backend", "Cargo.toml", "queue"]
        );
        assert!(paths("Built on Node.js and TCP/IP, read/write I/O, and/or e.g. v1.2").is_empty());
        assert!(paths("Visit https://example.com/a.md or mail a@b.md").is_empty());
        assert!(paths("Call POST /api/tasks to start").is_empty());
        let t = &find_path_like_tokens("in store/src/sql.rs#L10-L20.")[0];
        assert_eq!((t.start_line, t.end_line), (Some(10), Some(20)));
        let t = &find_path_like_tokens("at core/src/lib.rs:7")[0];
        assert_eq!((t.start_line, t.end_line), (Some(7), Some(7)));
    }

    #[test]
    fn symbol_candidates() {
        assert_eq!(
            backticked_symbols("`TaskStore`, `claim_next()`, `cargo`, `Redis`, `main.rs`, `a::b`"),
            vec!["TaskStore", "claim_next()", "a::b"]
        );
    }
}

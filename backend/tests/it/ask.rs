//! `morningai index` and `morningai ask` as a user runs them, on a small git
//! repository made for the test, with the embedded model (offline).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cli::morningai;
use crate::support::TempDir;

const QUESTION: &str = "What is the system architecture?";

/// The fixture repository's files: a Rust binary with a module, a Python
/// script, a manifest and a README.
const FILES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        r#"[package]
name = "tally"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"
"#,
    ),
    (
        "README.md",
        r#"# Tally

Tally counts the words of text files and prints the most frequent ones.

## Usage

Run `cargo run -- notes.txt` to count the words of `notes.txt`; the counts are
kept by `Counter` in `src/counter.rs`. `scripts/report.py` turns the JSON the
binary prints into a plain-text report.
"#,
    ),
    (
        "src/main.rs",
        r#"//! The `tally` command: counts the words of the files it is given.

mod counter;

use counter::Counter;

fn main() {
    let mut counter = Counter::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).expect("a readable file");
        counter.add_text(&text);
    }
    let top = counter.top(10);
    println!("{}", serde_json::to_string(&top).expect("serialisable"));
}
"#,
    ),
    (
        "src/counter.rs",
        r#"//! Word counts.

use std::collections::HashMap;

/// How often each word occurs.
#[derive(Debug, Default)]
pub struct Counter {
    counts: HashMap<String, usize>,
}

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts every word of `text`, lower-cased.
    pub fn add_text(&mut self, text: &str) {
        for word in text.split_whitespace() {
            *self.counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }

    /// The `n` most frequent words, most frequent first.
    pub fn top(&self, n: usize) -> Vec<(String, usize)> {
        let mut all: Vec<(String, usize)> =
            self.counts.iter().map(|(w, c)| (w.clone(), *c)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(n);
        all
    }
}
"#,
    ),
    (
        "scripts/report.py",
        r#""""Prints the word counts that `tally` wrote as JSON as a plain-text report."""

import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def report(counts):
    lines = []
    for word, count in counts:
        lines.append(f"{word:20} {count:6}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(load(sys.argv[1])))
"#,
    ),
];

struct Fixture {
    /// Holds `repo/` and whatever a test writes beside it.
    dir: TempDir,
    repo: PathBuf,
}

impl Fixture {
    /// A committed git repository of [`FILES`] in a temp dir of its own.
    fn new() -> Self {
        let root =
            std::env::temp_dir().join(format!("morningai-ask-{}", uuid::Uuid::new_v4().simple()));
        let repo = root.join("tally");
        for (path, content) in FILES {
            let full = repo.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
        }
        let fixture = Fixture {
            dir: TempDir(root),
            repo,
        };
        fixture.git(&["init", "--quiet"]);
        fixture.commit("The first version");
        fixture
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=MorningAI Tests",
                "-c",
                "user.email=tests@morningai.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(&self.repo)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "-m", message]);
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_owned()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> (Output, String, String) {
    let out = command.output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    (out, stdout, stderr)
}

fn index(repo: &Path, index_dir: &Path) -> String {
    let (out, stdout, stderr) = run(morningai()
        .arg("index")
        .arg("--repo")
        .arg(repo)
        .arg("--index-dir")
        .arg(index_dir));
    assert!(out.status.success(), "{stderr}");
    stdout
}

/// The number before `word` in the summary (`12 files (12 indexed, 0 reused, …`).
fn figure(summary: &str, word: &str) -> usize {
    let words: Vec<&str> = summary.split_whitespace().collect();
    words
        .windows(2)
        .find_map(|pair| {
            (pair[1].trim_end_matches([',', ')', ';']) == word)
                .then(|| pair[0].trim_start_matches('(').parse().ok())
                .flatten()
        })
        .unwrap_or_else(|| panic!("no number before `{word}` in {summary:?}"))
}

#[test]
fn index_reads_every_file_once_then_only_what_changed() {
    let fx = Fixture::new();
    let index_dir = fx.path("index");

    let first = index(&fx.repo, &index_dir);
    let files = figure(&first, "files");
    assert_eq!(files, FILES.len(), "{first}");
    assert_eq!(figure(&first, "indexed"), files, "{first}");
    assert_eq!(figure(&first, "reused"), 0, "{first}");
    assert!(figure(&first, "chunks") > 0, "{first}");
    assert!(first.contains(&fx.head()[..12]), "{first}");

    let again = index(&fx.repo, &index_dir);
    assert_eq!(figure(&again, "files"), files, "{again}");
    assert_eq!(figure(&again, "indexed"), 0, "{again}");
    assert_eq!(figure(&again, "reused"), files, "{again}");
    assert_eq!(figure(&again, "removed"), 0, "{again}");

    // A commit that edits one file and deletes another.
    let readme = fx.repo.join("README.md");
    let edited = std::fs::read_to_string(&readme).unwrap() + "\nIt has no dependencies to run.\n";
    std::fs::write(&readme, edited).unwrap();
    std::fs::remove_file(fx.repo.join("scripts/report.py")).unwrap();
    fx.commit("Drop the report script");
    let changed = index(&fx.repo, &index_dir);
    assert_eq!(figure(&changed, "files"), files - 1, "{changed}");
    assert_eq!(figure(&changed, "indexed"), 1, "{changed}");
    assert_eq!(figure(&changed, "reused"), files - 2, "{changed}");
    assert_eq!(figure(&changed, "removed"), 1, "{changed}");
    assert!(changed.contains(&fx.head()[..12]), "{changed}");

    // Nothing was written into the repository.
    assert_eq!(fx.git(&["status", "--porcelain", "--ignored"]), "");
}

#[test]
fn index_keeps_its_index_in_the_data_folder_by_default() {
    let fx = Fixture::new();
    let data = fx.path("data");
    let (out, stdout, stderr) = run(morningai()
        .args(["index", "--repo"])
        .arg(&fx.repo)
        .env("MORNINGAI_DATA_DIR", &data));
    assert!(out.status.success(), "{stderr}");
    let indexes: Vec<String> = std::fs::read_dir(data.join("indexes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(indexes.len(), 1, "{indexes:?}");
    let name = &indexes[0];
    assert!(
        name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit()),
        "{name}"
    );
    assert!(data
        .join("indexes")
        .join(name)
        .join("manifest.json")
        .is_file());
    assert!(stdout.contains(name.as_str()), "{stdout}");
    assert_eq!(fx.git(&["status", "--porcelain", "--ignored"]), "");
}

/// Every `path:Lstart-Lend` (or `path:Lline`) in `markdown`.
fn citations(markdown: &str) -> Vec<(String, usize, usize)> {
    let is_path = |c: char| c.is_ascii_alphanumeric() || "_./-".contains(c);
    let digits = |s: &str| -> String { s.chars().take_while(char::is_ascii_digit).collect() };
    let mut out = Vec::new();
    for line in markdown.lines() {
        let mut from = 0;
        while let Some(found) = line[from..].find(":L") {
            let at = from + found;
            from = at + 2;
            let path_start = line[..at]
                .char_indices()
                .rev()
                .find(|(_, c)| !is_path(*c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let path = &line[path_start..at];
            let start = digits(&line[at + 2..]);
            if path.is_empty() || start.is_empty() {
                continue;
            }
            let end = line[at + 2 + start.len()..]
                .strip_prefix("-L")
                .map(digits)
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| start.clone());
            out.push((
                path.to_owned(),
                start.parse().unwrap(),
                end.parse().unwrap(),
            ));
        }
    }
    out
}

#[test]
fn ask_writes_a_cited_verified_document_with_the_embedded_model() {
    let fx = Fixture::new();
    let doc_path = fx.path("doc.md");
    let (out, stdout, stderr) = run(morningai()
        .arg("ask")
        .arg("--repo")
        .arg(&fx.repo)
        .arg("--index-dir")
        .arg(fx.path("index"))
        .arg(QUESTION)
        .arg("--out")
        .arg(&doc_path)
        .env("MORNINGAI_LOCAL_MODEL_PATH", crate::chat::local_model())
        // Nothing listens here: the embedded model must not need the network.
        .env("MORNINGAI_OPENAI_BASE_URL", "http://127.0.0.1:9/v1"));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "", "the document goes to --out");
    for expected in [
        "indexed tally at",
        "verification: ",
        " claims checked, ",
        " citations",
        "timings: index ",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in {stderr}");
    }

    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let head = fx.head();
    let footer = doc
        .split_once("\n---\n\n**Metadata**:\n")
        .unwrap_or_else(|| panic!("no footer in {doc}"))
        .1;
    assert!(
        footer.contains(&format!("- Task: {QUESTION}\n")),
        "{footer}"
    );
    assert!(
        footer.contains("- Generated by: MorningAI documentation agent using local/SmolLM2-135M-Instruct.Q4_1\n"),
        "{footer}"
    );
    assert!(footer.contains("- Repository: tally\n"), "{footer}");
    assert!(
        footer.contains(&format!("- Commit: `{head}`\n")),
        "{footer}"
    );
    let trace_id = footer
        .split_once("- Trace ID: `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("no trace id in {footer}"));
    uuid::Uuid::parse_str(trace_id).unwrap_or_else(|e| panic!("trace id {trace_id}: {e}"));

    // Every citation names a file of the fixture, with lines it has.
    let cited = citations(&doc);
    assert!(!cited.is_empty(), "no citations in {doc}");
    for (path, start, end) in &cited {
        let content = FILES
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("{path}:L{start}-L{end} is not a fixture file:\n{doc}"))
            .1;
        let lines = content.lines().count();
        assert!(
            1 <= *start && start <= end && *end <= lines,
            "{path}:L{start}-L{end} is outside its {lines} lines:\n{doc}"
        );
    }

    let evidence: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fx.path("doc.md.evidence.json")).unwrap()).unwrap();
    assert_eq!(evidence["commit"], head.as_str(), "{evidence}");
    assert_eq!(evidence["question"], QUESTION, "{evidence}");
    assert_eq!(evidence["trace_id"], trace_id, "{evidence}");
    assert!(
        !evidence["chunks"].as_array().unwrap().is_empty(),
        "{evidence}"
    );
    assert!(
        !evidence["citations"].as_array().unwrap().is_empty(),
        "{evidence}"
    );
    assert_eq!(fx.git(&["status", "--porcelain", "--ignored"]), "");
}

#[test]
fn index_and_ask_refuse_bad_input_clearly() {
    let fx = Fixture::new();
    let missing = fx.path("no-such-repository");
    for command in ["index", "ask"] {
        let mut cmd = morningai();
        cmd.arg(command).arg("--repo").arg(&missing);
        if command == "ask" {
            cmd.arg(QUESTION);
        }
        cmd.arg("--index-dir").arg(fx.path("index"));
        let (out, _, stderr) = run(&mut cmd);
        assert!(!out.status.success(), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!("{} does not exist", missing.display())),
            "{command}: {stderr}"
        );
    }

    let file = fx.repo.join("README.md");
    let (out, _, stderr) = run(morningai()
        .args(["index", "--repo"])
        .arg(&file)
        .arg("--index-dir")
        .arg(fx.path("index")));
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("{} is not a directory", file.display())),
        "{stderr}"
    );

    let (out, _, stderr) = run(morningai()
        .args(["ask", "--repo"])
        .arg(&fx.repo)
        .arg("   ")
        .arg("--index-dir")
        .arg(fx.path("index")));
    assert!(!out.status.success());
    assert!(stderr.contains("the question is empty"), "{stderr}");

    // A plain directory never gets its index inside it (it would index it).
    let plain = fx.path("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(plain.join("notes.md"), "# Notes\n").unwrap();
    let (out, _, stderr) = run(morningai()
        .args(["index", "--repo"])
        .arg(&plain)
        .arg("--index-dir")
        .arg(plain.join("data/index")));
    assert!(!out.status.success());
    assert!(stderr.contains("not a git repository"), "{stderr}");
    assert!(!plain.join("data").exists(), "a refused run left an index");

    // A git repository is read from its commit: `--repo .` with the default
    // `./data` inside it works, and the index never indexes itself.
    let (out, stdout, stderr) = run(morningai()
        .current_dir(&fx.repo)
        .args(["index", "--repo", "."])
        .env("MORNINGAI_DATA_DIR", "data"));
    assert!(out.status.success(), "{stderr}");
    assert!(fx.repo.join("data/indexes").is_dir());
    let (out, again, stderr) = run(morningai()
        .current_dir(&fx.repo)
        .args(["index", "--repo", "."])
        .env("MORNINGAI_DATA_DIR", "data"));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(figure(&stdout, "files"), figure(&again, "files"));
    assert_eq!(figure(&again, "indexed"), 0, "{again}");
    assert_eq!(
        figure(&again, "reused"),
        figure(&stdout, "files"),
        "{again}"
    );
}

//! Indexing benchmark: how fast `RepoIndex` indexes, re-indexes and searches
//! a large repository, and how much memory indexing takes.
//!
//! 1. **generated tree** — [`GENERATED_FILES`] files, ~[`GENERATED_MB`] MB of
//!    Rust, Python, TypeScript, Go, Markdown and plain text with realistic
//!    sizes (mostly a few KB, a long tail up to ~120 KB), written
//!    deterministically (a fixed seed) into a temp dir and committed with
//!    git; then indexed from scratch at that commit, as `morningai index`
//!    does: full index time, files/s, MB/s and peak RSS (`VmHWM`, reset
//!    before the run where the kernel allows);
//! 2. **no-change re-index** — the index opened again and brought to the same
//!    commit ([`REINDEX_RUNS`] times; the median is reported): every file is
//!    reused, none re-read;
//! 3. **retrieval** — [`QUERIES`] queries (half definition names taken from
//!    the index, half questions in words) through `RepoIndex::search`
//!    (top 10), after [`WARMUP_QUERIES`] unmeasured ones: p50 / p95 / max;
//! 4. **this repository** — the workspace's own `HEAD`, indexed from scratch
//!    and searched the same way;
//! 5. **`morningai ask` end to end** — when `target/release/morningai`
//!    (or `MORNINGAI_BIN`) and the embedded chat model are there: the binary
//!    asks "What is the system architecture?" about this repository with a
//!    fresh index, wall-clock time. Skipped (and said so) otherwise.
//!
//! Targets (from the issue): full index of 15,000 files / 200 MB < 30 s,
//! no-change re-index of 10,000 files < 1 s, retrieval p95 < 10 ms, RSS
//! < 1 GB, `ask` < 90 s. A missed target is reported, not an error.
//!
//! Prints the results, writes `bench/results/index.json` and
//! `bench/results/index.md` at the workspace root, and exits non-zero on an
//! error. Run with `make bench` (or `cargo bench -p morningai-knowledge
//! --bench index`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use morningai_knowledge::{checkout, IndexConfig, IndexStats, RepoIndex, RepoSource};
use serde_json::{json, Value};

type Result<T, E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

/// Files in the generated tree.
const GENERATED_FILES: usize = 20_000;
/// Its size, roughly.
const GENERATED_MB: u64 = 200;
/// Seed of the generator: the same tree on every run.
const SEED: u64 = 0x6d6f_726e_696e_6761;
const REINDEX_RUNS: usize = 3;
const QUERIES: usize = 200;
const WARMUP_QUERIES: usize = 20;
const TOP_K: usize = 10;

const TARGET_FULL_S: f64 = 30.0;
const TARGET_FULL_FILES: usize = 15_000;
const TARGET_REINDEX_S: f64 = 1.0;
const TARGET_REINDEX_FILES: usize = 10_000;
const TARGET_P95_MS: f64 = 10.0;
const TARGET_RSS_MB: f64 = 1024.0;
const TARGET_ASK_S: f64 = 90.0;
const ASK_QUESTION: &str = "What is the system architecture?";

// ---------------------------------------------------------------------------
// The generated tree

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Exponential with this mean: many small files, a long tail of big ones.
    fn exponential(&mut self, mean: f64) -> f64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        -mean * (1.0 - u).ln()
    }
}

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "account", "adapter", "address", "alert", "archive", "audit", "backoff", "balance", "batch",
    "billing", "buffer", "bundle", "cache", "catalog", "channel", "checkout", "client", "cluster",
    "config", "connection", "consumer", "context", "cursor", "customer", "dataset", "deadline",
    "delivery", "digest", "dispatch", "document", "draft", "encoder", "endpoint", "entry", "event",
    "export", "feature", "filter", "gateway", "graph", "handler", "header", "health", "history",
    "inbox", "index", "invoice", "job", "journal", "kernel", "ledger", "lease", "limit",
    "listener", "locale", "manifest", "message", "metric", "migration", "monitor", "node", "notice",
    "order", "owner", "packet", "page", "parser", "partition", "payment", "pipeline", "policy",
    "pool", "price", "profile", "queue", "quota", "reader", "receipt", "record", "region",
    "registry", "replica", "report", "request", "resolver", "retry", "route", "schedule", "schema",
    "score", "search", "secret", "segment", "session", "shard", "signal", "snapshot", "source",
    "stream", "summary", "task", "template", "tenant", "token", "topic", "trace", "tracker",
    "upload", "usage", "user", "validator", "vault", "version", "window", "worker", "writer",
];

#[rustfmt::skip]
const VERBS: &[&str] = &[
    "apply", "bind", "check", "collect", "compute", "create", "decode", "drain", "emit", "encode",
    "fetch", "flush", "format", "load", "merge", "normalize", "open", "parse", "prepare", "publish",
    "read", "record", "refresh", "render", "resolve", "restore", "route", "save", "scan", "send",
    "split", "store", "sync", "update", "validate", "write",
];

#[derive(Clone, Copy)]
enum Kind {
    Rust,
    Python,
    TypeScript,
    Go,
    Markdown,
    Text,
}

impl Kind {
    /// By share of files: 30% Rust, 20% Python, 20% TypeScript, 15% Go,
    /// 10% Markdown, 5% text.
    fn of(rng: &mut Rng) -> Kind {
        match rng.below(100) {
            0..=29 => Kind::Rust,
            30..=49 => Kind::Python,
            50..=69 => Kind::TypeScript,
            70..=84 => Kind::Go,
            85..=94 => Kind::Markdown,
            _ => Kind::Text,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Kind::Rust => "rs",
            Kind::Python => "py",
            Kind::TypeScript => "ts",
            Kind::Go => "go",
            Kind::Markdown => "md",
            Kind::Text => "txt",
        }
    }
}

fn camel(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A sentence of 6–16 words.
fn sentence(rng: &mut Rng) -> String {
    let n = 6 + rng.below(11);
    let words: Vec<&str> = (0..n).map(|_| rng.pick(WORDS)).collect();
    let mut s = camel(&words.join(" "));
    s.push('.');
    s
}

/// One unit of a file (a function, a type, a section), unique by `serial`.
fn unit(kind: Kind, rng: &mut Rng, serial: usize, out: &mut String) {
    let (noun, other, verb) = (rng.pick(WORDS), rng.pick(WORDS), rng.pick(VERBS));
    let name = format!("{verb}_{noun}_{serial}");
    let ty = format!("{}{}{serial}", camel(noun), camel(other));
    let body_lines = 3 + rng.below(14);
    let _ = match kind {
        Kind::Rust => {
            let _ = writeln!(out, "/// {}", sentence(rng));
            let _ = writeln!(
                out,
                "pub struct {ty} {{\n    pub {noun}: u64,\n    pub {other}_id: String,\n}}\n"
            );
            let _ = writeln!(out, "/// {}", sentence(rng));
            let _ = writeln!(
                out,
                "pub fn {name}(items: &[{ty}], limit: usize) -> Result<Vec<u64>, String> {{"
            );
            let _ = writeln!(out, "    let mut kept = Vec::with_capacity(limit);");
            for i in 0..body_lines {
                let _ = writeln!(
                    out,
                    "    if let Some(item) = items.get({i}) {{ if item.{noun} > {} {{ kept.push(item.{noun} + {i}); }} }}",
                    rng.below(10_000)
                );
            }
            writeln!(out, "    Ok(kept)\n}}\n")
        }
        Kind::Python => {
            let _ = writeln!(out, "class {ty}:\n    \"\"\"{}\"\"\"\n", sentence(rng));
            let _ = writeln!(
                out,
                "    def __init__(self, {noun}, {other}_id):\n        self.{noun} = {noun}\n        self.{other}_id = {other}_id\n"
            );
            let _ = writeln!(out, "\ndef {name}(items, limit={}):", 1 + rng.below(500));
            let _ = writeln!(out, "    \"\"\"{}\"\"\"", sentence(rng));
            let _ = writeln!(out, "    kept = []");
            for i in 0..body_lines {
                let _ = writeln!(
                    out,
                    "    if len(items) > {i} and items[{i}].{noun} > {}:\n        kept.append(items[{i}].{noun} + {i})",
                    rng.below(10_000)
                );
            }
            writeln!(out, "    return kept[:limit]\n\n")
        }
        Kind::TypeScript => {
            let _ = writeln!(out, "/** {} */", sentence(rng));
            let _ = writeln!(
                out,
                "export interface {ty} {{\n  {noun}: number;\n  {other}Id: string;\n}}\n"
            );
            let _ = writeln!(out, "/** {} */", sentence(rng));
            let _ = writeln!(
                out,
                "export function {name}(items: {ty}[], limit: number): number[] {{"
            );
            let _ = writeln!(out, "  const kept: number[] = [];");
            for i in 0..body_lines {
                let _ = writeln!(
                    out,
                    "  if (items.length > {i} && items[{i}].{noun} > {}) {{ kept.push(items[{i}].{noun} + {i}); }}",
                    rng.below(10_000)
                );
            }
            writeln!(out, "  return kept.slice(0, limit);\n}}\n")
        }
        Kind::Go => {
            let _ = writeln!(out, "// {ty} {}", sentence(rng));
            let _ = writeln!(
                out,
                "type {ty} struct {{\n\t{} uint64\n\t{}ID string\n}}\n",
                camel(noun),
                camel(other)
            );
            let go_name = format!("{}{}{serial}", camel(verb), camel(noun));
            let _ = writeln!(out, "// {go_name} {}", sentence(rng));
            let _ = writeln!(
                out,
                "func {go_name}(items []{ty}, limit int) ([]uint64, error) {{"
            );
            let _ = writeln!(out, "\tkept := make([]uint64, 0, limit)");
            for i in 0..body_lines {
                let _ = writeln!(
                    out,
                    "\tif len(items) > {i} && items[{i}].{} > {} {{\n\t\tkept = append(kept, items[{i}].{}+{i})\n\t}}",
                    camel(noun),
                    rng.below(10_000),
                    camel(noun)
                );
            }
            writeln!(out, "\treturn kept, nil\n}}\n")
        }
        Kind::Markdown => {
            let _ = writeln!(out, "## The {noun} {other} ({serial})\n");
            for _ in 0..(1 + body_lines / 4) {
                let paragraph: Vec<String> = (0..3 + rng.below(4)).map(|_| sentence(rng)).collect();
                let _ = writeln!(out, "{}\n", paragraph.join(" "));
            }
            writeln!(
                out,
                "```sh\nmorningai {verb} --{noun} {}\n```\n",
                rng.below(1000)
            )
        }
        Kind::Text => {
            for _ in 0..body_lines {
                let _ = writeln!(out, "{}", sentence(rng));
            }
            writeln!(out)
        }
    };
}

/// A file of `kind` of about `target` bytes.
fn file_content(kind: Kind, rng: &mut Rng, serial: &mut usize, target: usize) -> String {
    let mut out = String::with_capacity(target + 2048);
    match kind {
        Kind::Rust => out.push_str("//! Generated for the indexing benchmark.\n\nuse std::collections::HashMap;\n\n"),
        Kind::Python => out.push_str("\"\"\"Generated for the indexing benchmark.\"\"\"\n\nimport json\nimport os\n\n"),
        Kind::TypeScript => out.push_str("// Generated for the indexing benchmark.\nimport { readFile } from \"node:fs/promises\";\n\n"),
        Kind::Go => out.push_str("// Package bench was generated for the indexing benchmark.\npackage bench\n\nimport \"fmt\"\n\n"),
        Kind::Markdown => out.push_str("# Generated for the indexing benchmark\n\n"),
        Kind::Text => {}
    }
    while out.len() < target {
        *serial += 1;
        unit(kind, rng, *serial, &mut out);
    }
    out
}

struct Generated {
    files: usize,
    bytes: u64,
    write: Duration,
    commit: Duration,
}

/// Writes the tree into `root` and commits it.
fn generate(root: &Path) -> Result<Generated> {
    let started = Instant::now();
    let mut rng = Rng(SEED);
    let mut serial = 0;
    let mut bytes = 0u64;
    // ~10 KB a file on average; sizes drawn as 1 KB + an exponential tail,
    // less the ~600 bytes by which the last unit of a file overshoots.
    let mean = (GENERATED_MB * 1_000_000) as f64 / GENERATED_FILES as f64 - 1024.0 - 600.0;
    for i in 0..GENERATED_FILES {
        let kind = Kind::of(&mut rng);
        let target = (1024.0 + rng.exponential(mean)).min(120.0 * 1024.0) as usize;
        let (top, sub) = (rng.pick(WORDS), rng.pick(VERBS));
        let dir = root.join(format!("{top}s")).join(sub);
        let name = format!("{}_{i}.{}", rng.pick(WORDS), kind.extension());
        let content = file_content(kind, &mut rng, &mut serial, target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), &content)?;
        bytes += content.len() as u64;
    }
    let write = started.elapsed();
    let started = Instant::now();
    git(root, &["init", "--quiet"])?;
    git(root, &["add", "--all"])?;
    git(root, &["commit", "--quiet", "-m", "Generated tree"])?;
    Ok(Generated {
        files: GENERATED_FILES,
        bytes,
        write,
        commit: started.elapsed(),
    })
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=MorningAI Bench",
            "-c",
            "user.email=bench@morningai.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "gc.auto=0",
        ])
        .args(args)
        .current_dir(dir)
        .output()?;
    if !out.status.success() {
        return Err(format!("git {args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

// ---------------------------------------------------------------------------
// Measuring

/// A field of `/proc/self/status` in KiB (`VmHWM`).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets `VmHWM` to the current RSS (Linux ≥ 4.0); whether it worked.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct FullIndex {
    stats: IndexStats,
    elapsed: Duration,
    /// `VmRSS` as the run started: the peak includes it.
    start_rss_mb: Option<f64>,
    peak_rss_mb: Option<f64>,
    peak_reset: bool,
}

impl FullIndex {
    fn files_per_s(&self) -> f64 {
        self.stats.files_chunked as f64 / self.elapsed.as_secs_f64()
    }

    fn mb_per_s(&self) -> f64 {
        self.stats.bytes_chunked as f64 / 1e6 / self.elapsed.as_secs_f64()
    }

    fn to_json(&self) -> Value {
        json!({
            "files": self.stats.files,
            "files_chunked": self.stats.files_chunked,
            "files_skipped": self.stats.files_skipped.values().sum::<usize>(),
            "bytes_chunked": self.stats.bytes_chunked,
            "chunks": self.stats.chunks,
            "symbols": self.stats.symbols,
            "seconds": round3(self.elapsed.as_secs_f64()),
            "files_per_s": round3(self.files_per_s()),
            "mb_per_s": round3(self.mb_per_s()),
            "start_rss_mb": self.start_rss_mb.map(round3),
            "peak_rss_mb": self.peak_rss_mb.map(round3),
            "peak_rss_reset": self.peak_reset,
        })
    }
}

/// Checkout + open + update into an empty `index_dir`, as a first `morningai index`.
fn full_index(repo: &Path, index_dir: &Path) -> Result<(RepoIndex, FullIndex)> {
    let peak_reset = reset_peak_rss();
    let start_rss_mb = proc_status_kib("VmRSS").map(|kib| kib as f64 / 1024.0);
    let started = Instant::now();
    let checkout = checkout(
        &RepoSource::Local(repo.to_path_buf()),
        index_dir,
        &Default::default(),
    )?;
    let mut index = RepoIndex::open(index_dir)?;
    let stats = index.update(&checkout, &IndexConfig::default(), &mut |_| {})?;
    let elapsed = started.elapsed();
    let peak_rss_mb = proc_status_kib("VmHWM").map(|kib| kib as f64 / 1024.0);
    if stats.files_chunked == 0 || stats.chunks == 0 {
        return Err(format!("indexing {} read nothing: {stats:?}", repo.display()).into());
    }
    Ok((
        index,
        FullIndex {
            stats,
            elapsed,
            start_rss_mb,
            peak_rss_mb,
            peak_reset,
        },
    ))
}

/// Checkout + open + update of an index already at that commit, as a second
/// `morningai index`: the median and the slowest of [`REINDEX_RUNS`].
fn reindex(repo: &Path, index_dir: &Path) -> Result<(Duration, Duration)> {
    let mut times = Vec::new();
    for _ in 0..REINDEX_RUNS {
        let started = Instant::now();
        let checkout = checkout(
            &RepoSource::Local(repo.to_path_buf()),
            index_dir,
            &Default::default(),
        )?;
        let mut index = RepoIndex::open(index_dir)?;
        let stats = index.update(&checkout, &IndexConfig::default(), &mut |_| {})?;
        times.push(started.elapsed());
        if stats.files_chunked != 0 || stats.files_unchanged != stats.files {
            return Err(format!("a no-change re-index re-read files: {stats:?}").into());
        }
    }
    times.sort_unstable();
    Ok((times[times.len() / 2], times[times.len() - 1]))
}

/// Half definition names from the index (spread over it), half questions.
fn queries(index: &RepoIndex, n: usize) -> Vec<String> {
    let names: Vec<&str> = index.symbols().map(|s| s.name.as_str()).collect();
    let mut rng = Rng(SEED ^ 0x5eed);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if i % 2 == 0 && !names.is_empty() {
            out.push(names[rng.below(names.len())].to_string());
        } else {
            let (a, b, v) = (rng.pick(WORDS), rng.pick(WORDS), rng.pick(VERBS));
            out.push(match rng.below(4) {
                0 => format!("How does the {a} {v} the {b}?"),
                1 => format!("Where is the {a} configuration loaded?"),
                2 => format!("{v} {a} {b} error handling"),
                _ => format!("What happens when a {a} {b} fails to {v}?"),
            });
        }
    }
    out
}

struct Retrieval {
    queries: usize,
    no_hits: usize,
    p50_ms: f64,
    p95_ms: f64,
    max_ms: f64,
}

impl Retrieval {
    fn to_json(&self) -> Value {
        json!({
            "queries": self.queries,
            "top_k": TOP_K,
            "queries_without_hits": self.no_hits,
            "p50_ms": round3(self.p50_ms),
            "p95_ms": round3(self.p95_ms),
            "max_ms": round3(self.max_ms),
        })
    }
}

fn retrieval(index: &RepoIndex) -> Result<Retrieval> {
    let all = queries(index, WARMUP_QUERIES + QUERIES);
    for q in &all[..WARMUP_QUERIES] {
        index.search(q, TOP_K)?;
    }
    let mut times = Vec::with_capacity(QUERIES);
    let mut no_hits = 0;
    for q in &all[WARMUP_QUERIES..] {
        let started = Instant::now();
        let hits = index.search(q, TOP_K)?;
        times.push(started.elapsed());
        no_hits += usize::from(hits.is_empty());
    }
    times.sort_unstable();
    let percentile = |p: f64| {
        let rank = ((p / 100.0) * times.len() as f64).ceil() as usize;
        times[rank.clamp(1, times.len()) - 1].as_secs_f64() * 1e3
    };
    Ok(Retrieval {
        queries: times.len(),
        no_hits,
        p50_ms: percentile(50.0),
        p95_ms: percentile(95.0),
        max_ms: percentile(100.0),
    })
}

/// `morningai ask` on this repository with a fresh index, timed from outside.
enum Ask {
    Skipped(String),
    Ran {
        elapsed: Duration,
        ok: bool,
        /// Its `verification:` and `timings:` lines (or the error).
        report: Vec<String>,
    },
}

fn ask(root: &Path, scratch: &Path) -> Ask {
    let binary = std::env::var_os("MORNINGAI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/morningai"));
    let model = root.join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    if !binary.is_file() {
        return Ask::Skipped(format!(
            "{} is missing (`cargo build --release --bin morningai`)",
            binary.display()
        ));
    }
    if !model.is_file() {
        return Ask::Skipped(format!(
            "{} is missing (`scripts/fetch-models.sh`)",
            model.display()
        ));
    }
    let started = Instant::now();
    let out = Command::new(&binary)
        .args(["ask", "--repo"])
        .arg(root)
        .arg("--index-dir")
        .arg(scratch.join("ask-index"))
        .arg("--out")
        .arg(scratch.join("ask/doc.md"))
        .arg(ASK_QUESTION)
        .env("MORNINGAI_LLM_PROVIDER", "local")
        .env("MORNINGAI_LOCAL_MODEL_PATH", &model)
        .output();
    let elapsed = started.elapsed();
    match out {
        Err(e) => Ask::Skipped(format!("running {}: {e}", binary.display())),
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let report = if out.status.success() {
                stderr
                    .lines()
                    .filter(|l| l.starts_with("verification:") || l.starts_with("timings:"))
                    .map(str::to_owned)
                    .collect()
            } else {
                stderr.lines().map(str::to_owned).collect()
            };
            Ask::Ran {
                elapsed,
                ok: out.status.success(),
                report,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reporting

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().unwrap_or(crate_dir).to_path_buf()
}

fn git_commit(root: &Path) -> Option<String> {
    git(root, &["rev-parse", "HEAD"])
        .ok()
        .map(|s| s.trim().to_owned())
}

/// The 1-minute load average (Linux): anything else running skews the figures.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn now_utc() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**missed**"
    }
}

struct Report {
    load_at_start: Option<f64>,
    generated: Generated,
    tree: FullIndex,
    tree_reindex: (Duration, Duration),
    tree_search: Retrieval,
    own_commit: String,
    own: FullIndex,
    own_search: Retrieval,
    ask: Ask,
}

impl Report {
    /// Rows of `(measure, figure, target, verdict)`.
    fn rows(&self) -> Vec<[String; 4]> {
        let mut rows = Vec::new();
        let t = &self.tree;
        let mb = self.generated.bytes as f64 / 1e6;
        rows.push([
            format!(
                "full index, generated tree ({} files, {mb:.0} MB)",
                t.stats.files
            ),
            format!(
                "{:.1} s ({:.0} files/s, {:.1} MB/s)",
                t.elapsed.as_secs_f64(),
                t.files_per_s(),
                t.mb_per_s()
            ),
            format!("< {TARGET_FULL_S:.0} s for {TARGET_FULL_FILES} files / 200 MB"),
            verdict(t.elapsed.as_secs_f64() < TARGET_FULL_S).into(),
        ]);
        rows.push(rss_row("peak RSS, generated tree", t));
        let (median, slowest) = self.tree_reindex;
        // Linear in the files listed and compared: scaled to the target's count.
        let per_target = median.as_secs_f64() * TARGET_REINDEX_FILES as f64 / t.stats.files as f64;
        rows.push([
            format!("no-change re-index, generated tree ({} files)", t.stats.files),
            format!(
                "{:.2} s median of {REINDEX_RUNS} (slowest {:.2} s); {per_target:.2} s per {TARGET_REINDEX_FILES} files",
                median.as_secs_f64(),
                slowest.as_secs_f64()
            ),
            format!("< {TARGET_REINDEX_S:.0} s for {TARGET_REINDEX_FILES} files"),
            verdict(per_target < TARGET_REINDEX_S).into(),
        ]);
        rows.push(search_row("retrieval, generated tree", &self.tree_search));
        let o = &self.own;
        rows.push([
            format!(
                "full index, this repository ({} files, {:.1} MB read)",
                o.stats.files,
                o.stats.bytes_chunked as f64 / 1e6
            ),
            format!(
                "{:.2} s ({:.0} files/s, {:.1} MB/s)",
                o.elapsed.as_secs_f64(),
                o.files_per_s(),
                o.mb_per_s()
            ),
            "—".into(),
            "—".into(),
        ]);
        rows.push(rss_row("peak RSS, this repository", o));
        rows.push(search_row("retrieval, this repository", &self.own_search));
        rows.push(match &self.ask {
            Ask::Skipped(why) => [
                "`morningai ask`, this repository, embedded model".into(),
                format!("not measured: {why}"),
                format!("< {TARGET_ASK_S:.0} s"),
                "—".into(),
            ],
            Ask::Ran { elapsed, ok, .. } => [
                "`morningai ask`, this repository, embedded model, fresh index".into(),
                if *ok {
                    format!("{:.1} s", elapsed.as_secs_f64())
                } else {
                    format!("failed after {:.1} s", elapsed.as_secs_f64())
                },
                format!("< {TARGET_ASK_S:.0} s"),
                verdict(*ok && elapsed.as_secs_f64() < TARGET_ASK_S).into(),
            ],
        });
        rows
    }

    fn to_json(&self, meta: Value) -> Value {
        let mut report = meta;
        report["generated_tree"] = json!({
            "files": self.generated.files,
            "bytes": self.generated.bytes,
            "write_seconds": round3(self.generated.write.as_secs_f64()),
            "git_commit_seconds": round3(self.generated.commit.as_secs_f64()),
            "full_index": self.tree.to_json(),
            "no_change_reindex_seconds": {
                "median": round3(self.tree_reindex.0.as_secs_f64()),
                "slowest": round3(self.tree_reindex.1.as_secs_f64()),
                "runs": REINDEX_RUNS,
            },
            "retrieval": self.tree_search.to_json(),
        });
        report["this_repository"] = json!({
            "commit": self.own_commit,
            "full_index": self.own.to_json(),
            "retrieval": self.own_search.to_json(),
        });
        report["ask"] = match &self.ask {
            Ask::Skipped(why) => json!({ "skipped": why }),
            Ask::Ran {
                elapsed,
                ok,
                report,
            } => json!({
                "question": ASK_QUESTION,
                "seconds": round3(elapsed.as_secs_f64()),
                "ok": ok,
                "stderr": report,
            }),
        };
        report["targets"] = json!({
            "full_index_seconds": TARGET_FULL_S,
            "full_index_files": TARGET_FULL_FILES,
            "no_change_reindex_seconds": TARGET_REINDEX_S,
            "no_change_reindex_files": TARGET_REINDEX_FILES,
            "retrieval_p95_ms": TARGET_P95_MS,
            "peak_rss_mb": TARGET_RSS_MB,
            "ask_seconds": TARGET_ASK_S,
        });
        report
    }

    fn markdown(&self, meta: &Value) -> String {
        let g = &self.generated;
        let mut out = String::from("# Indexing benchmark\n\n");
        let _ = write!(
            out,
            "- when: {}\n- commit: {}\n- machine: {} CPUs; load average (1 min) {} at the start, {} at the end\n\
             - generated tree: {} files, {:.1} MB (30% Rust, 20% Python, 20% TypeScript, 15% Go, 10% Markdown, 5% text; \
             1 KB + an exponential tail up to 120 KB each), fixed seed; written in {:.1} s, committed with git in {:.1} s\n\
             - full index: checkout + `RepoIndex::open` + `update` into an empty folder, at the commit; peak RSS is `VmHWM` \
             over the run ({})\n\
             - no-change re-index: checkout + open + update of the index at the same commit, as a second `morningai index`\n\
             - retrieval: {QUERIES} queries (half definition names from the index, half questions in words), \
             `RepoIndex::search` top {TOP_K}, after {WARMUP_QUERIES} unmeasured\n\
             - this repository: its `HEAD` ({})\n\n",
            meta["timestamp"].as_str().unwrap_or("?"),
            meta["git_commit"].as_str().unwrap_or("unknown"),
            meta["nproc"],
            meta["load_average_start"],
            meta["load_average_end"],
            g.files,
            g.bytes as f64 / 1e6,
            g.write.as_secs_f64(),
            g.commit.as_secs_f64(),
            if self.tree.peak_reset {
                "reset before each run"
            } else {
                "could not be reset: the process's peak so far"
            },
            self.own_commit,
        );
        out += "| measure | figure | target | |\n|---|---:|---|---|\n";
        for row in self.rows() {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        if let Ask::Ran { report, .. } = &self.ask {
            out += "\n`morningai ask` reported:\n\n```text\n";
            for line in report {
                let _ = writeln!(out, "{line}");
            }
            out += "```\n";
        }
        out
    }
}

fn rss_row(label: &str, run: &FullIndex) -> [String; 4] {
    match run.peak_rss_mb {
        Some(mb) => [
            label.into(),
            match run.start_rss_mb {
                Some(start) => format!("{mb:.0} MB ({start:.0} MB at the start)"),
                None => format!("{mb:.0} MB"),
            },
            format!("< {TARGET_RSS_MB:.0} MB"),
            verdict(mb < TARGET_RSS_MB).into(),
        ],
        None => [
            label.into(),
            "unknown (no /proc/self/status)".into(),
            format!("< {TARGET_RSS_MB:.0} MB"),
            "—".into(),
        ],
    }
}

fn search_row(label: &str, r: &Retrieval) -> [String; 4] {
    [
        format!("{label} ({} queries)", r.queries),
        format!(
            "p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            r.p50_ms, r.p95_ms, r.max_ms
        ),
        format!("p95 < {TARGET_P95_MS:.0} ms"),
        verdict(r.p95_ms < TARGET_P95_MS).into(),
    ]
}

fn step(what: &str) {
    eprint!("bench index: {what}… ");
    let _ = std::io::stderr().flush();
}

fn run() -> Result<Report> {
    let load_at_start = load_average();
    let root = workspace_root();
    let scratch = tempfile::Builder::new()
        .prefix("morningai-bench-index-")
        .tempdir()?;
    let tree = scratch.path().join("tree");

    // This repository first, in a process that has not yet grown.
    step("full index of this repository");
    let (index, own) = full_index(&root, &scratch.path().join("own-index"))?;
    eprintln!("{:.2} s", own.elapsed.as_secs_f64());
    let own_search = retrieval(&index)?;
    let own_commit = own.stats.commit.clone();
    drop(index);

    step(&format!(
        "generating and committing {GENERATED_FILES} files (~{GENERATED_MB} MB)"
    ));
    let generated = generate(&tree)?;
    eprintln!(
        "{:.1} s + {:.1} s",
        generated.write.as_secs_f64(),
        generated.commit.as_secs_f64()
    );

    step("full index of the generated tree");
    let tree_index_dir = scratch.path().join("tree-index");
    let (index, tree_full) = full_index(&tree, &tree_index_dir)?;
    eprintln!("{:.1} s", tree_full.elapsed.as_secs_f64());
    step("retrieval on the generated tree");
    let tree_search = retrieval(&index)?;
    eprintln!("p95 {:.2} ms", tree_search.p95_ms);
    drop(index);
    step("no-change re-index of the generated tree");
    let tree_reindex = reindex(&tree, &tree_index_dir)?;
    eprintln!("{:.2} s", tree_reindex.0.as_secs_f64());
    // The tree is big: gone before `ask` runs.
    std::fs::remove_dir_all(&tree)?;
    std::fs::remove_dir_all(&tree_index_dir)?;

    step("`morningai ask` on this repository");
    let ask = ask(&root, scratch.path());
    match &ask {
        Ask::Skipped(why) => eprintln!("skipped: {why}"),
        Ask::Ran { elapsed, .. } => eprintln!("{:.1} s", elapsed.as_secs_f64()),
    }
    Ok(Report {
        load_at_start,
        generated,
        tree: tree_full,
        tree_reindex,
        tree_search,
        own_commit,
        own,
        own_search,
        ask,
    })
}

fn write_results(report: &Report) -> Result<PathBuf> {
    let root = workspace_root();
    let meta = json!({
        "timestamp": now_utc(),
        "git_commit": git_commit(&root),
        "nproc": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "optimized": !cfg!(debug_assertions),
        "load_average_start": report.load_at_start,
        "load_average_end": load_average(),
    });
    let dir = root.join("bench").join("results");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_string_pretty(&report.to_json(meta.clone()))? + "\n",
    )?;
    std::fs::write(dir.join("index.md"), report.markdown(&meta))?;
    Ok(dir)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter or other flags mean nothing here.
    let report = match run() {
        Ok(report) => report,
        Err(e) => {
            eprintln!("\nbench index: {e}");
            return ExitCode::FAILURE;
        }
    };
    for [measure, figure, target, met] in report.rows() {
        println!("{measure}: {figure} (target {target}: {met})");
    }
    match write_results(&report) {
        Ok(dir) => eprintln!("wrote {0}/index.json and {0}/index.md", dir.display()),
        Err(e) => {
            eprintln!("bench index: writing results: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Ask::Ran {
        ok: false, report, ..
    } = &report.ask
    {
        eprintln!("bench index: `morningai ask` failed: {}", report.join("\n"));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

//! `morningai index` and `morningai ask`: index a repository on this machine
//! and write a cited, verified document about it in this process — no server,
//! no database. The index is kept outside the repository and reused by the
//! next run, which re-reads only the files whose blobs changed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use morningai_agents::doc::{write_document, DocMetadata, VerificationReport};
use morningai_knowledge::{
    checkout, IndexConfig, IndexStats, Progress, RemoteAccess, RepoIndex, RepoSource,
};
use sha2::{Digest, Sha256};

use crate::cli::{AskArgs, IndexArgs};
use crate::config::ChatProvider;

/// A repository whose index is up to date with it.
pub struct IndexedRepo {
    /// The repository's canonical path.
    pub path: PathBuf,
    /// The repository directory's name (the document's `Repository`).
    pub name: String,
    pub index_dir: PathBuf,
    pub index: RepoIndex,
    pub stats: IndexStats,
    /// Checkout and indexing.
    pub elapsed: Duration,
}

impl IndexedRepo {
    /// One line: the commit, files indexed/reused/removed, chunks and time.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        let commit: String = s.commit.chars().take(12).collect();
        format!(
            "indexed {} at {commit}: {} files ({} indexed, {} reused, {} removed, {} skipped), \
             {} chunks, {} symbols in {:.2} s; index in {}",
            self.name,
            s.files,
            s.files_chunked,
            s.files_unchanged,
            s.files_removed,
            s.files_skipped.values().sum::<usize>(),
            s.chunks,
            s.symbols,
            self.elapsed.as_secs_f64(),
            self.index_dir.display(),
        )
    }
}

/// `<data_dir>/indexes/<first 16 hex digits of sha256(repository path)>`, so
/// each repository path has one index that later runs find again.
pub fn default_index_dir(data_dir: &Path, canonical_repo: &Path) -> PathBuf {
    let digest = Sha256::digest(canonical_repo.as_os_str().as_encoded_bytes());
    data_dir.join("indexes").join(&hex::encode(digest)[..16])
}

/// Brings the repository's index up to its `HEAD` (or its files, for a plain
/// directory), drawing a progress bar on stderr when that is a terminal.
pub fn index_repository(args: &IndexArgs) -> anyhow::Result<IndexedRepo> {
    let started = Instant::now();
    let path = repository_path(&args.repo)?;
    let index_dir = args
        .index_dir
        .clone()
        .unwrap_or_else(|| default_index_dir(&args.data_dir, &path));
    let index_dir = resolve(&index_dir)
        .with_context(|| format!("resolving the index folder {}", index_dir.display()))?;
    // A local source is read in place: the destination is for cloned URLs only.
    let checkout = checkout(
        &RepoSource::Local(path.clone()),
        &index_dir,
        &RemoteAccess::operator(None),
    )
    .with_context(|| format!("reading the repository {}", path.display()))?;
    // A git repository is read from its commit, so an index inside its work
    // tree (`./data` when run from it) is never indexed; a plain directory
    // would index its own index.
    if checkout.commit.is_none() && index_dir.starts_with(&path) {
        bail!(
            "the index folder {} is inside {}, a directory that is not a git repository and is read file by file: \
             pass --index-dir or set MORNINGAI_DATA_DIR to a folder outside it",
            index_dir.display(),
            path.display()
        );
    }
    let mut index = RepoIndex::open(&index_dir)
        .with_context(|| format!("opening the index in {}", index_dir.display()))?;
    let bar = progress_bar();
    let stats = index.update(&checkout, &IndexConfig::default(), &mut |p| {
        show_progress(&bar, p)
    });
    bar.finish_and_clear();
    let stats = stats.with_context(|| format!("indexing {}", path.display()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(IndexedRepo {
        path,
        name,
        index_dir,
        index,
        stats,
        elapsed: started.elapsed(),
    })
}

/// `morningai index`: the summary goes to stdout, it is the command's output.
pub async fn index(args: IndexArgs) -> anyhow::Result<()> {
    let repo = tokio::task::spawn_blocking(move || index_repository(&args)).await??;
    println!("{}", repo.summary());
    Ok(())
}

/// `morningai ask`: the document goes to stdout (or `--out`); the index
/// summary, the verification figures and the timings to stderr.
pub async fn ask(args: AskArgs) -> anyhow::Result<()> {
    let question = args.question.trim().to_string();
    if question.is_empty() {
        bail!(
            "the question is empty: say what the document should answer, e.g. \
             morningai ask --repo . \"What is the system architecture?\""
        );
    }
    // What the user typed is checked first; then the embedded model, which
    // loads on first use: said missing before indexing, not after.
    repository_path(&args.index.repo)?;
    if args.models.llm_provider == ChatProvider::Local && !args.models.local_model_path.is_file() {
        bail!(
            "the local model {} is missing: run scripts/fetch-models.sh \
             (or set MORNINGAI_LOCAL_MODEL_PATH, or MORNINGAI_LLM_PROVIDER=openai)",
            args.models.local_model_path.display()
        );
    }
    let chat = morningai_ai::provider::chat_model(&args.models.chat_settings())?;
    let started = Instant::now();

    let index_args = args.index;
    let repo = tokio::task::spawn_blocking(move || index_repository(&index_args)).await??;
    eprintln!("{}", repo.summary());

    let metadata = DocMetadata {
        task: question.clone(),
        // As a task's: one id per run, to find its log lines and its document.
        trace_id: uuid::Uuid::new_v4().to_string(),
        repository: repo.name.clone(),
        // Filled by `write_document` from the model and the index.
        model: String::new(),
        commit: String::new(),
    };
    let writing = Instant::now();
    let doc = write_document(&question, &repo.index, chat.as_ref(), metadata)
        .await
        .with_context(|| {
            format!(
                "writing the document with {}/{}",
                chat.provider(),
                chat.model()
            )
        })?;
    let writing = writing.elapsed();

    match &args.out {
        Some(out) => {
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            let evidence = evidence_path(out);
            std::fs::write(out, &doc.markdown)
                .with_context(|| format!("writing {}", out.display()))?;
            std::fs::write(
                &evidence,
                serde_json::to_string_pretty(&doc.manifest)? + "\n",
            )
            .with_context(|| format!("writing {}", evidence.display()))?;
            eprintln!("wrote {} and {}", out.display(), evidence.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(doc.markdown.as_bytes())?;
            stdout.flush()?;
        }
    }
    eprintln!("{}", verification_summary(&doc.report));
    eprintln!(
        "timings: index {:.2} s, document {:.1} s ({}/{}), total {:.1} s",
        repo.elapsed.as_secs_f64(),
        writing.as_secs_f64(),
        chat.provider(),
        chat.model(),
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// `<out>.evidence.json`, beside the document.
pub fn evidence_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".evidence.json");
    PathBuf::from(name)
}

fn verification_summary(report: &VerificationReport) -> String {
    let reasons = if report.removed_by_kind.is_empty() {
        String::new()
    } else {
        let kinds: Vec<String> = report
            .removed_by_kind
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        format!(" ({})", kinds.join(", "))
    };
    format!(
        "verification: {} claims checked, {} kept, {} removed{reasons}; \
         {} citations, {} paths, {} symbols checked",
        report.claims_checked,
        report.claims_kept,
        report.removed_count(),
        report.citations_checked,
        report.paths_checked,
        report.symbols_checked,
    )
}

/// The repository's canonical path, or a message naming the path given.
fn repository_path(repo: &Path) -> anyhow::Result<PathBuf> {
    match std::fs::metadata(repo) {
        Ok(meta) if meta.is_dir() => repo
            .canonicalize()
            .with_context(|| format!("resolving the repository path {}", repo.display())),
        Ok(_) => bail!("the repository {} is not a directory", repo.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("the repository {} does not exist", repo.display())
        }
        Err(e) => Err(e).with_context(|| format!("reading the repository {}", repo.display())),
    }
}

/// `path` made absolute, symbolic links resolved as far as it exists, so it
/// can be compared with the repository's canonical path before it is created.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(mut resolved) => {
                resolved.extend(missing.iter().rev());
                return Ok(resolved);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                match (existing.parent(), existing.file_name()) {
                    (Some(parent), Some(name)) => {
                        missing.push(name);
                        existing = parent;
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// A spinner while the files are listed, then a bar over the files to
/// (re)read; indicatif draws nothing when stderr is not a terminal.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if !bar.is_hidden() {
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"));
        bar.set_message("listing files");
        bar.enable_steady_tick(Duration::from_millis(100));
    }
    bar
}

fn show_progress(bar: &ProgressBar, progress: &Progress) {
    if bar.is_hidden() {
        return;
    }
    let total = progress.total as u64;
    if bar.length() != Some(total) {
        bar.set_length(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} files, {per_sec}, {eta} left  {wide_msg}",
            )
            .expect("a valid template"),
        );
    }
    bar.set_position(progress.done as u64);
    bar.set_message(progress.path.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_index_folder_is_named_by_the_repository_path() {
        let dir = default_index_dir(Path::new("/data"), Path::new("/src/repo"));
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert_eq!(dir.parent().unwrap(), Path::new("/data/indexes"));
        assert_eq!(name.len(), 16);
        assert!(name.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(
            dir,
            default_index_dir(Path::new("/data"), Path::new("/src/other"))
        );
    }

    #[test]
    fn resolve_keeps_the_missing_part_of_a_path() {
        let tmp = std::env::temp_dir().canonicalize().unwrap();
        let path = tmp.join("morningai-no-such-dir/a/b");
        assert_eq!(resolve(&path).unwrap(), path);
    }

    #[test]
    fn the_evidence_lies_beside_the_document() {
        assert_eq!(
            evidence_path(Path::new("out/doc.md")),
            Path::new("out/doc.md.evidence.json")
        );
    }
}

//! Incremental re-indexing: only files whose blob changed are re-chunked.

use morningai_knowledge::{Progress, RepoIndex};

use crate::fixture::{config, index_dir, Fixture};

#[test]
fn reindex_after_a_commit_rechunks_only_the_touched_file() {
    let fixture = Fixture::new(false);
    let dir = tempfile::TempDir::new().unwrap();
    let mut index = RepoIndex::open(&index_dir(&dir)).unwrap();
    let mut first: Vec<Progress> = Vec::new();
    let stats = index
        .update(&fixture.checkout(), &config(), &mut |p| {
            first.push(p.clone())
        })
        .unwrap();
    assert_eq!(stats.files_chunked, stats.files);
    assert_eq!(first.len(), stats.files + 1, "binary read once too");
    assert_eq!(first.last().unwrap().done, first.last().unwrap().total);
    let first_commit = index.commit().unwrap().to_string();
    let total_chunks = stats.chunks;

    // Nothing changed: nothing is read.
    let mut calls = 0;
    let stats = index
        .update(&fixture.checkout(), &config(), &mut |_| calls += 1)
        .unwrap();
    assert_eq!(
        (
            calls,
            stats.files_chunked,
            stats.chunks_added,
            stats.chunks_removed
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(stats.chunks, total_chunks);

    // One file changes in a new commit.
    let new_util =
        "// Helpers.\nfunction formatMoney(cents) {\n  return (cents / 100).toFixed(2);\n}\n";
    let commit = fixture.commit_file("web/src/util.js", new_util, "money");
    let mut seen: Vec<String> = Vec::new();
    let reopened_dir = index_dir(&dir);
    drop(index);
    let mut index = RepoIndex::open(&reopened_dir).unwrap();
    let stats = index
        .update(&fixture.checkout(), &config(), &mut |p| {
            seen.push(p.path.clone())
        })
        .unwrap();
    assert_eq!(seen, vec!["web/src/util.js"]);
    assert_eq!(stats.files_chunked, 1);
    assert_eq!(stats.files_changed, 1);
    assert_eq!(stats.files_added + stats.files_removed, 0);
    assert_eq!(stats.files_unchanged, stats.files - 1);
    assert_eq!(stats.commit, commit);
    assert_ne!(commit, first_commit);
    assert_eq!(index.commit(), Some(commit.as_str()));

    let hits = index.search("formatMoney", 3).unwrap();
    assert_eq!(hits[0].path, "web/src/util.js");
    assert_eq!(hits[0].commit, commit);
    assert!(index.find_symbol("formatDate").is_empty());
    assert!(index
        .search("DEFAULT_LOCALE", 3)
        .unwrap()
        .iter()
        .all(|h| h.path != "web/src/util.js"));
    // Unchanged files are still found.
    assert_eq!(
        index.search("parse_config", 1).unwrap()[0].path,
        "server/src/main.rs"
    );

    // A file removed in a commit leaves the index.
    crate::fixture::git(fixture.root(), &["rm", "--quiet", "worker/main.go"]);
    crate::fixture::git(fixture.root(), &["commit", "--quiet", "-m", "rm worker"]);
    let stats = index
        .update(&fixture.checkout(), &config(), &mut |_| {})
        .unwrap();
    assert_eq!((stats.files_removed, stats.files_chunked), (1, 0));
    assert!(index.find_symbol("Worker").is_empty());
    assert!(index
        .search("Worker drains", 5)
        .unwrap()
        .iter()
        .all(|h| h.path != "worker/main.go"));
    assert!(!index.has_file("worker/main.go"));
}

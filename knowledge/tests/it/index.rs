//! Walking and chunking: what is skipped, exact line ranges, symbols.

use morningai_knowledge::{
    chunk_file, ChunkConfig, IndexConfig, Language, RepoIndex, SkipReason, SymbolKind, WalkConfig,
    WORK_TREE,
};

use crate::fixture::{self, config, indexed, line_of, Fixture};

#[test]
fn ignored_binary_vendored_and_big_files_are_skipped() {
    let fixture = Fixture::new(false);
    let (_dir, index, stats) = indexed(&fixture);
    let skipped: std::collections::BTreeMap<&str, SkipReason> = index.skipped().collect();
    assert_eq!(skipped.get("debug.log"), Some(&SkipReason::Ignored));
    assert_eq!(
        skipped.get("web/node_modules/left-pad/index.js"),
        Some(&SkipReason::Vendored)
    );
    assert_eq!(
        skipped.get("web/dist/app.min.js"),
        Some(&SkipReason::Vendored)
    );
    assert_eq!(skipped.get("assets/logo.png"), Some(&SkipReason::Binary));
    assert_eq!(skipped.get("data/big.txt"), Some(&SkipReason::TooLarge));
    // Never committed, so not in the tree at all.
    assert!(!index.has_file("secret.env"));
    let files: Vec<&str> = index.files().map(|f| f.path.as_str()).collect();
    for path in [
        "server/src/main.rs",
        "api/app.py",
        "web/src/App.tsx",
        "web/src/util.js",
        "worker/main.go",
        "docs/guide.md",
        "Dockerfile",
    ] {
        assert!(files.contains(&path), "{path} not indexed: {files:?}");
    }
    for path in skipped.keys() {
        assert!(!files.contains(path), "{path} both skipped and indexed");
    }
    assert_eq!(stats.files, files.len());
    assert_eq!(stats.files_skipped[&SkipReason::Binary], 1);
    assert_eq!(
        index.file("web/src/App.tsx").unwrap().language,
        Language::Tsx
    );
    assert_eq!(index.file("worker/main.go").unwrap().language, Language::Go);
}

#[test]
fn include_and_exclude_globs_apply() {
    let fixture = Fixture::new(false);
    let dir = tempfile::TempDir::new().unwrap();
    let mut index = RepoIndex::open(dir.path()).unwrap();
    let config = IndexConfig {
        walk: WalkConfig {
            include: vec!["web/**".into(), "api/**".into()],
            exclude: vec!["**/*.py".into()],
            ..WalkConfig::default()
        },
        ..IndexConfig::default()
    };
    index
        .update(&fixture.checkout(), &config, &mut |_| {})
        .unwrap();
    let files: Vec<&str> = index.files().map(|f| f.path.as_str()).collect();
    assert!(files.contains(&"web/src/App.tsx"));
    assert!(files.contains(&"api/requirements.txt"));
    assert!(!files.contains(&"api/app.py"));
    assert!(!files.contains(&"server/src/main.rs"));
}

/// Every chunk's text is exactly its lines, and every non-blank line of a
/// code file is in exactly one chunk.
#[test]
fn chunk_line_ranges_are_exact_for_each_language() {
    let cases = [
        ("server/src/main.rs", fixture::SERVER_MAIN, Language::Rust),
        ("api/app.py", fixture::APP_PY, Language::Python),
        ("web/src/App.tsx", fixture::APP_TSX, Language::Tsx),
        ("web/src/util.js", fixture::UTIL_JS, Language::JavaScript),
        ("worker/main.go", fixture::WORKER_GO, Language::Go),
        ("docs/guide.md", fixture::GUIDE_MD, Language::Markdown),
        ("Dockerfile", fixture::DOCKERFILE, Language::Dockerfile),
    ];
    for config in [
        ChunkConfig::default(),
        ChunkConfig {
            max_lines: 3,
            window_lines: 3,
            overlap_lines: 1,
        },
    ] {
        for (path, text, language) in cases {
            let out = chunk_file(path, language, text, &config);
            let lines: Vec<&str> = text.lines().collect();
            assert!(!out.chunks.is_empty(), "{path}");
            let mut covered = vec![0usize; lines.len() + 1];
            for chunk in &out.chunks {
                assert!(
                    chunk.start_line >= 1 && chunk.start_line <= chunk.end_line,
                    "{path}: {chunk:?}"
                );
                assert!(chunk.end_line <= lines.len(), "{path}: {chunk:?}");
                assert_eq!(
                    chunk.text,
                    lines[chunk.start_line - 1..chunk.end_line].join("\n"),
                    "{path}"
                );
                for n in &mut covered[chunk.start_line..=chunk.end_line] {
                    *n += 1;
                }
            }
            for (i, line) in lines.iter().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                if language == Language::Dockerfile {
                    assert!(covered[i + 1] >= 1, "{path}:{} not covered", i + 1);
                } else {
                    assert_eq!(
                        covered[i + 1],
                        1,
                        "{path}:{} covered {} times",
                        i + 1,
                        covered[i + 1]
                    );
                }
            }
        }
    }
}

#[test]
fn definitions_are_chunks_with_their_symbols() {
    let out = chunk_file(
        "server/src/main.rs",
        Language::Rust,
        fixture::SERVER_MAIN,
        &ChunkConfig::default(),
    );
    let parse = out
        .chunks
        .iter()
        .find(|c| c.symbols == vec!["parse_config".to_string()])
        .unwrap();
    // The doc comment above belongs to the function.
    assert_eq!(
        parse.start_line,
        line_of(fixture::SERVER_MAIN, "/// Reads the listen address")
    );
    assert_eq!(parse.end_line, line_of(fixture::SERVER_MAIN, "fn main") - 2);
    let state = out
        .chunks
        .iter()
        .find(|c| c.symbols == vec!["AppState".to_string()])
        .unwrap();
    assert_eq!(
        state.start_line,
        line_of(fixture::SERVER_MAIN, "/// Shared state")
    );
    let imp = out
        .chunks
        .iter()
        .find(|c| c.symbols.first().map(String::as_str) == Some("AppState") && c.symbols.len() == 2)
        .unwrap();
    assert_eq!(imp.symbols, vec!["AppState", "new"]);

    let out = chunk_file(
        "api/app.py",
        Language::Python,
        fixture::APP_PY,
        &ChunkConfig::default(),
    );
    let class = out
        .chunks
        .iter()
        .find(|c| c.symbols.first().map(String::as_str) == Some("UserService"))
        .unwrap();
    assert_eq!(
        class.symbols,
        vec!["UserService", "__init__", "normalise", "get_user"]
    );
    let health = out
        .chunks
        .iter()
        .find(|c| c.symbols == vec!["health".to_string()])
        .unwrap();
    assert_eq!(health.start_line, line_of(fixture::APP_PY, "@app.route"));
}

#[test]
fn symbol_table_has_definitions_of_every_language() {
    let fixture = Fixture::new(false);
    let (_dir, index, stats) = indexed(&fixture);
    let expect = |name: &str, kind: SymbolKind, path: &str, line: usize| {
        let found = index.find_symbol(name);
        assert!(
            found
                .iter()
                .any(|s| s.kind == kind && s.path == path && s.start_line == line),
            "{name} {kind:?} {path}:{line} not in {found:?}"
        );
    };
    let main_rs = fixture::SERVER_MAIN;
    expect(
        "AppState",
        SymbolKind::Struct,
        "server/src/main.rs",
        line_of(main_rs, "pub struct AppState"),
    );
    expect(
        "AppState",
        SymbolKind::Impl,
        "server/src/main.rs",
        line_of(main_rs, "impl AppState"),
    );
    expect(
        "new",
        SymbolKind::Method,
        "server/src/main.rs",
        line_of(main_rs, "pub fn new"),
    );
    expect(
        "parse_config",
        SymbolKind::Function,
        "server/src/main.rs",
        line_of(main_rs, "pub fn parse_config"),
    );
    expect(
        "main",
        SymbolKind::Function,
        "server/src/main.rs",
        line_of(main_rs, "fn main"),
    );
    expect(
        "UserService",
        SymbolKind::Class,
        "api/app.py",
        line_of(fixture::APP_PY, "class UserService"),
    );
    expect(
        "get_user",
        SymbolKind::Method,
        "api/app.py",
        line_of(fixture::APP_PY, "def get_user"),
    );
    expect(
        "health",
        SymbolKind::Function,
        "api/app.py",
        line_of(fixture::APP_PY, "@app.route"),
    );
    expect(
        "Props",
        SymbolKind::Interface,
        "web/src/App.tsx",
        line_of(fixture::APP_TSX, "interface Props"),
    );
    expect(
        "App",
        SymbolKind::Function,
        "web/src/App.tsx",
        line_of(fixture::APP_TSX, "export function App"),
    );
    expect(
        "renderDashboard",
        SymbolKind::Function,
        "web/src/App.tsx",
        line_of(fixture::APP_TSX, "renderDashboard"),
    );
    expect(
        "Store",
        SymbolKind::Class,
        "web/src/App.tsx",
        line_of(fixture::APP_TSX, "class Store"),
    );
    expect(
        "add",
        SymbolKind::Method,
        "web/src/App.tsx",
        line_of(fixture::APP_TSX, "add(item"),
    );
    expect(
        "formatDate",
        SymbolKind::Function,
        "web/src/util.js",
        line_of(fixture::UTIL_JS, "function formatDate"),
    );
    expect(
        "Worker",
        SymbolKind::Struct,
        "worker/main.go",
        line_of(fixture::WORKER_GO, "type Worker"),
    );
    expect(
        "Run",
        SymbolKind::Method,
        "worker/main.go",
        line_of(fixture::WORKER_GO, "func (w *Worker) Run"),
    );
    expect(
        "main",
        SymbolKind::Function,
        "worker/main.go",
        line_of(fixture::WORKER_GO, "func main"),
    );
    assert_eq!(stats.symbols, index.symbols().count());
}

#[test]
fn plain_directory_is_walked_with_its_gitignore() {
    let dir = tempfile::TempDir::new().unwrap();
    let root = dir.path().join("plain");
    fixture::write(&root, ".gitignore", "out/\n");
    fixture::write(&root, "src/lib.rs", "pub fn plain_fn() {}\n");
    fixture::write(&root, "out/generated.rs", "pub fn generated() {}\n");
    fixture::write(&root, "node_modules/x/index.js", "x\n");
    let checkout = morningai_knowledge::checkout(
        &morningai_knowledge::RepoSource::Local(root.clone()),
        &dir.path().join("unused"),
        &morningai_knowledge::RemoteAccess::default(),
    )
    .unwrap();
    assert_eq!(checkout.commit, None);
    let mut index = RepoIndex::open(&dir.path().join("index")).unwrap();
    index.update(&checkout, &config(), &mut |_| {}).unwrap();
    assert_eq!(index.commit(), Some(WORK_TREE));
    let files: Vec<&str> = index.files().map(|f| f.path.as_str()).collect();
    assert!(files.contains(&"src/lib.rs"), "{files:?}");
    assert!(!files.contains(&"out/generated.rs"), "{files:?}");
    assert!(!files.contains(&"node_modules/x/index.js"));
    assert_eq!(index.find_symbol("plain_fn").len(), 1);
}

#[test]
fn files_of_secrets_are_never_indexed() {
    let fixture = Fixture::new(false);
    // Committed by mistake, as happens: a `.env`, a deploy key, a key pasted
    // into an ordinary-looking file.
    fixture.commit_file(".env", "DATABASE_PASSWORD=hunter2\n", "env");
    fixture.commit_file("deploy/id_ed25519", "not even a key\n", "key");
    fixture.commit_file(
        "notes/setup.txt",
        "paste this:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        "notes",
    );
    fixture.commit_file(".env.example", "DATABASE_PASSWORD=\n", "example");
    let (_dir, index, _) = indexed(&fixture);
    let skipped: std::collections::BTreeMap<&str, SkipReason> = index.skipped().collect();
    for path in [".env", "deploy/id_ed25519", "notes/setup.txt"] {
        assert_eq!(skipped.get(path), Some(&SkipReason::Secret), "{path}");
        assert!(!index.files().any(|f| f.path == path), "{path}");
    }
    assert!(index.files().any(|f| f.path == ".env.example"));
    assert!(index.search("hunter2", 5).unwrap().is_empty());
    assert!(index
        .search("b3BlbnNzaC1rZXktdjEAAAAA", 5)
        .unwrap()
        .is_empty());
}

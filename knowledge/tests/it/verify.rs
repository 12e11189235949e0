//! Citation and prose verification at the indexed commit.

use morningai_knowledge::{find_path_like_tokens, CitationCheck, ProseIssue};

use crate::fixture::{self, indexed, Fixture};

#[test]
fn citations_are_checked_against_the_indexed_commit() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let lines = fixture::SERVER_MAIN.lines().count();
    assert_eq!(
        index.verify_citation("server/src/main.rs", 1, lines),
        CitationCheck::Ok
    );
    assert_eq!(
        index.verify_citation("./server/src/main.rs", 3, 3),
        CitationCheck::Ok
    );
    assert_eq!(
        index.verify_citation("server/src/missing.rs", 1, 2),
        CitationCheck::MissingFile
    );
    assert_eq!(
        index.verify_citation("server/src/main.rs", lines, lines + 1),
        CitationCheck::OutOfRange { lines }
    );
    assert_eq!(
        index.verify_citation("server/src/main.rs", 5, 2),
        CitationCheck::InvalidRange
    );
    assert_eq!(
        index.verify_citation("server/src/main.rs", 0, 2),
        CitationCheck::InvalidRange
    );
    // Skipped files exist: a too-large text file can be cited, a binary cannot.
    assert_eq!(
        index.verify_citation("data/big.txt", 1000, 1000),
        CitationCheck::Ok
    );
    assert_eq!(
        index.verify_citation("assets/logo.png", 1, 1),
        CitationCheck::NotText
    );

    // The work tree changes; verification still sees the commit.
    fixture::write(fixture.root(), "server/src/main.rs", "x\n".repeat(500));
    assert_eq!(
        index.verify_citation("server/src/main.rs", 100, 100),
        CitationCheck::OutOfRange { lines }
    );
    let committed = index.read_file("server/src/main.rs").unwrap().unwrap();
    assert_eq!(String::from_utf8(committed).unwrap(), fixture::SERVER_MAIN);
    assert_eq!(index.read_file("nope.rs").unwrap(), None);
}

#[test]
fn prose_with_real_paths_symbols_and_technologies_checks_out() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let text = "The server (`server/src/main.rs:L18-L21`) parses its address with \
                `parse_config()` into `AppState`; the API is Flask in api/app.py, the \
                frontend React + Vite under `web/`, data in PostgreSQL (docker-compose.yml). \
                See docs/guide.md and the Dockerfile. Call POST /api/tasks; see \
                https://example.com/x.md. `SocketAddr` comes from std.";
    let report = index.verify_prose(text).unwrap();
    assert!(report.is_clean(), "{report:#?}");
    assert_eq!(report.paths_checked, 6);
    assert_eq!(report.citations_checked, 1);
    assert_eq!(report.symbols_checked, 3);
    assert_eq!(report.technologies_checked, 4);
}

/// The seed document's failure: paths that do not exist, plus out-of-range
/// lines, renamed symbols and a technology that is not there.
#[test]
fn hallucinations_are_reported() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let text = "Jobs go through /queue and /orchestration to \
                /backend/services/gpt_service.py. The entry point is src/main.rs \
                (`server/src/main.rs:L20-L400`), which calls `parse_settings()` and \
                `AppConfig`. Sessions are cached in Redis.";
    let report = index.verify_prose(text).unwrap();
    let missing: Vec<&str> = report
        .issues
        .iter()
        .filter_map(|i| match i {
            ProseIssue::MissingPath { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        missing,
        vec![
            "queue",
            "orchestration",
            "backend/services/gpt_service.py",
            "src/main.rs"
        ]
    );
    let suggestions = report.issues.iter().find_map(|i| match i {
        ProseIssue::MissingPath {
            path, suggestions, ..
        } if path == "src/main.rs" => Some(suggestions.clone()),
        _ => None,
    });
    assert_eq!(suggestions, Some(vec!["server/src/main.rs".to_string()]));
    let lines = fixture::SERVER_MAIN.lines().count();
    assert!(report.issues.contains(&ProseIssue::BadLines {
        token: "server/src/main.rs:L20-L400".into(),
        path: "server/src/main.rs".into(),
        check: CitationCheck::OutOfRange { lines },
    }));
    assert!(report.issues.contains(&ProseIssue::UnknownSymbol {
        name: "parse_settings()".into()
    }));
    assert!(report.issues.contains(&ProseIssue::UnknownSymbol {
        name: "AppConfig".into()
    }));
    assert!(report.issues.contains(&ProseIssue::UnusedTechnology {
        name: "Redis".into(),
        mention: "Redis".into()
    }));
    assert_eq!(report.issues.len(), 8, "{report:#?}");
}

#[test]
fn path_like_tokens_in_prose() {
    let tokens = find_path_like_tokens("Edit `Cargo.toml`, backend/ and ./web/src/App.tsx#L3-L5.");
    let found: Vec<(&str, bool, Option<usize>, Option<usize>)> = tokens
        .iter()
        .map(|t| (t.path.as_str(), t.dir, t.start_line, t.end_line))
        .collect();
    assert_eq!(
        found,
        vec![
            ("Cargo.toml", false, None, None),
            ("backend", true, None, None),
            ("web/src/App.tsx", false, Some(3), Some(5)),
        ]
    );
    assert!(tokens[0].backticked && !tokens[1].backticked);
}

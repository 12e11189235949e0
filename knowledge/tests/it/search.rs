//! BM25 retrieval with path and symbol boosts.

use crate::fixture::{indexed, line_of, Fixture, SERVER_MAIN};

#[test]
fn finds_the_chunk_defining_a_symbol_by_its_name() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let hits = index.search("parse_config", 5).unwrap();
    let top = &hits[0];
    assert_eq!(top.path, "server/src/main.rs");
    assert!(top.symbols.contains(&"parse_config".to_string()), "{top:?}");
    assert_eq!(
        top.start_line,
        line_of(SERVER_MAIN, "/// Reads the listen address")
    );
    assert_eq!(top.commit, index.commit().unwrap());
    let lines: Vec<&str> = SERVER_MAIN.lines().collect();
    assert_eq!(top.text, lines[top.start_line - 1..top.end_line].join("\n"));
    assert_eq!(
        top.citation(),
        format!("server/src/main.rs:L{}-L{}", top.start_line, top.end_line)
    );

    let hits = index.search("UserService", 3).unwrap();
    assert_eq!(hits[0].path, "api/app.py");
    assert!(hits[0].symbols.contains(&"UserService".to_string()));
}

#[test]
fn finds_chunks_by_words_in_them() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let hits = index.search("listen address loopback", 3).unwrap();
    assert!(
        hits[0].symbols.contains(&"parse_config".to_string()),
        "{hits:?}"
    );
    // camelCase names are found by their words.
    let hits = index.search("render dashboard", 3).unwrap();
    assert!(
        hits[0].symbols.contains(&"renderDashboard".to_string()),
        "{hits:?}"
    );
    // Path words count too.
    let hits = index.search("guide deploy", 3).unwrap();
    assert_eq!(hits[0].path, "docs/guide.md");
    assert!(index.search("", 3).unwrap().is_empty());
    assert!(index.search("zzzqqq xyzzyplugh", 3).unwrap().is_empty());
    assert!(index.search("::: ((", 3).unwrap().is_empty());
}

#[test]
fn k_limits_results_and_scores_descend() {
    let fixture = Fixture::new(false);
    let (_dir, index, _) = indexed(&fixture);
    let hits = index.search("worker run main state", 4).unwrap();
    assert!(hits.len() <= 4 && !hits.is_empty());
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
}

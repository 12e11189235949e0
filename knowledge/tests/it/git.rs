//! Checkout from URLs and credential hygiene.

use morningai_knowledge::{
    checkout, GitCredentials, GitRepo, KnowledgeError, RepoIndex, RepoSource,
};

use crate::fixture::{config, Fixture};

#[test]
fn clone_from_a_file_url_and_fetch_new_commits() {
    let fixture = Fixture::new(false);
    let dir = tempfile::TempDir::new().unwrap();
    let dest = dir.path().join("clones/repo.git");
    let url = format!("file://{}", fixture.root().display());
    let source = RepoSource::parse(&url).unwrap();
    assert!(matches!(source, RepoSource::Url(_)));
    let first = checkout(&source, &dest, None).unwrap();
    let head = crate::fixture::git(fixture.root(), &["rev-parse", "HEAD"]);
    assert_eq!(first.commit.as_deref(), Some(head.as_str()));
    assert_eq!(first.default_branch.as_deref(), Some("main"));
    assert_eq!(first.path, dest);

    let mut index = RepoIndex::open(&dir.path().join("index")).unwrap();
    index.update(&first, &config(), &mut |_| {}).unwrap();
    assert_eq!(
        index.search("parse_config", 1).unwrap()[0].path,
        "server/src/main.rs"
    );

    let next = fixture.commit_file("NOTES.md", "# Notes\n", "notes");
    let second = checkout(&source, &dest, None).unwrap();
    assert_eq!(second.commit.as_deref(), Some(next.as_str()));
    let stats = index.update(&second, &config(), &mut |_| {}).unwrap();
    assert_eq!((stats.files_added, stats.files_chunked), (1, 1));
    let repo = GitRepo::new(&dest);
    assert_eq!(
        repo.read_file_at(&next, "NOTES.md").unwrap().unwrap(),
        b"# Notes\n"
    );
}

#[test]
fn a_failed_clone_never_shows_the_token() {
    let dir = tempfile::TempDir::new().unwrap();
    let token = "ghp_SuperSecretToken123";
    // Port 9 (discard) is closed: the clone fails at once.
    let url = format!("http://oauth2:{token}@127.0.0.1:9/acme/repo.git");
    let err = checkout(
        &RepoSource::parse(&url).unwrap(),
        &dir.path().join("a"),
        None,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, KnowledgeError::Git { .. }), "{message}");
    assert!(!message.contains(token), "{message}");
    assert!(!format!("{err:?}").contains(token));

    let creds = GitCredentials::token(token);
    assert!(!format!("{creds:?}").contains(token));
    let err = checkout(
        &RepoSource::Url("http://127.0.0.1:9/acme/repo.git".into()),
        &dir.path().join("b"),
        Some(&creds),
    )
    .unwrap_err();
    assert!(!err.to_string().contains(token), "{err}");
    assert!(!RepoSource::parse(&url).unwrap().redacted().contains(token));
}

#[test]
fn a_missing_local_path_is_an_error() {
    let err = checkout(
        &RepoSource::Local("/definitely/not/here".into()),
        std::path::Path::new("/tmp/unused"),
        None,
    )
    .unwrap_err();
    assert!(matches!(err, KnowledgeError::Io { .. }), "{err}");
}

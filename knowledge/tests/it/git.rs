//! Checkout from URLs and credential hygiene.

use std::sync::{Arc, Mutex};

use morningai_knowledge::{
    checkout, GitCredentials, GitRepo, KnowledgeError, Pin, RemoteAccess, RepoIndex, RepoSource,
    RepoUrl,
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
    let first = checkout(&source, &dest, &RemoteAccess::operator(None)).unwrap();
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
    let second = checkout(&source, &dest, &RemoteAccess::operator(None)).unwrap();
    assert_eq!(second.commit.as_deref(), Some(next.as_str()));
    let stats = index.update(&second, &config(), &mut |_| {}).unwrap();
    assert_eq!((stats.files_added, stats.files_chunked), (1, 1));
    let repo = GitRepo::new(&dest);
    assert_eq!(
        repo.read_file_at(&next, "NOTES.md").unwrap().unwrap(),
        b"# Notes\n"
    );
}

/// A clone larger than the bound is stopped and removed; one inside it
/// works, and a later fetch that would pass the bound fails the same way.
#[test]
fn a_clone_past_its_size_bound_is_stopped_and_removed() {
    let fixture = Fixture::new(false);
    // 2 MB of random bytes: incompressible, so the pack is as large.
    let mut noise = vec![0u8; 2 * 1024 * 1024];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in noise.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(fixture.root().join("blob.bin"), &noise).unwrap();
    crate::fixture::git(fixture.root(), &["add", "blob.bin"]);
    crate::fixture::git(fixture.root(), &["commit", "-q", "-m", "blob"]);
    let source = RepoSource::parse(&format!("file://{}", fixture.root().display())).unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let dest = dir.path().join("repo.git");
    let bounded = |max| RemoteAccess {
        max_clone_bytes: Some(max),
        ..RemoteAccess::operator(None)
    };
    let err = checkout(&source, &dest, &bounded(1024 * 1024)).unwrap_err();
    assert!(
        matches!(err, KnowledgeError::TooLarge { size, max, .. } if size > max && max == 1024 * 1024),
        "{err:?}"
    );
    assert!(!dest.exists(), "the partial clone is removed");
    checkout(&source, &dest, &bounded(8 * 1024 * 1024)).unwrap();
    std::fs::write(
        fixture.root().join("blob2.bin"),
        noise.iter().map(|b| !b).collect::<Vec<_>>(),
    )
    .unwrap();
    crate::fixture::git(fixture.root(), &["add", "blob2.bin"]);
    crate::fixture::git(fixture.root(), &["commit", "-q", "-m", "blob2"]);
    let err = checkout(&source, &dest, &bounded(3 * 1024 * 1024)).unwrap_err();
    assert!(matches!(err, KnowledgeError::TooLarge { .. }), "{err:?}");
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
        &RemoteAccess::operator(None),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, KnowledgeError::Unreachable(_)), "{message}");
    assert!(!message.contains(token), "{message}");
    assert!(!format!("{err:?}").contains(token));

    let creds = GitCredentials::token(token);
    assert!(!format!("{creds:?}").contains(token));
    let err = checkout(
        &RepoSource::Url(RepoUrl::parse("http://127.0.0.1:9/acme/repo.git").unwrap()),
        &dir.path().join("b"),
        &RemoteAccess::operator(Some(&creds)),
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
        &RemoteAccess::operator(None),
    )
    .unwrap_err();
    assert!(matches!(err, KnowledgeError::Io { .. }), "{err}");
}

#[test]
fn a_tenant_remote_may_not_be_a_file_url() {
    let fixture = Fixture::new(false);
    let dir = tempfile::TempDir::new().unwrap();
    let url = format!("file://{}", fixture.root().display());
    // What a tenant's work gets: https and ssh only.
    let err = checkout(
        &RepoSource::parse(&url).unwrap(),
        &dir.path().join("a"),
        &RemoteAccess::default(),
    )
    .unwrap_err();
    assert!(matches!(err, KnowledgeError::Unreachable(_)), "{err}");
    // git's own words (which would say what answered) are not in the error.
    assert!(!err.to_string().contains("fatal"), "{err}");
}

/// A git "smart HTTP" server that answers every request with `status` (and a
/// redirect to `location`), recording each request's Host header and path.
async fn recording_server(
    status: u16,
    location: &'static str,
) -> (std::net::SocketAddr, Arc<Mutex<Vec<(String, String)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let log = log.clone();
        async move {
            let host = req
                .headers()
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("")
                .to_string();
            log.lock().unwrap().push((host, req.uri().to_string()));
            axum::response::Response::builder()
                .status(status)
                .header("location", location)
                .body(axum::body::Body::empty())
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

#[tokio::test]
async fn git_connects_to_the_pinned_address_and_follows_no_redirect() {
    let (addr, seen) = recording_server(302, "http://169.254.169.254/latest/meta-data/").await;
    let dir = tempfile::TempDir::new().unwrap();
    // A name that resolves nowhere: git can only reach the server through
    // the pin.
    let url = RepoUrl::parse(&format!(
        "http://git.example.invalid:{}/acme/api.git",
        addr.port()
    ))
    .unwrap();
    let access = RemoteAccess {
        pin: Some(Pin {
            host: "git.example.invalid".into(),
            addr,
        }),
        allow_http: true,
        ..RemoteAccess::default()
    };
    let dest = dir.path().join("clone");
    let err = tokio::task::spawn_blocking(move || checkout(&RepoSource::Url(url), &dest, &access))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, KnowledgeError::Unreachable(_)), "{err}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "one request, no redirect followed: {seen:?}");
    assert_eq!(seen[0].0, format!("git.example.invalid:{}", addr.port()));
    assert!(seen[0].1.starts_with("/acme/api.git/info/refs"), "{seen:?}");
}

#[tokio::test]
async fn plain_http_is_refused_unless_allowed() {
    let (addr, seen) = recording_server(404, "").await;
    let dir = tempfile::TempDir::new().unwrap();
    let url = RepoUrl::parse(&format!("http://127.0.0.1:{}/acme/api.git", addr.port())).unwrap();
    let dest = dir.path().join("clone");
    let err = tokio::task::spawn_blocking(move || {
        checkout(&RepoSource::Url(url), &dest, &RemoteAccess::default())
    })
    .await
    .unwrap()
    .unwrap_err();
    assert!(matches!(err, KnowledgeError::Unreachable(_)), "{err}");
    assert!(seen.lock().unwrap().is_empty());
}

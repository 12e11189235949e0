//! Publishing a file: a commit on a new branch made without a work tree, and
//! the push of that branch.

use std::path::{Path, PathBuf};

use morningai_knowledge::{
    commit_file, push_branch, FileCommit, GitCredentials, GitRepo, KnowledgeError, RemoteAccess,
    RepoSource,
};
use tempfile::TempDir;

use crate::fixture::{git, write, Fixture};

const FAQ_PATH: &str = "docs/faq/x.md";
/// CRLF, a NUL and invalid UTF-8: the commit must keep the bytes as given.
const CONTENT: &[u8] = b"# How do I run it?\r\n\nRun `make`.\n\0\xff\n";

fn change<'a>(base: &'a str, branch: &'a str, content: &'a [u8]) -> FileCommit<'a> {
    FileCommit {
        base_commit: base,
        branch,
        path: FAQ_PATH,
        content,
        message: "docs: answer \"how do I run it?\"",
        author_name: "MorningAI",
        author_email: "agent@morningai.invalid",
    }
}

/// A bare clone of `source` in a new temp dir, standing for the forge.
fn bare_clone(source: &Path) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("remote.git");
    git(
        dir.path(),
        &[
            "clone",
            "--quiet",
            "--bare",
            source.to_str().unwrap(),
            path.to_str().unwrap(),
        ],
    );
    (dir, path)
}

/// What a user would see of their repository: status, HEAD, index, files.
fn snapshot(root: &Path) -> (String, String, String, Vec<u8>, bool) {
    (
        git(
            root,
            &[
                "status",
                "--porcelain=v1",
                "--untracked-files=all",
                "--branch",
            ],
        ),
        git(root, &["rev-parse", "HEAD"]),
        git(root, &["symbolic-ref", "HEAD"]),
        std::fs::read(root.join(".git/index")).unwrap(),
        root.join(FAQ_PATH).exists(),
    )
}

#[test]
fn commits_without_touching_the_work_tree_and_pushes_the_branch() {
    let fixture = Fixture::new(false);
    let root = fixture.root();
    let base = git(root, &["rev-parse", "HEAD"]);
    // A user's uncommitted work must survive publishing.
    write(root, "docs/guide.md", "# Guide\n\nlocal edits\n");
    write(root, "notes.txt", "untracked\n");
    git(root, &["add", "notes.txt"]);
    write(root, "notes.txt", "untracked, changed after staging\n");
    let before = snapshot(root);
    let (_remote_dir, remote) = bare_clone(root);

    let repo = GitRepo::new(root);
    let commit = commit_file(&repo, &change(&base, "morningai/faq-run", CONTENT)).unwrap();

    assert_eq!(snapshot(root), before);
    assert_eq!(
        std::fs::read_to_string(root.join("docs/guide.md")).unwrap(),
        "# Guide\n\nlocal edits\n"
    );
    assert_eq!(git(root, &["rev-parse", "morningai/faq-run"]), commit);
    assert_eq!(
        git(root, &["rev-list", "--parents", "-n", "1", &commit]),
        format!("{commit} {base}")
    );
    assert_eq!(
        git(root, &["diff", "--name-status", &base, &commit]),
        format!("A\t{FAQ_PATH}")
    );
    assert_eq!(
        git(root, &["log", "-1", "--format=%an <%ae>|%cn <%ce>|%B", &commit]),
        "MorningAI <agent@morningai.invalid>|MorningAI <agent@morningai.invalid>|docs: answer \"how do I run it?\""
    );

    push_branch(
        &repo,
        &RepoSource::Local(remote.clone()),
        "morningai/faq-run",
        &RemoteAccess::operator(None),
    )
    .unwrap();
    assert_eq!(git(&remote, &["rev-parse", "morningai/faq-run"]), commit);
    assert_eq!(
        show(&remote, &format!("morningai/faq-run:{FAQ_PATH}")),
        CONTENT
    );
    // Only the new branch was pushed.
    assert_eq!(
        git(&remote, &["for-each-ref", "--format=%(refname)"]),
        "refs/heads/main\nrefs/heads/morningai/faq-run"
    );
    assert_eq!(snapshot(root), before);
}

#[test]
fn an_existing_file_is_replaced_and_the_others_are_kept() {
    let fixture = Fixture::new(false);
    let root = fixture.root();
    let base = git(root, &["rev-parse", "HEAD"]);
    let repo = GitRepo::new(root);
    let change = FileCommit {
        path: "docs/guide.md",
        ..change(&base, "docs-update", b"# Guide\n\nRewritten.\n")
    };
    let commit = commit_file(&repo, &change).unwrap();
    assert_eq!(
        git(root, &["diff", "--name-status", &base, &commit]),
        "M\tdocs/guide.md"
    );
    assert_eq!(
        git(root, &["ls-tree", "-r", "--name-only", &base]),
        git(root, &["ls-tree", "-r", "--name-only", &commit])
    );
}

#[test]
fn an_existing_branch_is_never_moved_or_overwritten() {
    let fixture = Fixture::new(false);
    let root = fixture.root();
    let base = git(root, &["rev-parse", "HEAD"]);
    let (_remote_dir, remote) = bare_clone(root);
    let remote_source = RepoSource::Local(remote.clone());
    let repo = GitRepo::new(root);

    let first = commit_file(&repo, &change(&base, "faq", b"first\n")).unwrap();
    let err = commit_file(&repo, &change(&base, "faq", b"second\n")).unwrap_err();
    assert!(matches!(err, KnowledgeError::BranchExists(_)), "{err}");
    assert!(err.to_string().contains("\"faq\" already exists"), "{err}");
    let err = commit_file(&repo, &change(&base, "main", b"x\n")).unwrap_err();
    assert!(matches!(err, KnowledgeError::BranchExists(_)), "{err}");
    assert_eq!(git(root, &["rev-parse", "faq"]), first);
    assert_eq!(git(root, &["rev-parse", "main"]), base);
    push_branch(&repo, &remote_source, "faq", &RemoteAccess::operator(None)).unwrap();

    // Another commit under the same name, not a descendant of the first.
    git(root, &["branch", "-D", "faq"]);
    let second = commit_file(&repo, &change(&base, "faq", b"second\n")).unwrap();
    assert_ne!(first, second);
    let err = push_branch(&repo, &remote_source, "faq", &RemoteAccess::operator(None)).unwrap_err();
    match &err {
        KnowledgeError::Git { command, stderr } => {
            assert_eq!(command, "push");
            assert!(stderr.contains("rejected"), "{stderr}");
        }
        other => panic!("expected a rejected push, got {other}"),
    }
    assert_eq!(git(&remote, &["rev-parse", "faq"]), first);
}

#[test]
fn commits_in_a_bare_clone_and_pushes_to_a_file_url() {
    let fixture = Fixture::new(false);
    let (_clone_dir, clone) = bare_clone(fixture.root());
    let (_remote_dir, remote) = bare_clone(fixture.root());
    let head = git(&clone, &["rev-parse", "HEAD"]);
    let repo = GitRepo::new(&clone);

    let commit = commit_file(&repo, &change("main", "publish/bare", CONTENT)).unwrap();
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(&clone, &["rev-parse", &format!("{commit}^")]), head);
    assert_eq!(show(&clone, &format!("{commit}:{FAQ_PATH}")), CONTENT);

    let url = format!("file://{}", remote.display());
    push_branch(
        &repo,
        &RepoSource::parse(&url).unwrap(),
        "publish/bare",
        &RemoteAccess::operator(None),
    )
    .unwrap();
    assert_eq!(show(&remote, &format!("publish/bare:{FAQ_PATH}")), CONTENT);
}

#[test]
fn invalid_paths_branches_and_commits_are_refused() {
    let fixture = Fixture::new(false);
    let root = fixture.root();
    let base = git(root, &["rev-parse", "HEAD"]);
    let repo = GitRepo::new(root);
    let refs_before = git(root, &["for-each-ref"]);

    for path in [
        "",
        "/etc/passwd",
        "../x.md",
        "docs/../../x.md",
        ".git/hooks/pre-commit",
        "docs/.Git/x",
    ] {
        let err = commit_file(
            &repo,
            &FileCommit {
                path,
                ..change(&base, "ok", b"x")
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, KnowledgeError::InvalidPath { .. }),
            "{path:?}: {err}"
        );
        assert!(err.to_string().contains("invalid file path"), "{err}");
    }
    let err = commit_file(
        &repo,
        &FileCommit {
            path: "../x.md",
            ..change(&base, "ok", b"x")
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid file path \"../x.md\": it must not contain '..'"
    );

    for branch in [
        "",
        "a..b",
        "has space",
        "-x",
        "x.lock",
        "ends/",
        "@{-1}",
        "HEAD",
        "a~1",
        "refs:x",
    ] {
        let err = commit_file(&repo, &change(&base, branch, b"x")).unwrap_err();
        assert!(
            matches!(err, KnowledgeError::InvalidBranch { .. }),
            "{branch:?}: {err}"
        );
        assert!(err.to_string().contains("invalid branch name"), "{err}");
    }

    for base in [
        "",
        "0123456789abcdef0123456789abcdef01234567",
        "no-such-branch",
        "--all",
    ] {
        let err = commit_file(&repo, &change(base, "ok", b"x")).unwrap_err();
        assert!(
            matches!(err, KnowledgeError::InvalidCommit(_)),
            "{base:?}: {err}"
        );
        assert!(err.to_string().contains("not found"), "{err}");
    }
    let bad_identity = FileCommit {
        author_email: "<evil>",
        ..change(&base, "ok", b"x")
    };
    assert!(matches!(
        commit_file(&repo, &bad_identity),
        Err(KnowledgeError::InvalidCommit(_))
    ));
    let no_message = FileCommit {
        message: " \n",
        ..change(&base, "ok", b"x")
    };
    assert!(matches!(
        commit_file(&repo, &no_message),
        Err(KnowledgeError::InvalidCommit(_))
    ));

    let err = push_branch(
        &repo,
        &RepoSource::Local(root.into()),
        "a..b",
        &RemoteAccess::operator(None),
    )
    .unwrap_err();
    assert!(matches!(err, KnowledgeError::InvalidBranch { .. }), "{err}");
    assert_eq!(git(root, &["for-each-ref"]), refs_before);
}

#[test]
fn a_failed_push_never_shows_the_token() {
    let fixture = Fixture::new(false);
    let root = fixture.root();
    let base = git(root, &["rev-parse", "HEAD"]);
    let repo = GitRepo::new(root);
    commit_file(&repo, &change(&base, "faq", b"x\n")).unwrap();
    let token = "ghp_PushSecretToken456";
    // Port 9 (discard) is closed: the push fails at once.
    let url = format!("http://oauth2:{token}@127.0.0.1:9/acme/repo.git");
    let creds = GitCredentials::token(token);
    for credentials in [None, Some(&creds)] {
        let access = RemoteAccess::operator(credentials);
        let err =
            push_branch(&repo, &RepoSource::parse(&url).unwrap(), "faq", &access).unwrap_err();
        assert!(matches!(err, KnowledgeError::Git { .. }), "{err}");
        assert!(!err.to_string().contains(token), "{err}");
        assert!(!format!("{err:?}").contains(token), "{err:?}");
    }
}

/// The exact bytes of `spec` (`rev:path`) in the repository at `dir`.
fn show(dir: &Path, spec: &str) -> Vec<u8> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["show", spec])
        .output()
        .unwrap();
    assert!(output.status.success(), "git show {spec}");
    output.stdout
}

//! Publishing one generated file: commit it on a new branch and push that
//! branch.
//!
//! Only git plumbing is used (`hash-object`, a temporary index, `commit-tree`,
//! `update-ref`), so the repository may be a bare clone or a user's checkout
//! whose work tree, index and `HEAD` are never touched.

use std::ffi::OsStr;

use crate::error::{KnowledgeError, Result};
use crate::git::{GitRepo, RemoteAccess, RepoSource};

/// One file to commit, on top of `base_commit`, as the tip of a new branch.
#[derive(Debug, Clone, Copy)]
pub struct FileCommit<'a> {
    /// The parent commit (an object id, or any revision naming a commit).
    pub base_commit: &'a str,
    /// The new branch's name, without `refs/heads/`; it must not exist yet.
    pub branch: &'a str,
    /// Where the file goes, relative to the repository's root (`docs/faq/x.md`).
    pub path: &'a str,
    pub content: &'a [u8],
    pub message: &'a str,
    /// Author and committer: the machine may have no git identity configured.
    pub author_name: &'a str,
    pub author_email: &'a str,
}

/// Longest slug [`slugify`] returns.
const MAX_SLUG_CHARS: usize = 60;

/// Commits `change.content` at `change.path` on top of `change.base_commit`
/// and points the new branch `change.branch` at that commit. Returns the new
/// commit id.
///
/// The file replaces any file at that path; every other file is the base's.
/// Fails with [`KnowledgeError::BranchExists`] when the branch already exists.
pub fn commit_file(repo: &GitRepo, change: &FileCommit<'_>) -> Result<String> {
    validate_path(change.path)?;
    validate_branch(repo, change.branch)?;
    validate_identity(change.author_name, change.author_email)?;
    if change.message.trim().is_empty() {
        return Err(KnowledgeError::InvalidCommit("empty message".into()));
    }
    let base = resolve_base(repo, change.base_commit)?;
    let reference = format!("refs/heads/{}", change.branch);
    if ref_exists(repo, &reference)? {
        return Err(KnowledgeError::BranchExists(change.branch.to_string()));
    }

    // `--no-filters`: the bytes given are the bytes committed, whatever the
    // repository's attributes or autocrlf say.
    let blob = repo.git_with(
        &["hash-object", "-w", "--no-filters", "--stdin"],
        &[],
        Some(change.content),
    )?;
    let tree = tree_with_file(repo, &base, change.path, blob.trim())?;
    let commit = commit_tree(repo, &tree, &base, change)?;
    // The empty old value makes git refuse if the branch appeared meanwhile.
    repo.git(&[
        "update-ref",
        "-m",
        "morningai: publish",
        &reference,
        &commit,
        "",
    ])?;
    Ok(commit)
}

/// Pushes `refs/heads/<branch>` of `repo` to the same branch of `remote`.
///
/// Never forces: the push fails when the remote's branch exists and is not
/// an ancestor of ours. The repository's hooks, submodules and tags are left
/// out of it, git reaches the remote only as `access` allows (credentials in
/// an `http.extraHeader` environment variable, never on the command line);
/// git's messages are redacted.
pub fn push_branch(
    repo: &GitRepo,
    remote: &RepoSource,
    branch: &str,
    access: &RemoteAccess,
) -> Result<()> {
    validate_branch(repo, branch)?;
    let argument = remote_argument(remote)?;
    let reference = format!("refs/heads/{branch}");
    let refspec = format!("{reference}:{reference}");
    let remote_repo = repo.with_remote(remote, access)?;
    remote_repo.git(&[
        "push",
        "--no-verify",
        "--recurse-submodules=no",
        "--no-follow-tags",
        "--",
        &argument,
        &refspec,
    ])?;
    Ok(())
}

/// A slug of `text` for a file name such as `docs/faq/<slug>.md`: lowercase
/// ASCII letters, digits and single `-` between words, at most 60 characters,
/// `document` when nothing is left.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    let mut pending_dash = false;
    // Apostrophes join words ("what's" → "whats") instead of splitting them.
    for c in text.chars().filter(|c| !matches!(c, '\'' | '’')) {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.len() > MAX_SLUG_CHARS {
        slug.truncate(MAX_SLUG_CHARS);
        // Cut at a word boundary unless that leaves too little.
        if let Some(dash) = slug.rfind('-').filter(|&i| i >= MAX_SLUG_CHARS / 2) {
            slug.truncate(dash);
        }
        slug.truncate(slug.trim_end_matches('-').len());
    }
    if slug.is_empty() {
        "document".to_string()
    } else {
        slug
    }
}

/// Refuses paths that are not a plain file inside the repository: empty,
/// absolute, with `.`, `..` or empty components, inside `.git`, or with
/// backslashes or control characters.
pub fn validate_path(path: &str) -> Result<()> {
    let invalid = |reason: &str| {
        Err(KnowledgeError::InvalidPath {
            path: path.to_string(),
            reason: reason.to_string(),
        })
    };
    if path.is_empty() {
        return invalid("it is empty");
    }
    if path.starts_with('/') {
        return invalid("it must be relative to the repository's root");
    }
    if path.chars().any(|c| c == '\\' || c.is_control()) {
        return invalid("it must not contain backslashes or control characters");
    }
    for component in path.split('/') {
        match component {
            "" | "." => return invalid("it has an empty or '.' component"),
            ".." => return invalid("it must not contain '..'"),
            _ if component.eq_ignore_ascii_case(".git") => {
                return invalid("it must not be inside .git")
            }
            _ => {}
        }
    }
    Ok(())
}

/// Refuses names `git check-ref-format --branch` refuses, and names it would
/// expand to another branch (`@{-1}`).
fn validate_branch(repo: &GitRepo, branch: &str) -> Result<()> {
    let invalid = |reason: &str| {
        Err(KnowledgeError::InvalidBranch {
            branch: branch.to_string(),
            reason: reason.to_string(),
        })
    };
    if branch.is_empty() {
        return invalid("it is empty");
    }
    if branch == "HEAD" || branch.starts_with('-') {
        return invalid("it is not a valid git branch name");
    }
    match repo.git(&["check-ref-format", "--branch", branch]) {
        Ok(normalized) if normalized.trim_end_matches('\n') == branch => Ok(()),
        Ok(_) => invalid("it names another branch"),
        Err(KnowledgeError::Git { .. }) => {
            invalid("it is not a valid git branch name (see git check-ref-format)")
        }
        Err(e) => Err(e),
    }
}

/// Git strips or rejects these characters in an identity; refuse them first
/// so the commit says exactly who made it.
fn validate_identity(name: &str, email: &str) -> Result<()> {
    for (what, value) in [("author name", name), ("author email", email)] {
        if value.trim().is_empty() {
            return Err(KnowledgeError::InvalidCommit(format!("empty {what}")));
        }
        if value
            .chars()
            .any(|c| matches!(c, '<' | '>') || c.is_control())
        {
            return Err(KnowledgeError::InvalidCommit(format!(
                "{what} {value:?} contains '<', '>' or control characters"
            )));
        }
    }
    Ok(())
}

/// The full id of the base commit.
fn resolve_base(repo: &GitRepo, base: &str) -> Result<String> {
    let not_found = || KnowledgeError::InvalidCommit(format!("base commit {base:?} not found"));
    // A leading '-' would be read as an option.
    if base.is_empty() || base.starts_with('-') {
        return Err(not_found());
    }
    match repo.rev_parse(base) {
        Err(KnowledgeError::Git { .. }) => Err(not_found()),
        other => other,
    }
}

fn ref_exists(repo: &GitRepo, reference: &str) -> Result<bool> {
    // The pattern also matches refs below it (`refs/heads/a/b` for
    // `refs/heads/a`), hence the exact comparison.
    let refs = repo.git(&["for-each-ref", "--format=%(refname)", reference])?;
    Ok(refs.lines().any(|line| line == reference))
}

/// The tree of `base` with `path` set to `blob`, built in a temporary index
/// so the repository's own index is never read or written.
fn tree_with_file(repo: &GitRepo, base: &str, path: &str, blob: &str) -> Result<String> {
    let dir = tempfile::TempDir::new().map_err(|e| KnowledgeError::io(std::env::temp_dir(), e))?;
    let index = dir.path().join("index");
    let env = [("GIT_INDEX_FILE", index.as_os_str())];
    repo.git_with(&["read-tree", base], &env, None)?;
    repo.git_with(
        &["update-index", "--add", "--cacheinfo", "100644", blob, path],
        &env,
        None,
    )?;
    let tree = repo.git_with(&["write-tree"], &env, None)?;
    Ok(tree.trim().to_string())
}

fn commit_tree(repo: &GitRepo, tree: &str, base: &str, change: &FileCommit<'_>) -> Result<String> {
    let name = OsStr::new(change.author_name);
    let email = OsStr::new(change.author_email);
    let identity = [
        ("GIT_AUTHOR_NAME", name),
        ("GIT_AUTHOR_EMAIL", email),
        ("GIT_COMMITTER_NAME", name),
        ("GIT_COMMITTER_EMAIL", email),
    ];
    let mut message = change.message.to_string();
    if !message.ends_with('\n') {
        message.push('\n');
    }
    // `--no-gpg-sign`: a user's `commit.gpgSign` would wait for a passphrase
    // no one can type.
    let commit = repo.git_with(
        &["commit-tree", "--no-gpg-sign", "-p", base, "-F", "-", tree],
        &identity,
        Some(message.as_bytes()),
    )?;
    Ok(commit.trim().to_string())
}

/// The remote as git's command line takes it. Local paths are made absolute:
/// git runs in the repository, where a relative path would mean another place.
fn remote_argument(remote: &RepoSource) -> Result<String> {
    match remote {
        RepoSource::Url(url) => Ok(url.as_git_argument().to_string()),
        RepoSource::Local(path) => {
            let absolute = std::path::absolute(path).map_err(|e| KnowledgeError::io(path, e))?;
            absolute.to_str().map(str::to_string).ok_or_else(|| {
                KnowledgeError::InvalidSource(format!("{} is not UTF-8", absolute.display()))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_lowercase_words() {
        assert_eq!(
            slugify("How do I run the API locally?"),
            "how-do-i-run-the-api-locally"
        );
        assert_eq!(
            slugify("  What's `RepoIndex::update`  doing?? "),
            "whats-repoindex-update-doing"
        );
        assert_eq!(slugify("Café — naïve"), "caf-na-ve");
        assert_eq!(slugify(""), "document");
        assert_eq!(slugify("???"), "document");
        assert_eq!(slugify("日本語"), "document");
    }

    #[test]
    fn long_slugs_are_cut_at_a_word_boundary() {
        let slug = slugify(&"configure the deployment pipeline ".repeat(5));
        assert!(slug.len() <= MAX_SLUG_CHARS, "{slug}");
        assert_eq!(
            slug,
            "configure-the-deployment-pipeline-configure-the-deployment"
        );
        let one_word = slugify(&"a".repeat(100));
        assert_eq!(one_word, "a".repeat(MAX_SLUG_CHARS));
    }

    #[test]
    fn paths_must_stay_inside_the_repository() {
        assert!(validate_path("docs/faq/x.md").is_ok());
        assert!(validate_path("README.md").is_ok());
        assert!(validate_path("docs/.github-notes.md").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x.md",
            "docs/../../x.md",
            ".git/config",
            "docs/.GIT/x",
            "docs//x.md",
            "docs/",
            "./x.md",
            "docs\\x.md",
            "docs/x\n.md",
        ] {
            assert!(
                matches!(validate_path(bad), Err(KnowledgeError::InvalidPath { .. })),
                "{bad:?} accepted"
            );
        }
    }
}

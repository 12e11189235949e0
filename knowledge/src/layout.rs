//! Where a repository's data lives on disk under the repositories root:
//! `<root>/<owner>/<repository>/checkout` (the bare clone of a URL source)
//! and `<root>/<owner>/<repository>/index` (its search index). The owner and
//! repository are opaque names here (our callers pass the tenant and
//! repository ids), so this crate stays free of tenants.

use std::fmt::Display;
use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::git::RepoSource;

/// `<root>/<owner>/<repository>`: everything kept for one repository.
pub fn repository_dir(root: &Path, owner: impl Display, repo: impl Display) -> PathBuf {
    root.join(owner.to_string()).join(repo.to_string())
}

/// `<repository_dir>/checkout`: the bare clone of a URL source.
pub fn checkout_dir(root: &Path, owner: impl Display, repo: impl Display) -> PathBuf {
    repository_dir(root, owner, repo).join("checkout")
}

/// `<repository_dir>/index`: the repository's index.
pub fn index_dir(root: &Path, owner: impl Display, repo: impl Display) -> PathBuf {
    repository_dir(root, owner, repo).join("index")
}

/// The git directory holding a repository's objects: a local source's own
/// directory, or the bare clone (`checkout/`) of a URL.
pub fn repository_git_dir(
    root: &Path,
    source: &str,
    owner: impl Display,
    repo: impl Display,
) -> Result<(RepoSource, PathBuf)> {
    let source = RepoSource::parse(source)?;
    let dir = match &source {
        RepoSource::Local(path) => path.clone(),
        RepoSource::Url(_) => checkout_dir(root, owner, repo),
    };
    Ok((source, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_nest_under_owner_and_repository() {
        let root = Path::new("/r");
        assert_eq!(checkout_dir(root, "t", "a"), Path::new("/r/t/a/checkout"));
        assert_eq!(index_dir(root, "t", "a"), Path::new("/r/t/a/index"));
        let (_, dir) = repository_git_dir(root, "https://example.com/x.git", "t", "a").unwrap();
        assert_eq!(dir, Path::new("/r/t/a/checkout"));
    }
}

//! What graphs that touch the outside world are built with: the store (to
//! read and update the records they work on), where repositories live on
//! disk, and the credentials and settings for checking them out and indexing.

use std::path::PathBuf;
use std::sync::Arc;

use morningai_core::{Repository, RepositoryId, TenantId};
use morningai_knowledge::forge::ForgeClient;
use morningai_knowledge::layout;
use morningai_knowledge::{GitCredentials, IndexConfig, RepoSource};
use morningai_store::Store;

#[derive(Clone)]
pub struct GraphEnv {
    pub store: Arc<dyn Store>,
    /// Root of every tenant's repository checkouts and indexes.
    pub repos_dir: PathBuf,
    /// Sent to HTTP(S) remotes on `git_credential_hosts` only.
    pub git_credentials: Option<GitCredentials>,
    /// Hosts (lowercase, optionally `host:port`) the credentials may be sent to:
    /// a tenant must not be able to register its own server's URL and
    /// receive the token.
    pub git_credential_hosts: Vec<String>,
    pub index_config: IndexConfig,
    pub publish: PublishConfig,
}

/// How documents are published: where the file goes, who commits it, how
/// often, and the forge that opens pull requests.
#[derive(Clone, Debug)]
pub struct PublishConfig {
    /// The file's path; `{slug}` is replaced by the question's slug.
    pub path_template: String,
    pub author_name: String,
    pub author_email: String,
    /// Publications per tenant per hour.
    pub max_per_hour: u32,
    /// Labels put on every pull request.
    pub labels: Vec<String>,
    /// Opens pull requests when set (a token is configured).
    pub forge: Option<ForgeClient>,
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            path_template: "docs/faq/{slug}.md".into(),
            author_name: "MorningAI".into(),
            author_email: "morningai@localhost".into(),
            max_per_hour: 10,
            labels: vec!["documentation".into()],
            forge: None,
        }
    }
}

impl GraphEnv {
    /// No credentials, the default index settings.
    pub fn new(store: Arc<dyn Store>, repos_dir: impl Into<PathBuf>) -> Self {
        GraphEnv {
            store,
            repos_dir: repos_dir.into(),
            git_credentials: None,
            git_credential_hosts: Vec::new(),
            index_config: IndexConfig::default(),
            publish: PublishConfig::default(),
        }
    }

    /// Everything kept on disk for one repository.
    pub fn repository_dir(&self, tenant: TenantId, repo: RepositoryId) -> PathBuf {
        layout::repository_dir(&self.repos_dir, tenant, repo)
    }

    /// The repository's bare clone (URL sources).
    pub fn checkout_dir(&self, tenant: TenantId, repo: RepositoryId) -> PathBuf {
        layout::checkout_dir(&self.repos_dir, tenant, repo)
    }

    /// The repository's index.
    pub fn index_dir(&self, tenant: TenantId, repo: RepositoryId) -> PathBuf {
        layout::index_dir(&self.repos_dir, tenant, repo)
    }

    /// The git directory holding `repo`'s objects (see [`layout::repository_git_dir`]).
    pub fn git_dir(&self, repo: &Repository) -> morningai_knowledge::Result<(RepoSource, PathBuf)> {
        layout::repository_git_dir(&self.repos_dir, &repo.source, repo.tenant_id, repo.id)
    }

    /// The credentials for `source`, when it is an HTTP(S) URL on an allowed host.
    pub fn credentials_for(&self, source: &RepoSource) -> Option<&GitCredentials> {
        let RepoSource::Url(url) = source else {
            return None;
        };
        let host = http_host(url)?;
        let allowed = self
            .git_credential_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&host) || h.eq_ignore_ascii_case(host_only(&host)));
        allowed.then_some(self.git_credentials.as_ref()).flatten()
    }
}

/// The `host[:port]` of an `http://` or `https://` URL, lowercased.
fn http_host(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

fn host_only(host_port: &str) -> &str {
    match host_port.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => host_port,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_host_reads_the_authority() {
        assert_eq!(
            http_host("https://x:y@GitHub.com/a/b.git").as_deref(),
            Some("github.com")
        );
        assert_eq!(
            http_host("http://127.0.0.1:8080/r.git").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(http_host("ssh://git@github.com/a/b.git"), None);
        assert_eq!(http_host("git@github.com:a/b.git"), None);
        assert_eq!(host_only("127.0.0.1:8080"), "127.0.0.1");
    }
}

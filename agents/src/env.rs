//! What graphs that touch the outside world are built with: the store (to
//! read and update the records they work on), where repositories live on
//! disk, and the credentials and settings for checking them out and indexing.

use std::path::PathBuf;
use std::sync::Arc;

use morningai_core::{Repository, RepositoryId, SecretBox, TenantId};
use morningai_knowledge::forge::ForgeClient;
use morningai_knowledge::layout;
use morningai_knowledge::{GitCredentials, IndexConfig, RepoSource, SourcePolicy};
use morningai_store::Store;

#[derive(Clone)]
pub struct GraphEnv {
    pub store: Arc<dyn Store>,
    /// Root of every tenant's repository checkouts and indexes.
    pub repos_dir: PathBuf,
    /// Which repository sources are allowed; checked again before every
    /// clone, fetch, push and index.
    pub sources: SourcePolicy,
    /// The operator's git token and the tenants it is granted to.
    pub operator_git: Option<OperatorToken>,
    /// Opens tenants' stored credentials; without it, tenants have none.
    pub secret_box: Option<Arc<SecretBox>>,
    pub index_config: IndexConfig,
    pub publish: PublishConfig,
}

/// A token of the operator's, usable only where a [`Grant`] allows it.
#[derive(Clone, Debug)]
pub struct OperatorToken {
    pub credentials: GitCredentials,
    pub grants: Vec<Grant>,
}

impl OperatorToken {
    /// Whether `tenant` may use the token for `owner`'s repositories on `host`.
    pub fn granted(&self, tenant: TenantId, host: &str, owner: Option<&str>) -> bool {
        self.grants.iter().any(|g| g.covers(tenant, host, owner))
    }
}

/// The operator's grant of its token: to one tenant (or every tenant, `*`),
/// for one host, and for one owner there (or every owner, `*`).
/// Written `TENANT=host/owner`, e.g. `0190…=github.com/acme`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub tenant: Option<TenantId>,
    pub host: String,
    pub owner: Option<String>,
}

impl std::str::FromStr for Grant {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!("`{text}` is not a grant: write TENANT_ID=host/owner (`*` for every tenant or every owner)")
        };
        let (tenant, target) = text.trim().split_once('=').ok_or_else(bad)?;
        let tenant = match tenant.trim() {
            "*" => None,
            id => Some(TenantId(id.parse().map_err(|_| bad())?)),
        };
        let (host, owner) = target.trim().split_once('/').ok_or_else(bad)?;
        let host = host.trim().to_ascii_lowercase();
        let owner = owner.trim().trim_end_matches('/');
        if host.is_empty() || owner.is_empty() || owner.contains('/') {
            return Err(bad());
        }
        Ok(Grant {
            tenant,
            host,
            owner: (owner != "*").then(|| owner.to_ascii_lowercase()),
        })
    }
}

impl Grant {
    pub fn covers(&self, tenant: TenantId, host: &str, owner: Option<&str>) -> bool {
        self.tenant.is_none_or(|t| t == tenant)
            && self.host.eq_ignore_ascii_case(host)
            && match (&self.owner, owner) {
                (None, _) => true,
                (Some(granted), Some(owner)) => granted.eq_ignore_ascii_case(owner),
                (Some(_), None) => false,
            }
    }
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
    /// The forge's REST API, where pull requests are opened with a tenant's
    /// own token for the forge's host.
    pub forge_api_url: String,
    /// The operator's forge token: opens pull requests only for repositories
    /// the operator granted its git token for (`MORNINGAI_GIT_TOKEN_GRANTS`).
    pub forge: Option<ForgeClient>,
}

impl PublishConfig {
    /// The host whose repositories the forge's API serves: `github.com` for
    /// `https://api.github.com`, `ghe.example.com` for
    /// `https://ghe.example.com/api/v3`.
    pub fn forge_host(&self) -> Option<String> {
        let url = url::Url::parse(&self.forge_api_url).ok()?;
        let host = url.host_str()?.to_ascii_lowercase();
        let host = host
            .strip_prefix("api.")
            .map(str::to_string)
            .unwrap_or(host);
        Some(match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
    }
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            path_template: "docs/faq/{slug}.md".into(),
            author_name: "MorningAI".into(),
            author_email: "morningai@localhost".into(),
            max_per_hour: 10,
            labels: vec!["documentation".into()],
            forge_api_url: "https://api.github.com".into(),
            forge: None,
        }
    }
}

impl GraphEnv {
    /// No credentials, no directory sources, the default index settings.
    pub fn new(store: Arc<dyn Store>, repos_dir: impl Into<PathBuf>) -> Self {
        GraphEnv {
            store,
            repos_dir: repos_dir.into(),
            sources: SourcePolicy::default(),
            operator_git: None,
            secret_box: None,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_name_a_tenant_a_host_and_an_owner() {
        let tenant = TenantId(uuid::Uuid::now_v7());
        let other = TenantId(uuid::Uuid::now_v7());
        let one: Grant = format!("{}=GitHub.com/Acme", tenant.0).parse().unwrap();
        assert!(one.covers(tenant, "github.com", Some("acme")));
        assert!(!one.covers(other, "github.com", Some("acme")));
        assert!(!one.covers(tenant, "github.com", Some("evil")));
        assert!(!one.covers(tenant, "gitlab.com", Some("acme")));
        assert!(!one.covers(tenant, "github.com", None));
        let every: Grant = "*=git.internal:8443/*".parse().unwrap();
        assert!(every.covers(other, "git.internal:8443", None));
        for bad in [
            "github.com/acme",
            "x=github.com/acme",
            "*=github.com",
            "*=/acme",
            "*=h/a/b",
        ] {
            assert!(bad.parse::<Grant>().is_err(), "{bad}");
        }
    }
}

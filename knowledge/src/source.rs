//! Where a repository comes from, and the one policy deciding which sources
//! a tenant may use.
//!
//! Every repository source is read here and nowhere else: a git URL is
//! parsed once into a [`RepoUrl`] (with the `url` crate; scp-like
//! `user@host:path` is read as the `ssh://` URL it means), a directory is
//! made canonical. [`SourcePolicy`] then decides, at registration and again
//! before every clone, fetch, push and index, whether the source is allowed:
//! directories only inside the operator's roots, URLs only on hosts that
//! resolve to public addresses (unless the operator allows a private one),
//! plain `http` only when allowed. The address checked is the address git
//! connects to ([`Pin`]): a name that resolves differently the second time
//! (DNS rebinding) cannot lead git to another host.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use crate::error::{KnowledgeError, Result};

/// Where a repository comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoSource {
    /// A directory on this machine: a git work tree (or bare repository), or a
    /// plain directory that is not under git.
    Local(PathBuf),
    /// A git remote: `https://…`, `http://…`, `ssh://…` (or scp-like
    /// `git@host:path`), `file://…`.
    Url(RepoUrl),
}

impl RepoSource {
    /// Reads a source: a URL-looking string is a [`RepoSource::Url`], anything
    /// else a local path. Says nothing about whether it is allowed.
    pub fn parse(source: &str) -> Result<RepoSource> {
        let source = source.trim();
        if source.is_empty() {
            return Err(KnowledgeError::InvalidSource("empty".into()));
        }
        if source.contains("://") || scp_like(source).is_some() {
            Ok(RepoSource::Url(RepoUrl::parse(source)?))
        } else {
            Ok(RepoSource::Local(PathBuf::from(source)))
        }
    }

    /// The source with any credentials in it replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            RepoSource::Local(path) => path.display().to_string(),
            RepoSource::Url(url) => url.redacted(),
        }
    }
}

/// The schemes a repository URL may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Https,
    Http,
    Ssh,
    File,
}

impl Scheme {
    /// The port git uses when the URL names none (0 for `file`).
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Https => 443,
            Scheme::Http => 80,
            Scheme::Ssh => 22,
            Scheme::File => 0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
            Scheme::Ssh => "ssh",
            Scheme::File => "file",
        }
    }
}

/// A git remote's URL, parsed once. Its [`fmt::Display`] hides credentials;
/// [`RepoUrl::as_git_argument`] is what git is given.
#[derive(Clone, PartialEq, Eq)]
pub struct RepoUrl {
    url: url::Url,
    scheme: Scheme,
}

impl RepoUrl {
    /// Parses `https://`, `http://`, `ssh://`, `git+ssh://`, `file://` URLs
    /// and scp-like `user@host:path`.
    pub fn parse(raw: &str) -> Result<RepoUrl> {
        let raw = raw.trim();
        let invalid = |why: &str| KnowledgeError::InvalidSource(why.to_string());
        let text = match scp_like(raw) {
            Some((authority, path)) => {
                format!("ssh://{authority}/{}", path.trim_start_matches('/'))
            }
            None => raw.to_string(),
        };
        let mut url = url::Url::parse(&text).map_err(|e| invalid(&format!("not a URL: {e}")))?;
        let scheme = match url.scheme() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            "ssh" | "git+ssh" => Scheme::Ssh,
            "file" => Scheme::File,
            other => {
                return Err(invalid(&format!(
                    "unsupported URL scheme `{other}` (use https, ssh or a directory)"
                )))
            }
        };
        if scheme == Scheme::Ssh && url.scheme() != "ssh" {
            let rest = text.split_once("://").map_or("", |(_, rest)| rest);
            url = url::Url::parse(&format!("ssh://{rest}"))
                .map_err(|e| invalid(&format!("not a URL: {e}")))?;
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a repository URL has no query or fragment"));
        }
        if scheme != Scheme::File && url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL names no host"));
        }
        if scheme != Scheme::File && url.path().trim_matches('/').is_empty() {
            return Err(invalid("the URL names no repository"));
        }
        Ok(RepoUrl { url, scheme })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, lowercase, without brackets around an IPv6 address; empty
    /// for `file://`.
    pub fn host(&self) -> String {
        let host = self.url.host_str().unwrap_or("");
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase()
    }

    /// The port git connects to.
    pub fn port(&self) -> u16 {
        self.url.port().unwrap_or(self.scheme.default_port())
    }

    /// How a credential names this URL's host: `host`, or `host:port` when
    /// the port is not the scheme's default.
    pub fn host_key(&self) -> String {
        match self.port() {
            port if port == self.scheme.default_port() => self.host(),
            port => format!("{}:{port}", self.host()),
        }
    }

    /// The path of a `file://` URL.
    pub fn file_path(&self) -> Option<PathBuf> {
        (self.scheme == Scheme::File)
            .then(|| self.url.to_file_path().ok())
            .flatten()
    }

    /// The user name of an `ssh` URL (`git` in `git@github.com:…`).
    pub fn username(&self) -> Option<&str> {
        Some(self.url.username()).filter(|u| !u.is_empty())
    }

    /// Whether the URL carries a password or token (`https://user:token@…`).
    pub fn has_credentials(&self) -> bool {
        self.url.password().is_some()
            || (self.scheme != Scheme::Ssh && !self.url.username().is_empty())
    }

    /// The URL without a password, and without a user name unless it is
    /// ssh's (`git@`), which is not a secret.
    pub fn without_credentials(&self) -> RepoUrl {
        let mut url = self.url.clone();
        let _ = url.set_password(None);
        if self.scheme != Scheme::Ssh {
            let _ = url.set_username("");
        }
        RepoUrl {
            url,
            scheme: self.scheme,
        }
    }

    /// What git is given (credentials included, if the URL has any).
    pub fn as_git_argument(&self) -> &str {
        self.url.as_str()
    }

    /// The URL with any user information replaced by `***`.
    pub fn redacted(&self) -> String {
        if !self.has_credentials() {
            return self.url.to_string();
        }
        let mut url = self.without_credentials().url;
        let _ = url.set_username("***");
        url.to_string()
    }

    /// `owner/name` of a forge URL (`https://github.com/acme/api.git` →
    /// `acme/api`): exactly two path segments (not a nested group), without
    /// `.git`, made of characters forges allow in names.
    pub fn owner_and_name(&self) -> Option<(String, String)> {
        if self.scheme == Scheme::File {
            return None;
        }
        let path = self.url.path().trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let (owner, name) = path.split_once('/')?;
        let valid = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        (valid(owner) && valid(name)).then(|| (owner.to_string(), name.to_string()))
    }
}

impl fmt::Display for RepoUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for RepoUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RepoUrl({})", self.redacted())
    }
}

/// `user@host:path` (scp-like ssh) → `(user@host, path)`.
fn scp_like(source: &str) -> Option<(&str, &str)> {
    if source.contains("://") {
        return None;
    }
    let (authority, path) = source.split_once(':')?;
    (authority.contains('@')
        && !authority.contains('/')
        && !authority.contains('\\')
        && !path.starts_with("//"))
    .then_some((authority, path))
}

/// Why a source is not allowed. Messages are safe to show the tenant: they
/// never say what answered at an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceRefused {
    #[error("{0}")]
    Invalid(String),
    #[error("this server does not index its own directories; give an https:// or ssh:// git URL")]
    LocalDisabled,
    #[error("{0} is not inside a directory this server allows repositories in")]
    OutsideRoots(String),
    #[error("{0} is not a directory on the server")]
    NotADirectory(String),
    #[error("plain http:// is not allowed on this server; use https://")]
    HttpDisabled,
    #[error("`{0}` does not resolve to a public address this server may connect to")]
    PrivateHost(String),
    #[error("ssh URLs need an SSH key of your own: add one under credentials, or use https://")]
    SshNeedsKey,
}

/// The address git must connect to for a URL, checked by the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub host: String,
    pub addr: SocketAddr,
}

/// Which repository sources tenants may use.
#[derive(Debug, Clone, Default)]
pub struct SourcePolicy {
    /// Directories a directory (or `file://`) source must be inside. Empty:
    /// directory sources are refused.
    pub local_roots: Vec<PathBuf>,
    /// Whether `http://` (unencrypted) remotes are allowed.
    pub allow_http: bool,
    /// Hosts (names, addresses or CIDR ranges) that may be on a private,
    /// loopback or link-local network: a self-hosted forge.
    pub private_hosts: Vec<String>,
    /// The most a clone may take on disk; git is stopped beyond it.
    pub max_clone_bytes: Option<u64>,
}

impl SourcePolicy {
    /// Reads and checks a source given by a tenant and returns it in the form
    /// to store: a URL without credentials, or a directory's canonical path.
    /// Does not resolve host names (see [`SourcePolicy::pin`]).
    pub fn admit(&self, raw: &str) -> Result<RepoSource, SourceRefused> {
        let source = RepoSource::parse(raw).map_err(|e| SourceRefused::Invalid(source_error(e)))?;
        match source {
            RepoSource::Local(path) => Ok(RepoSource::Local(self.local_dir(&path)?)),
            RepoSource::Url(url) => {
                let url = url.without_credentials();
                match url.scheme() {
                    Scheme::Http if !self.allow_http => return Err(SourceRefused::HttpDisabled),
                    Scheme::File => {
                        let path = url.file_path().ok_or_else(|| {
                            SourceRefused::Invalid("not a valid file:// URL".into())
                        })?;
                        self.local_dir(&path)?;
                    }
                    _ => {}
                }
                if let Some(ip) = literal_ip(&url.host()) {
                    if !self.address_allowed(&url.host(), ip) {
                        return Err(SourceRefused::PrivateHost(url.host()));
                    }
                }
                Ok(RepoSource::Url(url))
            }
        }
    }

    /// Checks `source` again before git touches it: a directory must still be
    /// inside the roots (a symbolic link may have changed), a URL's host must
    /// resolve to allowed addresses. Returns the address to pin git to.
    /// Blocking (DNS).
    pub fn recheck(&self, source: &RepoSource) -> Result<Option<Pin>, SourceRefused> {
        match source {
            RepoSource::Local(path) => {
                let canonical = self.local_dir(path)?;
                if &canonical != path {
                    return Err(SourceRefused::OutsideRoots(path.display().to_string()));
                }
                Ok(None)
            }
            RepoSource::Url(url) => match url.scheme() {
                Scheme::File => {
                    let path = url
                        .file_path()
                        .ok_or_else(|| SourceRefused::Invalid("not a valid file:// URL".into()))?;
                    self.local_dir(&path)?;
                    Ok(None)
                }
                Scheme::Http if !self.allow_http => Err(SourceRefused::HttpDisabled),
                _ => self.pin(url).map(Some),
            },
        }
    }

    /// Resolves a URL's host and picks the address git connects to: every
    /// address the name has must be allowed (so which one the resolver
    /// returns first cannot matter).
    pub fn pin(&self, url: &RepoUrl) -> Result<Pin, SourceRefused> {
        let host = url.host();
        let refused = || SourceRefused::PrivateHost(host.clone());
        let addrs: Vec<SocketAddr> = (host.as_str(), url.port())
            .to_socket_addrs()
            .map_err(|_| refused())?
            .collect();
        let first = *addrs.first().ok_or_else(refused)?;
        if addrs.iter().any(|a| !self.address_allowed(&host, a.ip())) {
            return Err(refused());
        }
        Ok(Pin { host, addr: first })
    }

    /// A directory source's canonical path, which must be inside a root.
    pub fn local_dir(&self, path: &Path) -> Result<PathBuf, SourceRefused> {
        if self.local_roots.is_empty() {
            return Err(SourceRefused::LocalDisabled);
        }
        let shown = path.display().to_string();
        let canonical =
            std::fs::canonicalize(path).map_err(|_| SourceRefused::NotADirectory(shown.clone()))?;
        if !canonical.is_dir() {
            return Err(SourceRefused::NotADirectory(shown));
        }
        let inside = self
            .local_roots
            .iter()
            .any(|root| std::fs::canonicalize(root).is_ok_and(|root| canonical.starts_with(&root)));
        if !inside {
            return Err(SourceRefused::OutsideRoots(shown));
        }
        Ok(canonical)
    }

    fn address_allowed(&self, host: &str, ip: IpAddr) -> bool {
        is_public(ip)
            || self.private_hosts.iter().any(|rule| {
                let rule = rule.trim();
                rule.eq_ignore_ascii_case(host)
                    || rule.parse::<IpAddr>().is_ok_and(|r| r == ip)
                    || rule
                        .parse::<ipnet::IpNet>()
                        .is_ok_and(|net| net.contains(&canonical_ip(ip)))
            })
    }
}

fn source_error(e: KnowledgeError) -> String {
    match e {
        KnowledgeError::InvalidSource(why) => why,
        other => other.to_string(),
    }
}

fn literal_ip(host: &str) -> Option<IpAddr> {
    host.parse().ok()
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local (cloud metadata services), shared, documentation, multicast
/// or reserved. (`IpAddr::is_global` is not stable yet.)
pub fn is_public(ip: IpAddr) -> bool {
    match canonical_ip(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let v4 = Ipv4Addr::new(
            (segments[6] >> 8) as u8,
            segments[6] as u8,
            (segments[7] >> 8) as u8,
            segments[7] as u8,
        );
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local
        || (segments[0] & 0xffc0) == 0xfe80 // link-local
        || (segments[0] == 0x2001 && segments[1] == 0xdb8) // documentation
        || ip.to_ipv4().is_some()) // IPv4-compatible (deprecated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> RepoUrl {
        RepoUrl::parse(raw).unwrap()
    }

    #[test]
    fn parses_sources() {
        assert!(matches!(
            RepoSource::parse("https://example.com/a.git").unwrap(),
            RepoSource::Url(_)
        ));
        assert!(matches!(
            RepoSource::parse("git@github.com:a/b.git").unwrap(),
            RepoSource::Url(_)
        ));
        assert!(matches!(
            RepoSource::parse("./repo").unwrap(),
            RepoSource::Local(_)
        ));
        assert!(RepoSource::parse("  ").is_err());
        assert!(RepoSource::parse("ftp://example.com/a.git").is_err());
        assert!(RepoSource::parse("https:///a.git").is_err());
        assert!(RepoSource::parse("https://example.com/").is_err());
    }

    #[test]
    fn reads_urls_once_for_everyone() {
        let scp = url("git@github.com:acme/api.git");
        assert_eq!(scp.scheme(), Scheme::Ssh);
        assert_eq!(scp.host(), "github.com");
        assert_eq!(scp.port(), 22);
        assert_eq!(scp.username(), Some("git"));
        assert_eq!(scp.owner_and_name(), Some(("acme".into(), "api".into())));
        assert_eq!(scp.as_git_argument(), "ssh://git@github.com/acme/api.git");

        let https = url("HTTPS://Bob:s3cret@GitHub.com:8443/acme/api");
        assert_eq!(https.host(), "github.com");
        assert_eq!(https.port(), 8443);
        assert!(https.has_credentials());
        assert_eq!(https.redacted(), "https://***@github.com:8443/acme/api");
        assert_eq!(
            https.without_credentials().as_git_argument(),
            "https://github.com:8443/acme/api"
        );
        assert!(!format!("{https} {https:?}").contains("s3cret"));
        assert_eq!(url("git+ssh://git@h.example/a/b").scheme(), Scheme::Ssh);
        assert_eq!(url("https://[::1]/a/b").host(), "::1");
        // The numeric forms curl accepts are normalised, so they are checked as
        // the address they are.
        assert_eq!(url("http://2130706433/a/b").host(), "127.0.0.1");
        assert_eq!(url("http://0x7f.1/a/b").host(), "127.0.0.1");
        assert!(RepoUrl::parse("https://h.example/a/b?x=1").is_err());
        assert_eq!(url("https://h.example/only").owner_and_name(), None);
    }

    #[test]
    fn classifies_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "140.82.112.3",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn refuses_private_hosts_unless_allowed() {
        let strict = SourcePolicy::default();
        for raw in [
            "https://127.0.0.1/a/b.git",
            "https://169.254.169.254/a/b",
            "https://[::ffff:10.0.0.1]/a/b",
            "ssh://git@192.168.0.2/a/b",
        ] {
            assert!(
                matches!(strict.admit(raw), Err(SourceRefused::PrivateHost(_))),
                "{raw}"
            );
        }
        // A name is resolved at checkout: `localhost` is loopback.
        assert!(matches!(
            strict.pin(&url("https://localhost/a/b")),
            Err(SourceRefused::PrivateHost(_))
        ));
        assert_eq!(
            strict.admit("http://example.com/a/b"),
            Err(SourceRefused::HttpDisabled)
        );
        assert_eq!(strict.admit("/etc"), Err(SourceRefused::LocalDisabled));

        let lab = SourcePolicy {
            private_hosts: vec!["10.0.0.0/8".into(), "localhost".into()],
            allow_http: true,
            ..SourcePolicy::default()
        };
        assert!(lab.admit("http://10.2.3.4/a/b").is_ok());
        let pin = lab.pin(&url("http://localhost:8080/a/b")).unwrap();
        assert!(pin.addr.ip().is_loopback());
        assert_eq!(pin.addr.port(), 8080);
        assert!(lab.admit("http://192.168.1.1/a/b").is_err());
        // Credentials are never kept.
        match lab.admit("https://bob:tok@10.0.0.1/a/b").unwrap() {
            RepoSource::Url(u) => assert_eq!(u.as_git_argument(), "https://10.0.0.1/a/b"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn directories_stay_inside_their_roots() {
        let root = tempfile::tempdir().unwrap();
        let inside = root.path().join("repo");
        std::fs::create_dir(&inside).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("escape")).unwrap();
        let policy = SourcePolicy {
            local_roots: vec![root.path().to_path_buf()],
            ..SourcePolicy::default()
        };
        let admitted = policy.admit(inside.to_str().unwrap()).unwrap();
        assert!(policy.recheck(&admitted).unwrap().is_none());
        assert!(matches!(
            policy.admit(root.path().join("escape").to_str().unwrap()),
            Err(SourceRefused::OutsideRoots(_))
        ));
        assert!(matches!(
            policy.admit(&format!("{}/repo/../..", root.path().display())),
            Err(SourceRefused::OutsideRoots(_))
        ));
        assert!(matches!(
            policy.admit(&format!("file://{}", outside.path().display())),
            Err(SourceRefused::OutsideRoots(_))
        ));
    }
}

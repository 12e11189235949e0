//! The `git` CLI: checkout of a repository source, listing a commit's tree and
//! reading blobs at that commit.
//!
//! Credentials are passed to git through `GIT_CONFIG_*` environment variables
//! (an `http.extraHeader`), never on the command line or in a stored config,
//! and every message taken from git is redacted before it reaches an error.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;

use crate::error::{KnowledgeError, Result};

use crate::source::Pin;
pub use crate::source::RepoSource;

/// Credentials for an HTTP(S) remote, typically a forge token.
#[derive(Clone)]
pub struct GitCredentials {
    /// The user name sent with the token; forges accept anything for tokens
    /// (`x-access-token` for GitHub apps, `oauth2` for GitLab).
    pub username: String,
    pub token: String,
}

impl GitCredentials {
    pub fn token(token: impl Into<String>) -> Self {
        GitCredentials {
            username: "x-access-token".into(),
            token: token.into(),
        }
    }
}

impl std::fmt::Debug for GitCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitCredentials")
            .field("username", &self.username)
            .field("token", &"***")
            .finish()
    }
}

/// A repository ready to be indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The git directory (a bare clone for URLs, the given path for local
    /// repositories) or the plain directory.
    pub path: PathBuf,
    /// The commit to index; `None` for a plain directory that is not under git.
    pub commit: Option<String>,
    /// The default branch's name (`main`), when there is one.
    pub default_branch: Option<String>,
}

/// How git may reach a remote: what it sends and where it connects. The
/// default sends nothing and lets git resolve names itself (the operator's
/// own tools and tests); tenants' work always carries a [`Pin`] from the
/// [`crate::SourcePolicy`].
#[derive(Clone, Debug, Default)]
pub struct RemoteAccess {
    /// Sent as HTTP basic authentication.
    pub credentials: Option<GitCredentials>,
    /// The only key ssh may use; without one, ssh offers no key at all (never
    /// the server's own keys or agent).
    pub ssh_key: Option<SshKey>,
    /// The checked address git must connect to.
    pub pin: Option<Pin>,
    /// Whether git may speak plain `http`.
    pub allow_http: bool,
    /// Whether git may read `file://` remotes and local paths.
    pub allow_file: bool,
    /// ssh's known-hosts file (trust on first use); unset: not kept.
    pub known_hosts: Option<PathBuf>,
    /// The most a clone (or a clone and its fetches) may take on disk: git
    /// is stopped beyond it and the clone fails as too large.
    pub max_clone_bytes: Option<u64>,
}

impl RemoteAccess {
    /// Access for the operator's own tools and tests: every protocol,
    /// credentials as given.
    pub fn operator(credentials: Option<&GitCredentials>) -> Self {
        RemoteAccess {
            credentials: credentials.cloned(),
            allow_http: true,
            allow_file: true,
            ..RemoteAccess::default()
        }
    }
}

/// A private key in OpenSSH format.
#[derive(Clone)]
pub struct SshKey(pub String);

impl std::fmt::Debug for SshKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SshKey(***)")
    }
}

/// Makes `source` available locally.
///
/// - A local git repository is used in place (only its objects are read, its
///   work tree is never touched); the commit is its `HEAD`.
/// - A local plain directory is returned as it is (`commit: None`).
/// - A URL is cloned bare into `dest` (or fetched, when `dest` already holds a
///   clone) and the commit is the tip of the remote's default branch. When the
///   remote cannot be read, the error says so without git's own words (which
///   would tell a requester what answered at the address).
pub fn checkout(source: &RepoSource, dest: &Path, access: &RemoteAccess) -> Result<Checkout> {
    match source {
        RepoSource::Local(path) => {
            let meta = std::fs::metadata(path).map_err(|e| KnowledgeError::io(path, e))?;
            if !meta.is_dir() {
                return Err(KnowledgeError::InvalidSource(format!(
                    "{} is not a directory",
                    path.display()
                )));
            }
            let repo = GitRepo::new(path);
            if !repo.is_repository() {
                return Ok(Checkout {
                    path: path.clone(),
                    commit: None,
                    default_branch: None,
                });
            }
            let commit = repo.rev_parse("HEAD")?;
            let default_branch = repo
                .git(&["symbolic-ref", "--quiet", "--short", "HEAD"])
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            Ok(Checkout {
                path: path.clone(),
                commit: Some(commit),
                default_branch,
            })
        }
        RepoSource::Url(url) => {
            let repo = GitRepo::new(dest).with_remote(source, access)?;
            let unreachable = |e: KnowledgeError| match e {
                KnowledgeError::Git { command, stderr } => {
                    tracing::info!(%url, %command, %stderr, "git could not read a remote");
                    KnowledgeError::Unreachable(url.redacted())
                }
                other => other,
            };
            if dest.join("HEAD").is_file() && repo.is_repository() {
                let mut cmd = repo.command(Some(dest));
                cmd.args([
                    "fetch",
                    "--quiet",
                    "--prune",
                    "origin",
                    "+refs/heads/*:refs/heads/*",
                ]);
                repo.run_bounded(cmd, "fetch", dest, access.max_clone_bytes)
                    .map_err(unreachable)?;
                // The remote's default branch may have changed since the clone.
                let _ = repo.git(&["remote", "set-head", "origin", "--auto"]);
                if let Ok(head) = repo.git(&["symbolic-ref", "--short", "refs/remotes/origin/HEAD"])
                {
                    if let Some(branch) = head.trim().strip_prefix("origin/") {
                        repo.git(&["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")])?;
                    }
                }
            } else {
                if let Some(parent) = dest.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| KnowledgeError::io(parent, e))?;
                }
                let dest_str = dest.to_string_lossy().into_owned();
                let mut cmd = repo.command(None);
                cmd.args([
                    "clone",
                    "--quiet",
                    "--bare",
                    "--",
                    url.as_git_argument(),
                    &dest_str,
                ]);
                let cloned = repo.run_bounded(cmd, "clone", dest, access.max_clone_bytes);
                if cloned.is_err() {
                    // Nothing half-cloned stays behind (nor counts on disk).
                    let _ = std::fs::remove_dir_all(dest);
                }
                cloned.map_err(unreachable)?;
            }
            let commit = repo.rev_parse("HEAD")?;
            let default_branch = repo
                .git(&["symbolic-ref", "--quiet", "--short", "HEAD"])
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            Ok(Checkout {
                path: dest.to_path_buf(),
                commit: Some(commit),
                default_branch,
            })
        }
    }
}

/// One entry of a commit's tree: a regular file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub path: String,
    /// The blob's object id.
    pub blob: String,
    pub size: u64,
}

/// A git repository read through the `git` CLI.
#[derive(Debug, Clone)]
pub struct GitRepo {
    path: PathBuf,
    access: RemoteAccess,
    /// The ssh key, written to a private file for as long as the repository
    /// value lives.
    ssh_key_file: Option<std::sync::Arc<tempfile::NamedTempFile>>,
    /// Strings removed from every message taken from git.
    secrets: Vec<String>,
}

impl GitRepo {
    /// A repository at `path` (a work tree or a git directory).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        GitRepo {
            path: path.into(),
            access: RemoteAccess::operator(None),
            ssh_key_file: None,
            secrets: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `path` is inside a git repository.
    pub fn is_repository(&self) -> bool {
        self.git(&["rev-parse", "--git-dir"]).is_ok()
    }

    /// The full object id `rev` names.
    pub fn rev_parse(&self, rev: &str) -> Result<String> {
        let out = self.git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])?;
        Ok(out.trim().to_string())
    }

    /// Every regular file of `commit`'s tree (symbolic links and submodules
    /// are left out), with blob ids and sizes.
    pub fn ls_tree(&self, commit: &str) -> Result<Vec<TreeEntry>> {
        let mut cmd = self.command(Some(&self.path));
        cmd.args(["ls-tree", "-r", "-z", "--long", "--full-tree", commit]);
        let out = self.run_bytes(cmd, "ls-tree")?;
        let mut entries = Vec::new();
        for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let record = String::from_utf8_lossy(record);
            // "<mode> SP <type> SP <object> SP+ <size> TAB <path>"
            let Some((meta, path)) = record.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split_whitespace();
            let (Some(mode), Some(kind), Some(blob), Some(size)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if kind != "blob" || mode == "120000" {
                continue;
            }
            entries.push(TreeEntry {
                path: path.to_string(),
                blob: blob.to_string(),
                size: size.parse().unwrap_or(0),
            });
        }
        Ok(entries)
    }

    /// One file's content at `commit`, or `None` when the commit has no such file.
    pub fn read_file_at(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let spec = format!("{commit}:{path}");
        let mut blobs = self.read_blobs(&[spec])?;
        Ok(blobs.pop().flatten())
    }

    /// An object's size (`commit:path` or a blob id) without reading it, or
    /// `None` when there is no such object.
    pub fn object_size(&self, spec: &str) -> Result<Option<u64>> {
        match self.git(&["cat-file", "-s", spec]) {
            Ok(size) => Ok(size.trim().parse().ok()),
            Err(KnowledgeError::Git { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One file's content at `commit` when it is at most `max` bytes (its
    /// size is asked first, so a huge blob is never read); `None` when the
    /// commit has no such file.
    pub fn read_file_at_most(&self, commit: &str, path: &str, max: u64) -> Result<Option<Vec<u8>>> {
        let spec = format!("{commit}:{path}");
        match self.object_size(&spec)? {
            None => Ok(None),
            Some(size) if size > max => Err(KnowledgeError::TooLarge {
                path: path.to_owned(),
                size,
                max,
            }),
            Some(_) => self.read_file_at(commit, path),
        }
    }

    /// Reads many objects (blob ids or `commit:path` specs) with one
    /// `git cat-file --batch`; `None` for an object that does not exist.
    pub fn read_blobs(&self, specs: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        let mut results = Vec::with_capacity(specs.len());
        self.for_each_blob(specs, |_, content| {
            results.push(content);
            Ok(())
        })?;
        Ok(results)
    }

    /// Streams objects through `f` in the order of `specs` without holding
    /// them all in memory.
    pub fn for_each_blob(
        &self,
        specs: &[String],
        mut f: impl FnMut(usize, Option<Vec<u8>>) -> Result<()>,
    ) -> Result<()> {
        if specs.is_empty() {
            return Ok(());
        }
        let mut cmd = self.command(Some(&self.path));
        cmd.args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(KnowledgeError::GitUnavailable)?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let input: String = specs.iter().map(|s| format!("{s}\n")).collect();
        // Written from another thread: git's output pipe would fill up while
        // we are still writing requests.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut outcome = Ok(());
        let mut header = String::new();
        for index in 0..specs.len() {
            header.clear();
            if let Err(e) = stdout.read_line(&mut header) {
                outcome = Err(KnowledgeError::io(&self.path, e));
                break;
            }
            let fields: Vec<&str> = header.split_whitespace().collect();
            let content = match fields.as_slice() {
                [_, _, size] => {
                    let size: usize = size.parse().unwrap_or(0);
                    let mut buf = vec![0u8; size + 1];
                    if let Err(e) = stdout.read_exact(&mut buf) {
                        outcome = Err(KnowledgeError::io(&self.path, e));
                        break;
                    }
                    buf.truncate(size);
                    Some(buf)
                }
                _ => None, // "<spec> missing" or "ambiguous"
            };
            if let Err(e) = f(index, content) {
                outcome = Err(e);
                break;
            }
        }
        drop(stdout);
        let _ = writer.join();
        let output = child
            .wait_with_output()
            .map_err(KnowledgeError::GitUnavailable)?;
        outcome?;
        if !output.status.success() {
            return Err(self.failure("cat-file", &output.stderr));
        }
        Ok(())
    }

    /// Runs `git <args>` in the repository and returns its standard output.
    pub fn git(&self, args: &[&str]) -> Result<String> {
        self.git_with(args, &[], None)
    }

    /// Runs `git <args>` with extra environment variables (an index file, an
    /// identity) and `input`, when given, on its standard input.
    pub fn git_with(
        &self,
        args: &[&str],
        env: &[(&str, &OsStr)],
        input: Option<&[u8]>,
    ) -> Result<String> {
        let mut cmd = self.command(Some(&self.path));
        cmd.args(args).envs(env.iter().copied());
        let name = args.first().copied().unwrap_or("");
        let Some(input) = input else {
            return self.run(cmd, name);
        };
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(KnowledgeError::GitUnavailable)?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        // Written from another thread: git may fill its output pipe before it
        // has read all of its input.
        let output = std::thread::scope(|scope| {
            scope.spawn(move || {
                let _ = stdin.write_all(input);
            });
            child.wait_with_output()
        })
        .map_err(KnowledgeError::GitUnavailable)?;
        if !output.status.success() {
            return Err(self.failure(name, &output.stderr));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// This repository, reaching `remote` only as `access` allows and
    /// redacting the remote's secrets from every message.
    pub fn with_remote(&self, remote: &RepoSource, access: &RemoteAccess) -> Result<GitRepo> {
        let url = match remote {
            RepoSource::Url(url) => url.as_git_argument(),
            RepoSource::Local(_) => "",
        };
        let ssh_key_file = match &access.ssh_key {
            Some(key) => Some(std::sync::Arc::new(private_key_file(key)?)),
            None => None,
        };
        Ok(GitRepo {
            path: self.path.clone(),
            access: access.clone(),
            ssh_key_file,
            secrets: secrets_of(url, access.credentials.as_ref()),
        })
    }

    fn command(&self, cwd: Option<&Path>) -> Command {
        let mut cmd = Command::new("git");
        if let Some(cwd) = cwd {
            cmd.arg("-C").arg(cwd);
        }
        let access = &self.access;
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS", "")
            .env("GCM_INTERACTIVE", "never")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("LC_ALL", "C")
            .env_remove("SSH_AUTH_SOCK")
            .env("GIT_ALLOW_PROTOCOL", allowed_protocols(access))
            .env("GIT_SSH_COMMAND", self.ssh_command())
            .env("GIT_SSH_VARIANT", "ssh")
            .stdin(Stdio::null());
        // Redirects could lead to any address; a configured credential helper
        // would hand the operator's credentials to any remote.
        let mut config: Vec<(&str, String)> = vec![
            ("http.followRedirects", "false".into()),
            ("credential.helper", String::new()),
            ("core.sshCommand", String::new()),
        ];
        if let Some(creds) = &access.credentials {
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", creds.username, creds.token));
            config.push(("http.extraHeader", format!("Authorization: Basic {basic}")));
        }
        let pin = access.pin.as_ref();
        if let Some(pin) = pin.filter(|p| p.host.parse::<std::net::IpAddr>().is_err()) {
            let ip = match pin.addr.ip() {
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                v4 => v4.to_string(),
            };
            let resolve = format!("{}:{}:{ip}", pin.host, pin.addr.port());
            config.push(("http.curloptResolve", resolve));
        }
        cmd.env("GIT_CONFIG_COUNT", config.len().to_string());
        for (i, (key, value)) in config.iter().enumerate() {
            cmd.env(format!("GIT_CONFIG_KEY_{i}"), key)
                .env(format!("GIT_CONFIG_VALUE_{i}"), value);
        }
        cmd
    }

    /// ssh without the server's configuration, keys or agent: only the
    /// tenant's key, to the pinned address, in batch mode.
    fn ssh_command(&self) -> String {
        let identity = self
            .ssh_key_file
            .as_ref()
            .map_or("/dev/null".into(), |f| f.path().display().to_string());
        let known_hosts = self
            .access
            .known_hosts
            .as_ref()
            .map_or("/dev/null".into(), |p| p.display().to_string());
        let mut command = format!(
            "ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none \
             -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
             -o ConnectTimeout=20 -o StrictHostKeyChecking=accept-new \
             -o IdentityFile={} -o UserKnownHostsFile={}",
            shell_quote(&identity),
            shell_quote(&known_hosts)
        );
        if let Some(pin) = &self.access.pin {
            command.push_str(&format!(
                " -o HostName={} -o HostKeyAlias={}",
                shell_quote(&pin.addr.ip().to_string()),
                shell_quote(&pin.host)
            ));
        }
        command
    }

    fn run(&self, cmd: Command, name: &str) -> Result<String> {
        let out = self.run_bytes(cmd, name)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Runs a clone or fetch into `dir`, stopping git when `dir` grows past
    /// `max` bytes (git itself has no client-side limit on what it fetches).
    fn run_bounded(
        &self,
        mut cmd: Command,
        name: &str,
        dir: &Path,
        max: Option<u64>,
    ) -> Result<()> {
        let Some(max) = max else {
            return self.run(cmd, name).map(drop);
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(KnowledgeError::GitUnavailable)?;
        // Read on a thread of its own, so that git never blocks on a full pipe.
        let stderr = child.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut stderr) = stderr {
                let _ = stderr.read_to_end(&mut text);
            }
            text
        });
        let status = loop {
            if let Some(status) = child.try_wait().map_err(KnowledgeError::GitUnavailable)? {
                break status;
            }
            let size = disk_size(dir);
            if size > max {
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                return Err(KnowledgeError::TooLarge {
                    path: "the repository".into(),
                    size,
                    max,
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        let stderr = reader.join().unwrap_or_default();
        if !status.success() {
            return Err(self.failure(name, &stderr));
        }
        let size = disk_size(dir);
        if size > max {
            return Err(KnowledgeError::TooLarge {
                path: "the repository".into(),
                size,
                max,
            });
        }
        Ok(())
    }

    fn run_bytes(&self, mut cmd: Command, name: &str) -> Result<Vec<u8>> {
        let output = cmd.output().map_err(KnowledgeError::GitUnavailable)?;
        if !output.status.success() {
            return Err(self.failure(name, &output.stderr));
        }
        Ok(output.stdout)
    }

    fn failure(&self, command: &str, stderr: &[u8]) -> KnowledgeError {
        let text = String::from_utf8_lossy(stderr);
        KnowledgeError::Git {
            command: command.to_string(),
            stderr: redact(text.trim(), &self.secrets),
        }
    }
}

/// `https:ssh`, plus `http` and `file` where allowed.
fn allowed_protocols(access: &RemoteAccess) -> String {
    let mut protocols = vec!["https", "ssh"];
    if access.allow_http {
        protocols.push("http");
    }
    if access.allow_file {
        protocols.push("file");
    }
    protocols.join(":")
}

/// Bytes the files under `dir` take (what a clone has written so far);
/// unreadable entries count as nothing.
fn disk_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => disk_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The key in a file only this process's user can read, as ssh requires.
fn private_key_file(key: &SshKey) -> Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("morningai-key-")
        .tempfile()
        .map_err(|e| KnowledgeError::io(std::env::temp_dir(), e))?;
    let mut text = key.0.trim().to_string();
    text.push('\n');
    file.write_all(text.as_bytes())
        .map_err(|e| KnowledgeError::io(file.path(), e))?;
    Ok(file)
}

/// The strings that must never appear in a message: the token, its basic-auth
/// encoding, and any password in the URL.
fn secrets_of(url: &str, credentials: Option<&GitCredentials>) -> Vec<String> {
    let mut secrets = Vec::new();
    if let Some(creds) = credentials {
        secrets.push(creds.token.clone());
        secrets.push(
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", creds.username, creds.token)),
        );
    }
    if let Some(userinfo) = url_userinfo(url) {
        secrets.push(userinfo.to_string());
        for part in userinfo.split(':') {
            if part.len() >= 4 {
                secrets.push(part.to_string());
            }
        }
    }
    secrets.retain(|s| !s.is_empty());
    secrets
}

fn url_userinfo(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    Some(userinfo)
}

/// `https://user:token@host/x` → `https://***@host/x`.
pub fn redact_url_userinfo(url: &str) -> String {
    match url_userinfo(url) {
        Some(userinfo) => url.replacen(&format!("{userinfo}@"), "***@", 1),
        None => url.to_string(),
    }
}

/// Removes every secret and every URL's user information from `text`.
fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        out = out.replace(secret.as_str(), "***");
    }
    let url_userinfo = regex::Regex::new(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@").expect("regex");
    url_userinfo.replace_all(&out, "${1}***@").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo_and_secrets() {
        assert_eq!(
            redact_url_userinfo("https://bob:s3cret@example.com/r.git"),
            "https://***@example.com/r.git"
        );
        let text = "fatal: unable to access 'https://bob:s3cret@example.com/': token s3cret";
        let out = redact(text, &["s3cret".into()]);
        assert!(!out.contains("s3cret"), "{out}");
        assert!(!out.contains("bob"), "{out}");
    }
}

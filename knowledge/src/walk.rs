//! Which files of a repository are indexed: `.gitignore`, vendored and
//! generated folders, lockfiles, minified files, size, binaries, and the
//! configured include/exclude globs.

use std::collections::BTreeMap;
use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{KnowledgeError, Result};
use crate::git::{GitRepo, TreeEntry};

/// Folders that hold dependencies or build output, never the project's own code.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "vendor",
    "dist",
    "build",
    "target",
    "bower_components",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".next",
    ".nuxt",
    ".cache",
    ".gradle",
    ".idea",
    "coverage",
];

/// Generated files kept out by name.
const SKIPPED_FILES: &[&str] = &[
    "Cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "npm-shrinkwrap.json",
    "bun.lockb",
    "poetry.lock",
    "Pipfile.lock",
    "composer.lock",
    "Gemfile.lock",
    "go.sum",
    "uv.lock",
    ".DS_Store",
];

/// What to index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WalkConfig {
    /// Files larger than this many bytes are skipped.
    pub max_file_bytes: u64,
    /// When not empty, only paths matching one of these globs are indexed.
    pub include: Vec<String>,
    /// Paths matching one of these globs are skipped.
    pub exclude: Vec<String>,
}

impl Default for WalkConfig {
    fn default() -> Self {
        WalkConfig {
            max_file_bytes: 512 * 1024,
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }
}

/// Why a file was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Matched a `.gitignore` rule (files committed despite it).
    Ignored,
    /// Inside a vendored or generated folder, or a lockfile / minified file.
    Vendored,
    /// Larger than [`WalkConfig::max_file_bytes`].
    TooLarge,
    /// Contains NUL bytes or is not UTF-8.
    Binary,
    /// Outside the include globs or inside the exclude globs.
    Excluded,
    /// Named like a file of secrets (`.env`, a private key, `.ssh/`…) or
    /// holding a private key: never indexed, never served.
    Secret,
}

/// A file that passed the path and size filters (its content may still turn
/// out to be binary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: String,
    /// The git blob id, or a content hash for plain directories.
    pub blob: String,
    pub size: u64,
}

/// The outcome of filtering a tree.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    pub candidates: Vec<Candidate>,
    pub skipped: BTreeMap<String, SkipReason>,
}

/// Compiled filters.
pub(crate) struct Filter {
    include: Option<GlobSet>,
    exclude: GlobSet,
    max_file_bytes: u64,
}

impl Filter {
    pub(crate) fn new(config: &WalkConfig) -> Result<Filter> {
        let include = if config.include.is_empty() {
            None
        } else {
            Some(glob_set(&config.include)?)
        };
        Ok(Filter {
            include,
            exclude: glob_set(&config.exclude)?,
            max_file_bytes: config.max_file_bytes,
        })
    }

    /// The reason `path` is skipped by name or size, if it is.
    pub(crate) fn check(&self, path: &str, size: u64) -> Option<SkipReason> {
        if is_secret_path(path) {
            return Some(SkipReason::Secret);
        }
        if is_vendored(path) {
            return Some(SkipReason::Vendored);
        }
        if let Some(include) = &self.include {
            if !include.is_match(path) {
                return Some(SkipReason::Excluded);
            }
        }
        if self.exclude.is_match(path) {
            return Some(SkipReason::Excluded);
        }
        if size > self.max_file_bytes {
            return Some(SkipReason::TooLarge);
        }
        None
    }
}

fn glob_set(globs: &[String]) -> Result<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let parsed = Glob::new(glob).map_err(|e| KnowledgeError::InvalidGlob {
            glob: glob.clone(),
            message: e.to_string(),
        })?;
        builder.add(parsed);
    }
    builder.build().map_err(|e| KnowledgeError::InvalidGlob {
        glob: globs.join(", "),
        message: e.to_string(),
    })
}

/// Whether a path is inside a vendored/generated folder or is a generated file.
pub fn is_vendored(path: &str) -> bool {
    let mut segments = path.split('/').peekable();
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            let lower = segment.to_ascii_lowercase();
            return SKIPPED_FILES.contains(&segment)
                || lower.ends_with(".min.js")
                || lower.ends_with(".min.css")
                || lower.ends_with(".map")
                || lower.ends_with(".lock");
        }
        if SKIPPED_DIRS.contains(&segment) {
            return true;
        }
    }
    false
}

/// Folders whose files are credentials wherever they appear.
const SECRET_DIRS: &[&str] = &[
    ".ssh", ".aws", ".gnupg", ".kube", ".docker", ".azure", ".gcloud",
];

/// Files that hold credentials, by exact (lowercase) name.
const SECRET_FILES: &[&str] = &[
    ".env",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".pgpass",
    ".htpasswd",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "jwt-secret",
    "credentials",
    "credentials.json",
    "secrets.json",
    "secrets.yml",
    "secrets.yaml",
    "master.key",
    "terraform.tfstate",
];

/// Endings of key stores and certificates with their keys.
const SECRET_EXTENSIONS: &[&str] = &[
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".jks",
    ".keystore",
    ".kdbx",
    ".tfstate",
    ".ppk",
    ".age",
];

/// `.env` variants that document variables rather than hold them.
const ENV_EXAMPLES: &[&str] = &["example", "sample", "template", "dist", "defaults"];

/// Whether a path names a file of secrets: `.env` (not `.env.example`),
/// private keys, `.ssh/`, cloud credentials, key stores. Such files are never
/// indexed or served, whoever registered the repository.
pub fn is_secret_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut segments = lower.split('/').peekable();
    while let Some(segment) = segments.next() {
        if segments.peek().is_some() {
            if SECRET_DIRS.contains(&segment) {
                return true;
            }
            continue;
        }
        if SECRET_FILES.contains(&segment) || SECRET_EXTENSIONS.iter().any(|e| segment.ends_with(e))
        {
            return true;
        }
        if let Some(variant) = segment.strip_prefix(".env.") {
            return !ENV_EXAMPLES
                .iter()
                .any(|e| variant.split('.').any(|part| part == *e));
        }
        if let Some(stem) = segment.strip_suffix(".env") {
            return !ENV_EXAMPLES.iter().any(|e| stem.ends_with(e));
        }
        return ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
            .iter()
            .any(|key| segment.starts_with(key) && !segment.ends_with(".pub"));
    }
    false
}

/// Whether content holds a PEM or OpenSSH private key.
pub fn holds_private_key(content: &[u8]) -> bool {
    const MARKER: &[u8] = b"PRIVATE KEY-----";
    content
        .windows(MARKER.len())
        .enumerate()
        .any(|(i, window)| {
            window == MARKER && content[..i].ends_with(b" ") && {
                let line_start = content[..i]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |p| p + 1);
                content[line_start..i].starts_with(b"-----BEGIN ")
            }
        })
}

/// Whether content is text worth indexing: no NUL byte and valid UTF-8.
pub fn is_text(content: &[u8]) -> bool {
    !content.contains(&0) && std::str::from_utf8(content).is_ok()
}

/// Filters the files of `commit` in a git repository. `.gitignore` files in
/// the tree are applied too, for files committed despite them.
pub(crate) fn walk_commit(repo: &GitRepo, commit: &str, filter: &Filter) -> Result<Walk> {
    let entries = repo.ls_tree(commit)?;
    let ignores = gitignores(repo, &entries)?;
    let mut walk = Walk::default();
    for entry in entries {
        let reason = filter.check(&entry.path, entry.size).or_else(|| {
            ignores
                .iter()
                .any(|(dir, gi)| is_ignored(gi, dir, &entry.path))
                .then_some(SkipReason::Ignored)
        });
        match reason {
            Some(reason) => {
                walk.skipped.insert(entry.path, reason);
            }
            None => walk.candidates.push(Candidate {
                path: entry.path,
                blob: entry.blob,
                size: entry.size,
            }),
        }
    }
    Ok(walk)
}

fn gitignores(repo: &GitRepo, entries: &[TreeEntry]) -> Result<Vec<(String, Gitignore)>> {
    let files: Vec<&TreeEntry> = entries
        .iter()
        .filter(|e| e.path == ".gitignore" || e.path.ends_with("/.gitignore"))
        .filter(|e| !is_vendored(&e.path))
        .collect();
    let specs: Vec<String> = files.iter().map(|e| e.blob.clone()).collect();
    let contents = repo.read_blobs(&specs)?;
    let mut out = Vec::new();
    for (entry, content) in files.iter().zip(contents) {
        let Some(content) = content else { continue };
        let dir = entry
            .path
            .strip_suffix(".gitignore")
            .unwrap_or("")
            .to_string();
        let mut builder = GitignoreBuilder::new(Path::new("/").join(&dir));
        for line in String::from_utf8_lossy(&content).lines() {
            let _ = builder.add_line(None, line);
        }
        if let Ok(gi) = builder.build() {
            out.push((dir, gi));
        }
    }
    Ok(out)
}

fn is_ignored(gi: &Gitignore, dir: &str, path: &str) -> bool {
    if !path.starts_with(dir) {
        return false;
    }
    let absolute = Path::new("/").join(path);
    gi.matched_path_or_any_parents(&absolute, false).is_ignore()
}

/// Filters a plain directory (not under git), honouring `.gitignore` files
/// and hidden files as git would. Blob ids are SHA-256 of the content.
pub(crate) fn walk_directory(root: &Path, filter: &Filter) -> Result<Walk> {
    let mut walk = Walk::default();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .require_git(false)
        .git_global(false)
        .git_exclude(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let path = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        if let Some(reason) = filter.check(&path, size) {
            walk.skipped.insert(path, reason);
            continue;
        }
        let content =
            std::fs::read(entry.path()).map_err(|e| KnowledgeError::io(entry.path(), e))?;
        walk.candidates.push(Candidate {
            path,
            blob: content_id(&content),
            size,
        });
    }
    walk.candidates.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(walk)
}

/// The id of a plain directory's file: SHA-256 of its content.
pub(crate) fn content_id(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_paths() {
        for secret in [
            ".env",
            "api/.env",
            ".env.production",
            "deploy/prod.env",
            "home/.ssh/config",
            ".aws/credentials",
            "certs/server.key",
            "tls/server.PEM",
            "keys/id_ed25519",
            "keys/id_rsa_deploy",
            "data/jwt-secret",
            "infra/terraform.tfstate",
            ".git-credentials",
        ] {
            assert!(is_secret_path(secret), "{secret}");
        }
        for ordinary in [
            ".env.example",
            "config/.env.sample",
            "example.env",
            "src/env.rs",
            "keys/id_ed25519.pub",
            "docs/keys.md",
            "src/environment.ts",
        ] {
            assert!(!is_secret_path(ordinary), "{ordinary}");
        }
        assert!(holds_private_key(
            b"x = 1\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n"
        ));
        assert!(holds_private_key(b"-----BEGIN RSA PRIVATE KEY-----\n"));
        assert!(!holds_private_key(
            b"const MARKER = \"PRIVATE KEY-----\";\n"
        ));
        assert!(!holds_private_key(b"-----BEGIN PUBLIC KEY-----\n"));
    }

    #[test]
    fn vendored_paths() {
        assert!(is_vendored("node_modules/react/index.js"));
        assert!(is_vendored("web/node_modules/x.js"));
        assert!(is_vendored("target/debug/foo.rs"));
        assert!(is_vendored("Cargo.lock"));
        assert!(is_vendored("static/app.min.js"));
        assert!(!is_vendored("src/build.rs"));
        assert!(!is_vendored("src/vendors.rs"));
    }

    #[test]
    fn filter_globs_and_size() {
        let filter = Filter::new(&WalkConfig {
            max_file_bytes: 10,
            include: vec!["src/**".into()],
            exclude: vec!["**/*.snap".into()],
        })
        .unwrap();
        assert_eq!(filter.check("src/a.rs", 5), None);
        assert_eq!(filter.check("docs/a.md", 5), Some(SkipReason::Excluded));
        assert_eq!(filter.check("src/a.snap", 5), Some(SkipReason::Excluded));
        assert_eq!(filter.check("src/a.rs", 50), Some(SkipReason::TooLarge));
        assert!(Filter::new(&WalkConfig {
            include: vec!["[".into()],
            ..WalkConfig::default()
        })
        .is_err());
    }
}

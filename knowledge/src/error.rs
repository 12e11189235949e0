//! The crate's one error type.

use std::path::PathBuf;

/// What can go wrong while checking out, indexing, searching or verifying.
///
/// Messages never contain credentials: git's output and the repository source
/// are redacted before they are put into an error.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// A `git` command failed; `stderr` is redacted.
    #[error("git {command} failed: {stderr}")]
    Git { command: String, stderr: String },
    /// The `git` executable could not be started.
    #[error("could not run git: {0}")]
    GitUnavailable(std::io::Error),
    /// A remote could not be read. Deliberately vague: git's own message
    /// (logged) would tell the requester what answered at the address.
    #[error("could not fetch {0}: the repository does not exist, is private and no credential grants access to it, or its host did not answer")]
    Unreachable(String),
    /// A file is larger than what may be read whole (checked before reading).
    #[error("{path} is {size} bytes; at most {max} bytes are read")]
    TooLarge { path: String, size: u64, max: u64 },
    /// The repository source is neither an existing path nor a git URL.
    #[error("invalid repository source: {0}")]
    InvalidSource(String),
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An include/exclude glob does not parse.
    #[error("invalid glob {glob:?}: {message}")]
    InvalidGlob { glob: String, message: String },
    /// The search index failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The search index's directory could not be opened.
    #[error("search index directory: {0}")]
    IndexDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    /// The index manifest is unreadable (delete the index directory to rebuild).
    #[error("index manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    /// The embedding callback failed or returned the wrong number of vectors.
    #[error("embedding: {0}")]
    Embedding(String),
    /// A file to publish has a path that cannot go into a commit's tree.
    #[error("invalid file path {path:?}: {reason}")]
    InvalidPath { path: String, reason: String },
    /// A branch to publish on has a name git does not accept.
    #[error("invalid branch name {branch:?}: {reason}")]
    InvalidBranch { branch: String, reason: String },
    /// The branch to publish on already exists in the local repository.
    #[error("branch {0:?} already exists")]
    BranchExists(String),
    /// The base commit, identity or message of a commit to publish is unusable.
    #[error("invalid commit: {0}")]
    InvalidCommit(String),
}

impl KnowledgeError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        KnowledgeError::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = KnowledgeError> = std::result::Result<T, E>;

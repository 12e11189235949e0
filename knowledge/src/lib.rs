//! Repository knowledge for MorningAI's agents: check a repository out with
//! the `git` CLI, walk it at a commit (honouring `.gitignore`, skipping
//! binaries, vendored and generated files), chunk it with exact line ranges
//! (tree-sitter for Rust, Python, TypeScript/JavaScript and Go; Markdown by
//! headings; other text by line windows), keep a symbol table and a `tantivy`
//! index per repository (re-indexing touches only changed blobs), extract
//! repository facts with `path:line` evidence, retrieve chunks (BM25 boosted
//! by path and symbol matches, optionally fused with embedding similarity),
//! and verify citations and prose against the indexed commit. To publish a
//! generated document it commits one file on a new branch without touching
//! any work tree, pushes the branch and opens a pull request through a
//! GitHub-compatible REST API.
//!
//! This crate is a library of plain functions over a directory: it depends
//! on no other crate of ours, knows nothing of tenants, the database or our
//! HTTP API, and does not call models (embeddings come in through a callback).

pub mod chunk;
pub mod error;
pub mod facts;
pub mod faq;
pub mod forge;
pub mod fusion;
pub mod git;
pub mod index;
pub mod lang;
pub mod layout;
pub mod publish;
pub mod source;
pub mod verify;
pub mod walk;

pub use chunk::{chunk_file, Chunk, ChunkConfig, ChunkKind, FileChunks, Symbol, SymbolKind};
pub use error::{KnowledgeError, Result};
pub use facts::{
    Component, EntryPoint, Evidence, LanguageCount, RepoFacts, Script, TechCategory, Technology,
};
pub use forge::{forge_repository_from_url, ForgeClient, ForgeError, NewPullRequest, PullRequest};
pub use fusion::{cosine, reciprocal_rank_fusion};
pub use git::{checkout, Checkout, GitCredentials, GitRepo, RemoteAccess, SshKey};
pub use index::{Hit, IndexConfig, IndexStats, IndexedFile, Progress, RepoIndex, WORK_TREE};
pub use lang::Language;
pub use layout::{checkout_dir, index_dir, repository_dir, repository_git_dir};
pub use publish::{commit_file, push_branch, slugify, FileCommit};
pub use source::{is_public, Pin, RepoSource, RepoUrl, Scheme, SourcePolicy, SourceRefused};
pub use verify::{find_path_like_tokens, CitationCheck, PathToken, ProseIssue, ProseReport};
pub use walk::{SkipReason, WalkConfig};

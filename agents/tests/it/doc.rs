//! The documentation pipeline on a fixture repository built with the `git`
//! CLI and indexed with morningai-knowledge: a document whose every citation
//! exists, every component appears with its real path, and a hallucinating
//! model's inventions are removed and counted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use morningai_agents::doc::{self, write_document, DocMetadata, DocumentOutput, SectionKind};
use morningai_ai::{AiError, ChatChunk, ChatModel, ChatRequest, ChatResponse, ChatStream, Usage};
use morningai_knowledge::{checkout, IndexConfig, RepoIndex, RepoSource};

const SERVER_MAIN: &str = r#"//! The shop's HTTP server.

mod config;

use config::AppConfig;

/// Shared state of every handler.
pub struct AppState {
    pub config: AppConfig,
}

fn main() {
    let config = AppConfig::from_env();
    let state = AppState { config };
    println!("listening on port {}", state.config.port);
}
"#;

const SERVER_CONFIG: &str = r#"/// Settings read from the environment at start-up.
pub struct AppConfig {
    pub database_url: String,
    pub port: u16,
}

impl AppConfig {
    pub fn from_env() -> AppConfig {
        let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set");
        let port = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
        AppConfig { database_url, port }
    }
}
"#;

const SERVER_CARGO: &str = r#"[package]
name = "server"
version = "0.1.0"
edition = "2021"

[dependencies]
axum = "0.8"
tokio = { version = "1", features = ["full"] }
tokio-postgres = "0.7"
"#;

const PACKAGE_JSON: &str = r#"{
  "name": "web",
  "private": true,
  "scripts": {
    "dev": "vite",
    "build": "tsc && vite build"
  },
  "dependencies": {
    "react": "^18.3.0"
  },
  "devDependencies": {
    "typescript": "^5.5.0",
    "vite": "^5.4.0"
  }
}
"#;

const APP_TSX: &str = r#"import { useEffect, useState } from "react";
import { fetchHealth } from "./api";

export function App() {
  const [status, setStatus] = useState("loading");
  useEffect(() => {
    fetchHealth().then(setStatus);
  }, []);
  return <p>{status}</p>;
}
"#;

const API_TS: &str = r#"const base = import.meta.env.VITE_API_URL ?? "";

export async function fetchHealth(): Promise<string> {
  const response = await fetch(`${base}/api/health`);
  return response.ok ? "ok" : "down";
}
"#;

const DOCKERFILE: &str = "FROM rust:1.85 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/server\"]\n";

const COMPOSE: &str = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n  server:\n    build: .\n    environment:\n      DATABASE_URL: postgres://postgres:example@db/shop\n";

const README: &str = "# Shop\n\nA small shop: a Rust server and a React frontend.\n\n## Run\n\nStart the stack with docker compose.\n";

const DEPLOY_MD: &str =
    "# Deploying\n\nBuild the image from the Dockerfile and set the database address.\n";

const QUESTION: &str = "What is the system architecture?";

/// Runs git in `dir`, panicking with its output on failure.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A directory removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("morningai-doc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The fixture repository (Rust server, React + TypeScript frontend,
/// Dockerfile, docker-compose with PostgreSQL, README, docs/) committed and
/// indexed.
pub(crate) struct Fixture {
    pub(crate) _repo: TempDir,
    _index_dir: TempDir,
    pub(crate) index: RepoIndex,
    pub(crate) head: String,
}

/// A git repository in a temp dir with `files` committed, and its index:
/// (repository, index folder, index, head commit).
pub(crate) fn committed_and_indexed(
    files: &[(&str, impl AsRef<[u8]>)],
) -> (TempDir, TempDir, RepoIndex, String) {
    let repo = TempDir::new();
    let root = repo.0.as_path();
    git(root, &["init", "--quiet", "--initial-branch=main"]);
    for (path, content) in files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "initial"]);
    let head = git(root, &["rev-parse", "HEAD"]);
    let index_dir = TempDir::new();
    let mut index = RepoIndex::open(&index_dir.0.join("index")).unwrap();
    let source = checkout(
        &RepoSource::Local(root.to_path_buf()),
        Path::new("/nonexistent"),
        &Default::default(),
    )
    .unwrap();
    index
        .update(&source, &IndexConfig::default(), &mut |_| {})
        .unwrap();
    (repo, index_dir, index, head)
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let files = [
            (
                "Cargo.toml",
                "[workspace]\nresolver = \"2\"\nmembers = [\"server\"]\n",
            ),
            ("server/Cargo.toml", SERVER_CARGO),
            ("server/src/main.rs", SERVER_MAIN),
            ("server/src/config.rs", SERVER_CONFIG),
            ("web/package.json", PACKAGE_JSON),
            (
                "web/tsconfig.json",
                "{ \"compilerOptions\": { \"strict\": true } }\n",
            ),
            ("web/src/App.tsx", APP_TSX),
            ("web/src/api.ts", API_TS),
            ("Dockerfile", DOCKERFILE),
            ("docker-compose.yml", COMPOSE),
            (
                ".env.example",
                "DATABASE_URL=postgres://localhost/shop\nPORT=8080\n",
            ),
            ("README.md", README),
            ("docs/deploy.md", DEPLOY_MD),
        ];
        let (repo, index_dir, index, head) = committed_and_indexed(&files);
        Fixture {
            _repo: repo,
            _index_dir: index_dir,
            index,
            head,
        }
    }

    fn metadata(&self) -> DocMetadata {
        DocMetadata {
            task: QUESTION.into(),
            trace_id: "0b7e6c1e-5f43-4c1a-9d1e-2f6a8c0d4e21".into(),
            repository: "acme/shop".into(),
            ..DocMetadata::default()
        }
    }

    fn lines(&self, path: &str, start: usize, end: usize) -> String {
        let text = String::from_utf8(self.index.read_file(path).unwrap().unwrap()).unwrap();
        text.lines()
            .skip(start - 1)
            .take(end + 1 - start)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A test double for the model: answers every section with `write(prompt)`
/// and keeps the prompts it was sent.
pub(crate) struct ScriptedModel {
    name: &'static str,
    write: fn(&str) -> String,
    pub(crate) prompts: Mutex<Vec<String>>,
}

impl ScriptedModel {
    pub(crate) fn new(name: &'static str, write: fn(&str) -> String) -> ScriptedModel {
        ScriptedModel {
            name,
            write,
            prompts: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl ChatModel for ScriptedModel {
    fn provider(&self) -> &str {
        "fake"
    }
    fn model(&self) -> &str {
        self.name
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        let prompt: String = request
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        self.prompts.lock().unwrap().push(prompt.clone());
        Ok(ChatResponse {
            text: (self.write)(&prompt),
            usage: Usage::default(),
            model: self.name.into(),
            finish_reason: Some("stop".into()),
            latency: Duration::ZERO,
        })
    }
    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, AiError> {
        let response = self.chat(request).await?;
        Ok(Box::pin(futures::stream::iter([Ok(ChatChunk::Done(
            response,
        ))])))
    }
}

/// `(path, start, end)` of each `[n] path:La-Lb` evidence header of a prompt.
pub(crate) fn evidence_headers(prompt: &str) -> Vec<(String, usize, usize)> {
    prompt
        .lines()
        .filter(|l| l.starts_with('['))
        .filter_map(|l| {
            let (_, rest) = l.split_once("] ")?;
            let (path, range) = rest.rsplit_once(":L")?;
            let (start, end) = range.split_once("-L")?;
            Some((path.to_string(), start.parse().ok()?, end.parse().ok()?))
        })
        .collect()
}

/// Good prose: real paths, one citation by evidence number and one written out.
pub(crate) fn good_prose(prompt: &str) -> String {
    let evidence = evidence_headers(prompt);
    let Some((path, start, end)) = evidence.first() else {
        return "Nothing to add.".into();
    };
    let mut text = format!("The code in `{path}` implements this part of the system [1].");
    if let Some((path2, start2, end2)) = evidence.get(1) {
        text.push_str(&format!(
            " Related code lives in `{path2}:L{start2}-L{end2}`."
        ));
    } else {
        text.push_str(&format!(" It spans `{path}:L{start}-L{end}`."));
    }
    text
}

/// Hallucinations of every kind, around one true sentence.
pub(crate) fn hallucinated_prose(prompt: &str) -> String {
    let first = evidence_headers(prompt).into_iter().next();
    let mut text = String::from(
        "## Redis Queue\n\
         The backend calls GPT-4 through `src/gpt_service.py:L1-L20`. \
         The server starts at `server/src/main.rs:L1-L999`. \
         Requests are served by Flask [1]. \
         Background jobs are queued in Redis [1]. \
         The `GptService` class wraps the model API [1]. \
         Everything is fast, secure and reliable. \
         The entry point is in `main.rs:L12-L16`.\n\
         ```python\nfrom flask import Flask\n```\n",
    );
    if first.is_some() {
        text.push_str("The relevant code is shown in [1].");
    }
    text
}

async fn document(fixture: &Fixture, model: &ScriptedModel) -> DocumentOutput {
    write_document(QUESTION, &fixture.index, model, fixture.metadata())
        .await
        .unwrap()
}

/// Everything a document must satisfy whatever the model wrote.
fn assert_grounded(fixture: &Fixture, out: &DocumentOutput, model_prefix: &str) {
    let md = &out.markdown;
    // Knowledge's own verifier finds nothing wrong in the final document.
    let report = fixture.index.verify_prose(md).unwrap();
    assert!(report.is_clean(), "{:#?}\n{md}", report.issues);
    assert!(report.citations_checked > 10, "{report:?}");

    // Every real component, with its real path, under its own heading.
    let facts = fixture.index.facts();
    let names: Vec<&str> = facts.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["server", "web"], "{facts:#?}");
    for component in &facts.components {
        assert!(md.contains(&format!("### {}\n", component.name)), "{md}");
        assert!(
            md.contains(&format!(
                "- **Path**: `{}/`, declared in `{}:L",
                component.path, component.evidence.path
            )),
            "{md}"
        );
    }
    assert!(
        md.contains("- **Technology**: axum (`server/Cargo.toml:L7-L7`)"),
        "{md}"
    );
    assert!(md.contains("React (`web/package.json:L"), "{md}");
    assert!(md.contains("PostgreSQL"), "{md}");

    // The code example is the entry point, verbatim, under a correct citation.
    let example = md
        .split("## Code Example")
        .nth(1)
        .expect("a code example section");
    let cite_start = example.find("From `").unwrap() + "From `".len();
    let cite_end = cite_start + example[cite_start..].find('`').unwrap();
    let citation = &example[cite_start..cite_end];
    let (path, range) = citation.rsplit_once(":L").unwrap();
    let (start, end) = range.split_once("-L").unwrap();
    let (start, end): (usize, usize) = (start.parse().unwrap(), end.parse().unwrap());
    assert_eq!(path, "server/src/main.rs");
    let fence_start = example.find("```rust\n").unwrap() + "```rust\n".len();
    let fence_end = fence_start + example[fence_start..].find("\n```").unwrap();
    assert_eq!(
        &example[fence_start..fence_end],
        fixture.lines(path, start, end)
    );
    assert!(example[fence_start..fence_end].contains("fn main()"));

    // Configuration and troubleshooting come from the real configuration.
    let config = md.split("## Configuration").nth(1).expect("configuration");
    assert!(config.contains("`DATABASE_URL`"), "{config}");
    assert!(config.contains("`AppConfig`"), "{config}");
    assert!(md.contains("**Cannot reach PostgreSQL**"), "{md}");
    // Related documentation lists the Markdown files that exist.
    let related = md
        .split("## Related Documentation")
        .nth(1)
        .expect("related docs");
    assert!(related.contains("[Shop](/README.md)"), "{related}");
    assert!(
        related.contains("[Deploying](/docs/deploy.md)"),
        "{related}"
    );

    // The footer.
    assert!(md.starts_with("# shop System Architecture\n"), "{md}");
    let footer = md.split("\n---\n").last().unwrap();
    assert!(footer.contains(&format!("- Task: {QUESTION}")), "{footer}");
    assert!(footer.contains("- Trace ID: `0b7e6c1e-5f43-4c1a-9d1e-2f6a8c0d4e21`"));
    assert!(footer.contains(&format!(
        "- Generated by: MorningAI documentation agent using {model_prefix}"
    )));
    assert!(footer.contains("- Repository: acme/shop"));
    assert!(footer.contains(&format!("- Commit: `{}`", fixture.head)));

    // The manifest: the chunks used, at the commit, and every citation.
    let manifest = &out.manifest;
    assert_eq!(manifest.commit, fixture.head);
    assert!(!manifest.chunks.is_empty());
    for chunk in &manifest.chunks {
        assert_eq!(chunk.commit, fixture.head);
        assert_eq!(
            fixture
                .index
                .verify_citation(&chunk.path, chunk.start_line, chunk.end_line),
            morningai_knowledge::CitationCheck::Ok
        );
    }
    assert!(manifest
        .chunks
        .iter()
        .any(|c| c.path == "server/src/main.rs"
            && c.start_line == start
            && c.end_line == end
            && c.cited
            && c.sections == ["code-example"]));
    for cited in doc::render::citations(md) {
        assert!(manifest.citations.contains(&cited), "{cited:?}");
    }
    let json = manifest.to_json();
    assert_eq!(json["commit"], fixture.head.as_str());
    assert!(json["chunks"].as_array().unwrap().len() == manifest.chunks.len());
}

#[tokio::test]
async fn architecture_document_is_grounded_with_a_good_model() {
    let fixture = Fixture::new();
    let model = ScriptedModel::new("good", good_prose);
    let out = document(&fixture, &model).await;
    assert_grounded(&fixture, &out, "fake/");
    // The model's prose stays, with its citations.
    assert!(
        out.markdown
            .contains("implements this part of the system (`"),
        "{}",
        out.markdown
    );
    assert!(
        out.markdown
            .contains("- **Description**: The code in `server/"),
        "{}",
        out.markdown
    );
    assert!(out.report.removed.is_empty(), "{:#?}", out.report.removed);
    assert!(out.report.claims_kept > 20, "{:?}", out.report);
    // Prompts stay small enough for a 2k-token model.
    let prompts = model.prompts.lock().unwrap();
    assert!(prompts.len() >= 5);
    for prompt in prompts.iter() {
        assert!(prompt.len() < 5_500, "{} chars:\n{prompt}", prompt.len());
    }
}

#[tokio::test]
async fn hallucinations_are_removed_and_counted() {
    let fixture = Fixture::new();
    let model = ScriptedModel::new("hallucinating", hallucinated_prose);
    let out = document(&fixture, &model).await;
    assert_grounded(&fixture, &out, "fake/");
    let md = &out.markdown;
    for invented in [
        "gpt_service",
        "GPT-4",
        "Flask",
        "Redis",
        "L999",
        "GptService",
        "reliable",
    ] {
        assert!(!md.contains(invented), "{invented} in\n{md}");
    }
    let report = &out.report;
    for kind in [
        "missing_path",
        "bad_lines",
        "unused_technology",
        "unknown_symbol",
        "uncited",
    ] {
        assert!(
            report.removed_by_kind.get(kind).copied().unwrap_or(0) >= 1,
            "{kind}: {:#?}",
            report.removed_by_kind
        );
    }
    assert!(report
        .removed
        .iter()
        .any(|r| r.text.contains("src/gpt_service.py")));
    // `main.rs` has exactly one real path ending in it: the claim is rewritten.
    assert!(
        report
            .rewritten
            .iter()
            .any(|r| r.to.contains("`server/src/main.rs:L12-L16`")),
        "{:#?}",
        report.rewritten
    );
    assert!(md.contains("The entry point is in `server/src/main.rs:L12-L16`."));
    // The true sentence stays.
    assert!(md.contains("The relevant code is shown in (`"), "{md}");
}

#[tokio::test]
async fn other_questions_get_an_answer_from_the_relevant_code() {
    let fixture = Fixture::new();
    let model = ScriptedModel::new("good", good_prose);
    let question = "How does the server read its database settings?";
    let outline = doc::outline(question, fixture.index.facts(), &fixture.index).unwrap();
    assert!(!outline.architecture);
    assert_eq!(outline.sections[0].kind, SectionKind::Topic);
    let out = write_document(question, &fixture.index, &model, fixture.metadata())
        .await
        .unwrap();
    let md = &out.markdown;
    assert!(fixture.index.verify_prose(md).unwrap().is_clean(), "{md}");
    assert!(md.contains("## Answer"), "{md}");
    assert!(md.contains("server/src/config.rs:L"), "{md}");
    assert!(
        md.contains("### ") || md.contains("## Relevant Components"),
        "{md}"
    );
}

#[test]
fn the_verifier_keeps_only_cited_claims_that_check_out() {
    let fixture = Fixture::new();
    let input = "## Notes\n\n\
        The server reads its settings in `server/src/config.rs:L8-L12`. It caches them in Redis (`server/src/config.rs:L1-L5`).\n\
        - **Path**: `web/`, declared in `web/package.json:L2-L2`\n\
        - **Queue**: RQ workers in `/queue` (`queue/worker.py:L1-L9`)\n\
        - Uses `AppConfig::from_env` (`server/src/config.rs:L8-L8`) and `load_secrets` (`server/src/config.rs:L9-L9`).\n\n\
        ## Empty\n\n\
        Nothing here is cited.\n\n\
        ```rust\nlet x = Redis::open(\"src/missing.rs\");\n```\n";
    let (clean, report) = doc::verify(input, &fixture.index).unwrap();
    assert_eq!(
        clean,
        "## Notes\n\n\
         The server reads its settings in `server/src/config.rs:L8-L12`.\n\
         - **Path**: `web/`, declared in `web/package.json:L2-L2`\n\
         \n\
         ## Empty\n\n\
         ```rust\nlet x = Redis::open(\"src/missing.rs\");\n```"
    );
    assert_eq!(report.claims_checked, 6);
    assert_eq!(report.claims_kept, 2);
    assert_eq!(
        report.removed_by_kind.get("unknown_symbol"),
        Some(&1),
        "{report:#?}"
    );
    assert_eq!(
        report.removed_by_kind.get("unused_technology"),
        Some(&2),
        "{report:#?}"
    );
    assert_eq!(
        report.removed_by_kind.get("missing_path"),
        Some(&2),
        "{report:#?}"
    );
    assert_eq!(
        report.removed_by_kind.get("uncited"),
        Some(&1),
        "{report:#?}"
    );
}

/// The embedded SmolLM2-135M writes the prose: plain, but the document is as
/// grounded as with any model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_model_writes_a_grounded_document() {
    let path = std::env::var_os("MORNINGAI_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
        .join("SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models.sh (make test does)",
        path.display()
    );
    let fixture = Fixture::new();
    let model = tokio::task::spawn_blocking(move || {
        morningai_ai::LocalChatModel::load(&path, morningai_ai::LocalChatOptions::default())
    })
    .await
    .unwrap()
    .unwrap();
    let out = write_document(QUESTION, &fixture.index, &model, fixture.metadata())
        .await
        .unwrap();
    assert_grounded(&fixture, &out, "local/");
}

/// The `doc` graph through the runtime on SQLite: the fixture registered and
/// indexed by the `index` graph, then documented by a model that
/// hallucinates around its true sentences.
pub(crate) mod graph {
    use std::sync::Arc;

    use morningai_agents::env::{OperatorToken, PublishConfig};
    use morningai_agents::GraphEnv;
    use morningai_ai::Pricing;
    use morningai_core::{Budget, Email, NewRepository, Role, Task, TaskStatus, TenantCtx};
    use morningai_knowledge::forge::ForgeClient;
    use morningai_knowledge::CitationCheck;
    use morningai_knowledge::{GitCredentials, SourcePolicy};
    use morningai_orchestration::{ModelServices, RunOutcome, Runtime, StoreLedger, TaskRequest};
    use morningai_queue::Queue;
    use morningai_store::testing::TempSqlite;
    use morningai_store::{SqliteStore, Store};
    use serde_json::{json, Value};
    use tokio_util::sync::CancellationToken;

    use super::*;

    pub(crate) struct Env {
        pub(crate) runtime: Runtime,
        pub(crate) store: Arc<dyn Store>,
        pub(crate) ctx: TenantCtx,
        pub(crate) other: TenantCtx,
        pub(crate) model: Arc<ScriptedModel>,
        _repos: TempDir,
        _db: TempSqlite,
    }

    async fn owner(store: &Arc<dyn Store>, email: &str, org: &str) -> TenantCtx {
        let s = store
            .signup(&Email::parse(email).unwrap(), "hash", org)
            .await
            .unwrap();
        TenantCtx {
            role: Role::Owner,
            ..TenantCtx::system(s.tenant.id, s.user.id)
        }
    }

    impl Env {
        pub(crate) async fn new() -> Env {
            Env::with_publish(PublishConfig::default()).await
        }

        pub(crate) async fn with_publish(publish: PublishConfig) -> Env {
            let db = TempSqlite::new().await;
            let store: Arc<dyn Store> = Arc::new(
                SqliteStore::open(&db.url, &Default::default())
                    .await
                    .unwrap(),
            );
            let repos = TempDir::new();
            let model = Arc::new(ScriptedModel::new("hallucinating", hallucinated_prose));
            let models = ModelServices {
                chat: model.clone(),
                embedder: None,
                pricing: Arc::new(Pricing::built_in()),
                ledger: Arc::new(StoreLedger::new(store.clone(), Budget::UNLIMITED)),
            };
            let runtime = Runtime::new(
                store.clone(),
                Queue::database(store.clone()),
                morningai_agents::registry(GraphEnv {
                    // Fixture repositories live in the temp dir.
                    sources: SourcePolicy {
                        local_roots: vec![std::env::temp_dir()],
                        ..SourcePolicy::default()
                    },
                    // The operator's token, granted to every tenant for the
                    // fake forge's `acme`.
                    operator_git: publish.forge_host().map(|host| OperatorToken {
                        credentials: GitCredentials::token("forge-token"),
                        grants: vec![format!("*={host}/acme").parse().unwrap()],
                    }),
                    publish,
                    ..GraphEnv::new(store.clone(), repos.0.clone())
                }),
            )
            .with_models(models);
            Env {
                runtime,
                ctx: owner(&store, "owner@example.com", "Acme").await,
                other: owner(&store, "other@example.com", "Other").await,
                store,
                model,
                _repos: repos,
                _db: db,
            }
        }

        pub(crate) async fn register(
            &self,
            fixture: &Fixture,
            name: &str,
        ) -> morningai_core::RepositoryId {
            let repo = NewRepository {
                name: name.into(),
                source: fixture._repo.0.to_str().unwrap().into(),
                limit: None,
            };
            self.store
                .create_repository(&self.ctx, &repo)
                .await
                .unwrap()
                .id
        }

        pub(crate) async fn run(
            &self,
            ctx: &TenantCtx,
            kind: &str,
            input: Value,
        ) -> (RunOutcome, Task) {
            let req = TaskRequest {
                kind: kind.into(),
                input,
                ..Default::default()
            };
            let (task, _) = self.runtime.submit(ctx, req).await.unwrap();
            let outcome = self
                .runtime
                .run_task(ctx.tenant_id, task.id, CancellationToken::new())
                .await
                .unwrap();
            let task = self
                .store
                .task(ctx.tenant_id, task.id)
                .await
                .unwrap()
                .unwrap();
            (outcome, task)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_doc_task_writes_a_verified_document_with_its_footer() {
        let fixture = Fixture::new();
        let env = Env::new().await;
        let id = env.register(&fixture, "shop").await;
        let (outcome, indexed) = env
            .run(&env.ctx, "index", json!({ "repository_id": id }))
            .await;
        assert_eq!(outcome, RunOutcome::Done, "{:?}", indexed.error);

        let (outcome, task) = env
            .run(
                &env.ctx,
                "doc",
                json!({ "repository_id": id, "question": QUESTION }),
            )
            .await;
        assert_eq!(outcome, RunOutcome::Done, "{:?}", task.error);
        assert_eq!(task.status, TaskStatus::Done);
        let result = task.result.clone().unwrap();
        let mut keys: Vec<&str> = result
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "commit",
                "document_id",
                "manifest",
                "markdown",
                "model",
                "publish",
                "question",
                "report",
                "repository",
                "repository_id",
                "require_approval",
                "title",
                "version"
            ]
        );
        assert_eq!(result["commit"], fixture.head.as_str());
        assert_eq!(result["model"], "fake/hallucinating");
        assert_eq!(result["repository_id"], id.to_string().as_str());

        let md = result["markdown"].as_str().unwrap();
        assert!(md.starts_with("# shop System Architecture\n"), "{md}");
        let footer = md.split("\n---\n").last().unwrap();
        assert!(
            footer.contains(&format!("- Task: {}\n", task.id)),
            "{footer}"
        );
        assert!(
            footer.contains(&format!("- Trace ID: `{}`", task.trace_id)),
            "{footer}"
        );
        assert!(
            footer
                .contains("- Generated by: MorningAI documentation agent using fake/hallucinating"),
            "{footer}"
        );
        assert!(footer.contains("- Repository: shop\n"), "{footer}");
        assert!(
            footer.contains(&format!("- Commit: `{}`", fixture.head)),
            "{footer}"
        );

        // Only verified claims and citations: the knowledge verifier agrees.
        let check = fixture.index.verify_prose(md).unwrap();
        assert!(check.is_clean(), "{:#?}\n{md}", check.issues);
        let citations = doc::render::citations(md);
        assert!(citations.len() > 10, "{citations:?}");
        for c in &citations {
            assert_eq!(
                fixture
                    .index
                    .verify_citation(&c.path, c.start_line, c.end_line),
                CitationCheck::Ok,
                "{c:?}"
            );
        }
        for invented in ["gpt_service", "GptService", "Redis", "Flask", "L999"] {
            assert!(!md.contains(invented), "{invented} in\n{md}");
        }
        let report: doc::VerificationReport =
            serde_json::from_value(result["report"].clone()).unwrap();
        assert!(report.removed_count() > 0, "{report:?}");
        let manifest: doc::EvidenceManifest =
            serde_json::from_value(result["manifest"].clone()).unwrap();
        assert_eq!(manifest.commit, fixture.head);
        assert_eq!(manifest.trace_id, task.trace_id.to_string());
        assert!(manifest.chunks.iter().any(|c| c.cited));

        // One metered model call per section with prose; counts in the log.
        let events = env
            .store
            .task_events(env.ctx.tenant_id, task.id, 0, 10_000)
            .await
            .unwrap();
        let calls = events.iter().filter(|e| e.kind == "model.call").count();
        let prompts = env.model.prompts.lock().unwrap().len();
        assert!(prompts >= 3, "{prompts}");
        assert_eq!(calls, prompts);
        let logs: Vec<&str> = events
            .iter()
            .filter(|e| e.kind == "log")
            .filter_map(|e| e.data["line"].as_str())
            .collect();
        assert!(logs.iter().any(|l| l.starts_with("outlined ")), "{logs:?}");
        assert!(
            logs.iter()
                .any(|l| l.starts_with("verified ") && l.contains(" removed")),
            "{logs:?}"
        );

        // The document is kept as version 1 of the question's document.
        let document_id: morningai_core::DocumentId =
            serde_json::from_value(result["document_id"].clone()).unwrap();
        assert_eq!(result["version"], 1);
        let saved = env
            .store
            .document_version(env.ctx.tenant_id, document_id, None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(saved.markdown, md);
        assert_eq!(saved.info.commit, fixture.head);
        assert_eq!(saved.info.task_id, task.id);
        assert_eq!(saved.manifest, result["manifest"]);
        assert_eq!(saved.info.claims_removed, report.removed_count() as i64);

        // With approval asked: the run stops with the rendered document,
        // already saved as the next version.
        let (outcome, waiting) = env
            .run(
                &env.ctx,
                "doc",
                json!({ "repository_id": id, "question": QUESTION, "require_approval": true }),
            )
            .await;
        assert_eq!(outcome, RunOutcome::WaitingApproval, "{:?}", waiting.error);
        let interrupt = waiting.interrupt.unwrap();
        assert!(interrupt["markdown"]
            .as_str()
            .unwrap()
            .contains(&format!("- Task: {}\n", waiting.id)));
        let document = env
            .store
            .document(env.ctx.tenant_id, document_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(document.latest_version, 2);
        assert!(env
            .store
            .document(env.other.tenant_id, document_id)
            .await
            .unwrap()
            .is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unindexed_or_foreign_repository_fails_clearly() {
        let fixture = Fixture::new();
        let env = Env::new().await;
        let id = env.register(&fixture, "shop").await;

        let (outcome, task) = env
            .run(
                &env.ctx,
                "doc",
                json!({ "repository_id": id, "question": QUESTION }),
            )
            .await;
        assert_eq!(outcome, RunOutcome::Failed);
        let error = task.error.unwrap();
        assert!(error.contains("index it first"), "{error}");
        assert!(env.model.prompts.lock().unwrap().is_empty());

        let (outcome, indexed) = env
            .run(&env.ctx, "index", json!({ "repository_id": id }))
            .await;
        assert_eq!(outcome, RunOutcome::Done, "{:?}", indexed.error);
        // Another tenant cannot name it.
        let (outcome, task) = env
            .run(
                &env.other,
                "doc",
                json!({ "repository_id": id, "question": QUESTION }),
            )
            .await;
        assert_eq!(outcome, RunOutcome::Failed);
        let error = task.error.unwrap();
        assert!(error.contains("not found"), "{error}");
        assert!(env.model.prompts.lock().unwrap().is_empty());

        // A bad question is refused at submit, naming the field.
        let err = env
            .runtime
            .submit(
                &env.ctx,
                TaskRequest {
                    kind: "doc".into(),
                    input: json!({ "repository_id": id, "question": "" }),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("question"), "{err}");
    }

    /// A forge speaking the GitHub REST subset the publish step uses; it
    /// answers 422 to the pull request after `reject_next` is set. `requests`
    /// records the writes (POSTs); `open` lists the pull requests opened.
    #[derive(Clone, Default)]
    pub(crate) struct Forge {
        pub(crate) requests: Arc<std::sync::Mutex<Vec<(String, Value)>>>,
        reject_next: Arc<std::sync::atomic::AtomicBool>,
        open: Arc<std::sync::Mutex<Vec<Value>>>,
    }

    impl Forge {
        pub(crate) async fn start(&self) -> String {
            use axum::extract::{Path as UrlPath, State};
            use axum::http::{HeaderMap, StatusCode};
            use axum::routing::post;
            use axum::Json;
            use std::sync::atomic::Ordering;

            async fn list(
                State(forge): State<Forge>,
                UrlPath((owner, repo)): UrlPath<(String, String)>,
            ) -> Json<Value> {
                let prefix = format!("https://forge.example/{owner}/{repo}/");
                let open = forge.open.lock().unwrap();
                let mine = open.iter().filter(|p| {
                    p["html_url"]
                        .as_str()
                        .is_some_and(|u| u.starts_with(&prefix))
                });
                Json(Value::Array(mine.cloned().collect()))
            }

            async fn pulls(
                State(forge): State<Forge>,
                UrlPath((owner, repo)): UrlPath<(String, String)>,
                headers: HeaderMap,
                Json(body): Json<Value>,
            ) -> (StatusCode, Json<Value>) {
                assert_eq!(headers["authorization"], "Bearer forge-token");
                forge
                    .requests
                    .lock()
                    .unwrap()
                    .push((format!("/repos/{owner}/{repo}/pulls"), body.clone()));
                if forge.reject_next.swap(false, Ordering::SeqCst) {
                    return (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Json(json!({
                            "message": "Validation Failed",
                            "errors": [{ "message": "No commits between main and the branch" }]
                        })),
                    );
                }
                let n = forge.requests.lock().unwrap().len();
                let opened = json!({
                    "number": n,
                    "html_url": format!("https://forge.example/{owner}/{repo}/pull/{n}"),
                    "head": { "ref": body["head"] },
                });
                forge.open.lock().unwrap().push(opened.clone());
                (StatusCode::CREATED, Json(opened))
            }
            async fn labels(
                State(forge): State<Forge>,
                UrlPath((owner, repo, n)): UrlPath<(String, String, u64)>,
                Json(body): Json<Value>,
            ) -> (StatusCode, Json<Value>) {
                forge
                    .requests
                    .lock()
                    .unwrap()
                    .push((format!("/repos/{owner}/{repo}/issues/{n}/labels"), body));
                (StatusCode::OK, Json(json!([{ "name": "documentation" }])))
            }
            let app = axum::Router::new()
                .route("/api/v3/repos/{owner}/{repo}/pulls", post(pulls).get(list))
                .route(
                    "/api/v3/repos/{owner}/{repo}/issues/{n}/labels",
                    post(labels),
                )
                .with_state(self.clone());
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            format!("http://{addr}/api/v3")
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn publishing_pushes_a_branch_and_opens_a_pull_request() {
        let fixture = Fixture::new();
        // The repository's remote: a bare clone, registered by URL.
        let remotes = TempDir::new();
        let remote = remotes.0.join("shop.git");
        git(
            &remotes.0,
            &[
                "clone",
                "--quiet",
                "--bare",
                fixture._repo.0.to_str().unwrap(),
                remote.to_str().unwrap(),
            ],
        );
        let forge = Forge::default();
        let api = forge.start().await;
        let env = Env::with_publish(PublishConfig {
            max_per_hour: 2,
            forge: Some(ForgeClient::new(&api, "forge-token").unwrap()),
            forge_api_url: api.clone(),
            ..PublishConfig::default()
        })
        .await;
        let repo = NewRepository {
            name: "shop".into(),
            source: format!("file://{}", remote.display()),
            limit: None,
        };
        let id = env
            .store
            .create_repository(&env.ctx, &repo)
            .await
            .unwrap()
            .id;
        let (outcome, indexed) = env
            .run(&env.ctx, "index", json!({ "repository_id": id }))
            .await;
        assert_eq!(outcome, RunOutcome::Done, "{:?}", indexed.error);

        let input = json!({
            "repository_id": id,
            "question": QUESTION,
            "publish": true,
            "pull_request_repository": "acme/shop",
        });
        let (outcome, task) = env.run(&env.ctx, "doc", input.clone()).await;
        assert_eq!(outcome, RunOutcome::Done, "{:?}", task.error);
        let result = task.result.unwrap();
        let trace = task.trace_id.simple().to_string();
        let branch = format!("morningai/{}-what-is-the-system-architecture", &trace[..8]);
        let publication = &result["publication"];
        assert_eq!(publication["branch"], branch.as_str());
        assert_eq!(
            publication["path"],
            "docs/faq/what-is-the-system-architecture.md"
        );

        // The remote has the branch, one commit on the indexed one, holding
        // exactly the document.
        let file = git(
            &remote,
            &[
                "show",
                &format!("{branch}:docs/faq/what-is-the-system-architecture.md"),
            ],
        );
        assert_eq!(file, result["markdown"].as_str().unwrap().trim_end());
        assert_eq!(
            git(&remote, &["rev-parse", &format!("{branch}^")]),
            fixture.head
        );
        assert_eq!(
            git(&remote, &["rev-parse", &branch]),
            publication["commit"].as_str().unwrap()
        );
        assert_eq!(git(&remote, &["rev-parse", "main"]), fixture.head);

        // The pull request, then its label.
        let requests = forge.requests.lock().unwrap().clone();
        assert_eq!(requests.len(), 2, "{requests:?}");
        assert_eq!(requests[0].0, "/repos/acme/shop/pulls");
        let pr = &requests[0].1;
        assert_eq!(
            pr["title"],
            format!("docs: {QUESTION} (trace-id: {})", &trace[..8]).as_str()
        );
        assert_eq!(
            (pr["head"].as_str(), pr["base"].as_str()),
            (Some(branch.as_str()), Some("main"))
        );
        assert!(pr["body"].as_str().unwrap().contains("claims checked"));
        assert_eq!(requests[1].0, "/repos/acme/shop/issues/1/labels");
        assert_eq!(requests[1].1, json!({ "labels": ["documentation"] }));
        assert_eq!(publication["pull_request_number"], 1);
        let document_id: morningai_core::DocumentId =
            serde_json::from_value(result["document_id"].clone()).unwrap();
        let versions = env
            .store
            .document_versions(env.ctx.tenant_id, document_id)
            .await
            .unwrap();
        assert_eq!(
            versions[0]
                .publication
                .as_ref()
                .unwrap()
                .pull_request_url
                .as_deref(),
            Some("https://forge.example/acme/shop/pull/1")
        );

        // The forge refuses the next pull request: the task fails saying why.
        forge
            .reject_next
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let (outcome, task) = env.run(&env.ctx, "doc", input.clone()).await;
        assert_eq!(outcome, RunOutcome::Failed);
        let error = task.error.unwrap();
        assert!(
            error.contains("422") && error.contains("No commits between"),
            "{error}"
        );

        // Two publications an hour, reserved before anything is pushed: the
        // refused pull request took the second, so the third run is refused
        // and pushes nothing.
        let (outcome, task) = env.run(&env.ctx, "doc", input).await;
        assert_eq!(outcome, RunOutcome::Failed);
        let error = task.error.unwrap();
        assert!(error.contains("rate limit"), "{error}");
        let trace = task.trace_id.simple().to_string();
        let branches = git(&remote, &["branch", "--list", "morningai/*"]);
        assert_eq!(branches.lines().count(), 2, "{branches}");
        assert!(!branches.contains(&trace[..8]), "{branches}");
        let versions = env
            .store
            .document_versions(env.ctx.tenant_id, document_id)
            .await
            .unwrap();
        assert_eq!(versions.len(), 3);
        assert_eq!(
            versions.iter().filter(|v| v.publication.is_some()).count(),
            1
        );
    }

    /// A pull request goes to the registered repository; naming another is
    /// an admin's decision, and the operator's token opens one only for the
    /// owners it is granted for.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pull_requests_go_where_they_are_allowed() {
        let fixture = Fixture::new();
        let remotes = TempDir::new();
        let remote = remotes.0.join("shop.git");
        git(
            &remotes.0,
            &[
                "clone",
                "--quiet",
                "--bare",
                fixture._repo.0.to_str().unwrap(),
                remote.to_str().unwrap(),
            ],
        );
        let forge = Forge::default();
        let api = forge.start().await;
        let env = Env::with_publish(PublishConfig {
            forge: Some(ForgeClient::new(&api, "forge-token").unwrap()),
            forge_api_url: api.clone(),
            ..PublishConfig::default()
        })
        .await;
        let repo = NewRepository {
            name: "shop".into(),
            source: format!("file://{}", remote.display()),
            limit: None,
        };
        let id = env
            .store
            .create_repository(&env.ctx, &repo)
            .await
            .unwrap()
            .id;
        let (outcome, indexed) = env
            .run(&env.ctx, "index", json!({ "repository_id": id }))
            .await;
        assert_eq!(outcome, RunOutcome::Done, "{:?}", indexed.error);
        let user = env
            .store
            .create_user(&Email::parse("m@example.com").unwrap(), "hash")
            .await
            .unwrap();
        env.store
            .add_member(&env.ctx, user.id, Role::Member)
            .await
            .unwrap();
        let member = TenantCtx {
            role: Role::Member,
            ..TenantCtx::system(env.ctx.tenant_id, user.id)
        };
        let input = |target: &str| {
            json!({
                "repository_id": id,
                "question": QUESTION,
                "publish": true,
                "pull_request_repository": target,
            })
        };

        let (outcome, task) = env.run(&member, "doc", input("acme/elsewhere")).await;
        assert_eq!(outcome, RunOutcome::Failed);
        let error = task.error.unwrap();
        assert!(error.contains("only an admin"), "{error}");

        // The owner may name it, but the operator's token is granted for
        // `acme` only: published, no pull request on `evil/shop`.
        let (outcome, task) = env.run(&env.ctx, "doc", input("evil/shop")).await;
        assert_eq!(outcome, RunOutcome::Done, "{:?}", task.error);
        let publication = &task.result.unwrap()["publication"];
        assert!(
            publication["pull_request_number"].is_null(),
            "{publication}"
        );
        assert!(forge.requests.lock().unwrap().is_empty());
    }
}

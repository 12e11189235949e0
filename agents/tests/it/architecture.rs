//! The documentation pipeline end to end on a fixture modelled on the seed
//! system MorningAI came from: a Flask API, a React + Vite frontend, a
//! Dockerfile, a Render blueprint with PostgreSQL, a README and docs/; in
//! the Redis variant also an RQ worker and a Redis service.
//!
//! Each variant is documented by a good model and by one that invents paths,
//! line ranges, symbols and technologies. Whatever the model writes, every
//! citation must exist at the indexed commit, every real component must
//! appear with its real path, and nothing the fixture does not have may be
//! claimed.

use std::collections::BTreeSet;

use morningai_agents::doc::{self, write_document, DocMetadata, DocumentOutput, SectionKind};
use morningai_knowledge::{CitationCheck, RepoIndex};

use crate::doc::{committed_and_indexed, evidence_headers, good_prose, ScriptedModel, TempDir};

const QUESTION: &str = "What is the system architecture?";
const TRACE_ID: &str = "7d2f1a90-3c4b-4e8a-b1f6-5a9c0e2d7b13";
const REPOSITORY: &str = "acme/morningai";

const APP_PY: &str = r#""""The MorningAI API: the tasks the frontend submits."""
import os

from flask import Flask, jsonify, request

app = Flask(__name__)
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://localhost/morningai")

TASKS = []


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/api/tasks", methods=["GET"])
def list_tasks():
    return jsonify(TASKS)


@app.route("/api/tasks", methods=["POST"])
def create_task():
    payload = request.get_json(force=True)
    task = {"id": len(TASKS) + 1, "question": payload.get("question", "")}
    TASKS.append(task)
    return jsonify(task), 201


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
"#;

const WORKER_PY: &str = r#""""The background worker: runs the long documentation jobs queued in Redis."""
import os

from redis import Redis
from rq import Queue, Worker

REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")


def write_document(task_id):
    return {"task": task_id, "status": "done"}


def main():
    connection = Redis.from_url(REDIS_URL)
    queue = Queue("documents", connection=connection)
    Worker([queue], connection=connection).work()


if __name__ == "__main__":
    main()
"#;

const REQUIREMENTS: &str = "flask==3.0.3\ngunicorn==22.0.0\n";
const REQUIREMENTS_WITH_REDIS: &str = "flask==3.0.3\ngunicorn==22.0.0\nredis==5.0.8\nrq==1.16.2\n";

const PACKAGE_JSON: &str = r#"{
  "name": "morningai-web",
  "private": true,
  "type": "module",
  "scripts": {
    "dev": "vite",
    "build": "tsc && vite build"
  },
  "dependencies": {
    "react": "^18.3.1",
    "react-dom": "^18.3.1"
  },
  "devDependencies": {
    "@vitejs/plugin-react": "^4.3.1",
    "typescript": "^5.5.4",
    "vite": "^5.4.2"
  }
}
"#;

const VITE_CONFIG: &str = r#"import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": "http://localhost:5000" },
  },
});
"#;

const APP_TSX: &str = r#"import { useEffect, useState } from "react";

const API_URL = import.meta.env.VITE_API_URL ?? "";

type Task = { id: number; question: string };

export function App() {
  const [tasks, setTasks] = useState<Task[]>([]);
  useEffect(() => {
    fetch(`${API_URL}/api/tasks`)
      .then((response) => response.json())
      .then(setTasks);
  }, []);
  return (
    <ul>
      {tasks.map((task) => (
        <li key={task.id}>{task.question}</li>
      ))}
    </ul>
  );
}
"#;

const MAIN_TSX: &str = r#"import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(<App />);
"#;

const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY backend/requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY backend/ .\nCMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"app:app\"]\n";

const RENDER_API: &str = "services:
  - type: web
    name: morningai-api
    runtime: python
    rootDir: backend
    buildCommand: pip install -r requirements.txt
    startCommand: gunicorn app:app
    envVars:
      - key: DATABASE_URL
        fromDatabase:
          name: morningai-db
          property: connectionString
";

const RENDER_WORKER: &str = "  - type: worker
    name: morningai-worker
    runtime: python
    rootDir: backend
    buildCommand: pip install -r requirements.txt
    startCommand: python worker.py
    envVars:
      - key: REDIS_URL
        fromService:
          type: redis
          name: morningai-redis
          property: connectionString
  - type: redis
    name: morningai-redis
    ipAllowList: []
";

const RENDER_WEB_AND_DB: &str = "  - type: web
    name: morningai-web
    runtime: static
    rootDir: frontend
    buildCommand: npm ci && npm run build
    staticPublishPath: dist
databases:
  - name: morningai-db
    databaseName: morningai
";

const COMPOSE: &str = "services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
  api:
    build: .
    environment:
      DATABASE_URL: postgres://postgres:example@db/morningai
    ports:
      - \"5000:5000\"
";

const COMPOSE_REDIS: &str = "  redis:
    image: redis:7-alpine
  worker:
    build: .
    command: python worker.py
    environment:
      REDIS_URL: redis://redis:6379/0
";

const README: &str = "# MorningAI

MorningAI answers questions about a repository with documentation that cites its code.

## Layout

- `backend/`: the Flask API, served by Gunicorn.
- `frontend/`: the React app, built with Vite.
";

const README_REDIS: &str =
    "- `backend/worker.py`: the RQ worker that runs long jobs queued in Redis.\n";

const README_RUN: &str = "
## Run locally

Start the API with `flask --app app run` in `backend/` and the app with `npm run dev` in `frontend/`.
";

const DEPLOYMENT_MD: &str = "# Deploying to Render

The blueprint in `render.yaml` creates the API, the static site and the PostgreSQL database.
The API reads the database address from `DATABASE_URL`.
";

const DEPLOYMENT_REDIS: &str =
    "The worker reads its queue from the Redis instance named in `REDIS_URL`.\n";

/// The fixture's files: the seed system, with or without its Redis queue.
fn files(with_redis: bool) -> Vec<(&'static str, String)> {
    let pick = |without: &str, with: &str| {
        if with_redis {
            with.to_string()
        } else {
            without.to_string()
        }
    };
    let mut files = vec![
        ("backend/app.py", APP_PY.to_string()),
        (
            "backend/requirements.txt",
            pick(REQUIREMENTS, REQUIREMENTS_WITH_REDIS),
        ),
        ("frontend/package.json", PACKAGE_JSON.to_string()),
        (
            "frontend/tsconfig.json",
            "{ \"compilerOptions\": { \"strict\": true, \"jsx\": \"react-jsx\" } }\n".to_string(),
        ),
        ("frontend/vite.config.ts", VITE_CONFIG.to_string()),
        ("frontend/src/App.tsx", APP_TSX.to_string()),
        ("frontend/src/main.tsx", MAIN_TSX.to_string()),
        ("Dockerfile", DOCKERFILE.to_string()),
        (
            "render.yaml",
            pick(
                &format!("{RENDER_API}{RENDER_WEB_AND_DB}"),
                &format!("{RENDER_API}{RENDER_WORKER}{RENDER_WEB_AND_DB}"),
            ),
        ),
        (
            "docker-compose.yml",
            pick(COMPOSE, &format!("{COMPOSE}{COMPOSE_REDIS}")),
        ),
        (
            "README.md",
            pick(
                &format!("{README}{README_RUN}"),
                &format!("{README}{README_REDIS}{README_RUN}"),
            ),
        ),
        (
            "docs/deployment.md",
            pick(DEPLOYMENT_MD, &format!("{DEPLOYMENT_MD}{DEPLOYMENT_REDIS}")),
        ),
    ];
    if with_redis {
        files.push(("backend/worker.py", WORKER_PY.to_string()));
    }
    files
}

/// The fixture committed with the git CLI and indexed at its HEAD.
struct Fixture {
    _repo: TempDir,
    _index_dir: TempDir,
    with_redis: bool,
    files: Vec<(&'static str, String)>,
    index: RepoIndex,
    head: String,
}

impl Fixture {
    fn new(with_redis: bool) -> Fixture {
        let files = files(with_redis);
        let (repo, index_dir, index, head) = committed_and_indexed(&files);
        Fixture {
            _repo: repo,
            _index_dir: index_dir,
            with_redis,
            files,
            index,
            head,
        }
    }

    fn metadata(&self) -> DocMetadata {
        DocMetadata {
            task: QUESTION.into(),
            trace_id: TRACE_ID.into(),
            repository: REPOSITORY.into(),
            ..DocMetadata::default()
        }
    }

    fn content(&self, path: &str) -> &str {
        &self
            .files
            .iter()
            .find(|(p, _)| *p == path)
            .unwrap_or_else(|| panic!("{path} is not in the fixture"))
            .1
    }

    /// The 1-based line of `path` holding `needle`.
    fn line_of(&self, path: &str, needle: &str) -> usize {
        self.content(path)
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not in {path}"))
            + 1
    }

    /// Lines `start..=end` of a fixture file.
    fn lines(&self, path: &str, start: usize, end: usize) -> String {
        self.content(path)
            .lines()
            .skip(start - 1)
            .take(end + 1 - start)
            .collect::<Vec<_>>()
            .join("\n")
    }

    async fn document(&self, model: &ScriptedModel) -> DocumentOutput {
        write_document(QUESTION, &self.index, model, self.metadata())
            .await
            .unwrap()
    }
}

/// A model that answers every section with inventions of every kind around
/// one true sentence: made-up files, a line range past a real file's end,
/// renamed symbols, technologies the fixture does not use (written both as
/// products are named and in lower case), an uncited boast, and a bare file
/// name with exactly one real path ending in it.
fn inventing_prose(prompt: &str) -> String {
    let mut text = String::from(
        "## Queue and Cluster\n\
         The API calls the model through `backend/services/gpt_service.py:L1-L40` [1]. \
         The dashboard is rendered by `src/pages/Dashboard.tsx:L1-L30` [1]. \
         The routes are registered in `backend/app.py:L1-L999`. \
         Each submission is handled by `create_task_handler` [1]. \
         The `TaskQueueService` class wraps the job queue [1]. \
         Background jobs are queued in Redis and run by RQ workers [1]. \
         Jobs are handed to an rq worker over a redis queue [1]. \
         The whole stack runs on Kubernetes [1]. \
         Tasks are stored in MongoDB collections [1]. \
         Everything is fast, secure and reliable. \
         The Flask application is defined in `app.py:L5-L5`.\n\
         ```python\nfrom rq import Queue\n```\n",
    );
    if !evidence_headers(prompt).is_empty() {
        text.push_str("The relevant code is shown in [1].");
    }
    text
}

/// Whether `text` holds `word` as a whole word, ignoring case (`_`, `-`
/// and `/` separate words, so `REDIS_URL` and `morningai-redis` count).
fn mentions_word(text: &str, word: &str) -> bool {
    let text = text.to_lowercase();
    let word = word.to_lowercase();
    text.match_indices(&word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The Markdown of the section under `heading` (a whole heading line, like
/// `### backend`), up to the next heading.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading:?} in\n{md}"))
        + heading.len()
        + 2;
    let rest = &md[start..];
    let end = rest.find("\n#").unwrap_or(rest.len());
    &rest[..end]
}

/// What every document of the fixture must satisfy, whatever the model wrote.
fn assert_grounded(fixture: &Fixture, out: &DocumentOutput, model: &str) {
    let md = &out.markdown;
    let paths: BTreeSet<&str> = fixture.files.iter().map(|(p, _)| *p).collect();

    // Every citation names a file of the fixture, with lines in range, and
    // knowledge's verifier finds nothing wrong anywhere in the document.
    let citations = doc::render::citations(md);
    assert!(citations.len() > 10, "{citations:?}\n{md}");
    for c in &citations {
        assert!(paths.contains(c.path.as_str()), "{c:?} in\n{md}");
        assert_eq!(
            fixture
                .index
                .verify_citation(&c.path, c.start_line, c.end_line),
            CitationCheck::Ok,
            "{c:?}"
        );
    }
    let check = fixture.index.verify_prose(md).unwrap();
    assert!(check.is_clean(), "{:#?}\n{md}", check.issues);
    assert!(check.citations_checked >= citations.len(), "{check:?}");

    // The components are the ones the manifests declare, and the outline
    // gives each its own section.
    let facts = fixture.index.facts();
    let components: Vec<(&str, &str, &str)> = facts
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.path.as_str(), c.language.as_str()))
        .collect();
    assert_eq!(
        components,
        [
            ("backend", "backend", "python"),
            ("morningai-web", "frontend", "typescript")
        ],
        "{facts:#?}"
    );
    let outline = doc::outline(QUESTION, facts, &fixture.index).unwrap();
    assert!(outline.architecture);
    let sections: Vec<(&str, &str)> = outline
        .sections
        .iter()
        .filter_map(|s| match &s.kind {
            SectionKind::Component { name, path } => Some((name.as_str(), path.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        sections,
        [("backend", "backend"), ("morningai-web", "frontend")]
    );

    // The Flask API in backend/, with its technologies and entry points.
    let requirements = "backend/requirements.txt";
    let backend = section(md, "### backend");
    assert!(
        backend.contains("- **Path**: `backend/`, declared in `backend/requirements.txt:L1-L1`"),
        "{backend}"
    );
    assert!(
        backend.contains("- **Language**: Python (`backend/requirements.txt:L1-L1`)"),
        "{backend}"
    );
    let technology = backend
        .lines()
        .find(|l| l.starts_with("- **Technology**: "))
        .unwrap_or_else(|| panic!("no technology in {backend}"));
    assert!(
        technology.starts_with(
            "- **Technology**: Flask (`backend/requirements.txt:L1-L1`), \
             Gunicorn (`backend/requirements.txt:L2-L2`)"
        ),
        "{technology}"
    );
    let guard = fixture.line_of("backend/app.py", "if __name__");
    assert!(
        backend.contains(&format!(
            "- **Entry point**: `backend/app.py:L{guard}-L{guard}`"
        )),
        "{backend}"
    );

    // The React + Vite frontend in frontend/.
    let package = "frontend/package.json";
    let frontend = section(md, "### morningai-web");
    assert!(
        frontend.contains(&format!(
            "- **Path**: `frontend/`, declared in `{package}:L2-L2`"
        )),
        "{frontend}"
    );
    assert!(
        frontend.contains(&format!("- **Language**: TypeScript (`{package}:L2-L2`)")),
        "{frontend}"
    );
    for (name, dependency) in [
        ("React", "\"react\":"),
        ("Vite", "\"vite\":"),
        ("TypeScript", "\"typescript\":"),
    ] {
        let line = fixture.line_of(package, dependency);
        assert!(
            frontend.contains(&format!("{name} (`{package}:L{line}-L{line}`)")),
            "{name} in\n{frontend}"
        );
    }
    let build = fixture.line_of(package, "\"build\"");
    assert!(
        frontend.contains(&format!(
            "- **Script**: `build` runs `tsc && vite build` (`{package}:L{build}-L{build}`)"
        )),
        "{frontend}"
    );

    // The overview names both components and the deployment.
    let overview = section(md, "## Overview");
    assert!(
        overview.contains(&format!(
            "- **Components**: backend (`{requirements}:L1-L1`), morningai-web (`{package}:L2-L2`)"
        )),
        "{overview}"
    );
    assert!(overview.contains("Flask (`backend/requirements.txt:L1-L1`)"));
    assert!(overview.contains("React (`frontend/package.json:L"));
    assert!(
        overview.contains("Docker (`Dockerfile:L1-L1`)"),
        "{overview}"
    );
    assert!(
        overview.contains("Render (`render.yaml:L1-L1`)"),
        "{overview}"
    );
    // PostgreSQL: compose's image comes before render.yaml's database.
    let postgres = fixture.line_of("docker-compose.yml", "image: postgres");
    assert!(
        overview.contains(&format!(
            "PostgreSQL (`docker-compose.yml:L{postgres}-L{postgres}`)"
        )),
        "{overview}"
    );

    // How the parts interact: the database and what reads its address.
    let interactions = section(md, "## How the Parts Interact");
    let database_url = fixture.line_of("backend/app.py", "os.environ.get(\"DATABASE_URL\"");
    assert!(
        interactions.contains(&format!(
            "- **PostgreSQL**: declared at `docker-compose.yml:L{postgres}-L{postgres}`; \
             the code reads `DATABASE_URL` at `backend/app.py:L{database_url}-L{database_url}`"
        )),
        "{interactions}"
    );
    let cmd = fixture.line_of("Dockerfile", "CMD");
    assert!(
        interactions.contains(&format!(
            "- **Container**: the image's start command is at `Dockerfile:L{cmd}-L{cmd}`"
        )),
        "{interactions}"
    );

    // The code example: the API's entry, verbatim under its citation.
    let (example_heading, example) = md
        .split_once("## Code Example: `")
        .map(|(_, rest)| rest.split_once('\n').unwrap())
        .expect("a code example");
    assert!(
        example_heading.starts_with("main` in `backend/app.py`"),
        "{example_heading}"
    );
    let cite_start = example.find("From `").unwrap() + "From `".len();
    let cite_end = cite_start + example[cite_start..].find('`').unwrap();
    let (path, range) = example[cite_start..cite_end].rsplit_once(":L").unwrap();
    let (start, end) = range.split_once("-L").unwrap();
    let (start, end): (usize, usize) = (start.parse().unwrap(), end.parse().unwrap());
    assert_eq!(path, "backend/app.py");
    assert!(start <= guard && guard <= end, "{start}-{end}");
    let fence = example.find("```python\n").unwrap() + "```python\n".len();
    let fence_end = fence + example[fence..].find("\n```").unwrap();
    assert_eq!(&example[fence..fence_end], fixture.lines(path, start, end));

    // Configuration from the code and the blueprint.
    let config = section(md, "## Configuration");
    assert!(
        config.contains(&format!(
            "- **`DATABASE_URL`**: environment variable read at `backend/app.py:L{database_url}-L{database_url}`"
        )),
        "{config}"
    );
    // Where it is set: the first configuration file setting it (compose
    // sorts before render.yaml).
    let set = fixture.line_of("docker-compose.yml", "DATABASE_URL:");
    assert!(
        config.contains(&format!("; set in `docker-compose.yml:L{set}-L{set}`")),
        "{config}"
    );
    let port = fixture.line_of("backend/app.py", "\"PORT\"");
    assert!(
        config.contains(&format!(
            "- **`PORT`**: environment variable read at `backend/app.py:L{port}-L{port}`"
        )),
        "{config}"
    );
    let troubleshooting = section(md, "## Common Troubleshooting Tips");
    assert!(
        troubleshooting.contains("- **Cannot reach PostgreSQL**: "),
        "{troubleshooting}"
    );

    // Related documentation: the Markdown files that exist, by title.
    let related = section(md, "## Related Documentation");
    let readme = fixture.content("README.md").lines().count();
    let deployment = fixture.content("docs/deployment.md").lines().count();
    assert!(
        related.contains(&format!(
            "- **[MorningAI](/README.md)**: `README.md:L1-L{readme}`"
        )),
        "{related}"
    );
    assert!(
        related.contains(&format!(
            "- **[Deploying to Render](/docs/deployment.md)**: `docs/deployment.md:L1-L{deployment}`"
        )),
        "{related}"
    );

    // Nothing the fixture does not have.
    for absent in ["Kubernetes", "k8s", "MongoDB", "Mongo", "Celery", "Django"] {
        assert!(!mentions_word(md, absent), "{absent} in\n{md}");
    }
    for invented in [
        "gpt_service",
        "Dashboard.tsx",
        "src/pages",
        "GPT",
        "L999",
        "create_task_handler",
        "TaskQueueService",
        "reliable",
    ] {
        assert!(!md.contains(invented), "{invented} in\n{md}");
    }
    if fixture.with_redis {
        assert_redis_documented(fixture, md);
    } else {
        for absent in ["Redis", "RQ", "worker.py", "REDIS_URL"] {
            assert!(!mentions_word(md, absent), "{absent} in\n{md}");
        }
    }

    // The footer.
    assert!(md.starts_with("# morningai System Architecture\n"), "{md}");
    let footer = md.split("\n---\n").last().unwrap();
    assert!(footer.starts_with("\n**Metadata**:\n"), "{footer}");
    assert!(
        footer.contains(&format!("- Task: {QUESTION}\n")),
        "{footer}"
    );
    assert!(
        footer.contains(&format!("- Trace ID: `{TRACE_ID}`\n")),
        "{footer}"
    );
    assert!(
        footer.contains(&format!(
            "- Generated by: MorningAI documentation agent using fake/{model}\n"
        )),
        "{footer}"
    );
    assert!(
        footer.contains(&format!("- Repository: {REPOSITORY}\n")),
        "{footer}"
    );
    assert!(
        footer.contains(&format!("- Commit: `{}`\n", fixture.head)),
        "{footer}"
    );

    // The manifest agrees with the document.
    assert_eq!(out.manifest.commit, fixture.head);
    assert_eq!(out.manifest.trace_id, TRACE_ID);
    for cited in &citations {
        assert!(out.manifest.citations.contains(cited), "{cited:?}");
    }
    for chunk in &out.manifest.chunks {
        assert!(paths.contains(chunk.path.as_str()), "{chunk:?}");
        assert_eq!(chunk.commit, fixture.head);
    }
}

/// The Redis variant: the worker and Redis appear, each cited to lines that
/// prove it.
fn assert_redis_documented(fixture: &Fixture, md: &str) {
    let requirements = "backend/requirements.txt";
    let redis = fixture.line_of(requirements, "redis==");
    let rq = fixture.line_of(requirements, "rq==");
    // The backend's technologies include the queue, from its requirements.
    let backend = section(md, "### backend");
    assert!(
        backend.contains(&format!(
            "Redis (`{requirements}:L{redis}-L{redis}`), RQ (`{requirements}:L{rq}-L{rq}`)"
        )),
        "{backend}"
    );
    // The worker is one of the backend's programs.
    let main = fixture.line_of("backend/worker.py", "def main():");
    assert!(
        backend.contains(&format!("- **Entry point**: `backend/worker.py:L{main}-L")),
        "{backend}"
    );
    // Every citation next to the word Redis points at lines naming it.
    let mut cited = 0;
    for line in md.lines().filter(|l| l.contains("Redis (`")) {
        for (_, rest) in line
            .match_indices("Redis (`")
            .map(|(i, _)| line.split_at(i))
        {
            let citation = &rest["Redis (`".len()..];
            let citation = &citation[..citation.find('`').unwrap()];
            let (path, range) = citation.rsplit_once(":L").unwrap();
            let (start, end) = range.split_once("-L").unwrap();
            let text = fixture.lines(path, start.parse().unwrap(), end.parse().unwrap());
            assert!(mentions_word(&text, "redis"), "{citation}: {text}");
            cited += 1;
        }
    }
    assert!(cited >= 2, "{md}");
    // How the parts interact: Redis and the setting that points to it.
    let interactions = section(md, "## How the Parts Interact");
    let url = fixture.line_of("backend/worker.py", "os.environ.get(\"REDIS_URL\"");
    assert!(
        interactions.contains(&format!(
            "- **Redis**: declared at `{requirements}:L{redis}-L{redis}`; \
             the code reads `REDIS_URL` at `backend/worker.py:L{url}-L{url}`"
        )),
        "{interactions}"
    );
    let service = fixture.line_of("docker-compose.yml", "  redis:");
    assert!(
        interactions.contains(&format!(
            "- **Compose service**: `redis` (`docker-compose.yml:L{service}-L"
        )),
        "{interactions}"
    );
    let config = section(md, "## Configuration");
    assert!(
        config.contains(&format!(
            "- **`REDIS_URL`**: environment variable read at `backend/worker.py:L{url}-L{url}`"
        )),
        "{config}"
    );
}

/// What the good model's document keeps: its prose, and every fact.
fn assert_nothing_removed(out: &DocumentOutput) {
    assert!(
        out.report.removed.is_empty(),
        "{:#?}\n{}",
        out.report.removed,
        out.markdown
    );
    assert!(
        out.report.rewritten.is_empty(),
        "{:#?}",
        out.report.rewritten
    );
    assert!(out.report.claims_kept > 20, "{:?}", out.report);
    assert!(
        out.markdown
            .contains("implements this part of the system (`"),
        "{}",
        out.markdown
    );
    assert!(
        out.markdown
            .contains("- **Description**: The code in `backend/"),
        "{}",
        out.markdown
    );
}

/// What verification counts of the inventing model's document.
fn assert_inventions_removed(fixture: &Fixture, out: &DocumentOutput) {
    let report = &out.report;
    assert!(report.removed_count() > 0);
    for kind in [
        "missing_path",
        "bad_lines",
        "unknown_symbol",
        "unused_technology",
        "uncited",
    ] {
        assert!(
            report.removed_by_kind.get(kind).copied().unwrap_or(0) >= 1,
            "{kind}: {:#?}",
            report.removed_by_kind
        );
    }
    let removed = |needle: &str| report.removed.iter().any(|r| r.text.contains(needle));
    for invented in [
        "backend/services/gpt_service.py",
        "src/pages/Dashboard.tsx",
        "backend/app.py:L1-L999",
        "create_task_handler",
        "TaskQueueService",
        "Kubernetes",
        "MongoDB",
        "reliable",
    ] {
        assert!(removed(invented), "{invented}: {:#?}", report.removed);
    }
    if !fixture.with_redis {
        assert!(removed("queued in Redis"), "{:#?}", report.removed);
        assert!(removed("an rq worker"), "{:#?}", report.removed);
    }
    // `app.py` has exactly one real path ending in it: the claim is rewritten.
    assert!(
        report
            .rewritten
            .iter()
            .any(|r| r.to.contains("`backend/app.py:L5-L5`")),
        "{:#?}",
        report.rewritten
    );
    assert!(
        out.markdown
            .contains("The Flask application is defined in `backend/app.py:L5-L5`."),
        "{}",
        out.markdown
    );
    // The true sentence stays.
    assert!(
        out.markdown.contains("The relevant code is shown in (`"),
        "{}",
        out.markdown
    );
    assert!(report.claims_kept > 20, "{report:?}");
}

#[tokio::test]
async fn without_redis_a_good_model_documents_the_flask_and_react_system() {
    let fixture = Fixture::new(false);
    let model = ScriptedModel::new("good", good_prose);
    let out = fixture.document(&model).await;
    assert_grounded(&fixture, &out, "good");
    assert_nothing_removed(&out);
}

#[tokio::test]
async fn without_redis_an_inventing_model_claims_nothing_absent() {
    let fixture = Fixture::new(false);
    let model = ScriptedModel::new("inventing", inventing_prose);
    let out = fixture.document(&model).await;
    assert_grounded(&fixture, &out, "inventing");
    assert_inventions_removed(&fixture, &out);
}

#[tokio::test]
async fn with_redis_a_good_model_documents_the_worker_and_its_queue() {
    let fixture = Fixture::new(true);
    let model = ScriptedModel::new("good", good_prose);
    let out = fixture.document(&model).await;
    assert_grounded(&fixture, &out, "good");
    assert_nothing_removed(&out);
}

#[tokio::test]
async fn with_redis_an_inventing_model_keeps_only_what_checks_out() {
    let fixture = Fixture::new(true);
    let model = ScriptedModel::new("inventing", inventing_prose);
    let out = fixture.document(&model).await;
    assert_grounded(&fixture, &out, "inventing");
    assert_inventions_removed(&fixture, &out);
}

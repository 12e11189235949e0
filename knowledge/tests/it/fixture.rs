//! A small polyglot repository built at test time.

use std::path::{Path, PathBuf};
use std::process::Command;

use morningai_knowledge::{
    checkout, Checkout, IndexConfig, IndexStats, RepoIndex, RepoSource, WalkConfig,
};
use tempfile::TempDir;

pub const SERVER_CARGO: &str = r#"[package]
name = "server"
version = "0.1.0"
edition = "2021"

[dependencies]
axum = "0.8"
tokio = { version = "1", features = ["full"] }
serde = "1"
"#;

pub const SERVER_MAIN: &str = r#"//! The HTTP server.

use std::net::SocketAddr;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub name: String,
}

impl AppState {
    pub fn new(name: &str) -> Self {
        AppState { name: name.to_string() }
    }
}

/// Reads the listen address from the environment.
pub fn parse_config(raw: &str) -> SocketAddr {
    // the listen address defaults to loopback
    raw.parse().unwrap_or_else(|_| "127.0.0.1:8080".parse().unwrap())
}

fn main() {
    let state = AppState::new("demo");
    let addr = parse_config("0.0.0.0:3000");
    println!("{} on {addr}", state.name);
}
"#;

pub const APP_PY: &str = r#"import os

from flask import Flask

app = Flask(__name__)


class UserService:
    """Looks users up."""

    def __init__(self, db):
        self.db = db

    @staticmethod
    def normalise(email):
        return email.strip().lower()

    def get_user(self, user_id):
        return self.db.get(user_id)


@app.route("/health")
def health():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", "5000")))
"#;

pub const REQUIREMENTS: &str = "# web API\nflask>=3.0\ngunicorn==22.0\n";

pub const PACKAGE_JSON: &str = r#"{
  "name": "web",
  "private": true,
  "scripts": {
    "dev": "vite",
    "build": "tsc && vite build"
  },
  "dependencies": {
    "react": "^18.3.0",
    "react-dom": "^18.3.0"
  },
  "devDependencies": {
    "typescript": "^5.5.0",
    "vite": "^5.4.0"
  }
}
"#;

pub const APP_TSX: &str = r#"import { useState } from "react";

export interface Props {
  title: string;
}

export function App({ title }: Props) {
  const [count, setCount] = useState(0);
  return <button onClick={() => setCount(count + 1)}>{title} {count}</button>;
}

export const renderDashboard = (root: HTMLElement): void => {
  root.textContent = "dashboard";
};

export class Store {
  items: string[] = [];

  add(item: string) {
    this.items.push(item);
  }
}
"#;

pub const UTIL_JS: &str = r#"// Helpers shared by the pages.
const DEFAULT_LOCALE = "en";

function formatDate(date) {
  return date.toLocaleDateString(DEFAULT_LOCALE);
}

module.exports = { formatDate };
"#;

pub const GO_MOD: &str =
    "module example.com/worker\n\ngo 1.22\n\nrequire github.com/lib/pq v1.10.9\n";

pub const WORKER_GO: &str = r#"package main

import "fmt"

// Worker drains the job table.
type Worker struct {
	ID int
}

// Run processes one batch.
func (w *Worker) Run() error {
	fmt.Println("worker", w.ID)
	return nil
}

func main() {
	w := &Worker{ID: 1}
	_ = w.Run()
}
"#;

pub const GUIDE_MD: &str = "# Guide\n\nHow to run the demo.\n\n## Install\n\nRun `make`.\n\n```sh\n# not a heading\nmake run\n```\n\n## Deploy\n\nUse the Dockerfile.\n";

pub const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY api/ .\nRUN pip install -r requirements.txt\nCMD [\"gunicorn\", \"app:app\"]\n";

pub const COMPOSE: &str = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n  api:\n    build: .\n";

pub const COMPOSE_WITH_REDIS: &str = "services:\n  db:\n    image: postgres:16\n  cache:\n    image: redis:7-alpine\n  api:\n    build: .\n";

/// Runs git in `dir`, panicking with its output on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
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

pub fn write(root: &Path, path: &str, content: impl AsRef<[u8]>) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, content).unwrap();
}

/// A repository with a Rust server, a Flask API, a React + Vite frontend, a
/// Go worker, docs, a Dockerfile and docker-compose (PostgreSQL; Redis too
/// when `with_redis`), plus files that must be skipped.
pub struct Fixture {
    pub dir: TempDir,
}

impl Fixture {
    pub fn new(with_redis: bool) -> Fixture {
        let dir = TempDir::new().unwrap();
        let root = dir.path();
        git(root, &["init", "--quiet", "--initial-branch=main"]);
        write(
            root,
            "Cargo.toml",
            "[workspace]\nresolver = \"2\"\nmembers = [\"server\"]\n",
        );
        write(root, "server/Cargo.toml", SERVER_CARGO);
        write(root, "server/src/main.rs", SERVER_MAIN);
        write(root, "api/app.py", APP_PY);
        write(root, "api/requirements.txt", REQUIREMENTS);
        write(root, "web/package.json", PACKAGE_JSON);
        write(root, "web/src/App.tsx", APP_TSX);
        write(root, "web/src/util.js", UTIL_JS);
        write(root, "worker/go.mod", GO_MOD);
        write(root, "worker/main.go", WORKER_GO);
        write(root, "docs/guide.md", GUIDE_MD);
        write(root, "Dockerfile", DOCKERFILE);
        write(
            root,
            "docker-compose.yml",
            if with_redis {
                COMPOSE_WITH_REDIS
            } else {
                COMPOSE
            },
        );
        write(root, ".gitignore", "*.log\nsecret.env\n");
        write(root, "secret.env", "TOKEN=never-indexed\n");
        write(root, "debug.log", "committed despite .gitignore\n");
        write(
            root,
            "web/node_modules/left-pad/index.js",
            "module.exports = function leftPad() {};\n",
        );
        write(root, "web/dist/app.min.js", "var a=1;\n");
        write(
            root,
            "assets/logo.png",
            [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 1, 2, 3],
        );
        write(root, "data/big.txt", "0123456789\n".repeat(1000));
        git(root, &["add", "."]);
        git(root, &["add", "--force", "debug.log"]);
        git(root, &["commit", "--quiet", "-m", "initial"]);
        Fixture { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn commit_file(&self, path: &str, content: &str, message: &str) -> String {
        write(self.root(), path, content);
        git(self.root(), &["add", "--force", path]);
        git(self.root(), &["commit", "--quiet", "-m", message]);
        git(self.root(), &["rev-parse", "HEAD"])
    }

    pub fn checkout(&self) -> Checkout {
        checkout(
            &RepoSource::Local(self.root().to_path_buf()),
            Path::new("/nonexistent"),
            &morningai_knowledge::RemoteAccess::default(),
        )
        .unwrap()
    }
}

/// Test configuration: files over 4 KiB are skipped (`data/big.txt` is 11 KB).
pub fn config() -> IndexConfig {
    IndexConfig {
        walk: WalkConfig {
            max_file_bytes: 4096,
            ..WalkConfig::default()
        },
        ..IndexConfig::default()
    }
}

/// Indexes the fixture's HEAD into a fresh index directory.
pub fn indexed(fixture: &Fixture) -> (TempDir, RepoIndex, IndexStats) {
    let dir = TempDir::new().unwrap();
    let mut index = RepoIndex::open(&index_dir(&dir)).unwrap();
    let stats = index
        .update(&fixture.checkout(), &config(), &mut |_| {})
        .unwrap();
    (dir, index, stats)
}

pub fn index_dir(dir: &TempDir) -> PathBuf {
    dir.path().join("index")
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not found"))
        + 1
}

//! Repository facts, extracted deterministically from manifests and build
//! files, each with the `path:line` that proves it.
//!
//! A technology is reported only when a file of the repository declares it
//! (a dependency, an image, a service); nothing is inferred from names alone.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::lang::Language;

/// Where a fact comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub path: String,
    /// 1-based.
    pub line: usize,
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

fn ev(path: &str, row: usize) -> Evidence {
    Evidence {
        path: path.to_string(),
        line: row + 1,
    }
}

/// A buildable unit: a crate, an npm package, a Python project, a Go module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    /// The folder holding its manifest (`""` for the repository root).
    pub path: String,
    pub language: String,
    /// The manifest's kind: `cargo`, `npm`, `python`, `go`.
    pub manifest: String,
    pub evidence: Evidence,
}

/// How many indexed files are in a language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageCount {
    pub language: String,
    pub files: usize,
    /// The first such file.
    pub evidence: Evidence,
}

/// What a technology is to the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TechCategory {
    Framework,
    Library,
    Database,
    Queue,
    Cache,
    Search,
    Deployment,
    Ci,
}

/// A framework, library or service the repository uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technology {
    /// The canonical name (`PostgreSQL`, `React`).
    pub name: String,
    pub category: TechCategory,
    /// The component (manifest folder) that uses it, when known.
    pub component: Option<String>,
    pub evidence: Evidence,
}

/// Where execution starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryPoint {
    /// The file that starts (or the command, for Procfile and Docker).
    pub target: String,
    /// `rust-main`, `rust-bin`, `go-main`, `python-main`, `npm-main`,
    /// `npm-bin`, `procfile`, `docker-cmd`.
    pub kind: String,
    pub evidence: Evidence,
}

/// A named command: an npm script, a Procfile process, a Make target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub name: String,
    pub command: String,
    pub evidence: Evidence,
}

/// Everything known about a repository without reading its code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoFacts {
    pub components: Vec<Component>,
    pub languages: Vec<LanguageCount>,
    /// Frameworks and libraries.
    pub frameworks: Vec<Technology>,
    /// Databases, queues, caches, search engines.
    pub services: Vec<Technology>,
    /// Deployment and CI: Docker, Docker Compose, Render, Procfile, GitHub Actions.
    pub deployment: Vec<Technology>,
    pub entry_points: Vec<EntryPoint>,
    pub scripts: Vec<Script>,
}

impl RepoFacts {
    /// Every technology, of all categories.
    pub fn technologies(&self) -> impl Iterator<Item = &Technology> {
        self.frameworks
            .iter()
            .chain(&self.services)
            .chain(&self.deployment)
    }

    /// Whether the repository uses a technology (case-insensitive canonical name).
    pub fn uses(&self, name: &str) -> bool {
        self.technologies()
            .any(|t| t.name.eq_ignore_ascii_case(name))
    }
}

/// A file as facts see it.
#[derive(Debug, Clone)]
pub struct FactFile<'a> {
    pub path: &'a str,
    pub language: Language,
    /// The line of a `main` function or `if __name__ == "__main__":`, if any.
    pub entry_line: Option<usize>,
}

/// Whether `path` is a file facts are read from.
pub fn is_fact_source(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    matches!(
        name,
        "Cargo.toml"
            | "package.json"
            | "pyproject.toml"
            | "go.mod"
            | "render.yaml"
            | "Procfile"
            | "setup.py"
    ) || (lower.starts_with("requirements") && lower.ends_with(".txt"))
        || lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || ((lower.starts_with("docker-compose") || lower.starts_with("compose."))
            && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
        || (path.starts_with(".github/workflows/")
            && (lower.ends_with(".yml") || lower.ends_with(".yaml")))
}

/// Known dependencies: (ecosystem, dependency name, canonical name, category).
/// Dependencies not listed here are not reported.
const KNOWN: &[(&str, &str, &str, TechCategory)] = &[
    // Rust
    ("cargo", "axum", "axum", TechCategory::Framework),
    ("cargo", "actix-web", "Actix Web", TechCategory::Framework),
    ("cargo", "rocket", "Rocket", TechCategory::Framework),
    ("cargo", "warp", "warp", TechCategory::Framework),
    ("cargo", "tokio", "Tokio", TechCategory::Library),
    ("cargo", "sqlx", "SQLx", TechCategory::Library),
    ("cargo", "diesel", "Diesel", TechCategory::Library),
    ("cargo", "sea-orm", "SeaORM", TechCategory::Library),
    ("cargo", "tonic", "gRPC", TechCategory::Framework),
    ("cargo", "redis", "Redis", TechCategory::Cache),
    ("cargo", "rusqlite", "SQLite", TechCategory::Database),
    (
        "cargo",
        "tokio-postgres",
        "PostgreSQL",
        TechCategory::Database,
    ),
    ("cargo", "postgres", "PostgreSQL", TechCategory::Database),
    ("cargo", "mongodb", "MongoDB", TechCategory::Database),
    ("cargo", "lapin", "RabbitMQ", TechCategory::Queue),
    ("cargo", "rdkafka", "Kafka", TechCategory::Queue),
    ("cargo", "tantivy", "Tantivy", TechCategory::Search),
    ("cargo", "candle-core", "Candle", TechCategory::Library),
    ("cargo", "tree-sitter", "tree-sitter", TechCategory::Library),
    ("cargo", "clap", "clap", TechCategory::Library),
    // npm
    ("npm", "react", "React", TechCategory::Framework),
    ("npm", "vue", "Vue", TechCategory::Framework),
    ("npm", "svelte", "Svelte", TechCategory::Framework),
    ("npm", "@angular/core", "Angular", TechCategory::Framework),
    ("npm", "next", "Next.js", TechCategory::Framework),
    ("npm", "vite", "Vite", TechCategory::Framework),
    (
        "npm",
        "tailwindcss",
        "Tailwind CSS",
        TechCategory::Framework,
    ),
    ("npm", "express", "Express", TechCategory::Framework),
    ("npm", "fastify", "Fastify", TechCategory::Framework),
    ("npm", "@nestjs/core", "NestJS", TechCategory::Framework),
    ("npm", "typescript", "TypeScript", TechCategory::Library),
    ("npm", "pg", "PostgreSQL", TechCategory::Database),
    ("npm", "mysql2", "MySQL", TechCategory::Database),
    ("npm", "mongoose", "MongoDB", TechCategory::Database),
    ("npm", "mongodb", "MongoDB", TechCategory::Database),
    ("npm", "redis", "Redis", TechCategory::Cache),
    ("npm", "ioredis", "Redis", TechCategory::Cache),
    ("npm", "bullmq", "BullMQ", TechCategory::Queue),
    ("npm", "prisma", "Prisma", TechCategory::Library),
    ("npm", "@prisma/client", "Prisma", TechCategory::Library),
    // Python
    ("python", "flask", "Flask", TechCategory::Framework),
    ("python", "django", "Django", TechCategory::Framework),
    ("python", "fastapi", "FastAPI", TechCategory::Framework),
    ("python", "gunicorn", "Gunicorn", TechCategory::Framework),
    ("python", "uvicorn", "Uvicorn", TechCategory::Framework),
    ("python", "sqlalchemy", "SQLAlchemy", TechCategory::Library),
    ("python", "langgraph", "LangGraph", TechCategory::Library),
    ("python", "openai", "OpenAI API", TechCategory::Library),
    ("python", "psycopg2", "PostgreSQL", TechCategory::Database),
    (
        "python",
        "psycopg2-binary",
        "PostgreSQL",
        TechCategory::Database,
    ),
    ("python", "psycopg", "PostgreSQL", TechCategory::Database),
    ("python", "asyncpg", "PostgreSQL", TechCategory::Database),
    ("python", "pymongo", "MongoDB", TechCategory::Database),
    ("python", "redis", "Redis", TechCategory::Cache),
    ("python", "rq", "RQ", TechCategory::Queue),
    ("python", "celery", "Celery", TechCategory::Queue),
    // Go
    (
        "go",
        "github.com/gin-gonic/gin",
        "Gin",
        TechCategory::Framework,
    ),
    (
        "go",
        "github.com/labstack/echo",
        "Echo",
        TechCategory::Framework,
    ),
    (
        "go",
        "github.com/gofiber/fiber",
        "Fiber",
        TechCategory::Framework,
    ),
    (
        "go",
        "github.com/go-chi/chi",
        "chi",
        TechCategory::Framework,
    ),
    (
        "go",
        "github.com/lib/pq",
        "PostgreSQL",
        TechCategory::Database,
    ),
    (
        "go",
        "github.com/jackc/pgx",
        "PostgreSQL",
        TechCategory::Database,
    ),
    (
        "go",
        "github.com/redis/go-redis",
        "Redis",
        TechCategory::Cache,
    ),
    (
        "go",
        "github.com/go-redis/redis",
        "Redis",
        TechCategory::Cache,
    ),
    ("go", "gorm.io/gorm", "GORM", TechCategory::Library),
];

/// Docker images → services.
const IMAGES: &[(&str, &str, TechCategory)] = &[
    ("postgres", "PostgreSQL", TechCategory::Database),
    ("postgis", "PostgreSQL", TechCategory::Database),
    ("mysql", "MySQL", TechCategory::Database),
    ("mariadb", "MariaDB", TechCategory::Database),
    ("mongo", "MongoDB", TechCategory::Database),
    ("redis", "Redis", TechCategory::Cache),
    ("valkey", "Valkey", TechCategory::Cache),
    ("memcached", "Memcached", TechCategory::Cache),
    ("rabbitmq", "RabbitMQ", TechCategory::Queue),
    ("kafka", "Kafka", TechCategory::Queue),
    ("elasticsearch", "Elasticsearch", TechCategory::Search),
    ("opensearch", "OpenSearch", TechCategory::Search),
    ("nginx", "nginx", TechCategory::Deployment),
    ("minio", "MinIO", TechCategory::Database),
];

fn known(ecosystem: &str, dependency: &str) -> Option<(&'static str, TechCategory)> {
    let dependency = dependency.to_ascii_lowercase();
    KNOWN
        .iter()
        .find(|(eco, dep, _, _)| {
            *eco == ecosystem
                && (dependency == *dep
                    || (ecosystem == "go" && dependency.starts_with(&format!("{dep}/"))))
        })
        .map(|(_, _, name, category)| (*name, *category))
}

fn image_service(image: &str) -> Option<(&'static str, TechCategory)> {
    let image = image.trim().trim_matches(['"', '\'']);
    let name = image.split([':', '@']).next().unwrap_or(image);
    let name = name.rsplit('/').next().unwrap_or(name);
    IMAGES
        .iter()
        .find(|(prefix, _, _)| name == *prefix || name.starts_with(&format!("{prefix}-")))
        .map(|(_, n, c)| (*n, *c))
}

/// Extracts the facts from the file list and the contents of the fact
/// sources (see [`is_fact_source`]).
pub fn extract(files: &[FactFile<'_>], contents: &BTreeMap<String, String>) -> RepoFacts {
    let mut x = Extractor::default();
    for (path, text) in contents {
        let lines: Vec<&str> = text.lines().collect();
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        let dir = path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        match name {
            "Cargo.toml" => x.cargo(path, &dir, &lines),
            "package.json" => x.package_json(path, &dir, &lines, text, files),
            "pyproject.toml" => x.pyproject(path, &dir, &lines),
            "go.mod" => x.go_mod(path, &dir, &lines),
            "render.yaml" => x.render(path, &lines),
            "Procfile" => x.procfile(path, &lines),
            _ if lower.starts_with("requirements") && lower.ends_with(".txt") => {
                x.requirements(path, &dir, &lines)
            }
            _ if lower == "dockerfile" || lower.starts_with("dockerfile.") => {
                x.dockerfile(path, &lines)
            }
            _ if path.starts_with(".github/workflows/") => {
                x.tech("GitHub Actions", TechCategory::Ci, None, ev(path, 0))
            }
            _ if lower.starts_with("docker-compose") || lower.starts_with("compose.") => {
                x.compose(path, &lines)
            }
            _ => {}
        }
    }
    x.languages_and_entries(files);
    x.finish()
}

#[derive(Default)]
struct Extractor {
    facts: RepoFacts,
    seen: BTreeSet<(String, Option<String>)>,
}

impl Extractor {
    fn tech(
        &mut self,
        name: &str,
        category: TechCategory,
        component: Option<&str>,
        evidence: Evidence,
    ) {
        let component = component.map(str::to_string);
        if !self.seen.insert((name.to_string(), component.clone())) {
            return;
        }
        let tech = Technology {
            name: name.to_string(),
            category,
            component,
            evidence,
        };
        match category {
            TechCategory::Framework | TechCategory::Library => self.facts.frameworks.push(tech),
            TechCategory::Deployment | TechCategory::Ci => self.facts.deployment.push(tech),
            _ => self.facts.services.push(tech),
        }
    }

    fn dependency(&mut self, ecosystem: &str, dep: &str, component: &str, evidence: Evidence) {
        if let Some((name, category)) = known(ecosystem, dep) {
            self.tech(name, category, Some(component), evidence.clone());
            // RQ and BullMQ run on Redis: the dependency proves Redis is used.
            if matches!(name, "RQ" | "BullMQ") {
                self.tech("Redis", TechCategory::Cache, Some(component), evidence);
            }
        }
    }

    fn component(
        &mut self,
        name: &str,
        dir: &str,
        language: &str,
        manifest: &str,
        evidence: Evidence,
    ) {
        self.facts.components.push(Component {
            name: name.to_string(),
            path: dir.to_string(),
            language: language.to_string(),
            manifest: manifest.to_string(),
            evidence,
        });
    }

    fn cargo(&mut self, path: &str, dir: &str, lines: &[&str]) {
        let mut section = String::new();
        let mut in_members = false;
        let mut bin_path: Option<(String, usize)> = None;
        for (row, raw) in lines.iter().enumerate() {
            let line = strip_comment(raw).trim();
            if line.starts_with('[') {
                in_members = false;
                if let Some((bin, row)) = bin_path.take() {
                    self.entry(&join(dir, &bin), "rust-bin", ev(path, row));
                }
                section = line.trim_matches(['[', ']']).trim().to_string();
                // [dependencies.serde] style
                for prefix in [
                    "dependencies.",
                    "dev-dependencies.",
                    "workspace.dependencies.",
                ] {
                    if let Some(dep) = section.strip_prefix(prefix) {
                        if prefix != "dev-dependencies." {
                            self.dependency("cargo", dep.trim_matches('"'), dir, ev(path, row));
                        }
                    }
                }
                continue;
            }
            if in_members {
                in_members = !line.contains(']');
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim().trim_matches('"');
            let value = value.trim();
            match section.as_str() {
                "package" if key == "name" => {
                    let name = unquote(value);
                    self.component(&name, dir, "rust", "cargo", ev(path, row));
                }
                "dependencies" | "workspace.dependencies" | "build-dependencies" => {
                    let dep = key.split('.').next().unwrap_or(key);
                    self.dependency("cargo", dep, dir, ev(path, row));
                    if dep == "sqlx" {
                        // sqlx's backends are features: `features = ["postgres", "sqlite"]`.
                        for (feature, name) in [
                            ("postgres", "PostgreSQL"),
                            ("sqlite", "SQLite"),
                            ("mysql", "MySQL"),
                        ] {
                            if value.contains(&format!("\"{feature}\"")) {
                                self.tech(name, TechCategory::Database, Some(dir), ev(path, row));
                            }
                        }
                    }
                }
                // Members are components through their own Cargo.toml.
                "workspace" if key == "members" => in_members = !value.contains(']'),
                "[bin]" | "bin" if key == "path" => {
                    bin_path = Some((unquote(value), row));
                }
                _ => {}
            }
            if section.starts_with("target.") && section.ends_with("dependencies") {
                let dep = key.split('.').next().unwrap_or(key);
                self.dependency("cargo", dep, dir, ev(path, row));
            }
        }
        if let Some((bin, row)) = bin_path {
            self.entry(&join(dir, &bin), "rust-bin", ev(path, row));
        }
    }

    fn package_json(
        &mut self,
        path: &str,
        dir: &str,
        lines: &[&str],
        text: &str,
        files: &[FactFile<'_>],
    ) {
        let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
            return;
        };
        let find = |section: Option<&str>, key: &str| -> usize {
            let start = section
                .and_then(|s| find_json_key(lines, 0, s))
                .unwrap_or(0);
            find_json_key(lines, start, key).unwrap_or(start)
        };
        let ts = files.iter().any(|f| {
            f.path == join(dir, "tsconfig.json")
                || (f.path.starts_with(&prefix(dir))
                    && matches!(f.language, Language::TypeScript | Language::Tsx))
        });
        let language = if ts { "typescript" } else { "javascript" };
        let name = json
            .get("name")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| {
                if dir.is_empty() {
                    "root".into()
                } else {
                    dir.to_string()
                }
            });
        let name_row = find(None, "name");
        self.component(&name, dir, language, "npm", ev(path, name_row));
        for section in ["dependencies", "devDependencies", "peerDependencies"] {
            if let Some(deps) = json.get(section).and_then(|d| d.as_object()) {
                for dep in deps.keys() {
                    let row = find(Some(section), dep);
                    self.dependency("npm", dep, dir, ev(path, row));
                }
            }
        }
        if let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) {
            for (script, command) in scripts {
                let row = find(Some("scripts"), script);
                self.facts.scripts.push(Script {
                    name: script.clone(),
                    command: command.as_str().unwrap_or_default().to_string(),
                    evidence: ev(path, row),
                });
            }
        }
        if let Some(main) = json.get("main").and_then(|m| m.as_str()) {
            let row = find(None, "main");
            self.entry(
                &join(dir, main.trim_start_matches("./")),
                "npm-main",
                ev(path, row),
            );
        }
        match json.get("bin") {
            Some(serde_json::Value::String(bin)) => {
                let row = find(None, "bin");
                self.entry(
                    &join(dir, bin.trim_start_matches("./")),
                    "npm-bin",
                    ev(path, row),
                );
            }
            Some(serde_json::Value::Object(bins)) => {
                for (bin, target) in bins {
                    let row = find(Some("bin"), bin);
                    let target = target.as_str().unwrap_or_default();
                    self.entry(
                        &join(dir, target.trim_start_matches("./")),
                        "npm-bin",
                        ev(path, row),
                    );
                }
            }
            _ => {}
        }
    }

    fn pyproject(&mut self, path: &str, dir: &str, lines: &[&str]) {
        let mut section = String::new();
        let mut in_deps = false;
        for (row, raw) in lines.iter().enumerate() {
            let line = strip_comment(raw).trim();
            if line.starts_with('[') {
                section = line.trim_matches(['[', ']']).trim().to_string();
                in_deps = false;
                continue;
            }
            if in_deps {
                if line.starts_with(']') {
                    in_deps = false;
                    continue;
                }
                for item in line.split(',') {
                    let item = unquote(item.trim());
                    if !item.is_empty() {
                        self.dependency("python", &requirement_name(&item), dir, ev(path, row));
                    }
                }
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim();
            let value = value.trim();
            match (section.as_str(), key) {
                ("project" | "tool.poetry", "name") => {
                    self.component(&unquote(value), dir, "python", "python", ev(path, row));
                }
                ("project", "dependencies") => {
                    in_deps = !value.contains(']');
                    let inner = value.trim_start_matches('[').trim_end_matches(']');
                    for item in inner.split(',') {
                        let item = unquote(item.trim());
                        if !item.is_empty() {
                            self.dependency("python", &requirement_name(&item), dir, ev(path, row));
                        }
                    }
                }
                ("tool.poetry.dependencies", dep) => {
                    self.dependency("python", dep, dir, ev(path, row));
                }
                _ => {}
            }
        }
    }

    fn requirements(&mut self, path: &str, dir: &str, lines: &[&str]) {
        if !self
            .facts
            .components
            .iter()
            .any(|c| c.path == dir && c.manifest == "python")
        {
            let name = if dir.is_empty() { "root" } else { dir };
            let name = name.rsplit('/').next().unwrap_or(name);
            self.component(name, dir, "python", "python", ev(path, 0));
        }
        for (row, raw) in lines.iter().enumerate() {
            let line = strip_comment(raw).trim();
            if line.is_empty() || line.starts_with('-') {
                continue;
            }
            self.dependency("python", &requirement_name(line), dir, ev(path, row));
        }
    }

    fn go_mod(&mut self, path: &str, dir: &str, lines: &[&str]) {
        let mut in_require = false;
        for (row, raw) in lines.iter().enumerate() {
            let line = raw.split("//").next().unwrap_or("").trim();
            if let Some(module) = line.strip_prefix("module ") {
                self.component(module.trim(), dir, "go", "go", ev(path, row));
            } else if line.starts_with("require (") {
                in_require = true;
            } else if in_require && line.starts_with(')') {
                in_require = false;
            } else if in_require || line.starts_with("require ") {
                let spec = line.trim_start_matches("require ").trim();
                if let Some(module) = spec.split_whitespace().next() {
                    self.dependency("go", module, dir, ev(path, row));
                }
            }
        }
    }

    fn dockerfile(&mut self, path: &str, lines: &[&str]) {
        self.tech("Docker", TechCategory::Deployment, None, ev(path, 0));
        for (row, raw) in lines.iter().enumerate() {
            let line = raw.trim();
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("CMD ") || upper.starts_with("ENTRYPOINT ") {
                let command = line.split_once(' ').map(|(_, c)| c.trim()).unwrap_or("");
                self.entry(command, "docker-cmd", ev(path, row));
            }
        }
    }

    fn compose(&mut self, path: &str, lines: &[&str]) {
        self.tech(
            "Docker Compose",
            TechCategory::Deployment,
            None,
            ev(path, 0),
        );
        for (row, raw) in lines.iter().enumerate() {
            let line = strip_comment(raw).trim();
            if let Some(image) = line.strip_prefix("image:") {
                if let Some((name, category)) = image_service(image) {
                    self.tech(name, category, None, ev(path, row));
                }
            }
        }
    }

    fn render(&mut self, path: &str, lines: &[&str]) {
        self.tech("Render", TechCategory::Deployment, None, ev(path, 0));
        let mut top = "";
        for (row, raw) in lines.iter().enumerate() {
            let line = strip_comment(raw);
            if line.trim().is_empty() {
                continue;
            }
            if !line.starts_with([' ', '-', '\t']) {
                top = line.trim().trim_end_matches(':');
                if top == "databases" {
                    self.tech("PostgreSQL", TechCategory::Database, None, ev(path, row));
                }
                continue;
            }
            let item = line.trim().trim_start_matches("- ").trim();
            if top == "services" {
                if let Some(kind) = item.strip_prefix("type:") {
                    if matches!(kind.trim(), "redis" | "keyvalue") {
                        self.tech("Redis", TechCategory::Cache, None, ev(path, row));
                    }
                }
                if let Some(image) = item.strip_prefix("url:") {
                    if let Some((name, category)) = image_service(image) {
                        self.tech(name, category, None, ev(path, row));
                    }
                }
                if let Some(command) = item.strip_prefix("startCommand:") {
                    self.entry(&unquote(command.trim()), "render-start", ev(path, row));
                }
            }
        }
    }

    fn procfile(&mut self, path: &str, lines: &[&str]) {
        self.tech("Procfile", TechCategory::Deployment, None, ev(path, 0));
        for (row, raw) in lines.iter().enumerate() {
            let line = raw.trim();
            if line.starts_with('#') {
                continue;
            }
            if let Some((name, command)) = line.split_once(':') {
                let command = command.trim();
                self.facts.scripts.push(Script {
                    name: name.trim().to_string(),
                    command: command.to_string(),
                    evidence: ev(path, row),
                });
                self.entry(command, "procfile", ev(path, row));
            }
        }
    }

    fn entry(&mut self, target: &str, kind: &str, evidence: Evidence) {
        self.facts.entry_points.push(EntryPoint {
            target: target.to_string(),
            kind: kind.to_string(),
            evidence,
        });
    }

    fn languages_and_entries(&mut self, files: &[FactFile<'_>]) {
        let mut counts: BTreeMap<Language, (usize, &str)> = BTreeMap::new();
        for file in files {
            if file.language.is_programming() {
                counts.entry(file.language).or_insert((0, file.path)).0 += 1;
            }
            if let Some(line) = file.entry_line.filter(|_| !is_auxiliary_program(file.path)) {
                let kind = match file.language {
                    Language::Rust => "rust-main",
                    Language::Go => "go-main",
                    Language::Python => "python-main",
                    _ => continue,
                };
                if self
                    .facts
                    .entry_points
                    .iter()
                    .any(|e| e.target == file.path)
                {
                    continue;
                }
                self.entry(
                    file.path,
                    kind,
                    Evidence {
                        path: file.path.to_string(),
                        line,
                    },
                );
            }
        }
        let mut languages: Vec<LanguageCount> = counts
            .into_iter()
            .map(|(language, (files, first))| LanguageCount {
                language: language.name().to_string(),
                files,
                evidence: ev(first, 0),
            })
            .collect();
        languages.sort_by(|a, b| b.files.cmp(&a.files).then(a.language.cmp(&b.language)));
        self.facts.languages = languages;
    }

    fn finish(mut self) -> RepoFacts {
        self.facts
            .components
            .sort_by(|a, b| a.path.cmp(&b.path).then(a.name.cmp(&b.name)));
        self.facts
            .entry_points
            .sort_by(|a, b| a.evidence.cmp(&b.evidence));
        self.facts
    }
}

/// A `main` that is not one of the product's programs: benchmarks, tests,
/// examples, fuzz targets and build scripts have their own.
fn is_auxiliary_program(path: &str) -> bool {
    const AUXILIARY_DIRS: [&str; 7] = [
        "benches", "bench", "tests", "test", "examples", "example", "fuzz",
    ];
    let mut segments: Vec<&str> = path.split('/').collect();
    let file = segments.pop().unwrap_or_default();
    file == "build.rs" || segments.iter().any(|s| AUXILIARY_DIRS.contains(s))
}

/// `flask>=2.0 ; python_version…` → `flask`.
fn requirement_name(spec: &str) -> String {
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(spec.len());
    spec[..end].to_ascii_lowercase().replace('_', "-")
}

fn strip_comment(line: &str) -> &str {
    // Good enough for manifests: `#` inside strings is rare in the keys we read.
    match line
        .find(" #")
        .or_else(|| line.starts_with('#').then_some(0))
    {
        Some(i) => &line[..i],
        None => line,
    }
}

fn unquote(value: &str) -> String {
    value
        .trim()
        .trim_end_matches(',')
        .trim()
        .trim_matches(['"', '\''])
        .to_string()
}

fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

fn prefix(dir: &str) -> String {
    if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    }
}

/// The first row at or after `from` holding `"key":`.
fn find_json_key(lines: &[&str], from: usize, key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    (from..lines.len()).find(|&row| {
        lines[row]
            .find(&needle)
            .is_some_and(|i| lines[row][i + needle.len()..].trim_start().starts_with(':'))
    })
}

/// The line of a program's entry in a source file, if it has one.
pub fn entry_line(language: Language, text: &str, top_level_main: Option<usize>) -> Option<usize> {
    match language {
        Language::Rust => top_level_main,
        Language::Go => text
            .lines()
            .any(|l| l.trim() == "package main")
            .then_some(top_level_main)
            .flatten(),
        // Only an unindented guard starts a program.
        Language::Python => text
            .lines()
            .position(|l| {
                l.starts_with("if __name__ ==") || l.starts_with("if \"__main__\" == __name__")
            })
            .map(|row| row + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn benches_tests_examples_and_build_scripts_are_not_entry_points() {
        for path in [
            "ai/benches/local_models.rs",
            "tests/it/main.rs",
            "examples/demo.rs",
            "fuzz/fuzz_targets/parse.rs",
            "build.rs",
            "crate/build.rs",
            "bench/rq/bench.py",
        ] {
            assert!(is_auxiliary_program(path), "{path}");
        }
        for path in [
            "src/main.rs",
            "backend/src/main.rs",
            "svc/src/bin/svc.rs",
            "cmd/worker/main.go",
            "app.py",
        ] {
            assert!(!is_auxiliary_program(path), "{path}");
        }
    }
    use super::*;

    #[test]
    fn cargo_manifest_facts() {
        let toml = "[package]\nname = \"svc\"\n\n[dependencies]\naxum = \"0.8\"\nserde = \"1\"\n\n[dependencies.redis]\nversion = \"1\"\n\n[[bin]]\nname = \"svc\"\npath = \"src/bin/svc.rs\"\n";
        let mut contents = BTreeMap::new();
        contents.insert("svc/Cargo.toml".to_string(), toml.to_string());
        let facts = extract(&[], &contents);
        assert_eq!(facts.components[0].name, "svc");
        assert_eq!(facts.components[0].evidence.to_string(), "svc/Cargo.toml:2");
        let axum = facts.frameworks.iter().find(|t| t.name == "axum").unwrap();
        assert_eq!(axum.evidence.line, 5);
        let redis = facts.services.iter().find(|t| t.name == "Redis").unwrap();
        assert_eq!(redis.evidence.line, 8);
        assert!(!facts.uses("serde"));
        assert_eq!(facts.entry_points[0].target, "svc/src/bin/svc.rs");
        assert_eq!(facts.entry_points[0].evidence.line, 13);
    }

    #[test]
    fn requirement_names() {
        assert_eq!(requirement_name("Flask>=2.0"), "flask");
        assert_eq!(
            requirement_name("psycopg2_binary==2.9 ; x"),
            "psycopg2-binary"
        );
    }
}

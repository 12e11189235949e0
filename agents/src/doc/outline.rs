//! The outline: which sections a document has and what each one states as
//! fact, chosen by code from the question and the repository's facts.
//!
//! Every fact line carries the `path:Lstart-Lend` that proves it, so the
//! document's skeleton is true whatever the model later writes around it.

use std::collections::{BTreeMap, BTreeSet};

use morningai_knowledge::publish::slugify;
use morningai_knowledge::{
    Component, Hit, RepoFacts, RepoIndex, SymbolKind, TechCategory, Technology,
};
use serde::{Deserialize, Serialize};

use super::retrieve::{chunk_at, excerpt, head};
use super::DocError;

/// Longest code example shown, in lines.
pub const MAX_EXAMPLE_LINES: usize = 30;
const MAX_CONFIG_ITEMS: usize = 12;
const MAX_RELATED_DOCS: usize = 12;

/// A document's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outline {
    pub question: String,
    /// `System Architecture`, or the question.
    pub title: String,
    /// Whether the question asks for the system's architecture.
    pub architecture: bool,
    pub sections: Vec<Section>,
}

/// What a section is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SectionKind {
    Overview,
    /// One component (a crate, an npm package, …) at `path`.
    Component {
        name: String,
        path: String,
    },
    Interactions,
    /// The pinned chunk, shown verbatim.
    CodeExample,
    Configuration,
    Troubleshooting,
    RelatedDocs,
    /// A non-architecture question's answer.
    Topic,
}

/// A fact stated by code: `- **label**: text`, where `text` holds its
/// citations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactLine {
    pub label: String,
    pub text: String,
}

/// A configuration setting found in the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConfigItem {
    /// `DATABASE_URL`, `AppConfig`, `db`.
    pub name: String,
    /// `env` (read by code), `env-file` (set in a config file), `struct`,
    /// `service` (a docker-compose service).
    pub kind: String,
    pub path: String,
    pub start_line: usize,
    pub end_line: usize,
}

impl ConfigItem {
    fn cite(&self) -> String {
        cite(&self.path, self.start_line, self.end_line)
    }
}

/// One section of the outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Unique in the outline (`overview`, `component-web`).
    pub id: String,
    pub heading: String,
    /// Markdown heading level (2 or 3).
    pub level: u8,
    pub kind: SectionKind,
    /// What the model's prose should say; `None`: no prose, facts only.
    pub brief: Option<String>,
    /// Search queries for its evidence.
    pub queries: Vec<String>,
    /// Retrieved chunks must be under this folder (a component's).
    pub scope: Option<String>,
    /// Facts rendered by code.
    pub facts: Vec<FactLine>,
    /// Evidence the section always gets (the code example's chunk).
    pub pinned: Vec<Hit>,
}

impl Section {
    fn new(id: &str, heading: &str, level: u8, kind: SectionKind) -> Section {
        Section {
            id: id.to_string(),
            heading: heading.to_string(),
            level,
            kind,
            brief: None,
            queries: Vec::new(),
            scope: None,
            facts: Vec::new(),
            pinned: Vec::new(),
        }
    }

    fn fact(&mut self, label: &str, text: String) {
        self.facts.push(FactLine {
            label: label.to_string(),
            text,
        });
    }
}

/// `` `path:Lstart-Lend` ``, the citation format of documents.
pub fn cite(path: &str, start: usize, end: usize) -> String {
    format!("`{path}:L{start}-L{end}`")
}

/// Whether a question asks for the system's architecture or overall structure.
pub fn is_architecture_question(question: &str) -> bool {
    let q = question.to_lowercase();
    [
        "architecture",
        "overview",
        "structure",
        "components",
        "organized",
        "organised",
        "high-level",
        "high level",
        "how does the system",
        "how is the system",
    ]
    .iter()
    .any(|k| q.contains(k))
}

/// Chooses the sections: for an architecture question an overview, one
/// section per component, how they interact, a code example, configuration,
/// troubleshooting and related documentation (each left out when the
/// repository gives it nothing to say); for another question an answer, the
/// relevant components, a code example and related documentation.
pub fn outline(question: &str, facts: &RepoFacts, index: &RepoIndex) -> Result<Outline, DocError> {
    let question = question.trim();
    let architecture = is_architecture_question(question);
    let config = config_items(index)?;
    let mut sections = Vec::new();
    if architecture {
        sections.push(overview(question, facts));
        for component in &facts.components {
            sections.push(component_section(component, facts, index));
        }
        sections.push(interactions(facts, &config));
        if let Some(example) = code_example(question, facts, index, None)? {
            sections.push(example);
        }
        if let Some(section) = configuration(&config) {
            sections.push(section);
        }
        if let Some(section) = troubleshooting(facts, &config, index) {
            sections.push(section);
        }
        if let Some(section) = related_docs(index, None)? {
            sections.push(section);
        }
    } else {
        let top = index.search(question, 20)?;
        let mut answer = Section::new("answer", "Answer", 2, SectionKind::Topic);
        answer.brief = Some(format!("Answer the question: {question}"));
        answer.queries = vec![question.to_string()];
        for hit in top.iter().take(5) {
            let defines = if hit.symbols.is_empty() {
                String::new()
            } else {
                format!(
                    ", defining {}",
                    hit.symbols
                        .iter()
                        .take(3)
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            answer.fact(
                "Relevant code",
                format!("{}{defines}", cite(&hit.path, hit.start_line, hit.end_line)),
            );
        }
        sections.push(answer);
        let relevant: Vec<&Component> = facts
            .components
            .iter()
            .filter(|c| top.iter().any(|h| under(&h.path, &c.path)))
            .collect();
        if !relevant.is_empty() {
            let mut section = Section::new(
                "components",
                "Relevant Components",
                2,
                SectionKind::Overview,
            );
            for component in relevant {
                section.fact(&component.name, component_summary(component, facts));
            }
            sections.push(section);
        }
        if let Some(example) = code_example(question, facts, index, Some(&top))? {
            sections.push(example);
        }
        if let Some(section) = related_docs(index, Some(&top))? {
            sections.push(section);
        }
    }
    Ok(Outline {
        question: question.to_string(),
        title: if architecture {
            "System Architecture".to_string()
        } else {
            question.trim_end_matches('?').to_string()
        },
        architecture,
        sections,
    })
}

fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path.starts_with(&format!("{dir}/"))
}

fn language_name(language: &str) -> String {
    match language {
        "rust" => "Rust".into(),
        "typescript" => "TypeScript".into(),
        "tsx" => "TSX".into(),
        "javascript" => "JavaScript".into(),
        "python" => "Python".into(),
        "go" => "Go".into(),
        "csharp" => "C#".into(),
        "cpp" => "C++".into(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

fn tech_list(techs: &[&Technology]) -> String {
    techs
        .iter()
        .map(|t| {
            format!(
                "{} ({})",
                t.name,
                cite(&t.evidence.path, t.evidence.line, t.evidence.line)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn component_dir(component: &Component) -> String {
    if component.path.is_empty() {
        "the repository root".to_string()
    } else {
        format!("`{}/`", component.path)
    }
}

fn component_summary(component: &Component, facts: &RepoFacts) -> String {
    let techs: Vec<&Technology> = facts
        .technologies()
        .filter(|t| t.component.as_deref() == Some(component.path.as_str()))
        .collect();
    let mut text = format!(
        "{} in {}, declared at {}",
        language_name(&component.language),
        component_dir(component),
        cite(
            &component.evidence.path,
            component.evidence.line,
            component.evidence.line
        )
    );
    if !techs.is_empty() {
        text.push_str(&format!("; uses {}", tech_list(&techs)));
    }
    text
}

fn overview(question: &str, facts: &RepoFacts) -> Section {
    let mut s = Section::new("overview", "Overview", 2, SectionKind::Overview);
    s.brief = Some(
        "Summarise what the repository is and how it is built, from its README and manifests."
            .into(),
    );
    s.queries = vec!["README overview introduction".into(), question.to_string()];
    if !facts.components.is_empty() {
        let list = facts
            .components
            .iter()
            .map(|c| {
                format!(
                    "{} ({})",
                    c.name,
                    cite(&c.evidence.path, c.evidence.line, c.evidence.line)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        s.fact("Components", list);
    }
    if !facts.languages.is_empty() {
        let list = facts
            .languages
            .iter()
            .take(6)
            .map(|l| {
                format!(
                    "{} ({} file{}, e.g. {})",
                    language_name(&l.language),
                    l.files,
                    if l.files == 1 { "" } else { "s" },
                    cite(&l.evidence.path, l.evidence.line, l.evidence.line)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        s.fact("Languages", list);
    }
    let frameworks: Vec<&Technology> = facts
        .frameworks
        .iter()
        .filter(|t| t.category == TechCategory::Framework)
        .collect();
    if !frameworks.is_empty() {
        s.fact("Frameworks", tech_list(&dedup_by_name(frameworks)));
    }
    let (embedded, services): (Vec<&Technology>, Vec<&Technology>) =
        facts.services.iter().partition(|t| runs_in_process(t));
    if !services.is_empty() {
        s.fact("Services", tech_list(&dedup_by_name(services)));
    }
    if !embedded.is_empty() {
        s.fact("Embedded", tech_list(&dedup_by_name(embedded)));
    }
    let deployment: Vec<&Technology> = facts.deployment.iter().collect();
    if !deployment.is_empty() {
        s.fact("Deployment", tech_list(&dedup_by_name(deployment)));
    }
    s
}

fn dedup_by_name(techs: Vec<&Technology>) -> Vec<&Technology> {
    let mut seen = BTreeSet::new();
    techs
        .into_iter()
        .filter(|t| seen.insert(t.name.clone()))
        .collect()
}

fn component_section(component: &Component, facts: &RepoFacts, index: &RepoIndex) -> Section {
    let id = format!("component-{}", slugify(&component.name));
    let mut s = Section::new(
        &id,
        &component.name,
        3,
        SectionKind::Component {
            name: component.name.clone(),
            path: component.path.clone(),
        },
    );
    s.brief = Some(format!(
        "Describe what the component `{}` does, from its code.",
        component.name
    ));
    s.scope = Some(component.path.clone());
    s.queries = vec![
        format!("{} {}", component.name, component.path),
        format!("{} main entry", component.path),
    ];
    let manifest = &component.evidence;
    s.fact(
        "Path",
        format!(
            "{}, declared in {}",
            component_dir(component),
            cite(&manifest.path, manifest.line, manifest.line)
        ),
    );
    s.fact(
        "Language",
        format!(
            "{} ({})",
            language_name(&component.language),
            cite(&manifest.path, manifest.line, manifest.line)
        ),
    );
    let techs: Vec<&Technology> = facts
        .technologies()
        .filter(|t| t.component.as_deref() == Some(component.path.as_str()))
        .collect();
    if !techs.is_empty() {
        s.fact("Technology", tech_list(&techs));
        s.queries.push(
            techs
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    for entry in &facts.entry_points {
        if !under(&entry.target, &component.path) || !index.has_file(&entry.target) {
            continue;
        }
        let range =
            main_range(index, &entry.target).unwrap_or((entry.evidence.line, entry.evidence.line));
        s.fact("Entry point", cite(&entry.target, range.0, range.1));
    }
    let manifest_dir = manifest.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    for script in facts
        .scripts
        .iter()
        .filter(|sc| {
            sc.evidence
                .path
                .rsplit_once('/')
                .map(|(d, _)| d)
                .unwrap_or("")
                == manifest_dir
                && sc.evidence.path.ends_with("package.json")
        })
        .take(4)
    {
        s.fact(
            "Script",
            format!(
                "`{}` runs `{}` ({})",
                script.name,
                script.command.replace('`', "'"),
                cite(
                    &script.evidence.path,
                    script.evidence.line,
                    script.evidence.line
                )
            ),
        );
    }
    s
}

/// The line range of a file's top-level `main` definition.
fn main_range(index: &RepoIndex, path: &str) -> Option<(usize, usize)> {
    index
        .file(path)?
        .symbols
        .iter()
        .find(|s| s.name == "main" && s.container.is_none())
        .map(|s| (s.start_line, s.end_line))
}

fn interactions(facts: &RepoFacts, config: &[ConfigItem]) -> Section {
    let mut s = Section::new(
        "interactions",
        "How the Parts Interact",
        2,
        SectionKind::Interactions,
    );
    s.brief = Some(
        "Explain how the components call each other and the services they use, from the code."
            .into(),
    );
    s.queries = vec![
        "connect database pool url client".into(),
        "http server listen router serve port".into(),
        "fetch api request client".into(),
        "queue job worker".into(),
    ];
    for service in dedup_by_name(facts.services.iter().collect()) {
        let mut text = format!(
            "declared at {}",
            cite(
                &service.evidence.path,
                service.evidence.line,
                service.evidence.line
            )
        );
        if let Some(var) = related_setting(service, config) {
            text.push_str(&format!(
                "; the code reads `{}` at {}",
                var.name,
                var.cite()
            ));
        }
        s.fact(&service.name, text);
    }
    for entry in facts.entry_points.iter().filter(|e| e.kind == "docker-cmd") {
        // Cited, not quoted: a command names paths inside the image, not the repository.
        s.fact(
            "Container",
            format!(
                "the image's start command is at {}",
                cite(
                    &entry.evidence.path,
                    entry.evidence.line,
                    entry.evidence.line
                )
            ),
        );
    }
    for item in config.iter().filter(|c| c.kind == "service") {
        s.fact(
            "Compose service",
            format!("`{}` ({})", item.name, item.cite()),
        );
    }
    s
}

/// The setting in code that configures a service (`DATABASE_URL` for a database).
fn related_setting<'a>(service: &Technology, config: &'a [ConfigItem]) -> Option<&'a ConfigItem> {
    let hints: &[&str] = match service.category {
        TechCategory::Database => &[
            "DATABASE", "DB_", "POSTGRES", "PG", "MYSQL", "MONGO", "SQLITE",
        ],
        TechCategory::Cache | TechCategory::Queue => {
            &["REDIS", "CACHE", "QUEUE", "BROKER", "AMQP", "KAFKA"]
        }
        TechCategory::Search => &["SEARCH", "ELASTIC"],
        _ => &[],
    };
    let name = service.name.to_uppercase();
    let envs = || config.iter().filter(|c| c.kind == "env");
    // What points at a server is its address (`REDIS_URL`), not its key prefix.
    let address = |c: &&ConfigItem| {
        ["URL", "URI", "HOST", "ADDR", "DSN"]
            .iter()
            .any(|a| c.name.contains(a))
    };
    let named = || envs().filter(|c| c.name.contains(&name));
    if let Some(found) = named().find(address).or_else(|| named().next()) {
        return Some(found);
    }
    // A generic hint (`QUEUE`) only from code beside the manifest that
    // declares the service: a benchmark's requirements.txt is not the app's.
    let dir = service
        .evidence
        .path
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir);
    envs().find(|c| under(&c.path, dir) && hints.iter().any(|h| c.name.contains(h)))
}

/// Technologies that run inside the program (an embedded database, a search
/// library, a job library over another server): listed, never "unreachable".
fn runs_in_process(tech: &Technology) -> bool {
    matches!(
        tech.name.as_str(),
        "SQLite"
            | "Tantivy"
            | "RQ"
            | "Celery"
            | "Sidekiq"
            | "BullMQ"
            | "LevelDB"
            | "RocksDB"
            | "DuckDB"
    )
}

fn code_example(
    question: &str,
    facts: &RepoFacts,
    index: &RepoIndex,
    top: Option<&[Hit]>,
) -> Result<Option<Section>, DocError> {
    let mut chosen: Option<(Hit, String)> = None;
    if let Some(top) = top {
        // The best-ranked definition for the question.
        if let Some(hit) = top.iter().find(|h| !h.symbols.is_empty()) {
            chosen = Some((head(hit, MAX_EXAMPLE_LINES), hit.symbols[0].clone()));
        }
    } else {
        // A program's entry point, compiled languages first.
        let rank = |kind: &str| match kind {
            "rust-main" | "go-main" => 0,
            "python-main" => 1,
            "npm-main" | "npm-bin" | "rust-bin" => 2,
            _ => 3,
        };
        let mut entries: Vec<_> = facts
            .entry_points
            .iter()
            .filter(|e| rank(&e.kind) < 3 && index.file(&e.target).is_some())
            .collect();
        entries.sort_by_key(|e| (rank(&e.kind), e.target.clone()));
        for entry in entries {
            let (line, name) = match main_range(index, &entry.target) {
                Some((start, _)) => (start, "main".to_string()),
                None if entry.evidence.path == entry.target => {
                    (entry.evidence.line, "main".to_string())
                }
                None => (1, entry.target.rsplit('/').next().unwrap_or("").to_string()),
            };
            if let Some(hit) = chunk_at(index, &entry.target, line, &name) {
                chosen = Some((head(&hit, MAX_EXAMPLE_LINES), name));
                break;
            }
        }
        if chosen.is_none() {
            // A central definition: the most substantial type.
            let symbol = index
                .symbols()
                .filter(|s| {
                    matches!(
                        s.kind,
                        SymbolKind::Struct
                            | SymbolKind::Class
                            | SymbolKind::Trait
                            | SymbolKind::Interface
                    ) && s.end_line - s.start_line < MAX_EXAMPLE_LINES
                })
                .max_by_key(|s| (s.end_line - s.start_line, std::cmp::Reverse(s.path.clone())));
            if let Some(symbol) = symbol {
                let hit = chunk_at(index, &symbol.path, symbol.start_line, &symbol.name)
                    .map(Ok)
                    .unwrap_or_else(|| {
                        excerpt(index, &symbol.path, symbol.start_line, symbol.end_line)
                            .map(|h| h.expect("a symbol's lines exist"))
                    })?;
                chosen = Some((head(&hit, MAX_EXAMPLE_LINES), symbol.name.clone()));
            }
        }
    }
    let Some((hit, name)) = chosen else {
        return Ok(None);
    };
    let mut s = Section::new(
        "code-example",
        &format!("Code Example: `{name}` in `{}`", hit.path),
        2,
        SectionKind::CodeExample,
    );
    s.brief = Some(format!(
        "Explain what this code from `{}` does, for the question: {question}",
        hit.path
    ));
    s.pinned.push(hit);
    Ok(Some(s))
}

fn configuration(config: &[ConfigItem]) -> Option<Section> {
    if config.is_empty() {
        return None;
    }
    let mut s = Section::new(
        "configuration",
        "Configuration",
        2,
        SectionKind::Configuration,
    );
    // One line per name: where code reads it, where it is set, where it is defined.
    let mut names: Vec<&str> = Vec::new();
    for item in config {
        if !names.contains(&item.name.as_str()) {
            names.push(&item.name);
        }
    }
    for name in names.into_iter().take(MAX_CONFIG_ITEMS) {
        let parts: Vec<String> = config
            .iter()
            .filter(|c| c.name == name)
            .map(|item| match item.kind.as_str() {
                "env" => format!("environment variable read at {}", item.cite()),
                "env-file" => format!("set in {}", item.cite()),
                "struct" => format!("configuration type defined at {}", item.cite()),
                _ => format!("service defined at {}", item.cite()),
            })
            .collect();
        s.fact(&format!("`{name}`"), parts.join("; "));
    }
    Some(s)
}

fn troubleshooting(facts: &RepoFacts, config: &[ConfigItem], index: &RepoIndex) -> Option<Section> {
    let mut s = Section::new(
        "troubleshooting",
        "Common Troubleshooting Tips",
        2,
        SectionKind::Troubleshooting,
    );
    let mut covered = BTreeSet::new();
    // Only servers can be unreachable: an embedded store or a library cannot.
    let servers = facts.services.iter().filter(|t| !runs_in_process(t));
    for service in dedup_by_name(servers.collect()) {
        let mut text = format!(
            "check that the {} service declared at {} is running",
            service.name,
            cite(
                &service.evidence.path,
                service.evidence.line,
                service.evidence.line
            )
        );
        if let Some(var) = related_setting(service, config) {
            covered.insert(var.name.clone());
            text.push_str(&format!(
                " and that `{}` (read at {}) points to it",
                var.name,
                var.cite()
            ));
        }
        s.fact(
            &format!("Cannot reach {}", service.name),
            format!("{text}."),
        );
    }
    for item in config
        .iter()
        .filter(|c| c.kind == "env" && !covered.contains(&c.name))
        .take(4)
    {
        let example = config
            .iter()
            .find(|c| c.kind == "env-file" && c.name == item.name)
            .map(|c| format!("; an example value is set at {}", c.cite()))
            .unwrap_or_default();
        s.fact(
            &format!("`{}` missing or wrong", item.name),
            format!("the code reads it at {}{example}.", item.cite()),
        );
    }
    for docker in facts
        .deployment
        .iter()
        .filter(|t| t.name == "Docker" || t.name == "Docker Compose")
    {
        let lines = index
            .file(&docker.evidence.path)
            .map(|f| f.lines)
            .unwrap_or(0);
        if lines == 0 {
            continue;
        }
        let what = if docker.name == "Docker" {
            "The image does not build or start"
        } else {
            "The local stack does not come up"
        };
        s.fact(
            what,
            format!(
                "compare your setup with {}.",
                cite(&docker.evidence.path, 1, lines)
            ),
        );
    }
    for script in facts
        .scripts
        .iter()
        .filter(|sc| sc.name == "build" || sc.name == "test")
        .take(3)
    {
        s.fact(
            &format!("`{}` fails", script.name),
            format!(
                "the script runs `{}` ({}).",
                script.command.replace('`', "'"),
                cite(
                    &script.evidence.path,
                    script.evidence.line,
                    script.evidence.line
                )
            ),
        );
    }
    (!s.facts.is_empty()).then_some(s)
}

fn related_docs(index: &RepoIndex, top: Option<&[Hit]>) -> Result<Option<Section>, DocError> {
    let mut docs: Vec<(&str, usize)> = index
        .files()
        .filter(|f| f.language.name() == "markdown" && f.lines > 0)
        .filter(|f| top.is_none_or(|top| top.iter().any(|h| h.path == f.path)))
        .map(|f| (f.path.as_str(), f.lines))
        .collect();
    // The README first, then docs/, then the rest.
    docs.sort_by_key(|(path, _)| {
        let lower = path.to_lowercase();
        let rank = if lower == "readme.md" {
            0
        } else if lower.starts_with("docs/") {
            1
        } else {
            2
        };
        (rank, path.to_string())
    });
    if docs.is_empty() {
        return Ok(None);
    }
    let mut s = Section::new(
        "related-docs",
        "Related Documentation",
        2,
        SectionKind::RelatedDocs,
    );
    for (path, lines) in docs.into_iter().take(MAX_RELATED_DOCS) {
        let title = index
            .read_file(path)?
            .and_then(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .find_map(|l| l.strip_prefix("# ").map(|t| t.trim().to_string()))
            })
            .map(|t| t.replace(['`', '[', ']', '*'], ""))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| path.to_string());
        s.fact(&format!("[{title}](/{path})"), cite(path, 1, lines));
    }
    Ok(Some(s))
}

// ---------------------------------------------------------------------------
// Configuration found in the repository.

/// Environment variables read by code (found through the index), variables
/// set in `.env.example`-style files, docker-compose and `render.yaml`,
/// configuration types, and docker-compose services. Sorted, one per name
/// and kind.
pub fn config_items(index: &RepoIndex) -> Result<Vec<ConfigItem>, DocError> {
    let mut items: Vec<ConfigItem> = Vec::new();
    let mut test_lines: BTreeMap<String, Option<usize>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut push = |items: &mut Vec<ConfigItem>, item: ConfigItem| {
        if seen.insert((item.name.clone(), item.kind.clone())) {
            items.push(item);
        }
    };
    for query in [
        "env var environment",
        "process env",
        "os environ getenv",
        "config settings",
    ] {
        for hit in index.search(query, 30)? {
            if !is_code(&hit.language) || is_test_path(&hit.path) {
                continue;
            }
            let tests_from = test_module_line(index, &hit.path, &mut test_lines)?;
            for (row, line) in hit.text.lines().enumerate() {
                let at = hit.start_line + row;
                if tests_from.is_some_and(|first| at >= first) {
                    continue;
                }
                for name in env_reads(line) {
                    push(
                        &mut items,
                        ConfigItem {
                            name,
                            kind: "env".into(),
                            path: hit.path.clone(),
                            start_line: at,
                            end_line: at,
                        },
                    );
                }
            }
        }
    }
    let config_files: Vec<String> = index
        .paths()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p).to_lowercase();
            name.starts_with(".env.")
                && (name.ends_with("example")
                    || name.ends_with("sample")
                    || name.ends_with("template"))
                || name == "render.yaml"
                || ((name.starts_with("docker-compose") || name.starts_with("compose."))
                    && (name.ends_with(".yml") || name.ends_with(".yaml")))
        })
        .map(str::to_string)
        .collect();
    for path in config_files {
        let Some(bytes) = index.read_file(&path)? else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let compose = !path.ends_with("render.yaml") && !path.contains(".env");
        if compose {
            for (name, start, end) in compose_services(&text) {
                push(
                    &mut items,
                    ConfigItem {
                        name,
                        kind: "service".into(),
                        path: path.clone(),
                        start_line: start,
                        end_line: end,
                    },
                );
            }
        }
        for (row, line) in text.lines().enumerate() {
            if let Some(name) = env_assignment(line) {
                push(
                    &mut items,
                    ConfigItem {
                        name,
                        kind: "env-file".into(),
                        path: path.clone(),
                        start_line: row + 1,
                        end_line: row + 1,
                    },
                );
            }
        }
    }
    for symbol in index.symbols() {
        let config_like = ["Config", "Settings", "Options", "Configuration"]
            .iter()
            .any(|suffix| symbol.name.ends_with(suffix));
        if config_like
            && matches!(
                symbol.kind,
                SymbolKind::Struct | SymbolKind::Class | SymbolKind::Interface | SymbolKind::Type
            )
        {
            push(
                &mut items,
                ConfigItem {
                    name: symbol.name.clone(),
                    kind: "struct".into(),
                    path: symbol.path.clone(),
                    start_line: symbol.start_line,
                    end_line: symbol.end_line,
                },
            );
        }
    }
    let rank = |kind: &str| match kind {
        "env" => 0,
        "struct" => 1,
        "service" => 2,
        _ => 3,
    };
    items.sort_by(|a, b| rank(&a.kind).cmp(&rank(&b.kind)).then_with(|| a.cmp(b)));
    Ok(items)
}

/// Test, benchmark and example code: what it reads from the environment is
/// not the application's configuration.
fn is_test_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.split('/').rev().skip(1).any(|dir| {
        matches!(
            dir,
            "tests" | "test" | "benches" | "bench" | "e2e" | "examples" | "__tests__" | "fixtures"
        )
    }) || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("_test.go")
        || name.ends_with("_test.py")
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name == "conftest.py"
        || matches!(
            name.rsplit_once('.').map_or(name, |(stem, _)| stem),
            "testing" | "test_utils" | "test_util" | "testutil" | "testutils"
        )
}

/// The first line of a Rust file's `#[cfg(test)]` module (tests sit at the
/// end of the file by convention), memoised per path.
fn test_module_line(
    index: &RepoIndex,
    path: &str,
    seen: &mut BTreeMap<String, Option<usize>>,
) -> Result<Option<usize>, DocError> {
    if !path.ends_with(".rs") {
        return Ok(None);
    }
    if let Some(line) = seen.get(path) {
        return Ok(*line);
    }
    let line = index.read_file(path)?.and_then(|bytes| {
        String::from_utf8_lossy(&bytes)
            .lines()
            .position(|l| l.trim() == "#[cfg(test)]")
            .map(|i| i + 1)
    });
    seen.insert(path.to_owned(), line);
    Ok(line)
}

fn is_code(language: &str) -> bool {
    matches!(
        language,
        "rust"
            | "python"
            | "typescript"
            | "tsx"
            | "javascript"
            | "go"
            | "java"
            | "kotlin"
            | "ruby"
            | "php"
            | "csharp"
            | "shell"
    )
}

/// The environment variables a line of code reads.
pub fn env_reads(line: &str) -> Vec<String> {
    const READS: &[&str] = &[
        "env::var(\"",
        "env::var_os(\"",
        "env!(\"",
        "option_env!(\"",
        "env = \"",
        "process.env.",
        "process.env[\"",
        "process.env['",
        "import.meta.env.",
        "os.environ.get(\"",
        "os.environ.get('",
        "os.environ[\"",
        "os.environ['",
        "os.getenv(\"",
        "os.getenv('",
        "os.Getenv(\"",
        "os.LookupEnv(\"",
        "ENV[\"",
        "ENV.fetch(\"",
        "getenv(\"",
    ];
    let mut names = Vec::new();
    for pattern in READS {
        let mut rest = line;
        while let Some(i) = rest.find(pattern) {
            rest = &rest[i + pattern.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if name.len() >= 2
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
    }
    names
}

/// `NAME=value`, `export NAME=value`, `  NAME: value` (compose
/// `environment:`), `- NAME=value`, `- key: NAME` (render.yaml).
fn env_assignment(line: &str) -> Option<String> {
    let t = line.trim();
    let t = t.strip_prefix("export ").unwrap_or(t);
    let t = t.strip_prefix("- ").unwrap_or(t);
    let t = t.strip_prefix("key:").map(str::trim).unwrap_or(t);
    let name: String = t
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
        .collect();
    let after = &t[name.len()..];
    let valid = name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.contains(|c: char| c.is_ascii_uppercase())
        && (after.is_empty() || after.starts_with('=') || after.starts_with(':'));
    // `key: NAME` has nothing after the name; a bare word alone is not a setting.
    (valid
        && (!after.is_empty()
            || line.trim_start().starts_with("- key:")
            || line.trim_start().starts_with("key:")))
    .then_some(name)
}

/// The services of a docker-compose file, each with its line range.
fn compose_services(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim_end() == "services:") else {
        return Vec::new();
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut services: Vec<(String, usize, usize)> = Vec::new();
    let mut child_indent = None;
    for (row, line) in lines.iter().enumerate().skip(start + 1) {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let depth = indent(line);
        if depth == 0 {
            break;
        }
        let child = *child_indent.get_or_insert(depth);
        if depth == child {
            if let Some(name) = line.trim().strip_suffix(':') {
                services.push((name.trim_matches(['"', '\'']).to_string(), row + 1, row + 1));
            }
        } else if let Some(last) = services.last_mut() {
            last.2 = row + 1;
        }
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_env_reads_in_several_languages() {
        assert_eq!(
            env_reads(r#"let url = std::env::var("DATABASE_URL").unwrap_or(env::var("PORT"));"#),
            vec!["DATABASE_URL", "PORT"]
        );
        assert_eq!(
            env_reads("const a = process.env.API_BASE ?? ''"),
            vec!["API_BASE"]
        );
        assert_eq!(
            env_reads("os.environ.get('SECRET_KEY')"),
            vec!["SECRET_KEY"]
        );
        assert!(env_reads("let x = env::var(name)").is_empty());
    }

    #[test]
    fn parses_compose_and_env_files() {
        let compose = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n  api:\n    build: .\n";
        assert_eq!(
            compose_services(compose),
            vec![("db".to_string(), 2, 5), ("api".to_string(), 6, 7)]
        );
        assert_eq!(
            env_assignment("      POSTGRES_PASSWORD: example").as_deref(),
            Some("POSTGRES_PASSWORD")
        );
        assert_eq!(
            env_assignment("DATABASE_URL=postgres://x").as_deref(),
            Some("DATABASE_URL")
        );
        assert_eq!(env_assignment("  - key: SECRET").as_deref(), Some("SECRET"));
        assert_eq!(env_assignment("services:"), None);
        assert_eq!(env_assignment("FROM rust:1.85"), None);
    }

    #[test]
    fn test_code_is_not_configuration() {
        for path in [
            "backend/tests/it/cli.rs",
            "frontend/e2e/dashboard.test.mjs",
            "ai/benches/local_models.rs",
            "src/api/client.test.ts",
            "pkg/server_test.go",
            "app/test_views.py",
            "store/src/testing.rs",
            "bench/rq/bench.py",
        ] {
            assert!(is_test_path(path), "{path}");
        }
        for path in [
            "backend/src/config.rs",
            "app/settings.py",
            "src/latest.ts",
            "testing/README.md",
        ] {
            assert!(!is_test_path(path), "{path}");
        }
    }

    #[test]
    fn architecture_questions() {
        assert!(is_architecture_question("What is the system architecture?"));
        assert!(!is_architecture_question("How are tasks retried?"));
        assert_eq!(slugify("Web App!"), "web-app");
    }
}

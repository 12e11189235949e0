//! FAQ files in and out: JSON Lines, CSV and Markdown (`## Question` then
//! the answer). [`parse`] reads a file into records, reporting every bad
//! line by its number; [`prepare`] checks the records against the tenant's
//! categories and turns them into what the store imports; [`write`] is the
//! inverse, so an export imports back to the same FAQs.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use morningai_core::{
    Faq, FaqCategory, FaqCategoryId, FaqId, FaqImportItem, FaqSource, FaqStatus, NewFaq,
};
use serde::{Deserialize, Serialize};

/// How a category path is written: `Parent / Child`.
pub const CATEGORY_SEPARATOR: &str = " / ";
/// Tags in one CSV cell are separated by commas.
const CSV_TAG_SEPARATOR: char = ',';
const CSV_COLUMNS: [&str; 8] = [
    "id",
    "external_id",
    "question",
    "answer",
    "category",
    "tags",
    "language",
    "status",
];
/// The comment after a Markdown question that carries the rest of a record.
const MARKDOWN_META: &str = "<!-- faq:";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FaqFormat {
    Jsonl,
    Csv,
    Markdown,
}

impl FaqFormat {
    pub const ALL: [FaqFormat; 3] = [FaqFormat::Jsonl, FaqFormat::Csv, FaqFormat::Markdown];

    pub fn as_str(self) -> &'static str {
        match self {
            FaqFormat::Jsonl => "jsonl",
            FaqFormat::Csv => "csv",
            FaqFormat::Markdown => "markdown",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FaqFormat::Jsonl => "jsonl",
            FaqFormat::Csv => "csv",
            FaqFormat::Markdown => "md",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            FaqFormat::Jsonl => "application/jsonl; charset=utf-8",
            FaqFormat::Csv => "text/csv; charset=utf-8",
            FaqFormat::Markdown => "text/markdown; charset=utf-8",
        }
    }

    /// The format a file name's extension says, if any.
    pub fn from_path(path: &std::path::Path) -> Option<FaqFormat> {
        path.extension()?.to_str()?.parse().ok()
    }
}

impl fmt::Display for FaqFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FaqFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Ok(FaqFormat::Jsonl),
            "csv" => Ok(FaqFormat::Csv),
            "markdown" | "md" => Ok(FaqFormat::Markdown),
            other => Err(format!(
                "unknown FAQ file format `{other}` (jsonl, csv or markdown)"
            )),
        }
    }
}

/// One FAQ as a file holds it: the category by its path, not its id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<FaqId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub question: String,
    pub answer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<FaqStatus>,
}

/// A record and the line of the file it starts on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Numbered<T> {
    pub line: usize,
    pub value: T,
}

/// What is wrong with one line of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl LineError {
    fn new(line: usize, message: impl fmt::Display) -> Self {
        Self {
            line,
            message: message.to_string(),
        }
    }
}

/// Every record of `text`, and every line that is not one.
pub fn parse(format: FaqFormat, text: &str) -> (Vec<Numbered<FaqRecord>>, Vec<LineError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        FaqFormat::Jsonl => parse_jsonl(text),
        FaqFormat::Csv => parse_csv(text),
        FaqFormat::Markdown => parse_markdown(text),
    }
}

fn parse_jsonl(text: &str) -> (Vec<Numbered<FaqRecord>>, Vec<LineError>) {
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<FaqRecord>(line) {
            Ok(value) => records.push(Numbered { line: i + 1, value }),
            Err(e) => errors.push(LineError::new(i + 1, jsonl_error(line, &e))),
        }
    }
    (records, errors)
}

/// Why a JSON line is not a record, in the words of the file's fields.
fn jsonl_error(line: &str, e: &serde_json::Error) -> String {
    let foreign_id = serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(String::from))
        .filter(|id| id.parse::<uuid::Uuid>().is_err());
    match foreign_id {
        Some(id) => format!(
            "`id` is a MorningAI FAQ id (as exported), and `{id}` is not one: put your own ids in `external_id`"
        ),
        // serde's position is within this one line: the column is what helps.
        None => format!(
            "not a FAQ object: {} (column {})",
            e.to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default(),
            e.column()
        ),
    }
}

fn parse_csv(text: &str) -> (Vec<Numbered<FaqRecord>>, Vec<LineError>) {
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            return (
                records,
                vec![LineError::new(1, format!("unreadable header: {e}"))],
            )
        }
    };
    let unknown: Vec<&str> = header
        .iter()
        .filter(|c| !CSV_COLUMNS.contains(&c.as_str()))
        .map(String::as_str)
        .collect();
    let missing: Vec<&str> = ["question", "answer"]
        .into_iter()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !unknown.is_empty() || !missing.is_empty() {
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing column(s) {}", missing.join(", ")));
        }
        if !unknown.is_empty() {
            problems.push(format!("unknown column(s) {}", unknown.join(", ")));
        }
        let message = format!(
            "{}; the columns are {}",
            problems.join(" and "),
            CSV_COLUMNS.join(", ")
        );
        return (records, vec![LineError::new(1, message)]);
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    let at = |row: &csv::StringRecord, name: &str| -> Option<String> {
        column(name)
            .and_then(|i| row.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(LineError::new(line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line() as usize);
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row.len() != header.len() {
            errors.push(LineError::new(
                line,
                format!("{} fields where the header has {}", row.len(), header.len()),
            ));
            continue;
        }
        let id = match at(&row, "id").map(|v| v.parse::<uuid::Uuid>()) {
            None => None,
            Some(Ok(id)) => Some(FaqId(id)),
            Some(Err(_)) => {
                errors.push(LineError::new(
                    line,
                    "`id` is a MorningAI FAQ id (as exported): put your own ids in `external_id`",
                ));
                continue;
            }
        };
        let status = match at(&row, "status").map(|v| v.parse::<FaqStatus>()) {
            None => None,
            Some(Ok(s)) => Some(s),
            Some(Err(e)) => {
                errors.push(LineError::new(line, format!("status: {e}")));
                continue;
            }
        };
        records.push(Numbered {
            line,
            value: FaqRecord {
                id,
                external_id: at(&row, "external_id"),
                question: column("question")
                    .and_then(|i| row.get(i))
                    .unwrap_or_default()
                    .to_owned(),
                answer: column("answer")
                    .and_then(|i| row.get(i))
                    .unwrap_or_default()
                    .to_owned(),
                category: at(&row, "category"),
                tags: at(&row, "tags")
                    .map(|t| {
                        t.split(CSV_TAG_SEPARATOR)
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default(),
                language: at(&row, "language"),
                status,
            },
        });
    }
    (records, errors)
}

/// The fields of a record a Markdown file keeps in the comment after its
/// question (the question and answer are the text itself).
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkdownMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<FaqId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<FaqStatus>,
}

/// `# Category` starts a category (until the next one), `## Question` a
/// FAQ whose answer is everything up to the next heading of level 1 or 2
/// outside a code fence. An optional `<!-- faq: {…} -->` line right after
/// the question holds the other fields as JSON.
fn parse_markdown(text: &str) -> (Vec<Numbered<FaqRecord>>, Vec<LineError>) {
    struct Open {
        line: usize,
        record: FaqRecord,
        body: Vec<String>,
    }
    fn close(open: Option<Open>, records: &mut Vec<Numbered<FaqRecord>>) {
        if let Some(mut open) = open {
            open.record.answer = open.body.join("\n").trim().to_owned();
            records.push(Numbered {
                line: open.line,
                value: open.record,
            });
        }
    }
    let (mut records, mut errors) = (Vec::new(), Vec::new());
    let mut category: Option<String> = None;
    let mut open: Option<Open> = None;
    let mut fence: Option<String> = None;
    let mut skip_meta_check = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim_start();
        if let Some(marker) = &fence {
            if trimmed.starts_with(marker.as_str()) {
                fence = None;
            }
        } else if let Some(marker) = fence_marker(trimmed) {
            fence = Some(marker);
        } else if let Some(title) = heading(raw, 1) {
            close(open.take(), &mut records);
            category = (!title.is_empty()).then(|| title.to_owned());
            continue;
        } else if let Some(question) = heading(raw, 2) {
            close(open.take(), &mut records);
            open = Some(Open {
                line,
                record: FaqRecord {
                    question: question.to_owned(),
                    category: category.clone(),
                    ..FaqRecord::default()
                },
                body: Vec::new(),
            });
            skip_meta_check = true;
            continue;
        }
        let Some(current) = open.as_mut() else {
            if !raw.trim().is_empty() && fence.is_none() {
                errors.push(LineError::new(
                    line,
                    "text before the first `## Question` heading",
                ));
            }
            continue;
        };
        let first_content = skip_meta_check && !raw.trim().is_empty();
        if first_content {
            skip_meta_check = false;
            if let Some(json) = raw.trim().strip_prefix(MARKDOWN_META) {
                let json = json.trim().strip_suffix("-->").unwrap_or(json).trim();
                match serde_json::from_str::<MarkdownMeta>(json) {
                    Ok(meta) => {
                        current.record.id = meta.id;
                        current.record.external_id = meta.external_id;
                        current.record.tags = meta.tags;
                        current.record.language = meta.language;
                        current.record.status = meta.status;
                    }
                    Err(e) => {
                        errors.push(LineError::new(line, format!("unreadable FAQ comment: {e}")))
                    }
                }
                continue;
            }
        }
        current.body.push(raw.to_owned());
    }
    close(open, &mut records);
    (records, errors)
}

/// The text of an ATX heading of exactly `level`.
fn heading(line: &str, level: usize) -> Option<&str> {
    let rest = line.strip_prefix(&"#".repeat(level))?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some(rest.trim().trim_end_matches('#').trim_end())
}

fn fence_marker(line: &str) -> Option<String> {
    ["```", "~~~"]
        .into_iter()
        .find(|m| line.starts_with(m))
        .map(String::from)
}

/// The tenant's categories by path (`Parent / Child`) and back.
pub struct CategoryPaths {
    by_id: HashMap<FaqCategoryId, String>,
    by_path: HashMap<String, FaqCategoryId>,
}

impl CategoryPaths {
    pub fn new(categories: &[FaqCategory]) -> Self {
        let parents: HashMap<FaqCategoryId, &FaqCategory> =
            categories.iter().map(|c| (c.id, c)).collect();
        let mut by_id = HashMap::new();
        for c in categories {
            let mut names = vec![c.name.trim()];
            let mut seen = HashSet::from([c.id]);
            let mut parent = c.parent_id;
            while let Some(p) = parent.and_then(|p| parents.get(&p)) {
                if !seen.insert(p.id) {
                    break;
                }
                names.push(p.name.trim());
                parent = p.parent_id;
            }
            names.reverse();
            by_id.insert(c.id, names.join(CATEGORY_SEPARATOR));
        }
        let by_path = by_id.iter().map(|(id, p)| (path_key(p), *id)).collect();
        Self { by_id, by_path }
    }

    pub fn path(&self, id: FaqCategoryId) -> Option<&str> {
        self.by_id.get(&id).map(String::as_str)
    }

    /// Matches names case-insensitively, with any spacing around `/`.
    pub fn id(&self, path: &str) -> Option<FaqCategoryId> {
        self.by_path.get(&path_key(path)).copied()
    }
}

fn path_key(path: &str) -> String {
    path.split('/')
        .map(|p| p.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join("/")
}

/// The records as the store imports them, or every line that cannot be:
/// an unknown category, an invalid field, an external id or id twice in
/// the file. `language` is used where a record names none.
pub fn prepare(
    records: &[Numbered<FaqRecord>],
    categories: &CategoryPaths,
    language: &str,
) -> Result<Vec<Numbered<FaqImportItem>>, Vec<LineError>> {
    let mut errors = Vec::new();
    let mut items = Vec::with_capacity(records.len());
    let mut external_ids: HashMap<&str, usize> = HashMap::new();
    let mut ids: HashMap<FaqId, usize> = HashMap::new();
    for Numbered { line, value: r } in records {
        let line = *line;
        if let Some(ext) = r.external_id.as_deref() {
            if let Some(first) = external_ids.insert(ext, line) {
                errors.push(LineError::new(
                    line,
                    format!("external_id `{ext}` is also on line {first}"),
                ));
                continue;
            }
        }
        if let Some(id) = r.id {
            if let Some(first) = ids.insert(id, line) {
                errors.push(LineError::new(
                    line,
                    format!("id {id} is also on line {first}"),
                ));
                continue;
            }
        }
        let category_id = match r
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => None,
            Some(path) => match categories.id(path) {
                Some(id) => Some(id),
                None => {
                    errors.push(LineError::new(
                        line,
                        format!("unknown category `{path}` (create it first)"),
                    ));
                    continue;
                }
            },
        };
        let faq = NewFaq {
            question: r.question.trim().to_owned(),
            answer: r.answer.trim().to_owned(),
            category_id,
            tags: r.tags.clone(),
            language: r.language.clone().unwrap_or_else(|| language.to_owned()),
            status: r.status.unwrap_or(FaqStatus::Published),
            source: FaqSource::Imported,
            origin: None,
            external_id: r.external_id.clone(),
        };
        match faq.normalized() {
            Ok(faq) => items.push(Numbered {
                line,
                value: FaqImportItem { id: r.id, faq },
            }),
            Err(e) => errors.push(LineError::new(line, e)),
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// The record a FAQ exports as.
pub fn record_of(faq: &Faq, categories: &CategoryPaths) -> FaqRecord {
    FaqRecord {
        id: Some(faq.id),
        external_id: faq.external_id.clone(),
        question: faq.question.clone(),
        answer: faq.answer.clone(),
        category: faq
            .category_id
            .and_then(|c| categories.path(c))
            .map(String::from),
        tags: faq.tags.clone(),
        language: Some(faq.language.clone()),
        status: Some(faq.status),
    }
}

/// The records as a file of `format`. Markdown groups them by category
/// (the uncategorised first), keeping their order within a category.
pub fn write(format: FaqFormat, records: &[FaqRecord]) -> String {
    match format {
        FaqFormat::Jsonl => records
            .iter()
            .map(|r| serde_json::to_string(r).expect("a record serialises") + "\n")
            .collect(),
        FaqFormat::Csv => write_csv(records),
        FaqFormat::Markdown => write_markdown(records),
    }
}

fn write_csv(records: &[FaqRecord]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_COLUMNS).expect("writing to memory");
    for r in records {
        let tags = r.tags.join(&format!("{CSV_TAG_SEPARATOR} "));
        out.write_record([
            r.id.map(|i| i.to_string()).unwrap_or_default().as_str(),
            r.external_id.as_deref().unwrap_or_default(),
            &r.question,
            &r.answer,
            r.category.as_deref().unwrap_or_default(),
            &tags,
            r.language.as_deref().unwrap_or_default(),
            r.status.map(|s| s.as_str()).unwrap_or_default(),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(out.into_inner().expect("writing to memory")).expect("UTF-8 in, UTF-8 out")
}

fn write_markdown(records: &[FaqRecord]) -> String {
    let mut groups: Vec<(Option<&str>, Vec<&FaqRecord>)> = Vec::new();
    for r in records {
        let key = r.category.as_deref();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    groups.sort_by_key(|(k, _)| k.is_some());
    let mut out = String::new();
    for (category, list) in groups {
        if let Some(category) = category {
            out.push_str(&format!("# {category}\n\n"));
        }
        for r in list {
            let meta = MarkdownMeta {
                id: r.id,
                external_id: r.external_id.clone(),
                tags: r.tags.clone(),
                language: r.language.clone(),
                status: r.status,
            };
            let question = r.question.replace('\n', " ");
            let meta = serde_json::to_string(&meta)
                .expect("serialises")
                .replace("--", "-\\u002d");
            out.push_str(&format!(
                "## {question}\n{MARKDOWN_META} {meta} -->\n\n{}\n\n",
                r.answer.trim()
            ));
        }
    }
    out
}

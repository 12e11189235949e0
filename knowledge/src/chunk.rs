//! Splitting a file into chunks with exact 1-based inclusive line ranges, and
//! the definitions (symbols) found on the way.
//!
//! Code in Rust, Python, TypeScript/JavaScript and Go is parsed with
//! tree-sitter: each top-level definition (function, type, class, impl, …) is
//! a chunk, a definition longer than [`ChunkConfig::max_lines`] is split into
//! its members (or by lines), and the code between definitions is kept as
//! chunks too, so every non-blank line belongs to exactly one chunk. Comments
//! and attributes directly above a definition belong to it. Markdown is
//! chunked by headings, anything else by overlapping line windows.

use serde::{Deserialize, Serialize};
use tree_sitter::{Node, Parser};

use crate::lang::Language;

/// Chunk sizes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChunkConfig {
    /// A definition or section longer than this is split.
    pub max_lines: usize,
    /// The window size for text without structure.
    pub window_lines: usize,
    /// How many lines consecutive windows share.
    pub overlap_lines: usize,
}

impl Default for ChunkConfig {
    fn default() -> Self {
        ChunkConfig {
            max_lines: 120,
            window_lines: 60,
            overlap_lines: 10,
        }
    }
}

/// What a definition is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolKind {
    Function,
    Method,
    Struct,
    Enum,
    Union,
    Trait,
    Interface,
    Class,
    Impl,
    Type,
    Module,
    Const,
    Static,
    Macro,
}

impl SymbolKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SymbolKind::Function => "function",
            SymbolKind::Method => "method",
            SymbolKind::Struct => "struct",
            SymbolKind::Enum => "enum",
            SymbolKind::Union => "union",
            SymbolKind::Trait => "trait",
            SymbolKind::Interface => "interface",
            SymbolKind::Class => "class",
            SymbolKind::Impl => "impl",
            SymbolKind::Type => "type",
            SymbolKind::Module => "module",
            SymbolKind::Const => "const",
            SymbolKind::Static => "static",
            SymbolKind::Macro => "macro",
        }
    }
}

/// A definition in the repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    pub path: String,
    /// 1-based, inclusive; the definition itself, without comments above it.
    pub start_line: usize,
    pub end_line: usize,
    /// The enclosing type, impl, class or module, for members.
    pub container: Option<String>,
}

/// What a chunk holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkKind {
    /// One definition (or a part of a long one).
    Definition,
    /// Code between definitions (imports, statements, a container's header).
    Code,
    /// A Markdown section.
    Section,
    /// A window of text without structure.
    Window,
}

/// A piece of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub path: String,
    /// 1-based, inclusive.
    pub start_line: usize,
    pub end_line: usize,
    /// Exactly lines `start_line..=end_line` of the file, joined by `\n`.
    pub text: String,
    /// The names of the definitions in the chunk (outermost first).
    pub symbols: Vec<String>,
    pub kind: ChunkKind,
}

/// A file's chunks and definitions.
#[derive(Debug, Clone, Default)]
pub struct FileChunks {
    pub chunks: Vec<Chunk>,
    pub symbols: Vec<Symbol>,
}

/// The lines of `text` as chunk ranges count them (`str::lines`: `\n` or `\r\n`).
pub fn split_lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Chunks a file and collects its definitions.
pub fn chunk_file(path: &str, language: Language, text: &str, config: &ChunkConfig) -> FileChunks {
    let lines = split_lines(text);
    if lines.is_empty() {
        return FileChunks::default();
    }
    if let Some(grammar) = grammar(language) {
        let mut parser = Parser::new();
        if parser.set_language(&grammar).is_ok() {
            if let Some(tree) = parser.parse(text, None) {
                let mut chunker = CodeChunker {
                    language,
                    source: text.as_bytes(),
                    lines: &lines,
                    path,
                    config,
                    out: FileChunks::default(),
                };
                let root = tree.root_node();
                chunker.collect_symbols(root, None);
                let children = children(root);
                chunker.region(0, lines.len() - 1, &children, &[]);
                return chunker.out;
            }
        }
    }
    let ranges = match language {
        Language::Markdown => markdown_sections(&lines, config),
        _ => windows(&lines, config),
    };
    let kind = if language == Language::Markdown {
        ChunkKind::Section
    } else {
        ChunkKind::Window
    };
    FileChunks {
        chunks: ranges
            .into_iter()
            .map(|(start, end)| make_chunk(path, &lines, start, end, Vec::new(), kind))
            .collect(),
        symbols: Vec::new(),
    }
}

fn grammar(language: Language) -> Option<tree_sitter::Language> {
    Some(match language {
        Language::Rust => tree_sitter_rust::LANGUAGE.into(),
        Language::Python => tree_sitter_python::LANGUAGE.into(),
        Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Language::Go => tree_sitter_go::LANGUAGE.into(),
        _ => return None,
    })
}

/// 0-based rows, inclusive → a chunk.
fn make_chunk(
    path: &str,
    lines: &[&str],
    start: usize,
    end: usize,
    symbols: Vec<String>,
    kind: ChunkKind,
) -> Chunk {
    Chunk {
        path: path.to_string(),
        start_line: start + 1,
        end_line: end + 1,
        text: lines[start..=end].join("\n"),
        symbols,
        kind,
    }
}

fn children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// The last row a node occupies (a node ending at column 0 ends on the row before).
fn end_row(node: Node<'_>) -> usize {
    let end = node.end_position();
    if end.column == 0 && end.row > node.start_position().row {
        end.row - 1
    } else {
        end.row
    }
}

/// A definition node's names and, for containers, the node holding its members.
struct Definition<'t> {
    names: Vec<(String, SymbolKind)>,
    body: Option<Node<'t>>,
}

struct CodeChunker<'a> {
    language: Language,
    source: &'a [u8],
    lines: &'a [&'a str],
    path: &'a str,
    config: &'a ChunkConfig,
    out: FileChunks,
}

impl<'a> CodeChunker<'a> {
    fn text(&self, node: Node<'_>) -> String {
        node.utf8_text(self.source).unwrap_or_default().to_string()
    }

    fn field_text(&self, node: Node<'_>, field: &str) -> Option<String> {
        node.child_by_field_name(field)
            .map(|n| self.text(n))
            .filter(|s| !s.is_empty())
    }

    /// Whether a node is a comment, attribute or decorator that belongs to
    /// the definition below it.
    fn is_leading(&self, node: Node<'_>) -> bool {
        matches!(
            node.kind(),
            "comment" | "line_comment" | "block_comment" | "attribute_item" | "decorator"
        )
    }

    fn classify<'t>(&self, node: Node<'t>, in_container: bool) -> Option<Definition<'t>> {
        let member = |kind| {
            if in_container {
                SymbolKind::Method
            } else {
                kind
            }
        };
        let named = |field: &str, kind| {
            self.field_text(node, field).map(|name| Definition {
                names: vec![(name, kind)],
                body: None,
            })
        };
        let with_body = |def: Option<Definition<'t>>| {
            def.map(|mut d| {
                d.body = node.child_by_field_name("body");
                d
            })
        };
        match (self.language, node.kind()) {
            (Language::Rust, "function_item" | "function_signature_item") => {
                named("name", member(SymbolKind::Function))
            }
            (Language::Rust, "struct_item") => named("name", SymbolKind::Struct),
            (Language::Rust, "enum_item") => named("name", SymbolKind::Enum),
            (Language::Rust, "union_item") => named("name", SymbolKind::Union),
            (Language::Rust, "type_item") => named("name", SymbolKind::Type),
            (Language::Rust, "const_item") => named("name", SymbolKind::Const),
            (Language::Rust, "static_item") => named("name", SymbolKind::Static),
            (Language::Rust, "macro_definition") => named("name", SymbolKind::Macro),
            (Language::Rust, "trait_item") => with_body(named("name", SymbolKind::Trait)),
            (Language::Rust, "mod_item") => with_body(named("name", SymbolKind::Module)),
            (Language::Rust, "impl_item") => {
                let ty = node.child_by_field_name("type")?;
                let ty = match ty.kind() {
                    "generic_type" => ty.child_by_field_name("type").unwrap_or(ty),
                    _ => ty,
                };
                let name = self.text(ty);
                let name = name.rsplit("::").next().unwrap_or(&name).to_string();
                Some(Definition {
                    names: vec![(name, SymbolKind::Impl)],
                    body: node.child_by_field_name("body"),
                })
            }
            (Language::Python, "function_definition") => {
                named("name", member(SymbolKind::Function))
            }
            (Language::Python, "class_definition") => with_body(named("name", SymbolKind::Class)),
            (Language::Python, "decorated_definition") => {
                let inner = node.child_by_field_name("definition")?;
                self.classify(inner, in_container)
            }
            (Language::Go, "function_declaration") => named("name", SymbolKind::Function),
            (Language::Go, "method_declaration") => named("name", SymbolKind::Method),
            (Language::Go, "type_declaration") => {
                let mut names = Vec::new();
                for spec in children(node) {
                    if !matches!(spec.kind(), "type_spec" | "type_alias") {
                        continue;
                    }
                    let Some(name) = self.field_text(spec, "name") else {
                        continue;
                    };
                    let kind = match spec.child_by_field_name("type").map(|t| t.kind()) {
                        Some("struct_type") => SymbolKind::Struct,
                        Some("interface_type") => SymbolKind::Interface,
                        _ => SymbolKind::Type,
                    };
                    names.push((name, kind));
                }
                (!names.is_empty()).then_some(Definition { names, body: None })
            }
            (Language::TypeScript | Language::Tsx | Language::JavaScript, kind) => match kind {
                "function_declaration" | "generator_function_declaration" => {
                    named("name", SymbolKind::Function)
                }
                "class_declaration" | "abstract_class_declaration" | "class" => {
                    with_body(named("name", SymbolKind::Class))
                }
                "method_definition" | "abstract_method_signature" | "method_signature" => {
                    named("name", SymbolKind::Method)
                }
                "interface_declaration" => named("name", SymbolKind::Interface),
                "type_alias_declaration" => named("name", SymbolKind::Type),
                "enum_declaration" => named("name", SymbolKind::Enum),
                "internal_module" | "module" => with_body(named("name", SymbolKind::Module)),
                "export_statement" => {
                    let inner = node.child_by_field_name("declaration")?;
                    self.classify(inner, in_container)
                }
                "lexical_declaration" | "variable_declaration" => {
                    let mut names = Vec::new();
                    for declarator in children(node) {
                        if declarator.kind() != "variable_declarator" {
                            continue;
                        }
                        let value = declarator.child_by_field_name("value").map(|v| v.kind());
                        let kind = match value {
                            Some(
                                "arrow_function"
                                | "function_expression"
                                | "function"
                                | "generator_function",
                            ) => SymbolKind::Function,
                            Some("class") => SymbolKind::Class,
                            _ => continue,
                        };
                        if let Some(name) = self.field_text(declarator, "name") {
                            names.push((name, kind));
                        }
                    }
                    (!names.is_empty()).then_some(Definition { names, body: None })
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Adds every definition under `node` (members of containers too) to the
    /// symbol table.
    fn collect_symbols(&mut self, node: Node<'_>, container: Option<&str>) {
        for child in children(node) {
            let Some(def) = self.classify(child, container.is_some()) else {
                continue;
            };
            // The range without decorators: the inner definition's for Python.
            let start = child.start_position().row + 1;
            let end = end_row(child) + 1;
            for (name, kind) in &def.names {
                self.out.symbols.push(Symbol {
                    name: name.clone(),
                    kind: *kind,
                    path: self.path.to_string(),
                    start_line: start,
                    end_line: end,
                    container: container.map(str::to_string),
                });
            }
            if let Some(body) = def.body {
                let name = def.names.first().map(|(n, _)| n.clone());
                self.collect_symbols(body, name.as_deref());
            }
        }
    }

    /// Chunks rows `first..=last` (0-based) whose definitions are among
    /// `siblings`; code outside definitions carries `context` as symbols.
    fn region(&mut self, first: usize, last: usize, siblings: &[Node<'_>], context: &[String]) {
        let in_container = !context.is_empty();
        let mut cursor = first;
        for (i, node) in siblings.iter().enumerate() {
            let Some(def) = self.classify(*node, in_container) else {
                continue;
            };
            let mut start = node.start_position().row;
            let end = end_row(*node).min(last);
            // Comments and attributes directly above belong to the definition.
            let mut j = i;
            while j > 0 {
                let prev = siblings[j - 1];
                if self.is_leading(prev) && end_row(prev) + 1 >= start {
                    start = prev.start_position().row;
                    j -= 1;
                } else {
                    break;
                }
            }
            let start = start.max(cursor);
            if start > end || end < cursor {
                continue;
            }
            if start > cursor {
                self.gap(cursor, start - 1, context);
            }
            let mut names: Vec<String> = context.to_vec();
            names.extend(def.names.iter().map(|(n, _)| n.clone()));
            let length = end - start + 1;
            if length <= self.config.max_lines {
                let mut symbols = names;
                if let Some(body) = def.body {
                    symbols.extend(self.member_names(body));
                }
                self.push(start, end, symbols, ChunkKind::Definition);
            } else if let Some(body) = def.body {
                let members = children(body);
                self.region(start, end, &members, &names);
            } else {
                let mut s = start;
                while s <= end {
                    let e = (s + self.config.max_lines - 1).min(end);
                    self.push(s, e, names.clone(), ChunkKind::Definition);
                    s = e + 1;
                }
            }
            cursor = end + 1;
        }
        if cursor <= last {
            self.gap(cursor, last, context);
        }
    }

    fn member_names(&self, body: Node<'_>) -> Vec<String> {
        children(body)
            .into_iter()
            .filter_map(|n| self.classify(n, true))
            .flat_map(|d| d.names.into_iter().map(|(n, _)| n))
            .collect()
    }

    /// Code between definitions: blank lines at the edges dropped, long runs split.
    fn gap(&mut self, first: usize, last: usize, context: &[String]) {
        let blank = |row: usize| self.lines[row].trim().is_empty();
        let mut s = first;
        while s <= last {
            while s <= last && blank(s) {
                s += 1;
            }
            if s > last {
                break;
            }
            let mut e = (s + self.config.max_lines - 1).min(last);
            let next = e + 1;
            while e > s && blank(e) {
                e -= 1;
            }
            self.push(s, e, context.to_vec(), ChunkKind::Code);
            s = next;
        }
    }

    fn push(&mut self, start: usize, end: usize, symbols: Vec<String>, kind: ChunkKind) {
        let chunk = make_chunk(self.path, self.lines, start, end, symbols, kind);
        self.out.chunks.push(chunk);
    }
}

/// Markdown sections (0-based inclusive rows): a heading and what follows it
/// up to the next heading, outside fenced code blocks.
fn markdown_sections(lines: &[&str], config: &ChunkConfig) -> Vec<(usize, usize)> {
    let mut starts = vec![0];
    let mut fence: Option<&str> = None;
    for (row, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") {
            fence = Some("```");
        } else if trimmed.starts_with("~~~") {
            fence = Some("~~~");
        } else if row > 0 && is_heading(line) {
            starts.push(row);
        }
    }
    let mut ranges = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(lines.len() - 1, |next| next - 1);
        let mut s = start;
        while s <= end {
            let e = (s + config.max_lines - 1).min(end);
            ranges.push((s, e));
            s = e + 1;
        }
    }
    trim_blank_ranges(lines, ranges)
}

fn is_heading(line: &str) -> bool {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    (1..=6).contains(&hashes) && line[hashes..].starts_with([' ', '\t'])
}

/// Overlapping windows (0-based inclusive rows).
fn windows(lines: &[&str], config: &ChunkConfig) -> Vec<(usize, usize)> {
    let size = config.window_lines.max(1);
    let step = size.saturating_sub(config.overlap_lines).max(1);
    let mut ranges = Vec::new();
    let mut s = 0;
    loop {
        let e = (s + size - 1).min(lines.len() - 1);
        ranges.push((s, e));
        if e == lines.len() - 1 {
            break;
        }
        s += step;
    }
    trim_blank_ranges(lines, ranges)
}

fn trim_blank_ranges(lines: &[&str], ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    ranges
        .into_iter()
        .filter_map(|(mut s, mut e)| {
            while s <= e && lines[s].trim().is_empty() {
                s += 1;
            }
            while e > s && lines[e].trim().is_empty() {
                e -= 1;
            }
            (s <= e).then_some((s, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_exact(text: &str, chunks: &[Chunk]) {
        let lines = split_lines(text);
        for c in chunks {
            assert!(c.start_line >= 1 && c.start_line <= c.end_line, "{c:?}");
            assert_eq!(c.text, lines[c.start_line - 1..c.end_line].join("\n"));
        }
    }

    #[test]
    fn rust_definitions_and_gaps() {
        let src = "use std::fmt;\n\n/// Doc.\n#[derive(Debug)]\npub struct Foo {\n    a: u8,\n}\n\nimpl Foo {\n    pub fn new() -> Self {\n        Foo { a: 1 }\n    }\n}\n\nconst X: u8 = 1;\nfn main() {}\n";
        let out = chunk_file("src/lib.rs", Language::Rust, src, &ChunkConfig::default());
        check_exact(src, &out.chunks);
        let ranges: Vec<_> = out
            .chunks
            .iter()
            .map(|c| (c.start_line, c.end_line))
            .collect();
        assert_eq!(ranges, vec![(1, 1), (3, 7), (9, 13), (15, 15), (16, 16)]);
        assert_eq!(out.chunks[2].symbols, vec!["Foo", "new"]);
        let new = out.symbols.iter().find(|s| s.name == "new").unwrap();
        assert_eq!(new.kind, SymbolKind::Method);
        assert_eq!(new.container.as_deref(), Some("Foo"));
        assert_eq!((new.start_line, new.end_line), (10, 12));
    }

    #[test]
    fn long_impl_is_split_into_members() {
        let mut src = String::from("impl Big {\n");
        for i in 0..5 {
            src.push_str(&format!("    fn f{i}() {{\n        let _ = {i};\n    }}\n"));
        }
        src.push_str("}\n");
        let config = ChunkConfig {
            max_lines: 4,
            ..ChunkConfig::default()
        };
        let out = chunk_file("a.rs", Language::Rust, &src, &config);
        check_exact(&src, &out.chunks);
        let lines = split_lines(&src).len();
        let mut covered = vec![0; lines + 1];
        for c in &out.chunks {
            for n in &mut covered[c.start_line..=c.end_line] {
                *n += 1;
            }
        }
        assert!(covered[1..].iter().all(|n| *n == 1), "{covered:?}");
        assert!(out
            .chunks
            .iter()
            .any(|c| c.symbols == vec!["Big".to_string(), "f3".to_string()]));
    }

    #[test]
    fn markdown_by_headings_and_text_windows() {
        let md = "intro\n\n# A\ntext\n```\n# not a heading\n```\n## B\nmore\n";
        let out = chunk_file("README.md", Language::Markdown, md, &ChunkConfig::default());
        let ranges: Vec<_> = out
            .chunks
            .iter()
            .map(|c| (c.start_line, c.end_line))
            .collect();
        assert_eq!(ranges, vec![(1, 1), (3, 7), (8, 9)]);
        let text: String = (1..=25).map(|i| format!("line {i}\n")).collect();
        let config = ChunkConfig {
            window_lines: 10,
            overlap_lines: 2,
            ..ChunkConfig::default()
        };
        let out = chunk_file("notes.txt", Language::Text, &text, &config);
        let ranges: Vec<_> = out
            .chunks
            .iter()
            .map(|c| (c.start_line, c.end_line))
            .collect();
        assert_eq!(ranges, vec![(1, 10), (9, 18), (17, 25)]);
        check_exact(&text, &out.chunks);
    }
}

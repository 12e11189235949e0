//! The per-repository index: a tantivy index of chunks, the symbol table, the
//! file manifest (path → blob id) that makes re-indexing incremental, and the
//! repository facts. Everything lives in one directory and can be rebuilt
//! from the repository.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
    STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::chunk::{chunk_file, ChunkConfig, Symbol};
use crate::error::{KnowledgeError, Result};
use crate::facts::{self, FactFile, RepoFacts};
use crate::git::{Checkout, GitRepo};
use crate::lang::Language;
use crate::walk::{self, Candidate, Filter, SkipReason, WalkConfig};

const MANIFEST: &str = "manifest.json";
const TANTIVY_DIR: &str = "tantivy";
const MANIFEST_VERSION: u32 = 2;
const TOKENIZER: &str = "code";
/// The `commit` of a plain directory (not under git).
pub const WORK_TREE: &str = "worktree";

/// How to index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IndexConfig {
    pub walk: WalkConfig,
    pub chunk: ChunkConfig,
}

/// Indexing progress: `done` of `total` files to (re)process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub path: String,
}

/// What an indexing run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexStats {
    pub commit: String,
    /// Files in the index after the run.
    pub files: usize,
    pub files_added: usize,
    pub files_changed: usize,
    pub files_removed: usize,
    pub files_unchanged: usize,
    /// Files left out, by reason.
    pub files_skipped: BTreeMap<SkipReason, usize>,
    /// Files read and chunked in this run (added + changed).
    pub files_chunked: usize,
    pub bytes_chunked: u64,
    pub chunks: usize,
    pub chunks_added: usize,
    pub chunks_removed: usize,
    pub symbols: usize,
    pub elapsed_ms: u64,
}

/// A file in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedFile {
    pub path: String,
    pub blob: String,
    pub language: Language,
    pub lines: usize,
    pub bytes: u64,
    pub chunks: usize,
    pub symbols: Vec<Symbol>,
    /// The line where a program starts (`fn main`, `if __name__ == …`).
    pub entry_line: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SkippedFile {
    reason: SkipReason,
    blob: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Manifest {
    version: u32,
    /// The repository the index was built from (git directory or plain folder).
    source: Option<PathBuf>,
    commit: Option<String>,
    files: BTreeMap<String, IndexedFile>,
    skipped: BTreeMap<String, SkippedFile>,
    facts: RepoFacts,
}

#[derive(Clone, Copy)]
struct Fields {
    chunk_id: Field,
    path_key: Field,
    path: Field,
    symbols: Field,
    symbol_names: Field,
    symbol_exact: Field,
    idents: Field,
    text: Field,
    language: Field,
    start_line: Field,
    end_line: Field,
    commit: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let indexed = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text_indexed = TextOptions::default().set_indexing_options(indexed.clone());
    let text_stored = text_indexed.clone().set_stored();
    let stored_u64 = NumericOptions::default().set_stored();
    let fields = Fields {
        chunk_id: builder.add_text_field("chunk_id", STRING | STORED),
        path_key: builder.add_text_field("path_key", STRING | STORED),
        path: builder.add_text_field("path", text_indexed.clone()),
        symbols: builder.add_text_field("symbols", text_indexed.clone()),
        symbol_names: builder.add_text_field("symbol_names", STORED),
        symbol_exact: builder.add_text_field("symbol_exact", STRING),
        idents: builder.add_text_field("idents", text_indexed),
        text: builder.add_text_field("text", text_stored),
        language: builder.add_text_field("language", STRING | STORED),
        start_line: builder.add_u64_field("start_line", stored_u64.clone()),
        end_line: builder.add_u64_field("end_line", stored_u64),
        commit: builder.add_text_field("commit", STRING | STORED),
    };
    (builder.build(), fields)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(Stemmer::default())
        .build()
}

/// A chunk found by a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub chunk_id: String,
    pub path: String,
    pub start_line: usize,
    pub end_line: usize,
    /// The indexed commit (the chunk's content is the same at that commit).
    pub commit: String,
    pub language: String,
    pub text: String,
    pub score: f32,
    pub symbols: Vec<String>,
}

impl Hit {
    /// `path:Lstart-Lend`, the citation format of documents.
    pub fn citation(&self) -> String {
        format!("{}:L{}-L{}", self.path, self.start_line, self.end_line)
    }
}

/// One repository's index, in its own directory.
pub struct RepoIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    manifest: Manifest,
}

impl std::fmt::Debug for RepoIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepoIndex")
            .field("dir", &self.dir)
            .field("commit", &self.manifest.commit)
            .field("files", &self.manifest.files.len())
            .finish()
    }
}

impl RepoIndex {
    /// Opens the index in `dir`, creating an empty one when there is none.
    pub fn open(dir: &Path) -> Result<RepoIndex> {
        let tantivy_dir = dir.join(TANTIVY_DIR);
        std::fs::create_dir_all(&tantivy_dir).map_err(|e| KnowledgeError::io(&tantivy_dir, e))?;
        let (schema, fields) = schema();
        let manifest_path = dir.join(MANIFEST);
        let mut manifest = match std::fs::read(&manifest_path) {
            Ok(bytes) => serde_json::from_slice::<Manifest>(&bytes).map_err(|e| {
                KnowledgeError::Manifest {
                    path: manifest_path.clone(),
                    message: e.to_string(),
                }
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(KnowledgeError::io(&manifest_path, e)),
        };
        let directory = MmapDirectory::open(&tantivy_dir)?;
        let index = if manifest.version != MANIFEST_VERSION {
            // No manifest (or an older layout): start over.
            manifest = Manifest {
                version: MANIFEST_VERSION,
                ..Manifest::default()
            };
            for entry in
                std::fs::read_dir(&tantivy_dir).map_err(|e| KnowledgeError::io(&tantivy_dir, e))?
            {
                let entry = entry.map_err(|e| KnowledgeError::io(&tantivy_dir, e))?;
                let _ = std::fs::remove_file(entry.path());
            }
            Index::create(directory, schema, Default::default())?
        } else {
            Index::open(directory)?
        };
        index.tokenizers().register(TOKENIZER, analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(RepoIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            manifest,
        })
    }

    /// The directory holding the index.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The indexed commit ([`WORK_TREE`] for a plain directory); `None` before
    /// the first indexing.
    pub fn commit(&self) -> Option<&str> {
        self.manifest.commit.as_deref()
    }

    /// The indexed files, by path.
    pub fn files(&self) -> impl Iterator<Item = &IndexedFile> {
        self.manifest.files.values()
    }

    pub fn file(&self, path: &str) -> Option<&IndexedFile> {
        self.manifest.files.get(path)
    }

    /// Whether the indexed commit has this file, indexed or skipped.
    pub fn has_file(&self, path: &str) -> bool {
        self.manifest.files.contains_key(path) || self.manifest.skipped.contains_key(path)
    }

    /// Whether the indexed commit has files under this folder.
    pub fn has_dir(&self, dir: &str) -> bool {
        let dir = dir.trim_end_matches('/');
        if dir.is_empty() {
            return true;
        }
        let prefix = format!("{dir}/");
        let under = |map_key: Option<&String>| map_key.is_some_and(|k| k.starts_with(&prefix));
        under(
            self.manifest
                .files
                .range(prefix.clone()..)
                .next()
                .map(|(k, _)| k),
        ) || under(
            self.manifest
                .skipped
                .range(prefix.clone()..)
                .next()
                .map(|(k, _)| k),
        )
    }

    /// Every path of the indexed commit (skipped files too).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.manifest
            .files
            .keys()
            .chain(self.manifest.skipped.keys())
            .map(String::as_str)
    }

    /// The files left out and why.
    pub fn skipped(&self) -> impl Iterator<Item = (&str, SkipReason)> {
        self.manifest
            .skipped
            .iter()
            .map(|(path, s)| (path.as_str(), s.reason))
    }

    /// Every definition in the index.
    pub fn symbols(&self) -> impl Iterator<Item = &Symbol> {
        self.manifest.files.values().flat_map(|f| f.symbols.iter())
    }

    /// The definitions named `name` (exact, case-sensitive).
    pub fn find_symbol(&self, name: &str) -> Vec<&Symbol> {
        self.symbols().filter(|s| s.name == name).collect()
    }

    pub fn facts(&self) -> &RepoFacts {
        &self.manifest.facts
    }

    /// A file's content at the indexed commit (read from git, not the work
    /// tree), or `None` when the commit has no such file.
    pub fn read_file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let (Some(source), Some(commit)) = (&self.manifest.source, &self.manifest.commit) else {
            return Ok(None);
        };
        // Files of secrets are never served, whatever asks.
        if !self.has_file(path) || walk::is_secret_path(path) {
            return Ok(None);
        }
        let content = if commit == WORK_TREE {
            read_inside(source, path)?
        } else {
            GitRepo::new(source).read_file_at_most(commit, path, READ_FILE_MAX_BYTES)?
        };
        Ok(content.filter(|bytes| !walk::holds_private_key(bytes)))
    }

    /// Brings the index to `checkout`'s commit: files whose blob id is
    /// unchanged are left alone; the chunks of changed and removed files are
    /// deleted and those of changed and new files added. `progress` is
    /// called after each file that is (re)chunked.
    pub fn update(
        &mut self,
        checkout: &Checkout,
        config: &IndexConfig,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<IndexStats> {
        let started = Instant::now();
        let filter = Filter::new(&config.walk)?;
        let repo = GitRepo::new(&checkout.path);
        let (walk, commit) = match &checkout.commit {
            Some(commit) => (walk::walk_commit(&repo, commit, &filter)?, commit.clone()),
            None => (
                walk::walk_directory(&checkout.path, &filter)?,
                WORK_TREE.to_string(),
            ),
        };
        // A different source means nothing of the old index can be trusted.
        if self.manifest.source.as_deref() != Some(checkout.path.as_path()) {
            self.manifest.files.clear();
            self.manifest.skipped.clear();
            let mut writer = self.writer()?;
            writer.delete_all_documents()?;
            writer.commit()?;
        }

        let mut stats = IndexStats {
            commit: commit.clone(),
            ..IndexStats::default()
        };
        let mut skipped: BTreeMap<String, SkippedFile> = walk
            .skipped
            .iter()
            .map(|(path, reason)| {
                (
                    path.clone(),
                    SkippedFile {
                        reason: *reason,
                        blob: String::new(),
                    },
                )
            })
            .collect();
        let mut todo: Vec<&Candidate> = Vec::new();
        let mut current: HashMap<&str, &Candidate> = HashMap::new();
        for candidate in &walk.candidates {
            current.insert(candidate.path.as_str(), candidate);
            match self.manifest.files.get(&candidate.path) {
                Some(old) if old.blob == candidate.blob => stats.files_unchanged += 1,
                _ => {
                    // A binary already seen with this blob stays skipped unread.
                    if let Some(old) = self.manifest.skipped.get(&candidate.path) {
                        let unread = matches!(old.reason, SkipReason::Binary | SkipReason::Secret);
                        if unread && old.blob == candidate.blob {
                            skipped.insert(candidate.path.clone(), old.clone());
                            continue;
                        }
                    }
                    todo.push(candidate);
                }
            }
        }
        let removed: Vec<String> = self
            .manifest
            .files
            .keys()
            .filter(|path| !current.contains_key(&path[..]))
            .cloned()
            .collect();

        let mut writer = self.writer()?;
        let fields = self.fields;
        for path in &removed {
            writer.delete_term(Term::from_field_text(fields.path_key, path));
            if let Some(old) = self.manifest.files.remove(path) {
                stats.chunks_removed += old.chunks;
            }
            stats.files_removed += 1;
        }

        let total = todo.len();
        let mut done = 0;
        // Read in batches, chunk a batch in parallel, add it sequentially.
        for batch in todo.chunks(256) {
            let contents = read_contents(&repo, checkout, batch)?;
            let processed: Vec<(usize, std::result::Result<Processed, SkipReason>)> = contents
                .into_par_iter()
                .enumerate()
                .map(|(i, content)| {
                    let processed = match content {
                        Some(c) => process(batch[i], c, &config.chunk),
                        None => Err(SkipReason::Binary),
                    };
                    (i, processed)
                })
                .collect();
            for (i, processed) in processed {
                let candidate = batch[i];
                done += 1;
                let old = self.manifest.files.remove(&candidate.path);
                if let Some(old) = &old {
                    writer.delete_term(Term::from_field_text(fields.path_key, &candidate.path));
                    stats.chunks_removed += old.chunks;
                }
                match processed {
                    Err(reason) => {
                        // Binary or secret content: skipped from now on (and
                        // gone if it was indexed before).
                        if old.is_some() {
                            stats.files_removed += 1;
                        }
                        skipped.insert(
                            candidate.path.clone(),
                            SkippedFile {
                                reason,
                                blob: candidate.blob.clone(),
                            },
                        );
                    }
                    Ok(p) => {
                        if old.is_some() {
                            stats.files_changed += 1;
                        } else {
                            stats.files_added += 1;
                        }
                        stats.files_chunked += 1;
                        stats.bytes_chunked += candidate.size;
                        stats.chunks_added += p.chunks.len();
                        for chunk in &p.chunks {
                            let id =
                                format!("{}:{}-{}", chunk.path, chunk.start_line, chunk.end_line);
                            let mut document = doc!(
                                fields.chunk_id => id,
                                fields.path_key => chunk.path.clone(),
                                fields.path => chunk.path.clone(),
                                fields.text => chunk.text.clone(),
                                fields.language => p.file.language.name(),
                                fields.start_line => chunk.start_line as u64,
                                fields.end_line => chunk.end_line as u64,
                                fields.commit => commit.clone(),
                                fields.idents => split_identifiers(&chunk.text),
                            );
                            for name in &chunk.symbols {
                                document.add_text(fields.symbol_names, name);
                                document.add_text(fields.symbol_exact, name.to_lowercase());
                            }
                            document.add_text(fields.symbols, symbol_words(&chunk.symbols));
                            writer.add_document(document)?;
                        }
                        self.manifest.files.insert(candidate.path.clone(), p.file);
                    }
                }
                progress(&Progress {
                    done,
                    total,
                    path: candidate.path.clone(),
                });
            }
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;

        self.manifest.skipped = skipped;
        self.manifest.commit = Some(commit);
        self.manifest.source = Some(checkout.path.clone());
        self.manifest.facts = self.extract_facts(&repo, checkout)?;
        self.save_manifest()?;

        for file in self.manifest.skipped.values() {
            *stats.files_skipped.entry(file.reason).or_default() += 1;
        }
        stats.files = self.manifest.files.len();
        stats.chunks = self.manifest.files.values().map(|f| f.chunks).sum();
        stats.symbols = self.manifest.files.values().map(|f| f.symbols.len()).sum();
        stats.elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::debug!(?stats, "indexed");
        Ok(stats)
    }

    fn writer(&self) -> Result<IndexWriter> {
        Ok(self.index.writer(64 * 1024 * 1024)?)
    }

    fn extract_facts(&self, repo: &GitRepo, checkout: &Checkout) -> Result<RepoFacts> {
        let sources: Vec<&IndexedFile> = self
            .manifest
            .files
            .values()
            .filter(|f| facts::is_fact_source(&f.path))
            .collect();
        let mut contents = BTreeMap::new();
        match &checkout.commit {
            Some(_) => {
                let specs: Vec<String> = sources.iter().map(|f| f.blob.clone()).collect();
                for (file, content) in sources.iter().zip(repo.read_blobs(&specs)?) {
                    if let Some(content) = content {
                        contents.insert(
                            file.path.clone(),
                            String::from_utf8_lossy(&content).into_owned(),
                        );
                    }
                }
            }
            None => {
                for file in &sources {
                    let full = checkout.path.join(&file.path);
                    let content = std::fs::read(&full).map_err(|e| KnowledgeError::io(&full, e))?;
                    contents.insert(
                        file.path.clone(),
                        String::from_utf8_lossy(&content).into_owned(),
                    );
                }
            }
        }
        let files: Vec<FactFile<'_>> = self
            .manifest
            .files
            .values()
            .map(|f| FactFile {
                path: &f.path,
                language: f.language,
                entry_line: f.entry_line,
            })
            .collect();
        Ok(facts::extract(&files, &contents))
    }

    fn save_manifest(&self) -> Result<()> {
        let path = self.dir.join(MANIFEST);
        let tmp = self.dir.join(format!("{MANIFEST}.tmp"));
        let bytes = serde_json::to_vec(&self.manifest).map_err(|e| KnowledgeError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&tmp, bytes).map_err(|e| KnowledgeError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| KnowledgeError::io(&path, e))
    }

    /// BM25 over chunks (text, path and symbol fields; path and symbol
    /// matches weigh more), best first.
    pub fn search(&self, query: &str, k: usize) -> Result<Vec<Hit>> {
        let Some(query) = self.build_query(query)? else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(k.max(1)))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&document, score));
        }
        Ok(hits)
    }

    /// Whether an identifier occurs in any chunk's text (used to accept a
    /// backticked name that is not a definition but is used in the code).
    pub fn mentions(&self, identifier: &str) -> Result<bool> {
        let terms = self.terms(self.fields.text, identifier)?;
        if terms.is_empty() {
            return Ok(false);
        }
        let query: Box<dyn Query> = if terms.len() == 1 {
            Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::Basic))
        } else {
            Box::new(tantivy::query::PhraseQuery::new(terms))
        };
        let count = self
            .reader
            .searcher()
            .search(&query, &tantivy::collector::Count)?;
        Ok(count > 0)
    }

    fn terms(&self, field: Field, text: &str) -> Result<Vec<Term>> {
        let mut analyzer = self.index.tokenizer_for_field(field)?;
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push(Term::from_field_text(field, &token.text));
        }
        Ok(terms)
    }

    /// One clause per query word: the best of its field matches (plus a
    /// little of the others), so a chunk matching several words beats a
    /// short chunk matching one word in a boosted field.
    fn build_query(&self, query: &str) -> Result<Option<BooleanQuery>> {
        let expanded = format!("{query} {}", split_identifiers(query));
        let f = self.fields;
        let mut words: Vec<String> = Vec::new();
        for term in self.terms(f.text, &expanded)? {
            let word = term.value().as_str().unwrap_or_default().to_string();
            if !word.is_empty() && !words.contains(&word) {
                words.push(word);
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|word| {
                let per_field: Vec<Box<dyn Query>> = [
                    (f.text, 1.0),
                    (f.idents, 0.5),
                    (f.path, 1.5),
                    (f.symbols, 3.0),
                ]
                .into_iter()
                .map(|(field, boost)| {
                    let term = Term::from_field_text(field, word);
                    let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
                    Box::new(BoostQuery::new(Box::new(q), boost)) as Box<dyn Query>
                })
                .collect();
                let q: Box<dyn Query> =
                    Box::new(DisjunctionMaxQuery::with_tie_breaker(per_field, 0.2));
                (Occur::Should, q)
            })
            .collect();
        // A word that is exactly a definition's name (`claim_job`, `TaskStore`).
        for raw in query.split_whitespace() {
            let name = raw
                .trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'))
                .rsplit("::")
                .next()
                .unwrap_or_default()
                .to_lowercase();
            if name.len() < 2 {
                continue;
            }
            let q = TermQuery::new(
                Term::from_field_text(f.symbol_exact, &name),
                IndexRecordOption::Basic,
            );
            // A constant bonus: BM25 over a list of names would favour short lists.
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(q), 15.0)),
            ));
        }
        Ok((!clauses.is_empty()).then(|| BooleanQuery::new(clauses)))
    }

    fn hit(&self, document: &TantivyDocument, score: f32) -> Hit {
        let f = self.fields;
        let text = |field: Field| {
            document
                .get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let number = |field: Field| {
            document
                .get_first(field)
                .and_then(|v| v.as_u64())
                .unwrap_or(0) as usize
        };
        Hit {
            chunk_id: text(f.chunk_id),
            path: text(f.path_key),
            start_line: number(f.start_line),
            end_line: number(f.end_line),
            commit: self
                .manifest
                .commit
                .clone()
                .unwrap_or_else(|| text(f.commit)),
            language: text(f.language),
            text: text(f.text),
            score,
            symbols: document
                .get_all(f.symbol_names)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        }
    }
}

struct Processed {
    file: IndexedFile,
    chunks: Vec<crate::chunk::Chunk>,
}

fn process(
    candidate: &Candidate,
    content: Vec<u8>,
    config: &ChunkConfig,
) -> std::result::Result<Processed, SkipReason> {
    if !walk::is_text(&content) {
        return Err(SkipReason::Binary);
    }
    if walk::holds_private_key(&content) {
        return Err(SkipReason::Secret);
    }
    let text = String::from_utf8(content).map_err(|_| SkipReason::Binary)?;
    let language = Language::detect(&candidate.path);
    let out = chunk_file(&candidate.path, language, &text, config);
    let main = out
        .symbols
        .iter()
        .find(|s| {
            s.name == "main"
                && s.container.is_none()
                && s.kind == crate::chunk::SymbolKind::Function
        })
        .map(|s| s.start_line);
    let file = IndexedFile {
        path: candidate.path.clone(),
        blob: candidate.blob.clone(),
        language,
        lines: text.lines().count(),
        bytes: candidate.size,
        chunks: out.chunks.len(),
        entry_line: facts::entry_line(language, &text, main),
        symbols: out.symbols,
    };
    Ok(Processed {
        file,
        chunks: out.chunks,
    })
}

/// The largest file [`RepoIndex::read_file`] reads: its size is checked
/// before a byte is read.
pub const READ_FILE_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// A plain directory's file, which must still be a regular file inside the
/// directory (a symbolic link put there since the index ran could lead
/// anywhere on the server) and no larger than [`READ_FILE_MAX_BYTES`].
fn read_inside(root: &Path, path: &str) -> Result<Option<Vec<u8>>> {
    let full = root.join(path);
    let meta = match std::fs::symlink_metadata(&full) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(KnowledgeError::io(full, e)),
    };
    let canonical = std::fs::canonicalize(&full).map_err(|e| KnowledgeError::io(&full, e))?;
    let root = std::fs::canonicalize(root).map_err(|e| KnowledgeError::io(root, e))?;
    if !meta.is_file() || !canonical.starts_with(&root) {
        return Ok(None);
    }
    if meta.len() > READ_FILE_MAX_BYTES {
        return Err(KnowledgeError::TooLarge {
            path: path.to_owned(),
            size: meta.len(),
            max: READ_FILE_MAX_BYTES,
        });
    }
    std::fs::read(&canonical)
        .map(Some)
        .map_err(|e| KnowledgeError::io(canonical, e))
}

fn read_contents(
    repo: &GitRepo,
    checkout: &Checkout,
    batch: &[&Candidate],
) -> Result<Vec<Option<Vec<u8>>>> {
    match checkout.commit {
        Some(_) => {
            let specs: Vec<String> = batch.iter().map(|c| c.blob.clone()).collect();
            repo.read_blobs(&specs)
        }
        None => batch
            .iter()
            .map(|c| {
                let full = checkout.path.join(&c.path);
                std::fs::read(&full)
                    .map(Some)
                    .map_err(|e| KnowledgeError::io(full, e))
            })
            .collect(),
    }
}

/// `parseConfig HTTPServer` → `parse config http server`: the words of
/// camelCase identifiers, which the tokenizer would keep whole.
pub(crate) fn split_identifiers(text: &str) -> String {
    let mut out = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = word.chars().collect();
        let has_inner_upper = chars.iter().skip(1).any(|c| c.is_uppercase())
            && chars.iter().any(|c| c.is_lowercase());
        if !has_inner_upper {
            continue;
        }
        let mut current = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let boundary = i > 0
                && c.is_uppercase()
                && (chars[i - 1].is_lowercase()
                    || chars[i - 1].is_ascii_digit()
                    || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
            if boundary && !current.is_empty() {
                out.push_str(&current);
                out.push(' ');
                current.clear();
            }
            current.push(c);
        }
        out.push_str(&current);
        out.push(' ');
    }
    out
}

fn symbol_words(names: &[String]) -> String {
    let mut out = names.join(" ");
    out.push(' ');
    out.push_str(&split_identifiers(&out.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_camel_case() {
        assert_eq!(
            split_identifiers("parseConfig x HTTPServer"),
            "parse Config HTTP Server "
        );
        assert_eq!(split_identifiers("snake_case plain"), "");
    }
}

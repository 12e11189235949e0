//! An FAQ search index: BM25 over question and answer (tantivy, in memory;
//! the question weighs more) fused by reciprocal rank with embedding
//! similarity, under filters on status, language, category and tag.
//!
//! The index is derived data: its owner fills it from the database and
//! applies every change after that ([`FaqIndex::upsert`],
//! [`FaqIndex::remove`], [`FaqIndex::set_vector`]). Embeddings come from the
//! caller, so this crate calls no model.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::{doc, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analyzer::{analyze, analyzer, ANALYZER};
use super::vectors::{Keep, VectorSet};
use crate::error::Result;

/// How much more a query term found in the question counts than in the answer.
pub const QUESTION_BOOST: f32 = 2.0;
/// The usual RRF constant.
pub const RRF_K: f32 = 60.0;
/// The keyword ranking's weight in the fusion, the semantic one's being 1.
/// A sentence embedder matches paraphrases far better than BM25 (on
/// StackFAQ, P@1 0.94 against 0.76), so keywords count half: enough to lift
/// exact names, codes and rare terms the embedder blurs, not enough to
/// outvote it. `faq rank --keyword-weight` measures other values.
pub const KEYWORD_WEIGHT: f32 = 0.5;
/// Candidates each signal contributes to the fusion.
const CANDIDATES: usize = 50;
/// Distinct query terms used; the rest of a very long query is ignored.
const MAX_QUERY_TERMS: usize = 64;
const WRITER_HEAP: usize = 64 * 1024 * 1024;

/// One FAQ as the index sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct FaqDoc {
    pub id: String,
    pub question: String,
    pub answer: String,
    /// A BCP 47 tag; filters match its primary subtag (`zh-Hant` → `zh`).
    pub language: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub status: String,
}

/// Restricts a search; `None` matches everything.
#[derive(Clone, Debug, Default)]
pub struct FaqFilter {
    pub status: Option<String>,
    pub language: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
}

/// A search: the text, and its embedding when the caller has an embedder.
#[derive(Clone, Debug)]
pub struct FaqQuery<'a> {
    pub text: &'a str,
    pub vector: Option<&'a [f32]>,
    pub filter: FaqFilter,
    pub limit: usize,
    /// The keyword ranking's weight in the fusion ([`KEYWORD_WEIGHT`]).
    pub keyword_weight: f32,
}

/// How one signal ranked a hit.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Signal {
    /// 1-based.
    pub rank: usize,
    /// BM25 for the keyword signal, cosine similarity for the semantic one.
    pub score: f32,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FaqHit {
    pub id: String,
    /// The fused score: Σ weight / (RRF_K + rank) over the signals that found it.
    pub score: f32,
    pub keyword: Option<Signal>,
    pub semantic: Option<Signal>,
}

/// What a filter needs to know of an FAQ without asking tantivy.
#[derive(Clone, Debug)]
struct Meta {
    status: String,
    language: String,
    category: Option<String>,
    tags: Vec<String>,
}

impl FaqFilter {
    /// Whether it matches everything.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.language.is_none()
            && self.category.is_none()
            && self.tag.is_none()
    }
}

impl Meta {
    fn matches(&self, f: &FaqFilter) -> bool {
        f.status.as_ref().is_none_or(|s| *s == self.status)
            && f.language
                .as_ref()
                .is_none_or(|l| primary_subtag(l) == self.language)
            && f.category
                .as_ref()
                .is_none_or(|c| Some(c) == self.category.as_ref())
            && f.tag.as_ref().is_none_or(|t| self.tags.contains(t))
    }
}

struct Fields {
    id: tantivy::schema::Field,
    question: tantivy::schema::Field,
    answer: tantivy::schema::Field,
    status: tantivy::schema::Field,
    language: tantivy::schema::Field,
    category: tantivy::schema::Field,
    tag: tantivy::schema::Field,
}

struct State {
    meta: HashMap<String, Arc<Meta>>,
    /// Each vector carries its FAQ's filter fields, so a filtered scan
    /// reads them by slot instead of looking each id up.
    vectors: Option<VectorSet<Option<Arc<Meta>>>>,
}

pub struct FaqIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    state: RwLock<State>,
}

impl std::fmt::Debug for FaqIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqIndex")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl FaqIndex {
    /// An empty index in memory; `dims` is the embedder's vector length
    /// (`None`: keyword search only).
    pub fn new(dims: Option<usize>) -> Result<Self> {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED),
            question: builder.add_text_field("question", text.clone()),
            answer: builder.add_text_field("answer", text),
            status: builder.add_text_field("status", STRING),
            language: builder.add_text_field("language", STRING),
            category: builder.add_text_field("category", STRING),
            tag: builder.add_text_field("tag", STRING),
        };
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer(WRITER_HEAP)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(FaqIndex {
            reader,
            writer: Mutex::new(writer),
            fields,
            state: RwLock::new(State {
                meta: HashMap::new(),
                vectors: dims.map(VectorSet::new),
            }),
        })
    }

    /// FAQs indexed.
    pub fn len(&self) -> usize {
        self.state.read().expect("faq index state").meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// FAQs that have an embedding.
    pub fn vectors(&self) -> usize {
        let state = self.state.read().expect("faq index state");
        state.vectors.as_ref().map_or(0, VectorSet::len)
    }

    /// The embedding length this index takes, if any.
    pub fn dims(&self) -> Option<usize> {
        let state = self.state.read().expect("faq index state");
        state.vectors.as_ref().map(VectorSet::dims)
    }

    /// Adds or replaces FAQs (their embeddings are kept) and makes them
    /// searchable before returning.
    pub fn upsert(&self, docs: &[FaqDoc]) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let f = &self.fields;
        {
            let mut writer = self.writer.lock().expect("faq index writer");
            for d in docs {
                writer.delete_term(Term::from_field_text(f.id, &d.id));
                let mut document = doc!(
                    f.id => d.id.as_str(),
                    f.question => d.question.as_str(),
                    f.answer => d.answer.as_str(),
                    f.status => d.status.as_str(),
                    f.language => primary_subtag(&d.language),
                );
                if let Some(c) = &d.category {
                    document.add_text(f.category, c);
                }
                for t in &d.tags {
                    document.add_text(f.tag, t);
                }
                writer.add_document(document)?;
            }
            writer.commit()?;
        }
        self.reader.reload()?;
        let mut state = self.state.write().expect("faq index state");
        let state = &mut *state;
        for d in docs {
            let meta = Arc::new(Meta {
                status: d.status.clone(),
                language: primary_subtag(&d.language),
                category: d.category.clone(),
                tags: d.tags.clone(),
            });
            if let Some(v) = state.vectors.as_mut() {
                v.set_payload(&d.id, Some(meta.clone()));
            }
            state.meta.insert(d.id.clone(), meta);
        }
        Ok(())
    }

    /// Removes FAQs and their embeddings.
    pub fn remove(&self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        {
            let mut writer = self.writer.lock().expect("faq index writer");
            for id in ids {
                writer.delete_term(Term::from_field_text(self.fields.id, id));
            }
            writer.commit()?;
        }
        self.reader.reload()?;
        let mut state = self.state.write().expect("faq index state");
        for id in ids {
            state.meta.remove(id);
            if let Some(v) = state.vectors.as_mut() {
                v.remove(id);
            }
        }
        Ok(())
    }

    /// Sets an FAQ's embedding; `false` when this index takes none, or the
    /// vector's length is not the index's.
    pub fn set_vector(&self, id: &str, vector: &[f32]) -> bool {
        let mut state = self.state.write().expect("faq index state");
        let meta = state.meta.get(id).cloned();
        state
            .vectors
            .as_mut()
            .is_some_and(|v| v.upsert_with(id, vector, meta))
    }

    /// The best `limit` FAQs for the query, best first.
    pub fn search(&self, q: &FaqQuery<'_>) -> Result<Vec<FaqHit>> {
        let keyword = self.keyword_candidates(q.text, &q.filter, q.limit)?;
        self.search_with(q, keyword)
    }

    /// The keyword signal alone (the candidates [`FaqIndex::search_with`]
    /// fuses), so a caller can find them while the query is embedded.
    pub fn keyword_candidates(
        &self,
        text: &str,
        filter: &FaqFilter,
        limit: usize,
    ) -> Result<Vec<(String, f32)>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.keyword(text, filter, CANDIDATES.max(limit))
    }

    /// [`FaqIndex::search`] with the keyword candidates already found (for
    /// the same text, filter and limit).
    pub fn search_with(
        &self,
        q: &FaqQuery<'_>,
        keyword: Vec<(String, f32)>,
    ) -> Result<Vec<FaqHit>> {
        if q.limit == 0 {
            return Ok(Vec::new());
        }
        let pool = CANDIDATES.max(q.limit);
        let semantic = match q.vector {
            Some(v) => {
                let state = self.state.read().expect("faq index state");
                let keep = |_: &str, meta: &Option<Arc<Meta>>| {
                    meta.as_ref().is_some_and(|m| m.matches(&q.filter))
                };
                match &state.vectors {
                    Some(set) => set.top_k(
                        v,
                        pool,
                        (!q.filter.is_empty()).then_some(&keep as &Keep<'_, Option<Arc<Meta>>>),
                    ),
                    None => Vec::new(),
                }
            }
            None => Vec::new(),
        };
        Ok(fuse(keyword, semantic, q.keyword_weight, q.limit))
    }

    fn keyword(&self, text: &str, filter: &FaqFilter, limit: usize) -> Result<Vec<(String, f32)>> {
        let f = &self.fields;
        let mut seen = HashSet::new();
        let terms: Vec<String> = analyze(text)
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .take(MAX_QUERY_TERMS)
            .collect();
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 2);
        for t in &terms {
            let in_question = TermQuery::new(
                Term::from_field_text(f.question, t),
                IndexRecordOption::WithFreqs,
            );
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(in_question), QUESTION_BOOST)),
            ));
            should.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.answer, t),
                    IndexRecordOption::WithFreqs,
                )),
            ));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(should)))];
        let exact = |field, value: &str| -> (Occur, Box<dyn Query>) {
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                )),
            )
        };
        if let Some(s) = &filter.status {
            clauses.push(exact(f.status, s));
        }
        if let Some(l) = &filter.language {
            clauses.push(exact(f.language, &primary_subtag(l)));
        }
        if let Some(c) = &filter.category {
            clauses.push(exact(f.category, c));
        }
        if let Some(t) = &filter.tag {
            clauses.push(exact(f.tag, t));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit))?;
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = document.get_first(f.id).and_then(|v| v.as_str()) {
                out.push((id.to_string(), score));
            }
        }
        Ok(out)
    }
}

/// Weighted reciprocal rank fusion of the two rankings (best first).
fn fuse(
    keyword: Vec<(String, f32)>,
    semantic: Vec<(String, f32)>,
    keyword_weight: f32,
    limit: usize,
) -> Vec<FaqHit> {
    // Alone, the keyword ranking needs no weight (and a 0 would tie everything).
    let keyword_weight = if semantic.is_empty() {
        1.0
    } else {
        keyword_weight
    };
    let mut hits: HashMap<String, FaqHit> = HashMap::new();
    for (i, (id, score)) in keyword.into_iter().enumerate() {
        let hit = hits.entry(id.clone()).or_insert_with(|| FaqHit {
            id,
            score: 0.0,
            keyword: None,
            semantic: None,
        });
        hit.score += keyword_weight / (RRF_K + i as f32 + 1.0);
        hit.keyword = Some(Signal { rank: i + 1, score });
    }
    for (i, (id, score)) in semantic.into_iter().enumerate() {
        let hit = hits.entry(id.clone()).or_insert_with(|| FaqHit {
            id,
            score: 0.0,
            keyword: None,
            semantic: None,
        });
        hit.score += 1.0 / (RRF_K + i as f32 + 1.0);
        hit.semantic = Some(Signal { rank: i + 1, score });
    }
    let mut out: Vec<FaqHit> = hits.into_values().collect();
    // Ties (one signal each at the same rank): the semantic one first, then by id.
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| best_rank(a).cmp(&best_rank(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    out.truncate(limit);
    out
}

fn best_rank(h: &FaqHit) -> usize {
    let k = h.keyword.map_or(usize::MAX, |s| s.rank);
    let s = h.semantic.map_or(usize::MAX, |s| s.rank);
    k.min(s)
}

/// `zh-Hant-TW` → `zh`; lowercase.
pub fn primary_subtag(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

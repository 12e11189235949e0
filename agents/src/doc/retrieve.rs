//! Retrieval: each section's evidence, the chunks its prose may draw on.

use std::collections::HashSet;

use morningai_knowledge::{Hit, Language, RepoIndex};
use serde::{Deserialize, Serialize};

use super::outline::Outline;
use super::DocError;

/// The chunks one section's prose is written from: the section's pinned
/// evidence first, then what its queries found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionEvidence {
    pub section_id: String,
    pub hits: Vec<Hit>,
}

/// Up to `k` retrieved chunks per section (plus its pinned ones), in the
/// outline's order. A section with a scope only takes chunks under it.
pub fn retrieve(
    outline: &Outline,
    index: &RepoIndex,
    k: usize,
) -> Result<Vec<SectionEvidence>, DocError> {
    let mut out = Vec::with_capacity(outline.sections.len());
    for section in &outline.sections {
        let mut hits = section.pinned.clone();
        let mut seen: HashSet<String> = hits.iter().map(|h| h.chunk_id.clone()).collect();
        let mut retrieved = 0;
        'queries: for query in &section.queries {
            for hit in index.search(query, k * 3)? {
                if retrieved >= k {
                    break 'queries;
                }
                let in_scope = section.scope.as_deref().is_none_or(|scope| {
                    scope.is_empty() || hit.path.starts_with(&format!("{scope}/"))
                });
                if !in_scope || overlaps_any(&hits, &hit) || !seen.insert(hit.chunk_id.clone()) {
                    continue;
                }
                hits.push(hit);
                retrieved += 1;
            }
        }
        out.push(SectionEvidence {
            section_id: section.id.clone(),
            hits,
        });
    }
    Ok(out)
}

fn overlaps_any(hits: &[Hit], hit: &Hit) -> bool {
    hits.iter()
        .any(|h| h.path == hit.path && h.start_line <= hit.end_line && hit.start_line <= h.end_line)
}

/// Lines `start..=end` of `path` at the indexed commit, as a [`Hit`];
/// `None` when the file or the lines are not there.
pub fn excerpt(
    index: &RepoIndex,
    path: &str,
    start: usize,
    end: usize,
) -> Result<Option<Hit>, DocError> {
    let Some(commit) = index.commit() else {
        return Ok(None);
    };
    let Some(bytes) = index.read_file(path)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    if start == 0 || end < start || end > lines.len() {
        return Ok(None);
    }
    Ok(Some(Hit {
        chunk_id: format!("{path}:{start}-{end}"),
        path: path.to_string(),
        start_line: start,
        end_line: end,
        commit: commit.to_string(),
        language: index
            .file(path)
            .map(|f| f.language)
            .unwrap_or_else(|| Language::detect(path))
            .name()
            .to_string(),
        text: lines[start - 1..end].join("\n"),
        score: 0.0,
        symbols: Vec::new(),
    }))
}

/// The indexed chunk holding `line` of `path`, if the index has it.
pub fn chunk_at(index: &RepoIndex, path: &str, line: usize, query: &str) -> Option<Hit> {
    let hits = index.search(&format!("{query} {path}"), 50).ok()?;
    hits.into_iter()
        .filter(|h| h.path == path && h.start_line <= line && line <= h.end_line)
        .min_by_key(|h| h.end_line - h.start_line)
}

/// The first `max_lines` lines of a hit, with the line range narrowed to
/// match (so a citation of the shown text stays exact).
pub fn head(hit: &Hit, max_lines: usize) -> Hit {
    let lines: Vec<&str> = hit.text.lines().collect();
    if lines.len() <= max_lines {
        return hit.clone();
    }
    let mut cut = hit.clone();
    cut.text = lines[..max_lines].join("\n");
    cut.end_line = hit.start_line + max_lines - 1;
    cut.chunk_id = format!("{}:{}-{}", hit.path, cut.start_line, cut.end_line);
    cut
}

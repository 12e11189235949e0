//! `doc`: a question about an indexed repository becomes a Markdown document
//! whose every claim cites the repository.
//! `index → outline → retrieve → draft ⟲ (one section a step) → verify →
//! render → save → approve? → publish? → END`.
//!
//! The state is checkpointed after every node, so it stays compact: the
//! outline keeps its pinned chunks, the evidence keeps only what was
//! retrieved beyond them, a drafted section's evidence loses its text (the
//! manifest needs only paths and line ranges), and `render` drops everything
//! but the document, its manifest and its verification report.

use std::time::Duration;

use morningai_ai::ChatModel;
use morningai_core::{DocumentId, Publication, RepositoryId, RepositoryStatus};
use morningai_knowledge::{Hit, RepoIndex};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

use super::publish::{publish_node, save_node};
use super::{
    draft, outline, render, retrieve, verify, DocError, DocMetadata, DocParts, EvidenceManifest,
    Outline, SectionEvidence, VerificationReport, DEFAULT_EVIDENCE_PER_SECTION,
};
use crate::env::GraphEnv;
use morningai_orchestration::graph::{
    Graph, NodeCtx, NodeError, NodeOutput, NodePolicy, END, START,
};

pub const KIND: &str = "doc";

/// Longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocState {
    /// The repository to document (required; it must be indexed).
    pub repository_id: RepositoryId,
    /// The question (required, 1–2,000 characters).
    #[serde(deserialize_with = "question")]
    pub question: String,
    /// Ask a person to accept the document before the task is done.
    #[serde(default)]
    pub require_approval: bool,
    /// Commit the document on a branch of the repository and push it; with
    /// a forge token configured, open a pull request (after approval when
    /// `require_approval`).
    #[serde(default)]
    pub publish: bool,
    /// `owner/name` on the forge for the pull request (default: from the
    /// repository's URL).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "forge_repository"
    )]
    pub pull_request_repository: Option<String>,

    /// The repository's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The indexed commit the document is written at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// `provider/model` that wrote the prose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<Outline>,
    /// Per section, the retrieved chunks beyond the section's pinned ones
    /// (which the outline keeps); text-less once the section is drafted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<SectionEvidence>>,
    /// Each drafted section's Markdown, in the outline's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drafted: Option<Vec<String>>,
    /// The verified sections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,

    /// The document's title (from the outline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<EvidenceManifest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<VerificationReport>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_note: Option<serde_json::Value>,

    /// The saved document and its version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<Publication>,
}

/// `owner/name`, checked at submit.
pub(crate) fn forge_repository<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    let repo = Option::<String>::deserialize(d)?;
    if let Some(repo) = &repo {
        let ok = repo.split_once('/').is_some_and(|(owner, name)| {
            let part = |p: &str| {
                !p.is_empty()
                    && p.len() <= 100
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            };
            part(owner) && part(name) && name != "." && name != ".."
        });
        if !ok {
            return Err(serde::de::Error::custom(
                "pull_request_repository must be \"owner/name\"",
            ));
        }
    }
    Ok(repo)
}

/// The question, refused at submit when empty or too long.
fn question<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let q = String::deserialize(d)?;
    let trimmed = q.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_QUESTION_CHARS {
        return Err(serde::de::Error::custom(format!(
            "question must be 1 to {} characters",
            "2,000"
        )));
    }
    Ok(trimmed.to_owned())
}

pub fn graph(env: GraphEnv) -> Graph<DocState> {
    let quick = NodePolicy {
        timeout: Duration::from_secs(300),
        retries: 0,
        backoff: Duration::from_secs(1),
    };
    let draft_policy = NodePolicy {
        timeout: Duration::from_secs(600),
        retries: 2,
        backoff: Duration::from_secs(2),
    };
    let (e1, e2, e3, e4, e5) = (
        env.clone(),
        env.clone(),
        env.clone(),
        env.clone(),
        env.clone(),
    );
    let e6 = env;
    Graph::builder(KIND)
        .node_with("index", quick, move |s: DocState, ctx| {
            let env = e1.clone();
            async move { index_node(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node_with("outline", quick, move |s: DocState, ctx| {
            let env = e2.clone();
            async move { outline_node(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node_with("retrieve", quick, move |s: DocState, ctx| {
            let env = e3.clone();
            async move { retrieve_node(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node_with("draft", draft_policy, |s: DocState, ctx| async move {
            draft_node(s, &ctx).await.map(NodeOutput::Update)
        })
        .node_with("verify", quick, move |s: DocState, ctx| {
            let env = e4.clone();
            async move { verify_node(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node("render", |s: DocState, ctx| async move {
            render_node(s, &ctx).map(NodeOutput::Update)
        })
        .node_with("save", quick, move |s: DocState, ctx| {
            let env = e5.clone();
            async move { save_node(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node_with("publish", quick, move |s: DocState, ctx| {
            let env = e6.clone();
            async move { publish_node(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node("approve", |mut s: DocState, ctx| async move {
            match ctx.resume {
                None => Ok(NodeOutput::Interrupt(json!({
                    "question": "Accept this document?",
                    "asked": s.question,
                    "markdown": s.markdown,
                    "report": s.report,
                }))),
                Some(decision) => {
                    s.approved = Some(decision.approved);
                    s.reviewer_note = decision.input;
                    Ok(NodeOutput::Update(s))
                }
            }
        })
        .edge(START, "index")
        .edge("index", "outline")
        .edge("outline", "retrieve")
        .route("retrieve", &["draft", "verify"], next_after_retrieval)
        .route("draft", &["draft", "verify"], next_after_retrieval)
        .edge("verify", "render")
        .edge("render", "save")
        .route("save", &["approve", "publish", END], |s| {
            if s.require_approval {
                "approve"
            } else if s.publish {
                "publish"
            } else {
                END
            }
        })
        .route("approve", &["publish", END], |s| {
            if s.publish && s.approved == Some(true) {
                "publish"
            } else {
                END
            }
        })
        .edge("publish", END)
        .step_limit(400)
        .build()
        .expect("the doc graph is well-formed")
}

/// Another section to draft, or on to verification.
fn next_after_retrieval(s: &DocState) -> &'static str {
    let sections = s.outline.as_ref().map_or(0, |o| o.sections.len());
    let drafted = s.drafted.as_ref().map_or(0, Vec::len);
    if drafted < sections {
        "draft"
    } else {
        "verify"
    }
}

pub(crate) fn fatal(e: impl std::fmt::Display) -> NodeError {
    NodeError::Fatal(e.to_string())
}

fn doc_error(e: DocError) -> NodeError {
    match e {
        DocError::Model(e) => NodeError::from(e),
        e => fatal(e),
    }
}

/// Opens the repository's index read-only (it is never updated here) on a
/// blocking thread and runs `f` on it there; fails when the index is not at
/// `commit` (re-indexed since the run started).
pub(crate) async fn with_index<T, F>(
    env: &GraphEnv,
    ctx: &NodeCtx,
    repo: RepositoryId,
    commit: Option<String>,
    f: F,
) -> Result<T, NodeError>
where
    T: Send + 'static,
    F: FnOnce(&RepoIndex) -> Result<T, NodeError> + Send + 'static,
{
    let dir = env.index_dir(ctx.tenant_id, repo);
    tokio::task::spawn_blocking(move || {
        if !dir.is_dir() {
            return Err(not_indexed(repo));
        }
        let index = RepoIndex::open(&dir).map_err(fatal)?;
        match (index.commit(), commit.as_deref()) {
            (None, _) => return Err(not_indexed(repo)),
            (Some(have), Some(want)) if have != want => {
                return Err(fatal(format!(
                    "repository {repo} was re-indexed during this run (now at {have}, was {want}); ask again"
                )))
            }
            _ => {}
        }
        f(&index)
    })
    .await
    .map_err(|e| fatal(format!("the index thread stopped: {e}")))?
}

pub(crate) fn not_indexed(repo: RepositoryId) -> NodeError {
    fatal(format!(
        "repository {repo} has not been indexed yet; index it first (POST /api/repositories/{repo}/index) and ask again when it is ready"
    ))
}

async fn index_node(env: &GraphEnv, s: DocState, ctx: &NodeCtx) -> Result<DocState, NodeError> {
    let id = s.repository_id;
    let repo = env
        .store
        .repository(ctx.tenant_id, id)
        .await
        .map_err(|e| NodeError::Retryable(format!("reading repository {id}: {e}")))?
        .ok_or_else(|| fatal(format!("repository {id} not found")))?;
    let Some(indexed_commit) = repo.indexed_commit.clone() else {
        return Err(not_indexed(id));
    };
    if repo.status != RepositoryStatus::Ready {
        return Err(fatal(format!(
            "repository {} is {} (not ready); index it first (POST /api/repositories/{id}/index) and ask again when it is ready",
            repo.name,
            repo.status
        )));
    }
    let chat = ctx.chat()?;
    let commit = with_index(env, ctx, id, None, |index| {
        Ok(index.commit().unwrap_or_default().to_owned())
    })
    .await?;
    if commit != indexed_commit {
        return Err(fatal(format!(
            "repository {} is recorded at {indexed_commit} but its index is at {commit}; index it again",
            repo.name
        )));
    }
    ctx.log(format!(
        "writing from {} at {commit} ({} files, {} chunks)",
        repo.name, repo.file_count, repo.chunk_count
    ));
    // A fresh state from the input alone: nothing derived is taken from it.
    Ok(DocState {
        repository_id: id,
        question: s.question,
        require_approval: s.require_approval,
        publish: s.publish,
        pull_request_repository: s.pull_request_repository,
        repository: Some(repo.name),
        commit: Some(commit),
        model: Some(format!("{}/{}", chat.provider(), chat.model())),
        outline: None,
        evidence: None,
        drafted: None,
        body: None,
        title: None,
        markdown: None,
        manifest: None,
        report: None,
        approved: None,
        reviewer_note: None,
        document_id: None,
        version: None,
        publication: None,
    })
}

async fn outline_node(
    env: &GraphEnv,
    mut s: DocState,
    ctx: &NodeCtx,
) -> Result<DocState, NodeError> {
    let question = s.question.clone();
    let planned = with_index(env, ctx, s.repository_id, s.commit.clone(), move |index| {
        outline(&question, index.facts(), index).map_err(doc_error)
    })
    .await?;
    ctx.log(format!(
        "outlined {} sections: {}",
        planned.sections.len(),
        planned
            .sections
            .iter()
            .map(|s| s.heading.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s.outline = Some(planned);
    Ok(s)
}

async fn retrieve_node(
    env: &GraphEnv,
    mut s: DocState,
    ctx: &NodeCtx,
) -> Result<DocState, NodeError> {
    let planned = s
        .outline
        .clone()
        .ok_or_else(|| fatal("the outline step left no outline"))?;
    let mut evidence = with_index(env, ctx, s.repository_id, s.commit.clone(), move |index| {
        retrieve(&planned, index, DEFAULT_EVIDENCE_PER_SECTION).map_err(doc_error)
    })
    .await?;
    let planned = s.outline.as_ref().expect("checked above");
    // The pinned chunks come first and stay in the outline: keep them once.
    for (found, section) in evidence.iter_mut().zip(&planned.sections) {
        found.hits = found
            .hits
            .split_off(section.pinned.len().min(found.hits.len()));
    }
    let chunks: usize = evidence.iter().map(|e| e.hits.len()).sum::<usize>()
        + planned
            .sections
            .iter()
            .map(|s| s.pinned.len())
            .sum::<usize>();
    ctx.log(format!(
        "retrieved {chunks} chunks for {} sections",
        planned.sections.len()
    ));
    s.evidence = Some(evidence);
    s.drafted = Some(Vec::new());
    Ok(s)
}

/// A section's evidence as retrieval returned it: pinned chunks, then the rest.
fn section_hits(pinned: &[Hit], found: Option<&SectionEvidence>) -> Vec<Hit> {
    pinned
        .iter()
        .cloned()
        .chain(found.into_iter().flat_map(|f| f.hits.iter().cloned()))
        .collect()
}

/// A hit without its text, for the manifest.
fn strip(hit: &mut Hit) {
    hit.text = String::new();
    hit.symbols = Vec::new();
}

/// Drafts the next section (one model call when it has prose to write).
async fn draft_node(mut s: DocState, ctx: &NodeCtx) -> Result<DocState, NodeError> {
    let planned = s
        .outline
        .as_ref()
        .ok_or_else(|| fatal("the outline step left no outline"))?;
    let drafted = s.drafted.get_or_insert_with(Vec::new);
    let i = drafted.len();
    let Some(section) = planned.sections.get(i) else {
        return Ok(s);
    };
    let evidence = s.evidence.get_or_insert_with(Vec::new);
    let hits = section_hits(&section.pinned, evidence.get(i));
    let chat = ctx.chat()?;
    let markdown = tokio::select! {
        md = draft(section, &hits, &*chat) => md.map_err(doc_error)?,
        () = ctx.cancel.cancelled() => return Err(NodeError::Retryable("interrupted".into())),
    };
    ctx.log(format!(
        "drafted section {} of {}: {}{}",
        i + 1,
        planned.sections.len(),
        section.heading,
        if section.brief.is_some() {
            ""
        } else {
            " (facts only)"
        }
    ));
    drafted.push(markdown);
    if let Some(found) = evidence.get_mut(i) {
        found.hits.iter_mut().for_each(strip);
    }
    Ok(s)
}

async fn verify_node(
    env: &GraphEnv,
    mut s: DocState,
    ctx: &NodeCtx,
) -> Result<DocState, NodeError> {
    let markdown = s.drafted.take().unwrap_or_default().join("\n\n");
    let (body, report) = with_index(env, ctx, s.repository_id, s.commit.clone(), move |index| {
        verify(&markdown, index).map_err(doc_error)
    })
    .await?;
    ctx.log(format!(
        "verified {} claims: {} kept, {} removed, {} rewritten ({} citations, {} paths, {} symbols checked)",
        report.claims_checked,
        report.claims_kept,
        report.removed_count(),
        report.rewritten.len(),
        report.citations_checked,
        report.paths_checked,
        report.symbols_checked
    ));
    s.body = Some(body);
    s.report = Some(report);
    Ok(s)
}

fn render_node(mut s: DocState, ctx: &NodeCtx) -> Result<DocState, NodeError> {
    let planned = s
        .outline
        .take()
        .ok_or_else(|| fatal("the outline step left no outline"))?;
    let stored = s.evidence.take().unwrap_or_default();
    let evidence: Vec<SectionEvidence> = planned
        .sections
        .iter()
        .enumerate()
        .map(|(i, section)| {
            let mut hits = section_hits(&section.pinned, stored.get(i));
            hits.iter_mut().for_each(strip);
            SectionEvidence {
                section_id: section.id.clone(),
                hits,
            }
        })
        .collect();
    let meta = DocMetadata {
        task: ctx.task_id.to_string(),
        trace_id: ctx.trace_id.to_string(),
        model: s.model.clone().unwrap_or_default(),
        repository: s.repository.clone().unwrap_or_default(),
        commit: s.commit.clone().unwrap_or_default(),
    };
    s.title = Some(planned.title.clone());
    let parts = DocParts {
        title: planned.title,
        question: s.question.clone(),
        body: s.body.take().unwrap_or_default(),
        evidence,
    };
    let rendered = render(&parts, &meta);
    ctx.log(format!(
        "rendered {} bytes citing {} ranges from {} chunks",
        rendered.markdown.len(),
        rendered.manifest.citations.len(),
        rendered.manifest.chunks.len()
    ));
    s.markdown = Some(rendered.markdown);
    s.manifest = Some(rendered.manifest);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_is_validated_at_deserialization() {
        let id = RepositoryId::new();
        let state: DocState =
            serde_json::from_value(json!({ "repository_id": id, "question": "  Why?  " })).unwrap();
        assert_eq!(state.question, "Why?");
        assert!(!state.require_approval);
        for bad in [
            json!({ "repository_id": id, "question": " " }),
            json!({ "repository_id": id, "question": "x".repeat(2_001) }),
        ] {
            let e = serde_json::from_value::<DocState>(bad).unwrap_err();
            assert!(e.to_string().starts_with("question must be"), "{e}");
        }
        assert!(serde_json::from_value::<DocState>(json!({ "question": "Why?" })).is_err());
        assert!(serde_json::from_value::<DocState>(
            json!({ "repository_id": id, "question": "Why?", "extra": 1 })
        )
        .is_err());
        // Unset derived fields are not written back.
        let written = serde_json::to_value(&state).unwrap();
        assert_eq!(
            written.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["publish", "question", "repository_id", "require_approval"]
        );
    }
}

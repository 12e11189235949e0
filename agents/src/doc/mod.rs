//! The documentation pipeline's steps: a question about an indexed repository
//! becomes a Markdown document whose every claim cites the repository.
//!
//! `outline → retrieve → draft → verify → render`, each a function over plain
//! data so the `doc` graph's nodes (and tests) can call them one by one;
//! [`write_document`] chains them.
//!
//! The facts carry the document, not the model: components, paths,
//! technologies, configuration, troubleshooting, related documents and the
//! code example are rendered by code from the repository's facts and index,
//! each with a `path:Lstart-Lend` citation. The model only writes connecting
//! prose from the evidence it is shown, and [`verify`] keeps a sentence only
//! when it cites the repository and everything it names checks out at the
//! indexed commit. A weak model therefore makes a plainer document, never a
//! false one.

pub mod draft;
pub mod graph;
pub mod outline;
pub mod publish;
pub mod render;
pub mod retrieve;
pub mod verify;

use morningai_ai::{AiError, ChatModel};
use morningai_knowledge::{KnowledgeError, RepoIndex};
use serde::{Deserialize, Serialize};

pub use draft::{draft, DRAFT_MAX_TOKENS};
pub use graph::{DocState, KIND};
pub use outline::{outline, ConfigItem, FactLine, Outline, Section, SectionKind};
pub use render::{
    render, DocMetadata, DocParts, EvidenceManifest, ManifestChunk, RenderedDocument,
};
pub use retrieve::{retrieve, SectionEvidence};
pub use verify::{verify, RemovedClaim, RewrittenClaim, VerificationReport};

/// What can stop the pipeline (a claim that does not check out is not an
/// error: it is removed and reported).
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("repository index: {0}")]
    Knowledge(#[from] KnowledgeError),
    #[error("model: {0}")]
    Model(#[from] AiError),
    #[error("the repository has not been indexed")]
    NotIndexed,
}

/// Chunks retrieved per section by [`write_document`].
pub const DEFAULT_EVIDENCE_PER_SECTION: usize = 4;

/// The pipeline's result: the document, the evidence kept beside it, and
/// what verification removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentOutput {
    pub markdown: String,
    pub manifest: EvidenceManifest,
    pub report: VerificationReport,
}

/// Runs the whole pipeline. `metadata.model` and `metadata.commit` are filled
/// from `model` and the index when left empty.
pub async fn write_document(
    question: &str,
    index: &RepoIndex,
    model: &dyn ChatModel,
    mut metadata: DocMetadata,
) -> Result<DocumentOutput, DocError> {
    let commit = index.commit().ok_or(DocError::NotIndexed)?.to_string();
    if metadata.commit.is_empty() {
        metadata.commit = commit;
    }
    if metadata.model.is_empty() {
        metadata.model = format!("{}/{}", model.provider(), model.model());
    }
    if metadata.task.is_empty() {
        metadata.task = question.to_string();
    }
    let outline = outline(question, index.facts(), index)?;
    let evidence = retrieve(&outline, index, DEFAULT_EVIDENCE_PER_SECTION)?;
    let mut sections = Vec::with_capacity(outline.sections.len());
    for (section, found) in outline.sections.iter().zip(&evidence) {
        sections.push(draft(section, &found.hits, model).await?);
    }
    let (body, report) = verify(&sections.join("\n\n"), index)?;
    let parts = DocParts {
        title: outline.title.clone(),
        question: question.to_string(),
        body,
        evidence,
    };
    let rendered = render(&parts, &metadata);
    Ok(DocumentOutput {
        markdown: rendered.markdown,
        manifest: rendered.manifest,
        report,
    })
}

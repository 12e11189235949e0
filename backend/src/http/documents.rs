//! The documents API: what the documentation agent wrote, one document per
//! question about a repository with a version per run; read any version
//! with its evidence manifest and verification report, compare two
//! versions, delete. Tenant-scoped: another tenant's document is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_core::{
    Document, DocumentId, DocumentVersion, DocumentVersionInfo, RepositoryId, Role,
};
use serde::{Deserialize, Serialize};
use similar::TextDiff;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Path, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents))
        .routes(routes!(get_document, delete_document))
        .routes(routes!(list_versions))
        .routes(routes!(diff_versions))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentsQuery {
    /// Only documents about this repository.
    repository_id: Option<RepositoryId>,
    /// `next_cursor` of the previous page.
    cursor: Option<DocumentId>,
    /// 1–200, default 50.
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentPage {
    documents: Vec<Document>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<DocumentId>,
}

/// Your tenant's documents, newest first, a page at a time.
#[utoipa::path(get, path = "/api/documents", tag = "documents", params(DocumentsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = DocumentPage), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_documents(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<DocumentsQuery>,
) -> ApiResult<Json<DocumentPage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 200"));
    }
    let documents = state
        .store
        .documents(ctx.tenant_id, q.repository_id, q.cursor, limit)
        .await?;
    let next_cursor = (documents.len() as i64 == limit)
        .then(|| documents.last().map(|d| d.id))
        .flatten();
    Ok(Json(DocumentPage {
        documents,
        next_cursor,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// A version number (from 1); default the latest.
    version: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DocumentWithVersion {
    document: Document,
    /// The asked version (default the latest): Markdown, evidence manifest,
    /// verification report (claims checked, kept, removed and why), publication.
    version: DocumentVersion,
}

/// A document with one of its versions.
#[utoipa::path(get, path = "/api/documents/{id}", tag = "documents",
    params(("id" = DocumentId, Path, description = "the document's id"), VersionQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = DocumentWithVersion), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_document(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<DocumentId>,
    Query(q): Query<VersionQuery>,
) -> ApiResult<Json<DocumentWithVersion>> {
    let document = load(&state, ctx.tenant_id, id).await?;
    let version = version(&state, &document, q.version, "version").await?;
    Ok(Json(DocumentWithVersion { document, version }))
}

/// Delete a document with all its versions (members and above; audited).
#[utoipa::path(delete, path = "/api/documents/{id}", tag = "documents",
    params(("id" = DocumentId, Path, description = "the document's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_document(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<DocumentId>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Role::Member)?;
    state.store.delete_document(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionList {
    /// Newest first.
    versions: Vec<DocumentVersionInfo>,
}

/// A document's versions, newest first: commit, model, run, verification
/// counts and publication of each.
#[utoipa::path(get, path = "/api/documents/{id}/versions", tag = "documents",
    params(("id" = DocumentId, Path, description = "the document's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = VersionList), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_versions(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<DocumentId>,
) -> ApiResult<Json<VersionList>> {
    let document = load(&state, ctx.tenant_id, id).await?;
    let versions = state
        .store
        .document_versions(ctx.tenant_id, document.id)
        .await?;
    Ok(Json(VersionList { versions }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// The older version; default the one before `to`.
    from: Option<i64>,
    /// The newer version; default the latest.
    to: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionDiff {
    from: i64,
    to: i64,
    from_commit: String,
    to_commit: String,
    /// A unified diff of the Markdown (`git diff` style, 3 lines of context).
    unified: String,
    /// Lines added and removed.
    added: usize,
    removed: usize,
}

/// The difference between two versions of a document's Markdown.
#[utoipa::path(get, path = "/api/documents/{id}/diff", tag = "documents",
    params(("id" = DocumentId, Path, description = "the document's id"), DiffQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = VersionDiff), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn diff_versions(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<DocumentId>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<VersionDiff>> {
    let document = load(&state, ctx.tenant_id, id).await?;
    let to = q.to.unwrap_or(document.latest_version);
    let from = match q.from {
        Some(from) => from,
        None if to > 1 => to - 1,
        None => {
            return Err(ApiError::validation(
                "from",
                "the document has one version: nothing to compare it with",
            ))
        }
    };
    let old = version(&state, &document, Some(from), "from").await?;
    let new = version(&state, &document, Some(to), "to").await?;
    let diff = TextDiff::from_lines(&old.markdown, &new.markdown);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("v{from}"), &format!("v{to}"))
        .to_string();
    Ok(Json(VersionDiff {
        from,
        to,
        from_commit: old.info.commit,
        to_commit: new.info.commit,
        unified,
        added,
        removed,
    }))
}

async fn load(
    state: &AppState,
    tenant: morningai_core::TenantId,
    id: DocumentId,
) -> ApiResult<Document> {
    state
        .store
        .document(tenant, id)
        .await?
        .ok_or(ApiError::NotFound("document"))
}

/// Version `number` (default the latest) of `document`; a number it does
/// not have is a 422 naming `field`.
async fn version(
    state: &AppState,
    document: &Document,
    number: Option<i64>,
    field: &str,
) -> ApiResult<DocumentVersion> {
    if let Some(n) = number {
        if !(1..=document.latest_version).contains(&n) {
            return Err(ApiError::validation(
                field,
                format!(
                    "the document has versions 1 to {}, not {n}",
                    document.latest_version
                ),
            ));
        }
    }
    state
        .store
        .document_version(document.tenant_id, document.id, number)
        .await?
        .ok_or(ApiError::NotFound("document version"))
}

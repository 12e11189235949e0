//! FAQ import and export over HTTP: the file is the request (or response)
//! body, in JSON Lines, CSV or Markdown. An import with any bad line is a
//! 422 that lists every bad line, and applies nothing.

use axum::extract::rejection::StringRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use morningai_core::{FaqCategoryId, FaqStatus, Role};
use morningai_knowledge::faq::transfer::FaqFormat;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};
use crate::faq_files::{self, ExportFilter, ImportError, ImportReport};

/// The largest import file accepted.
pub const IMPORT_MAX_BYTES: usize = 16 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_faqs))
        // A file of FAQs may be larger than an ordinary request.
        .layer(axum::extract::DefaultBodyLimit::max(IMPORT_MAX_BYTES))
        .routes(routes!(export_faqs))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    format: FaqFormat,
    /// Check the file and report what would change, changing nothing.
    #[serde(default)]
    dry_run: bool,
    /// The language of FAQs that name none (a BCP 47 tag); default `en`.
    language: Option<String>,
}

/// Import FAQs from a file (owners and admins). The body is the file:
/// JSON Lines (`{"question","answer","external_id"?,"id"?,"category"?,
/// "tags"?,"language"?,"status"?}` per line), CSV with a header row of those
/// columns (tags comma-separated), or Markdown (`# Category`, then
/// `## Question` and the answer). A FAQ with an `id` updates that FAQ, one
/// with an `external_id` you already have updates that one, the rest are
/// created (status `published` unless the file says otherwise). Any bad
/// line: 422 `invalid_file` with every bad line, and nothing is imported.
#[utoipa::path(post, path = "/api/faqs/import", tag = "faqs", params(ImportQuery),
    request_body(content = String, content_type = "text/plain"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ImportReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import_faqs(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    body: Result<String, StringRejection>,
) -> ApiResult<Json<ImportReport>> {
    let ctx = auth.require(Role::Admin)?;
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest("the file must be UTF-8 text".into()),
    })?;
    let language = q.language.as_deref().unwrap_or("en");
    let language =
        morningai_core::language_tag(language).map_err(|e| ApiError::validation("language", e))?;
    let report = faq_files::import(&*state.store, ctx, q.format, &body, &language, q.dry_run)
        .await
        .map_err(|e| match e {
            ImportError::Lines { total, lines } => ApiError::InvalidFile {
                message: ImportError::Lines {
                    total,
                    lines: Vec::new(),
                }
                .to_string(),
                lines,
            },
            ImportError::Empty => ApiError::validation("body", e),
            ImportError::Store(e) => e.into(),
        })?;
    if !report.dry_run {
        state.faqs.embed_soon(ctx.tenant_id);
    }
    Ok(Json(report))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    format: FaqFormat,
    status: Option<FaqStatus>,
    category_id: Option<FaqCategoryId>,
}

/// Export your FAQs as a file that imports back to the same FAQs.
#[utoipa::path(get, path = "/api/faqs/export", tag = "faqs", params(ExportQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "The file", content_type = "text/plain", body = String),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_faqs(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let filter = ExportFilter {
        status: q.status,
        category_id: q.category_id,
    };
    let text = faq_files::export(&*state.store, &ctx, q.format, &filter).await?;
    let disposition = format!("attachment; filename=\"faqs.{}\"", q.format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, q.format.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}

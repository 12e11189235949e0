//! FAQ import and export for the API and the CLI alike: a file is parsed,
//! checked against the tenant's categories and FAQs, and imported in one
//! transaction, or not at all when any line is bad.

use morningai_agents::faq::all_faqs;
use morningai_core::{FaqCategoryId, FaqStatus, ImportOutcome, TenantCtx};
use morningai_knowledge::faq::transfer::{
    parse, prepare, record_of, write, CategoryPaths, FaqFormat, LineError,
};
use morningai_store::{Store, StoreError};
use serde::Serialize;

/// Bad lines reported at most (a file of garbage should not answer megabytes).
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// What an import did, or in a dry run would do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub format: FaqFormat,
    pub dry_run: bool,
    /// FAQs in the file.
    pub records: usize,
    #[serde(flatten)]
    pub outcome: ImportOutcome,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Lines that cannot be imported (at most [`MAX_REPORTED_ERRORS`]);
    /// nothing was applied.
    #[error("{total} line(s) of the file have errors; nothing was imported")]
    Lines { total: usize, lines: Vec<LineError> },
    #[error("the file holds no FAQ")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports `text` as `format` into the tenant: FAQs matched by id, then by
/// external id, are updated; the rest are created; FAQs without a
/// `language` get `language`.
pub async fn import(
    store: &dyn Store,
    ctx: &TenantCtx,
    format: FaqFormat,
    text: &str,
    language: &str,
    dry_run: bool,
) -> Result<ImportReport, ImportError> {
    let (records, mut errors) = parse(format, text);
    let categories = CategoryPaths::new(&store.categories(ctx.tenant_id).await?);
    let items = match prepare(&records, &categories, language) {
        Ok(items) => items,
        Err(more) => {
            errors.extend(more);
            Vec::new()
        }
    };
    // An id must be one of the tenant's FAQs (another tenant's is unknown).
    for record in &records {
        if let Some(id) = record.value.id {
            if store.faq(ctx.tenant_id, id).await?.is_none() {
                errors.push(LineError {
                    line: record.line,
                    message: format!("no FAQ has the id {id} here"),
                });
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        let total = errors.len();
        errors.truncate(MAX_REPORTED_ERRORS);
        return Err(ImportError::Lines {
            total,
            lines: errors,
        });
    }
    if items.is_empty() {
        return Err(ImportError::Empty);
    }
    let items: Vec<_> = items.into_iter().map(|n| n.value).collect();
    let outcome = store.import_faqs(ctx, &items, dry_run).await?;
    Ok(ImportReport {
        format,
        dry_run,
        records: items.len(),
        outcome,
    })
}

/// Which FAQs to export; everything unset exports all of them.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub status: Option<FaqStatus>,
    pub category_id: Option<FaqCategoryId>,
}

/// The tenant's FAQs as a file of `format`, oldest first (so that an export
/// reads in the order the FAQs were written).
pub async fn export(
    store: &dyn Store,
    ctx: &TenantCtx,
    format: FaqFormat,
    filter: &ExportFilter,
) -> Result<String, StoreError> {
    let categories = CategoryPaths::new(&store.categories(ctx.tenant_id).await?);
    let faqs = all_faqs(store, ctx.tenant_id, filter.status, filter.category_id).await?;
    let records: Vec<_> = faqs.iter().map(|f| record_of(f, &categories)).collect();
    Ok(write(format, &records))
}

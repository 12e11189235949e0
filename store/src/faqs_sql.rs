//! The FAQ knowledge base, written once for both backends like `sql.rs`.
//! Every query filters on `tenant_id` explicitly (the isolation on SQLite;
//! on PostgreSQL it sits on top of RLS).
//!
//! The revision counter: every change to a FAQ's searchable content, status
//! or embedding first takes the tenant's next revision (`faq_revisions`,
//! upsert-increment), in its transaction, and stores it on the FAQ (or on a
//! tombstone). Taking it locks the tenant's counter row until the commit, so
//! the tenant's FAQ writers take turns (what they read after it is current)
//! and revisions become visible in order: a reader that sees revision `n`
//! sees every change up to `n`. Counter bumps (views, hits, feedback) take no
//! revision.
//!
//! Two pieces differ by backend and are macro arguments: how a timestamp is
//! bound (SQLite gets fixed-width UTC text, so that text order is time order;
//! PostgreSQL a `timestamptz`) and how "has this tag" is asked of the `tags`
//! JSON array (`json_each` on SQLite, `jsonb ?` on PostgreSQL).

use morningai_core::{
    Faq, FaqCategory, FaqError, FaqFeedback, FaqPatch, FaqQueryLog, FaqStatus, FaqSuggestion,
    FaqVersion, HelpCentre, NewFaq,
};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{StoreError, StoreResult};

pub(crate) const FAQ_COLUMNS: &str =
    "id, tenant_id, question, answer, category_id, tags, language, status, source, origin, \
     external_id, views, helpful, not_helpful, answer_hits, version, revision, \
     embedding IS NOT NULL AS has_embedding, embedding_model, created_by, updated_by, created_at, \
     updated_at";

pub(crate) const CATEGORY_COLUMNS: &str =
    "id, tenant_id, parent_id, name, position, created_at, updated_at";

pub(crate) const VERSION_COLUMNS: &str =
    "faq_id, version, question, answer, category_id, tags, language, status, edited_by, created_at";

pub(crate) const QUERY_COLUMNS: &str =
    "id, tenant_id, query, language, channel, top_faq_id, top_score, answered, feedback, created_at";

pub(crate) const FEEDBACK_COLUMNS: &str =
    "id, tenant_id, faq_id, query_id, user_id, helpful, comment, created_at";

pub(crate) const SUGGESTION_COLUMNS: &str =
    "id, tenant_id, query, examples, count, status, task_id, centroid, created_at, updated_at";

/// A timestamp as SQLite keeps it: UTC, microseconds, fixed width
/// (`2025-01-02T03:04:05.000600Z`), so comparing text compares times.
/// sqlx's own encoding drops trailing zeros of the fraction.
pub(crate) fn ts_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// A timestamp as PostgreSQL keeps it (`timestamptz`).
pub(crate) fn ts_native(t: OffsetDateTime) -> OffsetDateTime {
    t
}

/// An embedding as stored: little-endian `f32`s.
pub(crate) fn vector_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn decode_err(msg: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(msg.into()))
}

pub(crate) fn vector_from_bytes(b: &[u8]) -> StoreResult<Vec<f32>> {
    if b.len() % 4 != 0 {
        return Err(decode_err(format!(
            "a stored vector has {} bytes, not a multiple of 4",
            b.len()
        )));
    }
    Ok(b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn parse<T: std::str::FromStr>(s: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| decode_err(e.to_string()))
}

/// A refused input, as the store reports it.
pub(crate) fn invalid(e: FaqError) -> StoreError {
    StoreError::InvalidState(e.to_string())
}

/// At most `max` characters of `s`.
pub(crate) fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// What a version records: a change to any of it is a new version.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Content {
    pub question: String,
    pub answer: String,
    pub category_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub language: String,
    pub status: FaqStatus,
}

impl Content {
    pub fn of(faq: &Faq) -> Self {
        Self {
            question: faq.question.clone(),
            answer: faq.answer.clone(),
            category_id: faq.category_id.map(|c| c.0),
            tags: faq.tags.clone(),
            language: faq.language.clone(),
            status: faq.status,
        }
    }

    /// From a normalised [`NewFaq`].
    pub fn new(faq: &NewFaq) -> Self {
        Self {
            question: faq.question.clone(),
            answer: faq.answer.clone(),
            category_id: faq.category_id.map(|c| c.0),
            tags: faq.tags.clone(),
            language: faq.language.clone(),
            status: faq.status,
        }
    }

    /// With a normalised [`FaqPatch`] applied.
    pub fn patched(self, p: &FaqPatch) -> Self {
        Self {
            question: p.question.clone().unwrap_or(self.question),
            answer: p.answer.clone().unwrap_or(self.answer),
            category_id: p.category_id.map_or(self.category_id, |c| c.map(|c| c.0)),
            tags: p.tags.clone().unwrap_or(self.tags),
            language: p.language.clone().unwrap_or(self.language),
            status: p.status.unwrap_or(self.status),
        }
    }

    /// Whether the text an embedding is made of differs.
    pub fn text_differs(&self, faq: &Faq) -> bool {
        self.question != faq.question || self.answer != faq.answer
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FaqRow {
    id: Uuid,
    tenant_id: Uuid,
    question: String,
    answer: String,
    category_id: Option<Uuid>,
    tags: Json<Vec<String>>,
    language: String,
    status: String,
    source: String,
    origin: Option<Json<serde_json::Value>>,
    external_id: Option<String>,
    views: i64,
    helpful: i64,
    not_helpful: i64,
    answer_hits: i64,
    version: i64,
    revision: i64,
    has_embedding: bool,
    embedding_model: Option<String>,
    created_by: Option<Uuid>,
    updated_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl FaqRow {
    pub fn into_domain(self) -> StoreResult<Faq> {
        Ok(Faq {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            question: self.question,
            answer: self.answer,
            category_id: self.category_id.map(Into::into),
            tags: self.tags.0,
            language: self.language,
            status: parse(&self.status)?,
            source: parse(&self.source)?,
            origin: self.origin.map(|o| o.0),
            external_id: self.external_id,
            views: self.views,
            helpful: self.helpful,
            not_helpful: self.not_helpful,
            answer_hits: self.answer_hits,
            version: self.version,
            revision: self.revision,
            has_embedding: self.has_embedding,
            embedding_model: self.embedding_model,
            created_by: self.created_by.map(Into::into),
            updated_by: self.updated_by.map(Into::into),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A FAQ with its embedding's bytes.
#[derive(sqlx::FromRow)]
pub(crate) struct SyncRow {
    #[sqlx(flatten)]
    faq: FaqRow,
    embedding: Option<Vec<u8>>,
}

impl SyncRow {
    pub fn into_domain(self) -> StoreResult<morningai_core::FaqSyncRow> {
        let faq = self.faq.into_domain()?;
        Ok(morningai_core::FaqSyncRow {
            embedding: self
                .embedding
                .as_deref()
                .map(vector_from_bytes)
                .transpose()?,
            embedding_model: faq.embedding_model.clone(),
            faq,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CategoryRow {
    id: Uuid,
    tenant_id: Uuid,
    parent_id: Option<Uuid>,
    name: String,
    position: i32,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl CategoryRow {
    pub fn into_domain(self) -> FaqCategory {
        FaqCategory {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            parent_id: self.parent_id.map(Into::into),
            name: self.name,
            position: self.position,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

pub(crate) const HELP_CENTRE_COLUMNS: &str = "tenant_id, slug, enabled, title, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct HelpCentreRow {
    tenant_id: Uuid,
    slug: String,
    enabled: bool,
    title: String,
    updated_at: OffsetDateTime,
}

impl HelpCentreRow {
    pub fn into_domain(self) -> HelpCentre {
        HelpCentre {
            tenant_id: self.tenant_id.into(),
            slug: self.slug,
            enabled: self.enabled,
            title: self.title,
            updated_at: self.updated_at,
        }
    }
}

/// `categories` (siblings already by position, then name) depth-first: each
/// category followed by its subtree.
pub(crate) fn tree_order(categories: Vec<FaqCategory>) -> Vec<FaqCategory> {
    fn visit(
        parent: Option<Uuid>,
        all: &[FaqCategory],
        placed: &mut [bool],
        out: &mut Vec<FaqCategory>,
    ) {
        for (i, c) in all.iter().enumerate() {
            if !placed[i] && c.parent_id.map(|p| p.0) == parent {
                placed[i] = true;
                out.push(c.clone());
                visit(Some(c.id.0), all, placed, out);
            }
        }
    }
    let mut placed = vec![false; categories.len()];
    let mut out = Vec::with_capacity(categories.len());
    visit(None, &categories, &mut placed, &mut out);
    // Unreachable ones (none, with the foreign key) still appear.
    for (i, c) in categories.iter().enumerate() {
        if !placed[i] {
            out.push(c.clone());
        }
    }
    out
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    faq_id: Uuid,
    version: i64,
    question: String,
    answer: String,
    category_id: Option<Uuid>,
    tags: Json<Vec<String>>,
    language: String,
    status: String,
    edited_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

impl VersionRow {
    pub fn into_domain(self) -> StoreResult<FaqVersion> {
        Ok(FaqVersion {
            faq_id: self.faq_id.into(),
            version: self.version,
            question: self.question,
            answer: self.answer,
            category_id: self.category_id.map(Into::into),
            tags: self.tags.0,
            language: self.language,
            status: parse(&self.status)?,
            edited_by: self.edited_by.map(Into::into),
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct QueryRow {
    id: Uuid,
    tenant_id: Uuid,
    query: String,
    language: Option<String>,
    channel: String,
    top_faq_id: Option<Uuid>,
    top_score: Option<f64>,
    answered: bool,
    feedback: Option<i16>,
    created_at: OffsetDateTime,
}

impl QueryRow {
    pub fn into_domain(self) -> FaqQueryLog {
        FaqQueryLog {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            query: self.query,
            language: self.language,
            channel: self.channel,
            top_faq_id: self.top_faq_id.map(Into::into),
            top_score: self.top_score,
            answered: self.answered,
            feedback: self.feedback,
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FeedbackRow {
    id: Uuid,
    tenant_id: Uuid,
    faq_id: Uuid,
    query_id: Option<Uuid>,
    user_id: Option<Uuid>,
    helpful: bool,
    comment: Option<String>,
    created_at: OffsetDateTime,
}

impl FeedbackRow {
    pub fn into_domain(self) -> FaqFeedback {
        FaqFeedback {
            id: self.id,
            tenant_id: self.tenant_id.into(),
            faq_id: self.faq_id.into(),
            query_id: self.query_id.map(Into::into),
            user_id: self.user_id.map(Into::into),
            helpful: self.helpful,
            comment: self.comment,
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SuggestionRow {
    id: Uuid,
    tenant_id: Uuid,
    query: String,
    examples: Json<Vec<String>>,
    count: i64,
    status: String,
    task_id: Option<Uuid>,
    centroid: Option<Vec<u8>>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl SuggestionRow {
    pub fn into_domain(self) -> StoreResult<FaqSuggestion> {
        Ok(FaqSuggestion {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            query: self.query,
            examples: self.examples.0,
            count: self.count,
            status: parse(&self.status)?,
            task_id: self.task_id.map(Into::into),
            centroid: self
                .centroid
                .as_deref()
                .map(vector_from_bytes)
                .transpose()?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct QueryTotals {
    pub total: i64,
    pub unanswered: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct FeedbackTotals {
    pub helpful: i64,
    pub not_helpful: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CounterTotals {
    pub answer_hits: i64,
    pub views: i64,
}

/// Implements `FaqStore` for `$store` over `$db`. `$queries` names the
/// sibling module where `impl_store!` was instantiated (its `audit_in`
/// writes the audit entries in the same transaction); `$ts` turns a time
/// into what the backend binds (`ts_text` or `ts_native`); `$has_tag` is the
/// condition "`f.tags` holds `$5`".
macro_rules! impl_faq_store {
    ($store:ty, $db:ty, $queries:ident, $ts:path, $has_tag:literal) => {
        use super::$queries::audit_in;
        use $crate::faqs_sql::{
            invalid, tree_order, truncate_chars, vector_bytes, CategoryRow, Content,
            CounterTotals, FaqRow, FeedbackRow, FeedbackTotals, HelpCentreRow, QueryRow,
            QueryTotals, SuggestionRow, SyncRow, VersionRow, CATEGORY_COLUMNS, FAQ_COLUMNS,
            FEEDBACK_COLUMNS, HELP_CENTRE_COLUMNS, QUERY_COLUMNS, SUGGESTION_COLUMNS,
            VERSION_COLUMNS,
        };
        use $crate::rows::now;
        use $crate::sql::Scope;
        use $crate::traits::FaqStore;
        use $crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use morningai_core::faq::{FAQ_QUERY_MAX, FAQ_TOP_QUERIES};
        use morningai_core::{
            language_tag, question_key, Faq, FaqAnalytics, FaqCategory, FaqCategoryId,
            FaqCategoryPatch, FaqChanges, FaqFeedback, FaqFilter, FaqId, FaqImportItem, FaqPatch, FaqQueryId,
            FaqQueryLog, FaqSource, FaqSuggestion, FaqSuggestionId, FaqVersion, HelpCentre,
            HelpCentreSettings, ImportOutcome,
            NewFaq, NewFaqCategory, NewFaqFeedback, NewFaqQuery, NewFaqSuggestion,
            SuggestionStatus, TaskId, TenantCtx, TenantId, TopQuery, UserId,
        };
        use sqlx::types::Json;
        use time::OffsetDateTime;

        type Tx = sqlx::Transaction<'static, $db>;

        const HAS_TAG: &str = $has_tag;
        const CATEGORY_IN_USE: StoreError =
            StoreError::Conflict("a subcategory or FAQ filed under this category");
        const FAQ_MOVED_ON: StoreError = StoreError::Conflict("a newer version of this FAQ");

        /// The tenant's next FAQ revision; locks its counter until the commit.
        async fn next_revision(tx: &mut Tx, tenant: TenantId) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "INSERT INTO faq_revisions (tenant_id, revision) VALUES ($1, 1)
                 ON CONFLICT (tenant_id) DO UPDATE SET revision = faq_revisions.revision + 1
                 RETURNING revision",
            )
            .bind(tenant.0)
            .fetch_one(&mut **tx)
            .await?)
        }

        async fn current_revision(tx: &mut Tx, tenant: TenantId) -> StoreResult<i64> {
            let revision: Option<i64> =
                sqlx::query_scalar("SELECT revision FROM faq_revisions WHERE tenant_id = $1")
                    .bind(tenant.0)
                    .fetch_optional(&mut **tx)
                    .await?;
            Ok(revision.unwrap_or(0))
        }

        async fn faq_in(tx: &mut Tx, tenant: TenantId, id: FaqId) -> StoreResult<Option<Faq>> {
            sqlx::query_as::<_, FaqRow>(&format!(
                "SELECT {FAQ_COLUMNS} FROM faqs WHERE tenant_id = $1 AND id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(FaqRow::into_domain)
            .transpose()
        }

        async fn category_in(
            tx: &mut Tx,
            tenant: TenantId,
            id: FaqCategoryId,
        ) -> StoreResult<Option<FaqCategory>> {
            Ok(sqlx::query_as::<_, CategoryRow>(&format!(
                "SELECT {CATEGORY_COLUMNS} FROM faq_categories WHERE tenant_id = $1 AND id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(CategoryRow::into_domain))
        }

        /// `NotFound` unless the category is none or the tenant's.
        async fn require_category(
            tx: &mut Tx,
            tenant: TenantId,
            id: Option<uuid::Uuid>,
        ) -> StoreResult<()> {
            if let Some(id) = id {
                category_in(tx, tenant, id.into())
                    .await?
                    .ok_or(StoreError::NotFound)?;
            }
            Ok(())
        }

        /// Keeps what `faq` says now as its version `faq.version`.
        async fn write_version(tx: &mut Tx, faq: &Faq, by: Option<UserId>) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO faq_versions (faq_id, tenant_id, version, question, answer,
                     category_id, tags, language, status, edited_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(faq.id.0)
            .bind(faq.tenant_id.0)
            .bind(faq.version)
            .bind(&faq.question)
            .bind(&faq.answer)
            .bind(faq.category_id.map(|c| c.0))
            .bind(Json(&faq.tags))
            .bind(&faq.language)
            .bind(faq.status.as_str())
            .bind(by.map(|u| u.0))
            .bind($ts(faq.updated_at))
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        /// Creates a FAQ from a normalised `new` (its category checked) at
        /// `revision`, with its version 1.
        async fn insert_faq(
            tx: &mut Tx,
            tenant: TenantId,
            by: Option<UserId>,
            new: &NewFaq,
            revision: i64,
        ) -> StoreResult<Faq> {
            let at = now();
            let faq = sqlx::query_as::<_, FaqRow>(&format!(
                "INSERT INTO faqs (id, tenant_id, question, answer, category_id, tags, language,
                     status, source, origin, external_id, version, revision, created_by,
                     updated_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $13, $14, $14)
                 RETURNING {FAQ_COLUMNS}"
            ))
            .bind(FaqId::new().0)
            .bind(tenant.0)
            .bind(&new.question)
            .bind(&new.answer)
            .bind(new.category_id.map(|c| c.0))
            .bind(Json(&new.tags))
            .bind(&new.language)
            .bind(new.status.as_str())
            .bind(new.source.as_str())
            .bind(new.origin.as_ref().map(Json))
            .bind(new.external_id.as_deref())
            .bind(revision)
            .bind(by.map(|u| u.0))
            .bind($ts(at))
            .fetch_one(&mut **tx)
            .await
            .map_err(StoreError::unique_as("a FAQ with this external id"))?
            .into_domain()?;
            write_version(tx, &faq, by).await?;
            Ok(faq)
        }

        /// Writes `content` (its category checked), `source` and `origin` as
        /// the next version of `current` at `revision`. A changed question or
        /// answer drops the embedding (it no longer matches the text).
        #[allow(clippy::too_many_arguments)]
        async fn rewrite_faq(
            tx: &mut Tx,
            by: Option<UserId>,
            current: &Faq,
            content: &Content,
            source: FaqSource,
            origin: Option<&serde_json::Value>,
            revision: i64,
        ) -> StoreResult<Faq> {
            let faq = sqlx::query_as::<_, FaqRow>(&format!(
                "UPDATE faqs SET question = $3, answer = $4, category_id = $5, tags = $6,
                     language = $7, status = $8, source = $9, origin = $10,
                     version = version + 1, revision = $11, updated_by = $12, updated_at = $13,
                     embedding = CASE WHEN $14 THEN NULL ELSE embedding END,
                     embedding_model = CASE WHEN $14 THEN NULL ELSE embedding_model END
                 WHERE tenant_id = $1 AND id = $2 AND version = $15
                 RETURNING {FAQ_COLUMNS}"
            ))
            .bind(current.tenant_id.0)
            .bind(current.id.0)
            .bind(&content.question)
            .bind(&content.answer)
            .bind(content.category_id)
            .bind(Json(&content.tags))
            .bind(&content.language)
            .bind(content.status.as_str())
            .bind(source.as_str())
            .bind(origin.map(Json))
            .bind(revision)
            .bind(by.map(|u| u.0))
            .bind($ts(now()))
            .bind(content.text_differs(current))
            .bind(current.version)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(FAQ_MOVED_ON)?
            .into_domain()?;
            write_version(tx, &faq, by).await?;
            Ok(faq)
        }

        /// `NotFound` unless `id` is the tenant's; `InvalidState` if it is
        /// `category` or below it.
        async fn check_not_under(
            tx: &mut Tx,
            tenant: TenantId,
            id: FaqCategoryId,
            category: FaqCategoryId,
        ) -> StoreResult<()> {
            let found: i64 = sqlx::query_scalar(
                "WITH RECURSIVE up (id, parent_id) AS (
                     SELECT id, parent_id FROM faq_categories WHERE tenant_id = $1 AND id = $2
                     UNION ALL
                     SELECT c.id, c.parent_id FROM faq_categories c
                     JOIN up ON c.id = up.parent_id WHERE c.tenant_id = $1
                 )
                 SELECT COUNT(*) FROM up WHERE id = $3",
            )
            .bind(tenant.0)
            .bind(id.0)
            .bind(category.0)
            .fetch_one(&mut **tx)
            .await?;
            if found > 0 {
                return Err(StoreError::InvalidState(
                    "a category cannot be moved under itself".into(),
                ));
            }
            Ok(())
        }

        fn fk_as_in_use(e: sqlx::Error) -> StoreError {
            match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => CATEGORY_IN_USE,
                _ => StoreError::Database(e),
            }
        }

        #[async_trait]
        impl FaqStore for $store {
            async fn help_centre(&self, tenant: TenantId) -> StoreResult<Option<HelpCentre>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let row = sqlx::query_as::<_, HelpCentreRow>(&format!(
                    "SELECT {HELP_CENTRE_COLUMNS} FROM faq_help_centres WHERE tenant_id = $1"
                ))
                .bind(tenant.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.map(HelpCentreRow::into_domain))
            }

            async fn set_help_centre(
                &self,
                ctx: &TenantCtx,
                settings: &HelpCentreSettings,
            ) -> StoreResult<HelpCentre> {
                let settings = settings.normalized().map_err(invalid)?;
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let centre = sqlx::query_as::<_, HelpCentreRow>(&format!(
                    "INSERT INTO faq_help_centres (tenant_id, slug, enabled, title, updated_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (tenant_id) DO UPDATE
                         SET slug = excluded.slug, enabled = excluded.enabled,
                             title = excluded.title, updated_at = excluded.updated_at
                     RETURNING {HELP_CENTRE_COLUMNS}"
                ))
                .bind(ctx.tenant_id.0)
                .bind(&settings.slug)
                .bind(settings.enabled)
                .bind(&settings.title)
                .bind($ts(now()))
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::unique_as("a help centre with this slug"))?
                .into_domain();
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq_help_centre.update",
                    None,
                    serde_json::json!(settings),
                )
                .await?;
                tx.commit().await?;
                Ok(centre)
            }

            async fn public_help_centre(&self, slug: &str) -> StoreResult<Option<HelpCentre>> {
                let scope = Scope {
                    public_slug: Some(slug),
                    ..Scope::read()
                };
                let mut tx = self.begin(scope).await?;
                let row = sqlx::query_as::<_, HelpCentreRow>(&format!(
                    "SELECT {HELP_CENTRE_COLUMNS} FROM faq_help_centres
                     WHERE slug = $1 AND enabled"
                ))
                .bind(slug)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.map(HelpCentreRow::into_domain))
            }

            async fn create_category(
                &self,
                ctx: &TenantCtx,
                new: &NewFaqCategory,
            ) -> StoreResult<FaqCategory> {
                new.validate().map_err(invalid)?;
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                require_category(&mut tx, ctx.tenant_id, new.parent_id.map(|p| p.0)).await?;
                let at = now();
                let category = sqlx::query_as::<_, CategoryRow>(&format!(
                    "INSERT INTO faq_categories (id, tenant_id, parent_id, name, position,
                         created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $6)
                     RETURNING {CATEGORY_COLUMNS}"
                ))
                .bind(FaqCategoryId::new().0)
                .bind(ctx.tenant_id.0)
                .bind(new.parent_id.map(|p| p.0))
                .bind(&new.name)
                .bind(new.position)
                .bind($ts(at))
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::unique_as("a sibling category with this name"))?
                .into_domain();
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq_category.create",
                    Some(&category.id.to_string()),
                    serde_json::json!({ "name": category.name, "parent_id": category.parent_id }),
                )
                .await?;
                tx.commit().await?;
                Ok(category)
            }

            async fn update_category(
                &self,
                ctx: &TenantCtx,
                id: FaqCategoryId,
                patch: &FaqCategoryPatch,
            ) -> StoreResult<FaqCategory> {
                patch.validate().map_err(invalid)?;
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let before = category_in(&mut tx, ctx.tenant_id, id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let parent = patch.parent_id.unwrap_or(before.parent_id);
                if parent != before.parent_id {
                    if let Some(parent) = parent {
                        category_in(&mut tx, ctx.tenant_id, parent)
                            .await?
                            .ok_or(StoreError::NotFound)?;
                        check_not_under(&mut tx, ctx.tenant_id, parent, id).await?;
                    }
                }
                let category = sqlx::query_as::<_, CategoryRow>(&format!(
                    "UPDATE faq_categories SET name = $3, parent_id = $4, position = $5,
                         updated_at = $6
                     WHERE tenant_id = $1 AND id = $2
                     RETURNING {CATEGORY_COLUMNS}"
                ))
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .bind(patch.name.as_deref().unwrap_or(&before.name))
                .bind(parent.map(|p| p.0))
                .bind(patch.position.unwrap_or(before.position))
                .bind($ts(now()))
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::unique_as("a sibling category with this name"))?
                .into_domain();
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq_category.update",
                    Some(&id.to_string()),
                    serde_json::json!({
                        "name": category.name,
                        "parent_id": category.parent_id,
                        "position": category.position,
                    }),
                )
                .await?;
                tx.commit().await?;
                Ok(category)
            }

            async fn delete_category(
                &self,
                ctx: &TenantCtx,
                id: FaqCategoryId,
            ) -> StoreResult<FaqCategory> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let category = category_in(&mut tx, ctx.tenant_id, id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let (children, faqs): (i64, i64) = sqlx::query_as(
                    "SELECT
                         (SELECT COUNT(*) FROM faq_categories WHERE tenant_id = $1 AND parent_id = $2),
                         (SELECT COUNT(*) FROM faqs WHERE tenant_id = $1 AND category_id = $2)",
                )
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
                if children + faqs > 0 {
                    return Err(CATEGORY_IN_USE);
                }
                sqlx::query("DELETE FROM faq_categories WHERE tenant_id = $1 AND id = $2")
                    .bind(ctx.tenant_id.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(fk_as_in_use)?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq_category.delete",
                    Some(&id.to_string()),
                    serde_json::json!({ "name": category.name }),
                )
                .await?;
                tx.commit().await.map_err(fk_as_in_use)?;
                Ok(category)
            }

            async fn categories(&self, tenant: TenantId) -> StoreResult<Vec<FaqCategory>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, CategoryRow>(&format!(
                    "SELECT {CATEGORY_COLUMNS} FROM faq_categories
                     WHERE tenant_id = $1 ORDER BY position, name, id"
                ))
                .bind(tenant.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(tree_order(
                    rows.into_iter().map(CategoryRow::into_domain).collect(),
                ))
            }

            async fn create_faq(&self, ctx: &TenantCtx, new: &NewFaq) -> StoreResult<Faq> {
                let new = new.normalized().map_err(invalid)?;
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let revision = next_revision(&mut tx, ctx.tenant_id).await?;
                require_category(&mut tx, ctx.tenant_id, new.category_id.map(|c| c.0)).await?;
                let faq = insert_faq(&mut tx, ctx.tenant_id, Some(ctx.user_id), &new, revision)
                    .await?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq.create",
                    Some(&faq.id.to_string()),
                    serde_json::json!({
                        "question": faq.question,
                        "status": faq.status,
                        "source": faq.source,
                    }),
                )
                .await?;
                tx.commit().await?;
                Ok(faq)
            }

            async fn update_faq(
                &self,
                ctx: &TenantCtx,
                id: FaqId,
                patch: &FaqPatch,
            ) -> StoreResult<Faq> {
                let patch = patch.normalized().map_err(invalid)?;
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                // First the revision: its lock makes what is read next current.
                let revision = next_revision(&mut tx, ctx.tenant_id).await?;
                let current = faq_in(&mut tx, ctx.tenant_id, id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                if patch.expected_version.is_some_and(|v| v != current.version) {
                    return Err(FAQ_MOVED_ON);
                }
                let before = Content::of(&current);
                let content = before.clone().patched(&patch);
                if content == before {
                    // Nothing changes: no version, and the revision is rolled back.
                    return Ok(current);
                }
                if content.category_id != before.category_id {
                    require_category(&mut tx, ctx.tenant_id, content.category_id).await?;
                }
                let faq = rewrite_faq(
                    &mut tx,
                    Some(ctx.user_id),
                    &current,
                    &content,
                    current.source,
                    current.origin.as_ref(),
                    revision,
                )
                .await?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq.update",
                    Some(&id.to_string()),
                    serde_json::json!({ "version": faq.version, "status": faq.status }),
                )
                .await?;
                tx.commit().await?;
                Ok(faq)
            }

            async fn delete_faq(&self, ctx: &TenantCtx, id: FaqId) -> StoreResult<Faq> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let revision = next_revision(&mut tx, ctx.tenant_id).await?;
                let faq = faq_in(&mut tx, ctx.tenant_id, id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                sqlx::query("DELETE FROM faqs WHERE tenant_id = $1 AND id = $2")
                    .bind(ctx.tenant_id.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO faq_tombstones (tenant_id, faq_id, revision) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant_id, faq_id) DO UPDATE SET revision = excluded.revision",
                )
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .bind(revision)
                .execute(&mut *tx)
                .await?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq.delete",
                    Some(&id.to_string()),
                    serde_json::json!({ "question": faq.question, "versions": faq.version }),
                )
                .await?;
                tx.commit().await?;
                Ok(faq)
            }

            async fn faq(&self, tenant: TenantId, id: FaqId) -> StoreResult<Option<Faq>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let faq = faq_in(&mut tx, tenant, id).await?;
                tx.commit().await?;
                Ok(faq)
            }

            async fn faqs_by_id(&self, tenant: TenantId, ids: &[FaqId]) -> StoreResult<Vec<Faq>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                // At most a page of ids: one placeholder each.
                let ids = &ids[..ids.len().min(200)];
                let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT {FAQ_COLUMNS} FROM faqs f WHERE f.tenant_id = $1 AND f.id IN ({})",
                    placeholders.join(", ")
                );
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let mut query = sqlx::query_as::<_, FaqRow>(&sql).bind(tenant.0);
                for id in ids {
                    query = query.bind(id.0);
                }
                let rows = query.fetch_all(&mut *tx).await?;
                tx.commit().await?;
                let mut found: std::collections::HashMap<FaqId, Faq> = rows
                    .into_iter()
                    .map(|r| r.into_domain().map(|f| (f.id, f)))
                    .collect::<StoreResult<_>>()?;
                Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
            }

            async fn faqs(&self, tenant: TenantId, filter: &FaqFilter) -> StoreResult<Vec<Faq>> {
                let language = filter
                    .language
                    .as_deref()
                    .map(|l| language_tag(l).unwrap_or_else(|_| l.to_owned()));
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, FaqRow>(&format!(
                    "SELECT {FAQ_COLUMNS} FROM faqs f
                     WHERE f.tenant_id = $1
                       AND ($2 IS NULL OR f.status = $2)
                       AND ($3 IS NULL OR f.category_id = $3)
                       AND ($4 IS NULL OR f.language = $4)
                       AND ($5 IS NULL OR {HAS_TAG})
                       AND ($6 IS NULL OR (f.updated_at, f.id) < (
                           SELECT c.updated_at, c.id FROM faqs c
                           WHERE c.tenant_id = $1 AND c.id = $6))
                     ORDER BY f.updated_at DESC, f.id DESC LIMIT $7"
                ))
                .bind(tenant.0)
                .bind(filter.status.map(|s| s.as_str()))
                .bind(filter.category_id.map(|c| c.0))
                .bind(language)
                .bind(filter.tag.as_deref().map(str::trim))
                .bind(filter.before.map(|b| b.0))
                .bind(filter.limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(FaqRow::into_domain).collect()
            }

            async fn faq_versions(
                &self,
                tenant: TenantId,
                id: FaqId,
            ) -> StoreResult<Vec<FaqVersion>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, VersionRow>(&format!(
                    "SELECT {VERSION_COLUMNS} FROM faq_versions
                     WHERE tenant_id = $1 AND faq_id = $2 ORDER BY version DESC"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(VersionRow::into_domain).collect()
            }

            async fn faq_version(
                &self,
                tenant: TenantId,
                id: FaqId,
                version: i64,
            ) -> StoreResult<Option<FaqVersion>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let row = sqlx::query_as::<_, VersionRow>(&format!(
                    "SELECT {VERSION_COLUMNS} FROM faq_versions
                     WHERE tenant_id = $1 AND faq_id = $2 AND version = $3"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(VersionRow::into_domain).transpose()
            }

            async fn import_faqs(
                &self,
                ctx: &TenantCtx,
                items: &[FaqImportItem],
                dry_run: bool,
            ) -> StoreResult<ImportOutcome> {
                let faqs = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        item.faq
                            .normalized()
                            .map(|f| (item.id, f))
                            .map_err(|e| StoreError::InvalidState(format!("FAQ {}: {e}", i + 1)))
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                let mut outcome = ImportOutcome::default();
                if faqs.is_empty() {
                    return Ok(outcome);
                }
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let revision = next_revision(&mut tx, ctx.tenant_id).await?;
                let mut categories: Vec<uuid::Uuid> =
                    faqs.iter().filter_map(|(_, f)| f.category_id.map(|c| c.0)).collect();
                categories.sort_unstable();
                categories.dedup();
                for category in categories {
                    require_category(&mut tx, ctx.tenant_id, Some(category)).await?;
                }
                for (id, new) in &faqs {
                    let existing = match (id, &new.external_id) {
                        (Some(id), _) => Some(
                            sqlx::query_as::<_, FaqRow>(&format!(
                                "SELECT {FAQ_COLUMNS} FROM faqs WHERE tenant_id = $1 AND id = $2"
                            ))
                            .bind(ctx.tenant_id.0)
                            .bind(id.0)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or(StoreError::NotFound)?
                            .into_domain()?,
                        ),
                        (None, Some(external_id)) => sqlx::query_as::<_, FaqRow>(&format!(
                            "SELECT {FAQ_COLUMNS} FROM faqs
                             WHERE tenant_id = $1 AND external_id = $2"
                        ))
                        .bind(ctx.tenant_id.0)
                        .bind(external_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(FaqRow::into_domain)
                        .transpose()?,
                        (None, None) => None,
                    };
                    match existing {
                        None => {
                            insert_faq(&mut tx, ctx.tenant_id, Some(ctx.user_id), new, revision)
                                .await?;
                            outcome.created += 1;
                        }
                        Some(current) => {
                            let content = Content::new(new);
                            if content == Content::of(&current) {
                                outcome.unchanged += 1;
                            } else {
                                rewrite_faq(
                                    &mut tx,
                                    Some(ctx.user_id),
                                    &current,
                                    &content,
                                    new.source,
                                    new.origin.as_ref(),
                                    revision,
                                )
                                .await?;
                                outcome.updated += 1;
                            }
                        }
                    }
                }
                if dry_run || outcome.created + outcome.updated == 0 {
                    // Nothing changes (or nothing is to): the transaction rolls back.
                    return Ok(outcome);
                }
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq.import",
                    None,
                    serde_json::json!(outcome),
                )
                .await?;
                tx.commit().await?;
                Ok(outcome)
            }

            async fn set_faq_embedding(
                &self,
                tenant: TenantId,
                id: FaqId,
                model: &str,
                vector: &[f32],
            ) -> StoreResult<()> {
                if vector.is_empty() || model.is_empty() {
                    return Err(StoreError::InvalidState(
                        "an embedding needs a model and at least one dimension".into(),
                    ));
                }
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let revision = next_revision(&mut tx, tenant).await?;
                let done = sqlx::query(
                    "UPDATE faqs SET embedding = $3, embedding_model = $4, revision = $5
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(vector_bytes(vector))
                .bind(model)
                .bind(revision)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn faq_changes_since(
                &self,
                tenant: TenantId,
                revision: i64,
            ) -> StoreResult<FaqChanges> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                // The counter first: rows read after it may be newer (they
                // come again next time), never older and missed.
                let counter = current_revision(&mut tx, tenant).await?;
                let rows = sqlx::query_as::<_, SyncRow>(&format!(
                    "SELECT {FAQ_COLUMNS}, embedding FROM faqs
                     WHERE tenant_id = $1 AND revision > $2 ORDER BY revision, id"
                ))
                .bind(tenant.0)
                .bind(revision)
                .fetch_all(&mut *tx)
                .await?;
                let deleted: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
                    "SELECT faq_id, revision FROM faq_tombstones
                     WHERE tenant_id = $1 AND revision > $2 ORDER BY revision, faq_id",
                )
                .bind(tenant.0)
                .bind(revision)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let upserted = rows
                    .into_iter()
                    .map(SyncRow::into_domain)
                    .collect::<StoreResult<Vec<_>>>()?;
                let newest = upserted
                    .iter()
                    .map(|r| r.faq.revision)
                    .chain(deleted.iter().map(|d| d.1))
                    .fold(counter, i64::max);
                Ok(FaqChanges {
                    revision: newest.max(revision),
                    upserted,
                    deleted: deleted.into_iter().map(|d| d.0.into()).collect(),
                })
            }

            async fn faq_revision(&self, tenant: TenantId) -> StoreResult<i64> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let revision = current_revision(&mut tx, tenant).await?;
                tx.commit().await?;
                Ok(revision)
            }

            async fn record_faq_view(&self, tenant: TenantId, id: FaqId) -> StoreResult<()> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let done =
                    sqlx::query("UPDATE faqs SET views = views + 1 WHERE tenant_id = $1 AND id = $2")
                        .bind(tenant.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_answer_hit(&self, tenant: TenantId, id: FaqId) -> StoreResult<()> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let done = sqlx::query(
                    "UPDATE faqs SET answer_hits = answer_hits + 1 WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_feedback(
                &self,
                tenant: TenantId,
                user: Option<UserId>,
                feedback: &NewFaqFeedback,
            ) -> StoreResult<FaqFeedback> {
                feedback.validate().map_err(invalid)?;
                let mut tx = self.begin(Scope::tenant(tenant, user).writing()).await?;
                let done = sqlx::query(
                    "UPDATE faqs SET helpful = helpful + $3, not_helpful = not_helpful + $4
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(feedback.faq_id.0)
                .bind(i64::from(feedback.helpful))
                .bind(i64::from(!feedback.helpful))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if let Some(query) = feedback.query_id {
                    let done = sqlx::query(
                        "UPDATE faq_queries SET feedback = $3 WHERE tenant_id = $1 AND id = $2",
                    )
                    .bind(tenant.0)
                    .bind(query.0)
                    .bind(if feedback.helpful { 1i16 } else { -1i16 })
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                }
                let recorded = sqlx::query_as::<_, FeedbackRow>(&format!(
                    "INSERT INTO faq_feedback (id, tenant_id, faq_id, query_id, user_id, helpful,
                         comment, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     RETURNING {FEEDBACK_COLUMNS}"
                ))
                .bind(uuid::Uuid::now_v7())
                .bind(tenant.0)
                .bind(feedback.faq_id.0)
                .bind(feedback.query_id.map(|q| q.0))
                .bind(user.map(|u| u.0))
                .bind(feedback.helpful)
                .bind(feedback.comment.as_deref())
                .bind($ts(now()))
                .fetch_one(&mut *tx)
                .await?
                .into_domain();
                tx.commit().await?;
                Ok(recorded)
            }

            async fn log_faq_query(
                &self,
                tenant: TenantId,
                query: &NewFaqQuery,
            ) -> StoreResult<FaqQueryId> {
                query.validate().map_err(invalid)?;
                let text = truncate_chars(&query.query, FAQ_QUERY_MAX);
                let language = query.language.as_deref().and_then(|l| language_tag(l).ok());
                let id = FaqQueryId::new();
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                // The best match only if it is the tenant's.
                sqlx::query(
                    "INSERT INTO faq_queries (id, tenant_id, query, query_key, language, channel,
                         top_faq_id, top_score, answered, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6,
                         (SELECT id FROM faqs WHERE tenant_id = $2 AND id = $7), $8, $9, $10)",
                )
                .bind(id.0)
                .bind(tenant.0)
                .bind(text)
                .bind(question_key(text))
                .bind(language)
                .bind(&query.channel)
                .bind(query.top_faq_id.map(|f| f.0))
                .bind(query.top_score.filter(|s| s.is_finite()))
                .bind(query.answered)
                .bind($ts(now()))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn faq_queries(
                &self,
                tenant: TenantId,
                since: OffsetDateTime,
                limit: i64,
            ) -> StoreResult<Vec<FaqQueryLog>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, QueryRow>(&format!(
                    "SELECT {QUERY_COLUMNS} FROM faq_queries
                     WHERE tenant_id = $1 AND created_at >= $2
                     ORDER BY created_at DESC, id DESC LIMIT $3"
                ))
                .bind(tenant.0)
                .bind($ts(since))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(QueryRow::into_domain).collect())
            }

            async fn faq_analytics(
                &self,
                tenant: TenantId,
                since: OffsetDateTime,
            ) -> StoreResult<FaqAnalytics> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let queries = sqlx::query_as::<_, QueryTotals>(
                    "SELECT COUNT(*) AS total,
                            COUNT(CASE WHEN NOT answered THEN 1 END) AS unanswered
                     FROM faq_queries WHERE tenant_id = $1 AND created_at >= $2",
                )
                .bind(tenant.0)
                .bind($ts(since))
                .fetch_one(&mut *tx)
                .await?;
                let feedback = sqlx::query_as::<_, FeedbackTotals>(
                    "SELECT COUNT(CASE WHEN helpful THEN 1 END) AS helpful,
                            COUNT(CASE WHEN NOT helpful THEN 1 END) AS not_helpful
                     FROM faq_feedback WHERE tenant_id = $1 AND created_at >= $2",
                )
                .bind(tenant.0)
                .bind($ts(since))
                .fetch_one(&mut *tx)
                .await?;
                let counters = sqlx::query_as::<_, CounterTotals>(
                    "SELECT CAST(COALESCE(SUM(answer_hits), 0) AS BIGINT) AS answer_hits,
                            CAST(COALESCE(SUM(views), 0) AS BIGINT) AS views
                     FROM faqs WHERE tenant_id = $1",
                )
                .bind(tenant.0)
                .fetch_one(&mut *tx)
                .await?;
                let top: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT MIN(query), COUNT(*) FROM faq_queries
                     WHERE tenant_id = $1 AND created_at >= $2 AND query_key <> ''
                     GROUP BY query_key ORDER BY COUNT(*) DESC, MIN(query) LIMIT $3",
                )
                .bind(tenant.0)
                .bind($ts(since))
                .bind(FAQ_TOP_QUERIES as i64)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(FaqAnalytics {
                    since,
                    top_queries: top
                        .into_iter()
                        .map(|(query, count)| TopQuery { query, count })
                        .collect(),
                    total_queries: queries.total,
                    unanswered: queries.unanswered,
                    helpful: feedback.helpful,
                    not_helpful: feedback.not_helpful,
                    answer_hits: counters.answer_hits,
                    views: counters.views,
                })
            }

            async fn unanswered_queries(
                &self,
                tenant: TenantId,
                since: OffsetDateTime,
                limit: i64,
            ) -> StoreResult<Vec<FaqQueryLog>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, QueryRow>(&format!(
                    "SELECT {QUERY_COLUMNS} FROM faq_queries
                     WHERE tenant_id = $1 AND created_at >= $2
                       AND (NOT answered OR feedback = -1)
                     ORDER BY created_at DESC, id DESC LIMIT $3"
                ))
                .bind(tenant.0)
                .bind($ts(since))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(QueryRow::into_domain).collect())
            }

            async fn upsert_suggestion(
                &self,
                tenant: TenantId,
                suggestion: &NewFaqSuggestion,
            ) -> StoreResult<FaqSuggestion> {
                let query = truncate_chars(suggestion.query.trim(), FAQ_QUERY_MAX);
                if query.is_empty() || suggestion.count < 0 {
                    return Err(StoreError::InvalidState(
                        "a suggestion needs a question and a count of at least 0".into(),
                    ));
                }
                let centroid = suggestion.centroid.as_deref().map(vector_bytes);
                let at = now();
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let updated = sqlx::query_as::<_, SuggestionRow>(&format!(
                    "UPDATE faq_suggestions SET query = $3, examples = $4, count = $5,
                         centroid = $6, updated_at = $7
                     WHERE tenant_id = $1 AND id = $2
                     RETURNING {SUGGESTION_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(suggestion.id.0)
                .bind(query)
                .bind(Json(&suggestion.examples))
                .bind(suggestion.count)
                .bind(centroid.as_deref())
                .bind($ts(at))
                .fetch_optional(&mut *tx)
                .await?;
                let row = match updated {
                    Some(row) => row,
                    None => sqlx::query_as::<_, SuggestionRow>(&format!(
                        "INSERT INTO faq_suggestions (id, tenant_id, query, examples, count,
                             status, centroid, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                         RETURNING {SUGGESTION_COLUMNS}"
                    ))
                    .bind(suggestion.id.0)
                    .bind(tenant.0)
                    .bind(query)
                    .bind(Json(&suggestion.examples))
                    .bind(suggestion.count)
                    .bind(SuggestionStatus::Open.as_str())
                    .bind(centroid.as_deref())
                    .bind($ts(at))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(StoreError::unique_as("a suggestion with this id"))?,
                };
                let suggestion = row.into_domain()?;
                tx.commit().await?;
                Ok(suggestion)
            }

            async fn suggestions(
                &self,
                tenant: TenantId,
                status: Option<SuggestionStatus>,
                limit: i64,
            ) -> StoreResult<Vec<FaqSuggestion>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, SuggestionRow>(&format!(
                    "SELECT {SUGGESTION_COLUMNS} FROM faq_suggestions
                     WHERE tenant_id = $1 AND ($2 IS NULL OR status = $2)
                     ORDER BY count DESC, updated_at DESC, id DESC LIMIT $3"
                ))
                .bind(tenant.0)
                .bind(status.map(|s| s.as_str()))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(SuggestionRow::into_domain).collect()
            }

            async fn set_suggestion_status(
                &self,
                ctx: &TenantCtx,
                id: FaqSuggestionId,
                status: SuggestionStatus,
                task_id: Option<TaskId>,
            ) -> StoreResult<FaqSuggestion> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let suggestion = sqlx::query_as::<_, SuggestionRow>(&format!(
                    "UPDATE faq_suggestions SET status = $3, task_id = $4, updated_at = $5
                     WHERE tenant_id = $1 AND id = $2
                     RETURNING {SUGGESTION_COLUMNS}"
                ))
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .bind(status.as_str())
                .bind(task_id.map(|t| t.0))
                .bind($ts(now()))
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
                .into_domain()?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "faq_suggestion.status",
                    Some(&id.to_string()),
                    serde_json::json!({ "status": status, "task_id": task_id }),
                )
                .await?;
                tx.commit().await?;
                Ok(suggestion)
            }
        }
    };
}

pub(crate) use impl_faq_store;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_timestamps_sort_as_text() {
        // 2025-01-02T03:04:05Z
        let base = OffsetDateTime::from_unix_timestamp(1_735_787_045).unwrap();
        let times = [
            base,
            base + time::Duration::microseconds(120_000),
            base + time::Duration::microseconds(123_000),
            base + time::Duration::seconds(1),
        ];
        let texts: Vec<String> = times.iter().map(|t| ts_text(*t)).collect();
        assert_eq!(texts[0], "2025-01-02T03:04:05.000000Z");
        assert_eq!(texts[1], "2025-01-02T03:04:05.120000Z");
        assert!(texts.windows(2).all(|w| w[0] < w[1]), "{texts:?}");
        let offset = base.to_offset(time::UtcOffset::from_hms(9, 0, 0).unwrap());
        assert_eq!(ts_text(offset), texts[0]);
    }

    #[test]
    fn vectors_round_trip_as_little_endian_bytes() {
        let v = [0.5f32, -1.25, 3.0e-7];
        let bytes = vector_bytes(&v);
        assert_eq!(bytes.len(), 12);
        assert_eq!(&bytes[..4], &0.5f32.to_le_bytes());
        assert_eq!(vector_from_bytes(&bytes).unwrap(), v);
        assert!(vector_from_bytes(&[0, 1, 2]).is_err());
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
    }
}

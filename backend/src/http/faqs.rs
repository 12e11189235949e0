//! The FAQ knowledge base API: FAQs and their versions, categories, hybrid
//! search, feedback and analytics. Members read; owners and admins write.
//! Tenant-scoped: another tenant's FAQ or category is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_agents::faq::Question;
use morningai_core::{
    Faq, FaqAnalytics, FaqCategory, FaqCategoryId, FaqCategoryPatch, FaqError, FaqFeedback, FaqId,
    FaqPatch, FaqQueryId, FaqSource, FaqStatus, FaqVersion, NewFaq, NewFaqCategory, NewFaqFeedback,
    Role,
};
use morningai_knowledge::faq::Signal;
use serde::{Deserialize, Serialize};
use similar::TextDiff;
use time::OffsetDateTime;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{present, Auth, Json, Path, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

/// The longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_faqs, create_faq))
        .routes(routes!(search_faqs))
        .merge(super::faq_files::router())
        .routes(routes!(faq_analytics))
        .routes(routes!(get_faq, update_faq, delete_faq))
        .routes(routes!(list_faq_versions))
        .routes(routes!(diff_faq_versions))
        .routes(routes!(give_feedback))
        .routes(routes!(list_categories, create_category))
        .routes(routes!(update_category, delete_category))
}

pub(super) fn invalid(e: FaqError) -> ApiError {
    let field = match &e {
        FaqError::Question => "question",
        FaqError::Answer => "answer",
        FaqError::CategoryName => "name",
        FaqError::Language(_) => "language",
        FaqError::Tag | FaqError::TooManyTags => "tags",
        FaqError::ExternalId => "external_id",
        FaqError::Comment => "comment",
        FaqError::Channel => "channel",
        FaqError::Slug => "slug",
        FaqError::Title => "title",
    };
    ApiError::validation(field, e)
}

/// Store errors with the FAQ's words: a stale `expected_version` or a
/// category still in use is a 409 that says so.
fn stored(e: morningai_store::StoreError) -> ApiError {
    match e {
        morningai_store::StoreError::Conflict(what) => ApiError::Conflict(what.to_string()),
        e => e.into(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FaqsQuery {
    status: Option<FaqStatus>,
    category_id: Option<FaqCategoryId>,
    tag: Option<String>,
    /// A BCP 47 tag; matches exactly (`zh-Hant`).
    language: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<FaqId>,
    /// 1–200, default 50.
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FaqPage {
    faqs: Vec<Faq>,
    next_cursor: Option<FaqId>,
}

/// Your tenant's FAQs, most recently changed first, a page at a time.
#[utoipa::path(get, path = "/api/faqs", tag = "faqs", params(FaqsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FaqPage), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_faqs(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<FaqsQuery>,
) -> ApiResult<Json<FaqPage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 200"));
    }
    let language = language_param(q.language)?;
    let filter = morningai_core::FaqFilter {
        status: q.status,
        category_id: q.category_id,
        tag: q.tag,
        language,
        before: q.cursor,
        limit,
    };
    let faqs = state.store.faqs(ctx.tenant_id, &filter).await?;
    let next_cursor = (faqs.len() as i64 == limit)
        .then(|| faqs.last().map(|f| f.id))
        .flatten();
    Ok(Json(FaqPage { faqs, next_cursor }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFaqRequest {
    question: String,
    /// Markdown.
    answer: String,
    category_id: Option<FaqCategoryId>,
    #[serde(default)]
    tags: Vec<String>,
    /// A BCP 47 tag; default `en`.
    language: Option<String>,
    /// Default `draft`.
    status: Option<FaqStatus>,
    /// Your own id for the FAQ, unique in your tenant (imports upsert by it).
    external_id: Option<String>,
}

/// Add an FAQ (owners and admins).
#[utoipa::path(post, path = "/api/faqs", tag = "faqs", request_body = CreateFaqRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Faq), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_faq(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<CreateFaqRequest>,
) -> ApiResult<(StatusCode, Json<Faq>)> {
    let ctx = auth.require(Role::Admin)?;
    let new = NewFaq {
        question: body.question,
        answer: body.answer,
        category_id: body.category_id,
        tags: body.tags,
        language: body.language.unwrap_or_else(|| "en".into()),
        status: body.status.unwrap_or(FaqStatus::Draft),
        source: FaqSource::Manual,
        origin: None,
        external_id: body.external_id,
    }
    .normalized()
    .map_err(invalid)?;
    let faq = state.store.create_faq(ctx, &new).await.map_err(stored)?;
    state.faqs.embed_now(&faq).await;
    Ok((StatusCode::CREATED, Json(faq)))
}

/// One FAQ.
#[utoipa::path(get, path = "/api/faqs/{id}", tag = "faqs",
    params(("id" = FaqId, Path, description = "the FAQ's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Faq), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_faq(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<FaqId>,
) -> ApiResult<Json<Faq>> {
    Ok(Json(load(&state, ctx.tenant_id, id).await?))
}

async fn load(state: &AppState, tenant: morningai_core::TenantId, id: FaqId) -> ApiResult<Faq> {
    state
        .store
        .faq(tenant, id)
        .await?
        .ok_or(ApiError::NotFound("FAQ"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFaqRequest {
    question: Option<String>,
    answer: Option<String>,
    /// `null` files the FAQ under no category.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<FaqCategoryId>)]
    category_id: Option<Option<FaqCategoryId>>,
    tags: Option<Vec<String>>,
    language: Option<String>,
    status: Option<FaqStatus>,
    /// The version you edited; when the FAQ has changed since, 409.
    expected_version: Option<i64>,
}

/// Edit an FAQ (owners and admins): every change is a new version.
#[utoipa::path(patch, path = "/api/faqs/{id}", tag = "faqs", request_body = UpdateFaqRequest,
    params(("id" = FaqId, Path, description = "the FAQ's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Faq), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_faq(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<FaqId>,
    Json(body): Json<UpdateFaqRequest>,
) -> ApiResult<Json<Faq>> {
    let ctx = auth.require(Role::Admin)?;
    let patch = FaqPatch {
        question: body.question,
        answer: body.answer,
        category_id: body.category_id,
        tags: body.tags,
        language: body.language,
        status: body.status,
        expected_version: body.expected_version,
    }
    .normalized()
    .map_err(invalid)?;
    let faq = state
        .store
        .update_faq(ctx, id, &patch)
        .await
        .map_err(stored)?;
    // The store drops the embedding when the text changes.
    if !faq.has_embedding {
        state.faqs.embed_now(&faq).await;
    }
    Ok(Json(faq))
}

/// Delete an FAQ with its versions and feedback (owners and admins; audited).
#[utoipa::path(delete, path = "/api/faqs/{id}", tag = "faqs",
    params(("id" = FaqId, Path, description = "the FAQ's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn delete_faq(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<FaqId>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Role::Admin)?;
    state.store.delete_faq(ctx, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every version of an FAQ, newest first (who edited it, when, what it said).
#[utoipa::path(get, path = "/api/faqs/{id}/versions", tag = "faqs",
    params(("id" = FaqId, Path, description = "the FAQ's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = [FaqVersion]), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn list_faq_versions(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<FaqId>,
) -> ApiResult<Json<Vec<FaqVersion>>> {
    load(&state, ctx.tenant_id, id).await?;
    Ok(Json(state.store.faq_versions(ctx.tenant_id, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// Default: the version before `to`.
    from: Option<i64>,
    /// Default: the latest.
    to: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FaqDiff {
    from: i64,
    to: i64,
    /// A unified diff of the question and answer as Markdown.
    diff: String,
}

/// What changed between two versions of an FAQ.
#[utoipa::path(get, path = "/api/faqs/{id}/diff", tag = "faqs", params(
        ("id" = FaqId, Path, description = "the FAQ's id"), DiffQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FaqDiff), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn diff_faq_versions(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<FaqId>,
    Query(q): Query<DiffQuery>,
) -> ApiResult<Json<FaqDiff>> {
    let faq = load(&state, ctx.tenant_id, id).await?;
    for (field, n) in [("from", q.from), ("to", q.to)] {
        if n.is_some_and(|n| n < 1) {
            return Err(ApiError::validation(field, "versions count from 1"));
        }
    }
    let to = q.to.unwrap_or(faq.version);
    let from = q.from.unwrap_or(to.saturating_sub(1).max(1));
    let version = |n: i64, field: &'static str| {
        let state = state.clone();
        async move {
            state
                .store
                .faq_version(ctx.tenant_id, id, n)
                .await?
                .ok_or_else(|| ApiError::validation(field, format!("version {n} does not exist")))
        }
    };
    let (a, b) = (version(from, "from").await?, version(to, "to").await?);
    let text = |v: &FaqVersion| format!("## {}\n\n{}\n", v.question, v.answer);
    let (old, new) = (text(&a), text(&b));
    let diff = TextDiff::from_lines(&old, &new)
        .unified_diff()
        .header(&format!("version {from}"), &format!("version {to}"))
        .to_string();
    Ok(Json(FaqDiff { from, to, diff }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// What to look for: words or a whole question, in any language.
    q: String,
    /// Only FAQs in this language (its primary subtag: `zh` matches `zh-Hant`).
    language: Option<String>,
    category_id: Option<FaqCategoryId>,
    tag: Option<String>,
    /// Default `published`.
    status: Option<FaqStatus>,
    /// 1–50, default 10.
    limit: Option<usize>,
    /// `false`: a search by staff (the dashboard's), kept out of the query
    /// log, so analytics and suggestions count only people's questions.
    log: Option<bool>,
}

/// A search query as it is searched: trimmed, without control characters,
/// neither empty nor longer than [`MAX_QUERY_CHARS`].
pub(super) fn query_text(q: &str) -> ApiResult<String> {
    let text = q.trim();
    if text.is_empty() {
        return Err(ApiError::validation("q", "must not be empty"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::validation(
            "q",
            format!("must have at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(text.chars().filter(|c| !c.is_control()).collect())
}

/// A `language` parameter as a canonical BCP 47 tag.
pub(super) fn language_param(language: Option<String>) -> ApiResult<Option<String>> {
    language
        .map(|l| morningai_core::language_tag(&l).map_err(invalid))
        .transpose()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    faq: Faq,
    /// The fused rank score (reciprocal rank fusion of the signals).
    score: f32,
    /// Set when keywords (BM25) found it: its rank and BM25 score.
    #[schema(value_type = Option<Object>)]
    keyword: Option<Signal>,
    /// Set when meaning (embeddings) found it: its rank and cosine similarity.
    #[schema(value_type = Option<Object>)]
    semantic: Option<Signal>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    hits: Vec<SearchHit>,
    /// The query's entry in the query log (pass it with feedback); none
    /// when the search was not logged.
    query_id: Option<FaqQueryId>,
    /// Whether the best hit is a confident answer.
    answered: bool,
    /// False when the search used keywords only (no embedder, or it failed).
    semantic: bool,
    took_ms: f64,
}

/// Search FAQs by keywords and meaning at once (BM25 fused with embedding
/// similarity); every search is logged for analytics and suggestions.
#[utoipa::path(get, path = "/api/faqs/search", tag = "faqs", params(SearchQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SearchResults), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn search_faqs(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let limit = q.limit.unwrap_or(10);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 50"));
    }
    let text = query_text(&q.q)?;
    let language = language_param(q.language)?;
    let filter = morningai_knowledge::faq::FaqFilter {
        status: Some(
            q.status
                .unwrap_or(FaqStatus::Published)
                .as_str()
                .to_string(),
        ),
        language: language.clone(),
        category: q.category_id.map(|c| c.to_string()),
        tag: q.tag,
    };
    let asked = state
        .faqs
        .ask(
            ctx.tenant_id,
            &Question {
                text: &text,
                filter,
                language,
                channel: "api",
                limit,
                log: q.log.unwrap_or(true),
            },
        )
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(SearchResults {
        hits: asked
            .hits
            .into_iter()
            .map(|h| SearchHit {
                faq: h.faq,
                score: h.hit.score,
                keyword: h.hit.keyword,
                semantic: h.hit.semantic,
            })
            .collect(),
        query_id: asked.query_id,
        answered: asked.answered,
        semantic: asked.outcome.semantic,
        took_ms: asked.outcome.took.as_secs_f64() * 1e3,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    helpful: bool,
    /// The search that led to the FAQ (`query_id` of the results).
    query_id: Option<FaqQueryId>,
    comment: Option<String>,
}

/// Say whether an FAQ helped (any member).
#[utoipa::path(post, path = "/api/faqs/{id}/feedback", tag = "faqs", request_body = FeedbackRequest,
    params(("id" = FaqId, Path, description = "the FAQ's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = FaqFeedback), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn give_feedback(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<FaqId>,
    Json(body): Json<FeedbackRequest>,
) -> ApiResult<(StatusCode, Json<FaqFeedback>)> {
    let feedback = NewFaqFeedback {
        faq_id: id,
        helpful: body.helpful,
        query_id: body.query_id,
        comment: body.comment,
    };
    feedback.validate().map_err(invalid)?;
    let saved = state
        .store
        .record_feedback(ctx.tenant_id, Some(ctx.user_id), &feedback)
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsQuery {
    /// Days back from now, 1–365; default 30.
    days: Option<i64>,
}

/// Top queries, the unanswered rate, helpfulness and answer hits.
#[utoipa::path(get, path = "/api/faqs/analytics", tag = "faqs", params(AnalyticsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FaqAnalytics), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn faq_analytics(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<AnalyticsQuery>,
) -> ApiResult<Json<FaqAnalytics>> {
    let days = q.days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(ApiError::validation("days", "must be between 1 and 365"));
    }
    let since = OffsetDateTime::now_utc() - time::Duration::days(days);
    Ok(Json(state.store.faq_analytics(ctx.tenant_id, since).await?))
}

/// Your tenant's categories, each followed by its subtree.
#[utoipa::path(get, path = "/api/faq-categories", tag = "faqs",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = [FaqCategory]), (status = 401, body = ErrorBody)))]
async fn list_categories(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<Json<Vec<FaqCategory>>> {
    Ok(Json(state.store.categories(ctx.tenant_id).await?))
}

/// Add a category (owners and admins).
#[utoipa::path(post, path = "/api/faq-categories", tag = "faqs", request_body = NewFaqCategory,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = FaqCategory), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_category(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewFaqCategory>,
) -> ApiResult<(StatusCode, Json<FaqCategory>)> {
    let ctx = auth.require(Role::Admin)?;
    body.validate().map_err(invalid)?;
    let category = state
        .store
        .create_category(ctx, &body)
        .await
        .map_err(stored)?;
    Ok((StatusCode::CREATED, Json(category)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryRequest {
    name: Option<String>,
    /// `null` makes it a top-level category.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<FaqCategoryId>)]
    parent_id: Option<Option<FaqCategoryId>>,
    position: Option<i32>,
}

/// Rename, move or reorder a category (owners and admins).
#[utoipa::path(patch, path = "/api/faq-categories/{id}", tag = "faqs",
    request_body = UpdateCategoryRequest,
    params(("id" = FaqCategoryId, Path, description = "the category's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FaqCategory), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_category(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<FaqCategoryId>,
    Json(body): Json<UpdateCategoryRequest>,
) -> ApiResult<Json<FaqCategory>> {
    let ctx = auth.require(Role::Admin)?;
    let patch = FaqCategoryPatch {
        name: body.name,
        parent_id: body.parent_id,
        position: body.position,
    };
    patch.validate().map_err(invalid)?;
    Ok(Json(
        state
            .store
            .update_category(ctx, id, &patch)
            .await
            .map_err(stored)?,
    ))
}

/// Delete an empty category (owners and admins): one with subcategories or
/// FAQs is a 409.
#[utoipa::path(delete, path = "/api/faq-categories/{id}", tag = "faqs",
    params(("id" = FaqCategoryId, Path, description = "the category's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_category(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<FaqCategoryId>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Role::Admin)?;
    state.store.delete_category(ctx, id).await.map_err(stored)?;
    Ok(StatusCode::NO_CONTENT)
}

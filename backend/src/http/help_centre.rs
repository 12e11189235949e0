//! The public help centre: a tenant that turns it on publishes its
//! published FAQs — and nothing else — at `/public/{slug}/…`, readable and
//! searchable without an account, rate-limited per client and per help
//! centre. A slug that is not turned on is a 404, like one that never was.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_agents::faq::{FaqLibrary, Question};
use morningai_core::{
    FaqCategoryId, FaqFilter, FaqId, FaqQueryId, FaqStatus, HelpCentre, HelpCentreSettings,
    NewFaqFeedback, Role, TenantId,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, ClientIp, Json, Path, Query};
use super::faqs::{invalid, language_param, query_text};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_help_centre, set_help_centre))
        .routes(routes!(public_help_centre))
        .routes(routes!(public_faqs))
        .routes(routes!(public_search))
        .routes(routes!(public_faq))
        .routes(routes!(public_feedback))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HelpCentreView {
    /// Unset until an owner or admin sets the help centre up.
    settings: Option<HelpCentre>,
    /// Where the help centre's API answers (`/public/{slug}`), when on.
    public_path: Option<String>,
}

/// Your tenant's help-centre settings.
#[utoipa::path(get, path = "/api/help-centre", tag = "faqs",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = HelpCentreView), (status = 401, body = ErrorBody)))]
async fn get_help_centre(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<Json<HelpCentreView>> {
    let settings = state.store.help_centre(ctx.tenant_id).await?;
    Ok(Json(view(settings)))
}

fn view(settings: Option<HelpCentre>) -> HelpCentreView {
    let public_path = settings
        .as_ref()
        .filter(|s| s.enabled)
        .map(|s| format!("/public/{}", s.slug));
    HelpCentreView {
        settings,
        public_path,
    }
}

/// Turn the public help centre on or off, choose its slug and title
/// (owners and admins). Only published FAQs are ever shown there.
#[utoipa::path(put, path = "/api/help-centre", tag = "faqs", request_body = HelpCentreSettings,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = HelpCentreView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_help_centre(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<HelpCentreSettings>,
) -> ApiResult<Json<HelpCentreView>> {
    let ctx = auth.require(Role::Admin)?;
    let settings = body.normalized().map_err(invalid)?;
    let saved = state
        .store
        .set_help_centre(ctx, &settings)
        .await
        .map_err(|e| match e {
            morningai_store::StoreError::Conflict(_) => {
                ApiError::Conflict("another help centre has this slug".into())
            }
            e => e.into(),
        })?;
    Ok(Json(view(Some(saved))))
}

/// The tenant behind a public request, after its rate limit: a slug that
/// is not turned on is a 404, whatever the reason.
async fn open_centre(state: &AppState, ip: ClientIp, slug: &str) -> ApiResult<HelpCentre> {
    state
        .public_limiter
        .check(ip.0, slug)
        .map_err(ApiError::RateLimited)?;
    if slug.len() > 63 {
        return Err(ApiError::NotFound("help centre"));
    }
    state
        .store
        .public_help_centre(slug)
        .await?
        .ok_or(ApiError::NotFound("help centre"))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicCategory {
    id: FaqCategoryId,
    parent_id: Option<FaqCategoryId>,
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicHelpCentre {
    slug: String,
    title: String,
    /// The category tree, parents before children.
    categories: Vec<PublicCategory>,
}

/// A help centre's title and categories (no account needed).
#[utoipa::path(get, path = "/public/{slug}", tag = "public",
    params(("slug" = String, Path, description = "the help centre's slug")),
    responses((status = 200, body = PublicHelpCentre), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn public_help_centre(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(slug): Path<String>,
) -> ApiResult<Json<PublicHelpCentre>> {
    let centre = open_centre(&state, ip, &slug).await?;
    let categories = state
        .store
        .categories(centre.tenant_id)
        .await?
        .into_iter()
        .map(|c| PublicCategory {
            id: c.id,
            parent_id: c.parent_id,
            name: c.name,
        })
        .collect();
    Ok(Json(PublicHelpCentre {
        slug: centre.slug,
        title: centre.title,
        categories,
    }))
}

/// What a stranger may see of an FAQ: no authors, origin or counters
/// beyond helpfulness.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicFaq {
    id: FaqId,
    question: String,
    /// Markdown.
    answer: String,
    category_id: Option<FaqCategoryId>,
    tags: Vec<String>,
    language: String,
    helpful: i64,
    not_helpful: i64,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl From<morningai_core::Faq> for PublicFaq {
    fn from(f: morningai_core::Faq) -> Self {
        PublicFaq {
            id: f.id,
            question: f.question,
            answer: f.answer,
            category_id: f.category_id,
            tags: f.tags,
            language: f.language,
            helpful: f.helpful,
            not_helpful: f.not_helpful,
            updated_at: f.updated_at,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublicFaqsQuery {
    category_id: Option<FaqCategoryId>,
    tag: Option<String>,
    language: Option<String>,
    cursor: Option<FaqId>,
    /// 1–100, default 50.
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicFaqPage {
    faqs: Vec<PublicFaq>,
    next_cursor: Option<FaqId>,
}

/// A help centre's published FAQs, most recently changed first.
#[utoipa::path(get, path = "/public/{slug}/faqs", tag = "public",
    params(("slug" = String, Path, description = "the help centre's slug"), PublicFaqsQuery),
    responses((status = 200, body = PublicFaqPage), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn public_faqs(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(slug): Path<String>,
    Query(q): Query<PublicFaqsQuery>,
) -> ApiResult<Json<PublicFaqPage>> {
    let centre = open_centre(&state, ip, &slug).await?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 100"));
    }
    let language = language_param(q.language)?;
    let faqs = state
        .store
        .faqs(
            centre.tenant_id,
            &FaqFilter {
                status: Some(FaqStatus::Published),
                category_id: q.category_id,
                tag: q.tag,
                language,
                before: q.cursor,
                limit,
            },
        )
        .await?;
    let next_cursor = (faqs.len() as i64 == limit)
        .then(|| faqs.last().map(|f| f.id))
        .flatten();
    Ok(Json(PublicFaqPage {
        faqs: faqs.into_iter().map(PublicFaq::from).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PublicSearchQuery {
    q: String,
    language: Option<String>,
    category_id: Option<FaqCategoryId>,
    /// 1–20, default 10.
    limit: Option<usize>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicHit {
    faq: PublicFaq,
    score: f32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicSearchResults {
    hits: Vec<PublicHit>,
    /// Pass it with feedback on an answer.
    query_id: Option<FaqQueryId>,
    answered: bool,
}

/// Search a help centre's published FAQs by keywords and meaning.
#[utoipa::path(get, path = "/public/{slug}/faqs/search", tag = "public",
    params(("slug" = String, Path, description = "the help centre's slug"), PublicSearchQuery),
    responses((status = 200, body = PublicSearchResults), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn public_search(
    State(state): State<AppState>,
    ip: ClientIp,
    Path(slug): Path<String>,
    Query(q): Query<PublicSearchQuery>,
) -> ApiResult<Json<PublicSearchResults>> {
    let centre = open_centre(&state, ip, &slug).await?;
    let limit = q.limit.unwrap_or(10);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 20"));
    }
    let text = query_text(&q.q)?;
    let language = language_param(q.language)?;
    let filter = morningai_knowledge::faq::FaqFilter {
        language: language.clone(),
        category: q.category_id.map(|c| c.to_string()),
        ..FaqLibrary::published()
    };
    let asked = state
        .faqs
        .ask(
            centre.tenant_id,
            &Question {
                text: &text,
                filter,
                language,
                channel: "public",
                limit,
                log: true,
            },
        )
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(PublicSearchResults {
        hits: asked
            .hits
            .into_iter()
            // The index may lag a status change by a moment: the record decides.
            .filter(|h| h.faq.status == FaqStatus::Published)
            .map(|h| PublicHit {
                score: h.hit.score,
                faq: h.faq.into(),
            })
            .collect(),
        query_id: asked.query_id,
        answered: asked.answered,
    }))
}

/// One published FAQ of the tenant, or 404.
async fn published(
    state: &AppState,
    tenant: TenantId,
    id: FaqId,
) -> ApiResult<morningai_core::Faq> {
    state
        .store
        .faq(tenant, id)
        .await?
        .filter(|f| f.status == FaqStatus::Published)
        .ok_or(ApiError::NotFound("FAQ"))
}

/// One published FAQ (counted as a view).
#[utoipa::path(get, path = "/public/{slug}/faqs/{id}", tag = "public",
    params(("slug" = String, Path, description = "the help centre's slug"),
        ("id" = FaqId, Path, description = "the FAQ's id")),
    responses((status = 200, body = PublicFaq), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn public_faq(
    State(state): State<AppState>,
    ip: ClientIp,
    Path((slug, id)): Path<(String, FaqId)>,
) -> ApiResult<Json<PublicFaq>> {
    let centre = open_centre(&state, ip, &slug).await?;
    let faq = published(&state, centre.tenant_id, id).await?;
    state.store.record_faq_view(centre.tenant_id, id).await?;
    Ok(Json(faq.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicFeedbackRequest {
    helpful: bool,
    /// The search that led to the FAQ (`query_id` of the results).
    query_id: Option<FaqQueryId>,
    comment: Option<String>,
}

/// Say whether a published FAQ helped (no account needed).
#[utoipa::path(post, path = "/public/{slug}/faqs/{id}/feedback", tag = "public",
    request_body = PublicFeedbackRequest,
    params(("slug" = String, Path, description = "the help centre's slug"),
        ("id" = FaqId, Path, description = "the FAQ's id")),
    responses((status = 204), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn public_feedback(
    State(state): State<AppState>,
    ip: ClientIp,
    Path((slug, id)): Path<(String, FaqId)>,
    Json(body): Json<PublicFeedbackRequest>,
) -> ApiResult<StatusCode> {
    let centre = open_centre(&state, ip, &slug).await?;
    published(&state, centre.tenant_id, id).await?;
    let feedback = NewFaqFeedback {
        faq_id: id,
        helpful: body.helpful,
        query_id: body.query_id,
        comment: body.comment,
    };
    feedback.validate().map_err(invalid)?;
    state
        .store
        .record_feedback(centre.tenant_id, None, &feedback)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

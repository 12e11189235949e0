//! Suggested FAQs: questions no FAQ answered, clustered by meaning. Members
//! read; owners and admins refresh, approve (a `faq` task drafts the answer
//! from a repository, or their own answer becomes a draft at once) and
//! dismiss.

use axum::extract::State;
use morningai_core::{
    FaqCategoryId, FaqId, FaqSource, FaqStatus, FaqSuggestion, FaqSuggestionId, NewFaq,
    RepositoryId, Role, SuggestionStatus, TaskId,
};
use morningai_orchestration::TaskRequest;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Path, Query};
use super::faqs::invalid;
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_suggestions))
        .routes(routes!(refresh_suggestions))
        .routes(routes!(approve_suggestion))
        .routes(routes!(dismiss_suggestion))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SuggestionsQuery {
    /// Default `open`.
    status: Option<SuggestionStatus>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestionList {
    /// Most asked first.
    suggestions: Vec<FaqSuggestion>,
}

/// Suggested FAQs, most asked first.
#[utoipa::path(get, path = "/api/faq-suggestions", tag = "faqs", params(SuggestionsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SuggestionList), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list_suggestions(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<SuggestionsQuery>,
) -> ApiResult<Json<SuggestionList>> {
    let status = q.status.unwrap_or(SuggestionStatus::Open);
    let suggestions = state
        .store
        .suggestions(ctx.tenant_id, Some(status), 200)
        .await?;
    Ok(Json(SuggestionList { suggestions }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RefreshedSuggestions {
    /// The open suggestions after the refresh, most asked first.
    suggestions: Vec<FaqSuggestion>,
    /// Unanswered (or unhelpfully answered) questions of the last 30 days.
    questions_considered: usize,
}

/// Cluster the last 30 days' unanswered questions into suggestions again
/// (owners and admins). Decisions are kept: a dismissed suggestion stays
/// dismissed and absorbs the same question asked again.
#[utoipa::path(post, path = "/api/faq-suggestions/refresh", tag = "faqs",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RefreshedSuggestions), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn refresh_suggestions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<RefreshedSuggestions>> {
    let ctx = auth.require(Role::Admin)?;
    let refreshed = state
        .faqs
        .refresh_suggestions(ctx.tenant_id)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(RefreshedSuggestions {
        suggestions: refreshed.suggestions,
        questions_considered: refreshed.questions_considered,
    }))
}

async fn load(
    state: &AppState,
    tenant: morningai_core::TenantId,
    id: FaqSuggestionId,
) -> ApiResult<FaqSuggestion> {
    state
        .store
        .suggestions(tenant, None, 1_000)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(ApiError::NotFound("suggestion"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveSuggestionRequest {
    /// Draft the answer from this repository with a `faq` task.
    repository_id: Option<RepositoryId>,
    /// Or: your own answer (Markdown), saved as a draft at once.
    answer: Option<String>,
    category_id: Option<FaqCategoryId>,
    /// Default `en`.
    language: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApprovedSuggestion {
    suggestion: FaqSuggestion,
    /// The `faq` task drafting the answer (with `repository_id`).
    task_id: Option<TaskId>,
    /// The draft FAQ (with `answer`).
    faq_id: Option<FaqId>,
}

/// Approve a suggestion (owners and admins): with `repository_id` a `faq`
/// task drafts the answer from the repository; with `answer` the draft is
/// yours. Either way the FAQ waits as a draft in the review queue.
#[utoipa::path(post, path = "/api/faq-suggestions/{id}/approve", tag = "faqs",
    request_body = ApproveSuggestionRequest,
    params(("id" = FaqSuggestionId, Path, description = "the suggestion's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ApprovedSuggestion), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "the tenant's hourly task quota is used up")))]
async fn approve_suggestion(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<FaqSuggestionId>,
    Json(body): Json<ApproveSuggestionRequest>,
) -> ApiResult<Json<ApprovedSuggestion>> {
    let ctx = auth.require(Role::Admin)?;
    let suggestion = load(&state, ctx.tenant_id, id).await?;
    if suggestion.status == SuggestionStatus::Approved {
        return Err(ApiError::Conflict(
            "this suggestion is already approved".into(),
        ));
    }
    let language =
        morningai_core::language_tag(body.language.as_deref().unwrap_or("en")).map_err(invalid)?;
    let (task_id, faq_id) = match (body.repository_id, body.answer) {
        (Some(repository_id), None) => {
            let mut input = json!({
                "repository_id": repository_id,
                "question": suggestion.query,
                "suggestion_id": id,
                "language": language,
            });
            if let Some(category) = body.category_id {
                input["category_id"] = json!(category);
            }
            let request = TaskRequest {
                kind: morningai_agents::faq::graph::KIND.into(),
                input,
                ..Default::default()
            };
            let (task, _) = state.runtime.submit(ctx, request).await?;
            (Some(task.id), None)
        }
        (None, Some(answer)) => {
            let new = NewFaq {
                question: suggestion.query.clone(),
                answer,
                category_id: body.category_id,
                tags: Vec::new(),
                language,
                status: FaqStatus::Draft,
                source: FaqSource::Suggested,
                origin: Some(json!({ "suggestion_id": id, "examples": suggestion.examples })),
                external_id: None,
            }
            .normalized()
            .map_err(invalid)?;
            let faq = state.store.create_faq(ctx, &new).await?;
            state.faqs.embed_now(&faq).await;
            (None, Some(faq.id))
        }
        _ => {
            return Err(ApiError::validation(
                "body",
                "give either repository_id (a task drafts the answer) or answer (your own)",
            ))
        }
    };
    let suggestion = state
        .store
        .set_suggestion_status(ctx, id, SuggestionStatus::Approved, task_id)
        .await?;
    Ok(Json(ApprovedSuggestion {
        suggestion,
        task_id,
        faq_id,
    }))
}

/// Dismiss a suggestion (owners and admins): it stays dismissed, however
/// often the question is asked again.
#[utoipa::path(post, path = "/api/faq-suggestions/{id}/dismiss", tag = "faqs",
    params(("id" = FaqSuggestionId, Path, description = "the suggestion's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FaqSuggestion), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn dismiss_suggestion(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<FaqSuggestionId>,
) -> ApiResult<Json<FaqSuggestion>> {
    let ctx = auth.require(Role::Admin)?;
    let suggestion = state
        .store
        .set_suggestion_status(ctx, id, SuggestionStatus::Dismissed, None)
        .await?;
    Ok(Json(suggestion))
}

//! The tasks API: every agent run goes through it. Create, list, inspect,
//! cancel, answer an interrupt, replay from a checkpoint, and watch the run
//! live over server-sent events.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::Stream;
use morningai_core::{Checkpoint, CheckpointId, Role, Task, TaskId, TaskStatus, TenantId};
use morningai_orchestration::submit::RESERVED_KEY_PREFIX;
use morningai_orchestration::{SubmitError, TaskRequest};
use morningai_store::TaskFilter;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::event_stream::{self, StreamSlot};
use super::extract::{Auth, Json, Path, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tasks, create_task))
        .routes(routes!(get_task))
        .routes(routes!(cancel_task))
        .routes(routes!(resume_task))
        .routes(routes!(list_checkpoints))
        .routes(routes!(replay_task))
        .routes(routes!(task_events))
        .routes(routes!(task_kinds))
        .routes(routes!(task_counts))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskCounts {
    /// Every status with its number of tasks (0 included).
    counts: std::collections::BTreeMap<String, i64>,
    total: i64,
}

/// How many of your tenant's tasks are in each status.
#[utoipa::path(get, path = "/api/tasks/counts", tag = "tasks",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = TaskCounts), (status = 401, body = ErrorBody)))]
async fn task_counts(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<Json<TaskCounts>> {
    let mut counts: std::collections::BTreeMap<String, i64> = TaskStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for (status, n) in state.runtime.store().task_counts(ctx.tenant_id).await? {
        counts.insert(status.as_str().to_owned(), n);
    }
    let total = counts.values().sum();
    Ok(Json(TaskCounts { counts, total }))
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::UnknownKind(k) => ApiError::validation(
                "kind",
                format!("unknown task kind `{k}` (see GET /api/task-kinds)"),
            ),
            SubmitError::InvalidInput(m) => ApiError::validation("input", m),
            SubmitError::Forbidden(m) => ApiError::Forbidden(m),
            e @ SubmitError::KeyReused => ApiError::validation("idempotency_key", e),
            SubmitError::Store(e) => e.into(),
        }
    }
}

async fn load(state: &AppState, tenant: TenantId, id: TaskId) -> ApiResult<Task> {
    state
        .runtime
        .store()
        .task(tenant, id)
        .await?
        .ok_or(ApiError::NotFound("task"))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskRequest {
    /// A task kind from `GET /api/task-kinds`, e.g. `echo`.
    kind: String,
    /// The graph's input, e.g. `{"message": "hello"}` for `echo`.
    #[schema(value_type = Object)]
    input: serde_json::Value,
    /// Higher runs first (-100…100, default 0).
    priority: Option<i32>,
    /// Creating twice with the same key returns the first task.
    idempotency_key: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskAccepted {
    task_id: TaskId,
    trace_id: uuid::Uuid,
    status: TaskStatus,
    /// False when the idempotency key named an existing task.
    created: bool,
}

/// Start a task. It runs in the background; watch it at `/api/tasks/{id}/events`.
#[utoipa::path(post, path = "/api/tasks", tag = "tasks", request_body = CreateTaskRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 202, body = TaskAccepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "the tenant's hourly task quota is used up")))]
async fn create_task(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<CreateTaskRequest>,
) -> ApiResult<(StatusCode, Json<TaskAccepted>)> {
    let ctx = auth.require(Role::Member)?;
    let priority = req.priority.unwrap_or(0);
    if !(-100..=100).contains(&priority) {
        return Err(ApiError::validation(
            "priority",
            "must be between -100 and 100",
        ));
    }
    if req
        .idempotency_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > 200)
    {
        return Err(ApiError::validation(
            "idempotency_key",
            "must be 1 to 200 characters",
        ));
    }
    if req
        .idempotency_key
        .as_ref()
        .is_some_and(|k| k.starts_with(RESERVED_KEY_PREFIX))
    {
        return Err(ApiError::validation(
            "idempotency_key",
            format!("keys starting with `{RESERVED_KEY_PREFIX}` are the server's own"),
        ));
    }
    let request = TaskRequest {
        kind: req.kind,
        input: req.input,
        priority,
        idempotency_key: req.idempotency_key,
    };
    let (task, created) = state.runtime.submit(ctx, request).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(TaskAccepted {
            task_id: task.id,
            trace_id: task.trace_id,
            status: task.status,
            created,
        }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TasksQuery {
    status: Option<String>,
    kind: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<TaskId>,
    /// 1–200, default 50.
    limit: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskPage {
    tasks: Vec<Task>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<TaskId>,
}

/// Your tenant's tasks, newest first, a page at a time.
#[utoipa::path(get, path = "/api/tasks", tag = "tasks", params(TasksQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = TaskPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_tasks(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Query(q): Query<TasksQuery>,
) -> ApiResult<Json<TaskPage>> {
    let status = q
        .status
        .map(|s| {
            s.parse::<TaskStatus>()
                .map_err(|e| ApiError::validation("status", e))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 200"));
    }
    let filter = TaskFilter {
        status,
        kind: q.kind,
    };
    let tasks = state
        .runtime
        .store()
        .tasks(ctx.tenant_id, &filter, q.cursor, limit)
        .await?;
    let next_cursor = (tasks.len() as i64 == limit)
        .then(|| tasks.last().map(|t| t.id))
        .flatten();
    Ok(Json(TaskPage { tasks, next_cursor }))
}

/// One task: status, timestamps, input, result, error, cost, checkpoint count.
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "tasks",
    params(("id" = TaskId, Path, description = "the task's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_task(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<TaskId>,
) -> ApiResult<Json<Task>> {
    Ok(Json(load(&state, ctx.tenant_id, id).await?))
}

/// Stop a task: at once when queued or waiting, at its next node boundary when running.
#[utoipa::path(post, path = "/api/tasks/{id}/cancel", tag = "tasks",
    params(("id" = TaskId, Path, description = "the task's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the task already ended")))]
async fn cancel_task(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<TaskId>,
) -> ApiResult<Json<Task>> {
    let ctx = auth.require(Role::Member)?;
    load(&state, ctx.tenant_id, id).await?;
    Ok(Json(
        state.runtime.store().request_task_cancel(ctx, id).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeRequest {
    decision: Decision,
    /// Anything the waiting node asked for (an answer, an edited draft).
    #[schema(value_type = Option<Object>)]
    input: Option<serde_json::Value>,
}

/// Answer a task waiting for approval; its run continues in the background.
#[utoipa::path(post, path = "/api/tasks/{id}/resume", tag = "tasks", request_body = ResumeRequest,
    params(("id" = TaskId, Path, description = "the task's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "your role may not decide this kind"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the task is not waiting for approval"), (status = 422, body = ErrorBody)))]
async fn resume_task(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<TaskId>,
    Json(req): Json<ResumeRequest>,
) -> ApiResult<Json<Task>> {
    let task = load(&state, ctx.tenant_id, id).await?;
    let approved = matches!(req.decision, Decision::Approve);
    let (task, _) = state
        .runtime
        .decide(&ctx, &task, approved, req.input)
        .await?;
    Ok(Json(task))
}

/// The task's checkpoints, oldest first.
#[utoipa::path(get, path = "/api/tasks/{id}/checkpoints", tag = "tasks",
    params(("id" = TaskId, Path, description = "the task's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Checkpoint>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_checkpoints(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<TaskId>,
) -> ApiResult<Json<Vec<Checkpoint>>> {
    load(&state, ctx.tenant_id, id).await?;
    Ok(Json(
        state.runtime.store().checkpoints(ctx.tenant_id, id).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    checkpoint_id: CheckpointId,
}

/// Start a new run of this task from one of its checkpoints.
#[utoipa::path(post, path = "/api/tasks/{id}/replay", tag = "tasks", request_body = ReplayRequest,
    params(("id" = TaskId, Path, description = "the task's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 202, body = TaskAccepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "the tenant's hourly task quota is used up")))]
async fn replay_task(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<TaskId>,
    Json(req): Json<ReplayRequest>,
) -> ApiResult<(StatusCode, Json<TaskAccepted>)> {
    let ctx = auth.require(Role::Member)?;
    let source = load(&state, ctx.tenant_id, id).await?;
    let checkpoint = state
        .runtime
        .store()
        .checkpoint(ctx.tenant_id, req.checkpoint_id)
        .await?;
    if checkpoint.is_none_or(|c| c.task_id != id) {
        return Err(ApiError::validation(
            "checkpoint_id",
            "is not a checkpoint of this task",
        ));
    }
    let task = state
        .runtime
        .replay(ctx, &source, req.checkpoint_id)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(TaskAccepted {
            task_id: task.id,
            trace_id: task.trace_id,
            status: task.status,
            created: true,
        }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Start after this event (like the `Last-Event-ID` header, which wins).
    after: Option<i64>,
}

/// The task's events, live (server-sent events). Each event's `id` is its
/// sequence number: reconnect with `Last-Event-ID` to continue with no gap or
/// duplicate. The stream ends after the task's final event, after 30 minutes
/// (reconnect), or when the session or key is revoked; at most 16 streams
/// per user and 256 per tenant are open at once (429 beyond).
#[utoipa::path(get, path = "/api/tasks/{id}/events", tag = "tasks", params(("id" = TaskId, Path, description = "the task's id"), EventsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "text/event-stream: each event's `data` is a TaskEvent as JSON", body = event_stream::TaskEventMessage, content_type = "text/event-stream"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn task_events(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<TaskId>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    load(&state, ctx.tenant_id, id).await?;
    let header = headers.get("last-event-id").map(|v| {
        v.to_str()
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .ok_or_else(|| {
                ApiError::BadRequest("Last-Event-ID must be an event sequence number".into())
            })
    });
    let after = match header {
        Some(parsed) => parsed?,
        None => q.after.unwrap_or(0),
    };
    let slot = StreamSlot::take(&ctx)?;
    let stream = event_stream::task_events(state, ctx, id, after, slot);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskKind {
    kind: String,
    description: String,
    /// The least role that may approve this kind's interrupts.
    approver_role: Role,
}

/// The task kinds (graphs) this server runs.
#[utoipa::path(get, path = "/api/task-kinds", tag = "tasks",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<TaskKind>), (status = 401, body = ErrorBody)))]
async fn task_kinds(State(state): State<AppState>, _auth: Auth) -> Json<Vec<TaskKind>> {
    Json(
        state
            .runtime
            .registry()
            .kinds()
            .map(|(kind, e)| TaskKind {
                kind: kind.to_owned(),
                description: e.description.to_owned(),
                approver_role: e.approver,
            })
            .collect(),
    )
}

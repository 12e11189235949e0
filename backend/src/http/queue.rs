//! Queue administration for owners and admins: their tenant's jobs, counts,
//! retry and cancel, and the workers serving the queue.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_core::{
    now_ms, Job, JobId, JobStatus, NewJob, QueueCount, Role, TenantCtx, WorkerInfo,
};
use morningai_queue::{Accepted, JobScope};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Path, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(workers))
        .routes(routes!(list_jobs, enqueue))
        .routes(routes!(get_job))
        .routes(routes!(retry_job))
        .routes(routes!(cancel_job))
}

fn admin(auth: &Auth) -> ApiResult<(&TenantCtx, JobScope)> {
    let ctx = auth.require(Role::Admin)?;
    Ok((ctx, JobScope::Tenant(ctx.tenant_id)))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkerView {
    #[serde(flatten)]
    worker: WorkerInfo,
    /// No heartbeat for longer than a lease: the worker is probably gone.
    stale: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QueueStats {
    /// `database` or `redis`.
    backend: &'static str,
    /// Your tenant's jobs per queue and status.
    counts: Vec<QueueCount>,
    workers: usize,
    stale_workers: usize,
}

async fn worker_views(state: &AppState) -> ApiResult<Vec<WorkerView>> {
    let lease_ms = i64::try_from(state.config.queue.lease_secs * 1000).unwrap_or(i64::MAX);
    let now = now_ms();
    Ok(state
        .queue
        .backend()
        .workers()
        .await?
        .into_iter()
        .map(|worker| WorkerView {
            stale: now - worker.last_heartbeat_ms > lease_ms,
            worker,
        })
        .collect())
}

/// Job counts per queue and status (your tenant's jobs), and the workers.
#[utoipa::path(get, path = "/api/queue/stats", tag = "queue",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = QueueStats), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn stats(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<QueueStats>> {
    let (_, scope) = admin(&auth)?;
    let counts = state.queue.backend().counts(scope).await?;
    let workers = worker_views(&state).await?;
    Ok(Json(QueueStats {
        backend: state.queue.backend().name(),
        counts,
        stale_workers: workers.iter().filter(|w| w.stale).count(),
        workers: workers.len(),
    }))
}

/// The workers registered by their heartbeats.
#[utoipa::path(get, path = "/api/queue/workers", tag = "queue",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<WorkerView>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn workers(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<WorkerView>>> {
    admin(&auth)?;
    Ok(Json(worker_views(&state).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobsQuery {
    /// queued, scheduled, started, finished, failed or canceled.
    status: Option<String>,
    queue: Option<String>,
    /// 1–500, default 100.
    limit: Option<usize>,
}

/// Your tenant's jobs, newest first (`?status=failed` is the failed-job registry).
#[utoipa::path(get, path = "/api/queue/jobs", tag = "queue", params(JobsQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Job>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn list_jobs(
    State(state): State<AppState>,
    auth: Auth,
    // Checked after the role: a caller without it learns nothing of the query.
    query: Result<Query<JobsQuery>, ApiError>,
) -> ApiResult<Json<Vec<Job>>> {
    let (_, scope) = admin(&auth)?;
    let Query(q) = query?;
    let status = q
        .status
        .map(|s| {
            s.parse::<JobStatus>()
                .map_err(|e| ApiError::validation("status", e))
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation("limit", "must be between 1 and 500"));
    }
    Ok(Json(
        state
            .queue
            .backend()
            .jobs(scope, status, q.queue.as_deref(), limit)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnqueueRequest {
    /// One of the built-in kinds: system.noop, system.echo, system.sleep, system.fail.
    kind: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    payload: serde_json::Value,
    /// Default `default`.
    queue: Option<String>,
    priority: Option<i32>,
    /// Run no sooner than this many milliseconds from now.
    delay_ms: Option<u32>,
    max_attempts: Option<i32>,
    timeout_ms: Option<u32>,
    idempotency_key: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EnqueueResponse {
    /// The job, when the queue took it at once (database backend).
    job: Option<Job>,
    /// False when the idempotency key named an existing job.
    created: bool,
    /// The outbox entry, when the job was recorded for delivery (Redis backend).
    outbox_id: Option<uuid::Uuid>,
}

/// Enqueue a built-in job for your tenant (to try the queue and its workers).
#[utoipa::path(post, path = "/api/queue/jobs", tag = "queue", request_body = EnqueueRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 202, body = EnqueueResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn enqueue(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<EnqueueRequest>,
) -> ApiResult<(StatusCode, Json<EnqueueResponse>)> {
    let (ctx, _) = admin(&auth)?;
    if !crate::jobs::API_KINDS.contains(&req.kind.as_str()) {
        return Err(ApiError::validation(
            "kind",
            format!("must be one of {}", crate::jobs::API_KINDS.join(", ")),
        ));
    }
    let mut job = NewJob::new(
        req.queue.unwrap_or_else(|| "default".into()),
        req.kind,
        req.payload,
    );
    job.tenant_id = Some(ctx.tenant_id);
    job.priority = req.priority.unwrap_or(0);
    job.run_at_ms = req.delay_ms.map(|d| now_ms() + i64::from(d));
    job.max_attempts = req.max_attempts.unwrap_or(job.max_attempts);
    job.timeout_ms = req.timeout_ms.map_or(job.timeout_ms, i64::from);
    // Keys are per tenant: one tenant's key never names another's job.
    job.idempotency_key = req
        .idempotency_key
        .map(|k| format!("{}:{k}", ctx.tenant_id));
    let response = match state.queue.enqueue(job).await? {
        Accepted::Queued(e) => EnqueueResponse {
            created: e.created,
            job: Some(e.job),
            outbox_id: None,
        },
        Accepted::Recorded { outbox_id } => EnqueueResponse {
            job: None,
            created: true,
            outbox_id: Some(outbox_id),
        },
    };
    Ok((StatusCode::ACCEPTED, Json(response)))
}

/// One of your tenant's jobs.
#[utoipa::path(get, path = "/api/queue/jobs/{id}", tag = "queue",
    params(("id" = JobId, Path, description = "the job's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Job), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn get_job(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<JobId>,
) -> ApiResult<Json<Job>> {
    let (_, scope) = admin(&auth)?;
    state
        .queue
        .backend()
        .job(scope, id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("job"))
}

/// Put a failed (or canceled) job back in its queue with fresh attempts.
#[utoipa::path(post, path = "/api/queue/jobs/{id}/retry", tag = "queue",
    params(("id" = JobId, Path, description = "the job's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Job), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the job is not failed or canceled"), (status = 503, body = ErrorBody)))]
async fn retry_job(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<JobId>,
) -> ApiResult<Json<Job>> {
    let (ctx, scope) = admin(&auth)?;
    let job = state.queue.backend().requeue(scope, id).await?;
    state
        .store
        .record_audit(
            ctx,
            "job.retry",
            Some(&id.to_string()),
            serde_json::json!({ "kind": job.kind }),
        )
        .await?;
    Ok(Json(job))
}

/// Cancel a queued or scheduled job.
#[utoipa::path(post, path = "/api/queue/jobs/{id}/cancel", tag = "queue",
    params(("id" = JobId, Path, description = "the job's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Job), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the job already started or ended"), (status = 503, body = ErrorBody)))]
async fn cancel_job(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<JobId>,
) -> ApiResult<Json<Job>> {
    let (ctx, scope) = admin(&auth)?;
    let job = state.queue.backend().cancel(scope, id).await?;
    state
        .store
        .record_audit(
            ctx,
            "job.cancel",
            Some(&id.to_string()),
            serde_json::json!({ "kind": job.kind }),
        )
        .await?;
    Ok(Json(job))
}

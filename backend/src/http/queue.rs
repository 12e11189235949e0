//! Queue administration for owners and admins: their tenant's jobs, counts,
//! retry and cancel, and the workers serving the queue.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::StatusCode;
use futures::{StreamExt, TryStreamExt};
use morningai_core::{now_ms, Job, JobId, JobStatus, NewJob, QueueCount, Role, TenantCtx};
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

/// A worker as a tenant sees it: named by the random part of its id, never
/// by the operator's host name or process id (with open sign-up, every
/// tenant admin is a stranger).
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkerView {
    /// `worker-` and the random part of the worker's id; the same in jobs' `worker_id`.
    name: String,
    queues: Vec<String>,
    started_at_ms: i64,
    last_heartbeat_ms: i64,
    /// The jobs of your tenant it is running now.
    current_jobs: Vec<JobId>,
    /// Jobs it is running now, every tenant's (only yours are listed).
    running_jobs: usize,
    /// No heartbeat for longer than a lease: the worker is probably gone.
    stale: bool,
}

/// What tenants see of a worker id (`host-pid-random`): `worker-random`.
fn worker_alias(id: &str) -> String {
    let random = id.rsplit('-').next().unwrap_or(id);
    format!("worker-{random}")
}

/// A job as a tenant sees it: its worker named by [`worker_alias`].
fn tenant_view(mut job: Job) -> Job {
    job.worker_id = job.worker_id.as_deref().map(worker_alias);
    job
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
            running_jobs: worker.current_jobs.len(),
            name: worker_alias(&worker.id),
            queues: worker.queues,
            started_at_ms: worker.started_at_ms,
            last_heartbeat_ms: worker.last_heartbeat_ms,
            current_jobs: worker.current_jobs,
        })
        .collect())
}

/// Keeps in each worker's `current_jobs` only the jobs `scope` may see:
/// another tenant's job ids would tell who is busy with what, and when.
async fn redact_current_jobs(
    state: &AppState,
    scope: JobScope,
    views: &mut [WorkerView],
) -> ApiResult<()> {
    let ids: HashSet<JobId> = views
        .iter()
        .flat_map(|v| v.current_jobs.iter().copied())
        .collect();
    let backend = state.queue.backend();
    let visible: HashSet<JobId> = futures::stream::iter(ids)
        .map(|id| async move { Ok::<_, ApiError>(backend.job(scope, id).await?.map(|_| id)) })
        .buffer_unordered(8)
        .try_filter_map(|id| async move { Ok(id) })
        .try_collect()
        .await?;
    for view in views {
        view.current_jobs.retain(|id| visible.contains(id));
    }
    Ok(())
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

/// The workers registered by their heartbeats, with the jobs of your tenant
/// each is running.
#[utoipa::path(get, path = "/api/queue/workers", tag = "queue",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<WorkerView>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn workers(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<WorkerView>>> {
    let (_, scope) = admin(&auth)?;
    let mut views = worker_views(&state).await?;
    redact_current_jobs(&state, scope, &mut views).await?;
    Ok(Json(views))
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
            .await?
            .into_iter()
            .map(tenant_view)
            .collect(),
    ))
}

/// Every field is bounded (`morningai_core::job::limits`); a value out of
/// bounds is refused (422), never clamped.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnqueueRequest {
    /// One of the built-in kinds: system.noop, system.echo, system.sleep, system.fail.
    kind: String,
    /// At most 64 KiB of JSON.
    #[serde(default)]
    #[schema(value_type = Object)]
    payload: serde_json::Value,
    /// One of the queues the workers take jobs from (`MORNINGAI_QUEUES`);
    /// default `default`.
    queue: Option<String>,
    /// -100 to 100 (higher runs first), default 0. Tenant jobs never
    /// outrank the system's.
    priority: Option<i32>,
    /// Run no sooner than this many milliseconds from now; at most 7 days.
    delay_ms: Option<u32>,
    /// 1 to 10, default 3.
    max_attempts: Option<i32>,
    /// 1,000 to 3,600,000 (an hour), default 300,000.
    timeout_ms: Option<u32>,
    /// 1 to 100 bytes.
    idempotency_key: Option<String>,
}

/// Longest idempotency key a client may send (it is stored with the tenant's id in front).
const IDEMPOTENCY_KEY_MAX: usize = 100;

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
    let job = tenant_job(&state, ctx, req)?;
    let response = match state.queue.enqueue(job).await? {
        Accepted::Queued(e) => EnqueueResponse {
            created: e.created,
            job: Some(tenant_view(e.job)),
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

/// The job a request asks for, checked against the bounds of tenant jobs.
fn tenant_job(state: &AppState, ctx: &TenantCtx, req: EnqueueRequest) -> ApiResult<NewJob> {
    if !crate::jobs::API_KINDS.contains(&req.kind.as_str()) {
        return Err(ApiError::validation(
            "kind",
            format!("must be one of {}", crate::jobs::API_KINDS.join(", ")),
        ));
    }
    // Only queues the workers serve: a job anywhere else would wait forever.
    let queues = &state.config.queue.queues;
    let queue = req.queue.unwrap_or_else(|| "default".into());
    if !queues.contains(&queue) {
        return Err(ApiError::validation(
            "queue",
            format!("must be one of {}", queues.join(", ")),
        ));
    }
    if req
        .idempotency_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > IDEMPOTENCY_KEY_MAX)
    {
        return Err(ApiError::validation(
            "idempotency_key",
            format!("must be 1 to {IDEMPOTENCY_KEY_MAX} bytes"),
        ));
    }
    let now = now_ms();
    let mut job = NewJob::for_tenant(ctx.tenant_id, queue, req.kind, req.payload);
    job.priority = req.priority.unwrap_or(job.priority);
    job.run_at_ms = req.delay_ms.map(|d| now + i64::from(d));
    job.max_attempts = req.max_attempts.unwrap_or(job.max_attempts);
    job.timeout_ms = req.timeout_ms.map_or(job.timeout_ms, i64::from);
    // Keys are per tenant: one tenant's key never names another's job.
    job.idempotency_key = req
        .idempotency_key
        .map(|k| format!("{}:{k}", ctx.tenant_id));
    job.validate(now).map_err(|e| {
        // Named as in the request.
        let field = if e.field == "run_at_ms" {
            "delay_ms"
        } else {
            e.field
        };
        ApiError::validation(field, e.message)
    })?;
    Ok(job)
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
        .map(|job| Json(tenant_view(job)))
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
    Ok(Json(tenant_view(job)))
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
    Ok(Json(tenant_view(job)))
}

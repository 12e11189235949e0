//! Row shapes shared by both backends (sqlx decodes them from either) and
//! their conversion to domain types.

use morningai_core::{
    ApiKey, Approval, ApprovalStatus, AuditEntry, Checkpoint, Email, Job, JobId, JobStatus, Member,
    Membership, Role, Session, Task, TaskEvent, TaskStatus, Tenant, User, WorkerInfo,
};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{StoreError, StoreResult};

/// The current time at the precision both databases keep (microseconds), so a
/// value read back equals the value written.
pub(crate) fn now() -> OffsetDateTime {
    to_micros(OffsetDateTime::now_utc())
}

/// `t` truncated to microseconds, in UTC.
pub(crate) fn to_micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000)
        .expect("microsecond truncation stays in range")
}

fn role(s: &str) -> StoreResult<Role> {
    s.parse()
        .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

fn email(s: &str) -> StoreResult<Email> {
    Email::parse(s).map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: Uuid,
    name: String,
    created_at: OffsetDateTime,
}

impl TenantRow {
    pub fn into_domain(self) -> Tenant {
        Tenant {
            id: self.id.into(),
            name: self.name,
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
}

impl UserRow {
    pub fn into_domain(self) -> StoreResult<User> {
        Ok(User {
            id: self.id.into(),
            email: email(&self.email)?,
            created_at: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MembershipRow {
    tenant_id: Uuid,
    user_id: Uuid,
    role: String,
    created_at: OffsetDateTime,
}

impl MembershipRow {
    pub fn into_domain(self) -> StoreResult<Membership> {
        Ok(Membership {
            tenant_id: self.tenant_id.into(),
            user_id: self.user_id.into(),
            role: role(&self.role)?,
            created_at: self.created_at,
        })
    }
}

/// A membership joined with its tenant.
#[derive(sqlx::FromRow)]
pub(crate) struct TenantMembershipRow {
    #[sqlx(flatten)]
    membership: MembershipRow,
    tenant_name: String,
    tenant_created_at: OffsetDateTime,
}

impl TenantMembershipRow {
    pub fn into_domain(self) -> StoreResult<(Tenant, Membership)> {
        let m = self.membership.into_domain()?;
        let t = Tenant {
            id: m.tenant_id,
            name: self.tenant_name,
            created_at: self.tenant_created_at,
        };
        Ok((t, m))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    user_id: Uuid,
    email: String,
    role: String,
    joined_at: OffsetDateTime,
}

impl MemberRow {
    pub fn into_domain(self) -> StoreResult<Member> {
        Ok(Member {
            user_id: self.user_id.into(),
            email: email(&self.email)?,
            role: role(&self.role)?,
            joined_at: self.joined_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    id: Uuid,
    tenant_id: Uuid,
    user_id: Uuid,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
}

impl SessionRow {
    pub fn into_domain(self) -> Session {
        Session {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            user_id: self.user_id.into(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: Uuid,
    tenant_id: Uuid,
    user_id: Uuid,
    name: String,
    prefix: String,
    role: String,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

impl ApiKeyRow {
    pub fn into_domain(self) -> StoreResult<ApiKey> {
        Ok(ApiKey {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            user_id: self.user_id.into(),
            name: self.name,
            prefix: self.prefix,
            role: role(&self.role)?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    id: Uuid,
    tenant_id: Uuid,
    actor_user_id: Option<Uuid>,
    action: String,
    target: Option<String>,
    detail: Json<serde_json::Value>,
    created_at: OffsetDateTime,
}

impl AuditRow {
    pub fn into_domain(self) -> AuditEntry {
        AuditEntry {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            actor_user_id: self.actor_user_id.map(Into::into),
            action: self.action,
            target: self.target,
            detail: self.detail.0,
            created_at: self.created_at,
        }
    }
}

pub(crate) fn job_status(s: &str) -> StoreResult<JobStatus> {
    s.parse()
        .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: Uuid,
    tenant_id: Option<Uuid>,
    queue: String,
    kind: String,
    payload: Json<serde_json::Value>,
    priority: i32,
    status: String,
    attempts: i32,
    max_attempts: i32,
    timeout_ms: i64,
    result_ttl_ms: i64,
    enqueued_at_ms: i64,
    run_at_ms: i64,
    started_at_ms: Option<i64>,
    finished_at_ms: Option<i64>,
    lease_expires_ms: Option<i64>,
    worker_id: Option<String>,
    result: Option<Json<serde_json::Value>>,
    result_expires_ms: Option<i64>,
    last_error: Option<String>,
    idempotency_key: Option<String>,
}

impl JobRow {
    pub fn into_domain(self) -> StoreResult<Job> {
        Ok(Job {
            id: JobId(self.id),
            queue: self.queue,
            kind: self.kind,
            payload: self.payload.0,
            priority: self.priority,
            status: job_status(&self.status)?,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            timeout_ms: self.timeout_ms,
            result_ttl_ms: self.result_ttl_ms,
            enqueued_at_ms: self.enqueued_at_ms,
            run_at_ms: self.run_at_ms,
            started_at_ms: self.started_at_ms,
            finished_at_ms: self.finished_at_ms,
            lease_expires_ms: self.lease_expires_ms,
            worker_id: self.worker_id,
            result: self.result.map(|r| r.0),
            result_expires_ms: self.result_expires_ms,
            last_error: self.last_error,
            idempotency_key: self.idempotency_key,
            tenant_id: self.tenant_id.map(Into::into),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct WorkerRow {
    id: String,
    host: String,
    pid: i64,
    queues: Json<Vec<String>>,
    started_at_ms: i64,
    last_heartbeat_ms: i64,
    current_jobs: Json<Vec<JobId>>,
}

impl WorkerRow {
    pub fn into_domain(self) -> WorkerInfo {
        WorkerInfo {
            id: self.id,
            host: self.host,
            pid: self.pid,
            queues: self.queues.0,
            started_at_ms: self.started_at_ms,
            last_heartbeat_ms: self.last_heartbeat_ms,
            current_jobs: self.current_jobs.0,
        }
    }
}

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(Box::new(e)))
}

pub(crate) fn task_status(s: &str) -> StoreResult<TaskStatus> {
    s.parse().map_err(decode_err)
}

fn approval_status(s: &str) -> StoreResult<ApprovalStatus> {
    s.parse()
        .map_err(|e: String| decode_err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    id: Uuid,
    tenant_id: Uuid,
    kind: String,
    input: Json<serde_json::Value>,
    status: String,
    priority: i32,
    trace_id: Uuid,
    idempotency_key: Option<String>,
    created_by: Option<Uuid>,
    replay_of: Option<Uuid>,
    result: Option<Json<serde_json::Value>>,
    error: Option<String>,
    interrupt: Option<Json<serde_json::Value>>,
    cost_usd: f64,
    checkpoint_count: i64,
    cancel_requested: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    started_at: Option<OffsetDateTime>,
    finished_at: Option<OffsetDateTime>,
}

impl TaskRow {
    pub fn into_domain(self) -> StoreResult<Task> {
        Ok(Task {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            kind: self.kind,
            input: self.input.0,
            status: task_status(&self.status)?,
            priority: self.priority,
            trace_id: self.trace_id,
            idempotency_key: self.idempotency_key,
            created_by: self.created_by.map(Into::into),
            replay_of: self.replay_of.map(Into::into),
            result: self.result.map(|r| r.0),
            error: self.error,
            interrupt: self.interrupt.map(|i| i.0),
            cost_usd: self.cost_usd,
            checkpoint_count: self.checkpoint_count,
            cancel_requested: self.cancel_requested,
            created_at: self.created_at,
            updated_at: self.updated_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CheckpointRow {
    id: Uuid,
    task_id: Uuid,
    parent_id: Option<Uuid>,
    seq: i64,
    node: String,
    next: String,
    step: i64,
    state: Json<serde_json::Value>,
    created_at: OffsetDateTime,
}

impl CheckpointRow {
    pub fn into_domain(self) -> Checkpoint {
        Checkpoint {
            id: self.id.into(),
            task_id: self.task_id.into(),
            parent_id: self.parent_id.map(Into::into),
            seq: self.seq,
            node: self.node,
            next: self.next,
            step: self.step,
            state: self.state.0,
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskEventRow {
    task_id: Uuid,
    seq: i64,
    kind: String,
    data: Json<serde_json::Value>,
    created_at: OffsetDateTime,
}

impl TaskEventRow {
    pub fn into_domain(self) -> TaskEvent {
        TaskEvent {
            task_id: self.task_id.into(),
            seq: self.seq,
            kind: self.kind,
            data: self.data.0,
            created_at: self.created_at,
        }
    }
}

/// An approval joined with its task's kind.
#[derive(sqlx::FromRow)]
pub(crate) struct ApprovalRow {
    task_id: Uuid,
    task_kind: String,
    checkpoint_id: Uuid,
    node: String,
    payload: Json<serde_json::Value>,
    status: String,
    requested_at: OffsetDateTime,
    decided_by: Option<Uuid>,
    decided_at: Option<OffsetDateTime>,
    decision_input: Option<Json<serde_json::Value>>,
}

impl ApprovalRow {
    pub fn into_domain(self) -> StoreResult<Approval> {
        Ok(Approval {
            task_id: self.task_id.into(),
            task_kind: self.task_kind,
            checkpoint_id: self.checkpoint_id.into(),
            node: self.node,
            payload: self.payload.0,
            status: approval_status(&self.status)?,
            requested_at: self.requested_at,
            decided_by: self.decided_by.map(Into::into),
            decided_at: self.decided_at,
            decision_input: self.decision_input.map(|i| i.0),
        })
    }
}

//! The store interface, split by concern. Both backends implement every trait
//! and pass one conformance suite (`tests/it`).
//!
//! Methods that take a [`TenantCtx`] touch only that tenant's rows; mutating
//! ones write their audit entry in the same transaction.

use async_trait::async_trait;
use morningai_core::{
    ApiKey, ApiKeyId, AuditEntry, Email, Job, JobId, JobStatus, Member, Membership, NewJob,
    QueueCount, Role, Session, SessionId, Tenant, TenantCtx, TenantId, User, UserId, WorkerInfo,
};
use time::OffsetDateTime;

use crate::{Backend, StoreResult};

/// A user with the password hash, for verifying a log-in. Never serialised.
#[derive(Clone, Debug)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

/// A new API key: the caller generates the secret and passes only its hash.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub role: Role,
}

/// What a tenant, a user and their owner membership look like after signup.
#[derive(Clone, Debug)]
pub struct Signup {
    pub tenant: Tenant,
    pub user: User,
    pub membership: Membership,
}

#[async_trait]
pub trait HealthStore: Send + Sync {
    fn backend(&self) -> Backend;
    /// The database answers a query.
    async fn ping(&self) -> StoreResult<()>;
    /// Every migration this build knows is applied, and none unknown.
    async fn migrations_current(&self) -> StoreResult<bool>;
}

/// Identities: users are global (one person, several tenants).
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a tenant, its first user and the owner membership atomically.
    async fn signup(
        &self,
        email: &Email,
        password_hash: &str,
        tenant_name: &str,
    ) -> StoreResult<Signup>;
    async fn create_user(&self, email: &Email, password_hash: &str) -> StoreResult<User>;
    async fn user_credentials(&self, email: &Email) -> StoreResult<Option<UserCredentials>>;
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// Deletes a user; memberships, sessions and keys go with it.
    async fn delete_user(&self, id: UserId) -> StoreResult<()>;
    /// The tenants a user belongs to, oldest membership first.
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<(Tenant, Membership)>>;
}

/// Sessions: a signed token names one; logout revokes it.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(
        &self,
        tenant: TenantId,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> StoreResult<Session>;
    async fn session(&self, tenant: TenantId, id: SessionId) -> StoreResult<Option<Session>>;
    async fn revoke_session(&self, ctx: &TenantCtx, id: SessionId) -> StoreResult<()>;
}

/// A tenant and its members.
#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn tenant(&self, ctx: &TenantCtx) -> StoreResult<Tenant>;
    /// The membership of `user` in `tenant`, if any: checked on every request,
    /// so a removed member's token stops working at once.
    async fn membership(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<Membership>>;
    async fn members(&self, ctx: &TenantCtx) -> StoreResult<Vec<Member>>;
    async fn add_member(&self, ctx: &TenantCtx, user: UserId, role: Role) -> StoreResult<Member>;
    /// Fails with `LastOwner` when it would demote the tenant's last owner.
    async fn set_member_role(
        &self,
        ctx: &TenantCtx,
        user: UserId,
        role: Role,
    ) -> StoreResult<Member>;
    /// Fails with `LastOwner` when it would remove the tenant's last owner.
    async fn remove_member(&self, ctx: &TenantCtx, user: UserId) -> StoreResult<()>;
}

/// API keys, stored as a hash and a short visible prefix.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn create_api_key(&self, ctx: &TenantCtx, key: NewApiKey) -> StoreResult<ApiKey>;
    async fn api_keys(&self, ctx: &TenantCtx) -> StoreResult<Vec<ApiKey>>;
    async fn api_key(&self, ctx: &TenantCtx, id: ApiKeyId) -> StoreResult<Option<ApiKey>>;
    /// Revokes a key; revoking twice is not an error.
    async fn revoke_api_key(&self, ctx: &TenantCtx, id: ApiKeyId) -> StoreResult<()>;
    /// The live (unrevoked) key with this hash, marking it used.
    async fn authenticate_api_key(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;
}

/// The audit log: append-only.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(
        &self,
        ctx: &TenantCtx,
        action: &str,
        target: Option<&str>,
        detail: serde_json::Value,
    ) -> StoreResult<()>;
    /// Newest first.
    async fn audit_log(&self, ctx: &TenantCtx, limit: i64) -> StoreResult<Vec<AuditEntry>>;
}

/// Whose jobs an operation may touch: the queue itself (every tenant's) or
/// one tenant's (its admins' view).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobScope {
    System,
    Tenant(TenantId),
}

/// A job waiting in the outbox to be pushed to an external queue.
#[derive(Clone, Debug)]
pub struct OutboxEntry {
    pub id: uuid::Uuid,
    pub job: NewJob,
}

/// The database queue backend's persistence, and the outbox. Times are Unix
/// milliseconds; the caller passes "now" so every backend shares one clock rule.
/// Lease-holding operations name the worker and do nothing (false) when the
/// job is no longer that worker's.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Inserts the job, or returns the existing one with the same idempotency
    /// key (`false` = not created).
    async fn enqueue_job(&self, job: &NewJob, now_ms: i64) -> StoreResult<(Job, bool)>;
    /// Takes the best due job of `queue` (highest priority, then earliest):
    /// `started`, one more attempt, leased to `worker` until `now + lease`.
    async fn claim_job(
        &self,
        queue: &str,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> StoreResult<Option<Job>>;
    /// Jobs whose lease expired (their worker died) go back to `queued`, or to
    /// `failed` when no attempts are left. Returns how many.
    async fn reap_expired_leases(&self, now_ms: i64) -> StoreResult<u64>;
    async fn renew_lease(&self, id: JobId, worker: &str, until_ms: i64) -> StoreResult<bool>;
    async fn finish_job(
        &self,
        id: JobId,
        worker: &str,
        result: &serde_json::Value,
        now_ms: i64,
    ) -> StoreResult<bool>;
    /// Records a failed attempt: `retry_at_ms` schedules another, `None` files
    /// the job in the failed registry.
    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at_ms: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<bool>;
    /// Gives an unfinished job back (graceful shutdown), not counting the attempt.
    async fn release_job(&self, id: JobId, worker: &str) -> StoreResult<bool>;
    /// Cancels a `queued` or `scheduled` job; `Conflict` otherwise.
    async fn cancel_job(&self, scope: JobScope, id: JobId, now_ms: i64) -> StoreResult<Job>;
    /// Puts a `failed` or `canceled` job back in its queue with fresh attempts.
    async fn requeue_job(&self, scope: JobScope, id: JobId, now_ms: i64) -> StoreResult<Job>;
    async fn job(&self, scope: JobScope, id: JobId) -> StoreResult<Option<Job>>;
    /// Newest first.
    async fn jobs(
        &self,
        scope: JobScope,
        status: Option<JobStatus>,
        queue: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<Job>>;
    async fn job_counts(&self, scope: JobScope) -> StoreResult<Vec<QueueCount>>;
    /// Deletes finished jobs whose result outlived its TTL.
    async fn purge_expired_results(&self, now_ms: i64) -> StoreResult<u64>;

    async fn upsert_worker(&self, worker: &WorkerInfo) -> StoreResult<()>;
    async fn remove_worker(&self, id: &str) -> StoreResult<()>;
    async fn workers(&self) -> StoreResult<Vec<WorkerInfo>>;

    async fn outbox_add(&self, job: &NewJob, now_ms: i64) -> StoreResult<uuid::Uuid>;
    /// Oldest first.
    async fn outbox_pending(&self, limit: i64) -> StoreResult<Vec<OutboxEntry>>;
    async fn outbox_mark_dispatched(&self, id: uuid::Uuid, now_ms: i64) -> StoreResult<()>;
}

/// Everything the application needs from persistence.
pub trait Store:
    HealthStore + AccountStore + SessionStore + TenantStore + ApiKeyStore + AuditStore + JobStore
{
}

impl<T> Store for T where
    T: HealthStore
        + AccountStore
        + SessionStore
        + TenantStore
        + ApiKeyStore
        + AuditStore
        + JobStore
{
}

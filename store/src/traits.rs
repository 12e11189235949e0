//! The store interface, split by concern. Both backends implement every trait
//! and pass one conformance suite (`tests/it`).
//!
//! Methods that take a [`TenantCtx`] touch only that tenant's rows; mutating
//! ones write their audit entry in the same transaction.

use async_trait::async_trait;
use morningai_core::{
    ApiKey, ApiKeyId, Approval, ApprovalStatus, AuditEntry, Budget, BudgetPatch, Checkpoint,
    CheckpointId, Credential, CredentialId, CredentialKind, Document, DocumentId, DocumentVersion,
    DocumentVersionInfo, Email, Faq, FaqAnalytics, FaqCategory, FaqCategoryId, FaqCategoryPatch,
    FaqChanges, FaqFeedback, FaqFilter, FaqId, FaqImportItem, FaqPatch, FaqQueryId, FaqQueryLog,
    FaqSuggestion, FaqSuggestionId, FaqVersion, HelpCentre, HelpCentreSettings, ImportOutcome, Job,
    JobId, JobStatus, Member, Membership, ModelCall, NewCredential, NewDocumentVersion, NewFaq,
    NewFaqCategory, NewFaqFeedback, NewFaqQuery, NewFaqSuggestion, NewJob, NewRepository, NewTask,
    Publication, QueueCount, Repository, RepositoryId, RepositoryIndexed, Role, Session, SessionId,
    SpendHold, Spent, SuggestionStatus, Task, TaskEvent, TaskId, TaskStatus, Tenant, TenantCtx,
    TenantId, UsageReport, User, UserId, WorkerInfo,
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
    /// Whether anyone has signed up on this instance (the first-run hint).
    async fn has_users(&self) -> StoreResult<bool>;
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
    /// With `tenant_limit`, jobs of a tenant that already has that many jobs
    /// started under an unexpired lease are passed over (fair share; jobs
    /// without a tenant are never limited).
    async fn claim_job(
        &self,
        queue: &str,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        tenant_limit: Option<u32>,
    ) -> StoreResult<Option<Job>>;
    /// Jobs whose lease expired (their worker died) go back to `queued`, or to
    /// `failed` when no attempts are left. Returns how many.
    async fn reap_expired_leases(&self, now_ms: i64) -> StoreResult<u64>;
    async fn renew_lease(&self, id: JobId, worker: &str, until_ms: i64) -> StoreResult<bool>;
    /// [`JobStore::finish_job`], then [`JobStore::claim_job`] on `queues` in
    /// order, in one transaction: a worker's next job costs no extra round
    /// trip. Returns whether the job was finished and the next job.
    #[allow(clippy::too_many_arguments)] // finish's and claim's, side by side
    async fn finish_and_claim_job(
        &self,
        id: JobId,
        worker: &str,
        result: &serde_json::Value,
        queues: &[String],
        now_ms: i64,
        lease_ms: i64,
        tenant_limit: Option<u32>,
    ) -> StoreResult<(bool, Option<Job>)>;
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
    /// Removes workers whose last heartbeat is before `heartbeat_before_ms`.
    async fn prune_workers(&self, heartbeat_before_ms: i64) -> StoreResult<u64>;
    async fn workers(&self) -> StoreResult<Vec<WorkerInfo>>;

    async fn outbox_add(&self, job: &NewJob, now_ms: i64) -> StoreResult<uuid::Uuid>;
    /// Oldest first.
    async fn outbox_pending(&self, limit: i64) -> StoreResult<Vec<OutboxEntry>>;
    async fn outbox_mark_dispatched(&self, id: uuid::Uuid, now_ms: i64) -> StoreResult<()>;
}

/// Which tasks to list.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub kind: Option<String>,
}

/// How a task's job reaches the queue, written in the same transaction as
/// the task change that needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobDelivery {
    /// A `jobs` row: the database queue.
    JobsTable,
    /// A `queue_outbox` row, pushed to an external queue (Redis) by the outbox.
    Outbox,
}

/// Tasks (graph runs), their checkpoints, events and approvals. Every method
/// is scoped to one tenant. Events get `seq` 1, 2, … per task, in the order
/// they are written, never reused.
#[async_trait]
pub trait TaskStore: Send + Sync {
    /// Creates the task, its `task.queued` event and its job (per `delivery`)
    /// in one transaction. With an idempotency key already used in this
    /// tenant, returns that task (`false`) and writes nothing.
    async fn create_task(
        &self,
        ctx: &TenantCtx,
        task: &NewTask,
        job: &NewJob,
        delivery: JobDelivery,
    ) -> StoreResult<(Task, bool)>;
    async fn task(&self, tenant: TenantId, id: TaskId) -> StoreResult<Option<Task>>;
    /// Newest first; `before` is the cursor (the last id of the previous page).
    async fn tasks(
        &self,
        tenant: TenantId,
        filter: &TaskFilter,
        before: Option<TaskId>,
        limit: i64,
    ) -> StoreResult<Vec<Task>>;
    /// How many of the tenant's tasks are in each status (statuses with none
    /// are left out).
    async fn task_counts(&self, tenant: TenantId) -> StoreResult<Vec<(TaskStatus, i64)>>;
    /// `queued` → `running` (sets `started_at` the first time); a task already
    /// `running` (a reclaimed job) stays so. `InvalidState` for any other status.
    async fn mark_task_running(&self, tenant: TenantId, id: TaskId) -> StoreResult<Task>;
    /// Writes the checkpoint, counts it on the task and appends `events`, in
    /// one transaction; returns the events as stored.
    async fn save_checkpoint(
        &self,
        tenant: TenantId,
        checkpoint: &Checkpoint,
        events: &[(String, serde_json::Value)],
    ) -> StoreResult<Vec<TaskEvent>>;
    /// [`TaskStore::save_checkpoint`], then [`TaskStore::start_node`] for the
    /// node after it, in one transaction: a run's next node costs no extra
    /// round trip. Returns the task as it is; `node.started` is written
    /// unless the task has ended or a cancel was requested. (A fresh
    /// checkpoint has no decision to read.)
    async fn save_checkpoint_and_start(
        &self,
        tenant: TenantId,
        checkpoint: &Checkpoint,
        events: &[(String, serde_json::Value)],
        started: serde_json::Value,
    ) -> StoreResult<Task>;
    /// The checkpoint with the highest `seq`.
    async fn latest_checkpoint(
        &self,
        tenant: TenantId,
        task: TaskId,
    ) -> StoreResult<Option<Checkpoint>>;
    async fn checkpoint(
        &self,
        tenant: TenantId,
        id: CheckpointId,
    ) -> StoreResult<Option<Checkpoint>>;
    /// In `seq` order.
    async fn checkpoints(&self, tenant: TenantId, task: TaskId) -> StoreResult<Vec<Checkpoint>>;
    async fn append_task_event(
        &self,
        tenant: TenantId,
        task: TaskId,
        kind: &str,
        data: serde_json::Value,
    ) -> StoreResult<TaskEvent>;
    /// The ids of tasks with new events, as they are committed (see
    /// [`crate::feed`]); a watcher must still look again now and then.
    fn task_event_feed(&self) -> tokio::sync::broadcast::Receiver<TaskId>;
    /// Events with `seq > after`, in order.
    async fn task_events(
        &self,
        tenant: TenantId,
        task: TaskId,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<TaskEvent>>;
    /// Ends the task (`done`, `failed` or `canceled`) with its result or error
    /// and a last event, in one transaction. `InvalidState` if already final.
    async fn finish_task(
        &self,
        tenant: TenantId,
        id: TaskId,
        status: TaskStatus,
        result: Option<&serde_json::Value>,
        error: Option<&str>,
        event: (&str, serde_json::Value),
    ) -> StoreResult<Task>;
    /// `running` → `waiting_approval`: stores the interrupt payload, a pending
    /// approval for `checkpoint`, and an `interrupt` event, in one transaction.
    async fn interrupt_task(
        &self,
        tenant: TenantId,
        id: TaskId,
        checkpoint: CheckpointId,
        node: &str,
        payload: &serde_json::Value,
    ) -> StoreResult<Task>;
    /// Decides the task's pending approval and, in the same transaction, sets
    /// the task `queued`, writes its job (per `delivery`), a `resumed` event
    /// and an audit entry. `InvalidState` unless the task is waiting.
    async fn decide_approval(
        &self,
        ctx: &TenantCtx,
        task: TaskId,
        approved: bool,
        input: Option<&serde_json::Value>,
        job: &NewJob,
        delivery: JobDelivery,
    ) -> StoreResult<(Task, Approval)>;
    /// The approval asked at `checkpoint`, if any (the run reads its decision).
    async fn approval(
        &self,
        tenant: TenantId,
        task: TaskId,
        checkpoint: CheckpointId,
    ) -> StoreResult<Option<Approval>>;
    /// A run is about to execute the node after `checkpoint`, in one
    /// transaction: the task as it is now, the decision on that checkpoint's
    /// question if there is one, and — unless the task has ended or a cancel
    /// was requested — a `node.started` event with `started` as its data.
    async fn start_node(
        &self,
        tenant: TenantId,
        task: TaskId,
        checkpoint: CheckpointId,
        started: serde_json::Value,
    ) -> StoreResult<(Task, Option<Approval>)>;
    /// Newest first.
    async fn approvals(
        &self,
        tenant: TenantId,
        status: Option<ApprovalStatus>,
        limit: i64,
    ) -> StoreResult<Vec<Approval>>;
    /// Asks a task to stop. A `queued` or `waiting_approval` task is canceled
    /// at once (final, with a `task.canceled` event); a `running` one gets
    /// `cancel_requested` and stops at its next node boundary. `InvalidState`
    /// if already final. Writes an audit entry.
    async fn request_task_cancel(&self, ctx: &TenantCtx, id: TaskId) -> StoreResult<Task>;
}

/// Model usage and cost (an append-only ledger of model calls), per-tenant
/// budget overrides and the response cache. Times are Unix milliseconds;
/// the hour and day windows are UTC clock hours and days.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Records a call and releases the spend hold with its id (one transaction).
    async fn record_model_call(&self, call: &ModelCall) -> StoreResult<()>;
    /// Holds `hold` unless, with what the tenant (and the hold's task) spent
    /// and what the tenant's other unexpired holds hold, it would exceed a cap
    /// of `budget` (`Some((cap, message))`, nothing held). The tenant's holds
    /// take turns, so the check and the hold are one step.
    async fn hold_spend(
        &self,
        hold: &SpendHold,
        budget: &Budget,
    ) -> StoreResult<Option<(&'static str, String)>>;
    /// What `tenant` spent (billed calls: `ok` and `error`) in the hour and
    /// the day holding `now_ms`, and what `task` spent in all (zero for `None`).
    async fn spent(
        &self,
        tenant: TenantId,
        task: Option<TaskId>,
        now_ms: i64,
    ) -> StoreResult<Spent>;
    /// Usage of calls made in `[from_ms, to_ms)`: in total, per day, per
    /// model, per task (the costliest 200).
    async fn usage(&self, tenant: TenantId, from_ms: i64, to_ms: i64) -> StoreResult<UsageReport>;
    /// The caps this tenant overrides (`None` = the configured default).
    async fn budget_overrides(&self, tenant: TenantId) -> StoreResult<Budget>;
    /// Applies `patch` to the tenant's overrides and writes an audit entry,
    /// in one transaction; returns the overrides now in force.
    async fn update_budget_overrides(
        &self,
        ctx: &TenantCtx,
        patch: &BudgetPatch,
    ) -> StoreResult<Budget>;
    async fn cached_response(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> StoreResult<Option<serde_json::Value>>;
    /// Deletes every tenant's cached answers stored before `before_ms`;
    /// returns how many.
    async fn purge_model_cache(&self, before_ms: i64) -> StoreResult<u64>;
    /// Stores (or replaces) the answer under `key`.
    async fn cache_response(
        &self,
        tenant: TenantId,
        key: &str,
        response: &serde_json::Value,
        now_ms: i64,
    ) -> StoreResult<()>;
}

/// Repositories a tenant registers, and the state of their index. The index
/// run (a task) reports through the `*_index` methods; they take only the
/// tenant, as a run has no user.
#[async_trait]
pub trait RepositoryStore: Send + Sync {
    /// `Conflict` when the tenant already has a repository with this name.
    /// Writes an audit entry.
    async fn create_repository(
        &self,
        ctx: &TenantCtx,
        repo: &NewRepository,
    ) -> StoreResult<Repository>;
    /// By name.
    async fn repositories(&self, tenant: TenantId) -> StoreResult<Vec<Repository>>;
    async fn repository(
        &self,
        tenant: TenantId,
        id: RepositoryId,
    ) -> StoreResult<Option<Repository>>;
    /// Removes the record (not its files) and writes an audit entry; returns
    /// what was removed.
    async fn delete_repository(&self, ctx: &TenantCtx, id: RepositoryId)
        -> StoreResult<Repository>;
    /// Records `task` as the index run of `generation` unless a run of that
    /// generation (or a later one) is already recorded; returns the repository
    /// as it is now either way.
    async fn request_repository_index(
        &self,
        tenant: TenantId,
        id: RepositoryId,
        generation: i64,
        task: TaskId,
    ) -> StoreResult<Repository>;
    /// `indexing`, error and progress cleared.
    async fn start_repository_index(
        &self,
        tenant: TenantId,
        id: RepositoryId,
    ) -> StoreResult<Repository>;
    /// Files processed so far, of `total`. Nothing happens for a deleted repository.
    async fn repository_index_progress(
        &self,
        tenant: TenantId,
        id: RepositoryId,
        done: i64,
        total: i64,
    ) -> StoreResult<()>;
    /// `ready` with what the run found.
    async fn finish_repository_index(
        &self,
        tenant: TenantId,
        id: RepositoryId,
        indexed: &RepositoryIndexed,
    ) -> StoreResult<Repository>;
    /// `failed` with `error` (which must hold no credentials); the last
    /// successful run's counts and commit stay.
    async fn fail_repository_index(
        &self,
        tenant: TenantId,
        id: RepositoryId,
        error: &str,
    ) -> StoreResult<Repository>;
}

/// Documents agents write about repositories, one per question, a version
/// per run. Versions are saved by runs (no user), deleted by people.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Keeps `version` as the next version of the document answering its
    /// question (by [`morningai_core::question_key`]) about its repository,
    /// creating the document on the first save. A second save by the same
    /// task returns the version it saved the first time. Returns the
    /// document and the version's number; `NotFound` when the repository is
    /// not the tenant's.
    async fn save_document_version(
        &self,
        tenant: TenantId,
        version: &NewDocumentVersion,
    ) -> StoreResult<(Document, i64)>;
    /// Newest first; `before` is the last id of the previous page.
    async fn documents(
        &self,
        tenant: TenantId,
        repository: Option<RepositoryId>,
        before: Option<DocumentId>,
        limit: i64,
    ) -> StoreResult<Vec<Document>>;
    async fn document(&self, tenant: TenantId, id: DocumentId) -> StoreResult<Option<Document>>;
    /// `version`, or the latest when `None`.
    async fn document_version(
        &self,
        tenant: TenantId,
        id: DocumentId,
        version: Option<i64>,
    ) -> StoreResult<Option<DocumentVersion>>;
    /// Newest first.
    async fn document_versions(
        &self,
        tenant: TenantId,
        id: DocumentId,
    ) -> StoreResult<Vec<DocumentVersionInfo>>;
    /// Removes the document with every version and writes an audit entry.
    async fn delete_document(&self, ctx: &TenantCtx, id: DocumentId) -> StoreResult<Document>;
    /// `NotFound` when the version does not exist.
    async fn record_publication(
        &self,
        tenant: TenantId,
        id: DocumentId,
        version: i64,
        publication: &Publication,
    ) -> StoreResult<()>;
    /// Versions of the tenant published at or after `since` (the pull
    /// request rate limit).
    /// Takes one of the tenant's publication slots for `key` (a branch):
    /// `false` when `max` were taken since `since_ms` by other keys. The
    /// same key again is `true` without taking another (a retried run).
    async fn reserve_publication(
        &self,
        tenant: TenantId,
        key: &str,
        since_ms: i64,
        now_ms: i64,
        max: i64,
    ) -> StoreResult<bool>;
    async fn publications_since(&self, tenant: TenantId, since: OffsetDateTime)
        -> StoreResult<i64>;
}

/// The FAQ knowledge base of each tenant. Changes made by people take a
/// [`TenantCtx`] and write an audit entry in their transaction; what
/// answering does (counters, feedback, the query log) and what background
/// runs do (embeddings, suggestions) take the tenant only. Inputs are checked
/// with their core `validate`/`normalized` (`InvalidState` when refused) and
/// stored normalised (tags trimmed and deduplicated, language tags canonical).
///
/// Sync: every change to a FAQ's searchable content, status or embedding
/// (create, update, delete, import, [`FaqStore::set_faq_embedding`]) takes
/// the tenant's next revision in its transaction; a search index keeps the
/// revision it has and asks [`FaqStore::faq_changes_since`]. Counter bumps
/// (views, hits, feedback) do not change the revision.
#[async_trait]
pub trait FaqStore: Send + Sync {
    /// The tenant's help centre settings, if it ever set them.
    async fn help_centre(&self, tenant: TenantId) -> StoreResult<Option<HelpCentre>>;
    /// Sets them (`Conflict` when another tenant has the slug).
    async fn set_help_centre(
        &self,
        ctx: &TenantCtx,
        settings: &HelpCentreSettings,
    ) -> StoreResult<HelpCentre>;
    /// The turned-on help centre with this slug: how an unauthenticated
    /// request finds its tenant (and nothing else).
    async fn public_help_centre(&self, slug: &str) -> StoreResult<Option<HelpCentre>>;
    /// `NotFound` when the parent is not the tenant's; `Conflict` when a
    /// sibling already has the name.
    async fn create_category(
        &self,
        ctx: &TenantCtx,
        category: &NewFaqCategory,
    ) -> StoreResult<FaqCategory>;
    /// Renames, moves or reorders. `NotFound` for a parent not the tenant's,
    /// `InvalidState` for a move under itself, `Conflict` for a sibling's name.
    async fn update_category(
        &self,
        ctx: &TenantCtx,
        id: FaqCategoryId,
        patch: &FaqCategoryPatch,
    ) -> StoreResult<FaqCategory>;
    /// `Conflict` while subcategories or FAQs are filed under it.
    async fn delete_category(&self, ctx: &TenantCtx, id: FaqCategoryId)
        -> StoreResult<FaqCategory>;
    /// Depth-first: each category followed by its subtree, siblings by
    /// position, then name.
    async fn categories(&self, tenant: TenantId) -> StoreResult<Vec<FaqCategory>>;

    /// Version 1 of a new FAQ. `NotFound` when the category is not the
    /// tenant's; `Conflict` when the external id is taken.
    async fn create_faq(&self, ctx: &TenantCtx, faq: &NewFaq) -> StoreResult<Faq>;
    /// Applies `patch` as the next version. A patch that changes nothing
    /// returns the FAQ as it is (no version, no revision). `Conflict` when
    /// `expected_version` is not the current version. A new question or
    /// answer drops the embedding (the indexer makes a new one).
    async fn update_faq(&self, ctx: &TenantCtx, id: FaqId, patch: &FaqPatch) -> StoreResult<Faq>;
    /// Removes the FAQ with its versions and feedback (logged questions
    /// keep no link to it) and leaves a tombstone; returns what was removed.
    async fn delete_faq(&self, ctx: &TenantCtx, id: FaqId) -> StoreResult<Faq>;
    async fn faq(&self, tenant: TenantId, id: FaqId) -> StoreResult<Option<Faq>>;
    /// The tenant's FAQs among `ids` (at most 200), in the order of `ids`;
    /// ids it does not have are left out.
    async fn faqs_by_id(&self, tenant: TenantId, ids: &[FaqId]) -> StoreResult<Vec<Faq>>;
    /// Newest updated first; `filter.before` is the last id of the previous page.
    async fn faqs(&self, tenant: TenantId, filter: &FaqFilter) -> StoreResult<Vec<Faq>>;
    /// Newest first.
    async fn faq_versions(&self, tenant: TenantId, id: FaqId) -> StoreResult<Vec<FaqVersion>>;
    async fn faq_version(
        &self,
        tenant: TenantId,
        id: FaqId,
        version: i64,
    ) -> StoreResult<Option<FaqVersion>>;
    /// In one transaction: an item with an `id` updates that FAQ (`NotFound`
    /// when the tenant has none), one with an external id the tenant already
    /// has updates that FAQ (a new version only when its content differs),
    /// the others are created. Any refused input or category not the
    /// tenant's (`NotFound`) applies nothing; a dry run reports the outcome
    /// and rolls back. All changes share one revision.
    async fn import_faqs(
        &self,
        ctx: &TenantCtx,
        items: &[FaqImportItem],
        dry_run: bool,
    ) -> StoreResult<ImportOutcome>;
    /// Stores the FAQ's embedding (little-endian `f32`s) and the model that
    /// made it, at the next revision.
    async fn set_faq_embedding(
        &self,
        tenant: TenantId,
        id: FaqId,
        model: &str,
        vector: &[f32],
    ) -> StoreResult<()>;
    /// FAQs changed (any status) and deleted after `revision`, and the
    /// revision to continue from.
    async fn faq_changes_since(&self, tenant: TenantId, revision: i64) -> StoreResult<FaqChanges>;
    /// The tenant's current FAQ revision (0 before any change): one row by key.
    async fn faq_revision(&self, tenant: TenantId) -> StoreResult<i64>;

    async fn record_faq_view(&self, tenant: TenantId, id: FaqId) -> StoreResult<()>;
    /// The FAQ was given as an answer.
    async fn record_answer_hit(&self, tenant: TenantId, id: FaqId) -> StoreResult<()>;
    /// Records feedback (anonymous when `user` is none), counts it on the
    /// FAQ and, with a `query_id`, on that logged question, in one
    /// transaction. `NotFound` when the FAQ or question is not the tenant's.
    async fn record_feedback(
        &self,
        tenant: TenantId,
        user: Option<UserId>,
        feedback: &NewFaqFeedback,
    ) -> StoreResult<FaqFeedback>;
    /// Logs a question asked (truncated to `FAQ_QUERY_MAX` characters; a
    /// `top_faq_id` not the tenant's is dropped).
    async fn log_faq_query(&self, tenant: TenantId, query: &NewFaqQuery)
        -> StoreResult<FaqQueryId>;
    /// Questions logged at or after `since`, newest first.
    async fn faq_queries(
        &self,
        tenant: TenantId,
        since: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<FaqQueryLog>>;
    async fn faq_analytics(
        &self,
        tenant: TenantId,
        since: OffsetDateTime,
    ) -> StoreResult<FaqAnalytics>;
    /// Questions logged at or after `since` that no FAQ answered or whose
    /// answer was judged not helpful, newest first.
    async fn unanswered_queries(
        &self,
        tenant: TenantId,
        since: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<FaqQueryLog>>;

    /// Creates the suggestion (`open`) or, when the tenant has one with its
    /// id, replaces its question, examples, count and centroid (the status
    /// stays).
    async fn upsert_suggestion(
        &self,
        tenant: TenantId,
        suggestion: &NewFaqSuggestion,
    ) -> StoreResult<FaqSuggestion>;
    /// Most asked first.
    async fn suggestions(
        &self,
        tenant: TenantId,
        status: Option<SuggestionStatus>,
        limit: i64,
    ) -> StoreResult<Vec<FaqSuggestion>>;
    /// Sets the status and the drafting task (none clears it).
    async fn set_suggestion_status(
        &self,
        ctx: &TenantCtx,
        id: FaqSuggestionId,
        status: SuggestionStatus,
        task_id: Option<TaskId>,
    ) -> StoreResult<FaqSuggestion>;
}

/// Credentials each tenant stores for its agents (git tokens, SSH keys;
/// later the chat channels' secrets). The store keeps the sealed bytes it is
/// given (`morningai_core::SecretBox` seals them, bound to
/// `NewCredential::aad`) and returns them only through
/// [`CredentialStore::credential_secret`]; [`Credential`] never holds them.
/// Changes take a [`TenantCtx`] and are audited (never with the secret).
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Stores a credential (`InvalidState` when `new` does not validate or
    /// `sealed` is empty). Several may share a kind and host: the newest wins.
    async fn create_credential(
        &self,
        ctx: &TenantCtx,
        new: &NewCredential,
        sealed: &[u8],
    ) -> StoreResult<Credential>;
    /// The tenant's credentials by kind and host, newest first within each.
    async fn credentials(&self, ctx: &TenantCtx) -> StoreResult<Vec<Credential>>;
    /// `NotFound` unless the credential is the tenant's.
    async fn delete_credential(&self, ctx: &TenantCtx, id: CredentialId) -> StoreResult<()>;
    /// The newest credential of `kind` for exactly `host` (lower-cased) with
    /// its sealed secret, marking it used; for the runs that need it.
    async fn credential_secret(
        &self,
        tenant: TenantId,
        kind: CredentialKind,
        host: &str,
    ) -> StoreResult<Option<(Credential, Vec<u8>)>>;
}

/// Everything the application needs from persistence.
pub trait Store:
    HealthStore
    + AccountStore
    + SessionStore
    + TenantStore
    + ApiKeyStore
    + AuditStore
    + JobStore
    + TaskStore
    + UsageStore
    + RepositoryStore
    + DocumentStore
    + FaqStore
    + CredentialStore
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
        + TaskStore
        + UsageStore
        + RepositoryStore
        + DocumentStore
        + FaqStore
        + CredentialStore
{
}

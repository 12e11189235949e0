//! Tasks (graph runs), their checkpoints, events and approvals, written once
//! for both backends like `sql.rs`. Every query filters on `tenant_id`
//! explicitly (the isolation on SQLite; on PostgreSQL it sits on top of RLS).
//!
//! A task's events are numbered by its `event_seq` column: writing an event
//! first bumps it (`UPDATE … RETURNING`), which also locks the task row, so a
//! task's concurrent writers take turns and `seq` never repeats or skips.
//! State changes are single conditional `UPDATE`s (`… AND status IN (…)`),
//! so a change and the check that allows it cannot be separated by a race.

pub(crate) const TASK_COLUMNS: &str =
    "id, tenant_id, kind, input, status, priority, trace_id, idempotency_key, created_by, replay_of, \
     result, error, interrupt, cost_usd, checkpoint_count, cancel_requested, created_at, updated_at, \
     started_at, finished_at";

pub(crate) const CHECKPOINT_COLUMNS: &str =
    "id, task_id, parent_id, seq, node, next, step, state, created_at";

pub(crate) const EVENT_COLUMNS: &str = "task_id, seq, kind, data, created_at";

/// An approval with its task's kind (`a` = approvals, `t` = tasks).
pub(crate) const APPROVAL_FROM: &str =
    "a.task_id, t.kind AS task_kind, a.checkpoint_id, a.node, a.payload, a.status, a.requested_at, \
     a.decided_by, a.decided_at, a.decision_input \
     FROM approvals a JOIN tasks t ON t.id = a.task_id AND t.tenant_id = a.tenant_id";

/// Implements `TaskStore` for `$store` over `$db`. `$queries` and `$jobs` name
/// the sibling modules where `impl_store!` and `impl_job_store!` were
/// instantiated: their `audit_in`, `insert_job_in` and `insert_outbox_in`
/// write in this store's transactions.
macro_rules! impl_task_store {
    ($store:ty, $db:ty, $queries:ident, $jobs:ident, $notify:expr) => {
        use super::$jobs::{insert_job_in, insert_outbox_in};
        use super::$queries::audit_in;
        use $crate::rows::{
            now, to_micros, ApprovalRow, CheckpointRow, TaskEventRow, TaskRow,
        };
        use $crate::sql::Scope;
        use $crate::tasks_sql::{APPROVAL_FROM, CHECKPOINT_COLUMNS, EVENT_COLUMNS, TASK_COLUMNS};
        use $crate::traits::{JobDelivery, TaskFilter, TaskStore};
        use $crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use morningai_core::{
            Approval, ApprovalStatus, Checkpoint, CheckpointId, NewJob, NewTask, Task, TaskEvent,
            TaskId, TaskStatus, TenantCtx, TenantId, UserId,
        };
        use sqlx::types::Json;
        use time::OffsetDateTime;

        type Tx = sqlx::Transaction<'static, $db>;

        async fn task_in(tx: &mut Tx, tenant: TenantId, id: TaskId) -> StoreResult<Option<Task>> {
            sqlx::query_as::<_, TaskRow>(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE tenant_id = $1 AND id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(TaskRow::into_domain)
            .transpose()
        }

        /// Why a conditional change matched no row: the task is not this
        /// tenant's (`NotFound`), or its status does not allow the change (`why`).
        async fn refusal(tx: &mut Tx, tenant: TenantId, id: TaskId, why: &str) -> StoreError {
            match task_in(tx, tenant, id).await {
                Ok(None) => StoreError::NotFound,
                Ok(Some(task)) => {
                    StoreError::InvalidState(format!("the task is {}; {why}", task.status))
                }
                Err(e) => e,
            }
        }

        /// Reserves `n` event seqs of a task and returns the first. The update
        /// locks the task row until the transaction ends.
        async fn reserve_seqs(tx: &mut Tx, tenant: TenantId, task: TaskId, n: i64) -> StoreResult<i64> {
            let last: Option<i64> = sqlx::query_scalar(
                "UPDATE tasks SET event_seq = event_seq + $3 WHERE id = $1 AND tenant_id = $2
                 RETURNING event_seq",
            )
            .bind(task.0)
            .bind(tenant.0)
            .bind(n)
            .fetch_optional(&mut **tx)
            .await?;
            Ok(last.ok_or(StoreError::NotFound)? - n + 1)
        }

        /// Appends events to a task in `tx`, numbered after its last one.
        async fn events_in<K: AsRef<str> + Sync>(
            tx: &mut Tx,
            tenant: TenantId,
            task: TaskId,
            events: &[(K, serde_json::Value)],
        ) -> StoreResult<Vec<TaskEvent>> {
            if events.is_empty() {
                return Ok(Vec::new());
            }
            let first = reserve_seqs(tx, tenant, task, events.len() as i64).await?;
            let created_at = now();
            let mut stored = Vec::with_capacity(events.len());
            for (seq, (kind, data)) in (first..).zip(events) {
                sqlx::query(
                    "INSERT INTO task_events (tenant_id, task_id, seq, kind, data, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(tenant.0)
                .bind(task.0)
                .bind(seq)
                .bind(kind.as_ref())
                .bind(Json(data))
                .bind(created_at)
                .execute(&mut **tx)
                .await?;
                stored.push(TaskEvent {
                    task_id: task,
                    seq,
                    kind: kind.as_ref().to_owned(),
                    data: data.clone(),
                    created_at,
                });
            }
            // Delivered to every process's listener when `tx` commits.
            let notify: Option<&str> = $notify;
            if let Some(sql) = notify {
                sqlx::query(sql)
                    .bind(task.0.to_string())
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(stored)
        }

        async fn event_in(
            tx: &mut Tx,
            tenant: TenantId,
            task: TaskId,
            kind: &str,
            data: serde_json::Value,
        ) -> StoreResult<TaskEvent> {
            let mut events = events_in(tx, tenant, task, &[(kind, data)]).await?;
            Ok(events.remove(0))
        }

        /// Writes a task's job in `tx`, the way `delivery` says. The job must
        /// work for the task's tenant: on SQLite nothing else would stop a
        /// job for another tenant (on PostgreSQL RLS refuses it).
        async fn deliver_in(
            tx: &mut Tx,
            tenant: TenantId,
            job: &NewJob,
            delivery: JobDelivery,
        ) -> StoreResult<()> {
            if job.tenant_id != Some(tenant) {
                return Err(StoreError::InvalidState(format!(
                    "a task's job must belong to the task's tenant {tenant}, not {}",
                    job.tenant_id.map_or("none".to_owned(), |t| t.to_string())
                )));
            }
            let now_ms = morningai_core::now_ms();
            match delivery {
                JobDelivery::JobsTable => {
                    insert_job_in(tx, job, now_ms).await?;
                }
                JobDelivery::Outbox => {
                    insert_outbox_in(tx, job, now_ms).await?;
                }
            }
            Ok(())
        }

        /// A task ending while it waits for a person rejects the pending
        /// approval, so no approval stays pending for a task that cannot resume.
        async fn close_pending_approvals(
            tx: &mut Tx,
            tenant: TenantId,
            task: TaskId,
            by: Option<UserId>,
            at: OffsetDateTime,
        ) -> StoreResult<()> {
            sqlx::query(
                "UPDATE approvals SET status = 'rejected', decided_by = $3, decided_at = $4
                 WHERE tenant_id = $1 AND task_id = $2 AND status = 'pending'",
            )
            .bind(tenant.0)
            .bind(task.0)
            .bind(by.map(|u| u.0))
            .bind(at)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn approval_in(
            tx: &mut Tx,
            tenant: TenantId,
            task: TaskId,
            checkpoint: CheckpointId,
        ) -> StoreResult<Option<Approval>> {
            sqlx::query_as::<_, ApprovalRow>(&format!(
                "SELECT {APPROVAL_FROM}
                 WHERE a.tenant_id = $1 AND a.task_id = $2 AND a.checkpoint_id = $3"
            ))
            .bind(tenant.0)
            .bind(task.0)
            .bind(checkpoint.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(ApprovalRow::into_domain)
            .transpose()
        }

        /// Writes the checkpoint and counts it on the task; returns the task.
        async fn checkpoint_in(
            tx: &mut Tx,
            tenant: TenantId,
            checkpoint: &Checkpoint,
        ) -> StoreResult<Task> {
            let task = sqlx::query_as::<_, TaskRow>(&format!(
                "UPDATE tasks SET checkpoint_count = checkpoint_count + 1, updated_at = $3
                 WHERE tenant_id = $1 AND id = $2
                 RETURNING {TASK_COLUMNS}"
            ))
            .bind(tenant.0)
            .bind(checkpoint.task_id.0)
            .bind(now())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .into_domain()?;
            sqlx::query(&format!(
                "INSERT INTO task_checkpoints (tenant_id, {CHECKPOINT_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(tenant.0)
            .bind(checkpoint.id.0)
            .bind(checkpoint.task_id.0)
            .bind(checkpoint.parent_id.map(|p| p.0))
            .bind(checkpoint.seq)
            .bind(&checkpoint.node)
            .bind(&checkpoint.next)
            .bind(checkpoint.step)
            .bind(Json(&checkpoint.state))
            .bind(to_micros(checkpoint.created_at))
            .execute(&mut **tx)
            .await
            .map_err(StoreError::unique_as("a checkpoint with this id or seq"))?;
            Ok(task)
        }

        #[async_trait]
        impl TaskStore for $store {
            fn task_event_feed(&self) -> tokio::sync::broadcast::Receiver<TaskId> {
                self.subscribe_task_events()
            }

            async fn create_task(
                &self,
                ctx: &TenantCtx,
                task: &NewTask,
                job: &NewJob,
                delivery: JobDelivery,
            ) -> StoreResult<(Task, bool)> {
                let tenant = ctx.tenant_id;
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                if let Some(limit) = task.hourly_limit {
                    <$store>::lock_tenant(&mut tx, tenant, "morningai.tasks").await?;
                    let since = now() - time::Duration::HOUR;
                    let (recent,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM tasks WHERE tenant_id = $1 AND created_at >= $2",
                    )
                    .bind(tenant.0)
                    .bind(since)
                    .fetch_one(&mut *tx)
                    .await?;
                    if recent >= i64::from(limit) {
                        // At the quota a repeated request still gets its task.
                        if let Some(key) = &task.idempotency_key {
                            let existing = sqlx::query_as::<_, TaskRow>(&format!(
                                "SELECT {TASK_COLUMNS} FROM tasks WHERE tenant_id = $1 AND idempotency_key = $2"
                            ))
                            .bind(tenant.0)
                            .bind(key)
                            .fetch_optional(&mut *tx)
                            .await?;
                            if let Some(row) = existing {
                                tx.commit().await?;
                                return Ok((row.into_domain()?, false));
                            }
                        }
                        return Err(StoreError::QuotaExceeded(format!(
                            "this tenant may start {limit} tasks an hour, and has; \
                             try again later or ask the operator for a larger quota"
                        )));
                    }
                }
                // A concurrent create with the same key waits for this one and
                // then does nothing (PostgreSQL); SQLite writers take turns.
                let inserted = sqlx::query(
                    "INSERT INTO tasks (id, tenant_id, kind, input, status, priority, trace_id,
                         idempotency_key, created_by, replay_of, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $9, $10, $10)
                     ON CONFLICT DO NOTHING",
                )
                .bind(task.id.0)
                .bind(tenant.0)
                .bind(&task.kind)
                .bind(Json(&task.input))
                .bind(task.priority)
                .bind(task.trace_id)
                .bind(&task.idempotency_key)
                .bind(ctx.user_id.0)
                .bind(task.replay_of.map(|c| c.0))
                .bind(now())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !inserted {
                    let existing = match &task.idempotency_key {
                        Some(key) => sqlx::query_as::<_, TaskRow>(&format!(
                            "SELECT {TASK_COLUMNS} FROM tasks WHERE tenant_id = $1 AND idempotency_key = $2"
                        ))
                        .bind(tenant.0)
                        .bind(key)
                        .fetch_optional(&mut *tx)
                        .await?,
                        None => None,
                    };
                    tx.commit().await?;
                    return match existing {
                        Some(row) => Ok((row.into_domain()?, false)),
                        None => Err(StoreError::Conflict("a task with this id")),
                    };
                }
                event_in(
                    &mut tx,
                    tenant,
                    task.id,
                    "task.queued",
                    serde_json::json!({ "kind": task.kind, "priority": task.priority }),
                )
                .await?;
                deliver_in(&mut tx, tenant, job, delivery).await?;
                let created = task_in(&mut tx, tenant, task.id).await?.ok_or(StoreError::NotFound)?;
                tx.commit().await?;
                Ok((created, true))
            }

            async fn task(&self, tenant: TenantId, id: TaskId) -> StoreResult<Option<Task>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let task = task_in(&mut tx, tenant, id).await?;
                tx.commit().await?;
                Ok(task)
            }

            async fn tasks(
                &self,
                tenant: TenantId,
                filter: &TaskFilter,
                before: Option<TaskId>,
                limit: i64,
            ) -> StoreResult<Vec<Task>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, TaskRow>(&format!(
                    "SELECT {TASK_COLUMNS} FROM tasks
                     WHERE tenant_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR kind = $3)
                       AND ($4 IS NULL OR id < $4)
                     ORDER BY id DESC LIMIT $5"
                ))
                .bind(tenant.0)
                .bind(filter.status.map(TaskStatus::as_str))
                .bind(filter.kind.as_deref())
                .bind(before.map(|b| b.0))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(TaskRow::into_domain).collect()
            }

            async fn task_counts(&self, tenant: TenantId) -> StoreResult<Vec<(TaskStatus, i64)>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT status, COUNT(*) FROM tasks WHERE tenant_id = $1 GROUP BY status",
                )
                .bind(tenant.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter()
                    .map(|(status, n)| Ok(($crate::rows::task_status(&status)?, n)))
                    .collect()
            }

            async fn mark_task_running(&self, tenant: TenantId, id: TaskId) -> StoreResult<Task> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let row = sqlx::query_as::<_, TaskRow>(&format!(
                    "UPDATE tasks SET status = 'running', started_at = COALESCE(started_at, $3),
                         updated_at = CASE WHEN status = 'running' THEN updated_at ELSE $3 END
                     WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running')
                     RETURNING {TASK_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(now())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Err(refusal(&mut tx, tenant, id, "only a queued task can start running").await);
                };
                tx.commit().await?;
                row.into_domain()
            }

            async fn save_checkpoint(
                &self,
                tenant: TenantId,
                checkpoint: &Checkpoint,
                events: &[(String, serde_json::Value)],
            ) -> StoreResult<Vec<TaskEvent>> {
                let mut tx = self
                    .begin(Scope::tenant(tenant, None).writing().relaxed())
                    .await?;
                checkpoint_in(&mut tx, tenant, checkpoint).await?;
                let stored = events_in(&mut tx, tenant, checkpoint.task_id, events).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn save_checkpoint_and_start(
                &self,
                tenant: TenantId,
                checkpoint: &Checkpoint,
                events: &[(String, serde_json::Value)],
                started: serde_json::Value,
            ) -> StoreResult<Task> {
                let task = checkpoint.task_id;
                let mut tx = self
                    .begin(Scope::tenant(tenant, None).writing().relaxed())
                    .await?;
                let current = checkpoint_in(&mut tx, tenant, checkpoint).await?;
                events_in(&mut tx, tenant, task, events).await?;
                if !current.status.is_final() && !current.cancel_requested {
                    event_in(&mut tx, tenant, task, "node.started", started).await?;
                }
                tx.commit().await?;
                Ok(current)
            }

            async fn latest_checkpoint(
                &self,
                tenant: TenantId,
                task: TaskId,
            ) -> StoreResult<Option<Checkpoint>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let row = sqlx::query_as::<_, CheckpointRow>(&format!(
                    "SELECT {CHECKPOINT_COLUMNS} FROM task_checkpoints
                     WHERE tenant_id = $1 AND task_id = $2 ORDER BY seq DESC LIMIT 1"
                ))
                .bind(tenant.0)
                .bind(task.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.map(CheckpointRow::into_domain))
            }

            async fn checkpoint(
                &self,
                tenant: TenantId,
                id: CheckpointId,
            ) -> StoreResult<Option<Checkpoint>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let row = sqlx::query_as::<_, CheckpointRow>(&format!(
                    "SELECT {CHECKPOINT_COLUMNS} FROM task_checkpoints WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.map(CheckpointRow::into_domain))
            }

            async fn checkpoints(&self, tenant: TenantId, task: TaskId) -> StoreResult<Vec<Checkpoint>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, CheckpointRow>(&format!(
                    "SELECT {CHECKPOINT_COLUMNS} FROM task_checkpoints
                     WHERE tenant_id = $1 AND task_id = $2 ORDER BY seq"
                ))
                .bind(tenant.0)
                .bind(task.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(CheckpointRow::into_domain).collect())
            }

            async fn append_task_event(
                &self,
                tenant: TenantId,
                task: TaskId,
                kind: &str,
                data: serde_json::Value,
            ) -> StoreResult<TaskEvent> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let event = event_in(&mut tx, tenant, task, kind, data).await?;
                tx.commit().await?;
                Ok(event)
            }

            async fn start_node(
                &self,
                tenant: TenantId,
                task: TaskId,
                checkpoint: CheckpointId,
                started: serde_json::Value,
            ) -> StoreResult<(Task, Option<Approval>)> {
                let mut tx = self
                    .begin(Scope::tenant(tenant, None).writing().relaxed())
                    .await?;
                let current = task_in(&mut tx, tenant, task).await?.ok_or(StoreError::NotFound)?;
                if current.status.is_final() || current.cancel_requested {
                    return Ok((current, None));
                }
                let approval = approval_in(&mut tx, tenant, task, checkpoint).await?;
                event_in(&mut tx, tenant, task, "node.started", started).await?;
                tx.commit().await?;
                Ok((current, approval))
            }

            async fn task_events(
                &self,
                tenant: TenantId,
                task: TaskId,
                after: i64,
                limit: i64,
            ) -> StoreResult<Vec<TaskEvent>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, TaskEventRow>(&format!(
                    "SELECT {EVENT_COLUMNS} FROM task_events
                     WHERE tenant_id = $1 AND task_id = $2 AND seq > $3 ORDER BY seq LIMIT $4"
                ))
                .bind(tenant.0)
                .bind(task.0)
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(TaskEventRow::into_domain).collect())
            }

            async fn finish_task(
                &self,
                tenant: TenantId,
                id: TaskId,
                status: TaskStatus,
                result: Option<&serde_json::Value>,
                error: Option<&str>,
                event: (&str, serde_json::Value),
            ) -> StoreResult<Task> {
                if !status.is_final() {
                    return Err(StoreError::InvalidState(format!(
                        "a task cannot finish as {status}; it ends done, failed or canceled"
                    )));
                }
                let at = now();
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let row = sqlx::query_as::<_, TaskRow>(&format!(
                    "UPDATE tasks SET status = $3, result = $4, error = $5, interrupt = NULL,
                         finished_at = $6, updated_at = $6
                     WHERE tenant_id = $1 AND id = $2 AND status NOT IN ('done', 'failed', 'canceled')
                     RETURNING {TASK_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(status.as_str())
                .bind(result.map(Json))
                .bind(error)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Err(refusal(&mut tx, tenant, id, "it has already finished").await);
                };
                close_pending_approvals(&mut tx, tenant, id, None, at).await?;
                event_in(&mut tx, tenant, id, event.0, event.1).await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn interrupt_task(
                &self,
                tenant: TenantId,
                id: TaskId,
                checkpoint: CheckpointId,
                node: &str,
                payload: &serde_json::Value,
            ) -> StoreResult<Task> {
                let at = now();
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let row = sqlx::query_as::<_, TaskRow>(&format!(
                    "UPDATE tasks SET status = 'waiting_approval', interrupt = $3, updated_at = $4
                     WHERE tenant_id = $1 AND id = $2 AND status = 'running'
                     RETURNING {TASK_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(Json(payload))
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Err(refusal(&mut tx, tenant, id, "only a running task can be interrupted").await);
                };
                sqlx::query(
                    "INSERT INTO approvals (checkpoint_id, tenant_id, task_id, node, payload, status, requested_at)
                     VALUES ($1, $2, $3, $4, $5, 'pending', $6)",
                )
                .bind(checkpoint.0)
                .bind(tenant.0)
                .bind(id.0)
                .bind(node)
                .bind(Json(payload))
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::unique_as("an approval for this checkpoint"))?;
                event_in(
                    &mut tx,
                    tenant,
                    id,
                    "interrupt",
                    serde_json::json!({ "checkpoint_id": checkpoint, "node": node, "payload": payload }),
                )
                .await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn decide_approval(
                &self,
                ctx: &TenantCtx,
                task: TaskId,
                approved: bool,
                input: Option<&serde_json::Value>,
                job: &NewJob,
                delivery: JobDelivery,
            ) -> StoreResult<(Task, Approval)> {
                let tenant = ctx.tenant_id;
                let at = now();
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let row = sqlx::query_as::<_, TaskRow>(&format!(
                    "UPDATE tasks SET status = 'queued', interrupt = NULL, updated_at = $3
                     WHERE tenant_id = $1 AND id = $2 AND status = 'waiting_approval'
                     RETURNING {TASK_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(task.0)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Err(refusal(
                        &mut tx,
                        tenant,
                        task,
                        "only a task waiting for approval can be decided",
                    )
                    .await);
                };
                let decision = if approved { ApprovalStatus::Approved } else { ApprovalStatus::Rejected };
                let checkpoint: Option<uuid::Uuid> = sqlx::query_scalar(
                    "UPDATE approvals SET status = $3, decided_by = $4, decided_at = $5, decision_input = $6
                     WHERE tenant_id = $1 AND checkpoint_id = (
                         SELECT checkpoint_id FROM approvals
                         WHERE tenant_id = $1 AND task_id = $2 AND status = 'pending'
                         ORDER BY requested_at DESC, checkpoint_id DESC LIMIT 1)
                     RETURNING checkpoint_id",
                )
                .bind(tenant.0)
                .bind(task.0)
                .bind(decision.as_str())
                .bind(ctx.user_id.0)
                .bind(at)
                .bind(input.map(Json))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(checkpoint) = checkpoint else {
                    return Err(StoreError::InvalidState(
                        "the task has no pending approval to decide".to_owned(),
                    ));
                };
                let approval = approval_in(&mut tx, tenant, task, CheckpointId(checkpoint))
                    .await?
                    .ok_or(StoreError::NotFound)?;
                deliver_in(&mut tx, tenant, job, delivery).await?;
                event_in(
                    &mut tx,
                    tenant,
                    task,
                    "resumed",
                    serde_json::json!({ "decision": decision, "input": input }),
                )
                .await?;
                let action = if approved { "approval.approve" } else { "approval.reject" };
                audit_in(
                    &mut tx,
                    tenant,
                    Some(ctx.user_id),
                    action,
                    Some(&task.to_string()),
                    serde_json::json!({ "checkpoint_id": approval.checkpoint_id, "node": approval.node }),
                )
                .await?;
                tx.commit().await?;
                Ok((row.into_domain()?, approval))
            }

            async fn approval(
                &self,
                tenant: TenantId,
                task: TaskId,
                checkpoint: CheckpointId,
            ) -> StoreResult<Option<Approval>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let approval = approval_in(&mut tx, tenant, task, checkpoint).await?;
                tx.commit().await?;
                Ok(approval)
            }

            async fn approvals(
                &self,
                tenant: TenantId,
                status: Option<ApprovalStatus>,
                limit: i64,
            ) -> StoreResult<Vec<Approval>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, ApprovalRow>(&format!(
                    "SELECT {APPROVAL_FROM}
                     WHERE a.tenant_id = $1 AND ($2 IS NULL OR a.status = $2)
                     ORDER BY a.requested_at DESC, a.checkpoint_id DESC LIMIT $3"
                ))
                .bind(tenant.0)
                .bind(status.map(ApprovalStatus::as_str))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(ApprovalRow::into_domain).collect()
            }

            async fn request_task_cancel(&self, ctx: &TenantCtx, id: TaskId) -> StoreResult<Task> {
                let tenant = ctx.tenant_id;
                let at = now();
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                // One statement decides by the status it finds: a running task is
                // only flagged, a queued or waiting one ends now.
                let row = sqlx::query_as::<_, TaskRow>(&format!(
                    "UPDATE tasks SET
                         status = CASE WHEN status = 'running' THEN status ELSE 'canceled' END,
                         finished_at = CASE WHEN status = 'running' THEN finished_at ELSE $3 END,
                         interrupt = CASE WHEN status = 'running' THEN interrupt ELSE NULL END,
                         cancel_requested = TRUE,
                         updated_at = $3
                     WHERE tenant_id = $1 AND id = $2 AND status IN ('queued', 'running', 'waiting_approval')
                     RETURNING {TASK_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Err(refusal(&mut tx, tenant, id, "it has already finished").await);
                };
                let task = row.into_domain()?;
                if task.status == TaskStatus::Canceled {
                    close_pending_approvals(&mut tx, tenant, id, Some(ctx.user_id), at).await?;
                    event_in(
                        &mut tx,
                        tenant,
                        id,
                        "task.canceled",
                        serde_json::json!({ "by": ctx.user_id }),
                    )
                    .await?;
                }
                audit_in(
                    &mut tx,
                    tenant,
                    Some(ctx.user_id),
                    "task.cancel",
                    Some(&id.to_string()),
                    serde_json::json!({ "status": task.status }),
                )
                .await?;
                tx.commit().await?;
                Ok(task)
            }
        }
    };
}

pub(crate) use impl_task_store;

//! The job queue's queries (the database queue backend and the outbox),
//! written once for both backends like `sql.rs`. The claim differs only in
//! PostgreSQL's `FOR UPDATE SKIP LOCKED`, passed in as `$lock`, and the lock
//! that serializes its per-tenant recount, `$tenant_lock`; SQLite needs
//! neither because its writes go through one connection.

pub(crate) const JOB_COLUMNS: &str = "id, tenant_id, queue, kind, payload, priority, status, attempts, max_attempts, \
     timeout_ms, result_ttl_ms, enqueued_at_ms, run_at_ms, started_at_ms, finished_at_ms, lease_expires_ms, \
     worker_id, result, result_expires_ms, last_error, idempotency_key";

/// Implements `JobStore` for `$store` over `$db`; `$lock` is appended to the
/// claim's row selection; `$tenant_lock` (an `Option<&str>` statement) is run
/// before a claim recounts a tenant's started jobs, `None` where the candidate
/// query's own count is exact. Also defines `insert_job_in` and `insert_outbox_in`,
/// visible to the backend module, so other stores (tasks) can write a job in
/// their own transaction.
macro_rules! impl_job_store {
    ($store:ty, $db:ty, $lock:expr, $tenant_lock:expr) => {
        use $crate::jobs_sql::JOB_COLUMNS;
        use $crate::rows::{JobRow, WorkerRow};
        use $crate::sql::Scope;
        use $crate::traits::{JobScope, JobStore, OutboxEntry};
        use $crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use morningai_core::{Job, JobId, JobStatus, NewJob, QueueCount, WorkerInfo};
        use sqlx::types::Json;

        fn scope_tenant(scope: JobScope) -> Option<uuid::Uuid> {
            match scope {
                JobScope::System => None,
                JobScope::Tenant(t) => Some(t.0),
            }
        }

        async fn job_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            scope: JobScope,
            id: JobId,
        ) -> StoreResult<Option<Job>> {
            sqlx::query_as::<_, JobRow>(&format!(
                "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1 AND ($2 IS NULL OR tenant_id = $2)"
            ))
            .bind(id.0)
            .bind(scope_tenant(scope))
            .fetch_optional(&mut **tx)
            .await?
            .map(JobRow::into_domain)
            .transpose()
        }

        /// Inserts `job` (`queued`, or `scheduled` when it runs later) in `tx`;
        /// `false` when a job with its id or idempotency key already exists.
        pub(super) async fn insert_job_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            job: &NewJob,
            now_ms: i64,
        ) -> StoreResult<bool> {
            let run_at = job.run_at_ms.unwrap_or(now_ms);
            let status = if run_at > now_ms { JobStatus::Scheduled } else { JobStatus::Queued };
            let done = sqlx::query(
                "INSERT INTO jobs (id, tenant_id, queue, kind, payload, priority, status, attempts,
                     max_attempts, timeout_ms, result_ttl_ms, enqueued_at_ms, run_at_ms, idempotency_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13)
                 ON CONFLICT DO NOTHING",
            )
            .bind(job.id.0)
            .bind(job.tenant_id.map(|t| t.0))
            .bind(&job.queue)
            .bind(&job.kind)
            .bind(Json(&job.payload))
            .bind(job.priority)
            .bind(status.as_str())
            .bind(job.max_attempts)
            .bind(job.timeout_ms)
            .bind(job.result_ttl_ms)
            .bind(now_ms)
            .bind(run_at)
            .bind(&job.idempotency_key)
            .execute(&mut **tx)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        /// Adds `job` to the outbox in `tx`; returns the entry's id.
        pub(super) async fn insert_outbox_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            job: &NewJob,
            now_ms: i64,
        ) -> StoreResult<uuid::Uuid> {
            let id = uuid::Uuid::now_v7();
            sqlx::query(
                "INSERT INTO queue_outbox (id, tenant_id, job, created_at_ms) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(job.tenant_id.map(|t| t.0))
            .bind(Json(job))
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(id)
        }

        /// Applies a state change to one job in scope, or says why not.
        async fn transition(
            store: &$store,
            scope: JobScope,
            id: JobId,
            sql: &str,
            now_ms: i64,
            allowed: &str,
        ) -> StoreResult<Job> {
            let mut tx = store.begin(Scope::jobs(scope).writing()).await?;
            let row = sqlx::query_as::<_, JobRow>(&format!("{sql} RETURNING {JOB_COLUMNS}"))
                .bind(id.0)
                .bind(now_ms)
                .bind(scope_tenant(scope))
                .fetch_optional(&mut *tx)
                .await?;
            let result = match row {
                Some(row) => row.into_domain(),
                None => match job_in(&mut tx, scope, id).await? {
                    None => Err(StoreError::NotFound),
                    Some(job) => Err(StoreError::InvalidState(format!(
                        "the job is {}; only {allowed} jobs can be changed this way",
                        job.status
                    ))),
                },
            };
            tx.commit().await?;
            result
        }

        /// Claims the best due job of `queue` whose tenant has fewer than
        /// `tenant_limit` jobs started under an unexpired lease (fair share;
        /// jobs without a tenant are never limited).
        async fn claim_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            queue: &str,
            worker: &str,
            now_ms: i64,
            lease_ms: i64,
            tenant_limit: Option<u32>,
        ) -> StoreResult<Option<Job>> {
            let limit = tenant_limit.map(i64::from);
            match ($tenant_lock, limit) {
                (Some(lock), Some(limit)) => {
                    claim_fairly(tx, lock, queue, worker, now_ms, lease_ms, limit).await
                }
                // Nothing to recount (no limit, or writes serialized so the
                // candidate query's count is exact): one statement.
                _ => {
                    let row = sqlx::query_as::<_, JobRow>(&format!(
                        "UPDATE jobs SET status = 'started', attempts = attempts + 1, worker_id = $4,
                             started_at_ms = $2, lease_expires_ms = $5
                         WHERE id = ({})
                         RETURNING {JOB_COLUMNS}",
                        candidate_sql("id", 6, 0)
                    ))
                    .bind(queue)
                    .bind(now_ms)
                    .bind(limit)
                    .bind(worker)
                    .bind(now_ms + lease_ms)
                    .fetch_optional(&mut **tx)
                    .await?;
                    row.map(JobRow::into_domain).transpose()
                }
            }
        }

        /// The best due job of `queue` (`$1`) at `$2` whose tenant has fewer
        /// than `$3` jobs started under an unexpired lease (any tenant when
        /// `$3` is NULL), passing over the `skipped` tenants bound from
        /// `$first_skip` on: its `columns`, locked where `$lock` says so.
        fn candidate_sql(columns: &str, first_skip: usize, skipped: usize) -> String {
            let skip = if skipped == 0 {
                String::new()
            } else {
                let params: Vec<String> =
                    (first_skip..first_skip + skipped).map(|i| format!("${i}")).collect();
                format!("AND (tenant_id IS NULL OR tenant_id NOT IN ({}))", params.join(", "))
            };
            format!(
                "SELECT {columns} FROM jobs
                 WHERE queue = $1 AND status IN ('queued', 'scheduled') AND run_at_ms <= $2
                   AND (tenant_id IS NULL OR $3 IS NULL OR tenant_id NOT IN (
                       SELECT tenant_id FROM jobs
                       WHERE status = 'started' AND lease_expires_ms >= $2 AND tenant_id IS NOT NULL
                       GROUP BY tenant_id HAVING count(*) >= $3))
                   {skip}
                 ORDER BY priority DESC, run_at_ms, id LIMIT 1 {}",
                $lock
            )
        }

        /// The claim where concurrent transactions could each see a tenant
        /// one below its limit: the candidate's tenant is recounted under
        /// `lock` before the job is taken.
        async fn claim_fairly(
            tx: &mut sqlx::Transaction<'static, $db>,
            lock: &str,
            queue: &str,
            worker: &str,
            now_ms: i64,
            lease_ms: i64,
            limit: i64,
        ) -> StoreResult<Option<Job>> {
            // Tenants that reached the limit between the candidate query and
            // the recount (another claim committed); passed over from then on.
            let mut full: Vec<uuid::Uuid> = Vec::new();
            loop {
                let sql = candidate_sql("id, tenant_id", 4, full.len());
                let mut query = sqlx::query_as(&sql).bind(queue).bind(now_ms).bind(limit);
                for tenant in &full {
                    query = query.bind(*tenant);
                }
                let candidate: Option<(uuid::Uuid, Option<uuid::Uuid>)> =
                    query.fetch_optional(&mut **tx).await?;
                let Some((id, tenant)) = candidate else {
                    return Ok(None);
                };
                if let Some(tenant) = tenant {
                    if !tenant_has_room(tx, lock, tenant, now_ms, limit).await? {
                        full.push(tenant);
                        continue;
                    }
                }
                let row = sqlx::query_as::<_, JobRow>(&format!(
                    "UPDATE jobs SET status = 'started', attempts = attempts + 1, worker_id = $2,
                         started_at_ms = $3, lease_expires_ms = $4
                     WHERE id = $1
                     RETURNING {JOB_COLUMNS}"
                ))
                .bind(id)
                .bind(worker)
                .bind(now_ms)
                .bind(now_ms + lease_ms)
                .fetch_one(&mut **tx)
                .await?;
                return row.into_domain().map(Some);
            }
        }

        /// Whether `tenant` has fewer than `limit` jobs started under an
        /// unexpired lease, counted under `lock` so that concurrent claims
        /// cannot together take it past the limit. The lock is held until the
        /// transaction ends, after this claim is committed.
        async fn tenant_has_room(
            tx: &mut sqlx::Transaction<'static, $db>,
            lock: &str,
            tenant: uuid::Uuid,
            now_ms: i64,
            limit: i64,
        ) -> StoreResult<bool> {
            sqlx::query(lock).execute(&mut **tx).await?;
            let started: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs
                 WHERE tenant_id = $1 AND status = 'started' AND lease_expires_ms >= $2",
            )
            .bind(tenant)
            .bind(now_ms)
            .fetch_one(&mut **tx)
            .await?;
            Ok(started < limit)
        }

        async fn finish_in(
            tx: &mut sqlx::Transaction<'static, $db>,
            id: JobId,
            worker: &str,
            result: &serde_json::Value,
            now_ms: i64,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'finished', result = $3, finished_at_ms = $4,
                     result_expires_ms = $4 + result_ttl_ms, lease_expires_ms = NULL
                 WHERE id = $1 AND worker_id = $2 AND status = 'started'",
            )
            .bind(id.0)
            .bind(worker)
            .bind(Json(result))
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        #[async_trait]
        impl JobStore for $store {
            async fn enqueue_job(&self, job: &NewJob, now_ms: i64) -> StoreResult<(Job, bool)> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let inserted = insert_job_in(&mut tx, job, now_ms).await?;
                let row = sqlx::query_as::<_, JobRow>(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs
                     WHERE ($1 IS NOT NULL AND idempotency_key = $1) OR ($1 IS NULL AND id = $2)"
                ))
                .bind(&job.idempotency_key)
                .bind(job.id.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::Conflict("a job with this id"))?;
                tx.commit().await?;
                Ok((row.into_domain()?, inserted))
            }

            async fn claim_job(
                &self,
                queue: &str,
                worker: &str,
                now_ms: i64,
                lease_ms: i64,
                tenant_limit: Option<u32>,
            ) -> StoreResult<Option<Job>> {
                // Relaxed: a claim lost in a crash puts the job back in its
                // queue, which at-least-once delivery allows.
                let mut tx = self
                    .begin(Scope::jobs(JobScope::System).writing().relaxed())
                    .await?;
                let job = claim_in(&mut tx, queue, worker, now_ms, lease_ms, tenant_limit).await?;
                tx.commit().await?;
                Ok(job)
            }

            async fn finish_and_claim_job(
                &self,
                id: JobId,
                worker: &str,
                result: &serde_json::Value,
                queues: &[String],
                now_ms: i64,
                lease_ms: i64,
                tenant_limit: Option<u32>,
            ) -> StoreResult<(bool, Option<Job>)> {
                let mut tx = self
                    .begin(Scope::jobs(JobScope::System).writing().relaxed())
                    .await?;
                let finished = finish_in(&mut tx, id, worker, result, now_ms).await?;
                let mut next = None;
                for queue in queues {
                    next = claim_in(&mut tx, queue, worker, now_ms, lease_ms, tenant_limit).await?;
                    if next.is_some() {
                        break;
                    }
                }
                tx.commit().await?;
                Ok((finished, next))
            }

            async fn reap_expired_leases(&self, now_ms: i64) -> StoreResult<u64> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let done = sqlx::query(
                    "UPDATE jobs SET
                         status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                         finished_at_ms = CASE WHEN attempts >= max_attempts THEN $1 ELSE NULL END,
                         last_error = 'worker lost: its lease expired during attempt ' || attempts,
                         worker_id = NULL, lease_expires_ms = NULL
                     WHERE status = 'started' AND lease_expires_ms < $1",
                )
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn renew_lease(&self, id: JobId, worker: &str, until_ms: i64) -> StoreResult<bool> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let done = sqlx::query(
                    "UPDATE jobs SET lease_expires_ms = $3
                     WHERE id = $1 AND worker_id = $2 AND status = 'started'",
                )
                .bind(id.0)
                .bind(worker)
                .bind(until_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_job(
                &self,
                id: JobId,
                worker: &str,
                result: &serde_json::Value,
                now_ms: i64,
            ) -> StoreResult<bool> {
                // Relaxed: a finish lost in a crash runs the job again, which
                // at-least-once delivery allows (handlers get the attempt).
                let mut tx = self
                    .begin(Scope::jobs(JobScope::System).writing().relaxed())
                    .await?;
                let finished = finish_in(&mut tx, id, worker, result, now_ms).await?;
                tx.commit().await?;
                Ok(finished)
            }

            async fn fail_job(
                &self,
                id: JobId,
                worker: &str,
                error: &str,
                retry_at_ms: Option<i64>,
                now_ms: i64,
            ) -> StoreResult<bool> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let query = match retry_at_ms {
                    Some(at) => sqlx::query(
                        "UPDATE jobs SET status = 'scheduled', run_at_ms = $4, last_error = $3,
                             worker_id = NULL, lease_expires_ms = NULL
                         WHERE id = $1 AND worker_id = $2 AND status = 'started'",
                    )
                    .bind(id.0)
                    .bind(worker)
                    .bind(error)
                    .bind(at),
                    None => sqlx::query(
                        "UPDATE jobs SET status = 'failed', finished_at_ms = $4, last_error = $3,
                             lease_expires_ms = NULL
                         WHERE id = $1 AND worker_id = $2 AND status = 'started'",
                    )
                    .bind(id.0)
                    .bind(worker)
                    .bind(error)
                    .bind(now_ms),
                };
                let done = query.execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn release_job(&self, id: JobId, worker: &str) -> StoreResult<bool> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let done = sqlx::query(
                    "UPDATE jobs SET status = 'queued', attempts = attempts - 1,
                         worker_id = NULL, lease_expires_ms = NULL, started_at_ms = NULL
                     WHERE id = $1 AND worker_id = $2 AND status = 'started'",
                )
                .bind(id.0)
                .bind(worker)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn cancel_job(&self, scope: JobScope, id: JobId, now_ms: i64) -> StoreResult<Job> {
                transition(
                    self,
                    scope,
                    id,
                    "UPDATE jobs SET status = 'canceled', finished_at_ms = $2
                     WHERE id = $1 AND ($3 IS NULL OR tenant_id = $3) AND status IN ('queued', 'scheduled')",
                    now_ms,
                    "queued or scheduled",
                )
                .await
            }

            async fn requeue_job(&self, scope: JobScope, id: JobId, now_ms: i64) -> StoreResult<Job> {
                transition(
                    self,
                    scope,
                    id,
                    "UPDATE jobs SET status = 'queued', attempts = 0, run_at_ms = $2, worker_id = NULL,
                         started_at_ms = NULL, finished_at_ms = NULL, lease_expires_ms = NULL
                     WHERE id = $1 AND ($3 IS NULL OR tenant_id = $3) AND status IN ('failed', 'canceled')",
                    now_ms,
                    "failed or canceled",
                )
                .await
            }

            async fn job(&self, scope: JobScope, id: JobId) -> StoreResult<Option<Job>> {
                let mut tx = self.begin(Scope::jobs(scope)).await?;
                let job = job_in(&mut tx, scope, id).await?;
                tx.commit().await?;
                Ok(job)
            }

            async fn jobs(
                &self,
                scope: JobScope,
                status: Option<JobStatus>,
                queue: Option<&str>,
                limit: i64,
            ) -> StoreResult<Vec<Job>> {
                let mut tx = self.begin(Scope::jobs(scope)).await?;
                let rows = sqlx::query_as::<_, JobRow>(&format!(
                    "SELECT {JOB_COLUMNS} FROM jobs
                     WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR status = $2)
                       AND ($3 IS NULL OR queue = $3)
                     ORDER BY enqueued_at_ms DESC, id DESC LIMIT $4"
                ))
                .bind(scope_tenant(scope))
                .bind(status.map(|s| s.as_str()))
                .bind(queue)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(JobRow::into_domain).collect()
            }

            async fn job_counts(&self, scope: JobScope) -> StoreResult<Vec<QueueCount>> {
                let mut tx = self.begin(Scope::jobs(scope)).await?;
                let rows: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT queue, status, count(*) FROM jobs WHERE ($1 IS NULL OR tenant_id = $1)
                     GROUP BY queue, status ORDER BY queue, status",
                )
                .bind(scope_tenant(scope))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter()
                    .map(|(queue, status, count)| {
                        Ok(QueueCount { queue, status: $crate::rows::job_status(&status)?, count })
                    })
                    .collect()
            }

            async fn purge_expired_results(&self, now_ms: i64) -> StoreResult<u64> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let done = sqlx::query(
                    "DELETE FROM jobs WHERE status = 'finished' AND result_expires_ms <= $1",
                )
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn upsert_worker(&self, w: &WorkerInfo) -> StoreResult<()> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                sqlx::query(
                    "INSERT INTO queue_workers (id, host, pid, queues, started_at_ms, last_heartbeat_ms, current_jobs)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (id) DO UPDATE SET last_heartbeat_ms = excluded.last_heartbeat_ms,
                         current_jobs = excluded.current_jobs, queues = excluded.queues",
                )
                .bind(&w.id)
                .bind(&w.host)
                .bind(w.pid)
                .bind(Json(&w.queues))
                .bind(w.started_at_ms)
                .bind(w.last_heartbeat_ms)
                .bind(Json(&w.current_jobs))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_worker(&self, id: &str) -> StoreResult<()> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                sqlx::query("DELETE FROM queue_workers WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn prune_workers(&self, heartbeat_before_ms: i64) -> StoreResult<u64> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let done = sqlx::query("DELETE FROM queue_workers WHERE last_heartbeat_ms < $1")
                    .bind(heartbeat_before_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn workers(&self) -> StoreResult<Vec<WorkerInfo>> {
                let mut tx = self.begin(Scope::jobs(JobScope::System)).await?;
                let rows = sqlx::query_as::<_, WorkerRow>(
                    "SELECT id, host, pid, queues, started_at_ms, last_heartbeat_ms, current_jobs
                     FROM queue_workers ORDER BY started_at_ms, id",
                )
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(WorkerRow::into_domain).collect())
            }

            async fn outbox_add(&self, job: &NewJob, now_ms: i64) -> StoreResult<uuid::Uuid> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                let id = insert_outbox_in(&mut tx, job, now_ms).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn outbox_pending(&self, limit: i64) -> StoreResult<Vec<OutboxEntry>> {
                let mut tx = self.begin(Scope::jobs(JobScope::System)).await?;
                let rows: Vec<(uuid::Uuid, Json<NewJob>)> = sqlx::query_as(
                    "SELECT id, job FROM queue_outbox WHERE dispatched_at_ms IS NULL
                     ORDER BY created_at_ms, id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(|(id, job)| OutboxEntry { id, job: job.0 }).collect())
            }

            async fn outbox_mark_dispatched(&self, id: uuid::Uuid, now_ms: i64) -> StoreResult<()> {
                let mut tx = self.begin(Scope::jobs(JobScope::System).writing()).await?;
                sqlx::query("UPDATE queue_outbox SET dispatched_at_ms = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_job_store;

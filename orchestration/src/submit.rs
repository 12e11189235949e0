//! Creating, resuming and replaying tasks: validate against the graph, then
//! write the task change and its job in one transaction.

use morningai_core::{Approval, CheckpointId, NewTask, Task, TaskId, TenantCtx};
use morningai_queue::{Handlers, JobError};
use morningai_store::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::runtime::{RunOutcome, Runtime};

/// The queue job kind that runs a task.
pub const TASK_JOB_KIND: &str = "task.run";

#[derive(Clone, Debug, Default)]
pub struct TaskRequest {
    pub kind: String,
    pub input: serde_json::Value,
    pub priority: i32,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("unknown task kind `{0}`")]
    UnknownKind(String),
    #[error("input: {0}")]
    InvalidInput(String),
    #[error("{0}")]
    Forbidden(String),
    /// The idempotency key names a task made from another request.
    #[error("this idempotency key was used for a task of another kind or input")]
    KeyReused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Idempotency keys starting with this are the server's own (an index run's
/// `morningai:index:<repository>:<generation>`); clients may not use them,
/// so they cannot take a run's place in advance.
pub const RESERVED_KEY_PREFIX: &str = "morningai:";

/// The payload of a `task.run` job.
#[derive(Serialize, Deserialize)]
struct TaskJob {
    task_id: TaskId,
    tenant_id: morningai_core::TenantId,
}

impl Runtime {
    /// Accepts a task: checks the kind and input, then writes the task, its
    /// first event and its job together. The same idempotency key returns the
    /// first task (`false`).
    pub async fn submit(
        &self,
        ctx: &TenantCtx,
        req: TaskRequest,
    ) -> Result<(Task, bool), SubmitError> {
        self.create(ctx, req, None).await
    }

    /// A new task that starts from `checkpoint` (of a task of this tenant)
    /// with the same kind and input.
    pub async fn replay(
        &self,
        ctx: &TenantCtx,
        source: &Task,
        checkpoint: CheckpointId,
    ) -> Result<Task, SubmitError> {
        let req = TaskRequest {
            kind: source.kind.clone(),
            input: source.input.clone(),
            priority: source.priority,
            idempotency_key: None,
        };
        Ok(self.create(ctx, req, Some(checkpoint)).await?.0)
    }

    async fn create(
        &self,
        ctx: &TenantCtx,
        req: TaskRequest,
        replay_of: Option<CheckpointId>,
    ) -> Result<(Task, bool), SubmitError> {
        let entry = self
            .registry
            .get(&req.kind)
            .ok_or_else(|| SubmitError::UnknownKind(req.kind.clone()))?;
        entry
            .graph
            .initial_state(&req.input)
            .map_err(SubmitError::InvalidInput)?;
        let (kind, input) = (req.kind.clone(), req.input.clone());
        let task = NewTask {
            id: TaskId::new(),
            kind: req.kind,
            input: req.input,
            priority: req.priority,
            idempotency_key: req.idempotency_key,
            trace_id: uuid::Uuid::new_v4(),
            replay_of,
            hourly_limit: self.tasks_per_hour,
        };
        let job = Runtime::task_job(task.id, ctx.tenant_id, task.priority, "start");
        let created = self
            .store
            .create_task(ctx, &task, &job, self.delivery())
            .await?;
        if created.1 {
            tracing::info!(task_id = %created.0.id, trace_id = %created.0.trace_id, kind = %created.0.kind, "task accepted");
            self.nudge_outbox();
        } else if created.0.kind != kind || created.0.input != input {
            // Returning the old task would answer a different request.
            return Err(SubmitError::KeyReused);
        }
        Ok(created)
    }

    /// Answers a waiting task's question and queues the rest of its run.
    pub async fn decide(
        &self,
        ctx: &TenantCtx,
        task: &Task,
        approved: bool,
        input: Option<serde_json::Value>,
    ) -> Result<(Task, Approval), SubmitError> {
        let entry = self
            .registry
            .get(&task.kind)
            .ok_or_else(|| SubmitError::UnknownKind(task.kind.clone()))?;
        if ctx.role < entry.approver {
            return Err(SubmitError::Forbidden(format!(
                "deciding {} approvals needs the {} role or higher",
                task.kind, entry.approver
            )));
        }
        let generation = format!("resume:{}", task.checkpoint_count);
        let job = Runtime::task_job(task.id, ctx.tenant_id, task.priority, &generation);
        let decided = self
            .store
            .decide_approval(
                ctx,
                task.id,
                approved,
                input.as_ref(),
                &job,
                self.delivery(),
            )
            .await?;
        self.nudge_outbox();
        Ok(decided)
    }

    /// The queue handler for `task.run` jobs.
    pub fn handlers(&self, handlers: Handlers) -> Handlers {
        let runtime = self.clone();
        handlers.on_typed(TASK_JOB_KIND, move |job: TaskJob, ctx| {
            let runtime = runtime.clone();
            async move {
                let last = ctx.job.last_attempt();
                // The last delivery after a lost worker (killed or crashed,
                // perhaps by the task itself) ends the task instead of
                // running it again: the queue would otherwise fail the job
                // and leave the task `running` for good.
                if last && ctx.job.previous_worker_lost() {
                    let message = format!(
                        "the worker running this task was lost {} times (killed or crashed); \
                         it is not run again",
                        ctx.job.attempts - 1
                    );
                    runtime
                        .fail_by_id(job.tenant_id, job.task_id, &message)
                        .await
                        .map_err(|e| JobError::Retry(format!("{e:#}")))?;
                    return Ok(json!({ "outcome": "Failed" }));
                }
                match runtime
                    .run_task(job.tenant_id, job.task_id, ctx.cancel.clone())
                    .await
                {
                    Ok(RunOutcome::Suspended) => Err(JobError::Retry(
                        "the run was suspended; it continues from its last checkpoint".into(),
                    )),
                    Ok(outcome) => Ok(json!({ "outcome": format!("{outcome:?}") })),
                    Err(e) if last => {
                        let message = format!("{e:#}");
                        runtime
                            .fail_by_id(job.tenant_id, job.task_id, &message)
                            .await
                            .map_err(|e| JobError::Retry(format!("{e:#}")))?;
                        Err(JobError::Permanent(message))
                    }
                    Err(e) => Err(JobError::Retry(format!("{e:#}"))),
                }
            }
        })
    }
}

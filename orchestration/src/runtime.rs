//! Durable execution. A run continues from the task's latest checkpoint, runs
//! one node at a time, and writes a checkpoint (with the node's events) after
//! each, so a run cut short — a killed worker, a shutdown — resumes where it
//! stopped and never repeats a completed node. Between nodes it honours
//! cancellation and the step limit; an interrupt parks the task in
//! `waiting_approval` without holding a worker.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use morningai_core::{Checkpoint, CheckpointId, NewJob, Task, TaskId, TaskStatus, TenantId};
use morningai_queue::Queue;
use morningai_store::{JobDelivery, Store, StoreError};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::graph::{NodeCtx, NodeError, Resume, END, START};
use crate::live::LiveEvents;
use crate::models::ModelServices;
use crate::registry::{Registry, StepOutcome};

/// How a run ended (for this job).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Done,
    Failed,
    Canceled,
    WaitingApproval,
    /// The worker is stopping or lost the job: another run continues from the last checkpoint.
    Suspended,
    /// The task had already ended; nothing to do (a duplicate delivery).
    AlreadyFinal,
}

#[derive(Clone)]
pub struct Runtime {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) queue: Queue,
    pub(crate) registry: Arc<Registry>,
    pub(crate) models: Option<ModelServices>,
    /// The most tasks a tenant may start in an hour (`None`: no limit).
    pub(crate) tasks_per_hour: Option<u32>,
}

impl Runtime {
    pub fn new(store: Arc<dyn Store>, queue: Queue, registry: Registry) -> Self {
        Self {
            store,
            queue,
            registry: Arc::new(registry),
            models: None,
            tasks_per_hour: None,
        }
    }

    /// Limits the tasks each tenant may start in an hour (the operator's
    /// quota; `0` = no limit): beyond it, a submission is refused.
    pub fn with_tasks_per_hour(mut self, limit: u32) -> Self {
        self.tasks_per_hour = (limit > 0).then_some(limit);
        self
    }

    /// Lets nodes call these models ([`NodeCtx::chat`]); without them a node
    /// that needs a model fails.
    pub fn with_models(mut self, models: ModelServices) -> Self {
        self.models = Some(models);
        self
    }

    pub fn models(&self) -> Option<&ModelServices> {
        self.models.as_ref()
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// How task jobs reach the queue: a jobs row, or the outbox for Redis.
    pub(crate) fn delivery(&self) -> JobDelivery {
        if self.queue.outbox().is_some() {
            JobDelivery::Outbox
        } else {
            JobDelivery::JobsTable
        }
    }

    /// Pushes outbox entries now instead of waiting for the dispatcher's tick.
    pub(crate) fn nudge_outbox(&self) {
        if let Some(outbox) = self.queue.outbox().cloned() {
            tokio::spawn(async move {
                if let Err(e) = outbox.dispatch_pending().await {
                    tracing::debug!(error = %e, "outbox push deferred to the dispatcher");
                }
            });
        }
    }

    /// Runs (or continues) the task until it ends, waits for approval, or
    /// `stop` asks the worker to let go.
    pub async fn run_task(
        &self,
        tenant: TenantId,
        id: TaskId,
        stop: CancellationToken,
    ) -> anyhow::Result<RunOutcome> {
        let Some(task) = self.store.task(tenant, id).await? else {
            anyhow::bail!("task {id} does not exist");
        };
        if task.status.is_final() {
            return Ok(RunOutcome::AlreadyFinal);
        }
        if task.status == TaskStatus::WaitingApproval {
            return Ok(RunOutcome::WaitingApproval);
        }
        // Every log line of the run carries the task's trace id.
        let span = tracing::info_span!("task", task_id = %id, trace_id = %task.trace_id, kind = %task.kind);
        self.run(task, stop).instrument(span).await
    }

    async fn run(&self, task: Task, stop: CancellationToken) -> anyhow::Result<RunOutcome> {
        let tenant = task.tenant_id;
        let Some(entry) = self.registry.get(&task.kind).cloned() else {
            return self
                .fail(&task, &format!("no graph for task kind {}", task.kind))
                .await;
        };
        let graph = entry.graph;
        let was_queued = task.status == TaskStatus::Queued;
        let task = self.store.mark_task_running(tenant, task.id).await?;
        if was_queued {
            self.store
                .append_task_event(
                    tenant,
                    task.id,
                    "task.running",
                    json!({ "trace_id": task.trace_id }),
                )
                .await?;
        }

        let mut cp = match self.store.latest_checkpoint(tenant, task.id).await? {
            Some(cp) => cp,
            None => match self.first_checkpoint(&task, &*graph).await {
                Ok(cp) => cp,
                Err(message) => return self.fail(&task, &message).await,
            },
        };

        // The task as the last checkpoint's save found it, when that save
        // also started the next node.
        let mut pre_started: Option<Task> = None;
        loop {
            if cp.next == END {
                let result = cp.state.clone();
                self.store
                    .finish_task(
                        tenant,
                        task.id,
                        TaskStatus::Done,
                        Some(&result),
                        None,
                        ("task.done", json!({ "steps": cp.step })),
                    )
                    .await?;
                return Ok(RunOutcome::Done);
            }
            if stop.is_cancelled() {
                return Ok(RunOutcome::Suspended);
            }
            if cp.step >= graph.step_limit() {
                let message = format!(
                    "step limit of {} reached before node {}: the graph may loop forever",
                    graph.step_limit(),
                    cp.next
                );
                return self.fail(&task, &message).await;
            }

            let node = cp.next.clone();
            // One transaction: the task now, the answer to this checkpoint's
            // question (if any), and the node.started event.
            let (current, approval) = match pre_started.take() {
                Some(current) => (current, None),
                None => {
                    self.store
                        .start_node(
                            tenant,
                            task.id,
                            cp.id,
                            json!({ "node": node, "step": cp.step + 1 }),
                        )
                        .await?
                }
            };
            if current.status.is_final() {
                return Ok(RunOutcome::AlreadyFinal);
            }
            if current.cancel_requested {
                self.store
                    .finish_task(
                        tenant,
                        task.id,
                        TaskStatus::Canceled,
                        None,
                        Some("canceled on request"),
                        ("task.canceled", json!({ "at_node": cp.next })),
                    )
                    .await?;
                return Ok(RunOutcome::Canceled);
            }
            let resume = match approval {
                Some(a) if a.status != morningai_core::ApprovalStatus::Pending => Some(Resume {
                    approved: a.status == morningai_core::ApprovalStatus::Approved,
                    input: a.decision_input,
                }),
                _ => None,
            };
            let resumed = resume.is_some();
            let logs: Arc<Mutex<Vec<String>>> = Arc::default();
            let sink = logs.clone();
            let live = LiveEvents::start(self.store.clone(), tenant, task.id);
            // A replay reuses every answer the first run got; a first run
            // reuses only answers meant to be repeatable.
            let policy = if task.replay_of.is_some() {
                morningai_ai::CachePolicy::Always
            } else {
                morningai_ai::CachePolicy::Deterministic
            };
            let models = self.models.as_ref().map(|m| {
                m.for_node(
                    self.store.clone(),
                    morningai_ai::CallScope {
                        tenant,
                        task_id: Some(task.id),
                        trace_id: Some(task.trace_id.to_string()),
                    },
                    policy,
                    live.clone(),
                )
            });
            let ctx = NodeCtx {
                task_id: task.id,
                tenant_id: tenant,
                trace_id: task.trace_id,
                node: node.clone(),
                resume,
                cancel: stop.child_token(),
                log: Arc::new(move |line| sink.lock().expect("log buffer").push(line)),
                models,
                live: Some(live.clone()),
            };
            let started = Instant::now();
            let outcome = tokio::select! {
                outcome = graph.step(&node, cp.state.clone(), ctx) => outcome,
                // Let go mid-node: the node runs again from this checkpoint elsewhere.
                () = stop.cancelled() => return Ok(RunOutcome::Suspended),
            };
            let duration_ms = started.elapsed().as_millis() as u64;
            // The node's live events (model tokens and calls) go before its end.
            live.flush().await;
            let mut events: Vec<(String, serde_json::Value)> = logs
                .lock()
                .expect("log buffer")
                .drain(..)
                .map(|l| ("log".to_owned(), json!({ "node": node, "line": l })))
                .collect();
            match outcome {
                Ok(StepOutcome::Next { state, next }) => {
                    events.push(("node.finished".into(), json!({ "node": node, "next": next, "duration_ms": duration_ms, "step": cp.step + 1 })));
                    let next_cp = Checkpoint {
                        id: CheckpointId::new(),
                        task_id: task.id,
                        parent_id: Some(cp.id),
                        seq: cp.seq + 1,
                        node: node.clone(),
                        next,
                        step: cp.step + 1,
                        state,
                        created_at: time::OffsetDateTime::now_utc(),
                    };
                    // The next node starts in the same transaction, unless the
                    // run ends here (END, or the step limit).
                    if next_cp.next != END && next_cp.step < graph.step_limit() {
                        let start = json!({ "node": next_cp.next, "step": next_cp.step + 1 });
                        pre_started = Some(
                            self.store
                                .save_checkpoint_and_start(tenant, &next_cp, &events, start)
                                .await?,
                        );
                    } else {
                        self.store
                            .save_checkpoint(tenant, &next_cp, &events)
                            .await?;
                    }
                    cp = next_cp;
                }
                Ok(StepOutcome::Interrupt(payload)) => {
                    for (kind, data) in events {
                        self.store
                            .append_task_event(tenant, task.id, &kind, data)
                            .await?;
                    }
                    if resumed {
                        return self
                            .fail(
                                &task,
                                &format!("node {node} asked again after its question was answered"),
                            )
                            .await;
                    }
                    self.store
                        .interrupt_task(tenant, task.id, cp.id, &node, &payload)
                        .await?;
                    return Ok(RunOutcome::WaitingApproval);
                }
                Err(e) => {
                    for (kind, data) in events {
                        self.store
                            .append_task_event(tenant, task.id, &kind, data)
                            .await?;
                    }
                    let kind = match e {
                        NodeError::Fatal(_) => "fatal",
                        NodeError::Retryable(_) => "retries exhausted",
                    };
                    self.store
                        .append_task_event(tenant, task.id, "node.failed", json!({ "node": node, "error": e.to_string(), "kind": kind, "duration_ms": duration_ms }))
                        .await?;
                    return self.fail(&task, &format!("node {node} failed: {e}")).await;
                }
            }
        }
    }

    /// The run's first checkpoint: the task's input as the initial state, or
    /// for a replay, the state of the checkpoint it replays from.
    async fn first_checkpoint(
        &self,
        task: &Task,
        graph: &dyn crate::registry::DynGraph,
    ) -> Result<Checkpoint, String> {
        let (state, next, step, node) = match task.replay_of {
            Some(source) => {
                let from = self
                    .store
                    .checkpoint(task.tenant_id, source)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("checkpoint {source} to replay from does not exist"))?;
                (from.state, from.next, from.step, "__replay__".to_owned())
            }
            None => {
                let state = graph
                    .initial_state(&task.input)
                    .map_err(|e| format!("invalid input: {e}"))?;
                let next = graph.first_node(&state).map_err(|e| e.to_string())?;
                (state, next, 0, START.to_owned())
            }
        };
        let cp = Checkpoint {
            id: CheckpointId::new(),
            task_id: task.id,
            parent_id: None,
            seq: 1,
            node,
            next,
            step,
            state,
            created_at: time::OffsetDateTime::now_utc(),
        };
        self.store
            .save_checkpoint(
                task.tenant_id,
                &cp,
                &[(
                    "checkpoint.initial".into(),
                    json!({ "next": cp.next, "replay_of": task.replay_of }),
                )],
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(cp)
    }

    /// Fails task `id` of `tenant` with `message` unless it already ended.
    pub(crate) async fn fail_by_id(
        &self,
        tenant: TenantId,
        id: TaskId,
        message: &str,
    ) -> anyhow::Result<RunOutcome> {
        match self.store.task(tenant, id).await? {
            Some(task) if !task.status.is_final() => self.fail(&task, message).await,
            _ => Ok(RunOutcome::AlreadyFinal),
        }
    }

    async fn fail(&self, task: &Task, message: &str) -> anyhow::Result<RunOutcome> {
        tracing::warn!(task_id = %task.id, error = message, "task failed");
        match self
            .store
            .finish_task(
                task.tenant_id,
                task.id,
                TaskStatus::Failed,
                None,
                Some(message),
                ("task.failed", json!({ "error": message })),
            )
            .await
        {
            Ok(_) | Err(StoreError::InvalidState(_)) => Ok(RunOutcome::Failed),
            Err(e) => Err(e.into()),
        }
    }

    /// The job that runs (or resumes) a task.
    pub(crate) fn task_job(
        task_id: TaskId,
        tenant: TenantId,
        priority: i32,
        generation: &str,
    ) -> NewJob {
        let mut job = NewJob::new(
            "default",
            crate::submit::TASK_JOB_KIND,
            json!({ "task_id": task_id, "tenant_id": tenant }),
        );
        job.tenant_id = Some(tenant);
        job.priority = priority;
        job.timeout_ms = 60 * 60 * 1000;
        job.max_attempts = 5;
        job.idempotency_key = Some(format!("task:{task_id}:{generation}"));
        job
    }
}

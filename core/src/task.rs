//! Tasks (one graph run each), their checkpoints, events and approvals.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

use crate::{CheckpointId, TaskId, TenantId, UserId};

/// Where a task is in its life: `queued` → `running` → `done`, or `failed`,
/// or `canceled`; `waiting_approval` while an interrupt waits for a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Queued,
    Running,
    WaitingApproval,
    Done,
    Failed,
    Canceled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 6] = [
        TaskStatus::Queued,
        TaskStatus::Running,
        TaskStatus::WaitingApproval,
        TaskStatus::Done,
        TaskStatus::Failed,
        TaskStatus::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Queued => "queued",
            TaskStatus::Running => "running",
            TaskStatus::WaitingApproval => "waiting_approval",
            TaskStatus::Done => "done",
            TaskStatus::Failed => "failed",
            TaskStatus::Canceled => "canceled",
        }
    }

    /// No further change will happen.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskStatus::Done | TaskStatus::Failed | TaskStatus::Canceled
        )
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown task status `{0}` (expected queued, running, waiting_approval, done, failed or canceled)")]
pub struct UnknownTaskStatus(pub String);

impl FromStr for TaskStatus {
    type Err = UnknownTaskStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| UnknownTaskStatus(s.to_owned()))
    }
}

/// A task to create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTask {
    pub id: TaskId,
    pub kind: String,
    pub input: serde_json::Value,
    pub priority: i32,
    pub idempotency_key: Option<String>,
    /// Follows the task everywhere: logs, events, usage rows, artefacts.
    pub trace_id: uuid::Uuid,
    /// Where a replay starts (a checkpoint of another task), if this is one.
    pub replay_of: Option<CheckpointId>,
    /// The most tasks the tenant may create in an hour, this one included
    /// (the operator's quota); `None`: no limit. A repeated idempotency key
    /// still answers its task.
    pub hourly_limit: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub tenant_id: TenantId,
    pub kind: String,
    #[schema(value_type = Object)]
    pub input: serde_json::Value,
    pub status: TaskStatus,
    pub priority: i32,
    pub trace_id: uuid::Uuid,
    pub idempotency_key: Option<String>,
    pub created_by: Option<UserId>,
    pub replay_of: Option<CheckpointId>,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    /// What an interrupt asks, while `waiting_approval`.
    #[schema(value_type = Option<Object>)]
    pub interrupt: Option<serde_json::Value>,
    pub cost_usd: f64,
    pub checkpoint_count: i64,
    pub cancel_requested: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

/// The state of a run after one node: resuming from it never repeats that node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Checkpoint {
    pub id: CheckpointId,
    pub task_id: TaskId,
    pub parent_id: Option<CheckpointId>,
    /// 1, 2, … within the task.
    pub seq: i64,
    /// The node that just ran (`__start__` for the initial state).
    pub node: String,
    /// The node to run next (`__end__` when the run is complete).
    pub next: String,
    /// Steps taken so far (for the step limit).
    pub step: i64,
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Something that happened in a task, in order (`seq` 1, 2, … per task).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaskEvent {
    pub task_id: TaskId,
    pub seq: i64,
    /// e.g. `task.queued`, `node.started`, `node.finished`, `node.failed`,
    /// `interrupt`, `log`, `task.done`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
        }
    }
}

impl FromStr for ApprovalStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(ApprovalStatus::Pending),
            "approved" => Ok(ApprovalStatus::Approved),
            "rejected" => Ok(ApprovalStatus::Rejected),
            other => Err(format!(
                "unknown approval status `{other}` (expected pending, approved or rejected)"
            )),
        }
    }
}

/// A question or a proposed action a task waits on.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Approval {
    pub task_id: TaskId,
    pub task_kind: String,
    /// The checkpoint the run resumes from.
    pub checkpoint_id: CheckpointId,
    pub node: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub status: ApprovalStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    pub decided_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<Object>)]
    pub decision_input: Option<serde_json::Value>,
}

//! MorningAI's orchestration — what the seed did with LangGraph: graphs of
//! async nodes over a typed state, with plain and conditional edges, a step
//! limit, per-node timeouts and retries ([`graph`]); durable execution with a
//! checkpoint after every node, interrupts for human approval, cancellation
//! and replay ([`runtime`]). It knows no agent: the graphs that do the work
//! live in `morningai-agents` and are registered by kind ([`registry`]).
//!
//! A task is one graph run, executed by a queue job (`task.run`). Model calls
//! are metered and cached over the store ([`ledger`]). Depends on `core`,
//! `store`, `queue` and `ai`.

pub mod graph;
pub mod ledger;
pub mod live;
pub mod models;
pub mod registry;
pub mod runtime;
pub mod submit;

pub use graph::{
    Graph, GraphBuilder, GraphError, NodeCtx, NodeError, NodeOutput, NodePolicy, Resume, END, START,
};
pub use ledger::StoreLedger;
pub use models::{ModelServices, NodeChat};
pub use registry::{DynGraph, Registry, StepOutcome};
pub use runtime::{RunOutcome, Runtime};
pub use submit::{SubmitError, TaskRequest, TASK_JOB_KIND};

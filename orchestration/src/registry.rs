//! Graphs by task kind, behind a state-erased interface so the runtime can
//! run any of them on JSON state.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use morningai_core::Role;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::graph::{Graph, NodeCtx, NodeError, NodeOutput, START};

/// What one node step produced.
pub enum StepOutcome {
    Next {
        state: serde_json::Value,
        next: String,
    },
    Interrupt(serde_json::Value),
}

#[async_trait]
pub trait DynGraph: Send + Sync {
    fn name(&self) -> &str;
    fn step_limit(&self) -> i64;
    /// The initial state from a task's input; the error names the field.
    fn initial_state(&self, input: &serde_json::Value) -> Result<serde_json::Value, String>;
    /// The first node for this initial state.
    fn first_node(&self, state: &serde_json::Value) -> Result<String, NodeError>;
    /// Runs `node` (with its timeout and retries) and routes to the next one.
    async fn step(
        &self,
        node: &str,
        state: serde_json::Value,
        ctx: NodeCtx,
    ) -> Result<StepOutcome, NodeError>;
}

fn decode<S: DeserializeOwned>(state: serde_json::Value) -> Result<S, NodeError> {
    serde_json::from_value(state).map_err(|e| {
        NodeError::Fatal(format!(
            "the checkpointed state does not fit this graph: {e}"
        ))
    })
}

#[async_trait]
impl<S> DynGraph for Graph<S>
where
    S: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn step_limit(&self) -> i64 {
        self.step_limit
    }

    fn initial_state(&self, input: &serde_json::Value) -> Result<serde_json::Value, String> {
        let state: S = serde_json::from_value(input.clone()).map_err(|e| e.to_string())?;
        serde_json::to_value(state).map_err(|e| e.to_string())
    }

    fn first_node(&self, state: &serde_json::Value) -> Result<String, NodeError> {
        let state: S = decode(state.clone())?;
        self.next(START, &state)
    }

    async fn step(
        &self,
        node: &str,
        state: serde_json::Value,
        ctx: NodeCtx,
    ) -> Result<StepOutcome, NodeError> {
        let spec = self
            .nodes
            .get(node)
            .ok_or_else(|| NodeError::Fatal(format!("graph {} has no node {node}", self.name)))?;
        let state: S = decode(state)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let cancel = ctx.cancel.child_token();
            let node_ctx = NodeCtx {
                cancel: cancel.clone(),
                ..ctx.clone()
            };
            let run = (spec.run)(state.clone(), node_ctx);
            let error = match tokio::time::timeout(spec.policy.timeout, run).await {
                Ok(Ok(NodeOutput::Update(new))) => {
                    let next = self.next(node, &new)?;
                    let state = serde_json::to_value(new)
                        .map_err(|e| NodeError::Fatal(format!("state does not serialise: {e}")))?;
                    return Ok(StepOutcome::Next { state, next });
                }
                Ok(Ok(NodeOutput::Interrupt(payload))) => {
                    return Ok(StepOutcome::Interrupt(payload))
                }
                Ok(Err(NodeError::Fatal(e))) => return Err(NodeError::Fatal(e)),
                Ok(Err(NodeError::Retryable(e))) => e,
                Err(_) => {
                    cancel.cancel();
                    format!("timed out after {} ms", spec.policy.timeout.as_millis())
                }
            };
            if attempt > spec.policy.retries {
                return Err(NodeError::Retryable(format!(
                    "{error} (after {attempt} attempts)"
                )));
            }
            ctx.log(format!(
                "{node} attempt {attempt} failed: {error}; retrying"
            ));
            tokio::time::sleep(spec.policy.backoff * attempt).await;
        }
    }
}

/// A graph and who may approve its interrupts.
#[derive(Clone)]
pub struct GraphEntry {
    pub graph: Arc<dyn DynGraph>,
    /// The least role that may decide this kind's approvals.
    pub approver: Role,
    pub description: &'static str,
}

/// The graphs this build knows, by task kind.
#[derive(Clone, Default)]
pub struct Registry {
    by_kind: BTreeMap<String, GraphEntry>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(mut self, kind: &str, entry: GraphEntry) -> Self {
        self.by_kind.insert(kind.to_owned(), entry);
        self
    }

    pub fn get(&self, kind: &str) -> Option<&GraphEntry> {
        self.by_kind.get(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = (&str, &GraphEntry)> {
        self.by_kind.iter().map(|(k, e)| (k.as_str(), e))
    }
}

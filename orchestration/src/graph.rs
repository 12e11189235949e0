//! Graphs: nodes (async functions from state to a new state), edges (plain
//! or conditional), `START` and `END`, checked when built.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use morningai_core::{TaskId, TenantId};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// Where every run enters (an edge from `START` names the first node).
pub const START: &str = "__start__";
/// Where every run ends.
pub const END: &str = "__end__";

/// A person's answer to an interrupt, given to the node that asked when it runs again.
#[derive(Clone, Debug, PartialEq)]
pub struct Resume {
    pub approved: bool,
    pub input: Option<serde_json::Value>,
}

/// What a node sees besides the state.
#[derive(Clone)]
pub struct NodeCtx {
    pub task_id: TaskId,
    pub tenant_id: TenantId,
    pub trace_id: uuid::Uuid,
    pub node: String,
    /// The decision, when this node interrupted before and a person answered.
    pub resume: Option<Resume>,
    /// Cancelled when the node should stop (timeout, worker shutdown).
    pub cancel: CancellationToken,
    pub(crate) log: Arc<dyn Fn(String) + Send + Sync>,
    /// The models, when the runtime has them (see [`crate::models`]).
    pub(crate) models: Option<crate::models::NodeModels>,
    /// Writes events while the node runs (see [`NodeCtx::emit`]).
    pub(crate) live: Option<crate::live::LiveEvents>,
}

impl NodeCtx {
    /// A log line, recorded as a `log` event of the task.
    pub fn log(&self, line: impl Into<String>) {
        (self.log)(line.into());
    }

    /// A task event written while the node runs (progress a watcher should
    /// see now), unlike [`NodeCtx::log`] lines, which land with the node's
    /// checkpoint. Never blocks; a lost event does not fail the run.
    pub fn emit(&self, kind: &str, data: serde_json::Value) {
        if let Some(live) = &self.live {
            live.emit(kind, data);
        }
    }

    /// The chat model, scoped to this task: budget-checked, recorded,
    /// cached (always on a replay) and streamed live as task events.
    pub fn chat(&self) -> Result<Arc<crate::models::NodeChat>, NodeError> {
        self.models
            .as_ref()
            .map(|m| m.chat.clone())
            .ok_or_else(|| NodeError::Fatal("no chat model is configured for this runtime".into()))
    }

    /// The embedder, scoped to this task, if one is configured.
    pub fn embedder(&self) -> Option<Arc<dyn morningai_ai::Embedder>> {
        self.models.as_ref().and_then(|m| m.embedder.clone())
    }
}

/// What a node returns.
pub enum NodeOutput<S> {
    /// The new state; the graph's edge from this node picks what runs next.
    Update(S),
    /// Stop and ask a person (the payload says what); the run resumes by
    /// running this node again with [`NodeCtx::resume`] set.
    Interrupt(serde_json::Value),
}

#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Worth another try (per the node's retry policy).
    #[error("{0}")]
    Retryable(String),
    /// Retrying cannot help.
    #[error("{0}")]
    Fatal(String),
}

/// A failed model call: worth retrying when the provider may answer later
/// (rate limits, server errors, timeouts, the network); otherwise fatal —
/// a refused budget, a bad request or a missing model will not get better.
impl From<morningai_ai::AiError> for NodeError {
    fn from(e: morningai_ai::AiError) -> Self {
        if e.is_retryable() {
            NodeError::Retryable(e.to_string())
        } else {
            NodeError::Fatal(e.to_string())
        }
    }
}

impl From<anyhow::Error> for NodeError {
    fn from(e: anyhow::Error) -> Self {
        NodeError::Retryable(format!("{e:#}"))
    }
}

/// How long a node may run and how often it is retried.
#[derive(Clone, Copy, Debug)]
pub struct NodePolicy {
    pub timeout: Duration,
    /// Extra attempts after a retryable failure or a timeout.
    pub retries: u32,
    pub backoff: Duration,
}

impl Default for NodePolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(300),
            retries: 2,
            backoff: Duration::from_millis(500),
        }
    }
}

type NodeFn<S> =
    Arc<dyn Fn(S, NodeCtx) -> BoxFuture<'static, Result<NodeOutput<S>, NodeError>> + Send + Sync>;
type RouteFn<S> = Arc<dyn Fn(&S) -> String + Send + Sync>;

pub(crate) struct Node<S> {
    pub run: NodeFn<S>,
    pub policy: NodePolicy,
}

pub(crate) enum Edge<S> {
    To(String),
    /// The function names the next node, one of `targets`.
    Route {
        route: RouteFn<S>,
        targets: Vec<String>,
    },
}

/// A checked graph over state `S`.
pub struct Graph<S> {
    pub(crate) name: String,
    pub(crate) nodes: BTreeMap<String, Node<S>>,
    pub(crate) edges: BTreeMap<String, Edge<S>>,
    pub(crate) step_limit: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GraphError {
    #[error("graph {graph}: {message}")]
    Invalid { graph: String, message: String },
}

impl<S> std::fmt::Debug for Graph<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("name", &self.name)
            .field("nodes", &self.nodes.keys().collect::<Vec<_>>())
            .field("step_limit", &self.step_limit)
            .finish()
    }
}

pub struct GraphBuilder<S> {
    graph: Graph<S>,
    errors: Vec<String>,
}

impl<S> Graph<S>
where
    S: Serialize + DeserializeOwned + Send + 'static,
{
    pub fn builder(name: &str) -> GraphBuilder<S> {
        GraphBuilder {
            graph: Graph {
                name: name.to_owned(),
                nodes: BTreeMap::new(),
                edges: BTreeMap::new(),
                step_limit: 25,
            },
            errors: Vec::new(),
        }
    }

    /// The node after `node` for `state`; errors if a route names a node it did not declare.
    pub(crate) fn next(&self, node: &str, state: &S) -> Result<String, NodeError> {
        match self.edges.get(node) {
            Some(Edge::To(to)) => Ok(to.clone()),
            Some(Edge::Route { route, targets }) => {
                let to = route(state);
                if targets.contains(&to) {
                    Ok(to)
                } else {
                    Err(NodeError::Fatal(format!(
                        "the route after {node} chose {to}, which is not one of its targets {targets:?}"
                    )))
                }
            }
            None => Err(NodeError::Fatal(format!("no edge leaves {node}"))),
        }
    }
}

impl<S> GraphBuilder<S>
where
    S: Serialize + DeserializeOwned + Send + 'static,
{
    /// Adds a node with the default policy.
    pub fn node<F, Fut>(self, name: &str, f: F) -> Self
    where
        F: Fn(S, NodeCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<NodeOutput<S>, NodeError>> + Send + 'static,
    {
        self.node_with(name, NodePolicy::default(), f)
    }

    pub fn node_with<F, Fut>(mut self, name: &str, policy: NodePolicy, f: F) -> Self
    where
        F: Fn(S, NodeCtx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<NodeOutput<S>, NodeError>> + Send + 'static,
    {
        if name == START || name == END || name.is_empty() {
            self.errors
                .push(format!("`{name}` is not a valid node name"));
        }
        let run: NodeFn<S> = Arc::new(move |s, ctx| Box::pin(f(s, ctx)));
        if self
            .graph
            .nodes
            .insert(name.to_owned(), Node { run, policy })
            .is_some()
        {
            self.errors.push(format!("node {name} is declared twice"));
        }
        self
    }

    /// `from` is always followed by `to`.
    pub fn edge(mut self, from: &str, to: &str) -> Self {
        self.add_edge(from, Edge::To(to.to_owned()));
        self
    }

    /// After `from`, `route(state)` picks the next node among `targets`.
    pub fn route<F>(mut self, from: &str, targets: &[&str], route: F) -> Self
    where
        F: Fn(&S) -> &'static str + Send + Sync + 'static,
    {
        let edge = Edge::Route {
            route: Arc::new(move |s| route(s).to_owned()),
            targets: targets.iter().map(|t| (*t).to_owned()).collect(),
        };
        self.add_edge(from, edge);
        self
    }

    /// How many nodes a run may execute before it fails as a runaway.
    pub fn step_limit(mut self, limit: i64) -> Self {
        self.graph.step_limit = limit;
        self
    }

    fn add_edge(&mut self, from: &str, edge: Edge<S>) {
        if self.graph.edges.insert(from.to_owned(), edge).is_some() {
            self.errors
                .push(format!("{from} has more than one outgoing edge"));
        }
    }

    /// Checks the graph: an entry, every edge between known nodes, every node
    /// with an exit and reachable from `START`.
    pub fn build(self) -> Result<Graph<S>, GraphError> {
        let GraphBuilder { graph, mut errors } = self;
        let known = |n: &str| n == END || graph.nodes.contains_key(n);
        if !graph.edges.contains_key(START) {
            errors.push("no edge from START".into());
        }
        for (from, edge) in &graph.edges {
            if from != START && !graph.nodes.contains_key(from) {
                errors.push(format!("edge from unknown node {from}"));
            }
            let targets: Vec<&String> = match edge {
                Edge::To(to) => vec![to],
                Edge::Route { targets, .. } => targets.iter().collect(),
            };
            for to in targets {
                if !known(to) {
                    errors.push(format!("edge from {from} to unknown node {to}"));
                }
            }
        }
        for name in graph.nodes.keys() {
            if !graph.edges.contains_key(name) {
                errors.push(format!("node {name} has no outgoing edge"));
            }
        }
        // Reachability from START.
        let mut seen = BTreeSet::new();
        let mut todo = vec![START.to_owned()];
        while let Some(n) = todo.pop() {
            if let Some(edge) = graph.edges.get(&n) {
                let next: Vec<String> = match edge {
                    Edge::To(to) => vec![to.clone()],
                    Edge::Route { targets, .. } => targets.clone(),
                };
                for to in next {
                    if seen.insert(to.clone()) {
                        todo.push(to);
                    }
                }
            }
        }
        for name in graph.nodes.keys() {
            if !seen.contains(name) {
                errors.push(format!("node {name} cannot be reached from START"));
            }
        }
        if !seen.contains(END) {
            errors.push("END cannot be reached".into());
        }
        if graph.step_limit < 1 {
            errors.push("the step limit must be at least 1".into());
        }
        if errors.is_empty() {
            Ok(graph)
        } else {
            Err(GraphError::Invalid {
                graph: graph.name,
                message: errors.join("; "),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Clone, Default, Serialize, Deserialize)]
    struct S {
        n: u32,
    }

    fn inc() -> impl Fn(S, NodeCtx) -> futures::future::Ready<Result<NodeOutput<S>, NodeError>>
           + Send
           + Sync
           + 'static {
        |mut s: S, _| {
            futures::future::ready(Ok(NodeOutput::Update({
                s.n += 1;
                s
            })))
        }
    }

    #[test]
    fn a_well_formed_graph_routes_by_state() {
        let g = Graph::<S>::builder("loop")
            .node("a", inc())
            .edge(START, "a")
            .route("a", &["a", END], |s| if s.n < 3 { "a" } else { END })
            .build()
            .unwrap();
        assert_eq!(g.next(START, &S { n: 0 }).unwrap(), "a");
        assert_eq!(g.next("a", &S { n: 1 }).unwrap(), "a");
        assert_eq!(g.next("a", &S { n: 3 }).unwrap(), END);
    }

    #[test]
    fn malformed_graphs_are_refused_with_every_reason() {
        let err = Graph::<S>::builder("bad")
            .node("a", inc())
            .node("orphan", inc())
            .edge("a", "nowhere")
            .edge("orphan", END)
            .build()
            .unwrap_err();
        let GraphError::Invalid { message, .. } = err;
        for want in [
            "no edge from START",
            "unknown node nowhere",
            "orphan cannot be reached",
            "END cannot be reached",
        ] {
            assert!(message.contains(want), "{want} missing from {message}");
        }
        let err = Graph::<S>::builder("twice")
            .node("a", inc())
            .node("a", inc())
            .edge(START, "a")
            .edge("a", END)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("declared twice"));
        let err = Graph::<S>::builder("exitless")
            .node("a", inc())
            .edge(START, "a")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("a has no outgoing edge"));
    }

    #[test]
    fn a_route_outside_its_targets_is_an_error() {
        let g = Graph::<S>::builder("liar")
            .node("a", inc())
            .edge(START, "a")
            .route("a", &[END], |_| "a")
            .build()
            .unwrap();
        assert!(
            matches!(g.next("a", &S::default()), Err(NodeError::Fatal(m)) if m.contains("not one of its targets"))
        );
    }
}

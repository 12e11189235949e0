//! `index`: bring a registered repository's search index to its current
//! commit. `checkout → index → END`. The repository record follows the run
//! (`indexing` with progress counts, then `ready` with the commit and counts,
//! or `failed` with an error that holds no credentials); the task's result
//! is the run's statistics and a summary of the repository's facts.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use morningai_core::{RepositoryId, RepositoryIndexed};
use morningai_knowledge::{Checkout, IndexStats, Progress, RepoFacts, RepoIndex, RepoSource};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access::remote_access;
use super::env::GraphEnv;
use morningai_orchestration::graph::{
    Graph, NodeCtx, NodeError, NodeOutput, NodePolicy, END, START,
};

pub const KIND: &str = "index";

/// Progress is reported at most this often, or every tenth of the files.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexState {
    pub repository_id: RepositoryId,
    #[serde(default)]
    pub checkout: Option<CheckedOut>,
    #[serde(default)]
    pub stats: Option<IndexStats>,
    #[serde(default)]
    pub facts: Option<FactsSummary>,
}

/// Where the checkout node left the repository.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckedOut {
    pub path: PathBuf,
    /// `None` for a plain directory (indexed as it is on disk).
    pub commit: Option<String>,
    pub default_branch: Option<String>,
}

/// The repository's facts by name (the index keeps them with their evidence).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FactsSummary {
    pub components: Vec<String>,
    pub languages: Vec<String>,
    pub frameworks: Vec<String>,
    pub services: Vec<String>,
    pub deployment: Vec<String>,
    pub entry_points: usize,
}

impl FactsSummary {
    fn of(facts: &RepoFacts) -> Self {
        let names =
            |t: &[morningai_knowledge::Technology]| t.iter().map(|t| t.name.clone()).collect();
        FactsSummary {
            components: facts
                .components
                .iter()
                .map(|c| format!("{} ({})", c.name, c.path))
                .collect(),
            languages: facts.languages.iter().map(|l| l.language.clone()).collect(),
            frameworks: names(&facts.frameworks),
            services: names(&facts.services),
            deployment: names(&facts.deployment),
            entry_points: facts.entry_points.len(),
        }
    }
}

pub fn graph(env: GraphEnv) -> Graph<IndexState> {
    // Git and indexing fail the same way when tried again; the repository
    // shows the error and a person asks for another run.
    let checkout_policy = NodePolicy {
        timeout: Duration::from_secs(1800),
        retries: 0,
        backoff: Duration::from_secs(1),
    };
    let index_policy = NodePolicy {
        timeout: Duration::from_secs(3600),
        retries: 0,
        backoff: Duration::from_secs(1),
    };
    let checkout_env = env.clone();
    Graph::builder(KIND)
        .node_with("checkout", checkout_policy, move |s: IndexState, ctx| {
            let env = checkout_env.clone();
            async move {
                let outcome = checkout(&env, s, &ctx).await;
                fail_repository_on_error(&env, &ctx, outcome).await
            }
        })
        .node_with("index", index_policy, move |s: IndexState, ctx| {
            let env = env.clone();
            async move {
                let outcome = index(&env, s, &ctx).await;
                fail_repository_on_error(&env, &ctx, outcome).await
            }
        })
        .edge(START, "checkout")
        .edge("checkout", "index")
        .edge("index", END)
        .step_limit(5)
        .build()
        .expect("the index graph is well-formed")
}

/// A node's failure, as the repository records it.
struct Failure {
    repository: RepositoryId,
    message: String,
}

async fn fail_repository_on_error(
    env: &GraphEnv,
    ctx: &NodeCtx,
    outcome: Result<IndexState, Failure>,
) -> Result<NodeOutput<IndexState>, NodeError> {
    match outcome {
        Ok(state) => Ok(NodeOutput::Update(state)),
        Err(failure) => {
            let message = failure.message;
            if let Err(e) = env
                .store
                .fail_repository_index(ctx.tenant_id, failure.repository, &message)
                .await
            {
                tracing::warn!(error = %e, "could not mark the repository failed");
            }
            Err(NodeError::Fatal(message))
        }
    }
}

async fn checkout(env: &GraphEnv, mut s: IndexState, ctx: &NodeCtx) -> Result<IndexState, Failure> {
    let id = s.repository_id;
    let fail = |message: String| Failure {
        repository: id,
        message,
    };
    let repo = env
        .store
        .start_repository_index(ctx.tenant_id, id)
        .await
        .map_err(|e| match e {
            morningai_store::StoreError::NotFound => {
                fail(format!("repository {id} does not exist (deleted?)"))
            }
            e => fail(format!("reading repository {id}: {e}")),
        })?;
    let source = RepoSource::parse(&repo.source).map_err(|e| fail(e.to_string()))?;
    // The policy may have changed since the repository was registered, and a
    // name may resolve elsewhere now: checked again, every time.
    let access = remote_access(env, ctx.tenant_id, &repo, &source)
        .await
        .map_err(fail)?;
    let dest = env.checkout_dir(ctx.tenant_id, id);
    ctx.log(format!("checking out {}", source.redacted()));
    let started = Instant::now();
    let checked_out =
        tokio::task::spawn_blocking(move || morningai_knowledge::checkout(&source, &dest, &access))
            .await
            .map_err(|e| fail(format!("checkout stopped: {e}")))?
            .map_err(|e| fail(e.to_string()))?;
    ctx.log(format!(
        "checked out {} in {} ms",
        checked_out
            .commit
            .as_deref()
            .unwrap_or("the working directory (not under git)"),
        started.elapsed().as_millis()
    ));
    s.checkout = Some(CheckedOut {
        path: checked_out.path,
        commit: checked_out.commit,
        default_branch: checked_out.default_branch,
    });
    Ok(s)
}

async fn index(env: &GraphEnv, mut s: IndexState, ctx: &NodeCtx) -> Result<IndexState, Failure> {
    let id = s.repository_id;
    let tenant = ctx.tenant_id;
    let fail = |message: String| Failure {
        repository: id,
        message,
    };
    let Some(checked_out) = s.checkout.clone() else {
        return Err(fail("the checkout step left no checkout".into()));
    };
    let checkout = Checkout {
        path: checked_out.path.clone(),
        commit: checked_out.commit.clone(),
        default_branch: checked_out.default_branch.clone(),
    };
    let dir = env.index_dir(tenant, id);
    let config = env.index_config.clone();

    // Progress leaves the blocking thread through a channel, in order, to one
    // writer of the repository's counts.
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(usize, usize)>();
    let store = env.store.clone();
    let writer = tokio::spawn(async move {
        while let Some((done, total)) = receiver.recv().await {
            if let Err(e) = store
                .repository_index_progress(tenant, id, done as i64, total as i64)
                .await
            {
                tracing::debug!(error = %e, "repository progress not written");
            }
        }
    });
    let node_ctx = ctx.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut index = RepoIndex::open(&dir)?;
        let mut reporter = ProgressReporter::new(node_ctx, sender);
        let stats = index.update(&checkout, &config, &mut |p| reporter.report(p))?;
        Ok::<_, morningai_knowledge::KnowledgeError>((stats, FactsSummary::of(index.facts())))
    })
    .await;
    let _ = writer.await;
    let (stats, facts) = outcome
        .map_err(|e| fail(format!("indexing stopped: {e}")))?
        .map_err(|e| fail(e.to_string()))?;

    ctx.log(format!(
        "indexed {} files ({} added, {} changed, {} removed, {} unchanged): {} chunks, {} symbols in {} ms",
        stats.files,
        stats.files_added,
        stats.files_changed,
        stats.files_removed,
        stats.files_unchanged,
        stats.chunks,
        stats.symbols,
        stats.elapsed_ms
    ));
    let indexed = RepositoryIndexed {
        commit: stats.commit.clone(),
        default_branch: checked_out.default_branch.clone(),
        file_count: stats.files as i64,
        chunk_count: stats.chunks as i64,
        symbol_count: stats.symbols as i64,
    };
    env.store
        .finish_repository_index(tenant, id, &indexed)
        .await
        .map_err(|e| fail(format!("recording the index: {e}")))?;
    s.stats = Some(stats);
    s.facts = Some(facts);
    Ok(s)
}

/// Turns the index's per-file callbacks into a log line, a live
/// `index.progress` event and a repository count update at most every tenth
/// of the files or every [`PROGRESS_EVERY`], and always at the last file.
struct ProgressReporter {
    ctx: NodeCtx,
    sender: tokio::sync::mpsc::UnboundedSender<(usize, usize)>,
    last_tenth: usize,
    last_at: Instant,
}

impl ProgressReporter {
    fn new(ctx: NodeCtx, sender: tokio::sync::mpsc::UnboundedSender<(usize, usize)>) -> Self {
        ProgressReporter {
            ctx,
            sender,
            last_tenth: 0,
            last_at: Instant::now(),
        }
    }

    fn report(&mut self, p: &Progress) {
        let tenth = (p.done * 10).checked_div(p.total).unwrap_or(10);
        let due = tenth > self.last_tenth
            || self.last_at.elapsed() >= PROGRESS_EVERY
            || p.done == p.total;
        if !due {
            return;
        }
        self.last_tenth = tenth;
        self.last_at = Instant::now();
        self.ctx.log(format!(
            "indexed {} of {} files ({})",
            p.done, p.total, p.path
        ));
        self.ctx.emit(
            "index.progress",
            json!({ "done": p.done, "total": p.total, "path": p.path }),
        );
        let _ = self.sender.send((p.done, p.total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_is_a_repository_id() {
        let state: IndexState =
            serde_json::from_value(json!({ "repository_id": RepositoryId::new() })).unwrap();
        assert!(state.checkout.is_none());
        assert!(serde_json::from_value::<IndexState>(json!({})).is_err());
        assert!(serde_json::from_value::<IndexState>(json!({ "repository_id": "x" })).is_err());
    }
}

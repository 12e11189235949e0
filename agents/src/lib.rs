//! MorningAI's agents: the graphs that do the work, by task kind — `echo`
//! (no model needed), `chat` (one question to the configured model),
//! `index` (check a repository out and index it), `doc` (a cited,
//! verified document about a repository) and `faq` (FAQ drafts from a
//! repository, verified the same way). They run on the runtime of
//! `morningai-orchestration`, which knows none of them; the HTTP layer and
//! the CLI register them with [`registry`].

pub mod access;
pub mod chat;
pub mod doc;
pub mod echo;
pub mod env;
pub mod faq;
pub mod index;

use std::sync::Arc;

use morningai_core::Role;

use morningai_orchestration::registry::{GraphEntry, Registry};

pub use env::GraphEnv;

/// Every graph, ready for the runtime; `env` is what graphs that read the
/// store or the disk are built with.
pub fn registry(env: GraphEnv) -> Registry {
    registry_without_env()
        .register(
            doc::KIND,
            GraphEntry {
                graph: Arc::new(doc::graph::graph(env.clone())),
                approver: Role::Member,
                description: "Writes a Markdown document answering a question about an indexed repository, every claim cited and verified at the indexed commit (input: {\"repository_id\", \"question\", \"require_approval\"?}); the result holds the markdown, its evidence manifest and the verification report.",
            },
        )
        .register(
            faq::graph::KIND,
            GraphEntry {
                graph: Arc::new(faq::graph::graph(env.clone())),
                approver: Role::Admin,
                description: "Drafts FAQ entries from an indexed repository, every answer cited and verified at the indexed commit (input: {\"repository_id\", \"question\"} for one question or {\"repository_id\", \"count\"} to propose and answer that many, with \"category_id\"?, \"language\"?, \"require_approval\"? and \"publish\"?/\"path\"? to commit the published FAQs to docs/FAQ.md in a pull request); near-duplicates of existing FAQs are merged, the rest saved as drafts.",
            },
        )
        .register(
        index::KIND,
        GraphEntry {
            graph: Arc::new(index::graph(env)),
            approver: Role::Member,
            description: "Checks a registered repository out and brings its search index to the current commit (input: {\"repository_id\"}); POST /api/repositories/{id}/index starts it.",
        },
    )
}

/// The graphs that need nothing from outside (no store, no disk): for tests
/// and benchmarks of the runtime.
pub fn registry_without_env() -> Registry {
    Registry::new().register(
        echo::KIND,
        GraphEntry {
            graph: Arc::new(echo::graph()),
            approver: Role::Member,
            description: "Echoes a message a few times; optionally asks for approval. For trying the system without a model.",
        },
    )
    .register(
        chat::KIND,
        GraphEntry {
            graph: Arc::new(chat::graph()),
            approver: Role::Member,
            description: "Asks the configured model one question (greedy, so a replay reuses the answer); optionally asks a person to accept it.",
        },
    )
}

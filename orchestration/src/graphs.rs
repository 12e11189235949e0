//! The graphs this build ships, by task kind.

pub mod chat;
pub mod doc;
pub mod echo;

use std::sync::Arc;

use morningai_core::Role;

use crate::registry::{GraphEntry, Registry};

/// Every graph, ready for the runtime.
pub fn registry() -> Registry {
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

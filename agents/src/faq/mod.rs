//! The FAQ knowledge base's agent side: search ([`search`]).

pub mod search;

pub use search::{embedding_text, FaqSearchError, FaqSearcher, Ranking, SearchOutcome, Signals};

//! The FAQ knowledge base's agent side: search ([`search`]), a tenant's
//! FAQs kept searchable in step with the database ([`library`]), and the
//! `faq` task that drafts FAQs from a repository ([`generate`], [`graph`]).

pub mod generate;
pub mod graph;
pub mod library;
pub mod search;
pub mod suggest;

pub use library::{
    all_faqs, answered, faq_doc, top_score, Asked, FaqLibrary, FaqLibraryError, LibraryHit,
    Question, ANSWERED_SIMILARITY,
};
pub use search::{embedding_text, FaqSearchError, FaqSearcher, Ranking, SearchOutcome, Signals};

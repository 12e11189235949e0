//! The FAQ knowledge base's agent side: search ([`search`]) and a tenant's
//! FAQs kept searchable in step with the database ([`library`]).

pub mod library;
pub mod search;

pub use library::{
    answered, faq_doc, top_score, Asked, FaqLibrary, FaqLibraryError, LibraryHit, Question,
    ANSWERED_SIMILARITY,
};
pub use search::{embedding_text, FaqSearchError, FaqSearcher, Ranking, SearchOutcome, Signals};

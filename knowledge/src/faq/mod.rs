//! FAQ files ([`transfer`]: import and export formats) and FAQ search: a multilingual analyser ([`analyzer`]), exact nearest
//! neighbours over embeddings ([`vectors`]) and the hybrid index that fuses
//! the two ([`index`]). The API, the CLI and the chat bots all search
//! through [`FaqIndex::search`].

pub mod analyzer;
pub mod index;
pub mod transfer;
pub mod vectors;

pub use analyzer::{analyze, is_cjk};
pub use index::{
    primary_subtag, FaqDoc, FaqFilter, FaqHit, FaqIndex, FaqQuery, Signal, KEYWORD_WEIGHT,
};
pub use vectors::VectorSet;

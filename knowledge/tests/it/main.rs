//! Integration tests of morningai-knowledge against fixture repositories that
//! each test builds with the `git` CLI in a temp dir.

mod facts;
mod faq;
mod faq_transfer;
mod fixture;
mod forge;
mod git;
mod hybrid;
mod index;
mod publish;
mod reindex;
mod search;
mod verify;

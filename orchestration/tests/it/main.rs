//! The runtime on real stores: durable runs, interrupts, cancel, replay;
//! model calls metered and cached over the store.

mod doc;
mod ledger;
mod models;
mod redis_queue;
mod runtime;

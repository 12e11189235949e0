//! The runtime on real stores: durable runs, interrupts, cancel, replay.

mod redis_queue;
mod runtime;

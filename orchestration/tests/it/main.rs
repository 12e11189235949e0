//! The runtime on real stores: durable runs, interrupts, cancel, replay.

mod runtime;

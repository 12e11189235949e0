//! Built-in job kinds: for trying the queue without other components, for the
//! tests that kill workers mid-job, and for the benchmark.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::handler::{Handlers, JobError};

/// Does nothing; the benchmark's unit of work.
pub const NOOP: &str = "system.noop";
/// Returns its payload.
pub const ECHO: &str = "system.echo";
/// Sleeps `{"ms": N}` (stops early when the worker cancels it).
pub const SLEEP: &str = "system.sleep";
/// Fails with `{"message": "...", "permanent": bool}`.
pub const FAIL: &str = "system.fail";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SleepPayload {
    ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FailPayload {
    message: String,
    #[serde(default)]
    permanent: bool,
}

/// `handlers` plus the built-in kinds.
pub fn with_builtins(handlers: Handlers) -> Handlers {
    handlers
        .on(NOOP, |_| async { Ok(json!({})) })
        .on(ECHO, |ctx| async move { Ok(ctx.job.payload) })
        .on_typed(SLEEP, |p: SleepPayload, ctx| async move {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(p.ms)) => Ok(json!({ "slept_ms": p.ms, "attempt": ctx.attempt() })),
                () = ctx.cancel.cancelled() => Err(JobError::Retry("interrupted".into())),
            }
        })
        .on_typed(FAIL, |p: FailPayload, _| async move {
            Err(if p.permanent {
                JobError::Permanent(p.message)
            } else {
                JobError::Retry(p.message)
            })
        })
}

//! A task's live events as server-sent events, pushed rather than polled:
//! the stream waits on the store's task-event feed (one listener per
//! process, see `morningai_store::feed`) and reads the store only when its
//! task has new events — or every few seconds, in case a notification was
//! missed. Streams are bounded: a number per user and per tenant, a maximum
//! lifetime (the client reconnects with `Last-Event-ID`, losing nothing),
//! and the session or key re-checked while the stream is open, so a revoked
//! one stops streaming.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::response::sse::Event;
use futures::stream::{self, Stream, StreamExt};
use morningai_core::{TaskEvent, TaskId, TenantCtx};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::extract::still_valid;
use super::{ApiError, AppState};

/// Streams one user may hold open at once (a few dashboard tabs).
pub const STREAMS_PER_USER: usize = 16;
/// Streams one tenant may hold open at once.
pub const STREAMS_PER_TENANT: usize = 256;
/// A stream ends after this; the client reconnects where it left off.
pub const STREAM_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Without a notification, the stream looks again after this: a safety net
/// only (the feed wakes every stream after a reconnect), so that 1,000 idle
/// streams cost ~130 reads a second, not 1,000.
const RECHECK: Duration = Duration::from_secs(15);
/// How often the stream checks that its credential still holds.
const REAUTHENTICATE: Duration = Duration::from_secs(15);

/// Open streams per user and per tenant, in this process.
fn open_streams() -> &'static Mutex<HashMap<Uuid, usize>> {
    static OPEN: OnceLock<Mutex<HashMap<Uuid, usize>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// One open stream, counted against its user and tenant until dropped.
pub struct StreamSlot {
    keys: [Uuid; 2],
}

impl StreamSlot {
    /// A slot for a stream of `ctx`, or 429 when its user or tenant holds
    /// as many as allowed.
    pub fn take(ctx: &TenantCtx) -> Result<StreamSlot, ApiError> {
        let keys = [ctx.user_id.0, ctx.tenant_id.0];
        let mut open = open_streams().lock().expect("stream counts");
        let full = open.get(&keys[0]).copied().unwrap_or(0) >= STREAMS_PER_USER
            || open.get(&keys[1]).copied().unwrap_or(0) >= STREAMS_PER_TENANT;
        if full {
            return Err(ApiError::RateLimited(Duration::from_secs(5)));
        }
        for key in keys {
            *open.entry(key).or_default() += 1;
        }
        Ok(StreamSlot { keys })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = open_streams().lock().expect("stream counts");
        for key in self.keys {
            if let Some(n) = open.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    open.remove(&key);
                }
            }
        }
    }
}

struct Watch {
    state: AppState,
    ctx: TenantCtx,
    task: TaskId,
    after: i64,
    feed: tokio::sync::broadcast::Receiver<TaskId>,
    started: Instant,
    checked: Instant,
    finished: bool,
    /// The task was seen final with no events left to send.
    final_seen: bool,
    _slot: StreamSlot,
}

/// `task`'s events after `after`, until its final event, the lifetime's end
/// or the credential's revocation.
pub fn task_events(
    state: AppState,
    ctx: TenantCtx,
    task: TaskId,
    after: i64,
    slot: StreamSlot,
) -> impl Stream<Item = Result<Event, std::convert::Infallible>> {
    let watch = Watch {
        feed: state.store.task_event_feed(),
        state,
        ctx,
        task,
        after,
        started: Instant::now(),
        checked: Instant::now(),
        finished: false,
        final_seen: false,
        _slot: slot,
    };
    stream::unfold(watch, |mut w| async move {
        let events = next_events(&mut w).await?;
        Some((events, w))
    })
    .flat_map(|events| {
        stream::iter(events.into_iter().map(|e| {
            let data = serde_json::to_string(&e).unwrap_or_default();
            Ok(Event::default()
                .id(e.seq.to_string())
                .event(e.kind)
                .data(data))
        }))
    })
}

/// One server-sent event of a task's stream, as the OpenAPI document
/// describes `text/event-stream` (the fields of each event, not its payload).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documentation only: the stream is written by `axum`'s `Event`
pub struct TaskEventMessage {
    /// The event's sequence number: send it as `Last-Event-ID` to resume after it.
    id: String,
    /// The event's kind (`TaskEvent.kind`).
    event: String,
    /// The event itself: a `TaskEvent` as JSON.
    #[schema(content_media_type = "application/json")]
    data: String,
}

/// The next batch of events, waiting for them; `None` ends the stream.
async fn next_events(w: &mut Watch) -> Option<Vec<TaskEvent>> {
    if w.finished {
        return None;
    }
    let store = w.state.runtime.store().clone();
    loop {
        if w.started.elapsed() >= STREAM_LIFETIME {
            return None;
        }
        if w.checked.elapsed() >= REAUTHENTICATE {
            w.checked = Instant::now();
            match still_valid(&w.state, &w.ctx).await {
                Ok(true) => {}
                _ => return None,
            }
        }
        let events = match store
            .task_events(w.ctx.tenant_id, w.task, w.after, 200)
            .await
        {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "event stream: store error; ending the stream");
                return None;
            }
        };
        if let Some(last) = events.last() {
            w.after = last.seq;
            w.finished = events.iter().any(|e| {
                matches!(
                    e.kind.as_str(),
                    "task.done" | "task.failed" | "task.canceled"
                )
            });
            return Some(events);
        }
        match store.task(w.ctx.tenant_id, w.task).await {
            Ok(Some(task)) if !task.status.is_final() => wait_for_news(w).await,
            // Final since the read above: its last events were committed
            // with the status, so one more read finds them.
            Ok(Some(_)) if !w.final_seen => w.final_seen = true,
            _ => return None,
        }
    }
}

/// Until the feed names this task, or [`RECHECK`] passes.
async fn wait_for_news(w: &mut Watch) {
    let deadline = tokio::time::Instant::now() + RECHECK;
    loop {
        match tokio::time::timeout_at(deadline, w.feed.recv()).await {
            Ok(Ok(id)) if id == w.task || id == morningai_store::feed::EVERY_TASK => return,
            Ok(Ok(_)) => continue,
            // Fell behind the feed: look now.
            Ok(Err(RecvError::Lagged(_))) => return,
            Ok(Err(RecvError::Closed)) => {
                tokio::time::sleep_until(deadline).await;
                return;
            }
            Err(_) => return,
        }
    }
}

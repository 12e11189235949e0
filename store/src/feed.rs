//! Which tasks have new events, pushed to everyone in the process who
//! watches (the event streams), from one listener per process — never one
//! query loop per stream.
//!
//! - PostgreSQL: `LISTEN morningai_task_events`. The transaction that writes
//!   a task's events also calls `pg_notify` with the task's id, so the
//!   notification arrives when the events are committed, in every process.
//! - SQLite: one poller of the events table's highest row id (cheap, and it
//!   sees the writes of other processes on the same file).
//!
//! A notification may be missed: across a reconnect the listener sends
//! [`EVERY_TASK`] (every watcher looks again), a slow receiver that lagged
//! looks again, and a watcher still looks on its own now and then.

/// Sent instead of a task's id when every watcher should look again (the
/// PostgreSQL listener (re)connected: notifications may have been missed).
pub const EVERY_TASK: TaskId = TaskId(uuid::Uuid::nil());

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use morningai_core::TaskId;
use tokio::sync::broadcast;

/// The PostgreSQL channel task-event notifications go to.
pub const TASK_EVENTS_CHANNEL: &str = "morningai_task_events";

/// How many notifications a slow watcher may fall behind before it lags
/// (and re-reads on its own).
const CAPACITY: usize = 4096;

/// The process's task-event notifications, started on first use.
#[derive(Clone)]
pub struct EventFeed {
    sender: broadcast::Sender<TaskId>,
    started: Arc<OnceLock<()>>,
}

impl Default for EventFeed {
    fn default() -> Self {
        EventFeed {
            sender: broadcast::channel(CAPACITY).0,
            started: Arc::new(OnceLock::new()),
        }
    }
}

impl EventFeed {
    /// Subscribes, starting the listener with `start` the first time (from a
    /// Tokio runtime).
    pub(crate) fn subscribe_with<F, Fut>(&self, start: F) -> broadcast::Receiver<TaskId>
    where
        F: FnOnce(broadcast::Sender<TaskId>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let receiver = self.sender.subscribe();
        self.started.get_or_init(|| {
            tokio::spawn(start(self.sender.clone()));
        });
        receiver
    }
}

/// Listens on PostgreSQL, reconnecting after a second when the connection
/// drops.
pub(crate) async fn listen_postgres(pool: sqlx::PgPool, sender: broadcast::Sender<TaskId>) {
    loop {
        match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(TASK_EVENTS_CHANNEL).await {
                Ok(()) => {
                    // Whatever was notified while no one listened is read now.
                    let _ = sender.send(EVERY_TASK);
                    loop {
                        match listener.recv().await {
                            Ok(note) => {
                                if let Ok(id) = note.payload().parse() {
                                    let _ = sender.send(TaskId(id));
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "task-event listener lost its connection");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "LISTEN {TASK_EVENTS_CHANNEL} failed"),
            },
            Err(e) => tracing::warn!(error = %e, "task-event listener cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Polls SQLite for events written since the last look, every 100 ms while
/// anyone watches.
pub(crate) async fn poll_sqlite(pool: sqlx::SqlitePool, sender: broadcast::Sender<TaskId>) {
    let mut last: Option<i64> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if sender.receiver_count() == 0 {
            last = None;
            continue;
        }
        let Some(after) = last else {
            last = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM task_events")
                .fetch_one(&pool)
                .await
                .ok();
            continue;
        };
        let rows: Vec<(i64, uuid::Uuid)> = match sqlx::query_as(
            "SELECT rowid, task_id FROM task_events WHERE rowid > $1 ORDER BY rowid LIMIT 1000",
        )
        .bind(after)
        .fetch_all(&pool)
        .await
        {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "task-event poller");
                continue;
            }
        };
        let mut seen = std::collections::HashSet::new();
        for (rowid, task) in rows {
            last = Some(rowid);
            if seen.insert(task) {
                let _ = sender.send(TaskId(task));
            }
        }
    }
}

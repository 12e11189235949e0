//! Task events written while a node runs (streamed model tokens, model
//! calls with their cost), so watchers see them live rather than at the
//! node's checkpoint. One writer per node run appends them in the order they
//! were emitted; the runtime flushes it before writing the checkpoint, so
//! they come before `node.finished`. Emitting never blocks the node.

use std::sync::Arc;

use morningai_core::{TaskId, TenantId};
use morningai_store::Store;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

enum Message {
    Event(String, Value),
    Flush(oneshot::Sender<()>),
}

/// A handle to a node run's event writer. Cheap to clone.
#[derive(Clone)]
pub struct LiveEvents {
    sender: mpsc::UnboundedSender<Message>,
}

impl LiveEvents {
    /// Starts the writer for `task`'s events.
    pub fn start(store: Arc<dyn Store>, tenant: TenantId, task: TaskId) -> Self {
        let (sender, mut receiver) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(message) = receiver.recv().await {
                match message {
                    Message::Event(kind, data) => {
                        // A lost progress event must not fail the run; the
                        // checkpoint and the usage record are the truth.
                        if let Err(e) = store.append_task_event(tenant, task, &kind, data).await {
                            tracing::warn!(error = %e, kind, "live task event not written");
                        }
                    }
                    Message::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Self { sender }
    }

    pub fn emit(&self, kind: impl Into<String>, data: Value) {
        let _ = self.sender.send(Message::Event(kind.into(), data));
    }

    /// Waits until every event emitted before this call is written.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = written.await;
        }
    }
}

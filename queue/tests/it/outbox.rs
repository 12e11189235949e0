//! The outbox: a job accepted while Redis is down is delivered when it returns.

use std::sync::Arc;

use morningai_queue::{Accepted, JobScope, JobStatus, NewJob, Queue, QueueBackend, RedisQueue};
use morningai_store::testing::TempSqlite;
use morningai_store::Store;
use serde_json::json;

use crate::support::{redis_url, RedisKeys};

#[tokio::test]
async fn redis_outbox_keeps_jobs_accepted_while_redis_is_down() {
    let db = TempSqlite::new().await;
    let store: Arc<dyn Store> = Arc::new(
        morningai_store::SqliteStore::open(&db.url, &Default::default())
            .await
            .unwrap(),
    );
    let keys = RedisKeys::new();

    // Nothing listens on this port: Redis is "down".
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down =
        RedisQueue::connect_lazy(&format!("redis://127.0.0.1:{port}"), &keys.prefix).unwrap();
    let queue = Queue::with_outbox(store.clone(), Arc::new(down));
    let mut accepted = Vec::new();
    for i in 0..3 {
        let mut job = NewJob::new("o", "test.kind", json!({ "i": i }));
        job.idempotency_key = (i == 0).then(|| "first".to_string());
        match queue
            .enqueue(job)
            .await
            .expect("accepted although Redis is down")
        {
            Accepted::Recorded { outbox_id } => accepted.push(outbox_id),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(store.outbox_pending(10).await.unwrap().len(), 3);
    assert!(queue.outbox().unwrap().dispatch_pending().await.is_err());

    // Redis is back: the dispatcher delivers everything, once.
    let up: Arc<dyn QueueBackend> = Arc::new(
        RedisQueue::connect(&redis_url(), &keys.prefix)
            .await
            .unwrap(),
    );
    let queue = Queue::with_outbox(store.clone(), up.clone());
    assert_eq!(queue.outbox().unwrap().dispatch_pending().await.unwrap(), 3);
    assert_eq!(queue.outbox().unwrap().dispatch_pending().await.unwrap(), 0);
    assert!(store.outbox_pending(10).await.unwrap().is_empty());
    let jobs = up
        .jobs(JobScope::System, Some(JobStatus::Queued), Some("o"), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 3);
    assert!(jobs
        .iter()
        .any(|j| j.idempotency_key.as_deref() == Some("first")));

    // A push that reached Redis but was not marked (a crash in between) is not doubled.
    let job = NewJob::new("o", "test.kind", json!({ "i": 9 }));
    let id = queue.enqueue(job.clone()).await.unwrap();
    drop(id);
    let again = NewJob {
        idempotency_key: Some(format!("outbox:{}", job.id)),
        ..job
    };
    assert!(!up.enqueue(again).await.unwrap().created);
}

#[tokio::test]
async fn database_queue_needs_no_outbox() {
    let db = TempSqlite::new().await;
    let store: Arc<dyn Store> = Arc::new(
        morningai_store::SqliteStore::open(&db.url, &Default::default())
            .await
            .unwrap(),
    );
    let queue = Queue::database(store.clone());
    let Accepted::Queued(e) = queue
        .enqueue(NewJob::new("d", "k", json!({})))
        .await
        .unwrap()
    else {
        panic!("the database backend queues directly");
    };
    assert!(e.created);
    assert!(store.outbox_pending(10).await.unwrap().is_empty());
}

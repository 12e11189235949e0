//! Tasks over the Redis queue: the task and its outbox entry are written
//! together, so a task accepted while Redis is down still runs once it is back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use morningai_core::{Email, TaskStatus, TenantCtx};
use morningai_orchestration::{Runtime, TaskRequest};
use morningai_queue::{builtin, Handlers, Queue, QueueBackend, RedisQueue, Worker, WorkerConfig};
use morningai_store::testing::TempSqlite;
use morningai_store::Store;
use serde_json::json;
use tokio_util::sync::CancellationToken;

fn redis_url() -> String {
    std::env::var("REDIS_URL")
        .expect("REDIS_URL is not set: Redis tests need a server; run them with `make test`")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_task_accepted_while_redis_is_down_runs_when_it_returns() {
    let db = TempSqlite::new().await;
    let store: Arc<dyn Store> = Arc::new(
        morningai_store::SqliteStore::open(&db.url, &Default::default())
            .await
            .unwrap(),
    );
    let s = store
        .signup(&Email::parse("r@example.com").unwrap(), "h", "R")
        .await
        .unwrap();
    let ctx = TenantCtx::system(s.tenant.id, s.user.id);
    let prefix = format!("morningai-test-{}", uuid::Uuid::new_v4().simple());

    // Redis "down": nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = RedisQueue::connect_lazy(&format!("redis://127.0.0.1:{port}"), &prefix).unwrap();
    let runtime = Runtime::new(
        store.clone(),
        Queue::with_outbox(store.clone(), Arc::new(down)),
        morningai_agents::registry_without_env(),
    );
    let req = TaskRequest {
        kind: "echo".into(),
        input: json!({ "message": "later", "rounds": 2 }),
        ..Default::default()
    };
    let (task, _) = runtime
        .submit(&ctx, req)
        .await
        .expect("accepted while Redis is down");
    assert_eq!(task.status, TaskStatus::Queued);
    assert_eq!(
        store.outbox_pending(10).await.unwrap().len(),
        1,
        "the job waits in the outbox"
    );

    // Redis is back: the outbox delivers, a worker runs the task.
    let up: Arc<dyn QueueBackend> =
        Arc::new(RedisQueue::connect(&redis_url(), &prefix).await.unwrap());
    let queue = Queue::with_outbox(store.clone(), up.clone());
    let runtime = Runtime::new(
        store.clone(),
        queue.clone(),
        morningai_agents::registry_without_env(),
    );
    assert_eq!(queue.outbox().unwrap().dispatch_pending().await.unwrap(), 1);
    let stop = CancellationToken::new();
    let config = WorkerConfig {
        idle_poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let worker = tokio::spawn(
        Worker::new(
            up.clone(),
            runtime.handlers(builtin::with_builtins(Handlers::new())),
            config,
        )
        .run(stop.clone()),
    );
    let start = Instant::now();
    let done = loop {
        let t = store.task(ctx.tenant_id, task.id).await.unwrap().unwrap();
        if t.status.is_final() {
            break t;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "task did not run: {t:?}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    };
    stop.cancel();
    worker.await.unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    assert_eq!(
        done.result.unwrap()["transcript"],
        json!(["1: later", "2: later"])
    );

    let client = redis::Client::open(redis_url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query(&mut conn)
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL").arg(keys).query(&mut conn).unwrap();
    }
}

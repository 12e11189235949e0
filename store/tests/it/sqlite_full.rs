//! SQLite on a full disk: a write that fails with `SQLITE_FULL` must not leave
//! the writer connection in a state where later writes are acknowledged but
//! never committed.
//!
//! The full disk is simulated with `PRAGMA max_page_count` on the writer
//! connection (`SqliteStore::limit_writer_growth`): past it SQLite answers
//! `SQLITE_FULL` (code 13), the same error, with the same automatic rollback,
//! as a filesystem without space — and no mount or privileges are needed.

use std::path::PathBuf;

use morningai_core::{
    CallKind, CallOutcome, Email, MicroUsd, ModelCall, ModelCallId, TenantCtx, TenantId,
};
use morningai_store::{AccountStore, OpenOptions, SqliteStore, StoreError, UsageStore};

/// A folder for one test's database file, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "morningai-test-full-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn url(&self) -> String {
        format!("sqlite://{}/test.db", self.0.display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn open(url: &str) -> SqliteStore {
    SqliteStore::open(url, &OpenOptions::default())
        .await
        .expect("open SQLite store")
}

async fn tenant(store: &SqliteStore) -> TenantCtx {
    let email = Email::parse("full@example.com").unwrap();
    let s = store.signup(&email, "hash", "full").await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

/// 2023-11-14T22:15:23.456Z.
const NOW: i64 = 1_700_000_123_456;

/// A model call carrying `padding` bytes of trace id (200 at most).
fn call(tenant: TenantId, padding: usize) -> ModelCall {
    ModelCall {
        id: ModelCallId::new(),
        tenant_id: tenant,
        task_id: None,
        trace_id: Some("x".repeat(padding)),
        provider: "openai".into(),
        model: "gpt-4o".into(),
        kind: CallKind::Chat,
        prompt_tokens: 1,
        completion_tokens: 1,
        cost: MicroUsd(1),
        latency_ms: 1,
        outcome: CallOutcome::Ok,
        error_code: None,
        created_at_ms: NOW,
    }
}

/// How many model calls of `tenant` a read (the reader pool) sees.
async fn calls_seen(store: &SqliteStore, tenant: TenantId) -> u64 {
    store
        .usage(tenant, 0, i64::MAX)
        .await
        .expect("read usage")
        .total
        .calls
}

fn is_disk_full(e: &StoreError) -> bool {
    let full = matches!(e, StoreError::Database(sqlx::Error::Database(db)) if db.code().as_deref() == Some("13"));
    // The API answers it as `storage_full` (503), not as an internal error.
    assert_eq!(e.is_storage_full(), full, "{e}");
    full
}

/// Writes padded model calls until one fails; returns how many were
/// acknowledged and the error.
async fn fill(store: &SqliteStore, tenant: TenantId) -> (u64, StoreError) {
    let mut acked = 0;
    for _ in 0..10_000 {
        match store.record_model_call(&call(tenant, 200)).await {
            Ok(()) => acked += 1,
            Err(e) => return (acked, e),
        }
    }
    panic!("10000 writes past the growth limit all succeeded");
}

/// The scenario of the fault-injection run: the disk fills, a write fails,
/// requests keep coming (some fail for ordinary reasons — here a retried
/// request whose id already exists), space is freed, and a later write is
/// acknowledged. It must be visible to reads and still there after a restart.
#[tokio::test]
async fn writes_after_a_full_disk_are_committed_or_fail() {
    let dir = TempDir::new();
    let store = open(&dir.url()).await;
    let t = tenant(&store).await.tenant_id;

    let before = call(t, 16);
    store.record_model_call(&before).await.unwrap();
    let mut expected = 1;

    // The disk fills: a few pages more, then SQLITE_FULL.
    store.limit_writer_growth(Some(4)).await.unwrap();
    let (acked, err) = fill(&store, t).await;
    assert!(is_disk_full(&err), "expected SQLITE_FULL, got {err:?}");
    expected += acked;
    assert_eq!(
        calls_seen(&store, t).await,
        expected,
        "acknowledged before the fault"
    );

    // Still full (the cap is set again: a writer connection opened since has
    // none): another write fails, and a retried request fails as a duplicate.
    store.limit_writer_growth(Some(0)).await.unwrap();
    let (more, err) = fill(&store, t).await;
    expected += more;
    assert!(is_disk_full(&err), "expected SQLITE_FULL, got {err:?}");
    let dup = store.record_model_call(&before).await.unwrap_err();
    assert!(
        matches!(dup, StoreError::Conflict(_)),
        "expected a conflict, got {dup:?}"
    );

    // Space is freed: later writes must be committed (or fail, never be lost).
    store.limit_writer_growth(None).await.unwrap();
    for _ in 0..3 {
        match store.record_model_call(&call(t, 16)).await {
            Ok(()) => {
                expected += 1;
                assert_eq!(
                    calls_seen(&store, t).await,
                    expected,
                    "an acknowledged write is not visible to reads"
                );
            }
            Err(e) => panic!("a write after space was freed failed: {e:?}"),
        }
    }

    // After a restart every acknowledged write is in the file.
    store.close().await;
    drop(store);
    let store = open(&dir.url()).await;
    assert_eq!(
        calls_seen(&store, t).await,
        expected,
        "acknowledged writes lost across a restart"
    );
    store.close().await;
}

/// A write failing with SQLITE_FULL and nothing else going wrong: the next
/// write, once there is space, is committed.
#[tokio::test]
async fn the_write_after_a_full_disk_is_committed() {
    let dir = TempDir::new();
    let store = open(&dir.url()).await;
    let t = tenant(&store).await.tenant_id;

    store.limit_writer_growth(Some(4)).await.unwrap();
    let (acked, err) = fill(&store, t).await;
    assert!(is_disk_full(&err), "expected SQLITE_FULL, got {err:?}");
    store.limit_writer_growth(None).await.unwrap();
    store.record_model_call(&call(t, 16)).await.unwrap();
    store.record_model_call(&call(t, 16)).await.unwrap();
    assert_eq!(calls_seen(&store, t).await, acked + 2);

    store.close().await;
    drop(store);
    let store = open(&dir.url()).await;
    assert_eq!(calls_seen(&store, t).await, acked + 2);
    store.close().await;
}

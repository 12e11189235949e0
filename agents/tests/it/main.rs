//! The agents' graphs on the runtime and real stores: durable runs,
//! interrupts, cancel, replay; model calls metered and cached; the doc graph
//! end to end.

/// Runs each named case once on a fresh SQLite and once on a fresh
/// PostgreSQL database (`DATABASE_URL`), as `super::$case(Fixture::new(store))`.
macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() {
                   let db = morningai_store::testing::TempSqlite::new().await;
                   let store: std::sync::Arc<dyn morningai_store::Store> = std::sync::Arc::new(
                       morningai_store::SqliteStore::open(&db.url, &Default::default()).await.unwrap());
                   super::$case(super::Fixture::new(store).await).await;
                   drop(db);
               } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() {
                   let db = morningai_store::testing::TempPostgres::new().await;
                   let store: std::sync::Arc<dyn morningai_store::Store> = std::sync::Arc::new(
                       morningai_store::PgStore::open(&db.owner_url, &Default::default()).await.unwrap());
                   super::$case(super::Fixture::new(store).await).await;
                   drop(db);
               } )*
        }
    };
}

mod architecture;
mod doc;
mod faq_task;
mod models;
mod redis_queue;
mod runtime;

//! Store integration tests: one conformance suite (and the task and usage
//! stores' cases) run against SQLite and PostgreSQL, and the PostgreSQL
//! row-level-security checks (as the application role).

/// Runs each `async fn case(store: &dyn Store)` named once on a fresh SQLite
/// database and once on a fresh PostgreSQL one (`sqlite::case`, `postgres::case`).
macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = morningai_store::testing::TempSqlite::new().await;
                    super::$case(&db.store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let db = morningai_store::testing::TempPostgres::new().await;
                    super::$case(&db.store).await;
                }
            )*
        }
    };
}

mod conformance;
mod credentials;
mod documents;
mod faqs;
mod repositories;
mod rls;
mod schema;
mod sqlite_full;
mod tasks;
mod usage;

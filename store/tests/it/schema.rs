//! Schema rules on PostgreSQL that every later migration must keep.

use morningai_store::testing::TempPostgres;
use sqlx::{Connection, Executor, PgConnection};

/// Tenant-owned tables (a `tenant_id` column, or `tenants` itself) that lack
/// enabled + forced row-level security or any policy.
async fn tables_missing_rls(conn: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND (c.relname = 'tenants' OR EXISTS (
                SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                    AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
         ORDER BY 1",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn postgres_every_tenant_table_has_forced_rls() {
    let db = TempPostgres::new().await;
    let mut owner = PgConnection::connect(&db.owner_url).await.unwrap();
    let tenant_tables: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT attrelid) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'tenant_id'",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert!(
        tenant_tables >= 4,
        "expected the tenant tables, found {tenant_tables}"
    );
    assert_eq!(tables_missing_rls(&mut owner).await, Vec::<String>::new());

    // The check itself catches a table that forgets: add one and see it flagged.
    owner
        .execute("CREATE TABLE forgetful (id int, tenant_id uuid)")
        .await
        .unwrap();
    assert_eq!(tables_missing_rls(&mut owner).await, ["forgetful"]);
    owner
        .execute("ALTER TABLE forgetful ENABLE ROW LEVEL SECURITY")
        .await
        .unwrap();
    assert_eq!(
        tables_missing_rls(&mut owner).await,
        ["forgetful"],
        "enabled but not forced"
    );
}

#[tokio::test]
async fn postgres_app_role_cannot_bypass_rls_or_own_tables() {
    let db = TempPostgres::new().await;
    let (user, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT current_user::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(user, morningai_store::APP_ROLE);
    assert!(!superuser && !bypass);
    let owned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
    assert_eq!(owned, 0);
}

#[tokio::test]
async fn postgres_migrate_is_idempotent_and_reports_versions() {
    let name = TempPostgres::create_database().await;
    let url =
        morningai_store::testing::with_database(&morningai_store::testing::admin_url(), &name);
    let first = morningai_store::migrate(&url).await.unwrap();
    let second = morningai_store::migrate(&url).await.unwrap();
    TempPostgres::drop_database(&name);
    assert!(first.len() >= 4, "{first:?}");
    assert!(second.is_empty(), "{second:?}");
}

#[tokio::test]
async fn sqlite_migrate_is_idempotent_and_reports_versions() {
    let dir = std::env::temp_dir().join(format!("morningai-mig-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}/nested/db.sqlite", dir.display());
    let first = morningai_store::migrate(&url).await.unwrap();
    let second = morningai_store::migrate(&url).await.unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(first.len() >= 3, "{first:?}");
    assert!(second.is_empty(), "{second:?}");
}

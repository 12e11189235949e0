//! The PostgreSQL backend: production, with tenant isolation enforced by
//! row-level security.
//!
//! Migrations run as the connecting (owner) user. The request pool then works
//! as [`APP_ROLE`] — a role that owns nothing and cannot bypass RLS — and every
//! transaction sets `app.tenant_id` / `app.user_id` with `set_config(…, true)`
//! so the policies confine it to one tenant.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, PgConnection, Postgres, Transaction};

use crate::open::{is_current, newly_applied};
use crate::sql::Scope;
use crate::traits::HealthStore;
use crate::{Backend, OpenOptions, StoreError, StoreResult};
use morningai_core::TaskId;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The role every request runs as (created by the first migration).
pub const APP_ROLE: &str = "morningai_app";

pub struct PgStore {
    pool: PgPool,
    feed: crate::feed::EventFeed,
}

fn connect_options(url: &str) -> StoreResult<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))
}

async fn applied_versions(conn: &mut PgConnection) -> StoreResult<Vec<i64>> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut *conn)
            .await?,
    )
}

impl PgStore {
    pub async fn open(url: &str, opts: &OpenOptions) -> StoreResult<Self> {
        if opts.migrate {
            Self::migrate(url).await?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            // While the database is down a request waits this long for a
            // connection, then answers 503 `unavailable`.
            .acquire_timeout(Duration::from_secs(5))
            // No ping before each use: it would add a round trip to every
            // transaction. A connection that broke meanwhile (server restart)
            // fails its first statement and is dropped from the pool.
            .test_before_acquire(false)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(format!("SET ROLE {APP_ROLE}").as_str())
                        .await?;
                    Ok(())
                })
            })
            .connect_with(connect_options(url)?)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db) if db.message().contains(APP_ROLE) => {
                    StoreError::Config(format!(
                        "cannot act as role {APP_ROLE} ({}): the database user must be a member of it \
                         (GRANT {APP_ROLE} TO <user>) and the migrations must have run",
                        db.message()
                    ))
                }
                e => StoreError::Database(e),
            })?;
        let store = Self {
            pool,
            feed: Default::default(),
        };
        store.check_app_role().await?;
        Ok(store)
    }

    /// Refuses to serve as a role that would bypass row-level security.
    async fn check_app_role(&self) -> StoreResult<()> {
        let (name, superuser, bypass): (String, bool, bool) = sqlx::query_as(
            "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&self.pool)
        .await?;
        if superuser || bypass {
            return Err(StoreError::Config(format!(
                "the request role {name} bypasses row-level security; refusing to serve"
            )));
        }
        Ok(())
    }

    pub async fn migrate(url: &str) -> StoreResult<Vec<i64>> {
        let mut conn = PgConnection::connect_with(&connect_options(url)?).await?;
        let before = applied_versions(&mut conn).await?;
        MIGRATOR.run(&mut conn).await?;
        let after = applied_versions(&mut conn).await?;
        conn.close().await?;
        Ok(newly_applied(&before, after))
    }

    pub(crate) fn subscribe_task_events(&self) -> tokio::sync::broadcast::Receiver<TaskId> {
        let pool = self.pool.clone();
        self.feed
            .subscribe_with(move |sender| crate::feed::listen_postgres(pool, sender))
    }

    /// The request pool (working as the application role), for tests and
    /// diagnostics that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) async fn begin(
        &self,
        scope: Scope<'_>,
    ) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await?;
        if scope.tenant.is_some()
            || scope.user.is_some()
            || scope.key_hash.is_some()
            || scope.public_slug.is_some()
            || scope.system
            || scope.relaxed
        {
            // One round trip for every setting (CASE only evaluates the branch taken).
            sqlx::query(
                "SELECT set_config('app.tenant_id', $1, true),
                        set_config('app.user_id', $2, true),
                        set_config('app.api_key_hash', $3, true),
                        set_config('app.system', $4, true),
                        set_config('app.public_slug', $6, true),
                        CASE WHEN $5 THEN set_config('synchronous_commit', 'off', true) END",
            )
            .bind(scope.tenant.map(|t| t.to_string()).unwrap_or_default())
            .bind(scope.user.map(|u| u.to_string()).unwrap_or_default())
            .bind(scope.key_hash.unwrap_or_default())
            .bind(if scope.system { "on" } else { "" })
            .bind(scope.relaxed)
            .bind(scope.public_slug.unwrap_or_default())
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx)
    }

    /// Serialises one kind of a tenant's count-then-insert steps (spend
    /// holds, publication slots, quotas) until the commit, so that the count
    /// is the truth when the insert follows it.
    pub(crate) async fn lock_tenant(
        tx: &mut Transaction<'static, Postgres>,
        tenant: morningai_core::TenantId,
        purpose: &'static str,
    ) -> StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))")
            .bind(purpose)
            .bind(tenant.0.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Locks a tenant's owner rows so that two concurrent demotions cannot
    /// together remove the last owner.
    pub(crate) async fn lock_owners(
        tx: &mut Transaction<'static, Postgres>,
        tenant: morningai_core::TenantId,
    ) -> StoreResult<()> {
        sqlx::query("SELECT 1 FROM memberships WHERE tenant_id = $1 AND role = 'owner' FOR UPDATE")
            .bind(tenant.0)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl HealthStore for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn migrations_current(&self) -> StoreResult<bool> {
        let mut conn = self.pool.acquire().await?;
        Ok(is_current(&MIGRATOR, applied_versions(&mut conn).await?))
    }
}

/// The shared queries (`crate::sql`), instantiated for this backend.
mod queries {
    crate::sql::impl_store!(super::PgStore, sqlx::Postgres);
}

/// The queue's queries (`crate::jobs_sql`), instantiated for this backend.
mod job_queries {
    crate::jobs_sql::impl_job_store!(
        super::PgStore,
        sqlx::Postgres,
        "FOR UPDATE SKIP LOCKED",
        Some("SELECT pg_advisory_xact_lock(hashtext('morningai.queue.tenant_claims'))")
    );
}

/// The task store's queries (`crate::tasks_sql`), instantiated for this backend;
/// they reuse the audit and job inserts of the two modules above.
mod task_queries {
    crate::tasks_sql::impl_task_store!(
        super::PgStore,
        sqlx::Postgres,
        queries,
        job_queries,
        Some("SELECT pg_notify('morningai_task_events', $1)")
    );
}

/// The usage store's queries (`crate::usage_sql`), instantiated for this
/// backend; budget changes audit through `queries`.
mod usage_queries {
    crate::usage_sql::impl_usage_store!(super::PgStore, sqlx::Postgres, queries);
}

/// The repository store's queries (`crate::repositories_sql`), instantiated
/// for this backend; changes audit through `queries`.
mod repository_queries {
    crate::repositories_sql::impl_repository_store!(super::PgStore, sqlx::Postgres, queries);
}

/// The document store's queries (`crate::documents_sql`), instantiated for
/// this backend; deletions audit through `queries`.
mod document_queries {
    crate::documents_sql::impl_document_store!(super::PgStore, sqlx::Postgres, queries);
}

/// The FAQ store's queries (`crate::faqs_sql`), instantiated for this
/// backend; changes audit through `queries`.
mod faq_queries {
    crate::faqs_sql::impl_faq_store!(
        super::PgStore,
        sqlx::Postgres,
        queries,
        crate::faqs_sql::ts_native,
        "f.tags ? $5"
    );
}

/// The credential store's queries (`crate::credentials_sql`), instantiated
/// for this backend; changes audit through `queries`.
mod credential_queries {
    crate::credentials_sql::impl_credential_store!(
        super::PgStore,
        sqlx::Postgres,
        queries,
        crate::faqs_sql::ts_native
    );
}

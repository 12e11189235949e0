//! Repositories and the state of their index, written once for both
//! backends like `sql.rs`. Every query filters on `tenant_id` explicitly (the
//! isolation on SQLite; on PostgreSQL it sits on top of RLS).

use morningai_core::{Repository, RepositoryStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{StoreError, StoreResult};

pub(crate) const REPOSITORY_COLUMNS: &str =
    "id, tenant_id, name, source, default_branch, indexed_commit, file_count, chunk_count, \
     symbol_count, status, error, progress_done, progress_total, index_task_id, index_generation, \
     created_by, created_at, updated_at, indexed_at";

#[derive(sqlx::FromRow)]
pub(crate) struct RepositoryRow {
    id: Uuid,
    tenant_id: Uuid,
    name: String,
    source: String,
    default_branch: Option<String>,
    indexed_commit: Option<String>,
    file_count: i64,
    chunk_count: i64,
    symbol_count: i64,
    status: String,
    error: Option<String>,
    progress_done: i64,
    progress_total: i64,
    index_task_id: Option<Uuid>,
    index_generation: i64,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    indexed_at: Option<OffsetDateTime>,
}

impl RepositoryRow {
    pub fn into_domain(self) -> StoreResult<Repository> {
        let status: RepositoryStatus = self
            .status
            .parse()
            .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?;
        Ok(Repository {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            name: self.name,
            source: self.source,
            default_branch: self.default_branch,
            indexed_commit: self.indexed_commit,
            file_count: self.file_count,
            chunk_count: self.chunk_count,
            symbol_count: self.symbol_count,
            status,
            error: self.error,
            progress_done: self.progress_done,
            progress_total: self.progress_total,
            index_task_id: self.index_task_id.map(Into::into),
            index_generation: self.index_generation,
            created_by: self.created_by.map(Into::into),
            created_at: self.created_at,
            updated_at: self.updated_at,
            indexed_at: self.indexed_at,
        })
    }
}

/// Implements `RepositoryStore` for `$store` over `$db`. `$queries` names the
/// sibling module where `impl_store!` was instantiated (its `audit_in`
/// writes the audit entries in the same transaction).
macro_rules! impl_repository_store {
    ($store:ty, $db:ty, $queries:ident) => {
        use super::$queries::audit_in;
        use $crate::repositories_sql::{RepositoryRow, REPOSITORY_COLUMNS};
        use $crate::rows::now;
        use $crate::sql::Scope;
        use $crate::traits::RepositoryStore;
        use $crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use morningai_core::{
            NewRepository, Repository, RepositoryId, RepositoryIndexed, RepositoryStatus, TaskId,
            TenantCtx, TenantId,
        };

        type Tx = sqlx::Transaction<'static, $db>;

        async fn repository_in(
            tx: &mut Tx,
            tenant: TenantId,
            id: RepositoryId,
        ) -> StoreResult<Option<Repository>> {
            sqlx::query_as::<_, RepositoryRow>(&format!(
                "SELECT {REPOSITORY_COLUMNS} FROM repositories WHERE tenant_id = $1 AND id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(RepositoryRow::into_domain)
            .transpose()
        }

        #[async_trait]
        impl RepositoryStore for $store {
            async fn create_repository(
                &self,
                ctx: &TenantCtx,
                repo: &NewRepository,
            ) -> StoreResult<Repository> {
                let id = RepositoryId::new();
                let at = now();
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                if let Some(limit) = repo.limit {
                    <$store>::lock_tenant(&mut tx, ctx.tenant_id, "morningai.repositories").await?;
                    let (count,): (i64,) =
                        sqlx::query_as("SELECT COUNT(*) FROM repositories WHERE tenant_id = $1")
                            .bind(ctx.tenant_id.0)
                            .fetch_one(&mut *tx)
                            .await?;
                    if count >= i64::from(limit) {
                        return Err(StoreError::QuotaExceeded(format!(
                            "this tenant may have {limit} repositories, and has; \
                             remove one or ask the operator for a larger quota"
                        )));
                    }
                }
                let created = sqlx::query_as::<_, RepositoryRow>(&format!(
                    "INSERT INTO repositories (id, tenant_id, name, source, status, created_by, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
                     RETURNING {REPOSITORY_COLUMNS}"
                ))
                .bind(id.0)
                .bind(ctx.tenant_id.0)
                .bind(&repo.name)
                .bind(&repo.source)
                .bind(RepositoryStatus::Pending.as_str())
                .bind(ctx.user_id.0)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::unique_as("a repository with this name"))?
                .into_domain()?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "repository.create",
                    Some(&id.to_string()),
                    serde_json::json!({ "name": repo.name, "source": repo.source }),
                )
                .await?;
                tx.commit().await?;
                Ok(created)
            }

            async fn repositories(&self, tenant: TenantId) -> StoreResult<Vec<Repository>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, RepositoryRow>(&format!(
                    "SELECT {REPOSITORY_COLUMNS} FROM repositories WHERE tenant_id = $1 ORDER BY name, id"
                ))
                .bind(tenant.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(RepositoryRow::into_domain).collect()
            }

            async fn repository(
                &self,
                tenant: TenantId,
                id: RepositoryId,
            ) -> StoreResult<Option<Repository>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let repo = repository_in(&mut tx, tenant, id).await?;
                tx.commit().await?;
                Ok(repo)
            }

            async fn delete_repository(
                &self,
                ctx: &TenantCtx,
                id: RepositoryId,
            ) -> StoreResult<Repository> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let repo = sqlx::query_as::<_, RepositoryRow>(&format!(
                    "DELETE FROM repositories WHERE tenant_id = $1 AND id = $2 RETURNING {REPOSITORY_COLUMNS}"
                ))
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
                .into_domain()?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "repository.delete",
                    Some(&id.to_string()),
                    serde_json::json!({ "name": repo.name }),
                )
                .await?;
                tx.commit().await?;
                Ok(repo)
            }

            async fn request_repository_index(
                &self,
                tenant: TenantId,
                id: RepositoryId,
                generation: i64,
                task: TaskId,
            ) -> StoreResult<Repository> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                // Only the first request for this generation records its task.
                let updated = sqlx::query_as::<_, RepositoryRow>(&format!(
                    "UPDATE repositories SET index_generation = $3, index_task_id = $4, updated_at = $5
                     WHERE tenant_id = $1 AND id = $2 AND index_generation < $3
                     RETURNING {REPOSITORY_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(generation)
                .bind(task.0)
                .bind(now())
                .fetch_optional(&mut *tx)
                .await?;
                let repo = match updated {
                    Some(row) => row.into_domain()?,
                    None => repository_in(&mut tx, tenant, id).await?.ok_or(StoreError::NotFound)?,
                };
                tx.commit().await?;
                Ok(repo)
            }

            async fn start_repository_index(
                &self,
                tenant: TenantId,
                id: RepositoryId,
            ) -> StoreResult<Repository> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let repo = sqlx::query_as::<_, RepositoryRow>(&format!(
                    "UPDATE repositories SET status = $3, error = NULL, progress_done = 0,
                         progress_total = 0, updated_at = $4
                     WHERE tenant_id = $1 AND id = $2
                     RETURNING {REPOSITORY_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(RepositoryStatus::Indexing.as_str())
                .bind(now())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
                .into_domain()?;
                tx.commit().await?;
                Ok(repo)
            }

            async fn repository_index_progress(
                &self,
                tenant: TenantId,
                id: RepositoryId,
                done: i64,
                total: i64,
            ) -> StoreResult<()> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing().relaxed()).await?;
                sqlx::query(
                    "UPDATE repositories SET progress_done = $3, progress_total = $4
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(done.max(0))
                .bind(total.max(0))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn finish_repository_index(
                &self,
                tenant: TenantId,
                id: RepositoryId,
                indexed: &RepositoryIndexed,
            ) -> StoreResult<Repository> {
                let at = now();
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let repo = sqlx::query_as::<_, RepositoryRow>(&format!(
                    "UPDATE repositories SET status = $3, error = NULL, indexed_commit = $4,
                         default_branch = $5, file_count = $6, chunk_count = $7, symbol_count = $8,
                         indexed_at = $9, updated_at = $9, progress_done = progress_total
                     WHERE tenant_id = $1 AND id = $2
                     RETURNING {REPOSITORY_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(RepositoryStatus::Ready.as_str())
                .bind(&indexed.commit)
                .bind(&indexed.default_branch)
                .bind(indexed.file_count.max(0))
                .bind(indexed.chunk_count.max(0))
                .bind(indexed.symbol_count.max(0))
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
                .into_domain()?;
                tx.commit().await?;
                Ok(repo)
            }

            async fn fail_repository_index(
                &self,
                tenant: TenantId,
                id: RepositoryId,
                error: &str,
            ) -> StoreResult<Repository> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let repo = sqlx::query_as::<_, RepositoryRow>(&format!(
                    "UPDATE repositories SET status = $3, error = $4, updated_at = $5
                     WHERE tenant_id = $1 AND id = $2
                     RETURNING {REPOSITORY_COLUMNS}"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(RepositoryStatus::Failed.as_str())
                .bind(error)
                .bind(now())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
                .into_domain()?;
                tx.commit().await?;
                Ok(repo)
            }
        }
    };
}

pub(crate) use impl_repository_store;

//! Documents and their versions, written once for both backends like
//! `sql.rs`. Every query filters on `tenant_id` explicitly (the isolation on
//! SQLite; on PostgreSQL it sits on top of RLS).

use morningai_core::{Document, DocumentVersion, DocumentVersionInfo, Publication};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreResult;

/// A document with its latest version's facts and its repository's name.
pub(crate) const DOCUMENT_SELECT: &str =
    "SELECT d.id, d.tenant_id, d.repository_id, r.name AS repository, d.question, d.title,
            d.slug, d.latest_version, v.commit_sha, v.model, v.claims_checked, v.claims_removed,
            d.created_at, d.updated_at
     FROM documents d
     JOIN repositories r ON r.id = d.repository_id
     JOIN document_versions v ON v.document_id = d.id AND v.version = d.latest_version";

pub(crate) const VERSION_INFO_COLUMNS: &str =
    "document_id, version, commit_sha, task_id, trace_id, model, claims_checked, claims_removed, \
     publication, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct DocumentRow {
    id: Uuid,
    tenant_id: Uuid,
    repository_id: Uuid,
    repository: String,
    question: String,
    title: String,
    slug: String,
    latest_version: i64,
    commit_sha: String,
    model: String,
    claims_checked: i64,
    claims_removed: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl DocumentRow {
    pub fn into_domain(self) -> Document {
        Document {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            repository_id: self.repository_id.into(),
            repository: self.repository,
            question: self.question,
            title: self.title,
            slug: self.slug,
            latest_version: self.latest_version,
            commit: self.commit_sha,
            model: self.model,
            claims_checked: self.claims_checked,
            claims_removed: self.claims_removed,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionInfoRow {
    document_id: Uuid,
    version: i64,
    commit_sha: String,
    task_id: Uuid,
    trace_id: Uuid,
    model: String,
    claims_checked: i64,
    claims_removed: i64,
    publication: Option<Json<Publication>>,
    created_at: OffsetDateTime,
}

impl VersionInfoRow {
    pub fn into_domain(self) -> DocumentVersionInfo {
        DocumentVersionInfo {
            document_id: self.document_id.into(),
            version: self.version,
            commit: self.commit_sha,
            task_id: self.task_id.into(),
            trace_id: self.trace_id,
            model: self.model,
            claims_checked: self.claims_checked,
            claims_removed: self.claims_removed,
            publication: self.publication.map(|p| p.0),
            created_at: self.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    #[sqlx(flatten)]
    info: VersionInfoRow,
    markdown: String,
    manifest: Json<serde_json::Value>,
    report: Json<serde_json::Value>,
}

impl VersionRow {
    pub fn into_domain(self) -> StoreResult<DocumentVersion> {
        Ok(DocumentVersion {
            info: self.info.into_domain(),
            markdown: self.markdown,
            manifest: self.manifest.0,
            report: self.report.0,
        })
    }
}

/// Implements `DocumentStore` for `$store` over `$db`. `$queries` names the
/// sibling module where `impl_store!` was instantiated (its `audit_in`
/// writes the audit entries in the same transaction).
macro_rules! impl_document_store {
    ($store:ty, $db:ty, $queries:ident) => {
        use super::$queries::audit_in;
        use $crate::documents_sql::{
            DocumentRow, VersionInfoRow, VersionRow, DOCUMENT_SELECT, VERSION_INFO_COLUMNS,
        };
        use $crate::rows::now;
        use $crate::sql::Scope;
        use $crate::traits::DocumentStore;
        use $crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use morningai_core::{
            question_key, Document, DocumentId, DocumentVersion, DocumentVersionInfo,
            NewDocumentVersion, Publication, RepositoryId, TenantCtx, TenantId,
        };
        use sqlx::types::Json;
        use time::OffsetDateTime;

        type Tx = sqlx::Transaction<'static, $db>;

        async fn document_in(
            tx: &mut Tx,
            tenant: TenantId,
            id: DocumentId,
        ) -> StoreResult<Option<Document>> {
            Ok(sqlx::query_as::<_, DocumentRow>(&format!(
                "{DOCUMENT_SELECT} WHERE d.tenant_id = $1 AND d.id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .map(DocumentRow::into_domain))
        }

        #[async_trait]
        impl DocumentStore for $store {
            async fn save_document_version(
                &self,
                tenant: TenantId,
                new: &NewDocumentVersion,
            ) -> StoreResult<(Document, i64)> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let saved: Option<(uuid::Uuid, i64)> = sqlx::query_as(
                    "SELECT document_id, version FROM document_versions
                     WHERE tenant_id = $1 AND task_id = $2",
                )
                .bind(tenant.0)
                .bind(new.task_id.0)
                .fetch_optional(&mut *tx)
                .await?;
                let (id, version) = match saved {
                    Some(found) => found,
                    None => {
                        let at = now();
                        // The first save creates the document; later ones
                        // bump its version under the row's lock.
                        // Only onto one of the tenant's own repositories (a
                        // foreign key alone would accept another tenant's).
                        let (id, version): (uuid::Uuid, i64) = sqlx::query_as(
                            "INSERT INTO documents (id, tenant_id, repository_id, question,
                                 question_key, title, slug, latest_version, created_at, updated_at)
                             SELECT $1, $2, r.id, $4, $5, $6, $7, 1, $8, $8
                             FROM repositories r WHERE r.tenant_id = $2 AND r.id = $3
                             ON CONFLICT (tenant_id, repository_id, question_key) DO UPDATE
                             SET latest_version = documents.latest_version + 1,
                                 question = excluded.question, title = excluded.title,
                                 slug = excluded.slug, updated_at = excluded.updated_at
                             RETURNING id, latest_version",
                        )
                        .bind(DocumentId::new().0)
                        .bind(tenant.0)
                        .bind(new.repository_id.0)
                        .bind(&new.question)
                        .bind(question_key(&new.question))
                        .bind(&new.title)
                        .bind(&new.slug)
                        .bind(at)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                        sqlx::query(
                            "INSERT INTO document_versions (document_id, tenant_id, version,
                                 commit_sha, task_id, trace_id, model, markdown, manifest, report,
                                 claims_checked, claims_removed, created_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                        )
                        .bind(id)
                        .bind(tenant.0)
                        .bind(version)
                        .bind(&new.commit)
                        .bind(new.task_id.0)
                        .bind(new.trace_id)
                        .bind(&new.model)
                        .bind(&new.markdown)
                        .bind(Json(&new.manifest))
                        .bind(Json(&new.report))
                        .bind(new.claims_checked)
                        .bind(new.claims_removed)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                        (id, version)
                    }
                };
                let document = document_in(&mut tx, tenant, id.into())
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await?;
                Ok((document, version))
            }

            async fn documents(
                &self,
                tenant: TenantId,
                repository: Option<RepositoryId>,
                before: Option<DocumentId>,
                limit: i64,
            ) -> StoreResult<Vec<Document>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, DocumentRow>(&format!(
                    "{DOCUMENT_SELECT}
                     WHERE d.tenant_id = $1
                       AND ($2 IS NULL OR d.repository_id = $2)
                       AND ($3 IS NULL OR d.id < $3)
                     ORDER BY d.id DESC LIMIT $4"
                ))
                .bind(tenant.0)
                .bind(repository.map(|r| r.0))
                .bind(before.map(|d| d.0))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(DocumentRow::into_domain).collect())
            }

            async fn document(
                &self,
                tenant: TenantId,
                id: DocumentId,
            ) -> StoreResult<Option<Document>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let document = document_in(&mut tx, tenant, id).await?;
                tx.commit().await?;
                Ok(document)
            }

            async fn document_version(
                &self,
                tenant: TenantId,
                id: DocumentId,
                version: Option<i64>,
            ) -> StoreResult<Option<DocumentVersion>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let row = sqlx::query_as::<_, VersionRow>(&format!(
                    "SELECT {VERSION_INFO_COLUMNS}, markdown, manifest, report
                     FROM document_versions
                     WHERE tenant_id = $1 AND document_id = $2
                       AND ($3 IS NULL OR version = $3)
                     ORDER BY version DESC LIMIT 1"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(VersionRow::into_domain).transpose()
            }

            async fn document_versions(
                &self,
                tenant: TenantId,
                id: DocumentId,
            ) -> StoreResult<Vec<DocumentVersionInfo>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let rows = sqlx::query_as::<_, VersionInfoRow>(&format!(
                    "SELECT {VERSION_INFO_COLUMNS} FROM document_versions
                     WHERE tenant_id = $1 AND document_id = $2 ORDER BY version DESC"
                ))
                .bind(tenant.0)
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(VersionInfoRow::into_domain).collect())
            }

            async fn delete_document(
                &self,
                ctx: &TenantCtx,
                id: DocumentId,
            ) -> StoreResult<Document> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let document = document_in(&mut tx, ctx.tenant_id, id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                sqlx::query("DELETE FROM documents WHERE tenant_id = $1 AND id = $2")
                    .bind(ctx.tenant_id.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "document.delete",
                    Some(&id.to_string()),
                    serde_json::json!({
                        "question": document.question,
                        "repository_id": document.repository_id,
                        "versions": document.latest_version,
                    }),
                )
                .await?;
                tx.commit().await?;
                Ok(document)
            }

            async fn record_publication(
                &self,
                tenant: TenantId,
                id: DocumentId,
                version: i64,
                publication: &Publication,
            ) -> StoreResult<()> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                let updated = sqlx::query(
                    "UPDATE document_versions SET publication = $4, published_at = $5
                     WHERE tenant_id = $1 AND document_id = $2 AND version = $3",
                )
                .bind(tenant.0)
                .bind(id.0)
                .bind(version)
                .bind(Json(publication))
                .bind(publication.published_at)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn reserve_publication(
                &self,
                tenant: TenantId,
                key: &str,
                since_ms: i64,
                now_ms: i64,
                max: i64,
            ) -> StoreResult<bool> {
                let mut tx = self.begin(Scope::tenant(tenant, None).writing()).await?;
                // The tenant's reservations take turns: the count below is
                // then the truth until this commits.
                <$store>::lock_tenant(&mut tx, tenant, "morningai.publications").await?;
                let (mine,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM publication_slots WHERE tenant_id = $1 AND key = $2",
                )
                .bind(tenant.0)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
                if mine > 0 {
                    tx.commit().await?;
                    return Ok(true);
                }
                let (recent,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM publication_slots
                     WHERE tenant_id = $1 AND reserved_at_ms >= $2",
                )
                .bind(tenant.0)
                .bind(since_ms)
                .fetch_one(&mut *tx)
                .await?;
                if recent >= max {
                    tx.commit().await?;
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO publication_slots (tenant_id, key, reserved_at_ms) VALUES ($1, $2, $3)",
                )
                .bind(tenant.0)
                .bind(key)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn publications_since(
                &self,
                tenant: TenantId,
                since: OffsetDateTime,
            ) -> StoreResult<i64> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let (count,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM document_versions
                     WHERE tenant_id = $1 AND published_at IS NOT NULL AND published_at >= $2",
                )
                .bind(tenant.0)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(count)
            }
        }
    };
}

pub(crate) use impl_document_store;

//! Tenants' credentials, written once for both backends like `faqs_sql.rs`.
//! Every query filters on `tenant_id` explicitly (the isolation on SQLite;
//! on PostgreSQL it sits on top of RLS). The store keeps the sealed bytes it
//! is given and hands them back only through `credential_secret`; sealing
//! and opening are the caller's (`morningai_core::SecretBox`).
//!
//! Timestamps are a macro argument, as in `faqs_sql.rs`: "the newest"
//! is decided by `created_at`, which on SQLite must be fixed-width text.

use morningai_core::Credential;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{StoreError, StoreResult};

pub(crate) const CREDENTIAL_COLUMNS: &str =
    "id, tenant_id, kind, host, username, label, created_by, created_at, last_used_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CredentialRow {
    id: Uuid,
    tenant_id: Uuid,
    kind: String,
    host: String,
    username: Option<String>,
    label: String,
    created_by: Option<Uuid>,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
}

impl CredentialRow {
    pub fn into_domain(self) -> StoreResult<Credential> {
        Ok(Credential {
            id: self.id.into(),
            tenant_id: self.tenant_id.into(),
            kind: self
                .kind
                .parse()
                .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?,
            host: self.host,
            username: self.username,
            label: self.label,
            created_by: self.created_by.map(Into::into),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
        })
    }
}

/// A credential with its sealed secret.
#[derive(sqlx::FromRow)]
pub(crate) struct SecretRow {
    #[sqlx(flatten)]
    credential: CredentialRow,
    secret: Vec<u8>,
}

impl SecretRow {
    pub fn into_domain(self) -> StoreResult<(Credential, Vec<u8>)> {
        Ok((self.credential.into_domain()?, self.secret))
    }
}

/// Implements `CredentialStore` for `$store` over `$db`. `$queries` names the
/// sibling module where `impl_store!` was instantiated (its `audit_in`
/// writes the audit entries in the same transaction); `$ts` turns a time
/// into what the backend binds (`ts_text` or `ts_native`).
macro_rules! impl_credential_store {
    ($store:ty, $db:ty, $queries:ident, $ts:path) => {
        use super::$queries::audit_in;
        use $crate::credentials_sql::{CredentialRow, SecretRow, CREDENTIAL_COLUMNS};
        use $crate::rows::now;
        use $crate::sql::Scope;
        use $crate::traits::CredentialStore;
        use $crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use morningai_core::{
            Credential, CredentialId, CredentialKind, NewCredential, TenantCtx, TenantId,
        };

        #[async_trait]
        impl CredentialStore for $store {
            async fn create_credential(
                &self,
                ctx: &TenantCtx,
                new: &NewCredential,
                sealed: &[u8],
            ) -> StoreResult<Credential> {
                new.validate()
                    .map_err(|e| StoreError::InvalidState(e.to_string()))?;
                if sealed.is_empty() {
                    return Err(StoreError::InvalidState(
                        "a credential needs its sealed secret".into(),
                    ));
                }
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let created = sqlx::query_as::<_, CredentialRow>(&format!(
                    "INSERT INTO credentials (id, tenant_id, kind, host, username, label, secret,
                         created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     RETURNING {CREDENTIAL_COLUMNS}"
                ))
                .bind(new.id.0)
                .bind(ctx.tenant_id.0)
                .bind(new.kind.as_str())
                .bind(&new.host)
                .bind(new.username.as_deref())
                .bind(&new.label)
                .bind(sealed)
                .bind(ctx.user_id.0)
                .bind($ts(now()))
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::unique_as("a credential with this id"))?
                .into_domain()?;
                // What it is and where it goes; never the secret.
                audit_in(
                    &mut tx,
                    ctx.tenant_id,
                    Some(ctx.user_id),
                    "credential.create",
                    Some(&new.id.to_string()),
                    serde_json::json!({
                        "kind": new.kind,
                        "host": new.host,
                        "label": new.label,
                    }),
                )
                .await?;
                tx.commit().await?;
                Ok(created)
            }

            async fn credentials(&self, ctx: &TenantCtx) -> StoreResult<Vec<Credential>> {
                let mut tx = self.begin(Scope::ctx(ctx)).await?;
                let rows = sqlx::query_as::<_, CredentialRow>(&format!(
                    "SELECT {CREDENTIAL_COLUMNS} FROM credentials WHERE tenant_id = $1
                     ORDER BY kind, host, created_at DESC, id DESC"
                ))
                .bind(ctx.tenant_id.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(CredentialRow::into_domain).collect()
            }

            async fn delete_credential(
                &self,
                ctx: &TenantCtx,
                id: CredentialId,
            ) -> StoreResult<()> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let removed = sqlx::query_as::<_, CredentialRow>(&format!(
                    "DELETE FROM credentials WHERE tenant_id = $1 AND id = $2
                     RETURNING {CREDENTIAL_COLUMNS}"
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
                    "credential.delete",
                    Some(&id.to_string()),
                    serde_json::json!({
                        "kind": removed.kind,
                        "host": removed.host,
                        "label": removed.label,
                    }),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn credential_secret(
                &self,
                tenant: TenantId,
                kind: CredentialKind,
                host: &str,
            ) -> StoreResult<Option<(Credential, Vec<u8>)>> {
                let host = host.trim().to_ascii_lowercase();
                // Losing `last_used_at` in a crash of the database loses nothing else.
                let mut tx = self
                    .begin(Scope::tenant(tenant, None).writing().relaxed())
                    .await?;
                let row = sqlx::query_as::<_, SecretRow>(&format!(
                    "UPDATE credentials SET last_used_at = $4
                     WHERE tenant_id = $1 AND id = (
                         SELECT id FROM credentials
                         WHERE tenant_id = $1 AND kind = $2 AND host = $3
                         ORDER BY created_at DESC, id DESC LIMIT 1)
                     RETURNING {CREDENTIAL_COLUMNS}, secret"
                ))
                .bind(tenant.0)
                .bind(kind.as_str())
                .bind(&host)
                .bind($ts(now()))
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(SecretRow::into_domain).transpose()
            }
        }
    };
}

pub(crate) use impl_credential_store;

//! The store's queries, written once for both backends.
//!
//! Both SQLite and PostgreSQL accept `$N` placeholders, and the row types in `rows` decode from either, so the only backend-specific parts
//! are how a transaction is opened for a scope ([`Scope`]) and how a tenant's
//! owners are locked; each backend provides those as inherent methods and then
//! instantiates [`impl_store!`]. Every tenant-owned query also filters on
//! `tenant_id` explicitly: that is the isolation on SQLite, and on PostgreSQL it
//! sits on top of row-level security.

use morningai_core::{TenantId, UserId};

/// What a transaction is allowed to see. On PostgreSQL these become the
/// per-transaction settings the RLS policies read; SQLite uses only `write`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Scope<'a> {
    pub tenant: Option<TenantId>,
    pub user: Option<UserId>,
    /// The hash of an API key being presented (finds that key's row only).
    pub key_hash: Option<&'a str>,
    /// The slug a public help-centre request names (finds that help
    /// centre's row only, and only while it is turned on).
    pub public_slug: Option<&'a str>,
    /// The transaction writes (SQLite routes it to its single writer).
    pub write: bool,
    /// Acting for every tenant (the queue's own work).
    pub system: bool,
    /// Commit without waiting for the log to reach disk (PostgreSQL's
    /// `synchronous_commit = off`; SQLite in WAL mode already works so). Only
    /// for writes whose loss in a crash of the database server itself means
    /// redoing work, never losing accepted work: run checkpoints (the node
    /// runs again) and progress events. A crashed worker loses nothing.
    pub relaxed: bool,
}

impl Scope<'_> {
    pub fn read() -> Self {
        Self::default()
    }

    pub fn write() -> Self {
        Self {
            write: true,
            ..Self::default()
        }
    }

    pub fn tenant(tenant: TenantId, user: Option<UserId>) -> Self {
        Self {
            tenant: Some(tenant),
            user,
            ..Self::default()
        }
    }

    pub fn ctx(ctx: &morningai_core::TenantCtx) -> Self {
        Self::tenant(ctx.tenant_id, Some(ctx.user_id))
    }

    pub fn writing(self) -> Self {
        Self {
            write: true,
            ..self
        }
    }

    /// See [`Scope::relaxed`].
    pub fn relaxed(self) -> Self {
        Self {
            relaxed: true,
            ..self
        }
    }

    /// Acting for every tenant (maintenance).
    pub fn system() -> Self {
        Self {
            system: true,
            ..Self::default()
        }
    }

    /// The scope of a job operation.
    pub fn jobs(scope: crate::JobScope) -> Self {
        match scope {
            crate::JobScope::System => Self {
                system: true,
                ..Self::default()
            },
            crate::JobScope::Tenant(t) => Self::tenant(t, None),
        }
    }
}

pub(crate) const MEMBER_COLUMNS: &str =
    "m.user_id, u.email, m.role, m.created_at AS joined_at FROM memberships m JOIN users u ON u.id = m.user_id";
pub(crate) const API_KEY_COLUMNS: &str =
    "id, tenant_id, user_id, name, prefix, role, created_at, last_used_at, revoked_at";

/// Implements every store trait for `$store` over database `$db`. `$store` must
/// provide `begin(&self, Scope) -> StoreResult<Transaction<'static, $db>>` and
/// `lock_owners(tx, TenantId) -> StoreResult<()>`.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        use $crate::rows::*;
        use $crate::sql::{Scope, API_KEY_COLUMNS, MEMBER_COLUMNS};
        use $crate::traits::*;
        use $crate::{StoreError, StoreResult};
        use async_trait::async_trait;
        use morningai_core::{
            ApiKey, ApiKeyId, AuditEntry, AuditId, Email, Member, Membership, Role, Session,
            SessionId, Tenant, TenantCtx, TenantId, User, UserId,
        };
        use sqlx::types::Json;
        use time::OffsetDateTime;

        type Tx = sqlx::Transaction<'static, $db>;

        /// Writes an audit entry in `tx`; visible to the backend module so the
        /// other stores (tasks) audit in their own transactions.
        pub(super) async fn audit_in(
            tx: &mut Tx,
            tenant: TenantId,
            actor: Option<UserId>,
            action: &str,
            target: Option<&str>,
            detail: serde_json::Value,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO audit_log (id, tenant_id, actor_user_id, action, target, detail, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(AuditId::new().0)
            .bind(tenant.0)
            .bind(actor.map(|u| u.0))
            .bind(action)
            .bind(target)
            .bind(Json(detail))
            .bind(now())
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn member_in(tx: &mut Tx, tenant: TenantId, user: UserId) -> StoreResult<Member> {
            sqlx::query_as::<_, MemberRow>(&format!(
                "SELECT {MEMBER_COLUMNS} WHERE m.tenant_id = $1 AND m.user_id = $2"
            ))
            .bind(tenant.0)
            .bind(user.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .into_domain()
        }

        /// Whether changing `user` away from owner would leave `tenant` without one.
        async fn would_orphan(tx: &mut Tx, tenant: TenantId, user: UserId) -> StoreResult<bool> {
            <$store>::lock_owners(tx, tenant).await?;
            let owners: Vec<uuid::Uuid> = sqlx::query_scalar(
                "SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner'",
            )
            .bind(tenant.0)
            .fetch_all(&mut **tx)
            .await?;
            Ok(owners == [user.0])
        }

        fn user_row(email: &Email, password_hash: &str) -> UserRow {
            UserRow {
                id: UserId::new().0,
                email: email.as_str().to_owned(),
                password_hash: password_hash.to_owned(),
                created_at: now(),
            }
        }

        async fn insert_user(tx: &mut Tx, row: &UserRow) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(row.id)
            .bind(&row.email)
            .bind(&row.password_hash)
            .bind(row.created_at)
            .execute(&mut **tx)
            .await
            .map_err(StoreError::unique_as("a user with this email"))?;
            Ok(())
        }

        #[async_trait]
        impl AccountStore for $store {
            async fn signup(
                &self,
                email: &Email,
                password_hash: &str,
                tenant_name: &str,
            ) -> StoreResult<Signup> {
                let tenant = Tenant {
                    id: TenantId::new(),
                    name: tenant_name.to_owned(),
                    created_at: now(),
                };
                let row = user_row(email, password_hash);
                let user_id = UserId(row.id);
                let mut tx = self.begin(Scope::tenant(tenant.id, Some(user_id)).writing()).await?;
                sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(tenant.id.0)
                    .bind(&tenant.name)
                    .bind(tenant.created_at)
                    .execute(&mut *tx)
                    .await?;
                insert_user(&mut tx, &row).await?;
                let membership = Membership {
                    tenant_id: tenant.id,
                    user_id,
                    role: Role::Owner,
                    created_at: tenant.created_at,
                };
                sqlx::query(
                    "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(tenant.id.0)
                .bind(user_id.0)
                .bind(Role::Owner.as_str())
                .bind(membership.created_at)
                .execute(&mut *tx)
                .await?;
                audit_in(&mut tx, tenant.id, Some(user_id), "tenant.create", Some(&tenant.name),
                    serde_json::json!({ "owner": email.as_str() })).await?;
                tx.commit().await?;
                Ok(Signup { tenant, user: row.into_domain()?, membership })
            }

            async fn create_user(&self, email: &Email, password_hash: &str) -> StoreResult<User> {
                let row = user_row(email, password_hash);
                let mut tx = self.begin(Scope::write()).await?;
                insert_user(&mut tx, &row).await?;
                tx.commit().await?;
                row.into_domain()
            }

            async fn user_credentials(&self, email: &Email) -> StoreResult<Option<UserCredentials>> {
                let mut tx = self.begin(Scope::read()).await?;
                let row = sqlx::query_as::<_, UserRow>(
                    "SELECT id, email, password_hash, created_at FROM users WHERE lower(email) = lower($1)",
                )
                .bind(email.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(|r| {
                    let password_hash = r.password_hash.clone();
                    Ok(UserCredentials { user: r.into_domain()?, password_hash })
                })
                .transpose()
            }

            async fn has_users(&self) -> StoreResult<bool> {
                let mut tx = self.begin(Scope::read()).await?;
                let (any,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM users)")
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(any)
            }

            async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
                Ok(self.user_credentials(email).await?.map(|c| c.user))
            }

            async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
                let mut tx = self.begin(Scope::read()).await?;
                let row = sqlx::query_as::<_, UserRow>(
                    "SELECT id, email, password_hash, created_at FROM users WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(UserRow::into_domain).transpose()
            }

            async fn delete_user(&self, id: UserId) -> StoreResult<()> {
                // Only the user itself may delete its account (RLS on PostgreSQL).
                let scope = Scope { user: Some(id), ..Scope::write() };
                let mut tx = self.begin(scope).await?;
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<(Tenant, Membership)>> {
                let scope = Scope { user: Some(user), ..Scope::read() };
                let mut tx = self.begin(scope).await?;
                let rows = sqlx::query_as::<_, TenantMembershipRow>(
                    "SELECT m.tenant_id, m.user_id, m.role, m.created_at,
                            t.name AS tenant_name, t.created_at AS tenant_created_at
                     FROM memberships m JOIN tenants t ON t.id = m.tenant_id
                     WHERE m.user_id = $1 ORDER BY m.created_at, m.tenant_id",
                )
                .bind(user.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(TenantMembershipRow::into_domain).collect()
            }
        }

        #[async_trait]
        impl SessionStore for $store {
            async fn create_session(
                &self,
                tenant: TenantId,
                user: UserId,
                expires_at: OffsetDateTime,
            ) -> StoreResult<Session> {
                let session = Session {
                    id: SessionId::new(),
                    tenant_id: tenant,
                    user_id: user,
                    created_at: now(),
                    expires_at: to_micros(expires_at),
                    revoked_at: None,
                };
                let mut tx = self.begin(Scope::tenant(tenant, Some(user)).writing()).await?;
                sqlx::query(
                    "INSERT INTO sessions (id, tenant_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(session.id.0)
                .bind(tenant.0)
                .bind(user.0)
                .bind(session.created_at)
                .bind(session.expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(session)
            }

            async fn session(&self, tenant: TenantId, id: SessionId) -> StoreResult<Option<Session>> {
                let mut tx = self.begin(Scope::tenant(tenant, None)).await?;
                let row = sqlx::query_as::<_, SessionRow>(
                    "SELECT id, tenant_id, user_id, created_at, expires_at, revoked_at
                     FROM sessions WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.map(SessionRow::into_domain))
            }

            async fn revoke_session(&self, ctx: &TenantCtx, id: SessionId) -> StoreResult<()> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                sqlx::query(
                    "UPDATE sessions SET revoked_at = $3
                     WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
                )
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl TenantStore for $store {
            async fn tenant(&self, ctx: &TenantCtx) -> StoreResult<Tenant> {
                let mut tx = self.begin(Scope::ctx(ctx)).await?;
                let row = sqlx::query_as::<_, TenantRow>(
                    "SELECT id, name, created_at FROM tenants WHERE id = $1",
                )
                .bind(ctx.tenant_id.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(TenantRow::into_domain).ok_or(StoreError::NotFound)
            }

            async fn membership(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<Membership>> {
                let mut tx = self.begin(Scope::tenant(tenant, Some(user))).await?;
                let row = sqlx::query_as::<_, MembershipRow>(
                    "SELECT tenant_id, user_id, role, created_at FROM memberships
                     WHERE tenant_id = $1 AND user_id = $2",
                )
                .bind(tenant.0)
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(MembershipRow::into_domain).transpose()
            }

            async fn members(&self, ctx: &TenantCtx) -> StoreResult<Vec<Member>> {
                let mut tx = self.begin(Scope::ctx(ctx)).await?;
                let rows = sqlx::query_as::<_, MemberRow>(&format!(
                    "SELECT {MEMBER_COLUMNS} WHERE m.tenant_id = $1 ORDER BY m.created_at, u.email"
                ))
                .bind(ctx.tenant_id.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(MemberRow::into_domain).collect()
            }

            async fn add_member(&self, ctx: &TenantCtx, user: UserId, role: Role) -> StoreResult<Member> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                sqlx::query(
                    "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(ctx.tenant_id.0)
                .bind(user.0)
                .bind(role.as_str())
                .bind(now())
                .execute(&mut *tx)
                .await
                .map_err(StoreError::unique_as("this member"))?;
                let member = member_in(&mut tx, ctx.tenant_id, user).await?;
                audit_in(&mut tx, ctx.tenant_id, Some(ctx.user_id), "member.add",
                    Some(&user.to_string()), serde_json::json!({ "role": role })).await?;
                tx.commit().await?;
                Ok(member)
            }

            async fn set_member_role(&self, ctx: &TenantCtx, user: UserId, role: Role) -> StoreResult<Member> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let before = member_in(&mut tx, ctx.tenant_id, user).await?;
                if role != Role::Owner && would_orphan(&mut tx, ctx.tenant_id, user).await? {
                    return Err(StoreError::LastOwner);
                }
                sqlx::query("UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2")
                    .bind(ctx.tenant_id.0)
                    .bind(user.0)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?;
                let member = member_in(&mut tx, ctx.tenant_id, user).await?;
                audit_in(&mut tx, ctx.tenant_id, Some(ctx.user_id), "member.role",
                    Some(&user.to_string()), serde_json::json!({ "from": before.role, "to": role })).await?;
                tx.commit().await?;
                Ok(member)
            }

            async fn remove_member(&self, ctx: &TenantCtx, user: UserId) -> StoreResult<()> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let before = member_in(&mut tx, ctx.tenant_id, user).await?;
                if would_orphan(&mut tx, ctx.tenant_id, user).await? {
                    return Err(StoreError::LastOwner);
                }
                sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2")
                    .bind(ctx.tenant_id.0)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                // A removed member's keys stop working with the membership.
                sqlx::query(
                    "UPDATE api_keys SET revoked_at = $3
                     WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL",
                )
                .bind(ctx.tenant_id.0)
                .bind(user.0)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                audit_in(&mut tx, ctx.tenant_id, Some(ctx.user_id), "member.remove",
                    Some(&user.to_string()), serde_json::json!({ "role": before.role })).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl ApiKeyStore for $store {
            async fn create_api_key(&self, ctx: &TenantCtx, key: NewApiKey) -> StoreResult<ApiKey> {
                let api_key = ApiKey {
                    id: ApiKeyId::new(),
                    tenant_id: ctx.tenant_id,
                    user_id: ctx.user_id,
                    name: key.name,
                    prefix: key.prefix,
                    role: key.role,
                    created_at: now(),
                    last_used_at: None,
                    revoked_at: None,
                };
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                sqlx::query(
                    "INSERT INTO api_keys (id, tenant_id, user_id, name, prefix, key_hash, role, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(api_key.id.0)
                .bind(ctx.tenant_id.0)
                .bind(ctx.user_id.0)
                .bind(&api_key.name)
                .bind(&api_key.prefix)
                .bind(&key.key_hash)
                .bind(api_key.role.as_str())
                .bind(api_key.created_at)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::unique_as("an API key with this secret"))?;
                audit_in(&mut tx, ctx.tenant_id, Some(ctx.user_id), "api_key.create",
                    Some(&api_key.id.to_string()),
                    serde_json::json!({ "name": api_key.name, "role": api_key.role })).await?;
                tx.commit().await?;
                Ok(api_key)
            }

            async fn api_keys(&self, ctx: &TenantCtx) -> StoreResult<Vec<ApiKey>> {
                let mut tx = self.begin(Scope::ctx(ctx)).await?;
                let rows = sqlx::query_as::<_, ApiKeyRow>(&format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id"
                ))
                .bind(ctx.tenant_id.0)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(ApiKeyRow::into_domain).collect()
            }

            async fn api_key(&self, ctx: &TenantCtx, id: ApiKeyId) -> StoreResult<Option<ApiKey>> {
                let mut tx = self.begin(Scope::ctx(ctx)).await?;
                let row = sqlx::query_as::<_, ApiKeyRow>(&format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2"
                ))
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                row.map(ApiKeyRow::into_domain).transpose()
            }

            async fn revoke_api_key(&self, ctx: &TenantCtx, id: ApiKeyId) -> StoreResult<()> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3)
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(ctx.tenant_id.0)
                .bind(id.0)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                audit_in(&mut tx, ctx.tenant_id, Some(ctx.user_id), "api_key.revoke",
                    Some(&id.to_string()), serde_json::json!({})).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn authenticate_api_key(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
                let scope = Scope { key_hash: Some(key_hash), ..Scope::read() };
                let mut tx = self.begin(scope).await?;
                let row = sqlx::query_as::<_, ApiKeyRow>(&format!(
                    "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL"
                ))
                .bind(key_hash)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                let Some(key) = row.map(ApiKeyRow::into_domain).transpose()? else {
                    return Ok(None);
                };
                // Recording every use would put a write on every request; once a
                // minute is precise enough for "last used".
                let used_at = now();
                if key.last_used_at.is_some_and(|t| used_at - t < time::Duration::minutes(1)) {
                    return Ok(Some(key));
                }
                let mut tx = self.begin(Scope::tenant(key.tenant_id, Some(key.user_id)).writing()).await?;
                sqlx::query("UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2")
                    .bind(key.tenant_id.0)
                    .bind(key.id.0)
                    .bind(used_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(ApiKey { last_used_at: Some(used_at), ..key }))
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn record_audit(
                &self,
                ctx: &TenantCtx,
                action: &str,
                target: Option<&str>,
                detail: serde_json::Value,
            ) -> StoreResult<()> {
                let mut tx = self.begin(Scope::ctx(ctx).writing()).await?;
                audit_in(&mut tx, ctx.tenant_id, Some(ctx.user_id), action, target, detail).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_log(&self, ctx: &TenantCtx, limit: i64) -> StoreResult<Vec<AuditEntry>> {
                let mut tx = self.begin(Scope::ctx(ctx)).await?;
                let rows = sqlx::query_as::<_, AuditRow>(
                    "SELECT id, tenant_id, actor_user_id, action, target, detail, created_at
                     FROM audit_log WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(ctx.tenant_id.0)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(AuditRow::into_domain).collect())
            }
        }
    };
}

pub(crate) use impl_store;

//! The store interface, split by concern. Both backends implement every trait
//! and pass one conformance suite (`tests/it`).
//!
//! Methods that take a [`TenantCtx`] touch only that tenant's rows; mutating
//! ones write their audit entry in the same transaction.

use async_trait::async_trait;
use morningai_core::{
    ApiKey, ApiKeyId, AuditEntry, Email, Member, Membership, Role, Session, SessionId, Tenant,
    TenantCtx, TenantId, User, UserId,
};
use time::OffsetDateTime;

use crate::{Backend, StoreResult};

/// A user with the password hash, for verifying a log-in. Never serialised.
#[derive(Clone, Debug)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
}

/// A new API key: the caller generates the secret and passes only its hash.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub name: String,
    pub prefix: String,
    pub key_hash: String,
    pub role: Role,
}

/// What a tenant, a user and their owner membership look like after signup.
#[derive(Clone, Debug)]
pub struct Signup {
    pub tenant: Tenant,
    pub user: User,
    pub membership: Membership,
}

#[async_trait]
pub trait HealthStore: Send + Sync {
    fn backend(&self) -> Backend;
    /// The database answers a query.
    async fn ping(&self) -> StoreResult<()>;
    /// Every migration this build knows is applied, and none unknown.
    async fn migrations_current(&self) -> StoreResult<bool>;
}

/// Identities: users are global (one person, several tenants).
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates a tenant, its first user and the owner membership atomically.
    async fn signup(
        &self,
        email: &Email,
        password_hash: &str,
        tenant_name: &str,
    ) -> StoreResult<Signup>;
    async fn create_user(&self, email: &Email, password_hash: &str) -> StoreResult<User>;
    async fn user_credentials(&self, email: &Email) -> StoreResult<Option<UserCredentials>>;
    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>>;
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// Deletes a user; memberships, sessions and keys go with it.
    async fn delete_user(&self, id: UserId) -> StoreResult<()>;
    /// The tenants a user belongs to, oldest membership first.
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<(Tenant, Membership)>>;
}

/// Sessions: a signed token names one; logout revokes it.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create_session(
        &self,
        tenant: TenantId,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> StoreResult<Session>;
    async fn session(&self, tenant: TenantId, id: SessionId) -> StoreResult<Option<Session>>;
    async fn revoke_session(&self, ctx: &TenantCtx, id: SessionId) -> StoreResult<()>;
}

/// A tenant and its members.
#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn tenant(&self, ctx: &TenantCtx) -> StoreResult<Tenant>;
    /// The membership of `user` in `tenant`, if any: checked on every request,
    /// so a removed member's token stops working at once.
    async fn membership(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<Membership>>;
    async fn members(&self, ctx: &TenantCtx) -> StoreResult<Vec<Member>>;
    async fn add_member(&self, ctx: &TenantCtx, user: UserId, role: Role) -> StoreResult<Member>;
    /// Fails with `LastOwner` when it would demote the tenant's last owner.
    async fn set_member_role(
        &self,
        ctx: &TenantCtx,
        user: UserId,
        role: Role,
    ) -> StoreResult<Member>;
    /// Fails with `LastOwner` when it would remove the tenant's last owner.
    async fn remove_member(&self, ctx: &TenantCtx, user: UserId) -> StoreResult<()>;
}

/// API keys, stored as a hash and a short visible prefix.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    async fn create_api_key(&self, ctx: &TenantCtx, key: NewApiKey) -> StoreResult<ApiKey>;
    async fn api_keys(&self, ctx: &TenantCtx) -> StoreResult<Vec<ApiKey>>;
    async fn api_key(&self, ctx: &TenantCtx, id: ApiKeyId) -> StoreResult<Option<ApiKey>>;
    /// Revokes a key; revoking twice is not an error.
    async fn revoke_api_key(&self, ctx: &TenantCtx, id: ApiKeyId) -> StoreResult<()>;
    /// The live (unrevoked) key with this hash, marking it used.
    async fn authenticate_api_key(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;
}

/// The audit log: append-only.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn record_audit(
        &self,
        ctx: &TenantCtx,
        action: &str,
        target: Option<&str>,
        detail: serde_json::Value,
    ) -> StoreResult<()>;
    /// Newest first.
    async fn audit_log(&self, ctx: &TenantCtx, limit: i64) -> StoreResult<Vec<AuditEntry>>;
}

/// Everything the application needs from persistence.
pub trait Store:
    HealthStore + AccountStore + SessionStore + TenantStore + ApiKeyStore + AuditStore
{
}

impl<T> Store for T where
    T: HealthStore + AccountStore + SessionStore + TenantStore + ApiKeyStore + AuditStore
{
}

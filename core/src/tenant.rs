//! The tenant context every tenant-scoped operation carries.

use crate::{ApiKeyId, Role, SessionId, TenantId, UserId};

/// Who is acting, in which tenant, with which role. The store scopes every
/// query of a tenant-owned table to `tenant_id` (on PostgreSQL through RLS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantCtx {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    pub principal: Principal,
}

/// How the actor authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    Session(SessionId),
    ApiKey(ApiKeyId),
    /// Work done by the system itself (signup, background jobs).
    System,
}

impl TenantCtx {
    pub fn system(tenant_id: TenantId, user_id: UserId) -> Self {
        Self {
            tenant_id,
            user_id,
            role: Role::Owner,
            principal: Principal::System,
        }
    }
}

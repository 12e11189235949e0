//! Roles a member holds in a tenant, ordered by what they may do.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role. Ordered: `Viewer < Member < Admin < Owner`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Owners and admins manage members and keys.
    pub fn is_manager(self) -> bool {
        self >= Role::Admin
    }

    /// Whether a holder of `self` may grant or take away `other`: owners manage
    /// everyone, admins manage everyone below owner, others manage no one.
    pub fn can_manage(self, other: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => other < Role::Owner,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role `{0}` (expected owner, admin, member or viewer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_parsing() {
        assert!(
            Role::Owner > Role::Admin && Role::Admin > Role::Member && Role::Member > Role::Viewer
        );
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn who_manages_whom() {
        assert!(Role::Owner.can_manage(Role::Owner));
        assert!(Role::Admin.can_manage(Role::Admin));
        assert!(!Role::Admin.can_manage(Role::Owner));
        assert!(!Role::Member.can_manage(Role::Viewer));
    }
}

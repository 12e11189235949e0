//! Typed identifiers, so a `UserId` can never be passed where a `TenantId` is meant.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7), so ids sort by creation.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// A tenant: an organisation whose data is isolated from every other.
    TenantId
);
id_type!(
    /// A person who can sign in; may belong to several tenants.
    UserId
);
id_type!(
    /// An API key of a tenant.
    ApiKeyId
);
id_type!(
    /// A signed-in session (the `sid` of a session token).
    SessionId
);
id_type!(
    /// An audit log entry.
    AuditId
);
id_type!(
    /// A background job.
    JobId
);
id_type!(
    /// A task: one run of an agent graph.
    TaskId
);
id_type!(
    /// A checkpoint of a task's run.
    CheckpointId
);
id_type!(
    /// One recorded call to a chat or embedding model.
    ModelCallId
);
id_type!(
    /// A repository registered by a tenant for its agents to index and read.
    RepositoryId
);
id_type!(
    /// A document an agent wrote about a repository (all its versions).
    DocumentId
);
id_type!(
    /// An entry of a tenant's FAQ knowledge base (all its versions).
    FaqId
);
id_type!(
    /// A category of a tenant's FAQs (categories form a tree).
    FaqCategoryId
);
id_type!(
    /// One question asked of a tenant's FAQs, as logged.
    FaqQueryId
);
id_type!(
    /// A FAQ suggested from questions the FAQs did not answer.
    FaqSuggestionId
);
id_type!(
    /// A credential a tenant stored (a git token, an SSH key).
    CredentialId
);

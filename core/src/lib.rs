//! MorningAI's shared vocabulary: ids, domain types, the tenant context and
//! validated values. Every other crate speaks in these types.
//!
//! This crate does no I/O (beyond the random nonces `sealed` draws from the
//! operating system) and depends on no other crate of ours.

pub mod credential;
pub mod document;
pub mod email;
pub mod faq;
pub mod ids;
pub mod job;
pub mod model;
pub mod repository;
pub mod role;
pub mod sealed;
pub mod task;
pub mod tenant;
pub mod usage;

pub use credential::{
    credential_aad, normalize_host, Credential, CredentialError, CredentialKind, NewCredential,
    UnknownCredentialKind, DEFAULT_GIT_USERNAME,
};
pub use document::{
    question_key, Document, DocumentVersion, DocumentVersionInfo, NewDocumentVersion, Publication,
};
pub use email::{Email, EmailError};
pub use faq::{
    language_tag, normalize_tags, Faq, FaqAnalytics, FaqCategory, FaqCategoryPatch, FaqChanges,
    FaqError, FaqFeedback, FaqFilter, FaqImportItem, FaqPatch, FaqQueryLog, FaqSource, FaqStatus,
    FaqSuggestion, FaqSyncRow, FaqVersion, HelpCentre, HelpCentreSettings, ImportOutcome, NewFaq,
    NewFaqCategory, NewFaqFeedback, NewFaqQuery, NewFaqSuggestion, SuggestionStatus, TopQuery,
    UnknownFaqValue,
};
pub use ids::{
    ApiKeyId, AuditId, CheckpointId, CredentialId, DocumentId, FaqCategoryId, FaqId, FaqQueryId,
    FaqSuggestionId, JobId, ModelCallId, RepositoryId, SessionId, TaskId, TenantId, UserId,
};
pub use job::{now_ms, Job, JobStatus, NewJob, QueueCount, UnknownJobStatus, WorkerInfo};
pub use model::{ApiKey, AuditEntry, Member, Membership, Session, Tenant, User};
pub use repository::{
    NewRepository, Repository, RepositoryIndexed, RepositoryStatus, UnknownRepositoryStatus,
    REPOSITORY_NAME_MAX,
};
pub use role::{Role, UnknownRole};
pub use sealed::{SealError, SecretBox};
pub use task::{
    Approval, ApprovalStatus, Checkpoint, NewTask, Task, TaskEvent, TaskStatus, UnknownTaskStatus,
};
pub use tenant::{Principal, TenantCtx};
pub use usage::{
    exceeded_cap, Budget, BudgetPatch, CallKind, CallOutcome, MicroUsd, ModelCall, Spend,
    SpendHold, Spent, UsageReport, UsageTotals, SPEND_HOLD_TTL_MS,
};

//! The repositories API: register a repository (a directory on the server
//! or a git URL), watch it being indexed (an `index` task), index it again,
//! remove it with its files. Tenant-scoped like everything else: another
//! tenant's repository is a 404.

use axum::extract::State;
use axum::http::StatusCode;
use morningai_agents::index;
use morningai_core::{
    NewRepository, Repository, RepositoryId, RepositoryStatus, Role, Task, TaskId, TenantCtx,
    REPOSITORY_NAME_MAX,
};
use morningai_knowledge::layout::{index_dir, repository_dir, repository_git_dir};
use morningai_knowledge::{KnowledgeError, RepoSource, Scheme, SourcePolicy};
use morningai_orchestration::submit::RESERVED_KEY_PREFIX;
use morningai_orchestration::TaskRequest;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Auth, Json, Path, Query};
use super::{ApiError, ApiResult, AppState, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_repositories, create_repository))
        .routes(routes!(get_repository, delete_repository))
        .routes(routes!(index_repository))
        .routes(routes!(repository_file))
}

/// Largest file the file view returns.
const FILE_MAX_BYTES: usize = 2 * 1024 * 1024;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// Relative to the repository's root (`src/main.rs`).
    path: String,
    /// A commit id (7–40 hex digits); default the indexed commit.
    commit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RepositoryFile {
    repository_id: RepositoryId,
    path: String,
    commit: String,
    /// Detected from the path (`rust`, `typescript`, `markdown`…); null for plain text.
    language: Option<String>,
    text: String,
    line_count: usize,
}

/// A file of the repository at a commit (what documents cite): an indexed
/// file at the indexed commit, or any file at an earlier commit of a git
/// repository.
#[utoipa::path(get, path = "/api/repositories/{id}/file", tag = "repositories",
    params(("id" = RepositoryId, Path, description = "the repository's id"), FileQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RepositoryFile), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn repository_file(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<RepositoryId>,
    Query(q): Query<FileQuery>,
) -> ApiResult<Json<RepositoryFile>> {
    let path = valid_file_path(&q.path)?;
    if let Some(commit) = &q.commit {
        if !(7..=40).contains(&commit.len()) || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::validation("commit", "must be 7 to 40 hex digits"));
        }
    }
    let repo = load(&state, &ctx, id).await?;
    let indexed = repo.indexed_commit.clone().ok_or(ApiError::NotFound(
        "file (the repository is not indexed yet)",
    ))?;
    let repos_dir = state.config.repos_dir();
    let commit = q.commit.unwrap_or_else(|| indexed.clone());
    let wanted = (path.clone(), commit.clone());
    // Files of secrets are not shown, and look like files that do not exist.
    if morningai_knowledge::walk::is_secret_path(&path) {
        return Err(ApiError::NotFound("file"));
    }
    let too_large = |size: u64| {
        ApiError::validation(
            "path",
            format!(
                "the file is {size} bytes; the file view shows files up to {FILE_MAX_BYTES} bytes"
            ),
        )
    };
    let bytes = tokio::task::spawn_blocking(move || -> ApiResult<Option<Vec<u8>>> {
        let (path, commit) = wanted;
        let read = if indexed.starts_with(&commit) {
            let dir = index_dir(&repos_dir, repo.tenant_id, repo.id);
            let index = morningai_knowledge::RepoIndex::open(&dir).map_err(ApiError::internal)?;
            index.read_file(&path)
        } else {
            let (_, git_dir) =
                repository_git_dir(&repos_dir, &repo.source, repo.tenant_id, repo.id)
                    .map_err(ApiError::internal)?;
            let git = morningai_knowledge::GitRepo::new(git_dir);
            if !git.is_repository() {
                return Ok(None);
            }
            // The size is asked before a byte is read.
            git.read_file_at_most(&commit, &path, FILE_MAX_BYTES as u64)
                .map(|bytes| bytes.filter(|b| !morningai_knowledge::walk::holds_private_key(b)))
        };
        match read {
            Ok(bytes) => Ok(bytes),
            Err(KnowledgeError::TooLarge { size, .. }) => Err(too_large(size)),
            // An unknown commit or path reads as no object, not an error.
            Err(KnowledgeError::Git { .. }) => Ok(None),
            Err(e) => Err(ApiError::internal(e)),
        }
    })
    .await
    .map_err(ApiError::internal)??
    .ok_or(ApiError::NotFound("file"))?;
    if bytes.len() > FILE_MAX_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let language = morningai_knowledge::Language::detect(&path);
    Ok(Json(RepositoryFile {
        repository_id: id,
        line_count: text.lines().count(),
        language: (language != morningai_knowledge::Language::Text)
            .then(|| language.name().to_owned()),
        path,
        commit,
        text,
    }))
}

/// A relative path inside the repository ([`validate_path`]'s rules, not
/// starting with `-`).
///
/// [`validate_path`]: morningai_knowledge::publish::validate_path
fn valid_file_path(path: &str) -> ApiResult<String> {
    let path = path.trim();
    let refused = |why: &str| {
        ApiError::validation(
            "path",
            format!(
                "must be a file path relative to the repository's root, like src/main.rs ({why})"
            ),
        )
    };
    if path.len() > 1000 {
        return Err(refused("at most 1,000 characters"));
    }
    // It is given to git, which would read a leading `-` as an option.
    if path.starts_with('-') {
        return Err(refused("it must not start with '-'"));
    }
    morningai_knowledge::publish::validate_path(path).map_err(|e| match e {
        morningai_knowledge::KnowledgeError::InvalidPath { reason, .. } => refused(&reason),
        e => refused(&e.to_string()),
    })?;
    Ok(path.to_owned())
}

const SOURCE_MAX: usize = 2000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRepositoryRequest {
    /// 1–100 characters, unique in the tenant.
    name: String,
    /// A directory on the server (when the server allows it) or a git URL:
    /// `https://…`, `http://…`, `ssh://…`, `git@host:path`, `file://…`.
    /// Credentials in the URL are dropped: the server's configured token is used.
    source: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RepositoryCreated {
    repository: Repository,
    /// The first index run; watch it at `/api/tasks/{id}/events`.
    task_id: TaskId,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IndexAccepted {
    task_id: TaskId,
    /// False when a run of this repository was already queued or running
    /// (that run's task is returned).
    created: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RepositoryList {
    repositories: Vec<Repository>,
}

/// Register a repository and start indexing it.
#[utoipa::path(post, path = "/api/repositories", tag = "repositories", request_body = CreateRepositoryRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 202, body = RepositoryCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the name is taken"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "the tenant's repository or hourly task quota is used up")))]
async fn create_repository(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<CreateRepositoryRequest>,
) -> ApiResult<(StatusCode, Json<RepositoryCreated>)> {
    let ctx = auth.require(Role::Member)?;
    let name = valid_name(&req.name)?;
    let source = valid_source(&state.config.source_policy(), ctx.role, &req.source)?;
    let quota = state.config.usage.max_repositories;
    let repo = state
        .store
        .create_repository(
            ctx,
            &NewRepository {
                name,
                source,
                limit: (quota > 0).then_some(quota),
            },
        )
        .await?;
    let (task, _) = start_index(&state, ctx, &repo).await?;
    let repository = state
        .store
        .repository(ctx.tenant_id, repo.id)
        .await?
        .unwrap_or(repo);
    Ok((
        StatusCode::ACCEPTED,
        Json(RepositoryCreated {
            repository,
            task_id: task.id,
        }),
    ))
}

/// Your tenant's repositories, by name.
#[utoipa::path(get, path = "/api/repositories", tag = "repositories",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RepositoryList), (status = 401, body = ErrorBody)))]
async fn list_repositories(
    State(state): State<AppState>,
    Auth(ctx): Auth,
) -> ApiResult<Json<RepositoryList>> {
    let repositories = state.store.repositories(ctx.tenant_id).await?;
    Ok(Json(RepositoryList { repositories }))
}

/// One repository: source, default branch, indexed commit, file, chunk and
/// symbol counts, index status (with progress while indexing) and error,
/// and the latest index task.
#[utoipa::path(get, path = "/api/repositories/{id}", tag = "repositories",
    params(("id" = RepositoryId, Path, description = "the repository's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Repository), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_repository(
    State(state): State<AppState>,
    Auth(ctx): Auth,
    Path(id): Path<RepositoryId>,
) -> ApiResult<Json<Repository>> {
    let mut repo = load(&state, &ctx, id).await?;
    // A run that ended without reporting (canceled between its steps, or a
    // node that timed out) leaves the record `indexing`: show how it ended.
    if matches!(
        repo.status,
        RepositoryStatus::Indexing | RepositoryStatus::Pending
    ) {
        if let Some(task) = index_task(&state, &ctx, &repo).await? {
            if task.status.is_final() && task.status != morningai_core::TaskStatus::Done {
                repo.status = RepositoryStatus::Failed;
                repo.error = Some(
                    task.error
                        .unwrap_or_else(|| format!("the index task was {}", task.status)),
                );
            }
        }
    }
    Ok(Json(repo))
}

/// Index the repository again (its current commit; only changed files are
/// re-read). While a run is queued or running, that run is returned.
#[utoipa::path(post, path = "/api/repositories/{id}/index", tag = "repositories",
    params(("id" = RepositoryId, Path, description = "the repository's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 202, body = IndexAccepted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "the tenant's hourly task quota is used up")))]
async fn index_repository(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<RepositoryId>,
) -> ApiResult<(StatusCode, Json<IndexAccepted>)> {
    let ctx = auth.require(Role::Member)?;
    let repo = load(&state, ctx, id).await?;
    let (task, created) = start_index(&state, ctx, &repo).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(IndexAccepted {
            task_id: task.id,
            created,
        }),
    ))
}

/// Remove the repository, its checkout and its index. A run in progress is
/// asked to stop.
#[utoipa::path(delete, path = "/api/repositories/{id}", tag = "repositories",
    params(("id" = RepositoryId, Path, description = "the repository's id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "the tenant's hourly task quota is used up")))]
async fn delete_repository(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<RepositoryId>,
) -> ApiResult<StatusCode> {
    let ctx = auth.require(Role::Admin)?;
    let repo = state
        .store
        .delete_repository(ctx, id)
        .await
        .map_err(|e| match e {
            morningai_store::StoreError::NotFound => ApiError::NotFound("repository"),
            e => e.into(),
        })?;
    if let Some(task) = index_task(&state, ctx, &repo).await? {
        if !task.status.is_final() {
            if let Err(e) = state.store.request_task_cancel(ctx, task.id).await {
                tracing::warn!(error = %e, task_id = %task.id, "could not cancel the index run");
            }
        }
    }
    let dir = repository_dir(&state.config.repos_dir(), ctx.tenant_id, id);
    let removed = tokio::task::spawn_blocking(move || match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err((dir, e)),
        _ => Ok(()),
    })
    .await
    .map_err(ApiError::internal)?;
    if let Err((dir, e)) = removed {
        // The record is gone; leftover files are only disk space.
        tracing::warn!(error = %e, dir = %dir.display(), "could not remove the repository's files");
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn load(state: &AppState, ctx: &TenantCtx, id: RepositoryId) -> ApiResult<Repository> {
    state
        .store
        .repository(ctx.tenant_id, id)
        .await?
        .ok_or(ApiError::NotFound("repository"))
}

async fn index_task(
    state: &AppState,
    ctx: &TenantCtx,
    repo: &Repository,
) -> ApiResult<Option<Task>> {
    match repo.index_task_id {
        Some(id) => Ok(state.store.task(ctx.tenant_id, id).await?),
        None => Ok(None),
    }
}

/// Starts an index run unless one is queued or running (then returns it,
/// `false`). Two requests at once get the same task: both ask for the
/// next generation under the same idempotency key.
async fn start_index(
    state: &AppState,
    ctx: &TenantCtx,
    repo: &Repository,
) -> ApiResult<(Task, bool)> {
    if let Some(task) = index_task(state, ctx, repo).await? {
        if !task.status.is_final() {
            return Ok((task, false));
        }
    }
    let generation = repo.index_generation + 1;
    let request = TaskRequest {
        kind: index::KIND.into(),
        input: json!({ "repository_id": repo.id }),
        priority: 0,
        idempotency_key: Some(format!(
            "{RESERVED_KEY_PREFIX}index:{}:{generation}",
            repo.id
        )),
    };
    let (task, created) = state.runtime.submit(ctx, request).await?;
    state
        .store
        .request_repository_index(ctx.tenant_id, repo.id, generation, task.id)
        .await?;
    Ok((task, created))
}

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > REPOSITORY_NAME_MAX {
        return Err(ApiError::validation(
            "name",
            format!("must be 1 to {REPOSITORY_NAME_MAX} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Checks a source against the server's [`SourcePolicy`] and returns it as
/// stored: a URL without credentials, or a directory's canonical path. A
/// directory on the server is for admins only (and only inside the
/// operator's roots). Host names are resolved and checked when the
/// repository is checked out, every time, not here.
fn valid_source(policy: &SourcePolicy, role: Role, source: &str) -> ApiResult<String> {
    let source = source.trim();
    if source.is_empty() || source.len() > SOURCE_MAX || source.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "source",
            format!("must be a git URL or a directory, 1 to {SOURCE_MAX} characters"),
        ));
    }
    let admitted = policy
        .admit(source)
        .map_err(|e| ApiError::validation("source", e))?;
    let on_server = match &admitted {
        RepoSource::Local(_) => true,
        RepoSource::Url(url) => url.scheme() == Scheme::File,
    };
    if on_server && role < Role::Admin {
        return Err(ApiError::Forbidden(
            "only an admin may register a directory on the server".into(),
        ));
    }
    match admitted {
        RepoSource::Local(path) => path
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| ApiError::validation("source", "the path is not valid UTF-8")),
        RepoSource::Url(url) => Ok(url.as_git_argument().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_checked_by_the_policy() {
        let strict = SourcePolicy::default();
        assert_eq!(
            valid_source(&strict, Role::Member, " https://u:p@github.com/a/b.git ").unwrap(),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            valid_source(&strict, Role::Member, "git@github.com:a/b.git").unwrap(),
            "ssh://git@github.com/a/b.git"
        );
        for refused in [
            "file:///tmp",
            "/tmp",
            "ftp://example.com/x",
            "https:///x",
            "http://github.com/a/b",
            "https://169.254.169.254/latest/x",
            "",
        ] {
            assert!(
                valid_source(&strict, Role::Owner, refused).is_err(),
                "{refused}"
            );
        }
        let dir = std::env::temp_dir().canonicalize().unwrap();
        let rooted = SourcePolicy {
            local_roots: vec![dir.clone()],
            ..SourcePolicy::default()
        };
        let path = dir.to_str().unwrap();
        assert!(valid_source(&rooted, Role::Admin, path).is_ok());
        assert!(matches!(
            valid_source(&rooted, Role::Member, path),
            Err(ApiError::Forbidden(_))
        ));
        assert!(valid_source(&rooted, Role::Admin, "/definitely/not/here").is_err());
    }
}

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
use morningai_knowledge::RepoSource;
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
    let bytes = tokio::task::spawn_blocking(move || -> ApiResult<Option<Vec<u8>>> {
        let (path, commit) = wanted;
        if indexed.starts_with(&commit) {
            let dir = index_dir(&repos_dir, repo.tenant_id, repo.id);
            let index = morningai_knowledge::RepoIndex::open(&dir).map_err(ApiError::internal)?;
            return index.read_file(&path).map_err(ApiError::internal);
        }
        let (_, git_dir) = repository_git_dir(&repos_dir, &repo.source, repo.tenant_id, repo.id)
            .map_err(ApiError::internal)?;
        let git = morningai_knowledge::GitRepo::new(git_dir);
        if !git.is_repository() {
            return Ok(None);
        }
        // An unknown commit or path reads as no object, not an error.
        Ok(git.read_file_at(&commit, &path).unwrap_or(None))
    })
    .await
    .map_err(ApiError::internal)??
    .ok_or(ApiError::NotFound("file"))?;
    if bytes.len() > FILE_MAX_BYTES {
        return Err(ApiError::validation(
            "path",
            format!(
                "{path} is {} bytes; the file view shows files up to {FILE_MAX_BYTES} bytes",
                bytes.len()
            ),
        ));
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
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_repository(
    State(state): State<AppState>,
    auth: Auth,
    Json(req): Json<CreateRepositoryRequest>,
) -> ApiResult<(StatusCode, Json<RepositoryCreated>)> {
    let ctx = auth.require(Role::Member)?;
    let name = valid_name(&req.name)?;
    let local = state
        .config
        .allow_local_repositories()
        .then_some(state.config.knowledge.local_repository_roots.as_slice());
    let source = valid_source(&req.source, local).await?;
    let repo = state
        .store
        .create_repository(ctx, &NewRepository { name, source })
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
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
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
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
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
        idempotency_key: Some(format!("index:{}:{generation}", repo.id)),
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

/// Checks a source and returns it as stored: a URL without credentials, or
/// a directory's canonical path.
/// `local`: `None` when directories on the server are refused, else the
/// roots they must be inside (empty: anywhere).
async fn valid_source(source: &str, local: Option<&[std::path::PathBuf]>) -> ApiResult<String> {
    let allow_local = local.is_some();
    let source = source.trim();
    if source.is_empty() || source.len() > SOURCE_MAX || source.chars().any(char::is_control) {
        return Err(ApiError::validation(
            "source",
            format!("must be a git URL or a directory, 1 to {SOURCE_MAX} characters"),
        ));
    }
    let refused_local = || {
        ApiError::validation(
            "source",
            "this server does not index its own directories (MORNINGAI_ALLOW_LOCAL_REPOSITORIES is off); give an https:// or ssh:// git URL",
        )
    };
    match RepoSource::parse(source).map_err(|e| ApiError::validation("source", e))? {
        RepoSource::Url(url) => {
            let url = strip_credentials(&url);
            let scheme = url
                .split_once("://")
                .map(|(scheme, _)| scheme.to_ascii_lowercase());
            match scheme.as_deref() {
                // `git@host:path`: ssh.
                None => {}
                Some("https" | "http" | "ssh") => {}
                Some("file") if allow_local => {}
                Some("file") => return Err(refused_local()),
                Some(other) => {
                    return Err(ApiError::validation(
                        "source",
                        format!("unsupported URL scheme `{other}` (use https, http, ssh or file)"),
                    ))
                }
            }
            let host = url
                .split_once("://")
                .map_or(url.as_str(), |(_, rest)| rest)
                .split(['/', ':'])
                .next()
                .unwrap_or("");
            if scheme.as_deref() != Some("file") && host.rsplit('@').next().unwrap_or("").is_empty()
            {
                return Err(ApiError::validation("source", "the URL names no host"));
            }
            if scheme.as_deref() == Some("file") {
                let path = url.split_once("://").map_or("", |(_, p)| p);
                local_directory(std::path::Path::new(path), local.unwrap_or_default()).await?;
            }
            Ok(url)
        }
        RepoSource::Local(path) => {
            if !allow_local {
                return Err(refused_local());
            }
            let canonical = local_directory(&path, local.unwrap_or_default()).await?;
            canonical
                .to_str()
                .map(str::to_owned)
                .ok_or_else(|| ApiError::validation("source", "the path is not valid UTF-8"))
        }
    }
}

/// The canonical form of a directory on the server, which must be inside one
/// of `roots` (when there are any): symbolic links and `..` cannot lead out.
async fn local_directory(
    path: &std::path::Path,
    roots: &[std::path::PathBuf],
) -> ApiResult<std::path::PathBuf> {
    let canonical = tokio::fs::canonicalize(path).await.map_err(|_| {
        ApiError::validation(
            "source",
            format!("{} is not a directory on the server", path.display()),
        )
    })?;
    if !tokio::fs::metadata(&canonical)
        .await
        .is_ok_and(|m| m.is_dir())
    {
        return Err(ApiError::validation(
            "source",
            format!("{} is not a directory on the server", path.display()),
        ));
    }
    let mut inside = roots.is_empty();
    for root in roots {
        if let Ok(root) = tokio::fs::canonicalize(root).await {
            inside |= canonical.starts_with(root);
        }
    }
    if !inside {
        return Err(ApiError::validation(
                "source",
                format!(
                    "{} is outside the directories this server indexes (MORNINGAI_LOCAL_REPOSITORY_ROOTS)",
                    path.display()
                ),
            ));
    }
    Ok(canonical)
}

/// A URL without its secrets: no user information at all for HTTP(S) (the
/// configured token is used instead), no password for others (an ssh user
/// name such as `git@` is kept).
fn strip_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let http = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    match userinfo.split_once(':') {
        _ if http => format!("{scheme}://{host}{path}"),
        Some((user, _password)) => format!("{scheme}://{user}@{host}{path}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_stripped_from_urls() {
        assert_eq!(
            strip_credentials("https://user:tok@github.com/a/b.git"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("https://tok@github.com/a/b.git"),
            "https://github.com/a/b.git"
        );
        assert_eq!(
            strip_credentials("ssh://git:pw@example.com/a.git"),
            "ssh://git@example.com/a.git"
        );
        assert_eq!(
            strip_credentials("ssh://git@example.com/a.git"),
            "ssh://git@example.com/a.git"
        );
        assert_eq!(
            strip_credentials("https://github.com/a/b@c.git"),
            "https://github.com/a/b@c.git"
        );
        assert_eq!(
            strip_credentials("git@github.com:a/b.git"),
            "git@github.com:a/b.git"
        );
    }

    #[tokio::test]
    async fn sources_are_checked() {
        assert_eq!(
            valid_source(" https://u:p@github.com/a/b.git ", None)
                .await
                .unwrap(),
            "https://github.com/a/b.git"
        );
        assert!(valid_source("git@github.com:a/b.git", None).await.is_ok());
        assert!(valid_source("file:///tmp/x", None).await.is_err());
        assert!(valid_source("file:///tmp", Some(&[])).await.is_ok());
        assert!(valid_source("ftp://example.com/x", Some(&[]))
            .await
            .is_err());
        assert!(valid_source("https:///x", Some(&[])).await.is_err());
        assert!(valid_source("/", None).await.is_err());
        assert!(valid_source("/definitely/not/here", Some(&[]))
            .await
            .is_err());
        let dir = std::env::temp_dir();
        assert!(valid_source(dir.to_str().unwrap(), Some(&[])).await.is_ok());
        assert!(valid_source("", Some(&[])).await.is_err());
    }
}

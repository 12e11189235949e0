//! The `doc` graph's last two steps: `save` keeps the rendered document as
//! the next version of the tenant's document for the question, `publish`
//! commits it on a branch of the repository, pushes the branch, and opens a
//! pull request when a forge is configured.
//!
//! Both are safe to run again (a reclaimed job): the version is keyed by the
//! task, the branch by the trace id, and an existing branch from an earlier
//! attempt is reused instead of committed twice.

use morningai_core::{NewDocumentVersion, Publication, Repository, Role, TenantId};
use morningai_knowledge::forge::{forge_repository_from_url, NewPullRequest};
use morningai_knowledge::publish::{commit_file, push_branch, slugify, FileCommit};
use morningai_knowledge::{GitRepo, KnowledgeError, RemoteAccess, RepoSource};
use time::OffsetDateTime;

use super::graph::{fatal, DocState};
use crate::access::{forge_for, remote_access};
use crate::env::GraphEnv;
use morningai_orchestration::graph::{NodeCtx, NodeError};

fn store_error(what: &str, e: impl std::fmt::Display) -> NodeError {
    NodeError::Retryable(format!("{what}: {e}"))
}

/// Keeps the rendered document as a version of the question's document.
pub async fn save_node(
    env: &GraphEnv,
    mut s: DocState,
    ctx: &NodeCtx,
) -> Result<DocState, NodeError> {
    let markdown = s
        .markdown
        .clone()
        .ok_or_else(|| fatal("the render step left no document"))?;
    let report = s.report.clone().unwrap_or_default();
    let version = NewDocumentVersion {
        repository_id: s.repository_id,
        question: s.question.clone(),
        title: s.title.clone().unwrap_or_else(|| s.question.clone()),
        slug: slugify(&s.question),
        commit: s.commit.clone().unwrap_or_default(),
        task_id: ctx.task_id,
        trace_id: ctx.trace_id,
        model: s.model.clone().unwrap_or_default(),
        markdown,
        manifest: serde_json::to_value(s.manifest.clone().unwrap_or_default()).map_err(fatal)?,
        claims_checked: report.claims_checked as i64,
        claims_removed: report.removed_count() as i64,
        report: serde_json::to_value(&report).map_err(fatal)?,
    };
    let (document, number) = env
        .store
        .save_document_version(ctx.tenant_id, &version)
        .await
        .map_err(|e| match e {
            morningai_store::StoreError::NotFound => {
                fatal(format!("repository {} no longer exists", s.repository_id))
            }
            e => store_error("saving the document", e),
        })?;
    ctx.log(format!(
        "saved as version {number} of document {} ({})",
        document.id, document.title
    ));
    s.document_id = Some(document.id);
    s.version = Some(number);
    Ok(s)
}

/// `morningai/<first 8 of the trace id>-<slug>`: one branch per run.
pub fn branch_name(trace_id: uuid::Uuid, slug: &str) -> String {
    let trace = trace_id.simple().to_string();
    format!("morningai/{}-{slug}", &trace[..8])
}

/// The pull request's title: `docs: <question> (trace-id: <short>)`.
pub fn pull_request_title(question: &str, trace_id: uuid::Uuid) -> String {
    let trace = trace_id.simple().to_string();
    let question: String = question.chars().take(200).collect();
    format!("docs: {question} (trace-id: {})", &trace[..8])
}

/// Commits the document on its branch, pushes it, opens the pull request.
pub async fn publish_node(
    env: &GraphEnv,
    mut s: DocState,
    ctx: &NodeCtx,
) -> Result<DocState, NodeError> {
    let (Some(document_id), Some(version)) = (s.document_id, s.version) else {
        return Err(fatal("the save step left no document version"));
    };
    let repo = env
        .store
        .repository(ctx.tenant_id, s.repository_id)
        .await
        .map_err(|e| store_error("reading the repository", e))?
        .ok_or_else(|| fatal(format!("repository {} no longer exists", s.repository_id)))?;

    let slug = slugify(&s.question);
    let path = env.publish.path_template.replace("{slug}", &slug);
    let branch = branch_name(ctx.trace_id, &slug);
    let base = s
        .commit
        .clone()
        .ok_or_else(|| fatal("the document has no commit"))?;
    let message = format!(
        "{}\n\nWritten by MorningAI from {} at {base}.\nTrace-Id: {}\n",
        pull_request_title(&s.question, ctx.trace_id),
        repo.name,
        ctx.trace_id
    );
    let content = s.markdown.clone().unwrap_or_default();
    // Refused before anything is pushed.
    let forge_repo =
        pull_request_target(env, ctx, &repo, s.pull_request_repository.clone()).await?;
    reserve_publication(env, ctx.tenant_id, &branch).await?;
    let commit = commit_and_push(env, &repo, base, &path, &branch, content, message).await?;
    ctx.log(format!("committed {path} as {commit} on branch {branch}"));

    let pr = NewPullRequest {
        title: pull_request_title(&s.question, ctx.trace_id),
        head: branch.clone(),
        base: repo.default_branch.clone().unwrap_or_else(|| "main".into()),
        body: pull_request_body(&s, ctx),
    };
    let publication = open_pull_request(env, ctx, &repo, forge_repo, path, commit, pr).await?;
    env.store
        .record_publication(ctx.tenant_id, document_id, version, &publication)
        .await
        .map_err(|e| store_error("recording the publication", e))?;
    s.publication = Some(publication);
    Ok(s)
}

/// Where a pull request goes: the registered repository, or the one the
/// task names — which only an admin may do, since it spends a credential on
/// a repository the tenant did not register.
pub(crate) async fn pull_request_target(
    env: &GraphEnv,
    ctx: &NodeCtx,
    repo: &Repository,
    requested: Option<String>,
) -> Result<Option<String>, NodeError> {
    let registered = forge_repository_from_url(&repo.source);
    let Some(requested) = requested else {
        return Ok(registered);
    };
    if registered
        .as_deref()
        .is_some_and(|r| r.eq_ignore_ascii_case(&requested))
    {
        return Ok(Some(requested));
    }
    let task = env
        .store
        .task(ctx.tenant_id, ctx.task_id)
        .await
        .map_err(|e| store_error("reading the task", e))?;
    let submitter = task.and_then(|t| t.created_by);
    let role = match submitter {
        Some(user) => env
            .store
            .membership(ctx.tenant_id, user)
            .await
            .map_err(|e| store_error("reading the submitter's role", e))?
            .map(|m| m.role),
        None => None,
    };
    if role.is_some_and(|r| r >= Role::Admin) {
        return Ok(Some(requested));
    }
    Err(fatal(format!(
        "pull requests go to the registered repository ({}); only an admin may name another (pull_request_repository {requested})",
        registered.as_deref().unwrap_or("not on a forge")
    )))
}

/// Opens the pull request on `forge_repo` (from [`pull_request_target`]) for
/// a pushed branch when a credential for the forge allows it; the
/// publication either way.
pub(crate) async fn open_pull_request(
    env: &GraphEnv,
    ctx: &NodeCtx,
    repo: &Repository,
    forge_repo: Option<String>,
    path: String,
    commit: String,
    pr: NewPullRequest,
) -> Result<Publication, NodeError> {
    let forge = match &forge_repo {
        Some(target) => forge_for(env, ctx.tenant_id, repo, target)
            .await
            .map_err(fatal)?,
        None => None,
    };
    let mut publication = Publication {
        path,
        branch: pr.head.clone(),
        commit,
        pull_request_number: None,
        pull_request_url: None,
        published_at: OffsetDateTime::now_utc(),
    };
    match (&forge, forge_repo) {
        (Some(forge), Some(forge_repo)) => {
            // A retried run (its worker died after opening it) finds its own.
            let (opened, new) = forge
                .ensure_pull_request(&forge_repo, &pr)
                .await
                .map_err(|e| fatal(format!("opening the pull request on {forge_repo}: {e}")))?;
            if let Err(e) = forge
                .add_labels(&forge_repo, opened.number, &env.publish.labels)
                .await
            {
                // The pull request is open; a missing label does not undo it.
                ctx.log(format!("labelling pull request #{}: {e}", opened.number));
            }
            if new {
                ctx.log(format!("opened pull request {}", opened.html_url));
            } else {
                ctx.log(format!(
                    "pull request {} was already open for this branch",
                    opened.html_url
                ));
            }
            publication.pull_request_number = Some(opened.number);
            publication.pull_request_url = Some(opened.html_url);
        }
        (Some(_), None) => ctx.log(format!(
            "no pull request: {} is not on a forge (give pull_request_repository)",
            repo.source
        )),
        (None, _) => ctx.log(
            "no pull request: no credential of yours for the forge's host, and the operator's token is not granted for this repository",
        ),
    }
    Ok(publication)
}

/// Takes one of the tenant's publication slots for `branch` before anything
/// is pushed (documents and FAQs share `MORNINGAI_PUBLISH_PER_HOUR`); a
/// retried run reuses its own.
pub(crate) async fn reserve_publication(
    env: &GraphEnv,
    tenant: TenantId,
    branch: &str,
) -> Result<(), NodeError> {
    let now = morningai_core::now_ms();
    let max = i64::from(env.publish.max_per_hour);
    let reserved = env
        .store
        .reserve_publication(tenant, branch, now - 3_600_000, now, max)
        .await
        .map_err(|e| store_error("reserving a publication", e))?;
    if !reserved {
        return Err(fatal(format!(
            "publication rate limit reached: {max} publications started in the last hour (at most {max} per hour); the document is saved, publish it later"
        )));
    }
    Ok(())
}

/// [`commit_and_push_blocking`] on a blocking thread; the commit.
pub(crate) async fn commit_and_push(
    env: &GraphEnv,
    repo: &Repository,
    base: String,
    path: &str,
    branch: &str,
    content: String,
    message: String,
) -> Result<String, NodeError> {
    let source = RepoSource::parse(&repo.source).map_err(fatal)?;
    let access = remote_access(env, repo.tenant_id, repo, &source)
        .await
        .map_err(fatal)?;
    let env = env.clone();
    let repo = repo.clone();
    let (path, branch) = (path.to_owned(), branch.to_owned());
    tokio::task::spawn_blocking(move || {
        let change = FileCommit {
            base_commit: &base,
            branch: &branch,
            path: &path,
            content: content.as_bytes(),
            message: &message,
            author_name: &env.publish.author_name,
            author_email: &env.publish.author_email,
        };
        commit_and_push_blocking(&env, &repo, &change, &access)
    })
    .await
    .map_err(|e| fatal(format!("the publish thread stopped: {e}")))?
}

/// Commits onto the repository's git directory and pushes to its remote.
///
/// A local repository is its own remote: the branch is created in it (its
/// work tree, index and `HEAD` are not touched). A cloned one gets the
/// branch in the clone and pushes it to the URL with the configured
/// credentials.
fn commit_and_push_blocking(
    env: &GraphEnv,
    repo: &Repository,
    change: &FileCommit<'_>,
    access: &RemoteAccess,
) -> Result<String, NodeError> {
    let (source, git_dir) = env.git_dir(repo).map_err(fatal)?;
    let git = GitRepo::new(&git_dir);
    if !git.is_repository() {
        return Err(fatal(format!(
            "{} is not a git repository: only git repositories can be published to",
            repo.name
        )));
    }
    let branch = change.branch;
    let commit = match commit_file(&git, change) {
        Ok(commit) => commit,
        // An earlier attempt of this run made it (the name holds the trace id).
        Err(KnowledgeError::BranchExists(_)) => git
            .rev_parse(&format!("refs/heads/{branch}"))
            .map_err(fatal)?,
        Err(e) => return Err(fatal(e)),
    };
    if let RepoSource::Url(_) = &source {
        push_branch(&git, &source, branch, access).map_err(|e| {
            NodeError::Retryable(format!("pushing {branch} to {}: {e}", source.redacted()))
        })?;
    }
    Ok(commit)
}

fn pull_request_body(s: &DocState, ctx: &NodeCtx) -> String {
    let report = s.report.clone().unwrap_or_default();
    format!(
        "MorningAI answered **{}** about `{}` at `{}`.\n\n\
         Verification: {} claims checked, {} kept, {} removed; {} citations checked.\n\n\
         Model: `{}` · Task: `{}` · Trace ID: `{}`\n",
        s.question,
        s.repository.clone().unwrap_or_default(),
        s.commit.clone().unwrap_or_default(),
        report.claims_checked,
        report.claims_kept,
        report.removed_count(),
        report.citations_checked,
        s.model.clone().unwrap_or_default(),
        ctx.task_id,
        ctx.trace_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_and_title_carry_the_trace_id() {
        let trace = uuid::Uuid::parse_str("0190abcd-1234-7000-8000-000000000000").unwrap();
        assert_eq!(
            branch_name(trace, "what-is-it"),
            "morningai/0190abcd-what-is-it"
        );
        assert_eq!(
            pull_request_title("What is it?", trace),
            "docs: What is it? (trace-id: 0190abcd)"
        );
    }
}

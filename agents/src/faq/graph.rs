//! `faq`: FAQ entries drafted from a repository.
//! `prepare → questions → answer ⟲ (one question a step) → save →
//! approve? → publish? → END`.
//!
//! Input `{repository_id, question}` answers one question; `{repository_id,
//! count}` proposes that many questions a newcomer would ask and answers
//! them; with neither and `publish: true` it only publishes. Answers are
//! verified like documents (see [`super::generate`]); a near-duplicate of an
//! existing FAQ is merged into it (a generated draft gets the new answer as
//! a version; anything else is left alone), the rest become drafts
//! (`source: generated`, their evidence and trace id in `origin`). With
//! `require_approval` a person accepts the drafts (they are published) or
//! not (they stay drafts); `publish` commits the tenant's published FAQs to
//! `docs/FAQ.md` on a branch and opens a pull request titled with the
//! trace id.

use std::time::Duration;

use morningai_ai::ChatModel;
use morningai_core::{
    question_key, FaqCategoryId, FaqId, FaqPatch, FaqSource, FaqStatus, FaqSuggestionId, NewFaq,
    Publication, RepositoryId, RepositoryStatus, TenantCtx,
};
use morningai_knowledge::cosine;
use morningai_knowledge::forge::NewPullRequest;
use morningai_knowledge::publish::slugify;
use morningai_orchestration::graph::{
    Graph, NodeCtx, NodeError, NodeOutput, NodePolicy, END, START,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

use super::generate::{self, DraftAnswer, MAX_QUESTIONS};
use crate::doc::graph::{fatal, not_indexed, with_index};
use crate::doc::publish::{
    branch_name, commit_and_push, open_pull_request, pull_request_target, reserve_publication,
};
use crate::env::GraphEnv;

pub const KIND: &str = "faq";
/// Where published FAQs are committed unless the input says otherwise.
pub const DEFAULT_PATH: &str = "docs/FAQ.md";
/// Questions of this similarity (cosine of their embeddings) or more are
/// the same question asked twice.
pub const DUPLICATE_SIMILARITY: f32 = 0.9;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqTaskState {
    /// The repository the answers come from (required; it must be indexed).
    pub repository_id: RepositoryId,
    /// One question to answer (1–1,000 characters).
    #[serde(
        default,
        deserialize_with = "question",
        skip_serializing_if = "Option::is_none"
    )]
    pub question: Option<String>,
    /// How many questions to propose and answer (1–20).
    #[serde(
        default,
        deserialize_with = "count",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<usize>,
    /// The category new FAQs are filed under (and, when publishing, the
    /// only category published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<FaqCategoryId>,
    /// The FAQs' language tag (default `en`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The suggestion this task answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion_id: Option<FaqSuggestionId>,
    /// Ask a person to accept the drafts (accepting publishes them).
    #[serde(default)]
    pub require_approval: bool,
    /// Commit the published FAQs to `path` on a branch and open a pull request.
    #[serde(default)]
    pub publish: bool,
    /// Where in the repository (default `docs/FAQ.md`).
    #[serde(
        default,
        deserialize_with = "md_path",
        skip_serializing_if = "Option::is_none"
    )]
    pub path: Option<String>,
    /// `owner/name` on the forge for the pull request (default: from the
    /// repository's URL).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::doc::graph::forge_repository"
    )]
    pub pull_request_repository: Option<String>,

    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The questions to answer, once chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<String>>,
    /// How many of them have been answered (or dropped).
    #[serde(default)]
    pub answered: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drafts: Vec<DraftAnswer>,
    /// Questions nothing verifiable could be said about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// What became of each draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<Vec<SavedFaq>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<Publication>,
}

/// A draft as saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedFaq {
    pub faq_id: FaqId,
    pub question: String,
    /// `created` (a new draft), `merged` (a new version of a generated
    /// draft asking the same), `duplicate` (an FAQ asking the same exists;
    /// left alone).
    pub outcome: String,
}

fn question<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let q = Option::<String>::deserialize(d)?;
    if let Some(q) = &q {
        let n = q.trim().chars().count();
        if n == 0 || n > morningai_core::faq::FAQ_QUESTION_MAX {
            return Err(serde::de::Error::custom(
                "question must have 1 to 1000 characters",
            ));
        }
    }
    Ok(q.map(|q| q.trim().to_owned()))
}

fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let n = Option::<usize>::deserialize(d)?;
    if n.is_some_and(|n| !(1..=MAX_QUESTIONS).contains(&n)) {
        return Err(serde::de::Error::custom(format!(
            "count must be between 1 and {MAX_QUESTIONS}"
        )));
    }
    Ok(n)
}

/// A relative Markdown path inside the repository, never into `.git`.
fn md_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let p = Option::<String>::deserialize(d)?;
    if let Some(p) = &p {
        let ok = p.ends_with(".md")
            && p.len() <= 200
            && !p.starts_with('/')
            && p.split('/')
                .all(|part| !part.is_empty() && part != "." && part != ".." && part != ".git")
            && !p.contains(['\\', '\0']);
        if !ok {
            return Err(serde::de::Error::custom(
                "path must be a relative .md path inside the repository, like docs/FAQ.md",
            ));
        }
    }
    Ok(p)
}

pub fn graph(env: GraphEnv) -> Graph<FaqTaskState> {
    let quick = NodePolicy {
        timeout: Duration::from_secs(300),
        retries: 0,
        backoff: Duration::from_secs(1),
    };
    let model_policy = NodePolicy {
        timeout: Duration::from_secs(600),
        retries: 2,
        backoff: Duration::from_secs(2),
    };
    let (e1, e2, e3, e4, e5, e6) = (
        env.clone(),
        env.clone(),
        env.clone(),
        env.clone(),
        env.clone(),
        env,
    );
    Graph::builder(KIND)
        .node_with("prepare", quick, move |s, ctx| {
            let env = e1.clone();
            async move { prepare(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node_with("questions", model_policy, move |s, ctx| {
            let env = e2.clone();
            async move {
                choose_questions(&env, s, &ctx)
                    .await
                    .map(NodeOutput::Update)
            }
        })
        .node_with("answer", model_policy, move |s, ctx| {
            let env = e3.clone();
            async move { answer_next(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node_with("save", quick, move |s, ctx| {
            let env = e4.clone();
            async move { save(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .node_with("approve", quick, move |s: FaqTaskState, ctx| {
            let env = e5.clone();
            async move {
                match ctx.resume.clone() {
                    None => Ok(NodeOutput::Interrupt(json!({
                        "question": "Publish these FAQs?",
                        "drafts": s.drafts,
                        "saved": s.saved,
                        "dropped": s.dropped,
                    }))),
                    Some(decision) => approve(&env, s, &ctx, decision.approved)
                        .await
                        .map(NodeOutput::Update),
                }
            }
        })
        .node_with("publish", quick, move |s, ctx| {
            let env = e6.clone();
            async move { publish(&env, s, &ctx).await.map(NodeOutput::Update) }
        })
        .edge(START, "prepare")
        .route("prepare", &["questions", "publish"], |s| {
            if s.question.is_some() || s.count.is_some() {
                "questions"
            } else {
                "publish"
            }
        })
        .route("questions", &["answer", "save"], next_answer)
        .route("answer", &["answer", "save"], next_answer)
        .route("save", &["approve", "publish", END], |s| {
            if s.require_approval && s.saved.as_ref().is_some_and(|v| !v.is_empty()) {
                "approve"
            } else if s.publish {
                "publish"
            } else {
                END
            }
        })
        .route("approve", &["publish", END], |s| {
            if s.publish && s.approved == Some(true) {
                "publish"
            } else {
                END
            }
        })
        .edge("publish", END)
        .step_limit(100)
        .build()
        .expect("the faq graph is well-formed")
}

fn next_answer(s: &FaqTaskState) -> &'static str {
    if s.answered < s.questions.as_ref().map_or(0, Vec::len) {
        "answer"
    } else {
        "save"
    }
}

fn retryable(what: &str, e: impl std::fmt::Display) -> NodeError {
    NodeError::Retryable(format!("{what}: {e}"))
}

/// Checks the input and the repository; pins the indexed commit.
async fn prepare(
    env: &GraphEnv,
    mut s: FaqTaskState,
    ctx: &NodeCtx,
) -> Result<FaqTaskState, NodeError> {
    if s.question.is_some() && s.count.is_some() {
        return Err(fatal("give either question or count, not both"));
    }
    if s.question.is_none() && s.count.is_none() && !s.publish {
        return Err(fatal(
            "nothing to do: give a question, a count of questions to propose, or publish: true",
        ));
    }
    let language =
        morningai_core::language_tag(s.language.as_deref().unwrap_or("en")).map_err(fatal)?;
    s.language = Some(language);
    if let Some(category) = s.category_id {
        let known = env
            .store
            .categories(ctx.tenant_id)
            .await
            .map_err(|e| retryable("reading categories", e))?
            .iter()
            .any(|c| c.id == category);
        if !known {
            return Err(fatal(format!("FAQ category {category} not found")));
        }
    }
    let id = s.repository_id;
    let repo = env
        .store
        .repository(ctx.tenant_id, id)
        .await
        .map_err(|e| retryable("reading the repository", e))?
        .ok_or_else(|| fatal(format!("repository {id} not found")))?;
    let Some(indexed) = repo.indexed_commit.clone() else {
        return Err(not_indexed(id));
    };
    if repo.status != RepositoryStatus::Ready {
        return Err(not_indexed(id));
    }
    let commit = with_index(env, ctx, id, Some(indexed.clone()), |index| {
        Ok(index.commit().unwrap_or_default().to_owned())
    })
    .await?;
    if s.question.is_some() || s.count.is_some() {
        let chat = ctx.chat()?;
        s.model = Some(format!("{}/{}", chat.provider(), chat.model()));
    }
    ctx.log(format!("answering from {} at {commit}", repo.name));
    s.repository = Some(repo.name);
    s.commit = Some(commit);
    Ok(s)
}

async fn choose_questions(
    env: &GraphEnv,
    mut s: FaqTaskState,
    ctx: &NodeCtx,
) -> Result<FaqTaskState, NodeError> {
    if let Some(q) = &s.question {
        s.questions = Some(vec![q.clone()]);
        return Ok(s);
    }
    let count = s.count.unwrap_or(1);
    let name = s.repository.clone().unwrap_or_default();
    let (brief, from_facts) =
        with_index(env, ctx, s.repository_id, s.commit.clone(), move |index| {
            Ok((
                generate::brief(index, &name),
                generate::questions_from_facts(index, &name),
            ))
        })
        .await?;
    let chat = ctx.chat()?;
    let questions = generate::propose_questions(&brief, &from_facts, chat.as_ref(), count)
        .await
        .map_err(model_error)?;
    ctx.log(format!("questions: {}", questions.join(" | ")));
    s.questions = Some(questions);
    Ok(s)
}

fn model_error(e: crate::doc::DocError) -> NodeError {
    match e {
        crate::doc::DocError::Model(e) => NodeError::from(e),
        e => fatal(e),
    }
}

/// Answers the next question: evidence, the model's draft, verification.
async fn answer_next(
    env: &GraphEnv,
    mut s: FaqTaskState,
    ctx: &NodeCtx,
) -> Result<FaqTaskState, NodeError> {
    let Some(question) = s
        .questions
        .as_ref()
        .and_then(|q| q.get(s.answered))
        .cloned()
    else {
        return Ok(s);
    };
    let q = question.clone();
    let shown = with_index(env, ctx, s.repository_id, s.commit.clone(), move |index| {
        generate::evidence(&q, index)
            .map(|found| generate::shown(&found))
            .map_err(fatal)
    })
    .await?;
    let drafted = if shown.is_empty() {
        None
    } else {
        let chat = ctx.chat()?;
        let markdown = generate::draft(&question, &shown, chat.as_ref())
            .await
            .map_err(model_error)?;
        let q = question.clone();
        with_index(env, ctx, s.repository_id, s.commit.clone(), move |index| {
            generate::check(&q, &markdown, &shown, index).map_err(fatal)
        })
        .await?
    };
    // An answer from exactly the evidence of an earlier one answers the
    // same thing: saving both would only repeat it.
    let repeats = drafted.as_ref().and_then(|d| {
        s.drafts
            .iter()
            .find(|earlier| earlier.evidence == d.evidence)
            .map(|earlier| earlier.question.clone())
    });
    if let Some(earlier) = repeats {
        ctx.log(format!(
            "dropped \"{question}\": its answer would repeat the one to \"{earlier}\""
        ));
        s.dropped.push(question);
        s.answered += 1;
        return Ok(s);
    }
    match drafted {
        Some(draft) => {
            ctx.log(format!(
                "answered \"{question}\": {} of {} claims kept",
                draft.report.claims_kept, draft.report.claims_checked
            ));
            s.drafts.push(draft);
        }
        None => {
            ctx.log(format!("dropped \"{question}\": nothing verifiable to say"));
            s.dropped.push(question);
        }
    }
    s.answered += 1;
    Ok(s)
}

/// The acting user for writes: the task's creator.
async fn actor(env: &GraphEnv, ctx: &NodeCtx) -> Result<TenantCtx, NodeError> {
    let task = env
        .store
        .task(ctx.tenant_id, ctx.task_id)
        .await
        .map_err(|e| retryable("reading the task", e))?
        .ok_or_else(|| fatal("the task no longer exists"))?;
    let user = task
        .created_by
        .ok_or_else(|| fatal("the task has no creator to write FAQs as"))?;
    Ok(TenantCtx::system(ctx.tenant_id, user))
}

/// Saves each draft: merged into a generated draft asking the same, left
/// out when another FAQ asks the same, else a new draft.
async fn save(
    env: &GraphEnv,
    mut s: FaqTaskState,
    ctx: &NodeCtx,
) -> Result<FaqTaskState, NodeError> {
    if s.saved.is_some() {
        return Ok(s);
    }
    let actor = actor(env, ctx).await?;
    let existing = env
        .store
        .faq_changes_since(ctx.tenant_id, 0)
        .await
        .map_err(|e| retryable("reading the FAQs", e))?
        .upserted;
    // Embeddings of the drafts' questions, comparable with the stored ones
    // when the same model made them.
    let embedder = ctx.embedder();
    let vectors: Vec<Option<Vec<f32>>> = match &embedder {
        Some(e) if !s.drafts.is_empty() => {
            let texts: Vec<String> = s.drafts.iter().map(|d| d.question.clone()).collect();
            match e.embed_queries(&texts).await {
                Ok(r) => r.vectors.into_iter().map(Some).collect(),
                Err(err) => {
                    ctx.log(format!(
                        "duplicates by wording only: embedding failed: {err}"
                    ));
                    vec![None; s.drafts.len()]
                }
            }
        }
        _ => vec![None; s.drafts.len()],
    };
    let model = embedder.as_ref().map(|e| e.model().to_string());
    let mut saved: Vec<SavedFaq> = Vec::new();
    for (draft, vector) in s.drafts.iter().zip(&vectors) {
        let key = question_key(&draft.question);
        let same = existing.iter().find(|row| {
            question_key(&row.faq.question) == key
                || match (vector, &row.embedding, &row.embedding_model) {
                    (Some(v), Some(e), Some(m)) if Some(m) == model.as_ref() => {
                        cosine(v, e) >= DUPLICATE_SIMILARITY
                    }
                    _ => false,
                }
        });
        if saved.iter().any(|d| question_key(&d.question) == key) {
            continue;
        }
        let origin = json!({
            "task_id": ctx.task_id,
            "trace_id": ctx.trace_id,
            "repository_id": s.repository_id,
            "repository": s.repository,
            "commit": s.commit,
            "model": s.model,
            "evidence": draft.evidence,
            "verification": {
                "claims_checked": draft.report.claims_checked,
                "claims_kept": draft.report.claims_kept,
                "claims_removed": draft.report.removed_count(),
            },
        });
        let outcome = match same {
            Some(row)
                if row.faq.source == FaqSource::Generated && row.faq.status == FaqStatus::Draft =>
            {
                let patch = FaqPatch {
                    answer: Some(draft.answer.clone()),
                    ..FaqPatch::default()
                };
                env.store
                    .update_faq(&actor, row.faq.id, &patch)
                    .await
                    .map_err(|e| retryable("merging the draft", e))?;
                SavedFaq {
                    faq_id: row.faq.id,
                    question: row.faq.question.clone(),
                    outcome: "merged".into(),
                }
            }
            Some(row) => SavedFaq {
                faq_id: row.faq.id,
                question: row.faq.question.clone(),
                outcome: "duplicate".into(),
            },
            None => {
                let new = NewFaq {
                    question: draft.question.clone(),
                    answer: draft.answer.clone(),
                    category_id: s.category_id,
                    tags: Vec::new(),
                    language: s.language.clone().unwrap_or_else(|| "en".into()),
                    status: FaqStatus::Draft,
                    source: if s.suggestion_id.is_some() {
                        FaqSource::Suggested
                    } else {
                        FaqSource::Generated
                    },
                    origin: Some(origin),
                    external_id: None,
                };
                let faq = env
                    .store
                    .create_faq(&actor, &new)
                    .await
                    .map_err(|e| retryable("saving the draft", e))?;
                SavedFaq {
                    faq_id: faq.id,
                    question: faq.question,
                    outcome: "created".into(),
                }
            }
        };
        ctx.log(format!(
            "{} \"{}\" ({})",
            outcome.outcome, outcome.question, outcome.faq_id
        ));
        saved.push(outcome);
    }
    s.saved = Some(saved);
    Ok(s)
}

/// Accepting publishes the drafts this task created or merged.
async fn approve(
    env: &GraphEnv,
    mut s: FaqTaskState,
    ctx: &NodeCtx,
    approved: bool,
) -> Result<FaqTaskState, NodeError> {
    s.approved = Some(approved);
    if !approved {
        ctx.log("not accepted: the FAQs stay drafts");
        return Ok(s);
    }
    let actor = actor(env, ctx).await?;
    for saved in s
        .saved
        .iter()
        .flatten()
        .filter(|f| f.outcome != "duplicate")
    {
        let patch = FaqPatch {
            status: Some(FaqStatus::Published),
            ..FaqPatch::default()
        };
        match env.store.update_faq(&actor, saved.faq_id, &patch).await {
            Ok(_) => ctx.log(format!("published \"{}\"", saved.question)),
            // Deleted meanwhile by a person: theirs to decide.
            Err(morningai_store::StoreError::NotFound) => {}
            Err(e) => return Err(retryable("publishing the FAQ", e)),
        }
    }
    Ok(s)
}

/// The published FAQs (of the task's category when it has one) as one
/// Markdown file, grouped by category.
pub fn faq_markdown(
    faqs: &[morningai_core::Faq],
    categories: &[morningai_core::FaqCategory],
    trace_id: uuid::Uuid,
) -> String {
    let paths = morningai_knowledge::faq::transfer::CategoryPaths::new(categories);
    let mut groups: Vec<(Option<String>, Vec<&morningai_core::Faq>)> = Vec::new();
    for faq in faqs {
        let key = faq
            .category_id
            .and_then(|c| paths.path(c))
            .map(String::from);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(faq),
            None => groups.push((key, vec![faq])),
        }
    }
    groups.sort_by(|a, b| (a.0.is_some(), &a.0).cmp(&(b.0.is_some(), &b.0)));
    let mut out = String::from("# Frequently asked questions\n\n");
    for (category, list) in groups {
        let level = match &category {
            Some(name) => {
                out.push_str(&format!("## {name}\n\n"));
                "###"
            }
            None => "##",
        };
        for faq in list {
            out.push_str(&format!(
                "{level} {}\n\n{}\n\n",
                faq.question.replace('\n', " "),
                faq.answer.trim()
            ));
        }
    }
    out.push_str(&format!(
        "---\n\n*Published by MorningAI from the FAQ knowledge base. Trace-Id: {trace_id}*\n"
    ));
    out
}

async fn publish(
    env: &GraphEnv,
    mut s: FaqTaskState,
    ctx: &NodeCtx,
) -> Result<FaqTaskState, NodeError> {
    if s.publication.is_some() {
        return Ok(s);
    }
    let repo = env
        .store
        .repository(ctx.tenant_id, s.repository_id)
        .await
        .map_err(|e| retryable("reading the repository", e))?
        .ok_or_else(|| fatal(format!("repository {} no longer exists", s.repository_id)))?;
    let faqs = super::all_faqs(
        &*env.store,
        ctx.tenant_id,
        Some(FaqStatus::Published),
        s.category_id,
    )
    .await
    .map_err(|e| retryable("reading the published FAQs", e))?;
    if faqs.is_empty() {
        return Err(fatal("there are no published FAQs to publish"));
    }
    let categories = env
        .store
        .categories(ctx.tenant_id)
        .await
        .map_err(|e| retryable("reading categories", e))?;
    let content = faq_markdown(&faqs, &categories, ctx.trace_id);
    let path = s.path.clone().unwrap_or_else(|| DEFAULT_PATH.into());
    let branch = branch_name(ctx.trace_id, &slugify("faq"));
    let title = pull_request_title(faqs.len(), ctx.trace_id);
    let base = match s.commit.clone() {
        Some(c) => c,
        None => repo
            .indexed_commit
            .clone()
            .ok_or_else(|| not_indexed(s.repository_id))?,
    };
    let message = format!(
        "{title}\n\n{} published FAQs from MorningAI's knowledge base.\nTrace-Id: {}\n",
        faqs.len(),
        ctx.trace_id
    );
    // Refused before anything is pushed.
    let forge_repo =
        pull_request_target(env, ctx, &repo, s.pull_request_repository.clone()).await?;
    reserve_publication(env, ctx.tenant_id, &branch).await?;
    let commit = commit_and_push(env, &repo, base, &path, &branch, content, message).await?;
    ctx.log(format!("committed {path} as {commit} on branch {branch}"));
    let pr = NewPullRequest {
        title,
        head: branch,
        base: repo.default_branch.clone().unwrap_or_else(|| "main".into()),
        body: format!(
            "MorningAI publishes {} FAQs from the knowledge base to `{path}`.\n\n\
             Every generated answer cites the repository and was verified at the indexed commit.\n\n\
             Task: `{}` · Trace ID: `{}`\n",
            faqs.len(),
            ctx.task_id,
            ctx.trace_id
        ),
    };
    s.publication = Some(open_pull_request(env, ctx, &repo, forge_repo, path, commit, pr).await?);
    Ok(s)
}

/// `docs: FAQ (<n> questions) (trace-id: <short>)`.
pub fn pull_request_title(count: usize, trace_id: uuid::Uuid) -> String {
    let trace = trace_id.simple().to_string();
    format!("docs: FAQ ({count} questions) (trace-id: {})", &trace[..8])
}

//! The `faq` task on the runtime, against the fixture repository with a
//! hallucinating model: unverifiable sentences never reach a draft, a
//! question asked again merges into its draft, an approved batch is
//! published and committed to `docs/FAQ.md` in a pull request carrying the
//! trace id; bad input is refused.

use morningai_agents::env::PublishConfig;
use morningai_core::{FaqFilter, FaqPatch, FaqSource, FaqStatus, Task, TaskStatus};
use morningai_knowledge::forge::ForgeClient;
use morningai_orchestration::{RunOutcome, TaskRequest};
use regex::Regex;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::doc::graph::{Env, Forge};
use crate::doc::{git, Fixture, TempDir};

const QUESTION: &str = "How is the server configured?";

/// Every `path:La-Lb` an answer cites exists at the indexed commit.
fn assert_citations_hold(fixture: &Fixture, answer: &str) {
    let citation = Regex::new(r"`([^`\s]+):L(\d+)-L(\d+)`").unwrap();
    let mut found = 0;
    for c in citation.captures_iter(answer) {
        found += 1;
        let text = fixture.index.read_file(&c[1]).unwrap();
        let text = text.unwrap_or_else(|| panic!("{} does not exist: {answer}", &c[1]));
        let lines = String::from_utf8(text).unwrap().lines().count();
        let (start, end): (usize, usize) = (c[2].parse().unwrap(), c[3].parse().unwrap());
        assert!(
            1 <= start && start <= end && end <= lines,
            "{}: {answer}",
            &c[0]
        );
    }
    assert!(found > 0, "an answer cites the repository: {answer}");
}

async fn all_faqs(env: &Env) -> Vec<morningai_core::Faq> {
    env.store
        .faqs(env.ctx.tenant_id, &FaqFilter::default())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_question_becomes_a_verified_draft_and_asking_again_merges() {
    let fixture = Fixture::new();
    let env = Env::new().await;
    let id = env.register(&fixture, "shop").await;
    let (outcome, indexed) = env
        .run(&env.ctx, "index", json!({ "repository_id": id }))
        .await;
    assert_eq!(outcome, RunOutcome::Done, "{:?}", indexed.error);

    let input = json!({ "repository_id": id, "question": QUESTION });
    let (outcome, task) = env.run(&env.ctx, "faq", input.clone()).await;
    assert_eq!(outcome, RunOutcome::Done, "{:?}", task.error);
    let result = task.result.clone().unwrap();
    assert_eq!(result["saved"][0]["outcome"], "created", "{result}");
    let faqs = all_faqs(&env).await;
    assert_eq!(faqs.len(), 1);
    let faq = &faqs[0];
    assert_eq!(
        (faq.status, faq.source),
        (FaqStatus::Draft, FaqSource::Generated)
    );
    assert_eq!(faq.question, QUESTION);
    // The hallucinations are gone; what is left cites real lines.
    for invented in [
        "Flask",
        "GPT-4",
        "gpt_service",
        "L1-L999",
        "GptService",
        "Redis",
        "fast, secure",
    ] {
        assert!(
            !faq.answer.contains(invented),
            "{invented} survived: {}",
            faq.answer
        );
    }
    assert_citations_hold(&fixture, &faq.answer);
    let origin = faq.origin.clone().unwrap();
    assert_eq!(origin["trace_id"], task.trace_id.to_string().as_str());
    assert_eq!(origin["commit"], fixture.head.as_str());
    assert!(
        origin["evidence"].as_array().is_some_and(|e| !e.is_empty()),
        "{origin}"
    );
    assert!(
        origin["verification"]["claims_removed"].as_u64().unwrap() > 0,
        "{origin}"
    );

    // Asked again: merged into the draft as a new version, not added.
    let (outcome, again) = env.run(&env.ctx, "faq", input.clone()).await;
    assert_eq!(outcome, RunOutcome::Done, "{:?}", again.error);
    assert_eq!(again.result.unwrap()["saved"][0]["outcome"], "merged");
    let faqs = all_faqs(&env).await;
    assert_eq!(faqs.len(), 1);

    // Once a person has published it, a near-duplicate is left alone.
    env.store
        .update_faq(
            &env.ctx,
            faq.id,
            &FaqPatch {
                status: Some(FaqStatus::Published),
                ..FaqPatch::default()
            },
        )
        .await
        .unwrap();
    let (_, third) = env
        .run(
            &env.ctx,
            "faq",
            json!({ "repository_id": id, "question": "how is the server configured" }),
        )
        .await;
    assert_eq!(third.result.unwrap()["saved"][0]["outcome"], "duplicate");
    let faqs = all_faqs(&env).await;
    assert_eq!((faqs.len(), faqs[0].status), (1, FaqStatus::Published));

    // Another tenant sees none of it and cannot use the repository.
    assert!(env
        .store
        .faqs(env.other.tenant_id, &FaqFilter::default())
        .await
        .unwrap()
        .is_empty());
    let (outcome, foreign) = env.run(&env.other, "faq", input).await;
    assert_eq!(outcome, RunOutcome::Failed);
    assert!(foreign.error.unwrap().contains("not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_at_submit_or_fails_saying_why() {
    let fixture = Fixture::new();
    let env = Env::new().await;
    let id = env.register(&fixture, "shop").await;
    for (input, field) in [
        (json!({ "repository_id": id, "count": 0 }), "count"),
        (json!({ "repository_id": id, "count": 21 }), "count"),
        (json!({ "repository_id": id, "question": "  " }), "question"),
        (
            json!({ "repository_id": id, "publish": true, "path": "../../etc/passwd.md" }),
            "path",
        ),
        (
            json!({ "repository_id": id, "publish": true, "path": ".git/hooks/x.md" }),
            "path",
        ),
        (
            json!({ "repository_id": id, "question": "Q?", "colour": "red" }),
            "colour",
        ),
    ] {
        let err = env
            .runtime
            .submit(
                &env.ctx,
                TaskRequest {
                    kind: "faq".into(),
                    input,
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
    let cases = [
        (
            json!({ "repository_id": id, "question": "Q?", "count": 2 }),
            "not both",
        ),
        (json!({ "repository_id": id }), "nothing to do"),
        (
            json!({ "repository_id": id, "question": QUESTION }),
            "index it first",
        ),
    ];
    for (input, said) in cases {
        let (outcome, task) = env.run(&env.ctx, "faq", input).await;
        assert_eq!(outcome, RunOutcome::Failed);
        let error = task.error.unwrap();
        assert!(error.contains(said), "{said}: {error}");
    }
    assert!(
        env.model.prompts.lock().unwrap().is_empty(),
        "no model call for bad input"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_batch_is_published_and_committed_in_a_pull_request() {
    let fixture = Fixture::new();
    let remotes = TempDir::new();
    let remote = remotes.0.join("shop.git");
    git(
        &remotes.0,
        &[
            "clone",
            "--quiet",
            "--bare",
            fixture._repo.0.to_str().unwrap(),
            remote.to_str().unwrap(),
        ],
    );
    let forge = Forge::default();
    let api = forge.start().await;
    let env = Env::with_publish(PublishConfig {
        forge: Some(ForgeClient::new(&api, "forge-token").unwrap()),
        forge_api_url: api.clone(),
        ..PublishConfig::default()
    })
    .await;
    let repo = morningai_core::NewRepository {
        name: "shop".into(),
        source: format!("file://{}", remote.display()),
        limit: None,
    };
    let id = env
        .store
        .create_repository(&env.ctx, &repo)
        .await
        .unwrap()
        .id;
    let (outcome, indexed) = env
        .run(&env.ctx, "index", json!({ "repository_id": id }))
        .await;
    assert_eq!(outcome, RunOutcome::Done, "{:?}", indexed.error);

    let (outcome, waiting) = env
        .run(
            &env.ctx,
            "faq",
            json!({ "repository_id": id, "count": 3, "require_approval": true,
                    "publish": true, "pull_request_repository": "acme/shop" }),
        )
        .await;
    assert_eq!(outcome, RunOutcome::WaitingApproval, "{:?}", waiting.error);
    let interrupt = waiting.interrupt.clone().unwrap();
    let drafts = interrupt["drafts"].as_array().unwrap();
    assert!(!drafts.is_empty() && drafts.len() <= 3, "{interrupt}");
    // The hallucinating model lists no questions: they come from the facts.
    assert!(
        drafts
            .iter()
            .any(|d| d["question"] == "How do I run shop locally?"),
        "{interrupt}"
    );
    assert!(all_faqs(&env)
        .await
        .iter()
        .all(|f| f.status == FaqStatus::Draft));

    let (resumed, _) = env
        .runtime
        .decide(&env.ctx, &waiting, true, None)
        .await
        .unwrap();
    let outcome = env
        .runtime
        .run_task(env.ctx.tenant_id, resumed.id, CancellationToken::new())
        .await
        .unwrap();
    let task: Task = env
        .store
        .task(env.ctx.tenant_id, resumed.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (outcome, task.status),
        (RunOutcome::Done, TaskStatus::Done),
        "{:?}",
        task.error
    );
    let faqs = all_faqs(&env).await;
    assert!(
        faqs.iter().all(|f| f.status == FaqStatus::Published),
        "approving publishes"
    );

    // docs/FAQ.md on a branch of the remote, holding every published FAQ,
    // with the trace id in the pull request's title and the file's footer.
    let result = task.result.unwrap();
    let publication = &result["publication"];
    let branch = publication["branch"].as_str().unwrap();
    let file = git(&remote, &["show", &format!("{branch}:docs/FAQ.md")]);
    assert!(file.starts_with("# Frequently asked questions"), "{file}");
    for faq in &faqs {
        assert!(
            file.contains(&faq.question),
            "{} missing:\n{file}",
            faq.question
        );
    }
    assert!(file.contains(&task.trace_id.to_string()), "{file}");
    assert_eq!(
        git(&remote, &["rev-parse", &format!("{branch}^")]),
        fixture.head
    );
    let requests = forge.requests.lock().unwrap().clone();
    assert_eq!(requests[0].0, "/repos/acme/shop/pulls", "{requests:?}");
    let trace = task.trace_id.simple().to_string();
    let title = requests[0].1["title"].as_str().unwrap();
    assert!(
        title.starts_with("docs: FAQ (") && title.contains(&trace[..8]),
        "{title}"
    );
    assert_eq!(publication["pull_request_number"], 1);
}

/// The embedded SmolLM2-135M drafts the prose: whatever it writes, the
/// answer that survives verification cites real lines only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_model_drafts_a_verified_answer() {
    let path = std::env::var_os("MORNINGAI_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
        .join("SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models.sh (make test does)",
        path.display()
    );
    let fixture = Fixture::new();
    let model = tokio::task::spawn_blocking(move || {
        morningai_ai::LocalChatModel::load(&path, morningai_ai::LocalChatOptions::default())
    })
    .await
    .unwrap()
    .unwrap();
    let draft = morningai_agents::faq::generate::answer(QUESTION, &fixture.index, &model)
        .await
        .unwrap()
        .expect("the fixture has evidence for its configuration");
    assert_eq!(draft.question, QUESTION);
    assert!(!draft.evidence.is_empty());
    assert!(draft.report.claims_kept > 0, "{:?}", draft.report);
    assert_citations_hold(&fixture, &draft.answer);
    assert!(
        draft.answer.contains("server/src/config.rs"),
        "{}",
        draft.answer
    );
}

//! The FAQ API over HTTP: writing with versions, roles, search by keywords
//! and meaning (the embedded MiniLM), CJK, feedback and analytics, bad
//! input, tenants kept apart, and two servers on one database answering
//! from the same FAQs at once.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, Session, TestApp};

both_backends!(
    faqs_are_written_with_versions_and_roles,
    search_finds_paraphrases_and_cjk_and_logs_queries,
    bad_input_is_refused_and_tenants_are_apart,
    two_servers_answer_from_the_same_faqs,
);

fn with_embedder(config: &mut morningai_backend::Config) {
    config.models.local_embed_model_dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2");
}

async fn create(app: &TestApp, who: &Session, body: Value) -> Value {
    let (status, faq) = app.post("/api/faqs", Some(&who.token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{faq}");
    faq
}

async fn search(app: &TestApp, who: &Session, q: &str) -> Value {
    let path = format!("/api/faqs/search?q={}", urlencode(q));
    let (status, body) = app.get(&path, Some(&who.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn top_question(results: &Value) -> &str {
    results["hits"][0]["faq"]["question"].as_str().unwrap_or("")
}

async fn faqs_are_written_with_versions_and_roles(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let member = app.add_member(&owner, "member@example.com", "member").await;
    let (status, category) = app
        .post(
            "/api/faq-categories",
            Some(&owner.token),
            json!({"name": "Billing"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{category}");
    let faq = create(
        &app,
        &owner,
        json!({"question": "Where are invoices?", "answer": "Under **Billing**.",
               "category_id": category["id"], "tags": ["billing"], "external_id": "inv-1"}),
    )
    .await;
    assert_eq!(faq["status"], "draft");
    assert_eq!(faq["version"], 1);
    let id = faq["id"].as_str().unwrap();

    // Members read but do not write.
    let (status, read) = app
        .get(&format!("/api/faqs/{id}"), Some(&member.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["question"], "Where are invoices?");
    let (status, body) = app
        .patch(
            &format!("/api/faqs/{id}"),
            Some(&member.token),
            json!({"answer": "x"}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .post(
            "/api/faqs",
            Some(&member.token),
            json!({"question": "q", "answer": "a"}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // An edit is a version; a stale edit is refused; the diff shows the change.
    let (status, edited) = app
        .patch(
            &format!("/api/faqs/{id}"),
            Some(&owner.token),
            json!({"answer": "Under **Billing → History**.", "status": "published", "expected_version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["version"], 2);
    let (status, body) = app
        .patch(
            &format!("/api/faqs/{id}"),
            Some(&owner.token),
            json!({"answer": "late", "expected_version": 1}),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (_, versions) = app
        .get(&format!("/api/faqs/{id}/versions"), Some(&member.token))
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[0]["version"], 2);
    let (_, diff) = app
        .get(&format!("/api/faqs/{id}/diff"), Some(&member.token))
        .await;
    let diff = diff["diff"].as_str().unwrap();
    assert!(
        diff.contains("-Under **Billing**.") && diff.contains("+Under **Billing → History**."),
        "{diff}"
    );
    // Found by the API fuzzer: the lowest i64 overflowed `to - 1` (a 500).
    for query in ["to=-9223372036854775808", "from=0", "from=1&to=-1"] {
        let (status, body) = app
            .get(&format!("/api/faqs/{id}/diff?{query}"), Some(&member.token))
            .await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
    }

    // Filters, then the category cannot go while it holds the FAQ.
    let (_, page) = app
        .get(
            "/api/faqs?tag=billing&status=published",
            Some(&member.token),
        )
        .await;
    assert_eq!(page["faqs"].as_array().unwrap().len(), 1);
    let (_, page) = app.get("/api/faqs?status=draft", Some(&member.token)).await;
    assert!(page["faqs"].as_array().unwrap().is_empty());
    let cat = category["id"].as_str().unwrap();
    let (status, body) = app
        .delete(&format!("/api/faq-categories/{cat}"), Some(&owner.token))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (status, _) = app
        .delete(&format!("/api/faqs/{id}"), Some(&owner.token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app
        .get(&format!("/api/faqs/{id}"), Some(&owner.token))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, _) = app
        .delete(&format!("/api/faq-categories/{cat}"), Some(&owner.token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn search_finds_paraphrases_and_cjk_and_logs_queries(app: TestApp) {
    let app = app.twin(with_embedder).await;
    let owner = app.signup("owner@example.com", "Acme").await;
    let published = |q: &str, a: &str, lang: &str| json!({"question": q, "answer": a, "language": lang, "status": "published"});
    for body in [
        published(
            "How do I reset my password?",
            "Use the link on the sign-in page.",
            "en",
        ),
        // Keyword noise: shares the query's words, not its meaning.
        published(
            "Can I sign in with my account on two devices?",
            "Yes, you can sign in on as many devices as you like.",
            "en",
        ),
        published(
            "How do I download an invoice?",
            "Billing → History → PDF.",
            "en",
        ),
        published("忘记密码怎么办？", "在登录页面点击“忘记密码”。", "zh-Hans"),
        published(
            "パスワードを忘れました",
            "ログイン画面からリセットできます。",
            "ja",
        ),
    ] {
        create(&app, &owner, body).await;
    }
    create(
        &app,
        &owner,
        json!({"question": "Draft about passwords", "answer": "not yet"}),
    )
    .await;

    let found = search(
        &app,
        &owner,
        "I forgot my sign in credentials and cannot get into my account",
    )
    .await;
    assert_eq!(
        top_question(&found),
        "How do I reset my password?",
        "{found}"
    );
    assert_eq!(found["semantic"], true);
    assert!(found["hits"][0]["semantic"]["score"].as_f64().unwrap() > 0.3);
    assert!(found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["faq"]["status"] == "published"));

    let zh = search(&app, &owner, "我忘记了密码").await;
    assert_eq!(top_question(&zh), "忘记密码怎么办？");
    // The English-only MiniLM's vector of a Chinese query would be noise:
    // such a query is searched by keywords alone, and says so.
    assert_eq!(zh["semantic"], false, "{zh}");
    assert!(zh["hits"][0]["semantic"].is_null(), "{zh}");
    assert_eq!(
        top_question(&search(&app, &owner, "パスワードを忘れた").await),
        "パスワードを忘れました"
    );
    let path = format!(
        "/api/faqs/search?q={}&language=zh",
        urlencode("password 密码")
    );
    let (_, zh_only) = app.get(&path, Some(&owner.token)).await;
    assert!(
        zh_only["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["faq"]["language"] == "zh-Hans"),
        "{zh_only}"
    );

    // Feedback on a logged query; analytics count both.
    let faq_id = found["hits"][0]["faq"]["id"].as_str().unwrap();
    let (status, fb) = app
        .post(
            &format!("/api/faqs/{faq_id}/feedback"),
            Some(&owner.token),
            json!({"helpful": true, "query_id": found["query_id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fb}");
    let (_, analytics) = app
        .get("/api/faqs/analytics?days=1", Some(&owner.token))
        .await;
    assert_eq!(analytics["total_queries"], 4, "{analytics}");
    assert_eq!(analytics["helpful"], 1);
}

async fn bad_input_is_refused_and_tenants_are_apart(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let viewer = app.add_member(&owner, "viewer@example.com", "viewer").await;
    let stranger = app.signup("stranger@example.com", "Other").await;
    let faq = create(
        &app,
        &owner,
        json!({"question": "Q?", "answer": "A.", "external_id": "x-1"}),
    )
    .await;
    let id = faq["id"].as_str().unwrap();

    let cases = [
        (
            json!({"question": "", "answer": "a"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"question": "q".repeat(1001), "answer": "a"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"question": "q", "answer": "a".repeat(20_001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"question": "q", "answer": "a", "language": "not a tag!"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"question": "q", "answer": "a", "category_id": uuid::Uuid::now_v7()}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"question": "q", "answer": "a", "external_id": "x-1"}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"question": "q", "answer": "a", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, want) in cases {
        let (status, err) = app
            .post("/api/faqs", Some(&owner.token), body.clone())
            .await;
        assert_eq!(status, want, "{body} → {err}");
        assert!(err["error"]["code"].is_string() && err["error"]["message"].is_string());
    }
    let (status, body) = app
        .post(
            "/api/faqs",
            Some(&viewer.token),
            json!({"question": "q", "answer": "a"}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");

    let long = "a".repeat(10_000);
    let (status, body) = app
        .get(&format!("/api/faqs/search?q={long}"), Some(&owner.token))
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, _) = app
        .get("/api/faqs/search?q=%00%1B%5B31mQ", Some(&owner.token))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "control characters are dropped, not an error"
    );
    let (status, body) = app.get("/api/faqs/search?q=", Some(&owner.token)).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );

    // Another tenant's FAQ does not exist for a stranger.
    for (status, body) in [
        app.get(&format!("/api/faqs/{id}"), Some(&stranger.token))
            .await,
        app.patch(
            &format!("/api/faqs/{id}"),
            Some(&stranger.token),
            json!({"answer": "mine"}),
        )
        .await,
        app.delete(&format!("/api/faqs/{id}"), Some(&stranger.token))
            .await,
        app.post(
            &format!("/api/faqs/{id}/feedback"),
            Some(&stranger.token),
            json!({"helpful": false}),
        )
        .await,
    ] {
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    create(
        &app,
        &owner,
        json!({"question": "Secret roadmap?", "answer": "Q3.", "status": "published"}),
    )
    .await;
    let theirs = search(&app, &stranger, "secret roadmap").await;
    assert!(theirs["hits"].as_array().unwrap().is_empty(), "{theirs}");
}

async fn two_servers_answer_from_the_same_faqs(app: TestApp) {
    let other = app.twin(|_| {}).await;
    let owner = app.signup("owner@example.com", "Acme").await;
    // The second server searches first: its index is empty and up to date.
    assert!(search(&other, &owner, "refund").await["hits"]
        .as_array()
        .unwrap()
        .is_empty());
    let faq = create(
        &app,
        &owner,
        json!({"question": "How do refunds work?", "answer": "Within 14 days.", "status": "published"}),
    )
    .await;
    let id = faq["id"].as_str().unwrap();
    assert_eq!(
        top_question(&search(&other, &owner, "refund").await),
        "How do refunds work?"
    );
    let (status, _) = app
        .patch(
            &format!("/api/faqs/{id}"),
            Some(&owner.token),
            json!({"question": "How do returns work?"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        top_question(&search(&other, &owner, "returns").await),
        "How do returns work?"
    );
    let (status, _) = app
        .delete(&format!("/api/faqs/{id}"), Some(&owner.token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(search(&other, &owner, "returns").await["hits"]
        .as_array()
        .unwrap()
        .is_empty());
}

//! Suggestions from the questions nothing answered: paraphrases cluster
//! into one suggestion (the embedded MiniLM), a dismissed one stays
//! dismissed, approving with an answer makes a draft, roles and tenants hold.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{assert_error, Session, TestApp};

async fn ask(app: &TestApp, who: &Session, q: &str) {
    let path = format!(
        "/api/faqs/search?q={}",
        q.replace(' ', "%20").replace('?', "%3F")
    );
    let (status, body) = app.get(&path, Some(&who.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn refresh(app: &TestApp, who: &Session) -> Value {
    let (status, body) = app
        .post("/api/faq-suggestions/refresh", Some(&who.token), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn unanswered_questions_become_suggestions_people_decide() {
    let app = TestApp::sqlite_with(|c| {
        c.models.local_embed_model_dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2");
    })
    .await;
    let owner = app.signup("owner@example.com", "Acme").await;
    let member = app.add_member(&owner, "member@example.com", "member").await;
    let other = app.signup("other@example.com", "Other").await;
    let (status, _) = app
        .post(
            "/api/faqs",
            Some(&owner.token),
            json!({"question": "How do refunds work?", "answer": "Write to billing within 30 days.", "status": "published"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    for q in [
        "How do I cancel my subscription?",
        "How can I cancel my subscription?",
        "how do i cancel my subscription",
        "Where is the API documentation?",
        "Where can I find the API documentation?",
        "How do refunds work?",
    ] {
        ask(&app, &member, q).await;
    }
    let (status, body) = app
        .post(
            "/api/faq-suggestions/refresh",
            Some(&member.token),
            json!({}),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let refreshed = refresh(&app, &owner).await;
    assert_eq!(refreshed["questions_considered"], 5, "{refreshed}");
    let suggestions = refreshed["suggestions"].as_array().unwrap();
    assert_eq!(suggestions.len(), 2, "{refreshed}");
    let cancel = &suggestions[0];
    assert_eq!(cancel["count"], 3, "{refreshed}");
    assert!(
        cancel["query"].as_str().unwrap().contains("cancel"),
        "{cancel}"
    );
    assert_eq!(
        cancel["examples"].as_array().unwrap().len(),
        1,
        "wordings differing only in case are one: {cancel}"
    );
    let docs = &suggestions[1];
    assert_eq!(docs["count"], 2, "{refreshed}");

    // Dismissed stays dismissed, even when asked again.
    let docs_id = docs["id"].as_str().unwrap();
    let (status, dismissed) = app
        .post(
            &format!("/api/faq-suggestions/{docs_id}/dismiss"),
            Some(&owner.token),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, dismissed["status"].as_str()),
        (StatusCode::OK, Some("dismissed"))
    );
    ask(&app, &member, "Where is the API documentation?").await;
    let refreshed = refresh(&app, &owner).await;
    let open: Vec<&str> = refreshed["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["query"].as_str().unwrap())
        .collect();
    assert_eq!(open.len(), 1, "{refreshed}");
    let (_, listed) = app
        .get("/api/faq-suggestions?status=dismissed", Some(&member.token))
        .await;
    assert_eq!(listed["suggestions"][0]["count"], 3, "{listed}");

    // Approving with an answer makes a draft of the suggested question.
    let cancel_id = cancel["id"].as_str().unwrap();
    let path = format!("/api/faq-suggestions/{cancel_id}/approve");
    let (status, body) = app.post(&path, Some(&owner.token), json!({})).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, body) = app
        .post(&path, Some(&other.token), json!({"answer": "x"}))
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, approved) = app
        .post(
            &path,
            Some(&owner.token),
            json!({"answer": "Open **Billing** and choose Cancel."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["suggestion"]["status"], "approved");
    let faq_id = approved["faq_id"].as_str().unwrap();
    let (_, faq) = app
        .get(&format!("/api/faqs/{faq_id}"), Some(&owner.token))
        .await;
    assert_eq!(
        (faq["status"].as_str(), faq["source"].as_str()),
        (Some("draft"), Some("suggested"))
    );
    assert_eq!(faq["question"], cancel["query"]);
    let (status, body) = app
        .post(&path, Some(&owner.token), json!({"answer": "again"}))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (_, theirs) = app.get("/api/faq-suggestions", Some(&other.token)).await;
    assert!(theirs["suggestions"].as_array().unwrap().is_empty());
}

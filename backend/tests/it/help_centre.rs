//! The public help centre: off until an admin turns it on, then published
//! FAQs only (no drafts, no other tenant's, no private fields), searchable
//! and rated without an account, and rate-limited with `Retry-After`.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, read, Session, TestApp};

both_backends!(a_help_centre_shows_published_faqs_only_once_turned_on);

async fn put_centre(app: &TestApp, who: &Session, body: Value) -> (StatusCode, Value) {
    let req = app
        .request(Method::PUT, "/api/help-centre", Some(&who.token))
        .json(&body);
    app.send(req).await
}

async fn faq(app: &TestApp, who: &Session, question: &str, status: &str) -> String {
    let (code, faq) = app
        .post(
            "/api/faqs",
            Some(&who.token),
            json!({"question": question, "answer": format!("About {question}"), "status": status}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{faq}");
    faq["id"].as_str().unwrap().to_owned()
}

async fn a_help_centre_shows_published_faqs_only_once_turned_on(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let member = app.add_member(&owner, "member@example.com", "member").await;
    let other = app.signup("other@example.com", "Other").await;
    let published = faq(&app, &owner, "How do refunds work?", "published").await;
    let draft = faq(&app, &owner, "Secret roadmap refunds?", "draft").await;
    let theirs = faq(&app, &other, "Their refunds?", "published").await;

    // Off by default: the slug is unknown.
    let (status, view) = app.get("/api/help-centre", Some(&member.token)).await;
    assert_eq!((status, &view["settings"]), (StatusCode::OK, &Value::Null));
    let (status, body) = app.get("/public/acme/faqs", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

    // Members cannot turn it on; bad slugs are refused; set up but off is still a 404.
    let settings = json!({"slug": "acme", "enabled": false, "title": "Acme help"});
    let (status, body) = put_centre(&app, &member, settings.clone()).await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = put_centre(
        &app,
        &owner,
        json!({"slug": "-x", "enabled": true, "title": "t"}),
    )
    .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, _) = put_centre(&app, &owner, settings).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get("/public/acme", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, view) = put_centre(
        &app,
        &owner,
        json!({"slug": "acme", "enabled": true, "title": "Acme help"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["public_path"], "/public/acme");
    let (status, body) = put_centre(
        &app,
        &other,
        json!({"slug": "ACME", "enabled": true, "title": "Mine"}),
    )
    .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");

    // Published FAQs only, and only what a stranger may see of them.
    let (status, centre) = app.get("/public/acme", None).await;
    assert_eq!(
        (status, centre["title"].as_str()),
        (StatusCode::OK, Some("Acme help"))
    );
    let (status, page) = app.get("/public/acme/faqs", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let faqs = page["faqs"].as_array().unwrap();
    assert_eq!(faqs.len(), 1, "{page}");
    assert_eq!(faqs[0]["id"], published.as_str());
    for private in [
        "created_by",
        "updated_by",
        "origin",
        "tenant_id",
        "status",
        "external_id",
        "views",
    ] {
        assert!(faqs[0].get(private).is_none(), "{private} leaks: {page}");
    }
    for hidden in [&draft, &theirs] {
        let (status, body) = app.get(&format!("/public/acme/faqs/{hidden}"), None).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        let (status, _) = app
            .post(
                &format!("/public/acme/faqs/{hidden}/feedback"),
                None,
                json!({"helpful": true}),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, one) = app
        .get(&format!("/public/acme/faqs/{published}"), None)
        .await;
    assert_eq!(
        (status, one["question"].as_str()),
        (StatusCode::OK, Some("How do refunds work?"))
    );

    // Search: published only; the query is logged for the tenant; feedback
    // without an account counts.
    let (status, results) = app.get("/public/acme/faqs/search?q=refunds", None).await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let hits: Vec<&str> = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["faq"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(hits, vec![published.as_str()], "{results}");
    let (status, body) = app
        .post(
            &format!("/public/acme/faqs/{published}/feedback"),
            None,
            json!({"helpful": true, "query_id": results["query_id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, faq) = app
        .get(&format!("/api/faqs/{published}"), Some(&owner.token))
        .await;
    assert_eq!(
        (faq["helpful"].as_i64(), faq["views"].as_i64()),
        (Some(1), Some(1)),
        "{faq}"
    );
    let (_, analytics) = app.get("/api/faqs/analytics", Some(&owner.token)).await;
    assert!(analytics.to_string().contains("refunds"), "{analytics}");
    let (status, body) = app
        .get(
            &format!("/public/acme/faqs/search?q={}", "x".repeat(10_000)),
            None,
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );

    // Unknown paths under /public are JSON 404s, not the dashboard.
    let (status, body) = app.get("/public/acme/nothing/here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["code"].is_string(), "{body}");
}

#[tokio::test]
async fn the_public_help_centre_is_rate_limited_with_retry_after() {
    let app = TestApp::sqlite_with(|c| c.public_per_ip_per_minute = 3).await;
    let owner = app.signup("owner@example.com", "Acme").await;
    let (status, _) = put_centre(
        &app,
        &owner,
        json!({"slug": "acme", "enabled": true, "title": "Help"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..3 {
        let (status, _) = app.get("/public/acme/faqs", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let res = app
        .request(Method::GET, "/public/acme/faqs", None)
        .send()
        .await
        .unwrap();
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let (status, body) = read(res).await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // An unknown slug costs the same: probing for slugs is limited too.
    let (status, _) = app.get("/public/other/faqs", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

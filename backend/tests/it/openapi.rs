//! The OpenAPI document lists every route, and every listed route exists.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::TestApp;

/// Every endpoint the API has. Adding a route means adding it here, and the
/// tests below then prove it is documented and served.
const ENDPOINTS: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/auth/signup"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/logout"),
    ("get", "/api/auth/me"),
    ("get", "/api/api-keys"),
    ("post", "/api/api-keys"),
    ("delete", "/api/api-keys/{id}"),
    ("get", "/api/credentials"),
    ("post", "/api/credentials"),
    ("delete", "/api/credentials/{id}"),
    ("get", "/api/tenant"),
    ("get", "/api/tenant/members"),
    ("post", "/api/tenant/members"),
    ("patch", "/api/tenant/members/{user_id}"),
    ("delete", "/api/tenant/members/{user_id}"),
    ("get", "/api/audit"),
    ("get", "/api/queue/stats"),
    ("get", "/api/queue/workers"),
    ("get", "/api/queue/jobs"),
    ("post", "/api/queue/jobs"),
    ("get", "/api/queue/jobs/{id}"),
    ("post", "/api/queue/jobs/{id}/retry"),
    ("post", "/api/queue/jobs/{id}/cancel"),
    ("get", "/api/tasks"),
    ("post", "/api/tasks"),
    ("get", "/api/tasks/{id}"),
    ("post", "/api/tasks/{id}/cancel"),
    ("post", "/api/tasks/{id}/resume"),
    ("get", "/api/tasks/{id}/checkpoints"),
    ("post", "/api/tasks/{id}/replay"),
    ("get", "/api/tasks/{id}/events"),
    ("get", "/api/task-kinds"),
    ("get", "/api/approvals"),
    ("get", "/api/usage"),
    ("get", "/api/usage/budgets"),
    ("put", "/api/usage/budgets"),
    ("get", "/api/repositories"),
    ("post", "/api/repositories"),
    ("get", "/api/repositories/{id}"),
    ("delete", "/api/repositories/{id}"),
    ("post", "/api/repositories/{id}/index"),
    ("get", "/api/repositories/{id}/file"),
    ("get", "/api/documents"),
    ("get", "/api/auth/setup"),
    ("get", "/api/tasks/counts"),
    ("get", "/api/documents/{id}"),
    ("delete", "/api/documents/{id}"),
    ("get", "/api/documents/{id}/versions"),
    ("get", "/api/documents/{id}/diff"),
    ("get", "/api/faqs"),
    ("post", "/api/faqs"),
    ("get", "/api/faqs/search"),
    ("get", "/api/faqs/analytics"),
    ("get", "/api/faqs/{id}"),
    ("patch", "/api/faqs/{id}"),
    ("delete", "/api/faqs/{id}"),
    ("get", "/api/faqs/{id}/versions"),
    ("get", "/api/faqs/{id}/diff"),
    ("post", "/api/faqs/{id}/feedback"),
    ("post", "/api/faqs/import"),
    ("get", "/api/faqs/export"),
    ("get", "/api/help-centre"),
    ("get", "/api/faq-suggestions"),
    ("post", "/api/faq-suggestions/refresh"),
    ("post", "/api/faq-suggestions/{id}/approve"),
    ("post", "/api/faq-suggestions/{id}/dismiss"),
    ("put", "/api/help-centre"),
    ("get", "/public/{slug}"),
    ("get", "/public/{slug}/faqs"),
    ("get", "/public/{slug}/faqs/search"),
    ("get", "/public/{slug}/faqs/{id}"),
    ("post", "/public/{slug}/faqs/{id}/feedback"),
    ("get", "/api/faq-categories"),
    ("post", "/api/faq-categories"),
    ("patch", "/api/faq-categories/{id}"),
    ("delete", "/api/faq-categories/{id}"),
];

fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push((method.clone(), path.clone()));
            }
        }
    }
    ops.sort();
    ops
}

#[tokio::test]
async fn document_is_openapi_3_1_and_lists_exactly_the_endpoints() {
    let app = TestApp::sqlite().await;
    let (status, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut want: Vec<(String, String)> = ENDPOINTS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    want.sort();
    assert_eq!(operations(&doc), want);
    // The served document is the one the code builds.
    assert_eq!(
        doc,
        serde_json::to_value(morningai_backend::http::openapi_document()).unwrap()
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_describes_its_errors() {
    let app = TestApp::sqlite().await;
    let (_, doc) = app.get("/api/openapi.json", None).await;
    for (method, path) in operations(&doc) {
        let op = &doc["paths"][&path][&method];
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success response"
        );
        let public = [
            "/healthz",
            "/readyz",
            "/api/auth/signup",
            "/api/auth/login",
            "/api/auth/setup",
        ]
        .contains(&path.as_str())
            || path.starts_with("/public/");
        if !public {
            assert!(
                responses.contains_key("401"),
                "{method} {path}: 401 undocumented"
            );
            assert!(
                op["security"].is_array(),
                "{method} {path}: security undocumented"
            );
        }
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(
                    schema, "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
        let concrete = path
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{user_id}", &uuid::Uuid::new_v4().to_string());
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (status, body) = app.send(app.request(m, &concrete, None)).await;
        assert_ne!(
            body["error"]["code"], "route_not_found",
            "{method} {path} is documented but not routed"
        );
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
    }
}

#[tokio::test]
async fn swagger_ui_is_served() {
    let app = TestApp::sqlite().await;
    let res = app
        .client
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text().await.unwrap().contains("swagger"),
        "Swagger UI page"
    );
}

//! Bad input gets a clear error in the one JSON shape, and changes nothing.

use reqwest::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, TestApp, PASSWORD};

both_backends!(
    malformed_json_is_400,
    unknown_and_missing_fields_are_422,
    wrong_content_type_is_415,
    oversized_body_is_413,
    invalid_email_and_weak_password_are_422,
    sql_metacharacters_round_trip_verbatim,
    bad_path_ids_unknown_routes_and_methods,
);

async fn user_count(app: &TestApp, owner_token: &str) -> usize {
    app.get("/api/tenant/members", Some(owner_token))
        .await
        .1
        .as_array()
        .unwrap()
        .len()
}

async fn malformed_json_is_400(app: TestApp) {
    for raw in [
        "{",
        "{\"email\": }",
        "not json",
        "{\"email\":",
        "{\"email\":\"a@example.com\",}",
    ] {
        let req = app
            .request(Method::POST, "/api/auth/signup", None)
            .header(header::CONTENT_TYPE, "application/json")
            .body(raw);
        let (status, body) = app.send(req).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_json");
    }
}

async fn unknown_and_missing_fields_are_422(app: TestApp) {
    let (status, body) = app
        .post("/api/auth/signup", None, json!({ "email": "a@example.com", "password": PASSWORD, "tenant_name": "A", "is_admin": true }))
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is_admin"),
        "{body}"
    );
    let (status, body) = app
        .post(
            "/api/auth/signup",
            None,
            json!({ "email": "a@example.com" }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{body}"
    );
    let (status, body) = app
        .post(
            "/api/auth/signup",
            None,
            json!({ "email": 5, "password": PASSWORD, "tenant_name": "A" }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    // Nothing was created: the address is still free.
    let (status, _) = app
        .post(
            "/api/auth/signup",
            None,
            json!({ "email": "a@example.com", "password": PASSWORD, "tenant_name": "A" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn wrong_content_type_is_415(app: TestApp) {
    let req = app
        .request(Method::POST, "/api/auth/login", None)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(r#"{"email":"a@example.com","password":"x"}"#);
    let (status, body) = app.send(req).await;
    assert_error(
        status,
        &body,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

async fn oversized_body_is_413(app: TestApp) {
    let s = app.signup("big@example.com", "Big").await;
    let huge = "x".repeat(app.config.max_body_bytes + 1);
    let (status, body) = app.api_key(&s, json!({ "name": huge })).await;
    assert_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let (_, keys) = app.get("/api/api-keys", Some(&s.token)).await;
    assert_eq!(keys, json!([]));
}

async fn invalid_email_and_weak_password_are_422(app: TestApp) {
    for email in ["plain", "a@b", "@example.com", "a b@example.com", ""] {
        let (status, body) = app
            .post(
                "/api/auth/signup",
                None,
                json!({ "email": email, "password": PASSWORD, "tenant_name": "T" }),
            )
            .await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("email:"),
            "{body}"
        );
    }
    let (status, body) = app
        .post(
            "/api/auth/signup",
            None,
            json!({ "email": "ok@example.com", "password": "short", "tenant_name": "T" }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("password:"),
        "{body}"
    );
    for name in ["", "   ", "bad\u{0}name"] {
        let (status, body) = app
            .post(
                "/api/auth/signup",
                None,
                json!({ "email": "ok@example.com", "password": PASSWORD, "tenant_name": name }),
            )
            .await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
    }
    assert_eq!(
        app.login("ok@example.com", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED,
        "nothing was created"
    );
}

async fn sql_metacharacters_round_trip_verbatim(app: TestApp) {
    let evil = "Robert'); DROP TABLE users;-- \" \\ % _ ; $1 ? ' OR '1'='1";
    let email = "o'brien+%_--@example.com";
    let (status, body) = app
        .post(
            "/api/auth/signup",
            None,
            json!({ "email": email, "password": evil, "tenant_name": evil }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["tenant"]["name"], evil);
    assert_eq!(body["user"]["email"], email);
    let (status, body) = app.login(email, evil).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let session = crate::support::session(&body);
    let (status, key) = app.api_key(&session, json!({ "name": evil })).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    assert_eq!(key["name"], evil);
    let (_, keys) = app.get("/api/api-keys", Some(&token)).await;
    assert_eq!(keys[0]["name"], evil);
    let member_email = "x';DELETE/**/FROM/**/memberships;--@example.com";
    let (status, member) = app
        .post(
            "/api/tenant/members",
            Some(&token),
            json!({ "email": member_email, "role": "viewer", "password": evil }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    assert_eq!(
        member["email"],
        member_email.to_lowercase(),
        "stored verbatim, case-folded"
    );
    let (_, tenant) = app.get("/api/tenant", Some(&token)).await;
    assert_eq!(tenant["name"], evil);
    assert_eq!(user_count(&app, &token).await, 2);
    // A wildcard in the address does not match another account.
    assert_eq!(
        app.login("o'brien+xx--@example.com", evil).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn bad_path_ids_unknown_routes_and_methods(app: TestApp) {
    let s = app.signup("p@example.com", "P").await;
    let (status, body) = app.delete("/api/api-keys/not-a-uuid", Some(&s.token)).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, body) = app
        .delete(
            &format!("/api/api-keys/{}", uuid::Uuid::new_v4()),
            Some(&s.token),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app.get("/api/does-not-exist", None).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "route_not_found");
    let (status, body) = app
        .send(app.request(Method::PUT, "/api/auth/login", None))
        .await;
    assert_error(
        status,
        &body,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    let (status, body) = app.get("/api/audit?limit=0", Some(&s.token)).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, body) = app.get("/api/audit?limit=abc", Some(&s.token)).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    // Every response carries a request id for support.
    let res = app
        .request(Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("x-request-id").is_some());
    let _: Value = res.json().await.unwrap();
}

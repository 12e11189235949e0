//! Sign-up, log-in, sessions and API keys: every way in, and every way it is refused.

use morningai_backend::auth::token::{Claims, TokenKeys};
use morningai_core::UserId;
use reqwest::{header, Method, StatusCode};
use serde_json::json;

use crate::support::{assert_error, both_backends, TestApp, PASSWORD};

both_backends!(
    signup_login_key_me,
    duplicate_signup_conflicts_in_any_case,
    wrong_password_and_unknown_user_are_alike,
    expired_and_tampered_tokens_are_refused,
    logout_revokes_the_session,
    deleted_user_token_stops_working,
    revoked_api_key_stops_working,
    cookie_session_works_without_a_header,
    readiness_reports_the_database,
);

async fn signup_login_key_me(app: TestApp) {
    // A new instance says so (publicly), until someone signs up.
    let (status, body) = app.get("/api/auth/setup", None).await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({ "first_run": true }))
    );
    let s = app.signup("Ada@Example.com", "Analytical Engines").await;
    let (_, body) = app.get("/api/auth/setup", None).await;
    assert_eq!(body, json!({ "first_run": false }));
    let (status, body) = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "owner");
    assert_eq!(body["tenant"]["id"], s.tenant_id.as_str());
    let token = body["token"].as_str().unwrap();

    let (status, key) = app
        .api_key(&crate::support::session(&body), json!({ "name": "ci" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let secret = key["secret"].as_str().unwrap();
    assert!(secret.starts_with("mai_") && secret.starts_with(key["prefix"].as_str().unwrap()));

    let (status, me) = app.get("/api/auth/me", Some(secret)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(me["auth"], "api_key");
    assert_eq!(me["tenant"]["name"], "Analytical Engines");
    assert!(me["user"].get("password_hash").is_none());

    let (_, me) = app.get("/api/auth/me", Some(token)).await;
    assert_eq!(me["auth"], "session");

    // The secret is shown once: the list has the prefix, never the secret or its hash.
    let (status, list) = app.get("/api/api-keys", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    let listed = list.to_string();
    assert!(
        !listed.contains(secret) && !listed.contains("hash"),
        "{listed}"
    );
    assert!(
        list[0]["last_used_at"].is_string(),
        "using the key marks it used: {list}"
    );
}

async fn duplicate_signup_conflicts_in_any_case(app: TestApp) {
    app.signup("grace@example.com", "Navy").await;
    let (status, body) = app
        .post(
            "/api/auth/signup",
            None,
            json!({ "email": "GRACE@example.com", "password": PASSWORD, "tenant_name": "Other" }),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
}

async fn wrong_password_and_unknown_user_are_alike(app: TestApp) {
    app.signup("linus@example.com", "Kernel").await;
    let (s1, wrong) = app.login("linus@example.com", "not the password").await;
    let (s2, unknown) = app.login("nobody@example.com", PASSWORD).await;
    assert_error(s1, &wrong, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_error(
        s2,
        &unknown,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    assert_eq!(
        wrong, unknown,
        "the answer must not reveal whether the account exists"
    );
    assert!(wrong.get("token").is_none());
}

async fn expired_and_tampered_tokens_are_refused(app: TestApp) {
    let s = app.signup("t@example.com", "T").await;
    let keys = TokenKeys::new(app.config.jwt_secret.as_ref().unwrap().as_bytes());
    let mut claims: Claims = decode_claims(&s.token);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    claims.iat = now - 7200;
    claims.exp = now - 3600;
    let expired = keys.issue(&claims).unwrap();
    let (status, body) = app.get("/api/auth/me", Some(&expired)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");

    // Same claims, signed with another key.
    let mut forged_claims = decode_claims(&s.token);
    forged_claims.sub = UserId::new();
    let forged = TokenKeys::new(b"an-attacker-secret-of-32-bytes-x")
        .issue(&forged_claims)
        .unwrap();
    let (status, _) = app.get("/api/auth/me", Some(&forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The real token with its payload altered keeps the old signature.
    let parts: Vec<&str> = s.token.split('.').collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut payload: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    payload["exp"] = json!(now + 999_999);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(payload.to_string()),
        parts[2]
    );
    let (status, _) = app.get("/api/auth/me", Some(&tampered)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    for junk in ["", "Bearer", "not-a-token", "mai_not-a-real-key"] {
        let (status, body) = app.get("/api/auth/me", Some(junk)).await;
        assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let (status, _) = app.get("/api/auth/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The real token still works: nothing above changed it.
    assert_eq!(
        app.get("/api/auth/me", Some(&s.token)).await.0,
        StatusCode::OK
    );
}

fn decode_claims(token: &str) -> Claims {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn logout_revokes_the_session(app: TestApp) {
    let s = app.signup("bye@example.com", "T").await;
    let (status, _) = app.login("bye@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let res = app
        .request(Method::POST, "/api/auth/logout", Some(&s.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let cleared = res
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cleared.starts_with("morningai_session=") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (status, body) = app.get("/api/auth/me", Some(&s.token)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn deleted_user_token_stops_working(app: TestApp) {
    let owner = app.signup("owner@example.com", "T").await;
    let member = app.add_member(&owner, "leaver@example.com", "member").await;
    let (_, key) = app.api_key(&member, json!({ "name": "k" })).await;
    let key = key["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/auth/me", Some(&member.token)).await.0,
        StatusCode::OK
    );
    app.state
        .store
        .delete_user(member.user_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/auth/me", Some(&member.token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/auth/me", Some(&key)).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Removing a membership is enough too.
    let other = app
        .add_member(&owner, "removed@example.com", "viewer")
        .await;
    let (status, _) = app
        .delete(
            &format!("/api/tenant/members/{}", other.user_id),
            Some(&owner.token),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/tenant", Some(&other.token)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn revoked_api_key_stops_working(app: TestApp) {
    let s = app.signup("k@example.com", "Keys").await;
    let (_, key) = app.api_key(&s, json!({ "name": "deploy" })).await;
    let secret = key["secret"].as_str().unwrap();
    let id = key["id"].as_str().unwrap();
    assert_eq!(app.get("/api/tenant", Some(secret)).await.0, StatusCode::OK);
    let (status, _) = app
        .delete(&format!("/api/api-keys/{id}"), Some(&s.token))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/api/tenant", Some(secret)).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (_, list) = app.get("/api/api-keys", Some(&s.token)).await;
    assert!(list[0]["revoked_at"].is_string(), "{list}");
}

async fn cookie_session_works_without_a_header(app: TestApp) {
    app.signup("cookie@example.com", "Crumbs").await;
    let res = app
        .client
        .post(format!("{}/api/auth/login", app.base))
        .json(&json!({ "email": "cookie@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let set_cookie = res
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{attr} missing: {set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let me = app
        .client
        .get(format!("{}/api/auth/me", app.base))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let tampered = format!("{cookie}x");
    let me = app
        .client
        .get(format!("{}/api/auth/me", app.base))
        .header(header::COOKIE, tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

async fn readiness_reports_the_database(app: TestApp) {
    let (status, body) = app.get("/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["database"], app.state.store.backend().as_str());
    let (status, body) = app.get("/healthz", None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
}

#[tokio::test]
async fn signup_can_be_disabled() {
    let app = TestApp::sqlite_with(|c| c.allow_signup = false).await;
    let (status, body) = app
        .post(
            "/api/auth/signup",
            None,
            json!({ "email": "x@example.com", "password": PASSWORD, "tenant_name": "X" }),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "signup_disabled");
}

#[tokio::test]
async fn brute_force_login_per_account_gets_429_with_retry_after() {
    let app = TestApp::sqlite().await;
    app.signup("target@example.com", "T").await;
    let limit = app.config.login_per_account_per_minute;
    for _ in 0..limit {
        let (status, _) = app.login("target@example.com", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let res = app
        .request(Method::POST, "/api/auth/login", None)
        .json(&json!({ "email": "TARGET@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (_, body) = crate::support::read(res).await;
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(
        body.get("token").is_none(),
        "even the right password is refused while throttled"
    );
    // Other accounts are not locked by this one.
    app.signup("bystander@example.com", "B").await;
    assert_eq!(
        app.login("bystander@example.com", PASSWORD).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn postgres_brute_force_login_per_ip_gets_429() {
    let app = TestApp::postgres_with(|c| c.login_per_ip_per_minute = 3).await;
    for i in 0..3 {
        let (status, _) = app.login(&format!("user{i}@example.com"), "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.login("user9@example.com", "guess").await;
    assert_error(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

//! The credentials API end to end: an owner stores a git token and an SSH
//! key, lists them (no secret anywhere in the answers, the audit log or the
//! database, which holds sealed bytes only), deletes them; members get 403,
//! another tenant 404; bad kinds, hosts and secrets are 422 with nothing stored.

use morningai_core::{CredentialKind, TenantId};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, Session, TestApp};

both_backends!(
    create_list_and_delete_without_ever_returning_the_secret,
    members_get_403_and_other_tenants_404,
    bad_kinds_hosts_and_secrets_are_422_with_nothing_stored,
);

const TOKEN: &str = "ghp_S3cretTokenValue0123456789";
const SSH_KEY: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nS3cretKeyMaterial0123456789abcdef==\n-----END OPENSSH PRIVATE KEY-----\n";

async fn create(app: &TestApp, s: &Session, body: Value) -> (StatusCode, Value) {
    app.post("/api/credentials", Some(&s.token), body).await
}

async fn list(app: &TestApp, s: &Session) -> Vec<Value> {
    let (status, body) = app.get("/api/credentials", Some(&s.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

fn tenant(s: &Session) -> TenantId {
    s.tenant_id.parse().unwrap()
}

async fn create_list_and_delete_without_ever_returning_the_secret(app: TestApp) {
    let owner = app.signup("o@example.com", "Org").await;
    let (status, token) = create(
        &app,
        &owner,
        json!({ "kind": "git_token", "host": " GitHub.com ", "label": "CI bot",
                "username": "ci-bot", "secret": format!("{TOKEN}\n") }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    assert_eq!(token["kind"], "git_token");
    assert_eq!(token["host"], "github.com");
    assert_eq!(token["username"], "ci-bot");
    assert_eq!(token["label"], "CI bot");
    assert_eq!(token["tenant_id"], owner.tenant_id.as_str());
    assert_eq!(token["created_by"], owner.user_id.as_str());
    assert!(token["last_used_at"].is_null());
    assert!(token.get("secret").is_none(), "{token}");

    let (status, key) = create(
        &app,
        &owner,
        json!({ "kind": "ssh_key", "host": "git.example.com:2222", "username": "ignored",
                "secret": SSH_KEY.replace('\n', "\r\n") }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    assert!(key["username"].is_null(), "{key}");
    assert_eq!(key["label"], "");

    let listed = list(&app, &owner).await;
    assert_eq!(listed.len(), 2);
    let mut ids: Vec<&Value> = listed.iter().map(|c| &c["id"]).collect();
    ids.sort_by_key(|v| v.as_str().map(str::to_owned));
    let mut want = vec![&token["id"], &key["id"]];
    want.sort_by_key(|v| v.as_str().map(str::to_owned));
    assert_eq!(ids, want);
    let (_, audit) = app.get("/api/audit", Some(&owner.token)).await;
    for shown in [
        serde_json::to_string(&listed).unwrap(),
        token.to_string(),
        key.to_string(),
        audit.to_string(),
    ] {
        assert!(
            !shown.contains("S3cret") && !shown.contains("\"secret\""),
            "{shown}"
        );
    }
    assert!(audit.to_string().contains("credential.create"), "{audit}");

    // What the database holds is sealed, and opens to the secret for its row only.
    let store = &app.state.store;
    for (kind, host, plain) in [
        (CredentialKind::GitToken, "github.com", TOKEN),
        (CredentialKind::SshKey, "git.example.com:2222", SSH_KEY),
    ] {
        let (credential, sealed) = store
            .credential_secret(tenant(&owner), kind, host)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !sealed.windows(6).any(|w| w == b"S3cret"),
            "{kind}: plaintext stored"
        );
        let opened = app
            .state
            .secret_box
            .open(&sealed, &credential.aad())
            .unwrap();
        assert_eq!(String::from_utf8(opened).unwrap(), plain);
        let other = morningai_core::credential_aad(TenantId::new(), credential.id, kind);
        assert!(app.state.secret_box.open(&sealed, &other).is_err());
    }

    let path = format!("/api/credentials/{}", token["id"].as_str().unwrap());
    let (status, body) = app.delete(&path, Some(&owner.token)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = app.delete(&path, Some(&owner.token)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let listed = list(&app, &owner).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], key["id"]);
    assert!(store
        .credential_secret(tenant(&owner), CredentialKind::GitToken, "github.com")
        .await
        .unwrap()
        .is_none());
}

async fn members_get_403_and_other_tenants_404(app: TestApp) {
    let owner = app.signup("o@example.com", "Org").await;
    let (status, created) = create(
        &app,
        &owner,
        json!({ "kind": "git_token", "host": "github.com", "secret": TOKEN }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/api/credentials/{}", created["id"].as_str().unwrap());

    let admin = app.add_member(&owner, "a@example.com", "admin").await;
    assert_eq!(list(&app, &admin).await.len(), 1);
    for role in ["member", "viewer"] {
        let who = app
            .add_member(&owner, &format!("{role}@example.com"), role)
            .await;
        let (status, body) = app.get("/api/credentials", Some(&who.token)).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = create(
            &app,
            &who,
            json!({ "kind": "git_token", "host": "github.com", "secret": "mine" }),
        )
        .await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = app.delete(&path, Some(&who.token)).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, body) = app.get("/api/credentials", None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");

    // Another tenant's owner: sees nothing, cannot delete it, cannot use it.
    let stranger = app.signup("s@example.com", "Other").await;
    assert!(list(&app, &stranger).await.is_empty());
    let (status, body) = app.delete(&path, Some(&stranger.token)).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert!(app
        .state
        .store
        .credential_secret(tenant(&stranger), CredentialKind::GitToken, "github.com")
        .await
        .unwrap()
        .is_none());
    assert_eq!(list(&app, &owner).await.len(), 1);
}

async fn bad_kinds_hosts_and_secrets_are_422_with_nothing_stored(app: TestApp) {
    let owner = app.signup("o@example.com", "Org").await;
    let git =
        |host: &str, secret: &str| json!({ "kind": "git_token", "host": host, "secret": secret });
    let ssh = |secret: &str| json!({ "kind": "ssh_key", "host": "github.com", "secret": secret });
    for (body, field) in [
        (
            json!({ "kind": "password", "host": "github.com", "secret": TOKEN }),
            "kind",
        ),
        (git("https://github.com", TOKEN), "host"),
        (git("github.com/acme/api", TOKEN), "host"),
        (git("user@github.com", TOKEN), "host"),
        (git("github.com:99999", TOKEN), "host"),
        (git("", TOKEN), "host"),
        (git("github.com", ""), "secret"),
        (git("github.com", "S3cret with spaces"), "secret"),
        (git("github.com", &"S3cret".repeat(100)), "secret"),
        (ssh("S3cret not a key"), "secret"),
        (
            ssh("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIS3cret me@host"),
            "secret",
        ),
        (ssh(&SSH_KEY.replace("OPENSSH PRIVATE", "PUBLIC")), "secret"),
        (
            json!({ "kind": "git_token", "host": "github.com", "secret": TOKEN, "label": "l".repeat(101) }),
            "label",
        ),
        (
            json!({ "kind": "git_token", "host": "github.com", "secret": TOKEN, "username": "a:b" }),
            "username",
        ),
        (
            json!({ "kind": "git_token", "host": "github.com", "secret": TOKEN, "extra": 1 }),
            "extra",
        ),
        (
            json!({ "kind": "git_token", "host": "github.com" }),
            "secret",
        ),
    ] {
        let (status, answer) = create(&app, &owner, body.clone()).await;
        assert_error(
            status,
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
        assert!(
            !message.contains("S3cret"),
            "{body}: the secret echoed: {message}"
        );
    }
    assert!(list(&app, &owner).await.is_empty());
    let (_, audit) = app.get("/api/audit", Some(&owner.token)).await;
    assert!(!audit.to_string().contains("credential."), "{audit}");
}

//! Roles: who may manage whom, the last owner, and tenants kept apart.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{assert_error, both_backends, TestApp};

both_backends!(
    members_cannot_do_owner_or_admin_actions,
    admins_manage_below_owner_only,
    last_owner_cannot_be_demoted_or_removed,
    api_keys_are_capped_by_role_and_cannot_mint_keys,
    another_tenant_sees_none_of_it,
    audit_log_records_who_did_what,
);

async fn members_cannot_do_owner_or_admin_actions(app: TestApp) {
    let owner = app.signup("owner@example.com", "T").await;
    let member = app.add_member(&owner, "member@example.com", "member").await;
    let (_, before) = app.get("/api/tenant/members", Some(&owner.token)).await;

    let attempts = [
        app.post(
            "/api/tenant/members",
            Some(&member.token),
            json!({ "email": "new@example.com", "role": "viewer", "password": "long enough pw" }),
        )
        .await,
        app.patch(
            &format!("/api/tenant/members/{}", owner.user_id),
            Some(&member.token),
            json!({ "role": "viewer" }),
        )
        .await,
        app.patch(
            &format!("/api/tenant/members/{}", member.user_id),
            Some(&member.token),
            json!({ "role": "owner" }),
        )
        .await,
        app.delete(
            &format!("/api/tenant/members/{}", owner.user_id),
            Some(&member.token),
        )
        .await,
        app.get("/api/audit", Some(&member.token)).await,
    ];
    for (status, body) in attempts {
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (_, after) = app.get("/api/tenant/members", Some(&owner.token)).await;
    assert_eq!(before, after, "nothing changed");
    assert_eq!(
        app.login("new@example.com", "long enough pw").await.0,
        StatusCode::UNAUTHORIZED
    );
    // A member may leave on their own.
    let (status, _) = app
        .delete(
            &format!("/api/tenant/members/{}", member.user_id),
            Some(&member.token),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn admins_manage_below_owner_only(app: TestApp) {
    let owner = app.signup("owner@example.com", "T").await;
    let admin = app.add_member(&owner, "admin@example.com", "admin").await;
    let viewer = app.add_member(&admin, "viewer@example.com", "viewer").await;
    let (status, body) = app
        .patch(
            &format!("/api/tenant/members/{}", viewer.user_id),
            Some(&admin.token),
            json!({ "role": "member" }),
        )
        .await;
    assert_eq!(
        (status, body["role"].as_str()),
        (StatusCode::OK, Some("member"))
    );
    let (status, body) = app
        .patch(
            &format!("/api/tenant/members/{}", viewer.user_id),
            Some(&admin.token),
            json!({ "role": "owner" }),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .delete(
            &format!("/api/tenant/members/{}", owner.user_id),
            Some(&admin.token),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .post(
            "/api/tenant/members",
            Some(&admin.token),
            json!({ "email": "o2@example.com", "role": "owner", "password": "long enough pw" }),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // Existing accounts (here or in another tenant) cannot be pulled in without consent.
    let (status, body) = app
        .post(
            "/api/tenant/members",
            Some(&owner.token),
            json!({ "email": "ADMIN@example.com", "role": "viewer", "password": "long enough pw" }),
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    app.signup("elsewhere@example.com", "Other").await;
    let (status, body) = app
        .post("/api/tenant/members", Some(&owner.token), json!({ "email": "elsewhere@example.com", "role": "viewer", "password": "long enough pw" }))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");
    let (_, members) = app.get("/api/tenant/members", Some(&owner.token)).await;
    assert_eq!(members.as_array().unwrap().len(), 3, "{members}");
    let (status, body) = app
        .post(
            "/api/tenant/members",
            Some(&owner.token),
            json!({ "email": "fresh@example.com", "role": "viewer" }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, body) = app
        .patch(
            &format!("/api/tenant/members/{}", uuid::Uuid::new_v4()),
            Some(&owner.token),
            json!({ "role": "viewer" }),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app
        .patch(
            &format!("/api/tenant/members/{}", viewer.user_id),
            Some(&owner.token),
            json!({ "role": "root" }),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
}

async fn last_owner_cannot_be_demoted_or_removed(app: TestApp) {
    let owner = app.signup("solo@example.com", "T").await;
    let path = format!("/api/tenant/members/{}", owner.user_id);
    let (status, body) = app
        .patch(&path, Some(&owner.token), json!({ "role": "admin" }))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "last_owner");
    let (status, body) = app.delete(&path, Some(&owner.token)).await;
    assert_error(status, &body, StatusCode::CONFLICT, "last_owner");
    let (_, me) = app.get("/api/auth/me", Some(&owner.token)).await;
    assert_eq!(me["role"], "owner");
    // With a second owner, the first may step down.
    let second = app.add_member(&owner, "second@example.com", "owner").await;
    let (status, _) = app
        .patch(&path, Some(&second.token), json!({ "role": "member" }))
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn api_keys_are_capped_by_role_and_cannot_mint_keys(app: TestApp) {
    let owner = app.signup("owner@example.com", "T").await;
    let viewer = app.add_member(&owner, "viewer@example.com", "viewer").await;
    let (status, body) = app
        .api_key(&viewer, json!({ "name": "up", "role": "admin" }))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, key) = app.api_key(&viewer, json!({ "name": "mine" })).await;
    assert_eq!(
        (status, key["role"].as_str()),
        (StatusCode::CREATED, Some("viewer"))
    );
    let secret = key["secret"].as_str().unwrap().to_owned();
    // Keys act with their role: a viewer key cannot add members.
    let (status, _) = app
        .post(
            "/api/tenant/members",
            Some(&secret),
            json!({ "email": "x@example.com", "role": "viewer", "password": "long enough pw" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .post("/api/api-keys", Some(&secret), json!({ "name": "child" }))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // An owner's member-role key is a member.
    let (_, member_key) = app
        .api_key(&owner, json!({ "name": "limited", "role": "member" }))
        .await;
    let (_, me) = app
        .get("/api/auth/me", Some(member_key["secret"].as_str().unwrap()))
        .await;
    assert_eq!(me["role"], "member");
    // The viewer sees only their own key; the owner sees both and may revoke the viewer's.
    let (_, list) = app.get("/api/api-keys", Some(&viewer.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, list) = app.get("/api/api-keys", Some(&owner.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (status, _) = app
        .delete(
            &format!("/api/api-keys/{}", member_key["id"].as_str().unwrap()),
            Some(&viewer.token),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .delete(
            &format!("/api/api-keys/{}", key["id"].as_str().unwrap()),
            Some(&owner.token),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn another_tenant_sees_none_of_it(app: TestApp) {
    let a = app.signup("a@example.com", "Alpha").await;
    let a_member = app.add_member(&a, "am@example.com", "member").await;
    let (_, a_key) = app.api_key(&a, json!({ "name": "alpha-key" })).await;
    let b = app.signup("b@example.com", "Beta").await;

    let (_, tenant) = app.get("/api/tenant", Some(&b.token)).await;
    assert_eq!(tenant["name"], "Beta");
    let (_, members) = app.get("/api/tenant/members", Some(&b.token)).await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    let (_, keys) = app.get("/api/api-keys", Some(&b.token)).await;
    assert_eq!(keys, json!([]));
    let (status, _) = app
        .delete(
            &format!("/api/api-keys/{}", a_key["id"].as_str().unwrap()),
            Some(&b.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .patch(
            &format!("/api/tenant/members/{}", a_member.user_id),
            Some(&b.token),
            json!({ "role": "viewer" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .delete(
            &format!("/api/tenant/members/{}", a_member.user_id),
            Some(&b.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, log) = app.get("/api/audit", Some(&b.token)).await;
    assert!(
        !log.to_string().contains("Alpha") && !log.to_string().contains(&a.tenant_id),
        "{log}"
    );
    // Logging in to A's tenant as B is refused.
    let (status, _) = app
        .post("/api/auth/login", None, json!({ "email": "b@example.com", "password": crate::support::PASSWORD, "tenant_id": a.tenant_id }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A is untouched.
    let (_, members) = app.get("/api/tenant/members", Some(&a.token)).await;
    assert_eq!(members.as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/tenant", Some(a_key["secret"].as_str().unwrap()))
            .await
            .0,
        StatusCode::OK
    );
}

async fn audit_log_records_who_did_what(app: TestApp) {
    let owner = app.signup("owner@example.com", "T").await;
    let m = app.add_member(&owner, "m@example.com", "viewer").await;
    app.patch(
        &format!("/api/tenant/members/{}", m.user_id),
        Some(&owner.token),
        json!({ "role": "member" }),
    )
    .await;
    let (status, log) = app.get("/api/audit?limit=50", Some(&owner.token)).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in ["tenant.create", "member.add", "auth.login", "member.role"] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    let role_change = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "member.role")
        .unwrap();
    assert_eq!(role_change["actor_user_id"], owner.user_id.as_str());
    assert_eq!(
        role_change["detail"],
        json!({ "from": "viewer", "to": "member" })
    );
}

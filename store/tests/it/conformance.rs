//! Behaviour both backends must share. Each case runs once per backend; the
//! module name (`sqlite::…` / `postgres::…`) says which.

use morningai_core::{ApiKeyId, Email, Role, TenantCtx, UserId};
use morningai_store::{NewApiKey, Store, StoreError};
use time::{Duration, OffsetDateTime};

both_stores!(
    health_and_migrations,
    signup_creates_tenant_owner_and_audit,
    emails_are_unique_case_insensitively,
    credentials_found_by_email_in_any_case,
    sessions_are_tenant_scoped_and_revocable,
    members_add_change_remove,
    last_owner_cannot_be_demoted_or_removed,
    api_keys_authenticate_until_revoked,
    tenants_cannot_reach_each_other,
    sql_metacharacters_are_stored_verbatim,
    deleting_a_user_removes_their_access,
    audit_log_is_newest_first_and_scoped,
    user_sees_all_their_tenants,
);

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

async fn tenant(store: &dyn Store, mail: &str, name: &str) -> TenantCtx {
    let s = store.signup(&email(mail), "hash", name).await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

async fn member(store: &dyn Store, ctx: &TenantCtx, mail: &str, role: Role) -> TenantCtx {
    let user = store.create_user(&email(mail), "hash").await.unwrap();
    store.add_member(ctx, user.id, role).await.unwrap();
    TenantCtx {
        user_id: user.id,
        role,
        ..*ctx
    }
}

fn new_key(name: &str, hash: &str) -> NewApiKey {
    NewApiKey {
        name: name.into(),
        prefix: "mai_abcd".into(),
        key_hash: hash.into(),
        role: Role::Member,
    }
}

async fn health_and_migrations(store: &dyn Store) {
    store.ping().await.unwrap();
    assert!(store.migrations_current().await.unwrap());
}

async fn signup_creates_tenant_owner_and_audit(store: &dyn Store) {
    assert!(!store.has_users().await.unwrap());
    let s = store
        .signup(&email("Ada@Example.com"), "h1", "Analytical")
        .await
        .unwrap();
    assert!(store.has_users().await.unwrap());
    assert_eq!(s.user.email.as_str(), "ada@example.com");
    assert_eq!(s.membership.role, Role::Owner);
    let ctx = TenantCtx::system(s.tenant.id, s.user.id);
    assert_eq!(store.tenant(&ctx).await.unwrap(), s.tenant);
    let members = store.members(&ctx).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].user_id, members[0].role),
        (s.user.id, Role::Owner)
    );
    let log = store.audit_log(&ctx, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "tenant.create");
    assert_eq!(log[0].actor_user_id, Some(s.user.id));
}

async fn emails_are_unique_case_insensitively(store: &dyn Store) {
    store
        .signup(&email("grace@example.com"), "h", "Navy")
        .await
        .unwrap();
    let again = store
        .signup(&email("GRACE@example.com"), "h", "Other")
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let create = store.create_user(&email("Grace@Example.com"), "h").await;
    assert!(matches!(create, Err(StoreError::Conflict(_))), "{create:?}");
}

async fn credentials_found_by_email_in_any_case(store: &dyn Store) {
    store
        .signup(&email("linus@example.com"), "argon-hash", "Kernel")
        .await
        .unwrap();
    let creds = store
        .user_credentials(&email("LINUS@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "argon-hash");
    assert!(store
        .user_credentials(&email("nobody@example.com"))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.user(creds.user.id).await.unwrap().unwrap(),
        creds.user
    );
}

async fn sessions_are_tenant_scoped_and_revocable(store: &dyn Store) {
    let a = tenant(store, "a@example.com", "A").await;
    let b = tenant(store, "b@example.com", "B").await;
    let expires = OffsetDateTime::now_utc() + Duration::hours(1);
    let s = store
        .create_session(a.tenant_id, a.user_id, expires)
        .await
        .unwrap();
    let got = store.session(a.tenant_id, s.id).await.unwrap().unwrap();
    assert_eq!(got, s);
    assert!(store.session(b.tenant_id, s.id).await.unwrap().is_none());
    // Another tenant revoking it changes nothing.
    store.revoke_session(&b, s.id).await.unwrap();
    assert!(store
        .session(a.tenant_id, s.id)
        .await
        .unwrap()
        .unwrap()
        .revoked_at
        .is_none());
    store.revoke_session(&a, s.id).await.unwrap();
    assert!(store
        .session(a.tenant_id, s.id)
        .await
        .unwrap()
        .unwrap()
        .revoked_at
        .is_some());
}

async fn members_add_change_remove(store: &dyn Store) {
    let owner = tenant(store, "owner@example.com", "T").await;
    let m = member(store, &owner, "m@example.com", Role::Viewer).await;
    let again = store.add_member(&owner, m.user_id, Role::Member).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(
        store
            .membership(owner.tenant_id, m.user_id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Viewer
    );
    let changed = store
        .set_member_role(&owner, m.user_id, Role::Admin)
        .await
        .unwrap();
    assert_eq!(changed.role, Role::Admin);
    assert_eq!(store.members(&owner).await.unwrap().len(), 2);
    store.remove_member(&owner, m.user_id).await.unwrap();
    assert!(store
        .membership(owner.tenant_id, m.user_id)
        .await
        .unwrap()
        .is_none());
    let missing = store.remove_member(&owner, m.user_id).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    let actions: Vec<String> = store
        .audit_log(&owner, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "member.remove",
            "member.role",
            "member.add",
            "tenant.create"
        ]
    );
}

async fn last_owner_cannot_be_demoted_or_removed(store: &dyn Store) {
    let owner = tenant(store, "o1@example.com", "T").await;
    let demote = store
        .set_member_role(&owner, owner.user_id, Role::Admin)
        .await;
    assert!(matches!(demote, Err(StoreError::LastOwner)), "{demote:?}");
    let remove = store.remove_member(&owner, owner.user_id).await;
    assert!(matches!(remove, Err(StoreError::LastOwner)), "{remove:?}");
    // With a second owner, one may step down — but then the other is the last.
    let second = member(store, &owner, "o2@example.com", Role::Owner).await;
    store
        .set_member_role(&owner, owner.user_id, Role::Member)
        .await
        .unwrap();
    let remove = store.remove_member(&owner, second.user_id).await;
    assert!(matches!(remove, Err(StoreError::LastOwner)), "{remove:?}");
    assert_eq!(
        store
            .membership(owner.tenant_id, second.user_id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Owner
    );
}

async fn api_keys_authenticate_until_revoked(store: &dyn Store) {
    let ctx = tenant(store, "k@example.com", "Keys").await;
    let key = store
        .create_api_key(&ctx, new_key("ci", "hash-1"))
        .await
        .unwrap();
    assert_eq!(
        (key.name.as_str(), key.role, key.tenant_id),
        ("ci", Role::Member, ctx.tenant_id)
    );
    let dup = store.create_api_key(&ctx, new_key("again", "hash-1")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let found = store.authenticate_api_key("hash-1").await.unwrap().unwrap();
    assert_eq!(found.id, key.id);
    assert!(found.last_used_at.is_some());
    let listed = store.api_key(&ctx, key.id).await.unwrap().unwrap();
    assert_eq!(listed.last_used_at, found.last_used_at);
    assert!(store
        .authenticate_api_key("hash-2")
        .await
        .unwrap()
        .is_none());
    store.revoke_api_key(&ctx, key.id).await.unwrap();
    store.revoke_api_key(&ctx, key.id).await.unwrap();
    assert!(store
        .authenticate_api_key("hash-1")
        .await
        .unwrap()
        .is_none());
    let keys = store.api_keys(&ctx).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].revoked_at.is_some());
    let missing = store.revoke_api_key(&ctx, ApiKeyId::new()).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

async fn tenants_cannot_reach_each_other(store: &dyn Store) {
    let a = tenant(store, "a@example.com", "A").await;
    let b = tenant(store, "b@example.com", "B").await;
    let a_member = member(store, &a, "am@example.com", Role::Member).await;
    let a_key = store
        .create_api_key(&a, new_key("a", "hash-a"))
        .await
        .unwrap();

    assert_eq!(store.tenant(&b).await.unwrap().name, "B");
    assert!(store
        .members(&b)
        .await
        .unwrap()
        .iter()
        .all(|m| m.user_id == b.user_id));
    assert!(store
        .membership(b.tenant_id, a_member.user_id)
        .await
        .unwrap()
        .is_none());
    assert!(store.api_keys(&b).await.unwrap().is_empty());
    assert!(store.api_key(&b, a_key.id).await.unwrap().is_none());
    assert!(matches!(
        store.revoke_api_key(&b, a_key.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .set_member_role(&b, a_member.user_id, Role::Owner)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.remove_member(&b, a_member.user_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(store
        .audit_log(&b, 50)
        .await
        .unwrap()
        .iter()
        .all(|e| e.tenant_id == b.tenant_id));

    // Nothing of A changed.
    assert_eq!(
        store
            .membership(a.tenant_id, a_member.user_id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Member
    );
    assert!(store
        .authenticate_api_key("hash-a")
        .await
        .unwrap()
        .is_some());
}

async fn sql_metacharacters_are_stored_verbatim(store: &dyn Store) {
    let name = "Robert'); DROP TABLE tenants;-- \" \\ % _ $1 ?";
    let s = store
        .signup(&email("o'brien+x@example.com"), "h", name)
        .await
        .unwrap();
    let ctx = TenantCtx::system(s.tenant.id, s.user.id);
    assert_eq!(store.tenant(&ctx).await.unwrap().name, name);
    assert_eq!(
        store.user(s.user.id).await.unwrap().unwrap().email.as_str(),
        "o'brien+x@example.com"
    );
    let key = store
        .create_api_key(&ctx, new_key(name, "h'; --"))
        .await
        .unwrap();
    assert_eq!(
        store.api_key(&ctx, key.id).await.unwrap().unwrap().name,
        name
    );
    assert!(store
        .authenticate_api_key("h'; --")
        .await
        .unwrap()
        .is_some());
    // A LIKE-style wildcard must not match other rows.
    assert!(store
        .user_credentials(&email("o_brien+x@example.com"))
        .await
        .unwrap()
        .is_none());
}

async fn deleting_a_user_removes_their_access(store: &dyn Store) {
    let owner = tenant(store, "o@example.com", "T").await;
    let m = member(store, &owner, "gone@example.com", Role::Admin).await;
    store
        .create_api_key(&m, new_key("m", "hash-m"))
        .await
        .unwrap();
    store.delete_user(m.user_id).await.unwrap();
    assert!(store.user(m.user_id).await.unwrap().is_none());
    assert!(store
        .membership(owner.tenant_id, m.user_id)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .authenticate_api_key("hash-m")
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        store.delete_user(UserId::new()).await,
        Err(StoreError::NotFound)
    ));
}

async fn audit_log_is_newest_first_and_scoped(store: &dyn Store) {
    let ctx = tenant(store, "audit@example.com", "T").await;
    for i in 0..3 {
        store
            .record_audit(
                &ctx,
                &format!("test.{i}"),
                Some("x"),
                serde_json::json!({ "i": i }),
            )
            .await
            .unwrap();
    }
    let log = store.audit_log(&ctx, 2).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].action, "test.2");
    assert_eq!(log[0].detail, serde_json::json!({ "i": 2 }));
    assert_eq!(log[1].action, "test.1");
}

async fn user_sees_all_their_tenants(store: &dyn Store) {
    let a = tenant(store, "multi@example.com", "First").await;
    let b = tenant(store, "other@example.com", "Second").await;
    store.add_member(&b, a.user_id, Role::Viewer).await.unwrap();
    let list = store.memberships_of(a.user_id).await.unwrap();
    let names: Vec<(&str, Role)> = list
        .iter()
        .map(|(t, m)| (t.name.as_str(), m.role))
        .collect();
    assert_eq!(names, [("First", Role::Owner), ("Second", Role::Viewer)]);
    assert!(store
        .memberships_of(UserId::new())
        .await
        .unwrap()
        .is_empty());
}

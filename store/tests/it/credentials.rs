//! The credential store: create, list, delete (audited, never with the
//! secret), the newest credential of a kind and host with its sealed secret,
//! and tenant isolation — on both backends, and on PostgreSQL also as the
//! application role with raw SQL (row-level security alone keeps tenant B
//! from tenant A's credentials).

use morningai_core::{
    CredentialId, CredentialKind, Email, NewCredential, SecretBox, TenantCtx, TenantId,
};
use morningai_store::testing::TempPostgres;
use morningai_store::{Store, StoreError};
use sqlx::{Connection, PgConnection, Postgres, Transaction};
use uuid::Uuid;

both_stores!(
    create_list_delete_and_audit_without_the_secret,
    the_newest_credential_for_the_exact_host_is_used,
    tenants_cannot_reach_each_others_credentials,
    invalid_input_is_refused,
);

const TOKEN: &str = "ghp_0123456789abcdefSECRET";

async fn tenant(store: &dyn Store, name: &str) -> TenantCtx {
    let email = Email::parse(&format!("{name}@example.com")).unwrap();
    let s = store.signup(&email, "hash", name).await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

fn secret_box() -> SecretBox {
    SecretBox::from_key_text("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        .unwrap()
}

fn new(kind: CredentialKind, host: &str, label: &str) -> NewCredential {
    NewCredential {
        id: CredentialId::new(),
        kind,
        host: host.into(),
        username: None,
        label: label.into(),
    }
}

/// Seals `secret` for `new` in `ctx`'s tenant and stores it.
async fn store_secret(
    store: &dyn Store,
    ctx: &TenantCtx,
    new: &NewCredential,
    secret: &str,
) -> morningai_core::Credential {
    let sealed = secret_box().seal(secret.as_bytes(), &new.aad(ctx.tenant_id));
    store.create_credential(ctx, new, &sealed).await.unwrap()
}

async fn create_list_delete_and_audit_without_the_secret(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let token = NewCredential {
        username: Some("bot".into()),
        ..new(CredentialKind::GitToken, "github.com", "CI token")
    };
    let created = store_secret(store, &a, &token, TOKEN).await;
    assert_eq!(created.id, token.id);
    assert_eq!(created.tenant_id, a.tenant_id);
    assert_eq!(created.kind, CredentialKind::GitToken);
    assert_eq!(
        (created.host.as_str(), created.label.as_str()),
        ("github.com", "CI token")
    );
    assert_eq!(created.username.as_deref(), Some("bot"));
    assert_eq!(created.created_by, Some(a.user_id));
    assert!(created.last_used_at.is_none());
    let key = new(CredentialKind::SshKey, "git.example.com:2222", "");
    store_secret(store, &a, &key, "-----BEGIN OPENSSH PRIVATE KEY-----").await;

    let listed = store.credentials(&a).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], created);
    assert_eq!(listed[1].kind, CredentialKind::SshKey);
    // The secret appears nowhere in what is listed.
    let json = serde_json::to_string(&listed).unwrap();
    assert!(
        !json.contains("SECRET") && !json.contains("secret"),
        "{json}"
    );

    store.delete_credential(&a, created.id).await.unwrap();
    assert!(matches!(
        store.delete_credential(&a, created.id).await,
        Err(StoreError::NotFound)
    ));
    let ids: Vec<_> = store
        .credentials(&a)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, [key.id]);

    let audit = store.audit_log(&a, 10).await.unwrap();
    let actions: Vec<_> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        &actions[..3],
        [
            "credential.delete",
            "credential.create",
            "credential.create"
        ]
    );
    assert_eq!(audit[0].target, Some(created.id.to_string()));
    assert_eq!(
        audit[2].detail,
        serde_json::json!({ "kind": "git_token", "host": "github.com", "label": "CI token" })
    );
    let logged = serde_json::to_string(&audit).unwrap();
    assert!(!logged.contains("SECRET"), "{logged}");
}

async fn the_newest_credential_for_the_exact_host_is_used(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let git = CredentialKind::GitToken;
    assert!(store
        .credential_secret(a.tenant_id, git, "github.com")
        .await
        .unwrap()
        .is_none());
    let old = new(git, "github.com", "old");
    store_secret(store, &a, &old, "old-token").await;
    let newer = new(git, "github.com", "new");
    store_secret(store, &a, &newer, "new-token").await;
    store_secret(store, &a, &new(git, "github.com:8443", ""), "port-token").await;
    store_secret(
        store,
        &a,
        &new(CredentialKind::SshKey, "github.com", ""),
        "key",
    )
    .await;

    // The host is matched exactly, in any case.
    let (credential, sealed) = store
        .credential_secret(a.tenant_id, git, " GitHub.com ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(credential.id, newer.id);
    assert!(credential.last_used_at.is_some());
    assert!(!sealed
        .windows(b"new-token".len())
        .any(|w| w == b"new-token"));
    assert_eq!(
        secret_box().open(&sealed, &credential.aad()).unwrap(),
        b"new-token"
    );
    let listed = store.credentials(&a).await.unwrap();
    let used = listed.iter().find(|c| c.id == newer.id).unwrap();
    assert_eq!(used.last_used_at, credential.last_used_at);
    assert!(listed
        .iter()
        .filter(|c| c.id != newer.id)
        .all(|c| c.last_used_at.is_none()));

    for other in ["gitlab.com", "api.github.com", "github.co"] {
        assert!(
            store
                .credential_secret(a.tenant_id, git, other)
                .await
                .unwrap()
                .is_none(),
            "{other}"
        );
    }
    let (port, _) = store
        .credential_secret(a.tenant_id, git, "github.com:8443")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(port.host, "github.com:8443");

    // Deleting the newest falls back to the one before.
    store.delete_credential(&a, newer.id).await.unwrap();
    let (credential, _) = store
        .credential_secret(a.tenant_id, git, "github.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(credential.id, old.id);
}

async fn tenants_cannot_reach_each_others_credentials(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let theirs = new(CredentialKind::GitToken, "github.com", "a's");
    let created = store_secret(store, &a, &theirs, TOKEN).await;

    assert!(store.credentials(&b).await.unwrap().is_empty());
    assert!(store
        .credential_secret(b.tenant_id, CredentialKind::GitToken, "github.com")
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        store.delete_credential(&b, created.id).await,
        Err(StoreError::NotFound)
    ));
    // The same id again, in B: refused, A's row untouched.
    let sealed = secret_box().seal(b"b's", &theirs.aad(b.tenant_id));
    assert!(store.create_credential(&b, &theirs, &sealed).await.is_err());
    assert_eq!(store.credentials(&a).await.unwrap(), [created]);
    // A's sealed secret does not open as B's.
    let (_, sealed) = store
        .credential_secret(a.tenant_id, CredentialKind::GitToken, "github.com")
        .await
        .unwrap()
        .unwrap();
    assert!(secret_box()
        .open(&sealed, &theirs.aad(b.tenant_id))
        .is_err());
    assert!(store
        .audit_log(&b, 10)
        .await
        .unwrap()
        .iter()
        .all(|e| !e.action.starts_with("credential.")));
}

async fn invalid_input_is_refused(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let git = CredentialKind::GitToken;
    for bad in [
        new(git, "https://github.com", ""),
        new(git, "GitHub.com", ""),
        new(git, "github.com/org", ""),
        new(git, "", ""),
        new(git, "github.com", &"l".repeat(101)),
        NewCredential {
            username: Some("a:b".into()),
            ..new(git, "github.com", "")
        },
    ] {
        let result = store.create_credential(&a, &bad, b"sealed").await;
        assert!(
            matches!(result, Err(StoreError::InvalidState(_))),
            "{bad:?}: {result:?}"
        );
    }
    assert!(matches!(
        store
            .create_credential(&a, &new(git, "github.com", ""), b"")
            .await,
        Err(StoreError::InvalidState(_))
    ));
    assert!(store.credentials(&a).await.unwrap().is_empty());
}

/// Two tenants with a credential each, on PostgreSQL.
async fn pg_world() -> (TempPostgres, TenantCtx, TenantCtx, CredentialId) {
    let db = TempPostgres::new().await;
    let a = tenant(&db.store, "a").await;
    let b = tenant(&db.store, "b").await;
    let theirs = new(CredentialKind::GitToken, "github.com", "a's");
    store_secret(&db.store, &a, &theirs, TOKEN).await;
    store_secret(
        &db.store,
        &b,
        &new(CredentialKind::GitToken, "gitlab.com", "b's"),
        "b-token",
    )
    .await;
    (db, a, b, theirs.id)
}

/// A transaction as the application role, scoped to `tenant` (or to nothing).
async fn app_tx(db: &TempPostgres, tenant: Option<TenantId>) -> Transaction<'static, Postgres> {
    let mut tx = db.store.pool().begin().await.unwrap();
    if let Some(t) = tenant {
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(t.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx
}

async fn owner_rows(db: &TempPostgres, tenant: TenantId) -> Vec<(Uuid, Vec<u8>)> {
    let mut owner = PgConnection::connect(&db.owner_url).await.unwrap();
    sqlx::query_as("SELECT id, secret FROM credentials WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_all(&mut owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn postgres_rls_tenant_cannot_list_or_read_anothers_secret() {
    let (db, a, b, theirs) = pg_world().await;
    let mut tx = app_tx(&db, Some(b.tenant_id)).await;
    // No WHERE clause: only B's own row.
    let visible: Vec<(Uuid, Uuid)> = sqlx::query_as("SELECT id, tenant_id FROM credentials")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible.len(), 1);
    assert!(visible.iter().all(|(_, t)| *t == b.tenant_id.0));
    let secret: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT secret FROM credentials WHERE id = $1")
            .bind(theirs.0)
            .fetch_optional(&mut *tx)
            .await
            .unwrap();
    assert!(secret.is_none(), "B read A's sealed secret");
    drop(tx);

    let mut tx = app_tx(&db, None).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM credentials")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0, "visible without a tenant");
    drop(tx);

    // And A's rows are there, sealed (not the plaintext).
    let rows = owner_rows(&db, a.tenant_id).await;
    assert_eq!(rows.len(), 1);
    assert!(!rows[0]
        .1
        .windows(TOKEN.len())
        .any(|w| w == TOKEN.as_bytes()));
}

#[tokio::test]
async fn postgres_rls_tenant_cannot_change_delete_or_plant_anothers_credentials() {
    let (db, a, b, theirs) = pg_world().await;
    let before = owner_rows(&db, a.tenant_id).await;
    let mut tx = app_tx(&db, Some(b.tenant_id)).await;
    let stolen = sqlx::query("UPDATE credentials SET host = 'evil.example' WHERE id = $1")
        .bind(theirs.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(stolen.rows_affected(), 0);
    let deleted = sqlx::query("DELETE FROM credentials WHERE id = $1")
        .bind(theirs.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);
    // Without a WHERE clause: B's own row only.
    let all = sqlx::query("DELETE FROM credentials")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(all.rows_affected(), 1);
    tx.commit().await.unwrap();
    assert_eq!(owner_rows(&db, a.tenant_id).await, before);
    assert!(owner_rows(&db, b.tenant_id).await.is_empty());

    // Planting a credential in A's tenant is refused.
    let mut tx = app_tx(&db, Some(b.tenant_id)).await;
    let err = sqlx::query(
        "INSERT INTO credentials (id, tenant_id, kind, host, secret, created_at)
         VALUES (gen_random_uuid(), $1, 'git_token', 'github.com', '\\x01', now())",
    )
    .bind(a.tenant_id.0)
    .execute(&mut *tx)
    .await
    .expect_err("B inserted into A's tenant");
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("42501"), "{err}");
    drop(tx);
    assert_eq!(owner_rows(&db, a.tenant_id).await, before);
}

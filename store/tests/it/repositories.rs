//! The repository store: create, list, get, delete (audited), the index
//! run's status changes, and tenant isolation. Each case runs once per backend.

use morningai_core::{
    Email, NewRepository, RepositoryIndexed, RepositoryStatus, TaskId, TenantCtx,
};
use morningai_store::{Store, StoreError};

both_stores!(
    create_list_get_delete_and_audit,
    names_are_unique_per_tenant,
    an_index_run_moves_the_status,
    index_requests_record_one_task_per_generation,
    tenants_cannot_reach_each_others_repositories,
    the_repository_quota_holds_under_concurrency,
);

async fn tenant(store: &dyn Store, name: &str) -> TenantCtx {
    let email = Email::parse(&format!("{name}@example.com")).unwrap();
    let s = store.signup(&email, "hash", name).await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

fn new(name: &str) -> NewRepository {
    NewRepository {
        name: name.into(),
        source: format!("https://example.com/{name}.git"),
        limit: None,
    }
}

async fn create_list_get_delete_and_audit(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let beta = store.create_repository(&a, &new("beta")).await.unwrap();
    let alpha = store.create_repository(&a, &new("alpha")).await.unwrap();
    assert_eq!(alpha.status, RepositoryStatus::Pending);
    assert_eq!(alpha.tenant_id, a.tenant_id);
    assert_eq!(alpha.created_by, Some(a.user_id));
    assert_eq!(alpha.source, "https://example.com/alpha.git");
    assert_eq!((alpha.file_count, alpha.index_generation), (0, 0));
    assert!(alpha.indexed_commit.is_none() && alpha.index_task_id.is_none());

    let names: Vec<_> = store
        .repositories(a.tenant_id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["alpha", "beta"]);
    assert_eq!(
        store.repository(a.tenant_id, beta.id).await.unwrap(),
        Some(beta.clone())
    );

    let removed = store.delete_repository(&a, beta.id).await.unwrap();
    assert_eq!(removed.id, beta.id);
    assert!(store
        .repository(a.tenant_id, beta.id)
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        store.delete_repository(&a, beta.id).await,
        Err(StoreError::NotFound)
    ));
    let actions: Vec<_> = store
        .audit_log(&a, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        &actions[..3],
        [
            "repository.delete",
            "repository.create",
            "repository.create"
        ]
    );
}

async fn names_are_unique_per_tenant(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    store.create_repository(&a, &new("same")).await.unwrap();
    assert!(matches!(
        store.create_repository(&a, &new("same")).await,
        Err(StoreError::Conflict(_))
    ));
    store.create_repository(&b, &new("same")).await.unwrap();
}

async fn an_index_run_moves_the_status(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let repo = store.create_repository(&a, &new("r")).await.unwrap();
    let t = a.tenant_id;

    let started = store.start_repository_index(t, repo.id).await.unwrap();
    assert_eq!(started.status, RepositoryStatus::Indexing);
    store
        .repository_index_progress(t, repo.id, 3, 10)
        .await
        .unwrap();
    let now = store.repository(t, repo.id).await.unwrap().unwrap();
    assert_eq!((now.progress_done, now.progress_total), (3, 10));

    let indexed = RepositoryIndexed {
        commit: "abc123".into(),
        default_branch: Some("main".into()),
        file_count: 10,
        chunk_count: 42,
        symbol_count: 7,
    };
    let ready = store
        .finish_repository_index(t, repo.id, &indexed)
        .await
        .unwrap();
    assert_eq!(ready.status, RepositoryStatus::Ready);
    assert_eq!(ready.indexed_commit.as_deref(), Some("abc123"));
    assert_eq!(ready.default_branch.as_deref(), Some("main"));
    assert_eq!(
        (ready.file_count, ready.chunk_count, ready.symbol_count),
        (10, 42, 7)
    );
    assert_eq!(ready.progress_done, 10);
    assert!(ready.indexed_at.is_some() && ready.error.is_none());

    // A failed re-run keeps the last good index's figures.
    store.start_repository_index(t, repo.id).await.unwrap();
    let failed = store
        .fail_repository_index(t, repo.id, "git clone failed")
        .await
        .unwrap();
    assert_eq!(failed.status, RepositoryStatus::Failed);
    assert_eq!(failed.error.as_deref(), Some("git clone failed"));
    assert_eq!(failed.indexed_commit.as_deref(), Some("abc123"));
    assert_eq!(failed.chunk_count, 42);
    // Starting again clears the error.
    let again = store.start_repository_index(t, repo.id).await.unwrap();
    assert!(again.error.is_none());

    let missing = morningai_core::RepositoryId::new();
    assert!(matches!(
        store.start_repository_index(t, missing).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.fail_repository_index(t, missing, "x").await,
        Err(StoreError::NotFound)
    ));
}

async fn index_requests_record_one_task_per_generation(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let repo = store.create_repository(&a, &new("r")).await.unwrap();
    let (first, second) = (TaskId::new(), TaskId::new());
    let r = store
        .request_repository_index(a.tenant_id, repo.id, 1, first)
        .await
        .unwrap();
    assert_eq!((r.index_generation, r.index_task_id), (1, Some(first)));
    // A second request for the same generation does not replace the first.
    let r = store
        .request_repository_index(a.tenant_id, repo.id, 1, second)
        .await
        .unwrap();
    assert_eq!((r.index_generation, r.index_task_id), (1, Some(first)));
    let r = store
        .request_repository_index(a.tenant_id, repo.id, 2, second)
        .await
        .unwrap();
    assert_eq!((r.index_generation, r.index_task_id), (2, Some(second)));
}

async fn tenants_cannot_reach_each_others_repositories(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let repo = store.create_repository(&a, &new("r")).await.unwrap();
    assert!(store
        .repository(b.tenant_id, repo.id)
        .await
        .unwrap()
        .is_none());
    assert!(store.repositories(b.tenant_id).await.unwrap().is_empty());
    assert!(matches!(
        store.delete_repository(&b, repo.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.start_repository_index(b.tenant_id, repo.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .request_repository_index(b.tenant_id, repo.id, 1, TaskId::new())
            .await,
        Err(StoreError::NotFound)
    ));
    store
        .repository_index_progress(b.tenant_id, repo.id, 5, 5)
        .await
        .unwrap();
    let unchanged = store
        .repository(a.tenant_id, repo.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, repo);
}

async fn the_repository_quota_holds_under_concurrency(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let limited = |name: String| NewRepository {
        limit: Some(3),
        ..new(&name)
    };
    let repos: Vec<_> = (0..8).map(|i| limited(format!("r{i}"))).collect();
    let results =
        futures::future::join_all(repos.iter().map(|r| store.create_repository(&a, r))).await;
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        3,
        "{results:?}"
    );
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(
            e,
            StoreError::QuotaExceeded(m) if m.contains("3 repositories")
        )));
    assert_eq!(store.repositories(a.tenant_id).await.unwrap().len(), 3);
    // Removing one makes room; another tenant's count is its own.
    let one = store.repositories(a.tenant_id).await.unwrap()[0].id;
    store.delete_repository(&a, one).await.unwrap();
    store
        .create_repository(&a, &limited("again".into()))
        .await
        .unwrap();
    store
        .create_repository(&b, &limited("r0".into()))
        .await
        .unwrap();
}

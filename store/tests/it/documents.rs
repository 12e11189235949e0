//! The document store: versions per question (idempotent per run), reading
//! any version, listing with paging, publications and their count, deletion
//! (audited, and with the repository), and tenant isolation. Each case runs
//! once per backend.

use morningai_core::{
    Email, NewDocumentVersion, NewRepository, Publication, RepositoryId, TaskId, TenantCtx,
};
use morningai_store::{Store, StoreError};
use serde_json::json;
use time::{Duration, OffsetDateTime};

both_stores!(
    asking_again_adds_a_version,
    listing_pages_newest_first_and_filters_by_repository,
    publications_are_kept_and_counted,
    deleting_removes_every_version,
    tenants_cannot_reach_each_others_documents,
    publication_slots_are_reserved_not_counted,
);

async fn tenant(store: &dyn Store, name: &str) -> TenantCtx {
    let email = Email::parse(&format!("{name}@example.com")).unwrap();
    let s = store.signup(&email, "hash", name).await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

async fn repository(store: &dyn Store, ctx: &TenantCtx, name: &str) -> RepositoryId {
    let repo = NewRepository {
        name: name.into(),
        source: format!("https://example.com/{name}.git"),
        limit: None,
    };
    store.create_repository(ctx, &repo).await.unwrap().id
}

fn version(repo: RepositoryId, question: &str, commit: &str) -> NewDocumentVersion {
    NewDocumentVersion {
        repository_id: repo,
        question: question.into(),
        title: "System Architecture".into(),
        slug: "what-is-the-system-architecture".into(),
        commit: commit.into(),
        task_id: TaskId::new(),
        trace_id: uuid::Uuid::now_v7(),
        model: "local/smollm2".into(),
        markdown: format!("# System Architecture\n\nAt {commit}.\n"),
        manifest: json!({ "commit": commit, "chunks": [] }),
        report: json!({ "claims_checked": 3, "claims_kept": 2 }),
        claims_checked: 3,
        claims_removed: 1,
    }
}

async fn asking_again_adds_a_version(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let repo = repository(store, &a, "shop").await;
    let first = version(repo, "What is the system architecture?", "c1");
    let (doc, v) = store
        .save_document_version(a.tenant_id, &first)
        .await
        .unwrap();
    assert_eq!((v, doc.latest_version), (1, 1));
    assert_eq!(doc.repository, "shop");
    assert_eq!((doc.commit.as_str(), doc.claims_removed), ("c1", 1));

    // The same run saving again (a retried node) keeps one version.
    let (again, v) = store
        .save_document_version(a.tenant_id, &first)
        .await
        .unwrap();
    assert_eq!((again.id, v, again.latest_version), (doc.id, 1, 1));

    // The same question, phrased a little differently, on a newer commit.
    let second = version(repo, "what is the system  architecture", "c2");
    let (doc2, v) = store
        .save_document_version(a.tenant_id, &second)
        .await
        .unwrap();
    assert_eq!((doc2.id, v, doc2.latest_version), (doc.id, 2, 2));
    assert_eq!(doc2.commit, "c2");
    assert_eq!(doc2.question, "what is the system  architecture");

    let latest = store
        .document_version(a.tenant_id, doc.id, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.info.version, 2);
    assert_eq!(latest.markdown, second.markdown);
    assert_eq!(latest.manifest, second.manifest);
    assert_eq!(latest.info.task_id, second.task_id);
    assert_eq!(latest.info.trace_id, second.trace_id);
    let old = store
        .document_version(a.tenant_id, doc.id, Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (old.info.commit.as_str(), old.markdown.as_str()),
        ("c1", first.markdown.as_str())
    );
    assert!(store
        .document_version(a.tenant_id, doc.id, Some(3))
        .await
        .unwrap()
        .is_none());
    let versions: Vec<_> = store
        .document_versions(a.tenant_id, doc.id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.version, v.commit))
        .collect();
    assert_eq!(versions, [(2, "c2".into()), (1, "c1".into())]);

    // Another question is another document.
    let (other, v) = store
        .save_document_version(a.tenant_id, &version(repo, "How is it deployed?", "c2"))
        .await
        .unwrap();
    assert_ne!(other.id, doc.id);
    assert_eq!(v, 1);
}

async fn listing_pages_newest_first_and_filters_by_repository(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let shop = repository(store, &a, "shop").await;
    let blog = repository(store, &a, "blog").await;
    let mut ids = Vec::new();
    for (repo, q) in [(shop, "one"), (blog, "two"), (shop, "three")] {
        let (doc, _) = store
            .save_document_version(a.tenant_id, &version(repo, q, "c"))
            .await
            .unwrap();
        ids.push(doc.id);
    }
    let page1 = store.documents(a.tenant_id, None, None, 2).await.unwrap();
    assert_eq!(
        page1.iter().map(|d| d.id).collect::<Vec<_>>(),
        [ids[2], ids[1]]
    );
    let page2 = store
        .documents(a.tenant_id, None, Some(page1[1].id), 2)
        .await
        .unwrap();
    assert_eq!(page2.iter().map(|d| d.id).collect::<Vec<_>>(), [ids[0]]);
    let shop_docs = store
        .documents(a.tenant_id, Some(shop), None, 10)
        .await
        .unwrap();
    assert_eq!(
        shop_docs
            .iter()
            .map(|d| d.question.as_str())
            .collect::<Vec<_>>(),
        ["three", "one"]
    );
}

async fn publications_are_kept_and_counted(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let repo = repository(store, &a, "shop").await;
    let (doc, v) = store
        .save_document_version(a.tenant_id, &version(repo, "q", "c1"))
        .await
        .unwrap();
    let hour_ago = OffsetDateTime::now_utc() - Duration::hours(1);
    assert_eq!(
        store
            .publications_since(a.tenant_id, hour_ago)
            .await
            .unwrap(),
        0
    );
    let publication = Publication {
        path: "docs/faq/q.md".into(),
        branch: "morningai/0190abcd-q".into(),
        commit: "abc123".into(),
        pull_request_number: Some(7),
        pull_request_url: Some("https://forge.example/o/r/pull/7".into()),
        published_at: OffsetDateTime::now_utc().replace_nanosecond(0).unwrap(),
    };
    store
        .record_publication(a.tenant_id, doc.id, v, &publication)
        .await
        .unwrap();
    assert_eq!(
        store
            .publications_since(a.tenant_id, hour_ago)
            .await
            .unwrap(),
        1
    );
    let later = OffsetDateTime::now_utc() + Duration::minutes(1);
    assert_eq!(
        store.publications_since(a.tenant_id, later).await.unwrap(),
        0
    );
    let versions = store.document_versions(a.tenant_id, doc.id).await.unwrap();
    assert_eq!(versions[0].publication.as_ref(), Some(&publication));
    let missing = store
        .record_publication(a.tenant_id, doc.id, 9, &publication)
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

async fn deleting_removes_every_version(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let repo = repository(store, &a, "shop").await;
    let (doc, _) = store
        .save_document_version(a.tenant_id, &version(repo, "q", "c1"))
        .await
        .unwrap();
    store
        .save_document_version(a.tenant_id, &version(repo, "q", "c2"))
        .await
        .unwrap();
    let removed = store.delete_document(&a, doc.id).await.unwrap();
    assert_eq!((removed.id, removed.latest_version), (doc.id, 2));
    assert!(store.document(a.tenant_id, doc.id).await.unwrap().is_none());
    assert!(store
        .document_versions(a.tenant_id, doc.id)
        .await
        .unwrap()
        .is_empty());
    let audit = store.audit_log(&a, 10).await.unwrap();
    assert!(audit.iter().any(
        |e| e.action == "document.delete" && e.target.as_deref() == Some(&*doc.id.to_string())
    ));
    assert!(matches!(
        store.delete_document(&a, doc.id).await,
        Err(StoreError::NotFound)
    ));

    // A repository's documents go with it.
    let (kept, _) = store
        .save_document_version(a.tenant_id, &version(repo, "other", "c1"))
        .await
        .unwrap();
    store.delete_repository(&a, repo).await.unwrap();
    assert!(store
        .document(a.tenant_id, kept.id)
        .await
        .unwrap()
        .is_none());
}

async fn tenants_cannot_reach_each_others_documents(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let repo = repository(store, &a, "shop").await;
    let (doc, v) = store
        .save_document_version(a.tenant_id, &version(repo, "q", "c1"))
        .await
        .unwrap();
    assert!(store.document(b.tenant_id, doc.id).await.unwrap().is_none());
    assert!(store
        .document_version(b.tenant_id, doc.id, None)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .document_versions(b.tenant_id, doc.id)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .documents(b.tenant_id, None, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.delete_document(&b, doc.id).await,
        Err(StoreError::NotFound)
    ));
    let publication = Publication {
        path: "p".into(),
        branch: "b".into(),
        commit: "c".into(),
        pull_request_number: None,
        pull_request_url: None,
        published_at: OffsetDateTime::now_utc(),
    };
    assert!(matches!(
        store
            .record_publication(b.tenant_id, doc.id, v, &publication)
            .await,
        Err(StoreError::NotFound)
    ));
    // B cannot file a document under A's repository.
    assert!(matches!(
        store
            .save_document_version(b.tenant_id, &version(repo, "q", "c2"))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .document(a.tenant_id, doc.id)
            .await
            .unwrap()
            .unwrap()
            .latest_version,
        1
    );
}

/// Concurrent publications of one tenant take at most `max` slots an hour;
/// a retried run (same key) keeps its slot; another tenant has its own.
async fn publication_slots_are_reserved_not_counted(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let now = morningai_core::now_ms();
    let hour_ago = now - 3_600_000;
    let attempts = futures::future::join_all((0..10).map(|i| {
        let key = format!("morningai/branch-{i}");
        async move {
            store
                .reserve_publication(a.tenant_id, &key, hour_ago, now, 3)
                .await
                .unwrap()
        }
    }))
    .await;
    assert_eq!(attempts.iter().filter(|taken| **taken).count(), 3);
    let first = attempts.iter().position(|taken| *taken).unwrap();
    let again = format!("morningai/branch-{first}");
    assert!(store
        .reserve_publication(a.tenant_id, &again, hour_ago, now, 3)
        .await
        .unwrap());
    assert!(store
        .reserve_publication(b.tenant_id, "morningai/branch-0", hour_ago, now, 3)
        .await
        .unwrap());
    // An hour later the slots are free again.
    let later = now + 3_600_001;
    assert!(store
        .reserve_publication(a.tenant_id, "morningai/next", later - 3_600_000, later, 3)
        .await
        .unwrap());
}

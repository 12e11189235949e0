//! The FAQ store: FAQs and their versions, optimistic concurrency, filters
//! and paging, imports, the revision counter and its changes, feedback, the
//! query log and analytics, categories, suggestions, tenant isolation and
//! tenant deletion. Each case runs once per backend.

use morningai_core::{
    Email, FaqCategoryPatch, FaqFilter, FaqImportItem, FaqPatch, FaqSource, FaqStatus,
    FaqSuggestionId, HelpCentreSettings, ImportOutcome, NewFaq, NewFaqCategory, NewFaqFeedback,
    NewFaqQuery, NewFaqSuggestion, SuggestionStatus, TaskId, TenantCtx,
};
use morningai_store::{Store, StoreError};
use serde_json::json;
use time::{Duration, OffsetDateTime};

both_stores!(
    faqs_round_trip_with_a_version_per_edit,
    a_stale_edit_is_refused,
    listing_filters_and_pages_newest_updated_first,
    imports_upsert_by_external_id_in_one_transaction,
    the_revision_counts_content_changes_only,
    concurrent_writers_take_turns_on_the_revision,
    feedback_counts_on_the_faq_and_the_logged_question,
    analytics_count_the_window,
    categories_form_a_tree_and_protect_their_faqs,
    suggestions_are_upserted_and_decided,
    tenants_cannot_reach_each_others_faqs,
    invalid_input_is_refused,
    help_centres_are_found_by_slug_only_when_on,
    faqs_by_id_keep_the_order_asked_and_the_tenant,
);

async fn faqs_by_id_keep_the_order_asked_and_the_tenant(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let one = store.create_faq(&a, &faq("One?")).await.unwrap();
    let two = store.create_faq(&a, &faq("Two?")).await.unwrap();
    let theirs = store.create_faq(&b, &faq("Theirs?")).await.unwrap();
    let got: Vec<String> = store
        .faqs_by_id(
            a.tenant_id,
            &[two.id, theirs.id, one.id, morningai_core::FaqId::new()],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.question)
        .collect();
    assert_eq!(got, ["Two?", "One?"]);
    assert!(store.faqs_by_id(a.tenant_id, &[]).await.unwrap().is_empty());
}

async fn help_centres_are_found_by_slug_only_when_on(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    assert_eq!(store.help_centre(a.tenant_id).await.unwrap(), None);
    let settings = |slug: &str, enabled: bool| HelpCentreSettings {
        slug: slug.into(),
        enabled,
        title: " Acme help ".into(),
    };
    let off = store
        .set_help_centre(&a, &settings("Acme-Help", false))
        .await
        .unwrap();
    assert_eq!(
        (off.slug.as_str(), off.title.as_str(), off.enabled),
        ("acme-help", "Acme help", false)
    );
    assert_eq!(store.public_help_centre("acme-help").await.unwrap(), None);
    let on = store
        .set_help_centre(&a, &settings("acme-help", true))
        .await
        .unwrap();
    assert_eq!(
        store.public_help_centre("acme-help").await.unwrap(),
        Some(on.clone())
    );
    assert_eq!(store.help_centre(a.tenant_id).await.unwrap(), Some(on));
    // Another tenant cannot take the slug; bad slugs are refused.
    assert!(matches!(
        store
            .set_help_centre(&b, &settings("acme-help", true))
            .await,
        Err(StoreError::Conflict(_))
    ));
    for bad in ["ab", "-acme", "acme-", "acme help", "ácme", &"a".repeat(64)] {
        assert!(
            matches!(
                store.set_help_centre(&b, &settings(bad, true)).await,
                Err(StoreError::InvalidState(_))
            ),
            "{bad}"
        );
    }
    // A new slug frees the old one.
    store
        .set_help_centre(&a, &settings("acme", true))
        .await
        .unwrap();
    store
        .set_help_centre(&b, &settings("acme-help", true))
        .await
        .unwrap();
    assert_eq!(
        store
            .public_help_centre("acme-help")
            .await
            .unwrap()
            .unwrap()
            .tenant_id,
        b.tenant_id
    );
}

async fn tenant(store: &dyn Store, name: &str) -> TenantCtx {
    let email = Email::parse(&format!("{name}@example.com")).unwrap();
    let s = store.signup(&email, "hash", name).await.unwrap();
    TenantCtx::system(s.tenant.id, s.user.id)
}

fn faq(question: &str) -> NewFaq {
    NewFaq {
        question: question.into(),
        answer: format!("The answer to *{question}*."),
        category_id: None,
        tags: vec![],
        language: "en".into(),
        status: FaqStatus::Published,
        source: FaqSource::Manual,
        origin: None,
        external_id: None,
    }
}

fn category(name: &str) -> NewFaqCategory {
    NewFaqCategory {
        parent_id: None,
        name: name.into(),
        position: 0,
    }
}

fn query(text: &str, answered: bool) -> NewFaqQuery {
    NewFaqQuery {
        query: text.into(),
        language: Some("en".into()),
        channel: "api".into(),
        top_faq_id: None,
        top_score: None,
        answered,
    }
}

fn hour_ago() -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::hours(1)
}

async fn faqs_round_trip_with_a_version_per_edit(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let billing = store
        .create_category(&a, &category("Billing"))
        .await
        .unwrap();
    let new = NewFaq {
        category_id: Some(billing.id),
        tags: vec![" billing ".into(), "card".into(), "billing".into()],
        language: "ZH-hant".into(),
        origin: Some(json!({ "trace_id": "t1", "evidence": ["README.md:3"] })),
        ..faq("How do I pay?")
    };
    let created = store.create_faq(&a, &new).await.unwrap();
    assert_eq!((created.version, created.views), (1, 0));
    assert_eq!(created.tags, ["billing", "card"]);
    assert_eq!(created.language, "zh-Hant");
    assert_eq!(created.category_id, Some(billing.id));
    assert_eq!(created.origin, new.origin);
    assert_eq!(created.created_by, Some(a.user_id));
    assert!(!created.has_embedding);
    assert_eq!(
        store.faq(a.tenant_id, created.id).await.unwrap().as_ref(),
        Some(&created)
    );

    let edited = store
        .update_faq(
            &a,
            created.id,
            &FaqPatch {
                answer: Some("Pay by card or invoice.".into()),
                category_id: Some(None),
                status: Some(FaqStatus::Draft),
                ..FaqPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.version, 2);
    assert_eq!(edited.answer, "Pay by card or invoice.");
    assert_eq!(
        (edited.category_id, edited.status),
        (None, FaqStatus::Draft)
    );
    assert_eq!(edited.question, created.question);
    assert!(edited.updated_at >= created.updated_at);

    // A patch that changes nothing writes no version.
    let same = store
        .update_faq(
            &a,
            created.id,
            &FaqPatch {
                status: Some(FaqStatus::Draft),
                ..FaqPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(same, edited);

    let versions = store.faq_versions(a.tenant_id, created.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(versions[1].answer, created.answer);
    assert_eq!(versions[1].category_id, Some(billing.id));
    assert_eq!(versions[0].status, FaqStatus::Draft);
    assert_eq!(versions[0].edited_by, Some(a.user_id));
    let v1 = store
        .faq_version(a.tenant_id, created.id, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1, versions[1]);
    assert!(store
        .faq_version(a.tenant_id, created.id, 3)
        .await
        .unwrap()
        .is_none());

    let removed = store.delete_faq(&a, created.id).await.unwrap();
    assert_eq!(removed.version, 2);
    assert!(store.faq(a.tenant_id, created.id).await.unwrap().is_none());
    assert!(store
        .faq_versions(a.tenant_id, created.id)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.delete_faq(&a, created.id).await,
        Err(StoreError::NotFound)
    ));
    let mut actions: Vec<String> = store
        .audit_log(&a, 20)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.target.as_deref() == Some(&*created.id.to_string()))
        .map(|e| e.action)
        .collect();
    actions.sort();
    assert_eq!(actions, ["faq.create", "faq.delete", "faq.update"]);
}

async fn a_stale_edit_is_refused(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let created = store.create_faq(&a, &faq("q")).await.unwrap();
    let first = FaqPatch {
        answer: Some("first".into()),
        expected_version: Some(1),
        ..FaqPatch::default()
    };
    assert_eq!(
        store
            .update_faq(&a, created.id, &first)
            .await
            .unwrap()
            .version,
        2
    );
    // A second editor who also started from version 1.
    let second = FaqPatch {
        answer: Some("second".into()),
        expected_version: Some(1),
        ..FaqPatch::default()
    };
    let stale = store.update_faq(&a, created.id, &second).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let now = store.faq(a.tenant_id, created.id).await.unwrap().unwrap();
    assert_eq!((now.version, now.answer.as_str()), (2, "first"));
    let rebased = FaqPatch {
        expected_version: Some(2),
        ..second
    };
    assert_eq!(
        store
            .update_faq(&a, created.id, &rebased)
            .await
            .unwrap()
            .answer,
        "second"
    );
}

async fn listing_filters_and_pages_newest_updated_first(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let billing = store
        .create_category(&a, &category("Billing"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (q, tags, lang, status, cat) in [
        ("one", vec!["x", "y"], "en", FaqStatus::Published, None),
        ("two", vec!["y"], "ja", FaqStatus::Draft, Some(billing.id)),
        (
            "three",
            vec!["x"],
            "en",
            FaqStatus::Published,
            Some(billing.id),
        ),
        ("four", vec![], "zh-Hant", FaqStatus::Archived, None),
    ] {
        let new = NewFaq {
            tags: tags.into_iter().map(String::from).collect(),
            language: lang.into(),
            status,
            category_id: cat,
            ..faq(q)
        };
        ids.push(store.create_faq(&a, &new).await.unwrap().id);
    }
    // Editing "one" makes it the most recently updated.
    store
        .update_faq(
            &a,
            ids[0],
            &FaqPatch {
                answer: Some("new".into()),
                ..FaqPatch::default()
            },
        )
        .await
        .unwrap();
    let list = move |filter: FaqFilter| async move {
        store
            .faqs(a.tenant_id, &filter)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.question)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(FaqFilter::default()).await,
        ["one", "four", "three", "two"]
    );
    let page1 = store
        .faqs(
            a.tenant_id,
            &FaqFilter {
                limit: 3,
                ..FaqFilter::default()
            },
        )
        .await
        .unwrap();
    let page2 = list(FaqFilter {
        limit: 3,
        before: Some(page1[2].id),
        ..FaqFilter::default()
    })
    .await;
    assert_eq!(page2, ["two"]);
    let tag = |t: &str| FaqFilter {
        tag: Some(t.into()),
        ..FaqFilter::default()
    };
    assert_eq!(list(tag("x")).await, ["one", "three"]);
    assert_eq!(list(tag("y")).await, ["one", "two"]);
    assert!(list(tag("z")).await.is_empty());
    assert_eq!(
        list(FaqFilter {
            category_id: Some(billing.id),
            ..FaqFilter::default()
        })
        .await,
        ["three", "two"]
    );
    assert_eq!(
        list(FaqFilter {
            status: Some(FaqStatus::Published),
            ..FaqFilter::default()
        })
        .await,
        ["one", "three"]
    );
    // Language filters are compared in canonical form.
    assert_eq!(
        list(FaqFilter {
            language: Some("zh-hant".into()),
            ..FaqFilter::default()
        })
        .await,
        ["four"]
    );
    assert_eq!(
        list(FaqFilter {
            language: Some("en".into()),
            tag: Some("x".into()),
            status: Some(FaqStatus::Published),
            category_id: Some(billing.id),
            ..FaqFilter::default()
        })
        .await,
        ["three"]
    );
}

fn items(faqs: &[NewFaq]) -> Vec<FaqImportItem> {
    faqs.iter()
        .map(|faq| FaqImportItem {
            id: None,
            faq: faq.clone(),
        })
        .collect()
}

async fn imports_upsert_by_external_id_in_one_transaction(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let imported = |q: &str, ext: Option<&str>| NewFaq {
        source: FaqSource::Imported,
        external_id: ext.map(String::from),
        ..faq(q)
    };
    let batch = vec![
        imported("Shipping?", Some("kb-1")),
        imported("Returns?", Some("kb-2")),
        imported("Loose one", None),
    ];
    // A dry run reports what would happen and writes nothing.
    let planned = store.import_faqs(&a, &items(&batch), true).await.unwrap();
    assert_eq!(planned.created, 3);
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 0);
    let first = store.import_faqs(&a, &items(&batch), false).await.unwrap();
    assert_eq!(
        first,
        ImportOutcome {
            created: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let revision = store.faq_revision(a.tenant_id).await.unwrap();

    // The same batch again: the two with ids change nothing (and take no
    // revision); the one without is created again.
    let second = store
        .import_faqs(&a, &items(&batch[..2]), false)
        .await
        .unwrap();
    assert_eq!(
        second,
        ImportOutcome {
            created: 0,
            updated: 0,
            unchanged: 2
        }
    );
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), revision);

    let mut changed = batch[..2].to_vec();
    changed[1].answer = "Within 30 days.".into();
    let third = store
        .import_faqs(&a, &items(&changed), false)
        .await
        .unwrap();
    assert_eq!(
        third,
        ImportOutcome {
            created: 0,
            updated: 1,
            unchanged: 1
        }
    );
    let all = store
        .faqs(a.tenant_id, &FaqFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let returns = all
        .iter()
        .find(|f| f.external_id.as_deref() == Some("kb-2"))
        .unwrap();
    assert_eq!(
        (returns.version, returns.answer.as_str()),
        (2, "Within 30 days.")
    );
    assert_eq!(returns.source, FaqSource::Imported);

    // An item with an id updates that FAQ, whatever its external id; an id
    // the tenant does not have applies nothing.
    let loose = all.iter().find(|f| f.external_id.is_none()).unwrap();
    let by_id = FaqImportItem {
        id: Some(loose.id),
        faq: imported("Loose one, edited", None),
    };
    let outcome = store
        .import_faqs(&a, std::slice::from_ref(&by_id), false)
        .await
        .unwrap();
    assert_eq!((outcome.created, outcome.updated), (0, 1));
    let edited = store.faq(a.tenant_id, loose.id).await.unwrap().unwrap();
    assert_eq!(edited.question, "Loose one, edited");
    let unknown = FaqImportItem {
        id: Some(morningai_core::FaqId::new()),
        ..by_id
    };
    assert!(matches!(
        store.import_faqs(&a, &[unknown], false).await,
        Err(StoreError::NotFound)
    ));

    // An unknown category fails the whole batch, even the rows before it.
    let mut bad = vec![imported("New one", Some("kb-3"))];
    bad.push(NewFaq {
        category_id: Some(morningai_core::FaqCategoryId::new()),
        ..imported("Shipping?", Some("kb-1"))
    });
    assert!(matches!(
        store.import_faqs(&a, &items(&bad), false).await,
        Err(StoreError::NotFound)
    ));
    // An invalid row too.
    let invalid = vec![
        imported("Another", Some("kb-4")),
        NewFaq {
            answer: String::new(),
            ..imported("Empty", None)
        },
    ];
    assert!(matches!(
        store.import_faqs(&a, &items(&invalid), false).await,
        Err(StoreError::InvalidState(_))
    ));
    assert_eq!(
        store
            .faqs(a.tenant_id, &FaqFilter::default())
            .await
            .unwrap()
            .len(),
        3
    );
    let audit = store.audit_log(&a, 20).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "faq.import").count(), 3);
}

async fn the_revision_counts_content_changes_only(store: &dyn Store) {
    let a = tenant(store, "a").await;
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 0);
    let empty = store.faq_changes_since(a.tenant_id, 0).await.unwrap();
    assert_eq!(
        (empty.revision, empty.upserted.len(), empty.deleted.len()),
        (0, 0, 0)
    );

    let one = store.create_faq(&a, &faq("one")).await.unwrap();
    let two = store.create_faq(&a, &faq("two")).await.unwrap();
    assert_eq!((one.revision, two.revision), (1, 2));
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 2);

    // Counters do not move the revision.
    store.record_faq_view(a.tenant_id, one.id).await.unwrap();
    store.record_answer_hit(a.tenant_id, one.id).await.unwrap();
    store
        .record_feedback(
            a.tenant_id,
            None,
            &NewFaqFeedback {
                faq_id: one.id,
                helpful: true,
                query_id: None,
                comment: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 2);
    let counted = store.faq(a.tenant_id, one.id).await.unwrap().unwrap();
    assert_eq!(
        (counted.views, counted.answer_hits, counted.helpful),
        (1, 1, 1)
    );
    assert_eq!(counted.revision, 1);

    // An embedding is a change for the index.
    store
        .set_faq_embedding(a.tenant_id, one.id, "local/e5-small", &[0.25, -1.0, 3.5])
        .await
        .unwrap();
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 3);
    let changes = store.faq_changes_since(a.tenant_id, 2).await.unwrap();
    assert_eq!(changes.revision, 3);
    assert_eq!(changes.upserted.len(), 1);
    let row = &changes.upserted[0];
    assert_eq!(row.faq.id, one.id);
    assert!(row.faq.has_embedding);
    assert_eq!(row.embedding.as_deref(), Some(&[0.25f32, -1.0, 3.5][..]));
    assert_eq!(row.embedding_model.as_deref(), Some("local/e5-small"));

    // A new question drops the embedding; a new status keeps it.
    let retitled = store
        .update_faq(
            &a,
            one.id,
            &FaqPatch {
                question: Some("one?".into()),
                ..FaqPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(retitled.revision, 4);
    assert!(!retitled.has_embedding && retitled.embedding_model.is_none());
    store
        .set_faq_embedding(a.tenant_id, two.id, "m", &[1.0])
        .await
        .unwrap();
    let archived = store
        .update_faq(
            &a,
            two.id,
            &FaqPatch {
                status: Some(FaqStatus::Archived),
                ..FaqPatch::default()
            },
        )
        .await
        .unwrap();
    assert!(archived.has_embedding);
    assert_eq!(archived.revision, 6);

    store.delete_faq(&a, one.id).await.unwrap();
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 7);
    let changes = store.faq_changes_since(a.tenant_id, 4).await.unwrap();
    assert_eq!(changes.revision, 7);
    assert_eq!(
        changes
            .upserted
            .iter()
            .map(|r| (r.faq.id, r.faq.status))
            .collect::<Vec<_>>(),
        [(two.id, FaqStatus::Archived)]
    );
    assert_eq!(changes.deleted, [one.id]);
    let all = store.faq_changes_since(a.tenant_id, 0).await.unwrap();
    assert_eq!((all.upserted.len(), all.deleted.len()), (1, 1));
    let none = store.faq_changes_since(a.tenant_id, 7).await.unwrap();
    assert_eq!(
        (none.revision, none.upserted.len(), none.deleted.len()),
        (7, 0, 0)
    );

    assert!(matches!(
        store
            .set_faq_embedding(a.tenant_id, one.id, "m", &[1.0])
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.record_faq_view(a.tenant_id, one.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 7);
}

async fn concurrent_writers_take_turns_on_the_revision(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let one = store.create_faq(&a, &faq("one")).await.unwrap();
    let two = store.create_faq(&a, &faq("two")).await.unwrap();
    let edit = |answer: &str| FaqPatch {
        answer: Some(answer.into()),
        ..FaqPatch::default()
    };
    let (first, second, three) = (edit("first"), edit("second"), faq("three"));
    let (e1, e2, emb, created, deleted, view, hit) = tokio::join!(
        store.update_faq(&a, one.id, &first),
        store.update_faq(&a, one.id, &second),
        store.set_faq_embedding(a.tenant_id, one.id, "m", &[1.0, 2.0]),
        store.create_faq(&a, &three),
        store.delete_faq(&a, two.id),
        store.record_faq_view(a.tenant_id, one.id),
        store.record_answer_hit(a.tenant_id, one.id),
    );
    // Without an expected version, edits take turns instead of conflicting.
    let (e1, e2) = (e1.unwrap(), e2.unwrap());
    emb.unwrap();
    let created = created.unwrap();
    deleted.unwrap();
    view.unwrap();
    hit.unwrap();
    let mut versions = [e1.version, e2.version];
    versions.sort_unstable();
    assert_eq!(versions, [2, 3]);
    // Five content changes after the first two creates: revisions 3 to 7.
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 7);
    let mut revisions = vec![e1.revision, e2.revision, created.revision];
    revisions.sort_unstable();
    revisions.dedup();
    assert_eq!(revisions.len(), 3);
    assert!(revisions.iter().all(|r| (3..=7).contains(r)));
    let now = store.faq(a.tenant_id, one.id).await.unwrap().unwrap();
    assert_eq!((now.version, now.views, now.answer_hits), (3, 1, 1));
    let changes = store.faq_changes_since(a.tenant_id, 2).await.unwrap();
    assert_eq!(changes.revision, 7);
    assert_eq!(changes.deleted, [two.id]);
    assert_eq!(changes.upserted.len(), 2);
}

async fn feedback_counts_on_the_faq_and_the_logged_question(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let f = store.create_faq(&a, &faq("q")).await.unwrap();
    let asked = store
        .log_faq_query(
            a.tenant_id,
            &NewFaqQuery {
                top_faq_id: Some(f.id),
                top_score: Some(0.83),
                ..query("how to q", true)
            },
        )
        .await
        .unwrap();
    // Anonymous (public) feedback on the answer to that question.
    let fb = store
        .record_feedback(
            a.tenant_id,
            None,
            &NewFaqFeedback {
                faq_id: f.id,
                helpful: false,
                query_id: Some(asked),
                comment: Some("Outdated".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (fb.faq_id, fb.query_id, fb.user_id, fb.helpful),
        (f.id, Some(asked), None, false)
    );
    assert_eq!(fb.comment.as_deref(), Some("Outdated"));
    store
        .record_feedback(
            a.tenant_id,
            Some(a.user_id),
            &NewFaqFeedback {
                faq_id: f.id,
                helpful: true,
                query_id: None,
                comment: None,
            },
        )
        .await
        .unwrap();
    let counted = store.faq(a.tenant_id, f.id).await.unwrap().unwrap();
    assert_eq!((counted.helpful, counted.not_helpful), (1, 1));

    let logged = store
        .faq_queries(a.tenant_id, hour_ago(), 10)
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].id, asked);
    assert_eq!(logged[0].feedback, Some(-1));
    assert_eq!(logged[0].top_faq_id, Some(f.id));
    assert_eq!(logged[0].top_score, Some(0.83));
    assert!(logged[0].answered);
    // Answered but judged unhelpful: it counts as unanswered.
    let unanswered = store
        .unanswered_queries(a.tenant_id, hour_ago(), 10)
        .await
        .unwrap();
    assert_eq!(unanswered.iter().map(|q| q.id).collect::<Vec<_>>(), [asked]);

    // Unknown FAQ or question: nothing is recorded.
    let missing_query = store
        .record_feedback(
            a.tenant_id,
            None,
            &NewFaqFeedback {
                faq_id: f.id,
                helpful: true,
                query_id: Some(morningai_core::FaqQueryId::new()),
                comment: None,
            },
        )
        .await;
    assert!(matches!(missing_query, Err(StoreError::NotFound)));
    let unchanged = store.faq(a.tenant_id, f.id).await.unwrap().unwrap();
    assert_eq!(unchanged.helpful, 1);

    // Deleting the FAQ keeps the logged question, without the link.
    store.delete_faq(&a, f.id).await.unwrap();
    let logged = store
        .faq_queries(a.tenant_id, hour_ago(), 10)
        .await
        .unwrap();
    assert_eq!((logged[0].id, logged[0].top_faq_id), (asked, None));
}

async fn analytics_count_the_window(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let f = store.create_faq(&a, &faq("reset password")).await.unwrap();
    for (text, answered) in [
        ("How do I reset my password?", true),
        ("how do I reset my  password", true),
        ("HOW DO I RESET MY PASSWORD!", false),
        ("Where is the invoice?", false),
        ("where is the invoice", false),
        ("Do you ship to Mars?", false),
    ] {
        store
            .log_faq_query(
                a.tenant_id,
                &NewFaqQuery {
                    top_faq_id: answered.then_some(f.id),
                    ..query(text, answered)
                },
            )
            .await
            .unwrap();
    }
    store.record_answer_hit(a.tenant_id, f.id).await.unwrap();
    store.record_answer_hit(a.tenant_id, f.id).await.unwrap();
    store.record_faq_view(a.tenant_id, f.id).await.unwrap();
    for helpful in [true, true, false] {
        store
            .record_feedback(
                a.tenant_id,
                None,
                &NewFaqFeedback {
                    faq_id: f.id,
                    helpful,
                    query_id: None,
                    comment: None,
                },
            )
            .await
            .unwrap();
    }
    let stats = store.faq_analytics(a.tenant_id, hour_ago()).await.unwrap();
    assert_eq!((stats.total_queries, stats.unanswered), (6, 4));
    assert_eq!((stats.helpful, stats.not_helpful), (2, 1));
    assert_eq!((stats.answer_hits, stats.views), (2, 1));
    let top: Vec<(i64, String)> = stats
        .top_queries
        .iter()
        .map(|t| (t.count, t.query.to_lowercase()))
        .collect();
    assert_eq!(top.len(), 3);
    assert_eq!(top[0].0, 3);
    assert!(top[0].1.contains("reset"), "{top:?}");
    assert_eq!(top[1].0, 2);
    assert!(top[1].1.contains("invoice"), "{top:?}");
    assert_eq!(top[2], (1, "do you ship to mars?".into()));

    assert_eq!(
        store
            .unanswered_queries(a.tenant_id, hour_ago(), 10)
            .await
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        store
            .unanswered_queries(a.tenant_id, hour_ago(), 2)
            .await
            .unwrap()
            .len(),
        2
    );
    // Newest first.
    let logged = store
        .faq_queries(a.tenant_id, hour_ago(), 10)
        .await
        .unwrap();
    assert_eq!(logged.len(), 6);
    assert_eq!(logged[0].query, "Do you ship to Mars?");
    assert_eq!(logged[5].query, "How do I reset my password?");

    // A window that starts later holds nothing (counters are all-time).
    let later = OffsetDateTime::now_utc() + Duration::minutes(1);
    let empty = store.faq_analytics(a.tenant_id, later).await.unwrap();
    assert_eq!((empty.total_queries, empty.helpful), (0, 0));
    assert!(empty.top_queries.is_empty());
    assert_eq!(empty.answer_hits, 2);
    assert!(store
        .faq_queries(a.tenant_id, later, 10)
        .await
        .unwrap()
        .is_empty());

    // Long questions are truncated; a foreign or unknown best match is dropped.
    let long = store
        .log_faq_query(
            a.tenant_id,
            &NewFaqQuery {
                top_faq_id: Some(morningai_core::FaqId::new()),
                language: Some("not a tag".into()),
                ..query(&"é".repeat(2500), false)
            },
        )
        .await
        .unwrap();
    let logged = store.faq_queries(a.tenant_id, hour_ago(), 1).await.unwrap();
    assert_eq!(logged[0].id, long);
    assert_eq!(logged[0].query.chars().count(), 2000);
    assert_eq!(
        (logged[0].top_faq_id, logged[0].language.as_deref()),
        (None, None)
    );
}

async fn categories_form_a_tree_and_protect_their_faqs(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let billing = store
        .create_category(
            &a,
            &NewFaqCategory {
                position: 2,
                ..category("Billing")
            },
        )
        .await
        .unwrap();
    let account = store
        .create_category(
            &a,
            &NewFaqCategory {
                position: 1,
                ..category("Account")
            },
        )
        .await
        .unwrap();
    let invoices = store
        .create_category(
            &a,
            &NewFaqCategory {
                parent_id: Some(billing.id),
                ..category("Invoices")
            },
        )
        .await
        .unwrap();
    let cards = store
        .create_category(
            &a,
            &NewFaqCategory {
                parent_id: Some(billing.id),
                ..category("Cards")
            },
        )
        .await
        .unwrap();
    let names = move || async move {
        store
            .categories(a.tenant_id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(names().await, ["Account", "Billing", "Cards", "Invoices"]);

    // Names are unique among siblings, top level included.
    for dup in [
        category("Billing"),
        NewFaqCategory {
            parent_id: Some(billing.id),
            ..category("Cards")
        },
    ] {
        let res = store.create_category(&a, &dup).await;
        assert!(matches!(res, Err(StoreError::Conflict(_))), "{res:?}");
    }
    // The same name under another parent is fine.
    store
        .create_category(
            &a,
            &NewFaqCategory {
                parent_id: Some(account.id),
                ..category("Cards")
            },
        )
        .await
        .unwrap();

    // Moving: under a child of itself is refused; elsewhere is fine.
    let cycle = store
        .update_category(
            &a,
            billing.id,
            &FaqCategoryPatch {
                parent_id: Some(Some(invoices.id)),
                ..FaqCategoryPatch::default()
            },
        )
        .await;
    assert!(
        matches!(cycle, Err(StoreError::InvalidState(_))),
        "{cycle:?}"
    );
    let moved = store
        .update_category(
            &a,
            invoices.id,
            &FaqCategoryPatch {
                parent_id: Some(None),
                name: Some("Invoices & receipts".into()),
                position: Some(0),
            },
        )
        .await
        .unwrap();
    assert_eq!((moved.parent_id, moved.position), (None, 0));
    assert_eq!(
        names().await,
        [
            "Invoices & receipts",
            "Account",
            "Cards",
            "Billing",
            "Cards"
        ]
    );

    // A category with FAQs or children cannot be deleted.
    let f = store
        .create_faq(
            &a,
            &NewFaq {
                category_id: Some(cards.id),
                ..faq("Which cards?")
            },
        )
        .await
        .unwrap();
    let with_faq = store.delete_category(&a, cards.id).await;
    assert!(
        matches!(with_faq, Err(StoreError::Conflict(_))),
        "{with_faq:?}"
    );
    let with_child = store.delete_category(&a, billing.id).await;
    assert!(
        matches!(with_child, Err(StoreError::Conflict(_))),
        "{with_child:?}"
    );
    store
        .update_faq(
            &a,
            f.id,
            &FaqPatch {
                category_id: Some(None),
                ..FaqPatch::default()
            },
        )
        .await
        .unwrap();
    store.delete_category(&a, cards.id).await.unwrap();
    store.delete_category(&a, billing.id).await.unwrap();
    assert!(matches!(
        store.delete_category(&a, billing.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(names().await, ["Invoices & receipts", "Account", "Cards"]);
    // Old versions still name the deleted category.
    let v1 = store
        .faq_version(a.tenant_id, f.id, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1.category_id, Some(cards.id));

    // A FAQ cannot be filed under a category that does not exist.
    let missing = store
        .create_faq(
            &a,
            &NewFaq {
                category_id: Some(billing.id),
                ..faq("x")
            },
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

async fn suggestions_are_upserted_and_decided(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let id = FaqSuggestionId::new();
    let new = NewFaqSuggestion {
        id,
        query: "Do you ship to Mars?".into(),
        examples: vec!["mars shipping".into()],
        count: 2,
        centroid: Some(vec![0.5, 0.5]),
    };
    let s = store.upsert_suggestion(a.tenant_id, &new).await.unwrap();
    assert_eq!((s.id, s.status, s.count), (id, SuggestionStatus::Open, 2));
    assert_eq!(s.centroid.as_deref(), Some(&[0.5f32, 0.5][..]));
    let other = store
        .upsert_suggestion(
            a.tenant_id,
            &NewFaqSuggestion {
                id: FaqSuggestionId::new(),
                query: "Refunds?".into(),
                examples: vec![],
                count: 1,
                centroid: None,
            },
        )
        .await
        .unwrap();
    // The same id again replaces it (a retried clustering run).
    let grown = store
        .upsert_suggestion(
            a.tenant_id,
            &NewFaqSuggestion {
                count: 5,
                examples: vec!["mars shipping".into(), "ship to mars".into()],
                ..new.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!((grown.id, grown.count, grown.examples.len()), (id, 5, 2));
    let open = store
        .suggestions(a.tenant_id, Some(SuggestionStatus::Open), 10)
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|s| s.id).collect::<Vec<_>>(),
        [id, other.id]
    );

    let task = TaskId::new();
    let approved = store
        .set_suggestion_status(&a, id, SuggestionStatus::Approved, Some(task))
        .await
        .unwrap();
    assert_eq!(
        (approved.status, approved.task_id),
        (SuggestionStatus::Approved, Some(task))
    );
    let open = store
        .suggestions(a.tenant_id, Some(SuggestionStatus::Open), 10)
        .await
        .unwrap();
    assert_eq!(open.iter().map(|s| s.id).collect::<Vec<_>>(), [other.id]);
    assert_eq!(
        store
            .suggestions(a.tenant_id, None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    // An update keeps the decision.
    let kept = store.upsert_suggestion(a.tenant_id, &new).await.unwrap();
    assert_eq!(kept.status, SuggestionStatus::Approved);
    assert!(store
        .audit_log(&a, 10)
        .await
        .unwrap()
        .iter()
        .any(|e| e.action == "faq_suggestion.status"));
    assert!(matches!(
        store
            .set_suggestion_status(
                &a,
                FaqSuggestionId::new(),
                SuggestionStatus::Dismissed,
                None
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn tenants_cannot_reach_each_others_faqs(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let b = tenant(store, "b").await;
    let cat = store
        .create_category(&a, &category("Billing"))
        .await
        .unwrap();
    let f = store
        .create_faq(
            &a,
            &NewFaq {
                category_id: Some(cat.id),
                external_id: Some("kb-1".into()),
                tags: vec!["x".into()],
                ..faq("q")
            },
        )
        .await
        .unwrap();
    let asked = store
        .log_faq_query(a.tenant_id, &query("q", false))
        .await
        .unwrap();
    let suggestion = store
        .upsert_suggestion(
            a.tenant_id,
            &NewFaqSuggestion {
                id: FaqSuggestionId::new(),
                query: "q".into(),
                examples: vec![],
                count: 1,
                centroid: None,
            },
        )
        .await
        .unwrap();

    // Reading.
    assert!(store.faq(b.tenant_id, f.id).await.unwrap().is_none());
    assert!(store
        .faqs(b.tenant_id, &FaqFilter::default())
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .faq_versions(b.tenant_id, f.id)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .faq_version(b.tenant_id, f.id, 1)
        .await
        .unwrap()
        .is_none());
    assert!(store.categories(b.tenant_id).await.unwrap().is_empty());
    assert!(store
        .faq_changes_since(b.tenant_id, 0)
        .await
        .unwrap()
        .upserted
        .is_empty());
    assert_eq!(store.faq_revision(b.tenant_id).await.unwrap(), 0);
    assert!(store
        .faq_queries(b.tenant_id, hour_ago(), 10)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .faq_analytics(b.tenant_id, hour_ago())
            .await
            .unwrap()
            .total_queries,
        0
    );
    assert!(store
        .suggestions(b.tenant_id, None, 10)
        .await
        .unwrap()
        .is_empty());

    // Writing.
    let not_found = |r: Result<(), StoreError>, what: &str| {
        assert!(matches!(r, Err(StoreError::NotFound)), "{what}: {r:?}");
    };
    let edit = FaqPatch {
        answer: Some("pwned".into()),
        ..FaqPatch::default()
    };
    not_found(store.update_faq(&b, f.id, &edit).await.map(drop), "update");
    not_found(store.delete_faq(&b, f.id).await.map(drop), "delete");
    not_found(
        store
            .set_faq_embedding(b.tenant_id, f.id, "m", &[1.0])
            .await,
        "embedding",
    );
    not_found(store.record_faq_view(b.tenant_id, f.id).await, "view");
    not_found(store.record_answer_hit(b.tenant_id, f.id).await, "hit");
    let feedback = NewFaqFeedback {
        faq_id: f.id,
        helpful: false,
        query_id: None,
        comment: None,
    };
    not_found(
        store
            .record_feedback(b.tenant_id, None, &feedback)
            .await
            .map(drop),
        "feedback",
    );
    not_found(
        store
            .create_faq(
                &b,
                &NewFaq {
                    category_id: Some(cat.id),
                    ..faq("q")
                },
            )
            .await
            .map(drop),
        "B files under A's category",
    );
    not_found(
        store
            .create_category(
                &b,
                &NewFaqCategory {
                    parent_id: Some(cat.id),
                    ..category("Sub")
                },
            )
            .await
            .map(drop),
        "B nests under A's category",
    );
    not_found(
        store
            .update_category(&b, cat.id, &FaqCategoryPatch::default())
            .await
            .map(drop),
        "update category",
    );
    not_found(
        store.delete_category(&b, cat.id).await.map(drop),
        "delete category",
    );
    not_found(
        store
            .set_suggestion_status(&b, suggestion.id, SuggestionStatus::Dismissed, None)
            .await
            .map(drop),
        "suggestion",
    );
    // B's feedback cannot mark A's logged question.
    let own = store.create_faq(&b, &faq("q")).await.unwrap();
    not_found(
        store
            .record_feedback(
                b.tenant_id,
                None,
                &NewFaqFeedback {
                    faq_id: own.id,
                    query_id: Some(asked),
                    ..feedback
                },
            )
            .await
            .map(drop),
        "feedback on A's question",
    );
    // B's suggestion cannot take A's id.
    let taken = store
        .upsert_suggestion(
            b.tenant_id,
            &NewFaqSuggestion {
                id: suggestion.id,
                query: "mine".into(),
                examples: vec![],
                count: 1,
                centroid: None,
            },
        )
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    // External ids are per tenant: B imports its own kb-1.
    let imported = store
        .import_faqs(
            &b,
            &items(&[NewFaq {
                external_id: Some("kb-1".into()),
                ..faq("b's")
            }]),
            false,
        )
        .await
        .unwrap();
    assert_eq!(imported.created, 1);

    let still = store.faq(a.tenant_id, f.id).await.unwrap().unwrap();
    assert_eq!((still.version, still.views, still.not_helpful), (1, 0, 0));
    assert!(!still.has_embedding);
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 1);
    let logged = store
        .faq_queries(a.tenant_id, hour_ago(), 10)
        .await
        .unwrap();
    assert_eq!(logged[0].feedback, None);
    assert_eq!(
        store.suggestions(a.tenant_id, None, 10).await.unwrap()[0].query,
        "q"
    );
}

async fn invalid_input_is_refused(store: &dyn Store) {
    let a = tenant(store, "a").await;
    let invalid = |r: Result<(), StoreError>| {
        assert!(matches!(r, Err(StoreError::InvalidState(_))), "{r:?}");
    };
    invalid(
        store
            .create_faq(
                &a,
                &NewFaq {
                    language: "english please".into(),
                    ..faq("q")
                },
            )
            .await
            .map(drop),
    );
    invalid(
        store
            .create_faq(
                &a,
                &NewFaq {
                    question: "q".repeat(1001),
                    ..faq("q")
                },
            )
            .await
            .map(drop),
    );
    invalid(store.create_category(&a, &category("")).await.map(drop));
    let f = store.create_faq(&a, &faq("q")).await.unwrap();
    invalid(
        store
            .update_faq(
                &a,
                f.id,
                &FaqPatch {
                    tags: Some(vec!["".into()]),
                    ..FaqPatch::default()
                },
            )
            .await
            .map(drop),
    );
    invalid(
        store
            .record_feedback(
                a.tenant_id,
                None,
                &NewFaqFeedback {
                    faq_id: f.id,
                    helpful: true,
                    query_id: None,
                    comment: Some("x".repeat(2001)),
                },
            )
            .await
            .map(drop),
    );
    invalid(store.set_faq_embedding(a.tenant_id, f.id, "m", &[]).await);
    invalid(
        store
            .log_faq_query(
                a.tenant_id,
                &NewFaqQuery {
                    channel: String::new(),
                    ..query("q", true)
                },
            )
            .await
            .map(drop),
    );
    let taken = store
        .create_faq(
            &a,
            &NewFaq {
                external_id: Some("kb".into()),
                ..faq("one")
            },
        )
        .await;
    assert!(taken.is_ok());
    let again = store
        .create_faq(
            &a,
            &NewFaq {
                external_id: Some("kb".into()),
                ..faq("two")
            },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.faq_revision(a.tenant_id).await.unwrap(), 2);
}

/// Fills every FAQ table of a fresh tenant; returns its context.
async fn every_faq_table(store: &dyn Store) -> TenantCtx {
    let a = tenant(store, "a").await;
    let cat = store
        .create_category(&a, &category("Billing"))
        .await
        .unwrap();
    let sub = NewFaqCategory {
        parent_id: Some(cat.id),
        ..category("Cards")
    };
    let sub = store.create_category(&a, &sub).await.unwrap();
    let f = store
        .create_faq(
            &a,
            &NewFaq {
                category_id: Some(sub.id),
                ..faq("q")
            },
        )
        .await
        .unwrap();
    let gone = store.create_faq(&a, &faq("gone")).await.unwrap();
    store.delete_faq(&a, gone.id).await.unwrap();
    let asked = store
        .log_faq_query(a.tenant_id, &query("q", true))
        .await
        .unwrap();
    store
        .record_feedback(
            a.tenant_id,
            None,
            &NewFaqFeedback {
                faq_id: f.id,
                helpful: true,
                query_id: Some(asked),
                comment: None,
            },
        )
        .await
        .unwrap();
    store
        .upsert_suggestion(
            a.tenant_id,
            &NewFaqSuggestion {
                id: FaqSuggestionId::new(),
                query: "q".into(),
                examples: vec![],
                count: 1,
                centroid: None,
            },
        )
        .await
        .unwrap();
    a
}

const FAQ_TABLES: &[&str] = &[
    "faq_categories",
    "faqs",
    "faq_versions",
    "faq_queries",
    "faq_feedback",
    "faq_suggestions",
    "faq_revisions",
    "faq_tombstones",
];

#[tokio::test]
async fn sqlite_deleting_a_tenant_removes_its_faqs() {
    use sqlx::Connection;
    let db = morningai_store::testing::TempSqlite::new().await;
    let a = every_faq_table(&db.store).await;
    let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut conn)
        .await
        .unwrap();
    for table in FAQ_TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert!(n > 0, "{table} is filled");
    }
    sqlx::query("DELETE FROM tenants WHERE id = $1")
        .bind(a.tenant_id.0)
        .execute(&mut conn)
        .await
        .unwrap();
    for table in FAQ_TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} is emptied");
    }
}

#[tokio::test]
async fn postgres_deleting_a_tenant_removes_its_faqs() {
    use sqlx::Connection;
    let db = morningai_store::testing::TempPostgres::new().await;
    let a = every_faq_table(&db.store).await;
    let mut owner = sqlx::PgConnection::connect(&db.owner_url).await.unwrap();
    for table in FAQ_TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut owner)
            .await
            .unwrap();
        assert!(n > 0, "{table} is filled");
    }
    sqlx::query("DELETE FROM tenants WHERE id = $1")
        .bind(a.tenant_id.0)
        .execute(&mut owner)
        .await
        .unwrap();
    for table in FAQ_TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut owner)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} is emptied");
    }
}

//! The FAQ index: keyword search in English, Chinese and Japanese, filters,
//! updates and removals, and the fusion with embedding similarity (vectors
//! made by hand here; the real embedders are tested in `agents`).

use morningai_knowledge::faq::{FaqDoc, FaqFilter, FaqIndex, FaqQuery, KEYWORD_WEIGHT};

fn faq(id: &str, question: &str, answer: &str, language: &str) -> FaqDoc {
    FaqDoc {
        id: id.into(),
        question: question.into(),
        answer: answer.into(),
        language: language.into(),
        category: None,
        tags: Vec::new(),
        status: "published".into(),
    }
}

fn corpus() -> Vec<FaqDoc> {
    vec![
        faq(
            "en-reset",
            "How do I reset my password?",
            "Open Settings, then Security, and choose Reset password.",
            "en",
        ),
        faq(
            "en-delete",
            "How do I delete my account?",
            "Write to support; accounts are deleted within 30 days.",
            "en",
        ),
        faq(
            "en-invoice",
            "Where can I download invoices?",
            "Invoices are under Billing → History as PDF files.",
            "en",
        ),
        faq(
            "zh-reset",
            "忘记密码怎么办？",
            "在登录页面点击“忘记密码”，按照邮件中的链接重新设置密码。",
            "zh-Hans",
        ),
        faq(
            "zh-invoice",
            "如何下载发票？",
            "在账单页面可以下载每个月的发票。",
            "zh-Hans",
        ),
        faq(
            "ja-reset",
            "パスワードを忘れました",
            "ログイン画面の「パスワードをお忘れですか」からリセットできます。",
            "ja",
        ),
        faq(
            "ja-delete",
            "アカウントを削除するには？",
            "サポートにご連絡ください。30日以内に削除されます。",
            "ja",
        ),
    ]
}

fn search(index: &FaqIndex, text: &str, filter: FaqFilter) -> Vec<String> {
    index
        .search(&FaqQuery {
            text,
            vector: None,
            filter,
            limit: 10,
            keyword_weight: KEYWORD_WEIGHT,
        })
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn english_keywords_find_the_question_through_stemming() {
    let index = FaqIndex::new(None).unwrap();
    index.upsert(&corpus()).unwrap();
    assert_eq!(
        search(&index, "resetting passwords", FaqFilter::default())[0],
        "en-reset"
    );
    assert_eq!(
        search(&index, "deleting an account", FaqFilter::default())[0],
        "en-delete"
    );
}

#[test]
fn chinese_and_japanese_queries_find_cjk_faqs() {
    let index = FaqIndex::new(None).unwrap();
    index.upsert(&corpus()).unwrap();
    // No word in common with the stored question as a whole: bigrams match.
    assert_eq!(
        search(&index, "我忘记了密码", FaqFilter::default())[0],
        "zh-reset"
    );
    assert_eq!(
        search(&index, "发票在哪里下载", FaqFilter::default())[0],
        "zh-invoice"
    );
    assert_eq!(
        search(&index, "パスワードを忘れた場合", FaqFilter::default())[0],
        "ja-reset"
    );
    assert_eq!(
        search(&index, "アカウント削除", FaqFilter::default())[0],
        "ja-delete"
    );
}

#[test]
fn filters_restrict_by_language_status_category_and_tag() {
    let index = FaqIndex::new(None).unwrap();
    let mut docs = corpus();
    docs[0].category = Some("security".into());
    docs[0].tags = vec!["login".into()];
    docs[1].status = "draft".into();
    index.upsert(&docs).unwrap();
    let only = |f: FaqFilter| search(&index, "password account 密码 パスワード", f);
    let zh = only(FaqFilter {
        language: Some("zh".into()),
        ..Default::default()
    });
    assert_eq!(zh, ["zh-reset"], "zh-Hans is matched by its primary subtag");
    let drafts = search(
        &index,
        "account",
        FaqFilter {
            status: Some("draft".into()),
            ..Default::default()
        },
    );
    assert_eq!(drafts, ["en-delete"]);
    let security = only(FaqFilter {
        category: Some("security".into()),
        ..Default::default()
    });
    assert_eq!(security, ["en-reset"]);
    let tagged = only(FaqFilter {
        tag: Some("login".into()),
        ..Default::default()
    });
    assert_eq!(tagged, ["en-reset"]);
}

#[test]
fn updates_replace_and_removals_forget() {
    let index = FaqIndex::new(Some(2)).unwrap();
    index.upsert(&corpus()).unwrap();
    assert_eq!(index.len(), 7);
    let mut changed = corpus()[2].clone();
    changed.question = "Where are receipts kept?".into();
    changed.answer = "Receipts live under Billing.".into();
    index.upsert(&[changed]).unwrap();
    assert_eq!(index.len(), 7, "an upsert replaces");
    assert!(search(&index, "invoices", FaqFilter::default())
        .iter()
        .all(|id| id != "en-invoice"));
    assert_eq!(
        search(&index, "receipts", FaqFilter::default())[0],
        "en-invoice"
    );
    assert!(index.set_vector("en-invoice", &[1.0, 0.0]));
    assert!(
        !index.set_vector("en-invoice", &[1.0, 0.0, 0.0]),
        "wrong length refused"
    );
    index.remove(&["en-invoice".into()]).unwrap();
    assert_eq!(index.len(), 6);
    assert_eq!(index.vectors(), 0);
    assert!(search(&index, "receipts", FaqFilter::default()).is_empty());
}

#[test]
fn a_semantic_match_outranks_keyword_noise_and_signals_are_reported() {
    let index = FaqIndex::new(Some(3)).unwrap();
    index.upsert(&corpus()).unwrap();
    // The "meaning" axis: reset questions point one way, the rest another.
    for d in corpus() {
        let v = if d.id.ends_with("reset") {
            [1.0, 0.1, 0.0]
        } else {
            [0.0, 1.0, 0.2]
        };
        index.set_vector(&d.id, &v);
    }
    // Keywords favour the account FAQ ("account", "deleted"); meaning favours reset.
    let hits = index
        .search(&FaqQuery {
            text: "I can't get into my account",
            vector: Some(&[0.95, 0.1, 0.0]),
            filter: FaqFilter {
                language: Some("en".into()),
                ..Default::default()
            },
            limit: 3,
            keyword_weight: KEYWORD_WEIGHT,
        })
        .unwrap();
    assert_eq!(hits[0].id, "en-reset");
    let top = &hits[0];
    assert_eq!(top.semantic.unwrap().rank, 1);
    assert!(top.semantic.unwrap().score > 0.99);
    let account = hits.iter().find(|h| h.id == "en-delete").unwrap();
    assert_eq!(account.keyword.unwrap().rank, 1);
}

#[test]
fn hostile_queries_are_answered_not_failed() {
    let index = FaqIndex::new(None).unwrap();
    index.upsert(&corpus()).unwrap();
    let long = "password ".repeat(1200);
    assert_eq!(search(&index, &long, FaqFilter::default())[0], "en-reset");
    // Control characters and query syntax are text, not errors.
    assert!(search(&index, "\u{0}\u{1b}[31m \"OR 1=1 --", FaqFilter::default()).is_empty());
    assert!(search(&index, "title:password AND (", FaqFilter::default())
        .contains(&"en-reset".to_string()));
    assert!(search(&index, "", FaqFilter::default()).is_empty());
}

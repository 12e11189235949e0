//! FAQ files: every format round-trips, and every bad line is reported with
//! its number (nothing of a bad file is prepared for import).

use morningai_core::{FaqCategory, FaqCategoryId, FaqId, FaqStatus, TenantId};
use morningai_knowledge::faq::transfer::{
    parse, prepare, write, CategoryPaths, FaqFormat, FaqRecord, LineError,
};
use time::OffsetDateTime;

fn category(name: &str, parent: Option<FaqCategoryId>) -> FaqCategory {
    FaqCategory {
        id: FaqCategoryId::new(),
        tenant_id: TenantId::new(),
        parent_id: parent,
        name: name.into(),
        position: 0,
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn records() -> Vec<FaqRecord> {
    vec![
        FaqRecord {
            id: Some(FaqId::new()),
            external_id: Some("kb-1".into()),
            question: "How do I reset my password?".into(),
            answer: "Open **Settings**, then:\n\n```sh\n## not a heading, a comment\nmorningai reset\n```\n\nDone, \"quoted\", with, commas.".into(),
            category: Some("Accounts / Security".into()),
            tags: vec!["login".into(), "password".into()],
            language: Some("en".into()),
            status: Some(FaqStatus::Published),
        },
        FaqRecord {
            question: "如何重置密码？".into(),
            answer: "打开设置 -- 然后选择安全。".into(),
            language: Some("zh-Hans".into()),
            status: Some(FaqStatus::Draft),
            ..FaqRecord::default()
        },
        FaqRecord {
            external_id: Some("kb-3".into()),
            question: "Where are invoices?".into(),
            answer: "Under Billing.".into(),
            category: Some("Billing".into()),
            language: Some("en".into()),
            status: Some(FaqStatus::Archived),
            ..FaqRecord::default()
        },
    ]
}

#[test]
fn every_format_round_trips() {
    let original = records();
    for format in FaqFormat::ALL {
        let text = write(format, &original);
        let (parsed, errors) = parse(format, &text);
        assert_eq!(errors, Vec::<LineError>::new(), "{format}:\n{text}");
        let mut parsed: Vec<FaqRecord> = parsed.into_iter().map(|n| n.value).collect();
        let mut expected = original.clone();
        if format == FaqFormat::Markdown {
            // Markdown groups by category, the uncategorised first.
            expected.sort_by_key(|r| r.category.is_some());
        }
        if format == FaqFormat::Csv {
            parsed.iter_mut().for_each(|r| r.tags.sort());
        }
        assert_eq!(parsed, expected, "{format}:\n{text}");
    }
}

#[test]
fn formats_are_named_by_name_or_extension() {
    assert_eq!("md".parse::<FaqFormat>(), Ok(FaqFormat::Markdown));
    assert_eq!("NDJSON".parse::<FaqFormat>(), Ok(FaqFormat::Jsonl));
    assert!("xlsx".parse::<FaqFormat>().unwrap_err().contains("xlsx"));
    assert_eq!(
        FaqFormat::from_path(std::path::Path::new("kb/export.csv")),
        Some(FaqFormat::Csv)
    );
}

#[test]
fn bad_jsonl_lines_are_numbered() {
    let text = "{\"question\":\"Q1\",\"answer\":\"A1\"}\n\n{not json}\n{\"question\":\"Q2\",\"answer\":\"A2\",\"colour\":\"red\"}\n";
    let (records, errors) = parse(FaqFormat::Jsonl, text);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].line, 1);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 4]);
    assert!(errors[1].message.contains("colour"), "{errors:?}");
    // Another system's ids go in external_id, and the error says so.
    let (_, errors) = parse(
        FaqFormat::Jsonl,
        r#"{"id":"kb-7","question":"Q","answer":"A"}"#,
    );
    assert!(errors[0].message.contains("external_id"), "{errors:?}");
}

#[test]
fn csv_header_and_rows_are_checked() {
    let (records, errors) = parse(FaqFormat::Csv, "question,colour\nQ,red\n");
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 1);
    assert!(errors[0].message.contains("answer") && errors[0].message.contains("colour"));

    // A quoted answer over two lines: the next record starts on line 4.
    let text = "Question,Answer,Status\nQ1,\"A1 line one\nline two\",published\nQ2,A2,maybe\nQ3\n";
    let (records, errors) = parse(FaqFormat::Csv, text);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].value.answer, "A1 line one\nline two");
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![4, 5], "{errors:?}");
    assert!(errors[0].message.contains("maybe"));
}

#[test]
fn markdown_needs_a_question_first_and_a_readable_comment() {
    let text = "Intro text\n\n## Q1\n<!-- faq: {\"tags\": 3} -->\nA1\n## Q2\nA2\n";
    let (records, errors) = parse(FaqFormat::Markdown, text);
    assert_eq!(records.len(), 2);
    assert_eq!((records[0].line, records[1].line), (3, 6));
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![1, 4]);
}

#[test]
fn prepare_reports_every_bad_record_and_resolves_category_paths() {
    let accounts = category("Accounts", None);
    let security = category("Security", Some(accounts.id));
    let paths = CategoryPaths::new(&[accounts.clone(), security.clone()]);
    assert_eq!(paths.path(security.id), Some("Accounts / Security"));

    let text = [
        r#"{"question":"Q1","answer":"A1","category":"accounts/SECURITY","external_id":"x"}"#,
        r#"{"question":"Q2","answer":"A2","category":"Nowhere"}"#,
        r#"{"question":"Q3","answer":"   ","external_id":"y"}"#,
        r#"{"question":"Q4","answer":"A4","external_id":"x"}"#,
        r#"{"question":"Q5","answer":"A5","language":"not a tag"}"#,
    ]
    .join("\n");
    let (records, errors) = parse(FaqFormat::Jsonl, &text);
    assert!(errors.is_empty());
    let errors = prepare(&records, &paths, "en").unwrap_err();
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5], "{errors:?}");
    assert!(errors[0].message.contains("Nowhere"));
    assert!(errors[2].message.contains("line 1"));

    let items = prepare(&records[..1], &paths, "en").unwrap();
    let item = &items[0].value;
    assert_eq!(item.faq.category_id, Some(security.id));
    assert_eq!(item.faq.language, "en");
    assert_eq!(item.faq.status, FaqStatus::Published);
}

//! FAQ import and export over HTTP: every format round-trips through the
//! API, a dry run changes nothing, a file with bad lines is refused whole
//! with each line's number, roles and tenants are respected; and the CLI
//! imports and exports against the same database.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{assert_error, both_backends, read, Session, TestApp};

both_backends!(
    import_export_round_trips_in_every_format,
    bad_files_are_refused_whole_with_line_numbers,
);

async fn import(
    app: &TestApp,
    who: &Session,
    query: &str,
    body: impl Into<String>,
) -> (StatusCode, Value) {
    let req = app
        .request(
            Method::POST,
            &format!("/api/faqs/import?{query}"),
            Some(&who.token),
        )
        .header("content-type", "text/plain")
        .body(body.into());
    app.send(req).await
}

async fn export(app: &TestApp, who: &Session, query: &str) -> (StatusCode, String, String) {
    let res = app
        .request(
            Method::GET,
            &format!("/api/faqs/export?{query}"),
            Some(&who.token),
        )
        .send()
        .await
        .unwrap();
    let status = res.status();
    let disposition = res
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, disposition, res.text().await.unwrap())
}

async fn all_faqs(app: &TestApp, who: &Session) -> Vec<Value> {
    let (status, page) = app.get("/api/faqs?limit=200", Some(&who.token)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut faqs = page["faqs"].as_array().unwrap().clone();
    faqs.sort_by_key(|f| f["question"].as_str().unwrap().to_owned());
    faqs
}

/// What a round trip must keep.
fn content(faqs: &[Value]) -> Vec<Value> {
    faqs.iter()
        .map(|f| {
            json!([
                f["question"],
                f["answer"],
                f["category_id"],
                f["tags"],
                f["language"],
                f["status"],
                f["external_id"]
            ])
        })
        .collect()
}

async fn import_export_round_trips_in_every_format(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let (_, billing) = app
        .post(
            "/api/faq-categories",
            Some(&owner.token),
            json!({"name": "Billing"}),
        )
        .await;
    let (_, refunds) = app
        .post(
            "/api/faq-categories",
            Some(&owner.token),
            json!({"name": "Refunds", "parent_id": billing["id"]}),
        )
        .await;
    let jsonl = [
        json!({"external_id": "kb-1", "question": "Where are invoices?", "answer": "Under **Billing**.", "category": "Billing", "tags": ["billing"]}),
        json!({"question": "How long do refunds take?", "answer": "Five days:\n\n- card\n- bank", "category": "billing / refunds", "status": "draft"}),
        json!({"question": "如何重置密码？", "answer": "打开设置。", "language": "zh-Hans"}),
    ]
    .iter()
    .map(|l| l.to_string() + "\n")
    .collect::<String>();

    // A dry run reports and writes nothing.
    let (status, report) = import(&app, &owner, "format=jsonl&dry_run=true", jsonl.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["dry_run"].as_bool(), report["created"].as_u64()),
        (Some(true), Some(3))
    );
    assert!(all_faqs(&app, &owner).await.is_empty());

    let (status, report) = import(&app, &owner, "format=jsonl", jsonl.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 3);
    let imported = all_faqs(&app, &owner).await;
    let refund = imported
        .iter()
        .find(|f| f["question"] == "How long do refunds take?")
        .unwrap();
    assert_eq!(refund["category_id"], refunds["id"]);
    assert_eq!(
        (refund["status"].as_str(), refund["source"].as_str()),
        (Some("draft"), Some("imported"))
    );
    assert!(imported
        .iter()
        .all(|f| f["status"] == "published" || f["status"] == "draft"));

    // Each format exports and imports back to the same FAQs: nothing new,
    // nothing changed.
    for (format, extension) in [("jsonl", "jsonl"), ("csv", "csv"), ("markdown", "md")] {
        let (status, disposition, file) = export(&app, &owner, &format!("format={format}")).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        assert!(
            disposition.contains(&format!("faqs.{extension}")),
            "{disposition}"
        );
        let (status, report) =
            import(&app, &owner, &format!("format={format}"), file.clone()).await;
        assert_eq!(status, StatusCode::OK, "{format}: {report}\n{file}");
        assert_eq!(
            (
                report["created"].as_u64(),
                report["updated"].as_u64(),
                report["unchanged"].as_u64()
            ),
            (Some(0), Some(0), Some(3)),
            "{format}: {report}\n{file}"
        );
    }
    assert_eq!(content(&all_faqs(&app, &owner).await), content(&imported));

    // Edited in a spreadsheet and imported again: updated in place by id
    // (this FAQ has no external id), as a new version.
    let (_, _, csv) = export(&app, &owner, "format=csv").await;
    let edited = csv.replace("Five days:", "Three days:");
    let (status, report) = import(&app, &owner, "format=csv", edited).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        (report["updated"].as_u64(), report["unchanged"].as_u64()),
        (Some(1), Some(2))
    );
    let (_, faq) = app
        .get(
            &format!("/api/faqs/{}", refund["id"].as_str().unwrap()),
            Some(&owner.token),
        )
        .await;
    assert!(
        faq["answer"].as_str().unwrap().starts_with("Three days:"),
        "{faq}"
    );
    assert_eq!(faq["version"], 2);

    // A filtered export: published only.
    let (_, _, published) = export(&app, &owner, "format=jsonl&status=published").await;
    assert_eq!(published.lines().count(), 2, "{published}");
}

async fn bad_files_are_refused_whole_with_line_numbers(app: TestApp) {
    let owner = app.signup("owner@example.com", "Acme").await;
    let member = app.add_member(&owner, "member@example.com", "member").await;
    let other = app.signup("other@example.com", "Other").await;
    let (status, report) = import(
        &app,
        &other,
        "format=jsonl",
        json!({"question": "Theirs?", "answer": "Yes."}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let theirs = all_faqs(&app, &other).await[0]["id"].clone();

    let long = "x".repeat(20_001);
    let file = [
        json!({"question": "Good one?", "answer": "Fine.", "external_id": "a"}).to_string(),
        "{broken".to_owned(),
        json!({"question": "", "answer": "No question."}).to_string(),
        json!({"question": "Long?", "answer": long}).to_string(),
        json!({"question": "Twice?", "answer": "Again.", "external_id": "a"}).to_string(),
        json!({"question": "Where?", "answer": "Nowhere.", "category": "Missing"}).to_string(),
        // Another tenant's FAQ id is not found here.
        json!({"id": theirs, "question": "Mine now?", "answer": "No."}).to_string(),
    ]
    .join("\n");
    let (status, body) = import(&app, &owner, "format=jsonl", file).await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_file",
    );
    let lines: Vec<u64> = body["error"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7], "{body}");
    assert!(
        all_faqs(&app, &owner).await.is_empty(),
        "nothing of a bad file is applied"
    );
    let (_, theirs_now) = app
        .get(
            &format!("/api/faqs/{}", theirs.as_str().unwrap()),
            Some(&other.token),
        )
        .await;
    assert_eq!(theirs_now["question"], "Theirs?");

    // A CSV without an answer column; Markdown with text before a question.
    let (status, body) = import(&app, &owner, "format=csv", "question\nWhy?\n").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_file",
    );
    assert_eq!(body["error"]["lines"][0]["line"], 1);
    let (status, body) = import(&app, &owner, "format=markdown", "Hello\n## Q?\nA.\n").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_file",
    );
    // Empty files, unknown formats, members and other tenants.
    let (status, body) = import(&app, &owner, "format=jsonl", "\n\n").await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let (status, body) = import(&app, &owner, "format=xlsx", "a").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = import(
        &app,
        &member,
        "format=jsonl",
        json!({"question": "Q", "answer": "A"}).to_string(),
    )
    .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, _, _) = export(&app, &member, "format=csv").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "members may export what they may read"
    );
    let (_, _, theirs_export) = export(&app, &owner, "format=jsonl").await;
    assert!(theirs_export.is_empty(), "{theirs_export}");

    // Over the import limit: 413, not a dropped connection.
    let huge = "x".repeat(17 * 1024 * 1024);
    let res = app
        .request(
            Method::POST,
            "/api/faqs/import?format=jsonl",
            Some(&owner.token),
        )
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, body) = read(res).await;
    assert_error(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
}

/// `morningai faq import/export` on the server's own database: the same
/// checks, a report per line, a non-zero exit for a bad file.
#[tokio::test]
async fn the_cli_imports_and_exports_against_the_database() {
    let app = TestApp::sqlite().await;
    let owner = app.signup("owner@example.com", "Acme").await;
    app.add_member(&owner, "viewer@example.com", "viewer").await;
    let dir = crate::support::TempDir::new();
    let good = dir.0.join("kb.md");
    std::fs::write(
        &good,
        "## How do I log in?\nWith your email.\n\n## Is there an API?\nYes, see `/api/docs`.\n",
    )
    .unwrap();
    let bad = dir.0.join("bad.csv");
    std::fs::write(&bad, "question,answer\nFine?,Yes\n,No question\n").unwrap();
    let url = app.database_url();
    let run = |args: &[&str]| {
        crate::cli::morningai()
            .args(["faq"])
            .args(args)
            .args(["--database-url", &url])
            .output()
            .unwrap()
    };

    let dry = run(&[
        "import",
        good.to_str().unwrap(),
        "--dry-run",
        "--as",
        "owner@example.com",
    ]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(String::from_utf8_lossy(&dry.stdout).contains("would import 2 FAQs: 2 new"));
    let done = run(&[
        "import",
        good.to_str().unwrap(),
        "--as",
        "owner@example.com",
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let (_, page) = app.get("/api/faqs", Some(&owner.token)).await;
    assert_eq!(page["faqs"].as_array().unwrap().len(), 2, "{page}");

    let refused = run(&["import", bad.to_str().unwrap(), "--as", "owner@example.com"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("bad.csv:3: the question"), "{stderr}");
    let viewer = run(&[
        "import",
        good.to_str().unwrap(),
        "--as",
        "viewer@example.com",
    ]);
    assert!(!viewer.status.success());
    assert!(String::from_utf8_lossy(&viewer.stderr).contains("owner or admin"));
    let nobody = run(&["export", "--format", "csv", "--as", "nobody@example.com"]);
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no account"));

    let out = run(&["export", "--format", "jsonl", "--as", "viewer@example.com"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["question"], "How do I log in?");
    assert_eq!(lines[1]["answer"], "Yes, see `/api/docs`.");
}

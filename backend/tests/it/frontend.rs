//! The dashboard is served at `/` from the built frontend folder, with the
//! app's `index.html` for client-side routes; `/api` keeps its JSON errors.

use reqwest::{Method, StatusCode};

use crate::support::{TempDir, TestApp};

const INDEX: &str = "<!doctype html><title>fixture dashboard</title><div id=root></div>";
const SCRIPT: &str = "console.log('fixture app');";

/// A built frontend as `npm run build` leaves it: `index.html` and hashed assets.
fn fixture_dist() -> TempDir {
    let dir = TempDir(
        std::env::temp_dir().join(format!("morningai-dist-{}", uuid::Uuid::new_v4().simple())),
    );
    std::fs::create_dir_all(dir.0.join("assets")).unwrap();
    std::fs::write(dir.0.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.0.join("assets/index-0a1b2c3d.js"), SCRIPT).unwrap();
    std::fs::write(dir.0.join("favicon.svg"), "<svg/>").unwrap();
    dir
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
}

fn header<'r>(res: &'r reqwest::Response, name: &str) -> &'r str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn serves_the_built_frontend_with_spa_fallback() {
    let dist = fixture_dist();
    let app = TestApp::sqlite_with(|c| c.frontend_dir = dist.0.clone()).await;

    for page in [
        "/",
        "/index.html",
        "/tasks",
        "/tasks/0190f0e0-0000-7000-8000-000000000000",
        "/settings/api-keys",
    ] {
        let res = get(&app, page).await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{page}"
        );
        assert_eq!(header(&res, "cache-control"), "no-cache", "{page}");
        assert_eq!(res.text().await.unwrap(), INDEX, "{page}");
    }

    let res = get(&app, "/assets/index-0a1b2c3d.js").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").contains("javascript"));
    assert!(header(&res, "cache-control").contains("immutable"));
    assert_eq!(res.text().await.unwrap(), SCRIPT);

    let res = get(&app, "/favicon.svg").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").starts_with("image/svg"));

    // A missing asset is a 404, not the app's HTML under a script's name.
    let res = get(&app, "/assets/missing-12345678.js").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_api_paths_stay_json_404s() {
    let dist = fixture_dist();
    let app = TestApp::sqlite_with(|c| c.frontend_dir = dist.0.clone()).await;
    for path in ["/api", "/api/", "/api/does-not-exist", "/api/tasks/x/y/z"] {
        let (status, body) = app.get(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"]["code"], "route_not_found", "{path}: {body}");
    }
    // Writing to a page path is not the app either.
    let (status, body) = app.send(app.request(Method::POST, "/tasks", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "route_not_found");
    // The API itself is untouched.
    let (status, _) = app.get("/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.get("/api/auth/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}

#[tokio::test]
async fn an_unbuilt_frontend_says_how_to_build_it() {
    let missing = std::env::temp_dir().join(format!("morningai-no-dist-{}", uuid::Uuid::new_v4()));
    let app = TestApp::sqlite_with(|c| c.frontend_dir = missing.clone()).await;
    let res = get(&app, "/").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let text = res.text().await.unwrap();
    assert!(text.contains("npm run build"), "{text}");
    assert!(text.contains("MORNINGAI_FRONTEND_DIR"), "{text}");
    let (status, body) = app.get("/api/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "route_not_found");
}

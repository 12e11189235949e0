//! The `morningai` binary as a user runs it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::TempDir;

/// The real binary, with none of this process's `MORNINGAI_*` settings.
pub(crate) fn morningai() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_morningai"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MORNINGAI_") {
            c.env_remove(k);
        }
    }
    c
}

fn temp_dir() -> TempDir {
    let p = std::env::temp_dir().join(format!("morningai-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&p).unwrap();
    TempDir(p)
}

#[test]
fn production_refuses_missing_short_or_well_known_secrets() {
    let dir = temp_dir();
    let db = format!("sqlite://{}/db.sqlite", dir.0.display());
    let cases = [
        (None, "is required in production"),
        (Some("short-secret"), "too short"),
        (
            Some("changeme-changeme-changeme-changeme-changeme"),
            "well-known",
        ),
    ];
    for (secret, expected) in cases {
        let mut cmd = morningai();
        cmd.args(["serve"])
            .env("MORNINGAI_ENV", "production")
            .env("MORNINGAI_DATABASE_URL", &db)
            .env("MORNINGAI_ADDR", "127.0.0.1:0")
            .env("MORNINGAI_DATA_DIR", &dir.0);
        if let Some(s) = secret {
            cmd.env("MORNINGAI_JWT_SECRET", s);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{secret:?} accepted");
        assert!(stderr.contains(expected), "{secret:?}: {stderr}");
        if let Some(s) = secret {
            assert!(!stderr.contains(s), "the secret is echoed: {stderr}");
        }
    }
}

#[test]
fn invalid_configuration_is_a_clear_error() {
    let out = morningai()
        .args(["serve"])
        .env("MORNINGAI_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("MORNINGAI_ADDR")
            || String::from_utf8_lossy(&out.stderr).contains("--addr")
    );
    let out = morningai()
        .args(["migrate"])
        .env("MORNINGAI_DATABASE_URL", "mysql://nope")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite: or postgres://"));
}

#[test]
fn migrate_then_serve_answers_health_and_stops_on_sigterm() {
    let dir = temp_dir();
    let db = format!("sqlite://{}/data/db.sqlite", dir.0.display());
    let out = morningai()
        .args(["migrate"])
        .env("MORNINGAI_DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("applied"));
    let out = morningai()
        .args(["migrate"])
        .env("MORNINGAI_DATABASE_URL", &db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = morningai()
        .args(["serve"])
        .env("MORNINGAI_DATABASE_URL", &db)
        .env("MORNINGAI_DATA_DIR", dir.0.join("data"))
        .env("MORNINGAI_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let healthy = loop {
        let ok = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok_and(|mut s| {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            buf.starts_with("HTTP/1.1 200") && buf.contains("\"ready\"")
        });
        if ok || started.elapsed() > Duration::from_secs(20) {
            break ok;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Development keeps a generated secret beside the database.
    assert!(dir.0.join("data/jwt-secret").exists());
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(healthy, "server never became ready");
    assert!(status.success(), "exit after SIGTERM: {status}");
}

#[test]
fn openapi_prints_the_served_document_as_json() {
    let out = morningai().args(["openapi"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        doc,
        serde_json::to_value(morningai_backend::http::openapi_document()).unwrap()
    );
}

//! Webhook verification, each platform: good, tampered, wrong secret,
//! missing and malformed header. Expected signatures were computed outside
//! this crate (Python's hmac) over the fixture bytes.

use crate::fixture;
use morningai_channels::{
    verify_line, verify_messenger, verify_telegram, Error, MessengerHandshake,
};
use serde_json::json;

const LINE_SECRET: &str = "fixture-line-channel-secret";
const LINE_MULTI_SIG: &str = "OyH60InmkkzeNM9Nj6xD8hOXrWeofRcPOmFbp3opFys=";
const LINE_EMPTY_SIG: &str = "lH5Kwec+tsCQc9HVsDX1aLkSq7hFilc3k76AoXTElJ8=";
const META_SECRET: &str = "fixture-meta-app-secret";
const MESSENGER_MULTI_SIG: &str =
    "sha256=5ebb3160460653d1da8af5aa7a424ac3baa2a6b6b8d9f0f6e0e26c812d2dab29";

fn tamper(body: &[u8]) -> Vec<u8> {
    let mut b = body.to_vec();
    let i = b.len() / 2;
    b[i] ^= 0x01;
    b
}

#[test]
fn telegram_secret_token() {
    let secret = "s3cr3t_Token-1";
    verify_telegram(secret, Some(secret.as_bytes())).unwrap();
    // Wrong value, or a prefix of the right one.
    for wrong in ["s3cr3t_Token-2", "s3cr3t_Token-", "S3CR3T_TOKEN-1"] {
        assert!(
            matches!(
                verify_telegram(secret, Some(wrong.as_bytes())),
                Err(Error::BadSignature { .. })
            ),
            "{wrong}"
        );
    }
    // The right header for another bot's secret.
    assert!(matches!(
        verify_telegram("another_secret", Some(secret.as_bytes())),
        Err(Error::BadSignature { .. })
    ));
    assert!(matches!(
        verify_telegram(secret, None),
        Err(Error::MissingSignature { .. })
    ));
    let too_long = "a".repeat(257);
    for malformed in [
        &b""[..],
        b"has space",
        b"semi;colon",
        "\u{e9}t\u{e9}".as_bytes(),
        too_long.as_bytes(),
    ] {
        assert!(
            matches!(
                verify_telegram(secret, Some(malformed)),
                Err(Error::MalformedSignature { .. })
            ),
            "{malformed:?}"
        );
    }
}

#[test]
fn line_signature() {
    let body = fixture("line/multi.json");
    verify_line(LINE_SECRET, &body, Some(LINE_MULTI_SIG.as_bytes())).unwrap();
    verify_line(
        LINE_SECRET,
        &fixture("line/empty.json"),
        Some(LINE_EMPTY_SIG.as_bytes()),
    )
    .unwrap();
    let bad = |r| matches!(r, Err(Error::BadSignature { .. }));
    assert!(bad(verify_line(
        LINE_SECRET,
        &tamper(&body),
        Some(LINE_MULTI_SIG.as_bytes())
    )));
    assert!(bad(verify_line(
        "another-secret",
        &body,
        Some(LINE_MULTI_SIG.as_bytes())
    )));
    // Another body's valid signature.
    assert!(bad(verify_line(
        LINE_SECRET,
        &body,
        Some(LINE_EMPTY_SIG.as_bytes())
    )));
    // The same JSON value re-serialised is other bytes: must not verify.
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let reserialised = serde_json::to_vec(&value).unwrap();
    assert!(bad(verify_line(
        LINE_SECRET,
        &reserialised,
        Some(LINE_MULTI_SIG.as_bytes())
    )));
    assert!(matches!(
        verify_line(LINE_SECRET, &body, None),
        Err(Error::MissingSignature { .. })
    ));
    for malformed in [
        "not base64 !!",
        "",
        "c2hvcnQ=",
        "sha256=OyH60InmkkzeNM9Nj6xD8hOXrWeofRcPOmFbp3opFys=",
    ] {
        assert!(
            matches!(
                verify_line(LINE_SECRET, &body, Some(malformed.as_bytes())),
                Err(Error::MalformedSignature { .. })
            ),
            "{malformed}"
        );
    }
}

#[test]
fn messenger_signature() {
    let body = fixture("messenger/multi.json");
    verify_messenger(META_SECRET, &body, Some(MESSENGER_MULTI_SIG.as_bytes())).unwrap();
    let bad = |r| matches!(r, Err(Error::BadSignature { .. }));
    assert!(bad(verify_messenger(
        META_SECRET,
        &tamper(&body),
        Some(MESSENGER_MULTI_SIG.as_bytes())
    )));
    assert!(bad(verify_messenger(
        "wrong-secret",
        &body,
        Some(MESSENGER_MULTI_SIG.as_bytes())
    )));
    // Meta signs the `\uXXXX`-escaped bytes; raw UTF-8 of the same value must fail.
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let raw_utf8 = serde_json::to_vec(&value).unwrap();
    assert!(
        raw_utf8.len() < body.len(),
        "re-serialising unescaped the text"
    );
    assert!(bad(verify_messenger(
        META_SECRET,
        &raw_utf8,
        Some(MESSENGER_MULTI_SIG.as_bytes())
    )));
    assert!(matches!(
        verify_messenger(META_SECRET, &body, None),
        Err(Error::MissingSignature { .. })
    ));
    let hex_only = &MESSENGER_MULTI_SIG["sha256=".len()..];
    let sha1 = format!("sha1={}", &hex_only[..40]);
    let short = &MESSENGER_MULTI_SIG[..MESSENGER_MULTI_SIG.len() - 2];
    let not_hex = format!("sha256={}", "zz".repeat(32));
    for malformed in [
        hex_only,
        sha1.as_str(),
        short,
        not_hex.as_str(),
        "sha256=",
        "",
    ] {
        assert!(
            matches!(
                verify_messenger(META_SECRET, &body, Some(malformed.as_bytes())),
                Err(Error::MalformedSignature { .. })
            ),
            "{malformed}"
        );
    }
}

#[test]
fn messenger_handshake() {
    let query = |mode: &str, token: &str, challenge: &str| -> MessengerHandshake {
        serde_json::from_value(json!({
            "hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge
        }))
        .unwrap()
    };
    assert_eq!(
        query("subscribe", "vt-123", "1158201444")
            .verify("vt-123")
            .unwrap(),
        "1158201444"
    );
    let rejected =
        |q: MessengerHandshake| matches!(q.verify("vt-123"), Err(Error::HandshakeRejected));
    assert!(rejected(query("subscribe", "vt-124", "1158201444")));
    assert!(rejected(query("unsubscribe", "vt-123", "1158201444")));
    assert!(rejected(query("subscribe", "vt-123", "")));
    assert!(rejected(query(
        "subscribe",
        "vt-123",
        "<script>alert(1)</script>"
    )));
    assert!(rejected(MessengerHandshake::default()));
    // The verify token never shows in Debug output.
    assert!(!format!("{:?}", query("subscribe", "vt-123", "1")).contains("vt-123"));
    // An unset verify token refuses everything, even an empty one sent.
    assert!(matches!(
        query("subscribe", "", "1").verify(""),
        Err(Error::SecretNotConfigured(_))
    ));
}

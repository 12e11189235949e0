//! The sending clients against a local server speaking each platform's API.

use crate::mock::{reply, Mock, Reply};
use morningai_channels::{
    Error, LineClient, MessagingType, MessengerClient, PushOutcome, SendOptions, TelegramClient,
    TelegramWebhook,
};
use serde_json::json;
use std::time::Duration;

const TG_TOKEN: &str = "123456:AAE-tg_secret_bot_token";
const LINE_TOKEN: &str = "line-channel-access-token-secret";
const FB_TOKEN: &str = "EAAG-page-access-token-secret";

/// Neither the message nor the Debug form of an error shows the token.
fn assert_no_token(err: &Error, token: &str) {
    assert!(!err.to_string().contains(token), "{err}");
    assert!(!format!("{err:?}").contains(token), "{err:?}");
}

fn tg_ok(result: serde_json::Value) -> Reply {
    reply(200, json!({ "ok": true, "result": result }))
}

#[tokio::test]
async fn telegram_send_message() {
    let mock = Mock::start(vec![
        tg_ok(json!({ "message_id": 99, "date": 1, "chat": { "id": -1009876543210i64, "type": "supergroup" } })),
        tg_ok(json!({ "message_id": 100, "date": 1, "chat": { "id": -1001, "type": "channel" } })),
    ])
    .await;
    let client = TelegramClient::new(TG_TOKEN).with_base_url(&mock.base_url);
    let opts = SendOptions {
        thread_id: Some(7),
        reply_to_message_id: Some(42),
        ..SendOptions::default()
    };
    let id = client
        .send_message("-1009876543210", "營業時間 👩‍💻", &opts)
        .await
        .unwrap();
    assert_eq!(id, 99);
    assert_eq!(
        client
            .send_message("@morningai_news", "hi", &SendOptions::default())
            .await
            .unwrap(),
        100
    );

    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].uri, format!("/bot{TG_TOKEN}/sendMessage"));
    let body = &reqs[0].body;
    assert_eq!(body["chat_id"], json!(-1009876543210i64));
    assert_eq!(body["text"], "營業時間 👩‍💻");
    assert_eq!(body["message_thread_id"], 7);
    assert_eq!(body["reply_parameters"]["message_id"], 42);
    assert!(body.get("parse_mode").is_none(), "plain text by default");
    assert_eq!(reqs[1].body["chat_id"], "@morningai_news");
    // The client's Debug output hides the token.
    assert!(!format!("{client:?}").contains(TG_TOKEN));
}

#[tokio::test]
async fn telegram_rate_limit_server_error_and_bad_request() {
    let mock = Mock::start(vec![
        reply(
            429,
            json!({ "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 17", "parameters": { "retry_after": 17 } }),
        ),
        reply(502, json!({ "ok": false, "error_code": 502, "description": "Bad Gateway" })),
        reply(400, json!({ "ok": false, "error_code": 400, "description": "Bad Request: chat not found" })),
    ])
    .await;
    let client = TelegramClient::new(TG_TOKEN).with_base_url(&mock.base_url);
    let opts = SendOptions::default();
    let send = || client.send_message("1", "hello", &opts);

    let limited = send().await.unwrap_err();
    assert!(matches!(limited, Error::RateLimited { .. }), "{limited:?}");
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(17)));
    assert!(limited.is_retryable());

    let server = send().await.unwrap_err();
    assert!(
        matches!(server, Error::Api { status: 502, .. }),
        "{server:?}"
    );
    assert!(server.is_retryable());

    let bad = send().await.unwrap_err();
    assert!(
        matches!(&bad, Error::Api { status: 400, code: Some(400), message, .. } if message.contains("chat not found"))
    );
    assert!(!bad.is_retryable());
    for e in [&limited, &server, &bad] {
        assert_no_token(e, TG_TOKEN);
    }
    assert_eq!(mock.requests().len(), 3, "no retries inside the client");
}

#[tokio::test]
async fn telegram_refuses_what_telegram_would_refuse() {
    let mock = Mock::start(vec![]).await;
    let client = TelegramClient::new(TG_TOKEN).with_base_url(&mock.base_url);
    let long = "a".repeat(4097);
    for text in ["", "  ", long.as_str()] {
        let err = client
            .send_message("1", text, &SendOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    }
    // 4,096 units is the limit, counted in UTF-16: 2,048 emoji fill it.
    let emoji = "😀".repeat(2049);
    assert!(client
        .send_message("1", &emoji, &SendOptions::default())
        .await
        .is_err());
    let bad_secret = TelegramWebhook::new("https://example.com/hook", "has space");
    assert!(matches!(
        client.set_webhook(&bad_secret).await,
        Err(Error::InvalidRequest { .. })
    ));
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn telegram_set_webhook() {
    let mock = Mock::start(vec![tg_ok(json!(true))]).await;
    let client = TelegramClient::new(TG_TOKEN).with_base_url(&mock.base_url);
    let secret = TelegramWebhook::new_secret_token();
    assert_eq!(secret.len(), 64);
    let mut hook = TelegramWebhook::new(
        "https://bots.example.com/webhooks/telegram/b1",
        secret.clone(),
    );
    hook.drop_pending_updates = true;
    assert!(!format!("{hook:?}").contains(&secret));
    client.set_webhook(&hook).await.unwrap();
    let req = &mock.requests()[0];
    assert_eq!(req.uri, format!("/bot{TG_TOKEN}/setWebhook"));
    assert_eq!(
        req.body["url"],
        "https://bots.example.com/webhooks/telegram/b1"
    );
    assert_eq!(req.body["secret_token"], secret.as_str());
    assert_eq!(
        req.body["allowed_updates"],
        json!(["message", "edited_message"])
    );
    assert_eq!(req.body["drop_pending_updates"], true);
}

#[tokio::test]
async fn telegram_timeout_and_unreachable_hide_the_token() {
    let slow = Reply {
        delay: Duration::from_secs(3),
        ..tg_ok(json!({ "message_id": 1 }))
    };
    let mock = Mock::start(vec![slow]).await;
    let client = TelegramClient::new(TG_TOKEN)
        .with_base_url(&mock.base_url)
        .with_timeout(Duration::from_millis(200));
    let err = client
        .send_message("1", "hi", &SendOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { timeout: true, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_no_token(&err, TG_TOKEN);

    // A port nothing listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let client = TelegramClient::new(TG_TOKEN).with_base_url(&format!("http://{addr}"));
    let err = client
        .send_message("1", "hi", &SendOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transport { timeout: false, .. }),
        "{err:?}"
    );
    assert_no_token(&err, TG_TOKEN);
}

#[tokio::test]
async fn line_reply_and_invalid_reply_token() {
    let mock = Mock::start(vec![
        reply(
            200,
            json!({ "sentMessages": [{ "id": "1", "quoteToken": "q" }] }),
        ),
        reply(400, json!({ "message": "Invalid reply token" })),
        reply(
            400,
            json!({ "message": "The request body has 1 error(s)", "details": [] }),
        ),
    ])
    .await;
    let client = LineClient::new(LINE_TOKEN).with_base_url(&mock.base_url);
    let texts = vec!["第一段 👨‍👩‍👧".to_owned(), "second".to_owned()];
    client.reply_text("rt-0001", &texts).await.unwrap();
    let expired = client.reply_text("rt-0001", &texts).await.unwrap_err();
    assert!(matches!(expired, Error::InvalidReplyToken), "{expired:?}");
    assert!(!expired.is_retryable());
    let other = client.reply_text("rt-0002", &texts).await.unwrap_err();
    assert!(
        matches!(&other, Error::Api { status: 400, message, .. } if message.contains("1 error")),
        "{other:?}"
    );
    assert_no_token(&other, LINE_TOKEN);

    let req = &mock.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.uri.as_str()),
        ("POST", "/v2/bot/message/reply")
    );
    assert_eq!(
        req.headers["authorization"],
        format!("Bearer {LINE_TOKEN}").as_str()
    );
    assert!(
        req.headers.get("x-line-retry-key").is_none(),
        "LINE refuses a retry key on reply"
    );
    assert_eq!(
        req.body,
        json!({ "replyToken": "rt-0001", "messages": [
            { "type": "text", "text": "第一段 👨‍👩‍👧" }, { "type": "text", "text": "second" } ] })
    );
}

#[tokio::test]
async fn line_message_count_and_length_limits() {
    let mock = Mock::start(vec![]).await;
    let client = LineClient::new(LINE_TOKEN).with_base_url(&mock.base_url);
    let six: Vec<String> = (0..6).map(|i| i.to_string()).collect();
    assert!(matches!(
        client.reply_text("rt", &six).await,
        Err(Error::InvalidRequest { .. })
    ));
    assert!(matches!(
        client.reply_text("rt", &[]).await,
        Err(Error::InvalidRequest { .. })
    ));
    let long = vec!["字".repeat(5001)];
    assert!(matches!(
        client.push_text("U1", &long, uuid::Uuid::new_v4()).await,
        Err(Error::InvalidRequest { .. })
    ));
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn line_push_with_retry_key() {
    let mut limited = reply(
        429,
        json!({ "message": "The API rate limit has been exceeded. Try again later." }),
    );
    limited.headers.push(("retry-after", "3".into()));
    let mock = Mock::start(vec![
        reply(500, json!({ "message": "Internal server error" })),
        reply(
            409,
            json!({ "message": "The retry key is already accepted" }),
        ),
        limited,
        reply(200, json!({ "sentMessages": [{ "id": "2" }] })),
    ])
    .await;
    let client = LineClient::new(LINE_TOKEN).with_base_url(&mock.base_url);
    let key = uuid::Uuid::parse_str("123e4567-e89b-12d3-a456-426614174000").unwrap();
    let texts = vec!["hello".to_owned()];

    let first = client
        .push_text("Cgroup0001", &texts, key)
        .await
        .unwrap_err();
    assert!(matches!(first, Error::Api { status: 500, .. }) && first.is_retryable());
    // The retry finds the first attempt had been accepted after all.
    assert_eq!(
        client.push_text("Cgroup0001", &texts, key).await.unwrap(),
        PushOutcome::AlreadyAccepted
    );
    let rate = client
        .push_text("Cgroup0001", &texts, uuid::Uuid::new_v4())
        .await
        .unwrap_err();
    assert_eq!(rate.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(
        client
            .push_text("Cgroup0001", &texts, uuid::Uuid::new_v4())
            .await
            .unwrap(),
        PushOutcome::Accepted
    );

    let reqs = mock.requests();
    assert_eq!(reqs[0].uri, "/v2/bot/message/push");
    assert_eq!(
        reqs[0].body,
        json!({ "to": "Cgroup0001", "messages": [{ "type": "text", "text": "hello" }] })
    );
    for r in &reqs[..2] {
        assert_eq!(
            r.headers["x-line-retry-key"],
            "123e4567-e89b-12d3-a456-426614174000"
        );
    }
    assert_ne!(
        reqs[2].headers["x-line-retry-key"],
        reqs[3].headers["x-line-retry-key"]
    );
}

#[tokio::test]
async fn line_set_webhook_endpoint() {
    let mock = Mock::start(vec![
        reply(200, json!({})),
        reply(400, json!({ "message": "Invalid webhook endpoint URL" })),
    ])
    .await;
    let client = LineClient::new(LINE_TOKEN).with_base_url(&mock.base_url);
    client
        .set_webhook_endpoint("https://bots.example.com/webhooks/line/b2")
        .await
        .unwrap();
    let err = client
        .set_webhook_endpoint("http://insecure")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 400, .. }));
    let req = &mock.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.uri.as_str()),
        ("PUT", "/v2/bot/channel/webhook/endpoint")
    );
    assert_eq!(
        req.body,
        json!({ "endpoint": "https://bots.example.com/webhooks/line/b2" })
    );
    assert_eq!(
        req.headers["authorization"],
        format!("Bearer {LINE_TOKEN}").as_str()
    );
}

#[tokio::test]
async fn messenger_send_api() {
    let mock = Mock::start(vec![
        reply(
            200,
            json!({ "recipient_id": "2468013579", "message_id": "m_sent1" }),
        ),
        reply(
            200,
            json!({ "recipient_id": "2468013579", "message_id": "m_sent2" }),
        ),
    ])
    .await;
    let client = MessengerClient::new(FB_TOKEN).with_base_url(&mock.base_url);
    let id = client
        .send_text("2468013579", "你好 👋🏽", MessagingType::Response)
        .await
        .unwrap();
    assert_eq!(id, "m_sent1");
    let client = client.with_api_version("v21.0");
    client
        .send_text("2468013579", "update", MessagingType::Update)
        .await
        .unwrap();

    let reqs = mock.requests();
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].uri.as_str()),
        ("POST", "/v23.0/me/messages")
    );
    assert_eq!(
        reqs[0].headers["authorization"],
        format!("Bearer {FB_TOKEN}").as_str()
    );
    assert!(
        !reqs[0].uri.contains("access_token"),
        "the token stays out of the URL"
    );
    assert_eq!(
        reqs[0].body,
        json!({ "recipient": { "id": "2468013579" }, "messaging_type": "RESPONSE", "message": { "text": "你好 👋🏽" } })
    );
    assert_eq!(reqs[1].uri, "/v21.0/me/messages");
    assert_eq!(reqs[1].body["messaging_type"], "UPDATE");
    assert!(!format!("{client:?}").contains(FB_TOKEN));
}

#[tokio::test]
async fn messenger_errors() {
    let mock = Mock::start(vec![
        reply(400, json!({ "error": { "message": "(#613) Calls to this api have exceeded the rate limit.", "type": "OAuthException", "code": 613, "fbtrace_id": "A1" } })),
        reply(429, json!({})),
        reply(500, json!({ "error": { "message": "An unknown error has occurred.", "type": "OAuthException", "code": 1 } })),
        reply(400, json!({ "error": { "message": "(#100) The parameter recipient is required", "type": "OAuthException", "code": 100 } })),
    ])
    .await;
    let client = MessengerClient::new(FB_TOKEN).with_base_url(&mock.base_url);
    let send = || client.send_text("1", "hi", MessagingType::Response);
    assert!(matches!(
        send().await,
        Err(Error::RateLimited {
            retry_after: None,
            ..
        })
    ));
    assert!(matches!(send().await, Err(Error::RateLimited { .. })));
    let server = send().await.unwrap_err();
    assert!(
        matches!(
            server,
            Error::Api {
                status: 500,
                code: Some(1),
                ..
            }
        ) && server.is_retryable()
    );
    let bad = send().await.unwrap_err();
    assert!(
        matches!(
            bad,
            Error::Api {
                status: 400,
                code: Some(100),
                ..
            }
        ) && !bad.is_retryable()
    );
    assert_no_token(&bad, FB_TOKEN);
    // 2,000 units is Messenger's limit.
    assert!(matches!(
        client
            .send_text("1", &"a".repeat(2001), MessagingType::Response)
            .await,
        Err(Error::InvalidRequest { .. })
    ));
    assert_eq!(mock.requests().len(), 4);
}

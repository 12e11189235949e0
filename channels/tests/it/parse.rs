//! Parsing the project's own fixtures (shaped like real bodies) and
//! malformed bodies.

use crate::fixture;
use morningai_channels::{parse_line, parse_messenger, parse_telegram, Error, EventKind, Platform};

fn unhandled(kind: &str) -> EventKind {
    EventKind::Unhandled(kind.to_owned())
}

#[test]
fn telegram_text_in_forum_topic_with_escaped_unicode() {
    let events = parse_telegram(&fixture("telegram/text_zh_topic.json")).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.platform, Platform::Telegram);
    assert_eq!(e.event_id, "700000001");
    assert_eq!(e.kind, EventKind::Message);
    assert_eq!(e.chat_id.as_deref(), Some("-1009876543210"));
    assert_eq!(e.user_id.as_deref(), Some("5550001"));
    assert_eq!(e.thread_id.as_deref(), Some("7"));
    assert_eq!(e.message_id.as_deref(), Some("42"));
    assert_eq!(e.text.as_deref(), Some("請問營業時間？ 👩\u{200d}💻"));
    assert_eq!(e.message_type.as_deref(), Some("text"));
    assert_eq!(e.timestamp_ms, Some(1_735_689_600_000));
    assert!(e.is_text_message());
}

#[test]
fn telegram_edited_non_text_and_unknown_updates() {
    let edited = &parse_telegram(&fixture("telegram/edited.json")).unwrap()[0];
    assert_eq!(edited.kind, EventKind::Edited);
    assert_eq!(edited.text.as_deref(), Some("What are your opening hours?"));
    assert_eq!(
        edited.timestamp_ms,
        Some(1_735_689_660_000),
        "edit time, not send time"
    );

    let photo = &parse_telegram(&fixture("telegram/photo_caption.json")).unwrap()[0];
    assert_eq!(photo.kind, EventKind::Message);
    assert_eq!(photo.text, None);
    assert_eq!(photo.message_type.as_deref(), Some("photo"));
    assert!(!photo.is_text_message());

    let callback = &parse_telegram(&fixture("telegram/callback_query.json")).unwrap()[0];
    assert_eq!(callback.kind, unhandled("callback_query"));
    assert_eq!(callback.event_id, "700000004");
    assert_eq!(callback.user_id.as_deref(), Some("5550003"));
    assert_eq!(callback.chat_id, None);

    let member = &parse_telegram(&fixture("telegram/my_chat_member.json")).unwrap()[0];
    assert_eq!(member.kind, unhandled("my_chat_member"));
}

#[test]
fn line_multi_event_body() {
    let events = parse_line(&fixture("line/multi.json")).unwrap();
    assert_eq!(events.len(), 7);
    let bot = Some("U0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    assert!(events
        .iter()
        .all(|e| e.platform == Platform::Line && e.bot_id.as_deref() == bot));

    let text = &events[0];
    assert_eq!(text.event_id, "01JGZ000000000000000000001");
    assert_eq!(text.kind, EventKind::Message);
    assert_eq!(
        text.text.as_deref(),
        Some("嗨！營業時間？👨\u{200d}👩\u{200d}👧")
    );
    assert_eq!(
        text.chat_id.as_deref(),
        Some("Cgroup0001"),
        "a group answer goes to the group"
    );
    assert_eq!(text.user_id.as_deref(), Some("Uuser0001"));
    assert_eq!(text.reply_token.as_deref(), Some("rt-0001"));
    assert_eq!(text.timestamp_ms, Some(1_735_689_600_123));
    assert!(!text.is_redelivery);

    let sticker = &events[1];
    assert_eq!(sticker.message_type.as_deref(), Some("sticker"));
    assert_eq!(
        sticker.text, None,
        "a sticker's own text is not the person's"
    );
    assert!(sticker.is_redelivery);
    assert_eq!(sticker.chat_id.as_deref(), Some("Uuser0002"));

    let image = &events[2];
    assert_eq!(
        (image.message_type.as_deref(), image.text.as_deref()),
        (Some("image"), None)
    );
    assert_eq!(image.chat_id.as_deref(), Some("Rroom0001"));

    assert_eq!(events[3].kind, unhandled("follow"));
    assert_eq!(events[3].reply_token.as_deref(), Some("rt-0004"));
    assert_eq!(events[4].kind, EventKind::Edited);
    assert_eq!(events[4].text.as_deref(), Some("Edited: opening hours?"));
    assert_eq!(events[5].kind, unhandled("somethingNew"));
    assert_eq!(events[5].reply_token, None);

    // No webhookEventId (older bodies): a content hash, stable and distinct.
    let old = &events[6];
    assert!(old.event_id.starts_with("sha256:"), "{}", old.event_id);
    let again = parse_line(&fixture("line/multi.json")).unwrap();
    assert_eq!(again[6].event_id, old.event_id);
    let ids: std::collections::HashSet<_> = events.iter().map(|e| &e.event_id).collect();
    assert_eq!(ids.len(), events.len());
}

#[test]
fn line_verify_button_body_has_no_events() {
    assert!(parse_line(&fixture("line/empty.json")).unwrap().is_empty());
}

#[test]
fn messenger_multi_entry_body() {
    let events = parse_messenger(&fixture("messenger/multi.json")).unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Message,
            EventKind::Message,
            unhandled("echo"),
            unhandled("read"),
            unhandled("reaction"),
            unhandled("postback"),
            EventKind::Edited,
        ]
    );
    let text = &events[0];
    assert_eq!(text.event_id, "m_AbC1");
    assert_eq!(text.text.as_deref(), Some("你好，請問營業時間？👋🏽"));
    assert_eq!(text.chat_id.as_deref(), Some("2468013579"));
    assert_eq!(text.bot_id.as_deref(), Some("1029384756"));
    assert_eq!(text.timestamp_ms, Some(1_735_689_600_001));
    assert!(text.is_text_message());

    let image = &events[1];
    assert_eq!(
        (image.message_type.as_deref(), image.text.as_deref()),
        (Some("image"), None)
    );
    assert!(
        !events[2].is_text_message(),
        "the page's own echo is never answered"
    );
    assert!(
        events[3].event_id.starts_with("sha256:"),
        "read events have no mid"
    );
    assert_ne!(
        events[4].event_id, "m_AbC3",
        "a reaction's mid names the message reacted to"
    );
    assert_eq!(events[5].event_id, "m_AbC4");
    let edit = &events[6];
    assert_eq!(edit.event_id, "m_AbC1#edit1");
    assert_eq!(edit.message_id.as_deref(), Some("m_AbC1"));
    assert_eq!(edit.text.as_deref(), Some("你好，今天有開嗎？"));
}

#[test]
fn messenger_other_objects_yield_nothing() {
    let body = br#"{"object":"instagram","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"2"},"recipient":{"id":"1"},"timestamp":1,"message":{"mid":"x","text":"hi"}}]}]}"#;
    assert!(parse_messenger(body).unwrap().is_empty());
    // Entries of other webhook fields carry no `messaging`.
    let standby =
        br#"{"object":"page","entry":[{"id":"1","time":1,"standby":[{"sender":{"id":"2"}}]}]}"#;
    assert!(parse_messenger(standby).unwrap().is_empty());
}

#[test]
fn malformed_bodies_are_errors() {
    let malformed = |r: Result<_, Error>, what: &str| {
        assert!(matches!(r, Err(Error::MalformedBody { .. })), "{what}");
    };
    for body in [
        &b"not json"[..],
        b"",
        b"{\"update_id\":",
        b"[]",
        b"{\"message\":{}}",
    ] {
        malformed(parse_telegram(body), &String::from_utf8_lossy(body));
    }
    // A message without its chat is not Telegram's shape.
    malformed(
        parse_telegram(br#"{"update_id":1,"message":{"message_id":1,"date":1,"text":"x"}}"#),
        "no chat",
    );
    for body in [
        &b"{\"destination\":\"U1\"}"[..],
        b"{\"events\":{}}",
        b"{\"events\":[{\"timestamp\":1}]}",
        b"nope",
    ] {
        malformed(parse_line(body), &String::from_utf8_lossy(body));
    }
    for body in [
        &b"{\"entry\":[]}"[..],
        b"{\"object\":\"page\",\"entry\":[{\"messaging\":[{\"sender\":1}]}]}",
        b"{",
    ] {
        malformed(parse_messenger(body), &String::from_utf8_lossy(body));
    }
}

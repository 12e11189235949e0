//! Telegram `Update` (one per webhook request).

use super::malformed;
use crate::{EventKind, InboundEvent, Platform, Result};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
struct Update {
    update_id: i64,
    message: Option<Message>,
    edited_message: Option<Message>,
    /// The one other field naming the update's type (`callback_query`, ...).
    #[serde(flatten)]
    other: Map<String, Value>,
}

#[derive(Deserialize)]
struct Message {
    message_id: i64,
    date: i64,
    edit_date: Option<i64>,
    chat: Id,
    from: Option<Id>,
    message_thread_id: Option<i64>,
    text: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

#[derive(Deserialize)]
struct Id {
    id: i64,
}

/// Content fields of a non-text message, in the order they are looked for.
const CONTENT_KINDS: &[&str] = &[
    "sticker",
    "photo",
    "animation",
    "video",
    "video_note",
    "voice",
    "audio",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "story",
    "game",
    "invoice",
];

/// Parses one Telegram webhook body. Telegram sends one update per request;
/// a `Vec` keeps the shape the same as the other platforms.
pub fn parse_telegram(body: &[u8]) -> Result<Vec<InboundEvent>> {
    let update: Update =
        serde_json::from_slice(body).map_err(|e| malformed(Platform::Telegram, e))?;
    let event_id = update.update_id.to_string();
    let (kind, message) = match (update.message, update.edited_message) {
        (Some(m), _) => (EventKind::Message, m),
        (None, Some(m)) => (EventKind::Edited, m),
        (None, None) => {
            let kind = update.other.keys().next().cloned().unwrap_or_default();
            let mut event =
                InboundEvent::new(Platform::Telegram, event_id, EventKind::Unhandled(kind));
            // Most other updates name who acted (`callback_query.from`, ...).
            event.user_id = update
                .other
                .values()
                .next()
                .and_then(|v| v.pointer("/from/id"))
                .and_then(Value::as_i64)
                .map(|id| id.to_string());
            return Ok(vec![event]);
        }
    };
    let mut event = InboundEvent::new(Platform::Telegram, event_id, kind);
    event.chat_id = Some(message.chat.id.to_string());
    event.user_id = message.from.map(|u| u.id.to_string());
    event.thread_id = message.message_thread_id.map(|t| t.to_string());
    event.message_id = Some(message.message_id.to_string());
    event.timestamp_ms = Some(message.edit_date.unwrap_or(message.date) * 1000);
    event.message_type = Some(match &message.text {
        Some(_) => "text".to_owned(),
        None => CONTENT_KINDS
            .iter()
            .find(|k| message.rest.contains_key(**k))
            .map_or("other", |k| k)
            .to_owned(),
    });
    event.text = message.text;
    Ok(vec![event])
}

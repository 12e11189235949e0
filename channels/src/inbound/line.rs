//! LINE webhook body: `{ destination, events: [...] }`.

use super::{content_id, malformed};
use crate::{EventKind, InboundEvent, Platform, Result};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Body {
    destination: Option<String>,
    events: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    timestamp: Option<i64>,
    reply_token: Option<String>,
    delivery_context: Option<DeliveryContext>,
    #[serde(default)]
    source: Source,
    message: Option<Message>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryContext {
    #[serde(default)]
    is_redelivery: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Source {
    user_id: Option<String>,
    group_id: Option<String>,
    room_id: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
}

/// Parses a LINE webhook body (possibly with no events: LINE's "Verify"
/// button sends `events: []`).
pub fn parse_line(body: &[u8]) -> Result<Vec<InboundEvent>> {
    let body: Body = serde_json::from_slice(body).map_err(|e| malformed(Platform::Line, e))?;
    body.events
        .into_iter()
        .map(|value| {
            let event_id = value
                .get("webhookEventId")
                .and_then(Value::as_str)
                .map_or_else(|| content_id(&value), str::to_owned);
            let e: Event = serde_json::from_value(value)
                .map_err(|e| malformed(Platform::Line, format!("event: {e}")))?;
            let kind = match e.kind.as_str() {
                "message" => EventKind::Message,
                "messageEdited" => EventKind::Edited,
                other => EventKind::Unhandled(other.to_owned()),
            };
            let mut event = InboundEvent::new(Platform::Line, event_id, kind);
            event.bot_id = body.destination.clone();
            // Answers to a group or room go to the group or room, not the user.
            event.chat_id = e
                .source
                .group_id
                .or(e.source.room_id)
                .or_else(|| e.source.user_id.clone());
            event.user_id = e.source.user_id;
            event.reply_token = e.reply_token;
            event.timestamp_ms = e.timestamp;
            event.is_redelivery = e.delivery_context.is_some_and(|d| d.is_redelivery);
            if let Some(m) = e.message {
                // Stickers carry a `text` too (the sticker's caption art), but
                // that is not something the person wrote.
                if m.kind.as_deref() == Some("text") {
                    event.text = m.text;
                }
                event.message_id = m.id;
                event.message_type = m.kind;
            }
            Ok(event)
        })
        .collect()
}

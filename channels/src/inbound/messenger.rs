//! Messenger webhook body: `{ object: "page", entry: [{ messaging: [...] }] }`.

use super::{content_id, malformed};
use crate::{EventKind, InboundEvent, Platform, Result};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Body {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: Option<String>,
    /// Absent for entries of other webhook fields (`standby`, `changes`).
    #[serde(default)]
    messaging: Vec<Value>,
}

#[derive(Deserialize)]
struct Messaging {
    sender: Option<Id>,
    recipient: Option<Id>,
    timestamp: Option<i64>,
    message: Option<Message>,
    message_edit: Option<MessageEdit>,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct Message {
    mid: Option<String>,
    text: Option<String>,
    #[serde(default)]
    is_echo: bool,
    #[serde(default)]
    attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct MessageEdit {
    mid: Option<String>,
    text: Option<String>,
    num_edit: Option<i64>,
}

/// Types of `messaging` items other than messages, for [`EventKind::Unhandled`].
const OTHER_KINDS: &[&str] = &[
    "postback",
    "reaction",
    "read",
    "delivery",
    "referral",
    "optin",
    "account_linking",
    "policy_enforcement",
    "pass_thread_control",
    "take_thread_control",
];

/// Parses a Messenger webhook body. Bodies for other objects (`instagram`,
/// `whatsapp_business_account`) yield no events rather than an error, so a
/// mis-subscribed app does not get its webhook disabled by Meta's retries.
pub fn parse_messenger(body: &[u8]) -> Result<Vec<InboundEvent>> {
    let body: Body = serde_json::from_slice(body).map_err(|e| malformed(Platform::Messenger, e))?;
    if body.object != "page" {
        tracing::debug!(object = %body.object, "ignoring a non-page Messenger webhook");
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    for entry in body.entry {
        for value in entry.messaging {
            events.push(messaging_event(&value, entry.id.as_deref())?);
        }
    }
    Ok(events)
}

fn messaging_event(value: &Value, page_id: Option<&str>) -> Result<InboundEvent> {
    let m: Messaging = serde_json::from_value(value.clone())
        .map_err(|e| malformed(Platform::Messenger, format!("messaging: {e}")))?;
    // (kind, dedupe key, the message's own id, text, message type)
    let (kind, key, mid, text, message_type) = if let Some(msg) = m.message {
        let message_type = match (&msg.text, msg.attachments.first()) {
            (Some(_), _) => Some("text".to_owned()),
            (None, Some(a)) => a.kind.clone(),
            (None, None) => None,
        };
        // The page's own outgoing messages come back as echoes: answering
        // them would make the bot talk to itself.
        let kind = if msg.is_echo {
            EventKind::Unhandled("echo".to_owned())
        } else {
            EventKind::Message
        };
        (kind, msg.mid.clone(), msg.mid, msg.text, message_type)
    } else if let Some(edit) = m.message_edit {
        // An edit keeps the original mid; the edit count makes the key new.
        let key = edit
            .mid
            .as_ref()
            .map(|mid| format!("{mid}#edit{}", edit.num_edit.unwrap_or(0)));
        let message_type = Some("text".to_owned());
        (EventKind::Edited, key, edit.mid, edit.text, message_type)
    } else {
        let kind = OTHER_KINDS
            .iter()
            .find(|k| value.get(**k).is_some())
            .map_or("unknown", |k| k);
        // A postback's `mid` is its own; a reaction's `mid` is the message
        // reacted to, so it is no key for the reaction event itself.
        let mid = (kind == "postback")
            .then(|| value.pointer("/postback/mid").and_then(Value::as_str))
            .flatten()
            .map(str::to_owned);
        (EventKind::Unhandled(kind.to_owned()), mid, None, None, None)
    };
    let mut event = InboundEvent::new(
        Platform::Messenger,
        key.unwrap_or_else(|| content_id(value)),
        kind,
    );
    event.bot_id = m
        .recipient
        .map(|r| r.id)
        .or_else(|| page_id.map(str::to_owned));
    event.chat_id = m.sender.map(|s| s.id);
    event.user_id = event.chat_id.clone();
    event.message_id = mid;
    event.message_type = message_type;
    event.text = text;
    event.timestamp_ms = m.timestamp;
    Ok(event)
}

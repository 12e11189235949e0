//! The platform-neutral shape every webhook body is parsed into.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Telegram,
    Line,
    Messenger,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Telegram => "telegram",
            Platform::Line => "line",
            Platform::Messenger => "messenger",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened. Only messages are answered; everything else is kept (not
/// an error) so the platform gets its 200 and is not asked to redeliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "type")]
pub enum EventKind {
    /// A new message from a person (text or not: see `message_type`).
    Message,
    /// A person edited an earlier message (Telegram `edited_message`, LINE
    /// `messageEdited`, Messenger `message_edit`). The caller decides whether
    /// an edit deserves a new answer.
    Edited,
    /// Any other event, with the platform's own type name (`follow`,
    /// `callback_query`, `postback`, `read`, `echo`, ...).
    Unhandled(String),
}

/// One event from one webhook body (a body may hold several).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    pub platform: Platform,
    /// Dedupe key, unique per bot: Telegram `update_id`, LINE `webhookEventId`,
    /// Messenger `mid`. Where the platform gives none (old LINE bodies,
    /// Messenger read/reaction events) it is `sha256:` + the hash of the
    /// event's JSON, which is stable across redeliveries of the same event.
    pub event_id: String,
    pub kind: EventKind,
    /// The bot's own account the event was sent to: LINE `destination`,
    /// Messenger page id (`recipient.id`). Lets one endpoint route bindings.
    pub bot_id: Option<String>,
    /// Where an answer goes: Telegram chat id, LINE group/room/user id (the
    /// push target), Messenger sender PSID.
    pub chat_id: Option<String>,
    /// Who acted, when the platform says.
    pub user_id: Option<String>,
    /// Telegram forum topic (`message_thread_id`), so answers land in it.
    pub thread_id: Option<String>,
    /// The platform's id of the message itself (to quote or reply to it).
    pub message_id: Option<String>,
    /// `text`, `sticker`, `image`, `photo`, ... for messages; `None` otherwise.
    pub message_type: Option<String>,
    /// The person's text; `None` for stickers, images and non-messages.
    pub text: Option<String>,
    /// LINE only: single-use, short-lived token for the reply API.
    pub reply_token: Option<String>,
    /// Milliseconds since the Unix epoch (Telegram's seconds are scaled).
    pub timestamp_ms: Option<i64>,
    /// LINE `deliveryContext.isRedelivery`: the platform already sent this
    /// event once; the dedupe key decides whether it was processed.
    pub is_redelivery: bool,
}

impl InboundEvent {
    pub(crate) fn new(platform: Platform, event_id: String, kind: EventKind) -> Self {
        InboundEvent {
            platform,
            event_id,
            kind,
            bot_id: None,
            chat_id: None,
            user_id: None,
            thread_id: None,
            message_id: None,
            message_type: None,
            text: None,
            reply_token: None,
            timestamp_ms: None,
            is_redelivery: false,
        }
    }

    /// A message or edit carrying text: what an answering agent wants.
    pub fn is_text_message(&self) -> bool {
        matches!(self.kind, EventKind::Message | EventKind::Edited) && self.text.is_some()
    }
}

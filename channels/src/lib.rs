//! MorningAI's chat platforms: Telegram, LINE and Messenger.
//!
//! The webhook path is verify ([`verify`]) on the raw body, then parse
//! ([`inbound`]) into [`InboundEvent`]s, deduplicated by the caller on
//! `event_id`. The answer path is split ([`split`]) to the platform's limits,
//! then send ([`send`]). No HTTP server and no storage live here: the
//! backend mounts the webhooks and the job queue drives the sending.

mod error;
mod event;
pub mod inbound;
pub mod markdown;
pub mod send;
pub mod split;
pub mod verify;

pub use error::{Error, Result};
pub use event::{EventKind, InboundEvent, Platform};
pub use inbound::{parse_line, parse_messenger, parse_telegram};
pub use markdown::{escape_markdown_v2, escape_markdown_v2_code};
pub use send::{
    LineClient, MessagingType, MessengerClient, ParseMode, PushOutcome, SendOptions,
    TelegramClient, TelegramWebhook,
};
pub use split::{batches, split, split_for, utf16_len};
pub use verify::{verify_line, verify_messenger, verify_telegram, MessengerHandshake};

//! Webhook bodies into [`InboundEvent`]s. Every parser takes the raw bytes
//! already verified by [`crate::verify`], accepts what the platforms really
//! send (several events per body, unknown event types, missing optional
//! fields) and fails only on a body that is not the platform's JSON shape.

mod line;
mod messenger;
mod telegram;

pub use line::parse_line;
pub use messenger::parse_messenger;
pub use telegram::parse_telegram;

use crate::{Error, Platform};
use sha2::{Digest, Sha256};

/// Dedupe key for an event the platform gave no id: the hash of its JSON
/// value, identical on every redelivery of the same event.
fn content_id(value: &serde_json::Value) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn malformed(platform: Platform, err: impl std::fmt::Display) -> Error {
    Error::MalformedBody {
        platform,
        reason: err.to_string(),
    }
}

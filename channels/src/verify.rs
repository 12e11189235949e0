//! Webhook authenticity, checked on the raw body bytes before anything is
//! parsed: re-serialised JSON has different bytes (Meta sends `\uXXXX`
//! escapes) and would not match the platform's signature. Every comparison
//! is constant time.

use crate::{Error, Platform, Result};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Header Telegram puts the `secret_token` given to `setWebhook` in.
pub const TELEGRAM_SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// Header with base64(HMAC-SHA256(channel secret, body)).
pub const LINE_SIGNATURE_HEADER: &str = "x-line-signature";
/// Header with `sha256=` + hex(HMAC-SHA256(app secret, body)).
pub const MESSENGER_SIGNATURE_HEADER: &str = "x-hub-signature-256";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    mac.update(body);
    mac
}

/// Telegram does not sign the body; it echoes the secret token. Both sides
/// are hashed first so the comparison takes the same time whatever the
/// lengths (a plain `==` would leak how many leading bytes matched).
pub fn verify_telegram(secret_token: &str, header: Option<&[u8]>) -> Result<()> {
    const H: &str = "X-Telegram-Bot-Api-Secret-Token";
    if secret_token.is_empty() {
        return Err(Error::SecretNotConfigured(Platform::Telegram));
    }
    let sent = header.ok_or(Error::MissingSignature { header: H })?;
    // Telegram allows 1-256 of A-Z a-z 0-9 _ -; anything else was not sent by it.
    let well_formed = !sent.is_empty()
        && sent.len() <= 256
        && sent
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-');
    if !well_formed {
        return Err(Error::MalformedSignature { header: H });
    }
    let (a, b) = (
        Sha256::digest(sent),
        Sha256::digest(secret_token.as_bytes()),
    );
    if bool::from(a.ct_eq(&b)) {
        Ok(())
    } else {
        Err(Error::BadSignature { header: H })
    }
}

/// LINE: `x-line-signature` = base64(HMAC-SHA256(channel secret, raw body)).
pub fn verify_line(channel_secret: &str, body: &[u8], header: Option<&[u8]>) -> Result<()> {
    const H: &str = "x-line-signature";
    if channel_secret.is_empty() {
        return Err(Error::SecretNotConfigured(Platform::Line));
    }
    let sent = header.ok_or(Error::MissingSignature { header: H })?;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(sent.trim_ascii())
        .map_err(|_| Error::MalformedSignature { header: H })?;
    if sig.len() != 32 {
        return Err(Error::MalformedSignature { header: H });
    }
    mac(channel_secret, body)
        .verify_slice(&sig)
        .map_err(|_| Error::BadSignature { header: H })
}

/// Messenger: `X-Hub-Signature-256` = `sha256=` + hex(HMAC-SHA256(app secret,
/// raw body)). The legacy SHA-1 `X-Hub-Signature` is deliberately not
/// accepted: Meta sends both, and SHA-256 is the one to trust.
pub fn verify_messenger(app_secret: &str, body: &[u8], header: Option<&[u8]>) -> Result<()> {
    const H: &str = "X-Hub-Signature-256";
    if app_secret.is_empty() {
        return Err(Error::SecretNotConfigured(Platform::Messenger));
    }
    let sent = header.ok_or(Error::MissingSignature { header: H })?;
    let hex_sig = sent
        .trim_ascii()
        .strip_prefix(b"sha256=")
        .ok_or(Error::MalformedSignature { header: H })?;
    let sig = hex::decode(hex_sig).map_err(|_| Error::MalformedSignature { header: H })?;
    if sig.len() != 32 {
        return Err(Error::MalformedSignature { header: H });
    }
    mac(app_secret, body)
        .verify_slice(&sig)
        .map_err(|_| Error::BadSignature { header: H })
}

/// The query of Messenger's GET verification request
/// (`?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`); it
/// deserialises straight from the query string.
#[derive(Clone, Default, Deserialize)]
pub struct MessengerHandshake {
    #[serde(rename = "hub.mode")]
    pub mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    pub verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    pub challenge: Option<String>,
}

impl std::fmt::Debug for MessengerHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessengerHandshake")
            .field("mode", &self.mode)
            .field(
                "verify_token",
                &self.verify_token.as_ref().map(|_| "<redacted>"),
            )
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl MessengerHandshake {
    /// The challenge to echo (as `text/plain`, status 200) when the mode is
    /// `subscribe` and the verify token matches; otherwise
    /// [`Error::HandshakeRejected`] (answer 403). The challenge is limited
    /// to a short run of `[A-Za-z0-9_.-]` (Meta sends digits) so the echo
    /// can never carry markup.
    pub fn verify(&self, expected_token: &str) -> Result<&str> {
        if expected_token.is_empty() {
            return Err(Error::SecretNotConfigured(Platform::Messenger));
        }
        let token_ok = self.verify_token.as_deref().is_some_and(|t| {
            bool::from(
                Sha256::digest(t.as_bytes()).ct_eq(&Sha256::digest(expected_token.as_bytes())),
            )
        });
        let challenge = self.challenge.as_deref().unwrap_or_default();
        let challenge_ok = !challenge.is_empty()
            && challenge.len() <= 512
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if self.mode.as_deref() == Some("subscribe") && token_ok && challenge_ok {
            Ok(challenge)
        } else {
            Err(Error::HandshakeRejected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_published_vector() {
        // line-bot-sdk-nodejs validate-signature.spec.ts
        let body = br#"{"hello":"world"}"#;
        let sig = b"t7Hn4ZDHqs6e+wdvI5TyQIvzie0DmMUmuXEBqyyE/tM=";
        verify_line("test_secret", body, Some(sig)).unwrap();
        let flipped = b"t7Hn4ZDHqs6e+wdvi5TyQivzie0DmMUmuXEBqyyE/tM=";
        assert!(matches!(
            verify_line("test_secret", body, Some(flipped)),
            Err(Error::BadSignature { .. })
        ));
    }

    #[test]
    fn messenger_github_docs_vector() {
        let sig = b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        verify_messenger("It's a Secret to Everybody", b"Hello, World!", Some(sig)).unwrap();
        // Upper-case hex is still hex: accepted (hex::decode takes both cases).
        let upper = sig.to_ascii_uppercase();
        let upper = [b"sha256=".as_slice(), &upper[7..]].concat();
        verify_messenger("It's a Secret to Everybody", b"Hello, World!", Some(&upper)).unwrap();
    }

    #[test]
    fn empty_secrets_fail_closed() {
        assert!(matches!(
            verify_telegram("", Some(b"x")),
            Err(Error::SecretNotConfigured(_))
        ));
        assert!(matches!(
            verify_line("", b"", Some(b"x")),
            Err(Error::SecretNotConfigured(_))
        ));
        assert!(matches!(
            verify_messenger("", b"", Some(b"x")),
            Err(Error::SecretNotConfigured(_))
        ));
    }
}

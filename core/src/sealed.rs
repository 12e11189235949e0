//! Secrets encrypted at rest: XChaCha20-Poly1305 under the server's 32-byte
//! key (`MORNINGAI_ENCRYPTION_KEY`), bound to associated data naming what
//! the secret belongs to (see [`crate::credential_aad`]).
//!
//! A sealed value is `1 ‖ key id (4) ‖ nonce (24) ‖ ciphertext ‖ tag (16)`,
//! the key id being the first 4 bytes of the key's SHA-256. The key id lets
//! a box that was given the previous keys ([`SecretBox::with_previous`])
//! open what they sealed, so the key can be rotated without a migration.
//! The random nonce comes from the operating system (no other I/O).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::fmt;

/// The format's version, the sealed value's first byte.
pub const SEALED_VERSION: u8 = 1;
const KEY_ID_LEN: usize = 4;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

/// Why a key or a sealed value was refused. Never contains key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("an encryption key must be 32 random bytes written as 64 hex digits or as base64 (e.g. `openssl rand -base64 32`); {0}")]
    BadKey(&'static str),
    #[error("the sealed value is not in a format this server reads")]
    Malformed,
    #[error("the sealed value was made with a key this server does not have (key id {0})")]
    UnknownKey(String),
    #[error("the sealed value cannot be opened: it was altered, or it belongs to another record")]
    Forged,
}

/// One key and the id sealed values name it by.
#[derive(Clone)]
struct SealKey {
    id: [u8; KEY_ID_LEN],
    cipher: XChaCha20Poly1305,
}

impl SealKey {
    fn new(key: &[u8; 32]) -> Self {
        let digest = Sha256::digest(key);
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self {
            id,
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }
}

/// Seals with the current key; opens with it or with any previous one.
/// Cloning shares nothing mutable; `Debug` shows key ids only.
#[derive(Clone)]
pub struct SecretBox {
    current: SealKey,
    previous: Vec<SealKey>,
}

impl SecretBox {
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            current: SealKey::new(&key),
            previous: Vec::new(),
        }
    }

    /// A key as configured: 64 hex digits, or base64 (standard or URL-safe,
    /// padded or not) of exactly 32 bytes; surrounding whitespace is ignored.
    pub fn from_key_text(text: &str) -> Result<SecretBox, SealError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SealError::BadKey("it is empty"));
        }
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| SealError::BadKey("it is not valid hex"))?
        } else {
            let lenient = GeneralPurposeConfig::new()
                .with_decode_padding_mode(DecodePaddingMode::Indifferent);
            let alphabet = if text.contains(['-', '_']) {
                &alphabet::URL_SAFE
            } else {
                &alphabet::STANDARD
            };
            GeneralPurpose::new(alphabet, lenient)
                .decode(text)
                .map_err(|_| SealError::BadKey("it is neither 64 hex digits nor base64"))?
        };
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| SealError::BadKey("it does not decode to 32 bytes"))?;
        if key.iter().all(|b| *b == key[0]) {
            return Err(SealError::BadKey("every byte of it is the same"));
        }
        Ok(Self::new(key))
    }

    /// This box, also opening what `previous` boxes (and their own previous
    /// keys) sealed. Sealing keeps using this box's key.
    pub fn with_previous(mut self, previous: impl IntoIterator<Item = SecretBox>) -> SecretBox {
        for b in previous {
            self.previous.push(b.current);
            self.previous.extend(b.previous);
        }
        self
    }

    /// The id of the key this box seals with (hex).
    pub fn key_id(&self) -> String {
        hex::encode(self.current.id)
    }

    /// `plaintext` encrypted and bound to `aad`, which [`SecretBox::open`]
    /// must be given again.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        out.push(SEALED_VERSION);
        out.extend_from_slice(&self.current.id);
        out.extend_from_slice(&nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &associated(&out[..1 + KEY_ID_LEN], aad),
                },
            )
            .expect("XChaCha20-Poly1305 seals any message below 256 GiB");
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of a value [`SecretBox::seal`] made with `aad`. A wrong
    /// key, a changed byte or other associated data is an error.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < HEADER_LEN + TAG_LEN || sealed[0] != SEALED_VERSION {
            return Err(SealError::Malformed);
        }
        let (header, ciphertext) = sealed.split_at(HEADER_LEN);
        let key_id = &header[1..1 + KEY_ID_LEN];
        let nonce: [u8; NONCE_LEN] = header[1 + KEY_ID_LEN..]
            .try_into()
            .map_err(|_| SealError::Malformed)?;
        let nonce = XNonce::from(nonce);
        let aad = associated(&header[..1 + KEY_ID_LEN], aad);
        let mut candidates = std::iter::once(&self.current)
            .chain(&self.previous)
            .filter(|k| k.id == key_id)
            .peekable();
        if candidates.peek().is_none() {
            return Err(SealError::UnknownKey(hex::encode(key_id)));
        }
        candidates
            .find_map(|k| {
                k.cipher
                    .decrypt(
                        &nonce,
                        Payload {
                            msg: ciphertext,
                            aad: &aad,
                        },
                    )
                    .ok()
            })
            .ok_or(SealError::Forged)
    }
}

/// What the tag covers besides the ciphertext: the version and key id (so
/// neither can be swapped) and the caller's associated data.
fn associated(version_and_key_id: &[u8], aad: &[u8]) -> Vec<u8> {
    [version_and_key_id, aad].concat()
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBox")
            .field("key_id", &self.key_id())
            .field(
                "previous_key_ids",
                &self
                    .previous
                    .iter()
                    .map(|k| hex::encode(k.id))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn key(n: u8) -> SecretBox {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = n.wrapping_mul(31).wrapping_add(i as u8);
        }
        SecretBox::new(k)
    }

    #[test]
    fn round_trip() {
        let b = key(1);
        let sealed = b.seal(b"ghp_secret", b"row-1");
        assert_eq!(sealed[0], SEALED_VERSION);
        assert_eq!(sealed.len(), HEADER_LEN + 10 + TAG_LEN);
        assert!(!sealed.windows(10).any(|w| w == b"ghp_secret"));
        assert_eq!(b.open(&sealed, b"row-1").unwrap(), b"ghp_secret");
        assert_eq!(b.open(&b.seal(b"", b""), b"").unwrap(), b"");
        // A fresh nonce every time.
        assert_ne!(b.seal(b"x", b"a"), b.seal(b"x", b"a"));
    }

    #[test]
    fn any_changed_byte_is_refused() {
        let b = key(1);
        let sealed = b.seal(b"secret", b"aad");
        for i in 0..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assert!(b.open(&tampered, b"aad").is_err(), "byte {i}");
        }
        assert_eq!(
            b.open(&sealed[..sealed.len() - 1], b"aad"),
            Err(SealError::Forged)
        );
        assert_eq!(b.open(&sealed[..20], b"aad"), Err(SealError::Malformed));
        assert_eq!(b.open(&[], b"aad"), Err(SealError::Malformed));
    }

    #[test]
    fn other_associated_data_is_refused() {
        let b = key(1);
        let sealed = b.seal(b"secret", b"tenant-a");
        assert_eq!(b.open(&sealed, b"tenant-b"), Err(SealError::Forged));
        assert_eq!(b.open(&sealed, b""), Err(SealError::Forged));
    }

    #[test]
    fn another_key_is_refused() {
        let sealed = key(1).seal(b"secret", b"aad");
        assert_eq!(
            key(2).open(&sealed, b"aad"),
            Err(SealError::UnknownKey(key(1).key_id()))
        );
        // Even one claiming the same id (forged header) cannot open it.
        let mut other = key(2);
        other.current.id = key(1).current.id;
        assert_eq!(other.open(&sealed, b"aad"), Err(SealError::Forged));
    }

    #[test]
    fn previous_keys_open_and_the_current_one_seals() {
        let old = key(1);
        let older = key(3);
        let sealed_old = old.seal(b"one", b"a");
        let sealed_older = older.seal(b"three", b"a");
        let rotated = key(2).with_previous([old.clone().with_previous([older])]);
        assert_eq!(rotated.open(&sealed_old, b"a").unwrap(), b"one");
        assert_eq!(rotated.open(&sealed_older, b"a").unwrap(), b"three");
        let sealed_new = rotated.seal(b"two", b"a");
        assert_eq!(&sealed_new[1..5], key(2).current.id);
        assert!(old.open(&sealed_new, b"a").is_err());
    }

    #[test]
    fn key_texts() {
        let raw: Vec<u8> = (0u8..32).collect();
        let want = SecretBox::from_key_text(HEX).unwrap().key_id();
        assert_eq!(
            want,
            SecretBox::new(raw.clone().try_into().unwrap()).key_id()
        );
        let upper = HEX.to_uppercase();
        let std = base64::engine::general_purpose::STANDARD.encode(&raw);
        let std_nopad = std.trim_end_matches('=').to_owned();
        // Bytes that use base64's 62nd and 63rd digits, to tell the alphabets apart.
        let odd: [u8; 32] = [0xfb; 31]
            .into_iter()
            .chain([0xff])
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let url = base64::engine::general_purpose::URL_SAFE.encode(odd);
        assert!(url.contains(['-', '_']));
        let url_nopad = url.trim_end_matches('=').to_owned();
        for text in [upper.as_str(), &std, &std_nopad, &format!("  {std}\n")] {
            assert_eq!(
                SecretBox::from_key_text(text).unwrap().key_id(),
                want,
                "{text}"
            );
        }
        let odd_id = SecretBox::new(odd).key_id();
        for text in [&url, &url_nopad] {
            assert_eq!(
                SecretBox::from_key_text(text).unwrap().key_id(),
                odd_id,
                "{text}"
            );
        }
        for bad in [
            "",
            "   ",
            &HEX[..62],
            &format!("{HEX}00"),
            "not a key at all!",
            &base64::engine::general_purpose::STANDARD.encode([7u8; 31]),
            &base64::engine::general_purpose::STANDARD.encode([7u8; 33]),
            &"0".repeat(64),
            &base64::engine::general_purpose::STANDARD.encode([9u8; 32]),
        ] {
            assert!(
                matches!(SecretBox::from_key_text(bad), Err(SealError::BadKey(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let b = SecretBox::from_key_text(HEX)
            .unwrap()
            .with_previous([key(5)]);
        let shown = format!("{b:?}");
        assert!(
            shown.contains(&b.key_id()) && shown.contains(&key(5).key_id()),
            "{shown}"
        );
        assert!(!shown.contains("0102030405"), "{shown}");
        let err = SecretBox::from_key_text(&HEX[..62])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("0102030405"), "{err}");
    }
}

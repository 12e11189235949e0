//! The server's secrets: the session-signing secret and the key that
//! encrypts the tenants' stored credentials. Each is generated and kept in
//! development, strictly required in production.

use std::path::Path;

use base64::Engine;
use morningai_core::{SealError, SecretBox};
use rand::RngCore;

use crate::Config;

const MIN_SECRET_BYTES: usize = 32;

/// Values copied from examples and tutorials: never acceptable in production.
const WELL_KNOWN: &[&str] = &[
    "secret",
    "changeme",
    "change-me",
    "change_me",
    "your-secret-key",
    "your_jwt_secret",
    "jwt-secret",
    "supersecret",
    "development",
    "replace-me-with-at-least-32-random-bytes",
];

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("MORNINGAI_JWT_SECRET is required in production (at least {MIN_SECRET_BYTES} random bytes, e.g. `openssl rand -hex 32`)")]
    Missing,
    #[error("MORNINGAI_JWT_SECRET is too short: {0} bytes, at least {MIN_SECRET_BYTES} required")]
    TooShort(usize),
    #[error("MORNINGAI_JWT_SECRET is a well-known example value; generate a random one (e.g. `openssl rand -hex 32`)")]
    WellKnown,
    #[error("MORNINGAI_ENCRYPTION_KEY is required in production: it encrypts the credentials tenants store. Generate one with `openssl rand -base64 32` and keep a copy safe (without it the stored credentials cannot be read)")]
    MissingEncryptionKey,
    #[error("{name} is not a usable encryption key: {source}")]
    BadEncryptionKey {
        name: String,
        #[source]
        source: SealError,
    },
    #[error("the development encryption key at {path} is not a usable key ({source}); restore it, or delete it to generate a new one (the credentials stored under it will no longer open)")]
    BadKeyFile {
        path: String,
        #[source]
        source: SealError,
    },
    #[error("cannot read or write the development secret at {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

/// Checks a configured secret: long enough, and not an example value (or an
/// example repeated to reach the length), nor one repeated character.
pub fn validate(secret: &str) -> Result<(), SecretError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(SecretError::TooShort(secret.len()));
    }
    let letters = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase()
    };
    let normalized = letters(secret);
    let repeats = |word: &str| {
        !word.is_empty()
            && normalized.len() % word.len() == 0
            && normalized == word.repeat(normalized.len() / word.len())
    };
    let one_char = normalized.chars().all(|c| normalized.starts_with(c));
    if one_char || WELL_KNOWN.iter().any(|w| repeats(&letters(w))) {
        return Err(SecretError::WellKnown);
    }
    Ok(())
}

/// The secret to sign with. Production: the configured one, validated.
/// Development: the configured one if any, else one generated once and kept
/// in `data_dir/jwt-secret` (mode 0600), so sessions survive restarts.
pub fn resolve(
    configured: Option<&str>,
    production: bool,
    data_dir: &Path,
) -> Result<String, SecretError> {
    match (configured.filter(|s| !s.is_empty()), production) {
        (Some(s), true) => validate(s).map(|()| s.to_owned()),
        (None, true) => Err(SecretError::Missing),
        (Some(s), false) => {
            if let Err(e) = validate(s) {
                tracing::warn!("{e} (accepted in development only)");
            }
            Ok(s.to_owned())
        }
        (None, false) => load_or_create(&data_dir.join("jwt-secret")),
    }
}

fn load_or_create(path: &Path) -> Result<String, SecretError> {
    let file_err = |source| SecretError::File {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(s) if s.trim().len() >= MIN_SECRET_BYTES => return Ok(s.trim().to_owned()),
        Ok(_) => {
            tracing::warn!(path = %path.display(), "development secret too short; replacing it")
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_err(e)),
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(file_err)?;
    }
    write_private(path, &secret).map_err(file_err)?;
    tracing::info!(path = %path.display(), "generated a development session secret");
    Ok(secret)
}

/// The box that seals the tenants' credentials, from `config` (see
/// [`resolve_encryption_key`]).
pub fn secret_box(config: &Config) -> Result<SecretBox, SecretError> {
    resolve_encryption_key(
        config.encryption_key.as_deref(),
        &config.encryption_key_previous,
        config.is_production(),
        &config.data_dir,
    )
}

/// The credential encryption key, with the `previous` ones it can still open.
/// Production: the configured key, required. Development: the configured
/// one if any, else one generated once and kept in `data_dir/encryption-key`
/// (mode 0600). A kept key is never replaced: what it sealed would be lost.
pub fn resolve_encryption_key(
    configured: Option<&str>,
    previous: &[String],
    production: bool,
    data_dir: &Path,
) -> Result<SecretBox, SecretError> {
    let current = match (
        configured.map(str::trim).filter(|k| !k.is_empty()),
        production,
    ) {
        (Some(text), _) => {
            SecretBox::from_key_text(text).map_err(|source| SecretError::BadEncryptionKey {
                name: "MORNINGAI_ENCRYPTION_KEY".into(),
                source,
            })?
        }
        (None, true) => return Err(SecretError::MissingEncryptionKey),
        (None, false) => load_or_create_key(&data_dir.join("encryption-key"))?,
    };
    let previous = previous
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .enumerate()
        .map(|(i, text)| {
            SecretBox::from_key_text(text).map_err(|source| SecretError::BadEncryptionKey {
                name: format!("MORNINGAI_ENCRYPTION_KEY_PREVIOUS (key {})", i + 1),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(current.with_previous(previous))
}

fn load_or_create_key(path: &Path) -> Result<SecretBox, SecretError> {
    let file_err = |source| SecretError::File {
        path: path.display().to_string(),
        source,
    };
    let read = |path: &Path| -> Result<Option<SecretBox>, SecretError> {
        match std::fs::read_to_string(path) {
            Ok(text) => SecretBox::from_key_text(&text).map(Some).map_err(|source| {
                SecretError::BadKeyFile {
                    path: path.display().to_string(),
                    source,
                }
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(file_err(e)),
        }
    };
    if let Some(key) = read(path)? {
        return Ok(key);
    }
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let text = base64::engine::general_purpose::STANDARD.encode(key);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(file_err)?;
    // Written whole under another name, then linked into place: a server
    // starting at the same moment reads either no key or the complete one,
    // and the first link wins.
    let partial = dir.join(format!(
        ".encryption-key.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    write_private(&partial, &format!("{text}\n")).map_err(file_err)?;
    let linked = std::fs::hard_link(&partial, path);
    let _ = std::fs::remove_file(&partial);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a development encryption key");
            Ok(SecretBox::new(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(path)?.ok_or_else(|| file_err(e))
        }
        Err(e) => Err(file_err(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_missing_short_and_well_known() {
        let dir = std::env::temp_dir();
        assert!(matches!(
            resolve(None, true, &dir),
            Err(SecretError::Missing)
        ));
        assert!(matches!(
            resolve(Some("short"), true, &dir),
            Err(SecretError::TooShort(5))
        ));
        assert!(matches!(
            resolve(Some("changeme-changeme-changeme-changeme"), true, &dir),
            Err(SecretError::WellKnown)
        ));
        assert!(matches!(
            resolve(Some(&"a".repeat(40)), true, &dir),
            Err(SecretError::WellKnown)
        ));
        let good = "4f1c0e8b9a7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5";
        assert_eq!(resolve(Some(good), true, &dir).unwrap(), good);
    }

    #[test]
    fn development_generates_once_and_keeps_it() {
        let dir = std::env::temp_dir().join(format!(
            "morningai-secret-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let first = resolve(None, false, &dir).unwrap();
        let second = resolve(None, false, &dir).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    fn temp_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("morningai-key-{}", uuid::Uuid::new_v4().simple()))
    }

    #[test]
    fn production_requires_a_good_encryption_key() {
        let dir = temp_dir();
        let missing = resolve_encryption_key(None, &[], true, &dir).unwrap_err();
        assert!(matches!(missing, SecretError::MissingEncryptionKey));
        let message = missing.to_string();
        assert!(
            message.contains("MORNINGAI_ENCRYPTION_KEY")
                && message.contains("openssl rand -base64 32"),
            "{message}"
        );
        assert!(matches!(
            resolve_encryption_key(Some("  "), &[], true, &dir),
            Err(SecretError::MissingEncryptionKey)
        ));
        let bad = resolve_encryption_key(Some("too-short"), &[], true, &dir).unwrap_err();
        assert!(
            bad.to_string().contains("MORNINGAI_ENCRYPTION_KEY"),
            "{bad}"
        );
        assert!(!bad.to_string().contains("too-short"), "{bad}");
        let key = resolve_encryption_key(Some(KEY), &[], true, &dir).unwrap();
        assert_eq!(
            key.key_id(),
            SecretBox::from_key_text(KEY).unwrap().key_id()
        );
        // Production never writes a key file.
        assert!(!dir.exists());
    }

    #[test]
    fn previous_keys_open_what_they_sealed() {
        let dir = temp_dir();
        let old = SecretBox::from_key_text(KEY).unwrap();
        let sealed = old.seal(b"token", b"aad");
        let new_key = base64::engine::general_purpose::STANDARD
            .encode([7u8; 31].iter().chain(&[8u8]).copied().collect::<Vec<_>>());
        let rotated =
            resolve_encryption_key(Some(&new_key), &[String::new(), KEY.into()], true, &dir)
                .unwrap();
        assert_ne!(rotated.key_id(), old.key_id());
        assert_eq!(rotated.open(&sealed, b"aad").unwrap(), b"token");
        let bad = resolve_encryption_key(Some(&new_key), &[KEY.into(), "nope".into()], true, &dir)
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("MORNINGAI_ENCRYPTION_KEY_PREVIOUS (key 2)"),
            "{bad}"
        );
    }

    #[test]
    fn development_generates_the_encryption_key_once() {
        let dir = temp_dir();
        let first = resolve_encryption_key(None, &[], false, &dir).unwrap();
        let sealed = first.seal(b"token", b"aad");
        let second = resolve_encryption_key(None, &[], false, &dir).unwrap();
        assert_eq!(first.key_id(), second.key_id());
        assert_eq!(second.open(&sealed, b"aad").unwrap(), b"token");
        let path = dir.join("encryption-key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Only the key file: no partial file left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // A damaged key file is an error, never silently replaced.
        std::fs::write(&path, "garbage").unwrap();
        assert!(matches!(
            resolve_encryption_key(None, &[], false, &dir),
            Err(SecretError::BadKeyFile { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "garbage");
        // A configured key is used as it is, the file left alone.
        let configured = resolve_encryption_key(Some(KEY), &[], false, &dir).unwrap();
        assert_eq!(
            configured.key_id(),
            SecretBox::from_key_text(KEY).unwrap().key_id()
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

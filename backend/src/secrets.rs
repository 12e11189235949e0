//! The session-signing secret: generated and kept in development, strictly
//! required in production.

use std::path::Path;

use rand::RngCore;

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
}

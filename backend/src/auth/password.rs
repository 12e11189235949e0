//! Password hashing with argon2id (the `argon2` crate's defaults, OWASP's
//! recommended parameters). Hashing is CPU-heavy (and takes 19 MiB), so it
//! runs on the blocking pool, at most one per core at a time, with a bounded
//! line of waiters: a log-in flood from many addresses (which the per-address
//! limits do not stop) gets 429s instead of exhausting CPU and memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

pub const MIN_LEN: usize = 8;
/// Bounds the work an attacker can make one request cost.
pub const MAX_LEN: usize = 256;

/// Why a password is not acceptable, in words for the user.
pub fn check_policy(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("password must be at least {MIN_LEN} characters"));
    }
    if password.len() > MAX_LEN {
        return Err(format!("password must be at most {MAX_LEN} bytes"));
    }
    Ok(())
}

/// Requests that may wait for a hashing slot; beyond them, [`Busy`] at once.
const MAX_WAITING: usize = 64;
/// How long a request waits for a slot before giving up with [`Busy`].
const MAX_WAIT: Duration = Duration::from_secs(10);

/// Too many passwords are being hashed: retry shortly.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy checking passwords; retry in a moment")]
pub struct Busy;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

fn slots() -> &'static Semaphore {
    static SLOTS: std::sync::OnceLock<Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Semaphore::new(cores)
    })
}

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, PasswordError> {
    static WAITING: AtomicUsize = AtomicUsize::new(0);
    if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Err(Busy.into());
    }
    let permit = tokio::time::timeout(MAX_WAIT, slots().acquire()).await;
    WAITING.fetch_sub(1, Ordering::SeqCst);
    let _permit = permit
        .map_err(|_| Busy)?
        .expect("the semaphore is never closed");
    Ok(tokio::task::spawn_blocking(work)
        .await
        .map_err(anyhow::Error::from)??)
}

pub async fn hash(password: String) -> Result<String, PasswordError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2 hash: {e}"))
    })
    .await
}

/// Verifies `password` against a stored hash. With no hash (unknown user) it
/// still does the same work, so response time does not reveal who exists.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, PasswordError> {
    hashing(move || {
        let stored = stored.unwrap_or_else(dummy_hash);
        let parsed = PasswordHash::new(&stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"not-a-real-password", &salt)
                .expect("hash dummy")
                .to_string()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn policy() {
        assert!(check_policy("short").is_err());
        assert!(check_policy(&"x".repeat(300)).is_err());
        assert!(check_policy("long enough").is_ok());
    }
}

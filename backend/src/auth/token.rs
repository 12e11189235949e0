//! Session tokens: HS256 JWTs naming a session row, so logout can revoke them.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use morningai_core::{SessionId, TenantId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: UserId,
    pub tid: TenantId,
    pub sid: SessionId,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// The claims of a token whose signature and expiry check out.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp_offset: i64) -> Claims {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Claims {
            sub: UserId::new(),
            tid: TenantId::new(),
            sid: SessionId::new(),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn round_trip_expiry_and_tampering() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let c = claims(60);
        let t = keys.issue(&c).unwrap();
        assert_eq!(keys.verify(&t), Some(c));
        assert_eq!(
            keys.verify(&keys.issue(&claims(-60)).unwrap()),
            None,
            "expired"
        );
        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert_eq!(other.verify(&t), None, "wrong key");
        let mut tampered = t.clone();
        tampered.pop();
        tampered.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(keys.verify(&tampered), None, "tampered signature");
    }
}

//! Credentials a tenant stores for its agents: a git token, an SSH key (and
//! later the chat channels' secrets). The secret itself is sealed
//! ([`crate::SecretBox`]) and kept apart from these types, which never hold it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::OffsetDateTime;

use crate::{CredentialId, TenantId, UserId};

/// Longest host (`host` or `host:port`), in characters.
pub const CREDENTIAL_HOST_MAX: usize = 253;
/// Longest label and username, in characters.
pub const CREDENTIAL_LABEL_MAX: usize = 100;
pub const CREDENTIAL_USERNAME_MAX: usize = 100;
/// Longest git token, in characters.
pub const GIT_TOKEN_MAX: usize = 500;
/// Largest SSH private key, in bytes.
pub const SSH_KEY_MAX: usize = 16 * 1024;
/// The user name a git token is sent with when none is given (GitHub's
/// convention; GitLab and Gitea accept any name with a token).
pub const DEFAULT_GIT_USERNAME: &str = "x-access-token";

/// What a credential is and how it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A token sent as HTTP basic auth to one git host.
    GitToken,
    /// An SSH private key (OpenSSH or PEM) for one git host.
    SshKey,
}

impl CredentialKind {
    pub const ALL: [CredentialKind; 2] = [CredentialKind::GitToken, CredentialKind::SshKey];

    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::GitToken => "git_token",
            CredentialKind::SshKey => "ssh_key",
        }
    }

    /// The secret as it is sealed: surrounding whitespace trimmed (an SSH key
    /// with LF line ends and a final newline, as ssh wants its key file).
    /// Refuses what cannot be this kind's secret; the error never quotes it.
    pub fn normalize_secret(self, raw: &str) -> Result<String, CredentialError> {
        let secret = raw.trim();
        match self {
            CredentialKind::GitToken => {
                let n = secret.chars().count();
                if n == 0
                    || n > GIT_TOKEN_MAX
                    || secret.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(CredentialError::GitToken);
                }
                Ok(secret.to_owned())
            }
            CredentialKind::SshKey => {
                let key = secret.replace("\r\n", "\n");
                if key.len() + 1 > SSH_KEY_MAX || !is_private_key_block(&key) {
                    return Err(CredentialError::SshKey);
                }
                Ok(key + "\n")
            }
        }
    }
}

/// The PEM labels of the private keys ssh reads without a passphrase prompt.
const PRIVATE_KEY_LABELS: &[&str] = &[
    "OPENSSH PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "PRIVATE KEY",
];

/// One `-----BEGIN <label>-----` … `-----END <label>-----` block of a
/// private key, with base64 lines between (no passphrase-protected PEM).
fn is_private_key_block(key: &str) -> bool {
    let lines: Vec<&str> = key.lines().map(str::trim_end).collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return false;
    };
    let label = |line: &str, edge: &str| {
        line.strip_prefix(edge)
            .and_then(|l| l.strip_suffix("-----"))
            .map(str::to_owned)
    };
    let (Some(begin), Some(end)) = (label(first, "-----BEGIN "), label(last, "-----END ")) else {
        return false;
    };
    let body = &lines[1..lines.len() - 1];
    begin == end
        && PRIVATE_KEY_LABELS.contains(&begin.as_str())
        && !body.is_empty()
        && body.iter().all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        })
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown credential kind `{0}` (expected git_token or ssh_key)")]
pub struct UnknownCredentialKind(pub String);

impl FromStr for CredentialKind {
    type Err = UnknownCredentialKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CredentialKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownCredentialKind(s.to_owned()))
    }
}

/// Why a credential was refused. The messages never quote the secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("the host must be a host name or address with an optional port, like github.com or git.example.com:8443 (lower case, no scheme, no path, at most {CREDENTIAL_HOST_MAX} characters)")]
    Host,
    #[error(
        "a label must have at most {CREDENTIAL_LABEL_MAX} characters and no control characters"
    )]
    Label,
    #[error("a user name must have 1 to {CREDENTIAL_USERNAME_MAX} characters, no control characters and no `:`")]
    Username,
    #[error("a git token must have 1 to {GIT_TOKEN_MAX} characters and no whitespace or control characters")]
    GitToken,
    #[error("an SSH key must be one unencrypted private key block (-----BEGIN OPENSSH PRIVATE KEY----- … -----END OPENSSH PRIVATE KEY-----, or a PEM RSA/EC/DSA/PKCS#8 key) of at most {SSH_KEY_MAX} bytes")]
    SshKey,
}

/// `raw` as a credential's host: trimmed and lower-cased, then checked like
/// [`NewCredential::validate`] does.
pub fn normalize_host(raw: &str) -> Result<String, CredentialError> {
    let host = raw.trim().to_ascii_lowercase();
    check_host(&host)?;
    Ok(host)
}

/// A lower-case host name (labels of letters, digits and inner hyphens), an
/// IPv4 address or a bracketed IPv6 address, with an optional port 1–65535.
fn check_host(host: &str) -> Result<(), CredentialError> {
    if host.is_empty() || host.len() > CREDENTIAL_HOST_MAX {
        return Err(CredentialError::Host);
    }
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or(CredentialError::Host)?;
        let valid = !inside.is_empty()
            && inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            && inside.parse::<std::net::Ipv6Addr>().is_ok();
        if !valid || inside.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(CredentialError::Host);
        }
        match after {
            "" => (None, None),
            p => (
                None,
                Some(p.strip_prefix(':').ok_or(CredentialError::Host)?),
            ),
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (Some(name), Some(port)),
            None => (Some(host), None),
        }
    };
    if let Some(name) = name {
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !name.split('.').all(label_ok) {
            return Err(CredentialError::Host);
        }
    }
    if let Some(port) = port {
        let ok = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && !port.starts_with('0')
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !ok {
            return Err(CredentialError::Host);
        }
    }
    Ok(())
}

/// A credential to store. The caller generates the id: it is part of what the
/// sealed secret is bound to ([`NewCredential::aad`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCredential {
    pub id: CredentialId,
    pub kind: CredentialKind,
    /// Lower case, `host` or `host:port` ([`normalize_host`]).
    pub host: String,
    pub username: Option<String>,
    pub label: String,
}

impl NewCredential {
    pub fn validate(&self) -> Result<(), CredentialError> {
        check_host(&self.host)?;
        if self.label.chars().count() > CREDENTIAL_LABEL_MAX
            || self.label.chars().any(char::is_control)
        {
            return Err(CredentialError::Label);
        }
        if let Some(name) = &self.username {
            let n = name.chars().count();
            if n == 0
                || n > CREDENTIAL_USERNAME_MAX
                || name.chars().any(|c| c.is_control() || c == ':')
            {
                return Err(CredentialError::Username);
            }
        }
        Ok(())
    }

    /// What its secret is sealed with, for `tenant`.
    pub fn aad(&self, tenant: TenantId) -> Vec<u8> {
        credential_aad(tenant, self.id, self.kind)
    }
}

/// A stored credential, without its secret (which is never returned).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Credential {
    pub id: CredentialId,
    pub tenant_id: TenantId,
    pub kind: CredentialKind,
    /// The host (`host` or `host:port`, lower case) it is used for.
    pub host: String,
    /// For `git_token`: the user name sent with the token (none:
    /// `x-access-token`). Not used for `ssh_key`.
    pub username: Option<String>,
    pub label: String,
    pub created_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When an agent last used it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

impl Credential {
    /// What its secret was sealed with.
    pub fn aad(&self) -> Vec<u8> {
        credential_aad(self.tenant_id, self.id, self.kind)
    }

    /// The user name a git token is sent with.
    pub fn git_username(&self) -> &str {
        self.username.as_deref().unwrap_or(DEFAULT_GIT_USERNAME)
    }
}

/// The associated data a credential's secret is sealed with: its tenant, id
/// and kind. A sealed secret moved to another row or tenant no longer opens.
pub fn credential_aad(tenant: TenantId, id: CredentialId, kind: CredentialKind) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64);
    aad.extend_from_slice(b"morningai.credential.v1\0");
    // Fixed widths, so no two inputs give the same bytes.
    aad.extend_from_slice(tenant.0.as_bytes());
    aad.extend_from_slice(id.0.as_bytes());
    aad.extend_from_slice(kind.as_str().as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_as_snake_case() {
        for kind in CredentialKind::ALL {
            assert_eq!(kind.as_str().parse::<CredentialKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(
            serde_json::from_str::<CredentialKind>("\"ssh_key\"").unwrap(),
            CredentialKind::SshKey
        );
        assert!("password".parse::<CredentialKind>().is_err());
    }

    #[test]
    fn hosts_are_names_or_addresses_with_a_port() {
        for ok in [
            "github.com",
            "git.example.com:8443",
            "localhost",
            "10.0.0.1:22",
            "[::1]",
            "[2001:db8::1]:2222",
            "a-b.c",
        ] {
            assert_eq!(check_host(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "GitHub.com",
            "https://github.com",
            "github.com/org/repo",
            "user@github.com",
            "github.com:",
            "github.com:0",
            "github.com:65536",
            "github.com:22:22",
            "-github.com",
            "github..com",
            "github.com.",
            "[::1",
            "[nothost]",
            "[::1]22",
            "git hub.com",
            &"a".repeat(64),
            &format!("{}.com", vec!["a".repeat(60); 5].join(".")),
        ] {
            assert_eq!(check_host(bad), Err(CredentialError::Host), "{bad}");
        }
        assert_eq!(normalize_host("  GitHub.COM \n").unwrap(), "github.com");
    }

    fn new(host: &str) -> NewCredential {
        NewCredential {
            id: CredentialId::new(),
            kind: CredentialKind::GitToken,
            host: host.into(),
            username: None,
            label: String::new(),
        }
    }

    #[test]
    fn labels_and_usernames_are_checked() {
        assert_eq!(new("github.com").validate(), Ok(()));
        let long = NewCredential {
            label: "x".repeat(101),
            ..new("github.com")
        };
        assert_eq!(long.validate(), Err(CredentialError::Label));
        for bad in ["", "a:b", "a\nb", &"u".repeat(101)] {
            let c = NewCredential {
                username: Some(bad.into()),
                ..new("github.com")
            };
            assert_eq!(c.validate(), Err(CredentialError::Username), "{bad:?}");
        }
        assert_eq!(new("GitHub.com").validate(), Err(CredentialError::Host));
    }

    #[test]
    fn git_tokens_are_one_word() {
        let kind = CredentialKind::GitToken;
        assert_eq!(
            kind.normalize_secret(" ghp_abc123\n").unwrap(),
            "ghp_abc123"
        );
        for bad in ["", "   ", "two words", "tab\there", &"t".repeat(501)] {
            assert_eq!(
                kind.normalize_secret(bad),
                Err(CredentialError::GitToken),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ssh_keys_are_private_key_blocks() {
        let kind = CredentialKind::SshKey;
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\r\nb3BlbnNzaC1rZXktdjEAAAAA\r\nQUJD==\r\n-----END OPENSSH PRIVATE KEY-----\r\n";
        assert_eq!(
            kind.normalize_secret(key).unwrap(),
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUJD==\n-----END OPENSSH PRIVATE KEY-----\n"
        );
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----";
        assert!(kind.normalize_secret(pem).is_ok());
        for bad in [
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG user@host".to_owned(),
            "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----".into(),
            "-----BEGIN OPENSSH PRIVATE KEY-----\nQUJD\n-----END RSA PRIVATE KEY-----".into(),
            "-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----".into(),
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nQUJD\n-----END RSA PRIVATE KEY-----".into(),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nQUJD\n-----END ENCRYPTED PRIVATE KEY-----".into(),
            format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----",
                "A".repeat(SSH_KEY_MAX)
            ),
        ] {
            assert_eq!(kind.normalize_secret(&bad), Err(CredentialError::SshKey));
        }
    }

    #[test]
    fn aad_binds_tenant_id_and_kind() {
        let (t, id) = (TenantId::new(), CredentialId::new());
        let base = credential_aad(t, id, CredentialKind::GitToken);
        assert_ne!(
            base,
            credential_aad(TenantId::new(), id, CredentialKind::GitToken)
        );
        assert_ne!(
            base,
            credential_aad(t, CredentialId::new(), CredentialKind::GitToken)
        );
        assert_ne!(base, credential_aad(t, id, CredentialKind::SshKey));
        let new = NewCredential {
            id,
            ..new("github.com")
        };
        assert_eq!(new.aad(t), base);
    }
}

//! The subset of the GitHub REST API that publishing needs: open a pull
//! request and label it. The API's base URL is configurable, so GitHub
//! Enterprise (`https://host/api/v3`) and Gitea-compatible forges work too.
//!
//! The token is sent only in the `Authorization` header: no error, log line
//! or `Debug` output contains it, even when a forge echoes it back.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};

use crate::git::redact_url_userinfo;

const TIMEOUT: Duration = Duration::from_secs(30);
const USER_AGENT: &str = "morningai";
const GITHUB_MEDIA_TYPE: &str = "application/vnd.github+json";
const GITHUB_API_VERSION: &str = "2022-11-28";
/// Longest message taken from a forge's error body (some answer HTML pages).
const MAX_MESSAGE_CHARS: usize = 500;

/// What can go wrong talking to a forge. Messages come from the forge's
/// answer with the token removed.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("the forge rejected the token (401 Unauthorized)")]
    Unauthorized,
    #[error("the forge refused the request (403 Forbidden): {message}")]
    Forbidden { message: String },
    /// 403 with `x-ratelimit-remaining: 0` or `retry-after`, or 429.
    #[error("the forge's rate limit is exhausted{}", retry_hint(*.retry_after_secs))]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("not found (404): the repository does not exist or the token cannot see it")]
    NotFound,
    /// 422: GitHub's validation errors, joined (`Validation Failed: A pull
    /// request already exists for o:branch.`).
    #[error("the forge rejected the request (422): {message}")]
    Unprocessable { message: String },
    #[error("the forge answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("could not reach the forge: {0}")]
    Network(String),
    #[error("unexpected answer from the forge: {0}")]
    InvalidResponse(String),
    /// Not an `owner/name` pair.
    #[error("invalid forge repository {0:?}: expected \"owner/name\"")]
    InvalidRepository(String),
    #[error("invalid forge API URL {url:?}: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("invalid forge token: {0}")]
    InvalidToken(&'static str),
}

fn retry_hint(retry_after_secs: Option<u64>) -> String {
    retry_after_secs
        .map(|secs| format!(" (retry in {secs} s)"))
        .unwrap_or_default()
}

/// A pull request to open; `head` is the branch holding the changes, `base`
/// the branch they go into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPullRequest {
    pub title: String,
    pub head: String,
    pub base: String,
    pub body: String,
}

/// An opened pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    pub html_url: String,
}

/// A pull request as the list endpoint shows it: with its head branch.
#[derive(Deserialize)]
struct ListedPullRequest {
    number: u64,
    html_url: String,
    head: ListedHead,
}

#[derive(Deserialize)]
struct ListedHead {
    #[serde(rename = "ref")]
    branch: String,
}

/// A client of one forge's REST API, authenticated by one token.
#[derive(Clone)]
pub struct ForgeClient {
    http: reqwest::Client,
    /// Without a trailing slash.
    api_base: String,
    authorization: HeaderValue,
    /// Kept only to remove it from the forge's messages.
    token: String,
}

impl std::fmt::Debug for ForgeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForgeClient")
            .field("api_base", &self.api_base)
            .field("token", &"***")
            .finish()
    }
}

impl ForgeClient {
    /// A client of the API at `api_base_url` (`https://api.github.com`,
    /// `https://host/api/v3`); a trailing slash is tolerated.
    pub fn new(api_base_url: &str, token: &str) -> Result<Self, ForgeError> {
        let api_base = parse_api_base(api_base_url)?;
        if token.trim().is_empty() {
            return Err(ForgeError::InvalidToken("it is empty"));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ForgeError::InvalidToken("it contains characters not allowed in HTTP"))?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| ForgeError::Network(error_chain(&e)))?;
        Ok(ForgeClient {
            http,
            api_base,
            authorization,
            token: token.to_string(),
        })
    }

    /// Opens a pull request in `repo` (`owner/name`).
    pub async fn create_pull_request(
        &self,
        repo: &str,
        pr: &NewPullRequest,
    ) -> Result<PullRequest, ForgeError> {
        let url = self.repo_url(repo, "pulls")?;
        let body = self.post(&url, pr).await?;
        serde_json::from_slice(&body)
            .map_err(|e| ForgeError::InvalidResponse(format!("pull request: {e}")))
    }

    /// The pull request for `pr.head` into `repo`: the open one that already
    /// has that head, else a new one (`true`). A run retried after its worker
    /// died finds the pull request it opened instead of failing on (or, on a
    /// forge without GitHub's check, duplicating) it; a 422 from a pull
    /// request opened meanwhile is answered the same way.
    pub async fn ensure_pull_request(
        &self,
        repo: &str,
        pr: &NewPullRequest,
    ) -> Result<(PullRequest, bool), ForgeError> {
        if let Some(open) = self.open_pull_request_from(repo, &pr.head).await? {
            return Ok((open, false));
        }
        match self.create_pull_request(repo, pr).await {
            Ok(opened) => Ok((opened, true)),
            Err(e @ ForgeError::Unprocessable { .. }) => {
                match self.open_pull_request_from(repo, &pr.head).await? {
                    Some(open) => Ok((open, false)),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The open pull request of `repo` whose head is its branch `head`.
    /// Asks GitHub for that head only; other forges (which may ignore the
    /// filter) are filtered here, among the 100 newest open ones.
    pub async fn open_pull_request_from(
        &self,
        repo: &str,
        head: &str,
    ) -> Result<Option<PullRequest>, ForgeError> {
        let (owner, _) = split_repository(repo)
            .ok_or_else(|| ForgeError::InvalidRepository(repo.to_string()))?;
        let mut url = Url::parse(&self.repo_url(repo, "pulls")?)
            .map_err(|e| ForgeError::InvalidResponse(format!("pull request list URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("state", "open")
            .append_pair("head", &format!("{owner}:{head}"))
            .append_pair("per_page", "100");
        let body = self.get(url.as_str()).await?;
        let listed: Vec<ListedPullRequest> = serde_json::from_slice(&body)
            .map_err(|e| ForgeError::InvalidResponse(format!("pull request list: {e}")))?;
        Ok(listed
            .into_iter()
            .find(|p| p.head.branch == head)
            .map(|p| PullRequest {
                number: p.number,
                html_url: p.html_url,
            }))
    }

    /// Adds `labels` to issue or pull request `number` of `repo`, creating
    /// labels the repository does not have yet. No request for no labels.
    pub async fn add_labels(
        &self,
        repo: &str,
        number: u64,
        labels: &[String],
    ) -> Result<(), ForgeError> {
        let url = self.repo_url(repo, &format!("issues/{number}/labels"))?;
        if labels.is_empty() {
            return Ok(());
        }
        self.post(&url, &serde_json::json!({ "labels": labels }))
            .await?;
        Ok(())
    }

    fn repo_url(&self, repo: &str, endpoint: &str) -> Result<String, ForgeError> {
        let (owner, name) = split_repository(repo)
            .ok_or_else(|| ForgeError::InvalidRepository(repo.to_string()))?;
        Ok(format!("{}/repos/{owner}/{name}/{endpoint}", self.api_base))
    }

    /// POSTs `body` as JSON; the answer's body when its status is a success.
    async fn post(&self, url: &str, body: &impl Serialize) -> Result<Vec<u8>, ForgeError> {
        self.send(self.http.post(url).json(body)).await
    }

    /// GETs `url`; the answer's body when its status is a success.
    async fn get(&self, url: &str) -> Result<Vec<u8>, ForgeError> {
        self.send(self.http.get(url)).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, ForgeError> {
        let response = request
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, GITHUB_MEDIA_TYPE)
            .header("X-GitHub-Api-Version", GITHUB_API_VERSION)
            .send()
            .await
            .map_err(|e| self.network_error(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| self.network_error(&e))?;
        if status.is_success() {
            Ok(body.to_vec())
        } else {
            Err(self.status_error(status, &headers, &body))
        }
    }

    fn status_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ForgeError {
        let message = self.redact(&error_message(status, body));
        match status.as_u16() {
            401 => ForgeError::Unauthorized,
            // GitHub answers an exhausted primary limit with 403 and
            // `x-ratelimit-remaining: 0`, a secondary limit with `retry-after`.
            403 if rate_limit_exhausted(headers) => ForgeError::RateLimited {
                retry_after_secs: retry_after_secs(headers),
            },
            403 => ForgeError::Forbidden { message },
            404 => ForgeError::NotFound,
            422 => ForgeError::Unprocessable { message },
            429 => ForgeError::RateLimited {
                retry_after_secs: retry_after_secs(headers),
            },
            code => ForgeError::Http {
                status: code,
                message,
            },
        }
    }

    fn network_error(&self, error: &reqwest::Error) -> ForgeError {
        let message = if error.is_timeout() {
            format!("no answer within {} s", TIMEOUT.as_secs())
        } else {
            error_chain(error)
        };
        ForgeError::Network(self.redact(&message))
    }

    fn redact(&self, text: &str) -> String {
        text.replace(&self.token, "***")
    }
}

/// "owner/name" of a forge remote URL: `https://host/owner/name(.git)`,
/// `ssh://git@host/owner/name.git`, `git@host:owner/name.git`; `None` for
/// anything else (local paths, `file://` URLs, nested groups).
pub fn forge_repository_from_url(url: &str) -> Option<String> {
    let (owner, name) = crate::source::RepoUrl::parse(url).ok()?.owner_and_name()?;
    Some(format!("{owner}/{name}"))
}

/// `(owner, name)` of `owner/name`, both made of characters forges allow in
/// names (so they need no escaping in a URL path).
fn split_repository(repo: &str) -> Option<(&str, &str)> {
    let (owner, name) = repo.split_once('/')?;
    let valid = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then_some((owner, name))
}

fn parse_api_base(api_base_url: &str) -> Result<String, ForgeError> {
    let trimmed = api_base_url.trim().trim_end_matches('/');
    let invalid = |reason: &str| ForgeError::InvalidBaseUrl {
        url: redact_url_userinfo(trimmed),
        reason: reason.to_string(),
    };
    let url = Url::parse(trimmed).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials go in the token, not in the URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    Ok(trimmed.to_string())
}

fn rate_limit_exhausted(headers: &HeaderMap) -> bool {
    let remaining = headers
        .get("x-ratelimit-remaining")
        .and_then(|v| v.to_str().ok());
    remaining.is_some_and(|v| v.trim() == "0") || headers.contains_key(RETRY_AFTER)
}

/// Seconds until the forge takes requests again, from `retry-after` or the
/// epoch time in `x-ratelimit-reset`.
fn retry_after_secs(headers: &HeaderMap) -> Option<u64> {
    let number =
        |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
    if let Some(secs) = number(RETRY_AFTER.as_str()) {
        return Some(secs);
    }
    let reset = number("x-ratelimit-reset")?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(reset.saturating_sub(now))
}

/// GitHub's error body (`{"message": …, "errors": [{"message": …} | {"field":
/// …, "code": …} | "…"]}`) as one line, or the start of a body of another kind.
fn error_message(status: StatusCode, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<serde_json::Value>,
    }
    let message = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => {
            let details: Vec<String> = parsed.errors.iter().filter_map(error_detail).collect();
            let message = parsed.message.unwrap_or_default();
            match (message.is_empty(), details.is_empty()) {
                (_, true) => message,
                (true, false) => details.join("; "),
                (false, false) => format!("{message}: {}", details.join("; ")),
            }
        }
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    if message.is_empty() {
        return status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string();
    }
    truncate_chars(&message, MAX_MESSAGE_CHARS)
}

fn error_detail(error: &serde_json::Value) -> Option<String> {
    if let Some(text) = error.as_str() {
        return Some(text.to_string());
    }
    let field = |name: &str| error.get(name).and_then(|v| v.as_str());
    if let Some(message) = field("message") {
        return Some(message.to_string());
    }
    match (field("resource"), field("field"), field("code")) {
        (resource, Some(name), Some(code)) => Some(
            [resource, Some(name), Some(code)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        (_, None, Some(code)) => Some(code.to_string()),
        _ => None,
    }
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// An error and its sources on one line, without the request's URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_from_forge_urls() {
        for (url, expected) in [
            ("https://github.com/acme/docs", Some("acme/docs")),
            ("https://github.com/acme/docs.git", Some("acme/docs")),
            ("https://github.com/acme/docs/", Some("acme/docs")),
            (
                "https://ghe.example.com:8443/acme/my.repo.git",
                Some("acme/my.repo"),
            ),
            (
                "https://oauth2:tok@github.com/acme/docs.git",
                Some("acme/docs"),
            ),
            ("http://127.0.0.1:3000/acme/docs", Some("acme/docs")),
            ("ssh://git@github.com/acme/docs.git", Some("acme/docs")),
            ("ssh://git@host:2222/acme/docs.git", Some("acme/docs")),
            ("git@github.com:acme/docs.git", Some("acme/docs")),
            ("git@github.com:acme/docs", Some("acme/docs")),
            ("  git@github.com:acme/docs.git\n", Some("acme/docs")),
            ("file:///srv/acme/docs.git", None),
            ("/srv/acme/docs", None),
            ("./acme/docs", None),
            ("acme/docs", None),
            ("C:\\repos\\docs", None),
            ("https://github.com/acme", None),
            ("https://github.com/acme/docs/tree/main", None),
            ("https://gitlab.com/group/sub/docs.git", None),
            ("https://github.com/acme/.git", None),
            ("https:///acme/docs", None),
            ("ftp://host/acme/docs", None),
            ("", None),
        ] {
            assert_eq!(
                forge_repository_from_url(url).as_deref(),
                expected,
                "{url:?}"
            );
        }
    }

    #[test]
    fn github_validation_errors_are_joined() {
        let body = br#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for o:branch."},{"resource":"PullRequest","field":"head","code":"invalid"}],"documentation_url":"https://docs.github.com/rest"}"#;
        assert_eq!(
            error_message(StatusCode::UNPROCESSABLE_ENTITY, body),
            "Validation Failed: A pull request already exists for o:branch.; PullRequest head invalid"
        );
        assert_eq!(error_message(StatusCode::BAD_GATEWAY, b""), "Bad Gateway");
        let html = "<html>".repeat(200);
        let message = error_message(StatusCode::BAD_GATEWAY, html.as_bytes());
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn api_base_urls_are_checked() {
        assert_eq!(
            parse_api_base("https://api.github.com/").unwrap(),
            "https://api.github.com"
        );
        assert_eq!(
            parse_api_base("http://127.0.0.1:8080/api/v3//").unwrap(),
            "http://127.0.0.1:8080/api/v3"
        );
        for bad in [
            "",
            "api.github.com",
            "ftp://host/api",
            "https://u:p@host/api",
            "https://host/api?x=1",
        ] {
            let err = parse_api_base(bad).unwrap_err();
            assert!(matches!(err, ForgeError::InvalidBaseUrl { .. }), "{bad:?}");
            assert!(!err.to_string().contains("u:p"), "{err}");
        }
    }
}

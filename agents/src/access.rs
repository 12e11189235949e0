//! What git and the forge may use for a tenant's repository, decided in one
//! place for every graph: the source is checked against the
//! [`morningai_knowledge::SourcePolicy`] again (and pinned to the address
//! checked), the tenant's own stored credential for the host is used when
//! there is one, and the operator's token only where the operator granted it
//! to this tenant for this owner. ssh is used only with the tenant's own key.

use morningai_core::{credential_aad, CredentialKind, Repository, TenantId};
use morningai_knowledge::forge::ForgeClient;
use morningai_knowledge::{
    GitCredentials, RemoteAccess, RepoSource, RepoUrl, Scheme, SourceRefused, SshKey,
};

use crate::env::GraphEnv;

/// The access git gets for `source`, a repository of `tenant`. Blocks on
/// DNS in a blocking thread.
pub async fn remote_access(
    env: &GraphEnv,
    tenant: TenantId,
    repo: &Repository,
    source: &RepoSource,
) -> Result<RemoteAccess, String> {
    let policy = env.sources.clone();
    let checked = source.clone();
    let pin = tokio::task::spawn_blocking(move || policy.recheck(&checked))
        .await
        .map_err(|e| format!("checking the source stopped: {e}"))?
        .map_err(|e| e.to_string())?;
    let known_hosts = Some(env.repository_dir(tenant, repo.id).join("known_hosts"));
    let RepoSource::Url(url) = source else {
        return Ok(RemoteAccess {
            allow_file: true,
            ..RemoteAccess::default()
        });
    };
    let mut access = RemoteAccess {
        pin,
        allow_http: env.sources.allow_http,
        allow_file: url.scheme() == Scheme::File,
        known_hosts,
        max_clone_bytes: env.sources.max_clone_bytes,
        ..RemoteAccess::default()
    };
    match url.scheme() {
        Scheme::File => {}
        Scheme::Ssh => {
            let key = tenant_secret(env, tenant, CredentialKind::SshKey, &url.host_key()).await?;
            let Some((_, key)) = key else {
                return Err(SourceRefused::SshNeedsKey.to_string());
            };
            access.ssh_key = Some(SshKey(key));
        }
        Scheme::Https | Scheme::Http => {
            access.credentials = git_credentials(env, tenant, url).await?;
        }
    }
    Ok(access)
}

/// The tenant's own token for the URL's host, else the operator's token if
/// granted to this tenant for the URL's owner, else none.
async fn git_credentials(
    env: &GraphEnv,
    tenant: TenantId,
    url: &RepoUrl,
) -> Result<Option<GitCredentials>, String> {
    let host = url.host_key();
    if let Some((username, token)) = tenant_token(env, tenant, &host).await? {
        return Ok(Some(GitCredentials { username, token }));
    }
    let owner = url.owner_and_name().map(|(owner, _)| owner);
    Ok(env
        .operator_git
        .as_ref()
        .filter(|op| op.granted(tenant, &host, owner.as_deref()))
        .map(|op| op.credentials.clone()))
}

/// The client that opens a pull request on `target` (`owner/name`) for a
/// repository of `tenant`: with the tenant's own token for the forge's host,
/// else with the operator's forge token where the operator granted its token
/// to this tenant for the target's owner (and, for a repository cloned from
/// the forge, for its owner too). `None`: no pull request.
pub async fn forge_for(
    env: &GraphEnv,
    tenant: TenantId,
    repo: &Repository,
    target: &str,
) -> Result<Option<ForgeClient>, String> {
    let Some(forge_host) = env.publish.forge_host() else {
        return Ok(None);
    };
    if let Some((_, token)) = tenant_token(env, tenant, &forge_host).await? {
        return ForgeClient::new(&env.publish.forge_api_url, &token)
            .map(Some)
            .map_err(|e| format!("your token for {forge_host}: {e}"));
    }
    let (Some(operator), Some(forge)) = (&env.operator_git, &env.publish.forge) else {
        return Ok(None);
    };
    let registered_granted = match RepoSource::parse(&repo.source) {
        Ok(RepoSource::Url(url)) if url.scheme() != Scheme::File => {
            let owner = url.owner_and_name().map(|(owner, _)| owner);
            url.host_key() == forge_host && operator.granted(tenant, &forge_host, owner.as_deref())
        }
        // A directory an admin registered inside the operator's roots.
        _ => true,
    };
    let target_owner = target.split_once('/').map(|(owner, _)| owner);
    let granted = registered_granted && operator.granted(tenant, &forge_host, target_owner);
    Ok(granted.then(|| forge.clone()))
}

/// `(username, token)` of the tenant's git token for `host`.
async fn tenant_token(
    env: &GraphEnv,
    tenant: TenantId,
    host: &str,
) -> Result<Option<(String, String)>, String> {
    Ok(tenant_secret(env, tenant, CredentialKind::GitToken, host)
        .await?
        .map(|(username, token)| {
            let username = username.unwrap_or_else(|| "x-access-token".into());
            (username, token)
        }))
}

/// The newest stored credential of `kind` for `host`, opened: its user name
/// and secret.
async fn tenant_secret(
    env: &GraphEnv,
    tenant: TenantId,
    kind: CredentialKind,
    host: &str,
) -> Result<Option<(Option<String>, String)>, String> {
    let Some(secret_box) = &env.secret_box else {
        return Ok(None);
    };
    let Some((credential, sealed)) = env
        .store
        .credential_secret(tenant, kind, host)
        .await
        .map_err(|e| format!("reading your credentials: {e}"))?
    else {
        return Ok(None);
    };
    let aad = credential_aad(tenant, credential.id, kind);
    let plain = secret_box.open(&sealed, &aad).map_err(|_| {
        format!(
            "the stored credential `{}` for {host} cannot be decrypted (was MORNINGAI_ENCRYPTION_KEY changed?); add it again",
            credential.label
        )
    })?;
    let secret = String::from_utf8(plain)
        .map_err(|_| format!("the stored credential `{}` is not text", credential.label))?;
    Ok(Some((credential.username, secret)))
}

//! Registering clients: validated redirect URIs, and a secret shown once and stored as a digest.

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_store::clients::{self, Client, NewClient};
use poort_store::{Db, StoreError, new_id};

#[derive(Debug, thiserror::Error)]
pub enum CreateClientError {
    #[error("redirect URI `{0}` is not acceptable: {1}")]
    BadRedirectUri(String, &'static str),
    #[error("the client needs at least one redirect URI for the authorization_code grant")]
    NoRedirectUri,
    #[error("a public client cannot use client_credentials")]
    PublicClientCredentials,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct ClientInput {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub first_party: bool,
    pub grant_types: Vec<GrantType>,
    pub id_token_alg: SigningAlg,
}

pub struct CreatedClient {
    pub client: Client,
    /// Shown exactly once; only its digest is stored.
    pub secret: Option<String>,
}

pub async fn create(
    db: &Db,
    input: ClientInput,
    now: i64,
) -> Result<CreatedClient, CreateClientError> {
    for uri in input
        .redirect_uris
        .iter()
        .chain(&input.post_logout_redirect_uris)
    {
        check_redirect_uri(uri)?;
    }
    let mut grants = input.grant_types;
    if grants.is_empty() {
        grants = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    }
    if grants.contains(&GrantType::AuthorizationCode) && input.redirect_uris.is_empty() {
        return Err(CreateClientError::NoRedirectUri);
    }
    if input.public && grants.contains(&GrantType::ClientCredentials) {
        return Err(CreateClientError::PublicClientCredentials);
    }
    grants.dedup();
    let secret = (!input.public).then(|| generate_secret(32));
    let client = clients::create(
        db,
        NewClient {
            id: new_id(),
            name: input.name,
            secret_digest: secret.as_deref().map(digest_secret),
            public: input.public,
            first_party: input.first_party,
            redirect_uris: input.redirect_uris,
            post_logout_redirect_uris: input.post_logout_redirect_uris,
            grant_types: grants.iter().map(|g| g.as_str().to_string()).collect(),
            id_token_alg: input.id_token_alg.to_string(),
        },
        now,
    )
    .await?;
    Ok(CreatedClient { client, secret })
}

/// Absolute, no fragment (RFC 6749 §3.1.2); https, or http only for loopback (RFC 8252 §7.3), or a
/// private-use scheme for native apps.
pub fn check_redirect_uri(uri: &str) -> Result<(), CreateClientError> {
    let bad = |why| Err(CreateClientError::BadRedirectUri(uri.to_string(), why));
    let Ok(url) = url::Url::parse(uri) else {
        return bad("not an absolute URI");
    };
    if url.fragment().is_some() {
        return bad("must not have a fragment");
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => match url.host_str() {
            Some("127.0.0.1" | "[::1]" | "localhost") => Ok(()),
            _ => bad("http is only allowed for loopback addresses"),
        },
        "javascript" | "data" | "file" | "vbscript" => bad("this scheme is not allowed"),
        scheme if scheme.contains('.') => Ok(()),
        _ => bad("use https, loopback http, or a reverse-domain private-use scheme"),
    }
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn redirect_uri_rules() {
        assert!(check_redirect_uri("https://app.example.com/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1:3000/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("com.example.app:/cb").is_ok());
        assert!(check_redirect_uri("http://app.example.com/cb").is_err());
        assert!(check_redirect_uri("https://app.example.com/cb#x").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
        assert!(check_redirect_uri("/relative").is_err());
    }
}

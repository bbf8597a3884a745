//! How a client authenticates at the token, introspection and revocation endpoints: the ONE
//! registered `token_endpoint_auth_method` (the default for its kind when none was chosen),
//! its public keys for `private_key_jwt` (inline `jwks`, validated here, or a `jwks_uri`,
//! checked by the caller with `Outbound::check_url`), and for `client_secret_jwt` the secret
//! sealed with the master key so its assertions' HMAC can be checked. Changing the method is
//! audited like the other client changes.

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::client_auth::ClientAuthMethod;
use poort_oidc::jose::{ClientJwks, ClientJwksError};
use poort_store::clients::{self, Client, ClientAuthColumns, ClientScope};
use poort_store::{Db, StoreError};
use serde_json::json;

use super::audit::AuditEntry;
use super::orgs::Actor;
use crate::master_key::{MasterKey, MasterKeyError};

const MAX_JWKS_URI_LEN: usize = 2000;

/// What a registration or an update asks for. All `None`: the default for the client's kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthSettings {
    pub method: Option<ClientAuthMethod>,
    /// A JWKS document (JSON text) with its public keys, for `private_key_jwt`.
    pub jwks: Option<String>,
    /// Where its public keys are served, for `private_key_jwt`.
    pub jwks_uri: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthSettingsError {
    #[error("a public client authenticates with `none` only")]
    PublicWithMethod,
    #[error("a confidential client cannot use `none`: it must authenticate")]
    ConfidentialWithoutAuthentication,
    #[error("private_key_jwt needs exactly one of jwks and jwks_uri")]
    KeysRequired,
    #[error("jwks and jwks_uri are only for private_key_jwt")]
    KeysWithoutPrivateKeyJwt,
    #[error("jwks is not acceptable: {0}")]
    BadJwks(#[from] ClientJwksError),
    #[error("jwks_uri `{0}` is not acceptable: {1}")]
    BadJwksUri(String, String),
    #[error("the client secret could not be sealed")]
    Seal(#[from] MasterKeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The method `client` authenticates with: the registered one, else `client_secret_basic`
/// for a confidential client (which may send its secret by POST too) and `none` for a public
/// one. An unreadable stored value refuses every method but what it names (nothing).
pub fn registered_method(client: &Client) -> Option<ClientAuthMethod> {
    match client.auth.method.as_deref() {
        Some(name) => ClientAuthMethod::parse(name),
        None if client.public => Some(ClientAuthMethod::None),
        None => Some(ClientAuthMethod::ClientSecretBasic),
    }
}

/// Whether a client registered for `registered` may authenticate by `presented`: the same
/// method, except that a secret may come by Basic or POST whichever of the two was chosen.
pub fn method_allowed(registered: ClientAuthMethod, presented: ClientAuthMethod) -> bool {
    use ClientAuthMethod::{ClientSecretBasic, ClientSecretPost};
    registered == presented
        || matches!(
            (registered, presented),
            (
                ClientSecretBasic | ClientSecretPost,
                ClientSecretBasic | ClientSecretPost
            )
        )
}

/// Validated settings, ready for the columns (the sealed secret is added by the caller that
/// holds the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAuth {
    pub method: ClientAuthMethod,
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
}

impl CheckedAuth {
    /// Whether the client needs a secret (digest), and whether a readable (sealed) one.
    pub fn needs_secret(&self) -> bool {
        matches!(
            self.method,
            ClientAuthMethod::ClientSecretBasic
                | ClientAuthMethod::ClientSecretPost
                | ClientAuthMethod::ClientSecretJwt
        )
    }

    pub fn needs_sealed_secret(&self) -> bool {
        self.method == ClientAuthMethod::ClientSecretJwt
    }

    pub fn columns(&self, secret_sealed: Option<Vec<u8>>) -> ClientAuthColumns {
        ClientAuthColumns {
            method: Some(self.method.as_str().to_owned()),
            jwks: self.jwks.clone(),
            jwks_uri: self.jwks_uri.clone(),
            secret_sealed,
        }
    }
}

/// The registration rules: a public client uses `none`; a confidential one a secret method or
/// `private_key_jwt` with exactly one key source; keys only for `private_key_jwt`; an inline
/// JWKS only public signature keys we support (64 KiB, 20 keys at most). The `jwks_uri` is
/// checked here for its form (absolute http(s), no user information, no fragment); the
/// outbound policy (https, no private addresses) is the caller's `Outbound::check_url`.
pub fn check(public: bool, settings: AuthSettings) -> Result<CheckedAuth, AuthSettingsError> {
    let method = match (settings.method, public) {
        (None, true) | (Some(ClientAuthMethod::None), true) => ClientAuthMethod::None,
        (Some(_), true) => return Err(AuthSettingsError::PublicWithMethod),
        (None, false) => ClientAuthMethod::ClientSecretBasic,
        (Some(ClientAuthMethod::None), false) => {
            return Err(AuthSettingsError::ConfidentialWithoutAuthentication);
        }
        (Some(method), false) => method,
    };
    let has_keys = settings.jwks.is_some() || settings.jwks_uri.is_some();
    if method != ClientAuthMethod::PrivateKeyJwt {
        if has_keys {
            return Err(AuthSettingsError::KeysWithoutPrivateKeyJwt);
        }
        return Ok(CheckedAuth {
            method,
            jwks: None,
            jwks_uri: None,
        });
    }
    match (settings.jwks, settings.jwks_uri) {
        (Some(jwks), None) => {
            ClientJwks::parse(jwks.as_bytes())?;
            Ok(CheckedAuth {
                method,
                jwks: Some(jwks),
                jwks_uri: None,
            })
        }
        (None, Some(uri)) => {
            check_jwks_uri_form(&uri)?;
            Ok(CheckedAuth {
                method,
                jwks: None,
                jwks_uri: Some(uri),
            })
        }
        _ => Err(AuthSettingsError::KeysRequired),
    }
}

fn check_jwks_uri_form(uri: &str) -> Result<(), AuthSettingsError> {
    let bad = |why: &str| {
        Err(AuthSettingsError::BadJwksUri(
            uri.to_owned(),
            why.to_owned(),
        ))
    };
    if uri.len() > MAX_JWKS_URI_LEN {
        return bad("it is too long");
    }
    let Ok(url) = url::Url::parse(uri) else {
        return bad("it is not an absolute URL");
    };
    if !matches!(url.scheme(), "https" | "http") {
        return bad("it must be https");
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return bad("it must not carry user information or a fragment");
    }
    Ok(())
}

/// Seals a `client_secret_jwt` secret; the client id is the associated data, so a sealed
/// secret copied to another client does not open.
pub fn seal_secret(
    master_key: &MasterKey,
    client_id: &str,
    secret: &str,
) -> Result<Vec<u8>, MasterKeyError> {
    master_key.encrypt(secret.as_bytes(), &secret_context(client_id))
}

pub fn open_secret(
    master_key: &MasterKey,
    client_id: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, MasterKeyError> {
    master_key.decrypt(sealed, &secret_context(client_id))
}

fn secret_context(client_id: &str) -> Vec<u8> {
    format!("client_secret:{client_id}").into_bytes()
}

/// The outcome of [`change`]: the client as it is now and, when the change needed one, its new
/// secret (shown once).
pub struct ChangedAuth {
    pub client: Client,
    pub secret: Option<String>,
}

/// Changes how confidential client `id` authenticates, audited as `client.auth_changed`.
/// A new secret is issued when the new method needs one the client lacks: always when moving
/// to `client_secret_jwt` (the old secret was kept only as a digest), and for a secret method
/// after `private_key_jwt`. `Ok(None)` when no client `id` is within `scope`. The caller
/// forgets cached copies (nodes see the change within `cache_ttl_secs`).
pub async fn change(
    db: &Db,
    master_key: &MasterKey,
    id: &str,
    scope: ClientScope<'_>,
    settings: AuthSettings,
    now: i64,
    actor: &Actor,
) -> Result<Option<ChangedAuth>, AuthSettingsError> {
    let Some(client) = clients::find(db, id).await? else {
        return Ok(None);
    };
    if let ClientScope::Org(org_id) = scope
        && client.org_id.as_deref() != Some(org_id)
    {
        return Ok(None);
    }
    let planned = plan_change(master_key, &client, settings)?;
    let audit = vec![
        AuditEntry {
            target: Some(id.to_owned()),
            details: planned.details,
            ..actor.entry("client.auth_changed", org_of(scope))
        }
        .into_new(now),
    ];
    if !clients::set_auth(db, id, scope, planned.columns, planned.digest, audit).await? {
        return Ok(None);
    }
    let Some(client) = clients::find(db, id).await? else {
        return Ok(None);
    };
    Ok(Some(ChangedAuth {
        client,
        secret: planned.secret,
    }))
}

/// What a change of method writes: the columns, the new secret's digest, the new secret (shown
/// once) and what the audit entry says.
pub struct PlannedAuth {
    pub columns: poort_store::clients::ClientAuthColumns,
    pub digest: Option<String>,
    pub secret: Option<String>,
    pub details: serde_json::Value,
}

/// Decides a change of how `client` authenticates, writing nothing (see [`change`]).
pub fn plan_change(
    master_key: &MasterKey,
    client: &Client,
    settings: AuthSettings,
) -> Result<PlannedAuth, AuthSettingsError> {
    let id = client.id.as_str();
    if client.public {
        return Err(AuthSettingsError::PublicWithMethod);
    }
    let checked = check(false, settings)?;
    let current = registered_method(client);
    let had_secret = client.secret_digest.is_some()
        && current != Some(ClientAuthMethod::PrivateKeyJwt)
        && current.is_some();
    let new_secret = match checked.method {
        ClientAuthMethod::ClientSecretJwt if current != Some(ClientAuthMethod::ClientSecretJwt) => {
            Some(generate_secret(32))
        }
        _ if checked.needs_secret() && !had_secret => Some(generate_secret(32)),
        _ => None,
    };
    let sealed = match (&new_secret, checked.needs_sealed_secret()) {
        (Some(secret), true) => Some(seal_secret(master_key, id, secret)?),
        // Staying on client_secret_jwt: the sealed secret stays.
        (None, true) => client.auth.secret_sealed.clone(),
        (_, false) => None,
    };
    let details = json!({
        "token_endpoint_auth_method": checked.method.as_str(),
        "jwks_uri": checked.jwks_uri, "jwks": checked.jwks.is_some(),
        "secret_rotated": new_secret.is_some(),
    });
    Ok(PlannedAuth {
        digest: new_secret.as_deref().map(digest_secret),
        columns: checked.columns(sealed),
        secret: new_secret,
        details,
    })
}

fn org_of(scope: ClientScope<'_>) -> Option<&str> {
    match scope {
        ClientScope::Any => None,
        ClientScope::Org(org_id) => Some(org_id),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use poort_oidc::jose::{SigningAlg, SigningKey};

    use super::*;

    fn jwks() -> String {
        let (key, _) = SigningKey::generate(SigningAlg::ES256).unwrap();
        serde_json::json!({ "keys": [key.public_jwk()] }).to_string()
    }

    fn settings(method: Option<ClientAuthMethod>) -> AuthSettings {
        AuthSettings {
            method,
            ..Default::default()
        }
    }

    #[test]
    fn defaults_and_the_one_method_of_each_kind() {
        assert_eq!(
            check(true, settings(None)).unwrap().method,
            ClientAuthMethod::None
        );
        assert_eq!(
            check(false, settings(None)).unwrap().method,
            ClientAuthMethod::ClientSecretBasic
        );
        let jwt = check(false, settings(Some(ClientAuthMethod::ClientSecretJwt))).unwrap();
        assert!(jwt.needs_secret() && jwt.needs_sealed_secret());
        assert!(matches!(
            check(true, settings(Some(ClientAuthMethod::PrivateKeyJwt))),
            Err(AuthSettingsError::PublicWithMethod)
        ));
        assert!(matches!(
            check(false, settings(Some(ClientAuthMethod::None))),
            Err(AuthSettingsError::ConfidentialWithoutAuthentication)
        ));
    }

    #[test]
    fn private_key_jwt_needs_exactly_one_valid_key_source() {
        let with = |jwks: Option<String>, jwks_uri: Option<&str>| {
            check(
                false,
                AuthSettings {
                    method: Some(ClientAuthMethod::PrivateKeyJwt),
                    jwks,
                    jwks_uri: jwks_uri.map(str::to_owned),
                },
            )
        };
        let inline = with(Some(jwks()), None).unwrap();
        assert!(inline.jwks.is_some() && !inline.needs_secret());
        assert!(with(None, Some("https://app.example/jwks")).is_ok());
        assert!(matches!(
            with(None, None),
            Err(AuthSettingsError::KeysRequired)
        ));
        assert!(matches!(
            with(Some(jwks()), Some("https://app.example/jwks")),
            Err(AuthSettingsError::KeysRequired)
        ));
        assert!(matches!(
            with(Some("{\"keys\": []}".into()), None),
            Err(AuthSettingsError::BadJwks(_))
        ));
        for bad in [
            "ftp://app.example/jwks",
            "/jwks",
            "https://u:p@app.example/jwks",
        ] {
            assert!(
                matches!(
                    with(None, Some(bad)),
                    Err(AuthSettingsError::BadJwksUri(..))
                ),
                "{bad}"
            );
        }
        let keys_for_secret = AuthSettings {
            method: Some(ClientAuthMethod::ClientSecretBasic),
            jwks: Some(jwks()),
            jwks_uri: None,
        };
        assert!(matches!(
            check(false, keys_for_secret),
            Err(AuthSettingsError::KeysWithoutPrivateKeyJwt)
        ));
    }

    #[test]
    fn a_secret_method_accepts_basic_and_post_but_nothing_else_crosses() {
        use ClientAuthMethod as M;
        assert!(method_allowed(M::ClientSecretBasic, M::ClientSecretPost));
        assert!(method_allowed(M::ClientSecretPost, M::ClientSecretBasic));
        for (registered, presented) in [
            (M::PrivateKeyJwt, M::ClientSecretBasic),
            (M::PrivateKeyJwt, M::ClientSecretJwt),
            (M::ClientSecretJwt, M::PrivateKeyJwt),
            (M::ClientSecretJwt, M::ClientSecretPost),
            (M::ClientSecretBasic, M::ClientSecretJwt),
            (M::ClientSecretBasic, M::PrivateKeyJwt),
            (M::None, M::ClientSecretBasic),
        ] {
            assert!(!method_allowed(registered, presented), "{registered:?}");
        }
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_client() {
        let key = MasterKey::parse(&"11".repeat(32)).unwrap();
        let sealed = seal_secret(&key, "app", "s3cret").unwrap();
        assert_eq!(open_secret(&key, "app", &sealed).unwrap(), b"s3cret");
        assert!(open_secret(&key, "other", &sealed).is_err());
    }
}

//! Registering, rotating and deleting clients: validated redirect URIs, a secret shown once and
//! stored as a digest, and an audit entry committed with each change (in the managing
//! organisation's chain, or the platform's).

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::jose::SigningAlg;
use poort_oidc::resource::check_resource;
use poort_oidc::scope::{Scopes, USER_SCOPES};
use poort_oidc::token_request::GrantType;
use poort_oidc::web_origin::check_web_origin;
use poort_store::clients::{self, Client, ClientScope, NewClient, TokenExchange};
use poort_store::{Db, StoreError, new_id};
use serde_json::json;

use super::FlowError;
use super::audit::AuditEntry;
use super::client_auth_settings::{self as auth_settings, AuthSettings, AuthSettingsError};
use super::orgs::Actor;
use crate::master_key::MasterKey;
use crate::state::AppState;

/// Longest client name, and most entries of each list a client may have.
const MAX_NAME_CHARS: usize = 100;
const MAX_LIST_ENTRIES: usize = 20;
const MAX_URI_LEN: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum CreateClientError {
    #[error("the name must be 1 to 100 characters, without control characters")]
    BadName,
    #[error("a client has at most 20 entries in each list")]
    TooMany,
    #[error("redirect URI `{0}` is not acceptable: {1}")]
    BadRedirectUri(String, &'static str),
    #[error("the client needs at least one redirect URI for the authorization_code grant")]
    NoRedirectUri,
    #[error("a public client cannot use client_credentials")]
    PublicClientCredentials,
    #[error("allowed scopes are for clients with the client_credentials grant")]
    ServiceFieldsWithoutClientCredentials,
    #[error("scope `{0}` cannot be allowed: {1}")]
    BadScope(String, &'static str),
    #[error("audience `{0}` is not acceptable: it {1}")]
    BadAudience(String, &'static str),
    #[error("a public client always needs PKCE: only a confidential client may opt out")]
    PublicWithoutPkce,
    #[error("web origin `{0}` is not acceptable: it {1}")]
    BadWebOrigin(String, &'static str),
    #[error("backchannel_logout_uri `{0}` is not acceptable: {1}")]
    BadBackchannelLogoutUri(String, String),
    #[error("token exchange settings are for clients with the token exchange grant")]
    TokenExchangeWithoutGrant,
    #[error("a public client cannot exchange tokens")]
    PublicTokenExchange,
    #[error(transparent)]
    Auth(AuthSettingsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AuthSettingsError> for CreateClientError {
    fn from(error: AuthSettingsError) -> Self {
        match error {
            AuthSettingsError::Store(error) => Self::Store(error),
            other => Self::Auth(other),
        }
    }
}

pub struct ClientInput {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub public: bool,
    pub first_party: bool,
    pub grant_types: Vec<GrantType>,
    pub id_token_alg: SigningAlg,
    /// Scopes a `client_credentials` token may carry (and gets when it asks for none).
    pub allowed_scopes: Vec<String>,
    /// Resource URIs (RFC 8707) its `client_credentials` tokens may be issued for.
    pub audiences: Vec<String>,
    /// The organisation that manages it; `None` for the platform's own.
    pub org_id: Option<String>,
    /// Whether its authorization requests must carry a PKCE `code_challenge` (true unless a
    /// legacy confidential client is opted out; a public client cannot be).
    pub pkce_required: bool,
    /// Origins a browser app may call the endpoints from (CORS); empty: the default (a public
    /// client's redirect URI origins).
    pub web_origins: Vec<String>,
    /// Where its logout tokens go (Back-Channel Logout 1.0); `None`: it gets none.
    pub backchannel_logout: Option<BackchannelLogout>,
    /// What it may exchange users' tokens for (RFC 8693); `None`: nothing.
    pub token_exchange: Option<TokenExchange>,
}

/// A client's back-channel logout registration, checked: only [`BackchannelLogout::check`]
/// makes one, so a client is never stored with a URI the outbound policy refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackchannelLogout {
    uri: String,
    session_required: bool,
}

impl BackchannelLogout {
    /// An absolute URL without fragment or user information (Back-Channel Logout §2.2) that
    /// the outbound policy accepts: https, or http to loopback only with `[outbound]
    /// allow_loopback`, never a private, loopback or link-local address otherwise.
    /// `session_required`: every logout token it gets carries `sid`.
    pub fn check(
        outbound: &crate::outbound::Outbound,
        uri: &str,
        session_required: bool,
    ) -> Result<Self, CreateClientError> {
        let bad = |why: &str| {
            Err(CreateClientError::BadBackchannelLogoutUri(
                uri.to_owned(),
                why.to_owned(),
            ))
        };
        if uri.len() > MAX_URI_LEN {
            return bad("too long");
        }
        let Ok(url) = url::Url::parse(uri) else {
            return bad("not an absolute URL");
        };
        if url.fragment().is_some() {
            return bad("it must not have a fragment");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return bad("it must not contain user information");
        }
        if let Err(refused) = outbound.check_url(uri) {
            return bad(&refused.to_string());
        }
        Ok(Self {
            uri: uri.to_owned(),
            session_required,
        })
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    pub fn session_required(&self) -> bool {
        self.session_required
    }
}

pub struct CreatedClient {
    pub client: Client,
    /// Shown exactly once; only its digest is stored.
    pub secret: Option<String>,
}

/// Registers a client that authenticates the default way for its kind (a secret by Basic or
/// POST; `none` for a public client).
pub async fn create(
    db: &Db,
    input: ClientInput,
    now: i64,
    actor: &Actor,
) -> Result<CreatedClient, CreateClientError> {
    register(db, None, input, AuthSettings::default(), now, actor).await
}

/// Registers a client with the authentication method `auth` asks for (see
/// `client_auth_settings::check`; a `jwks_uri` must have passed `Outbound::check_url`). A
/// `client_secret_jwt` client's secret is also stored sealed with `master_key`; a
/// `private_key_jwt` client gets no secret.
pub async fn create_with_auth(
    db: &Db,
    master_key: &MasterKey,
    input: ClientInput,
    auth: AuthSettings,
    now: i64,
    actor: &Actor,
) -> Result<CreatedClient, CreateClientError> {
    register(db, Some(master_key), input, auth, now, actor).await
}

async fn register(
    db: &Db,
    master_key: Option<&MasterKey>,
    input: ClientInput,
    auth: AuthSettings,
    now: i64,
    actor: &Actor,
) -> Result<CreatedClient, CreateClientError> {
    let planned = plan(master_key, input, auth)?;
    let audit = vec![planned.audit_entry(actor, now)];
    let client = clients::create(db, planned.client, now, audit).await?;
    Ok(CreatedClient {
        client,
        secret: planned.secret,
    })
}

/// A registration checked and named, before anything is stored: the row, its secret (shown
/// once) and what its audit entry records.
pub struct PlannedClient {
    pub client: NewClient,
    pub secret: Option<String>,
    details: serde_json::Value,
}

impl PlannedClient {
    /// The `client.created` entry, by `actor`, in the managing organisation's chain.
    pub fn audit_entry(&self, actor: &Actor, now: i64) -> poort_store::audit::NewAuditEntry {
        AuditEntry {
            target: Some(self.client.id.clone()),
            details: self.details.clone(),
            ..actor.entry("client.created", self.client.org_id.as_deref())
        }
        .into_new(now)
    }
}

/// Checks everything a registration asks for (the same rules for the CLI, the admin API and
/// dynamic registration) and names the client; nothing is written.
pub fn plan(
    master_key: Option<&MasterKey>,
    input: ClientInput,
    auth: AuthSettings,
) -> Result<PlannedClient, CreateClientError> {
    let name = check_name(&input.name)?;
    let lists = [
        input.redirect_uris.len(),
        input.post_logout_redirect_uris.len(),
        input.allowed_scopes.len(),
        input.audiences.len(),
        input.web_origins.len(),
    ];
    if lists.iter().any(|n| *n > MAX_LIST_ENTRIES) {
        return Err(CreateClientError::TooMany);
    }
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
    if input.public && !input.pkce_required {
        return Err(CreateClientError::PublicWithoutPkce);
    }
    grants.dedup();
    // Audiences are for any client (RFC 8707 in every grant); allowed scopes are what a
    // service account grants itself.
    if !input.allowed_scopes.is_empty() && !grants.contains(&GrantType::ClientCredentials) {
        return Err(CreateClientError::ServiceFieldsWithoutClientCredentials);
    }
    let allowed_scopes = check_service_scopes(&input.allowed_scopes)?;
    let audiences = check_audiences(input.audiences)?;
    let web_origins = check_web_origins(input.web_origins)?;
    let auth = auth_settings::check(input.public, auth)?;
    let secret = auth.needs_secret().then(|| generate_secret(32));
    let id = new_id();
    let sealed = match (&secret, auth.needs_sealed_secret(), master_key) {
        (Some(secret), true, Some(master_key)) => Some(
            auth_settings::seal_secret(master_key, &id, secret).map_err(AuthSettingsError::from)?,
        ),
        (_, false, _) => None,
        // Unreachable through `create` (default settings never ask for a sealed secret).
        _ => return Err(AuthSettingsError::Seal(crate::master_key::MasterKeyError::Crypto).into()),
    };
    let grant_types: Vec<String> = grants.iter().map(|g| g.as_str().to_string()).collect();
    let token_exchange =
        super::client_token_exchange::check(input.token_exchange, input.public, &grant_types)?;
    let details = json!({
        "name": name, "public": input.public, "first_party": input.first_party,
        "pkce_required": input.pkce_required,
        "grant_types": grant_types, "redirect_uris": input.redirect_uris,
        "allowed_scopes": allowed_scopes, "audiences": audiences,
        "web_origins": web_origins,
        "backchannel_logout_uri": input.backchannel_logout.as_ref().map(|b| b.uri()),
        "backchannel_logout_session_required":
            input.backchannel_logout.as_ref().is_none_or(|b| b.session_required),
        "token_endpoint_auth_method": auth.method.as_str(), "jwks_uri": auth.jwks_uri,
        "jwks": auth.jwks.is_some(), "token_exchange": token_exchange,
    });
    let client = NewClient {
        id,
        name,
        secret_digest: secret.as_deref().map(digest_secret),
        public: input.public,
        first_party: input.first_party,
        redirect_uris: input.redirect_uris,
        post_logout_redirect_uris: input.post_logout_redirect_uris,
        grant_types,
        id_token_alg: input.id_token_alg.to_string(),
        allowed_scopes,
        audiences,
        org_id: input.org_id,
        pkce_required: input.pkce_required,
        web_origins,
        backchannel_logout_session_required: input
            .backchannel_logout
            .as_ref()
            .is_none_or(|b| b.session_required),
        backchannel_logout_uri: input.backchannel_logout.map(|b| b.uri),
        auth: auth.columns(sealed),
        token_exchange,
    };
    Ok(PlannedClient {
        client,
        secret,
        details,
    })
}

/// A client as the API and the CLI show it (never its secret or digest).
pub fn view(client: &Client) -> serde_json::Value {
    json!({
        "client_id": client.id, "name": client.name, "public": client.public,
        "first_party": client.first_party, "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "grant_types": client.grant_types, "id_token_alg": client.id_token_alg,
        "allowed_scopes": client.allowed_scopes, "audiences": client.audiences,
        "org_id": client.org_id, "created_at": client.created_at,
        "pkce_required": client.pkce_required || client.public,
        "web_origins": client.web_origins,
        "effective_web_origins": super::web_origins::accepted_by(client),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "backchannel_logout_session_required": client.backchannel_logout_session_required,
        "token_endpoint_auth_method":
            auth_settings::registered_method(client).map(|method| method.as_str()),
        "jwks_uri": client.auth.jwks_uri,
        "jwks": client.auth.jwks.as_deref()
            .and_then(|jwks| serde_json::from_str::<serde_json::Value>(jwks).ok()),
        "token_exchange": super::client_token_exchange::view(client),
    })
}

/// Each origin exactly `scheme://host[:port]` (https, or http for loopback); duplicates dropped.
pub(super) fn check_web_origins(origins: Vec<String>) -> Result<Vec<String>, CreateClientError> {
    if origins.len() > MAX_LIST_ENTRIES {
        return Err(CreateClientError::TooMany);
    }
    for origin in &origins {
        check_web_origin(origin)
            .map_err(|why| CreateClientError::BadWebOrigin(origin.clone(), why))?;
    }
    Ok(dedup(origins))
}

pub fn check_audiences(audiences: Vec<String>) -> Result<Vec<String>, CreateClientError> {
    for audience in &audiences {
        check_resource(audience)
            .map_err(|why| CreateClientError::BadAudience(audience.clone(), why))?;
    }
    Ok(dedup(audiences))
}

/// Gives the client a new secret (shown once; the old one stops working at once on this node
/// and within `cache_ttl_secs` on the others). `None` when no confidential client `id` is
/// within `scope`.
pub async fn rotate_secret(
    state: &AppState,
    id: &str,
    scope: ClientScope<'_>,
    actor: &Actor,
) -> Result<Option<String>, FlowError> {
    let secret = generate_secret(32);
    let audit = vec![
        AuditEntry {
            target: Some(id.to_owned()),
            ..actor.entry("client.secret_rotated", org_of(scope))
        }
        .into_new(state.now()),
    ];
    // A client_secret_jwt client keeps its secret readable (sealed) as well as digested.
    let current = clients::find(&state.db, id).await?;
    let sealed = match current.as_ref().and_then(auth_settings::registered_method) {
        Some(poort_oidc::client_auth::ClientAuthMethod::ClientSecretJwt) => Some(
            auth_settings::seal_secret(&state.master_key, id, &secret)
                .map_err(|e| FlowError::Corrupt(e.to_string()))?,
        ),
        _ => None,
    };
    let digest = digest_secret(&secret);
    let rotated = clients::set_secret(&state.db, id, scope, &digest, sealed, audit).await?;
    state.caches.clients.remove(&id.to_owned());
    Ok(rotated.then_some(secret))
}

/// Deletes the client; its refresh tokens and consents go with it. `false` when no client `id`
/// is within `scope`.
pub async fn delete(
    state: &AppState,
    id: &str,
    scope: ClientScope<'_>,
    actor: &Actor,
) -> Result<bool, FlowError> {
    let audit = vec![
        AuditEntry {
            target: Some(id.to_owned()),
            ..actor.entry("client.deleted", org_of(scope))
        }
        .into_new(state.now()),
    ];
    let deleted = clients::delete(&state.db, id, scope, audit).await?;
    state.caches.clients.remove(&id.to_owned());
    Ok(deleted)
}

pub(super) fn org_of(scope: ClientScope<'_>) -> Option<&str> {
    match scope {
        ClientScope::Any => None,
        ClientScope::Org(org_id) => Some(org_id),
    }
}

/// Each scope is one RFC 6749 §3.3 token and not one that only means something with a user.
fn check_service_scopes(scopes: &[String]) -> Result<Vec<String>, CreateClientError> {
    for scope in scopes {
        let bad = |why| CreateClientError::BadScope(scope.clone(), why);
        match Scopes::parse(scope) {
            Ok(parsed) if parsed.len() == 1 => {}
            _ => return Err(bad("not a single RFC 6749 scope token")),
        }
        if USER_SCOPES.contains(&scope.as_str()) {
            return Err(bad("it needs a signed-in user"));
        }
    }
    Ok(dedup(scopes.to_vec()))
}

/// Keeps the first of each value, in order.
fn dedup(values: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    kept
}

/// Absolute, no fragment (RFC 6749 §3.1.2), no user information; https, or http only for
/// loopback (RFC 8252 §7.3), or a private-use scheme for native apps.
/// A client name: 1 to 100 characters without control characters, trimmed.
pub fn check_name(name: &str) -> Result<String, CreateClientError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(CreateClientError::BadName);
    }
    Ok(name.to_owned())
}

/// Redirect URIs (or post-logout ones), each acceptable, at most 20; duplicates dropped.
pub fn check_redirect_uris(uris: Vec<String>) -> Result<Vec<String>, CreateClientError> {
    if uris.len() > MAX_LIST_ENTRIES {
        return Err(CreateClientError::TooMany);
    }
    for uri in &uris {
        check_redirect_uri(uri)?;
    }
    Ok(dedup(uris))
}

pub fn check_redirect_uri(uri: &str) -> Result<(), CreateClientError> {
    let bad = |why| Err(CreateClientError::BadRedirectUri(uri.to_string(), why));
    if uri.len() > MAX_URI_LEN {
        return bad("too long");
    }
    let Ok(url) = url::Url::parse(uri) else {
        return bad("not an absolute URI");
    };
    if url.fragment().is_some() {
        return bad("must not have a fragment");
    }
    // `https://app.example.com@evil.example/cb` goes to evil.example: no user information.
    if !url.username().is_empty() || url.password().is_some() {
        return bad("must not contain user information");
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
    use super::{CreateClientError, check_redirect_uri, check_service_scopes};

    #[test]
    fn service_scopes_are_single_tokens_without_user_meaning() {
        let scopes = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_service_scopes(&scopes(&["reports.read", "reports.write", "reports.read"]))
                .unwrap_or_default(),
            scopes(&["reports.read", "reports.write"])
        );
        for bad in ["openid", "offline_access", "two words", "", "quote\"d"] {
            assert!(
                matches!(
                    check_service_scopes(&scopes(&[bad])),
                    Err(CreateClientError::BadScope(..))
                ),
                "{bad:?} was allowed"
            );
        }
    }

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
        assert!(check_redirect_uri("https://user@app.example.com/cb").is_err());
        assert!(check_redirect_uri("https://app.example.com@evil.example/cb").is_err());
        assert!(check_redirect_uri("https://:secret@app.example.com/cb").is_err());
    }
}

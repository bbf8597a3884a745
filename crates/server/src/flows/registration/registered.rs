//! Registering a client with an initial access token (RFC 7591 §3), and reading, updating and
//! deleting it with the registration access token it got (RFC 7592). A token that is unknown,
//! expired, revoked, used up or another client's is refused alike (`invalid_token`), so nothing
//! tells which of those it was.

use std::net::IpAddr;

use poort_oidc::OAuthError;
use poort_oidc::registration::parse_metadata;
use poort_store::client_registrations;
use poort_store::clients::{self, Client, ClientScope};

use super::super::FlowError;
use super::super::client_auth_settings::{AuthSettings, registered_method};
use super::super::client_update::{self, ClientChanges, UpdateContext};
use super::super::clients::plan;
use super::super::orgs::Actor;
use super::initial_tokens::usable;
use super::metadata::{client_input, metadata, refusal};
use super::{INITIAL_TOKEN_PREFIX, REGISTRATION_TOKEN_PREFIX, digest_of, new_token};
use crate::state::AppState;

/// Why a registration request gets no answer but an error.
#[derive(Debug)]
pub enum Refused {
    /// The bearer token is missing or not acceptable (401, RFC 6750).
    Token,
    /// The metadata or the request (400, RFC 7591 §3.2.2).
    Request(OAuthError),
}

impl From<OAuthError> for Refused {
    fn from(error: OAuthError) -> Self {
        Self::Request(error)
    }
}

pub type Answer<T> = Result<Result<T, Refused>, FlowError>;

/// A new registration: the client's metadata with its secret (if any) and its registration
/// access token, each shown this once.
pub struct Registered {
    pub metadata: serde_json::Value,
}

fn client_uri(state: &AppState, client_id: &str) -> String {
    format!("{}/register/{client_id}", state.issuer())
}

/// RFC 7591 §3: registers the metadata in `body` with initial access token `bearer`.
pub async fn register(
    state: &AppState,
    bearer: Option<&str>,
    body: &[u8],
    ip: Option<IpAddr>,
) -> Answer<Registered> {
    let now = state.now();
    let Some(digest) = digest_of(bearer, INITIAL_TOKEN_PREFIX) else {
        return Ok(Err(Refused::Token));
    };
    let Some(initial) = client_registrations::find_initial(&state.db, &digest).await? else {
        return Ok(Err(Refused::Token));
    };
    if !usable(&initial, now) {
        return Ok(Err(Refused::Token));
    }
    let registration = match parse_metadata(body).and_then(|m| m.registration()) {
        Ok(registration) => registration,
        Err(refused) => return Ok(Err(refused.into())),
    };
    let (input, auth) = match client_input(registration, initial.org_id.clone(), &state.outbound) {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused.into())),
    };
    let planned = match plan(Some(&state.master_key), input, auth) {
        Ok(planned) => planned,
        Err(super::super::clients::CreateClientError::Store(e)) => return Err(e.into()),
        Err(refused) => return Ok(Err(refusal(refused).into())),
    };
    // The person who minted the initial access token authorised the registration.
    let actor = Actor {
        user_id: initial.created_by.clone(),
        ip,
        ..Actor::default()
    };
    let audit = vec![planned.audit_entry(&actor, now)];
    let (token, token_digest) = new_token(REGISTRATION_TOKEN_PREFIX);
    let stored = client_registrations::register(
        &state.db,
        &initial.id,
        now,
        planned.client,
        token_digest,
        audit,
    )
    .await?;
    // Its last use was taken by a concurrent registration, or it lapsed meanwhile.
    let Some(client) = stored else {
        return Ok(Err(Refused::Token));
    };
    let mut answer = metadata(&client, &client_uri(state, &client.id));
    answer["registration_access_token"] = serde_json::json!(token);
    if let Some(secret) = planned.secret {
        answer["client_secret"] = serde_json::json!(secret);
    }
    Ok(Ok(Registered { metadata: answer }))
}

/// The client `client_id` if `bearer` is its registration access token.
async fn managed(state: &AppState, bearer: Option<&str>, client_id: &str) -> Answer<Client> {
    let Some(digest) = digest_of(bearer, REGISTRATION_TOKEN_PREFIX) else {
        return Ok(Err(Refused::Token));
    };
    let Some(registration) = client_registrations::find_registration(&state.db, &digest).await?
    else {
        return Ok(Err(Refused::Token));
    };
    if registration.client_id != client_id {
        return Ok(Err(Refused::Token));
    }
    match clients::find(&state.db, client_id).await? {
        Some(client) => Ok(Ok(client)),
        None => Ok(Err(Refused::Token)),
    }
}

/// RFC 7592 §2.1: the client's current metadata.
pub async fn read(
    state: &AppState,
    bearer: Option<&str>,
    client_id: &str,
) -> Answer<serde_json::Value> {
    Ok(managed(state, bearer, client_id)
        .await?
        .map(|client| metadata(&client, &client_uri(state, client_id))))
}

/// RFC 7592 §2.2: replaces the client's metadata. What Poort can change on a registered client
/// (name, redirect URIs, back-channel logout, how it authenticates) is changed; metadata that
/// differs in anything else (grants, kind, ID token algorithm, scopes) is refused: that is a new
/// client. A change of authentication method that issues a secret answers it once.
pub async fn update(
    state: &AppState,
    bearer: Option<&str>,
    client_id: &str,
    body: &[u8],
    ip: Option<IpAddr>,
) -> Answer<serde_json::Value> {
    let current = match managed(state, bearer, client_id).await? {
        Ok(client) => client,
        Err(refused) => return Ok(Err(refused)),
    };
    let asked = match parse_metadata(body) {
        Ok(asked) => asked,
        Err(refused) => return Ok(Err(refused.into())),
    };
    if let Err(refused) = asked.check_update_of(client_id) {
        return Ok(Err(refused.into()));
    }
    let registration = match asked.registration() {
        Ok(registration) => registration,
        Err(refused) => return Ok(Err(refused.into())),
    };
    let (input, auth) = match client_input(registration, current.org_id.clone(), &state.outbound) {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused.into())),
    };
    let grants: Vec<String> = input
        .grant_types
        .iter()
        .map(|g| g.as_str().to_owned())
        .collect();
    let fixed_differs = grants != current.grant_types
        || input.public != current.public
        || input.id_token_alg.to_string() != current.id_token_alg
        || input.allowed_scopes != current.allowed_scopes;
    if fixed_differs {
        return Ok(Err(OAuthError::invalid_client_metadata(
            "grant_types, token_endpoint_auth_method none, id_token_signed_response_alg and \
             scope cannot change: register a new client",
        )
        .into()));
    }
    let changes = ClientChanges {
        name: Some(input.name),
        redirect_uris: Some(input.redirect_uris),
        post_logout_redirect_uris: Some(input.post_logout_redirect_uris),
        backchannel_logout_uri: Some(
            input
                .backchannel_logout
                .as_ref()
                .map(|b| b.uri().to_owned())
                .unwrap_or_default(),
        ),
        backchannel_logout_session_required: input
            .backchannel_logout
            .as_ref()
            .map(|b| b.session_required()),
        auth: auth_change(&current, auth),
        ..ClientChanges::default()
    };
    let context = UpdateContext {
        db: &state.db,
        master_key: &state.master_key,
        outbound: &state.outbound,
    };
    let actor = Actor {
        ip,
        ..Actor::default()
    };
    let scope = scope_of(&current);
    let updated =
        match client_update::update(&context, client_id, scope, changes, state.now(), &actor).await
        {
            Ok(Some(updated)) => updated,
            Ok(None) => return Ok(Err(Refused::Token)),
            Err(super::super::clients::CreateClientError::Store(e)) => return Err(e.into()),
            Err(refused) => return Ok(Err(refusal(refused).into())),
        };
    state.caches.clients.remove(&client_id.to_owned());
    super::super::web_origins::forget(state, client_id);
    super::super::client_assertions::forget(state, &updated.previous);
    let mut answer = metadata(&updated.client, &client_uri(state, client_id));
    if let Some(secret) = updated.secret {
        answer["client_secret"] = serde_json::json!(secret);
    }
    Ok(Ok(answer))
}

/// Changes are audited in the chain of the organisation the client belongs to.
fn scope_of(client: &Client) -> ClientScope<'_> {
    match client.org_id.as_deref() {
        Some(org) => ClientScope::Org(org),
        None => ClientScope::Any,
    }
}

/// The authentication change an update asks for: none when it names what is registered.
fn auth_change(current: &Client, asked: AuthSettings) -> Option<AuthSettings> {
    let same = asked.method == registered_method(current)
        && asked.jwks.as_deref().map(normalised) == current.auth.jwks.as_deref().map(normalised)
        && asked.jwks_uri == current.auth.jwks_uri;
    (!same).then_some(asked)
}

/// A JWKS document in one canonical text, so that whitespace is no change.
fn normalised(jwks: &str) -> String {
    serde_json::from_str::<serde_json::Value>(jwks)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| jwks.to_owned())
}

/// RFC 7592 §2.3: deletes the client (its registration, tokens and consents go with it).
pub async fn delete(
    state: &AppState,
    bearer: Option<&str>,
    client_id: &str,
    ip: Option<IpAddr>,
) -> Answer<()> {
    let current = match managed(state, bearer, client_id).await? {
        Ok(client) => client,
        Err(refused) => return Ok(Err(refused)),
    };
    let actor = Actor {
        ip,
        ..Actor::default()
    };
    let scope = scope_of(&current);
    match super::super::clients::delete(state, client_id, scope, &actor).await? {
        true => Ok(Ok(())),
        false => Ok(Err(Refused::Token)),
    }
}

//! `/api/v1/orgs/{org}/clients`: the relying parties and service accounts an organisation
//! registers and manages, for members with `clients.write`. An organisation's clients are never
//! first-party: skipping consent for every user of the platform is the operator's call (CLI).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_store::clients::{ClientScope, TokenExchange};
use serde::Deserialize;
use serde_json::json;

use super::caller::{ADMIN_READ, ADMIN_WRITE, ApiCaller};
use super::problem::ApiProblem;
use super::{actor, guard, json, parse_body};
use crate::flows::client_auth_settings::AuthSettings;
use crate::flows::client_update as update_flow;
use crate::flows::clients::{self as flow, BackchannelLogout, ClientInput, CreateClientError};
use crate::flows::orgs::Permission;
use crate::state::SharedState;

pub async fn list(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_READ,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    let clients = poort_store::clients::list_for_org(&state.db, &membership.org.id)
        .await
        .map_err(crate::flows::FlowError::from)?;
    let list: Vec<_> = clients.iter().map(flow::view).collect();
    Ok(json(json!({ "clients": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClientBody {
    name: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    id_token_alg: Option<String>,
    #[serde(default)]
    allowed_scopes: Vec<String>,
    #[serde(default)]
    audiences: Vec<String>,
    /// PKCE for every client unless a legacy confidential client is opted out with `false`.
    #[serde(default)]
    pkce_required: Option<bool>,
    #[serde(default)]
    web_origins: Vec<String>,
    /// Where logout tokens are POSTed (Back-Channel Logout 1.0).
    #[serde(default)]
    backchannel_logout_uri: Option<String>,
    /// Whether every logout token must carry `sid` (default true).
    #[serde(default)]
    backchannel_logout_session_required: Option<bool>,
    /// `client_secret_basic` (default for confidential clients), `client_secret_post`,
    /// `private_key_jwt`, `client_secret_jwt`, or `none` (public clients).
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    /// For `private_key_jwt`: its public keys, a JWKS object...
    #[serde(default)]
    jwks: Option<serde_json::Value>,
    /// ...or where they are served (https, a public address).
    #[serde(default)]
    jwks_uri: Option<String>,
    /// RFC 8693: `{"subject_audiences": [...], "audiences": [...], "impersonation": bool}`,
    /// with the token exchange grant.
    #[serde(default)]
    token_exchange: Option<TokenExchange>,
}

/// The authentication settings of a create or PATCH body: the method parsed, the `jwks_uri`
/// through the outbound policy (https, no private addresses).
fn auth_settings(
    state: &crate::state::AppState,
    method: Option<&str>,
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
) -> Result<AuthSettings, ApiProblem> {
    let method = match method {
        None => None,
        Some(name) => Some(
            poort_oidc::client_auth::ClientAuthMethod::parse(name).ok_or_else(|| {
                ApiProblem::invalid_request(
                    "token_endpoint_auth_method must be client_secret_basic, client_secret_post, \
                     private_key_jwt, client_secret_jwt or none",
                )
            })?,
        ),
    };
    if let Some(uri) = jwks_uri.as_deref() {
        state
            .outbound
            .check_url(uri)
            .map_err(|why| ApiProblem::invalid_request(format!("jwks_uri is refused: {why}")))?;
    }
    Ok(AuthSettings {
        method,
        jwks: jwks.map(|jwks| jwks.to_string()),
        jwks_uri,
    })
}

pub async fn create(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    let body: NewClientBody = parse_body(&body)?;
    let grant_types = body
        .grant_types
        .iter()
        .map(|g| g.parse::<GrantType>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiProblem::invalid_request(e.description))?;
    let id_token_alg = match body.id_token_alg.as_deref() {
        None => SigningAlg::RS256,
        Some(alg) => alg.parse().map_err(|_| {
            ApiProblem::invalid_request("id_token_alg must be RS256, ES256 or EdDSA")
        })?,
    };
    let backchannel_logout = match body.backchannel_logout_uri.as_deref() {
        None | Some("") => None,
        Some(uri) => Some(
            BackchannelLogout::check(
                &state.outbound,
                uri,
                body.backchannel_logout_session_required.unwrap_or(true),
            )
            .map_err(|refused| ApiProblem::invalid_request(refused.to_string()))?,
        ),
    };
    let auth = auth_settings(
        &state,
        body.token_endpoint_auth_method.as_deref(),
        body.jwks,
        body.jwks_uri,
    )?;
    let input = ClientInput {
        name: body.name,
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        public: body.public,
        first_party: false,
        grant_types,
        id_token_alg,
        allowed_scopes: body.allowed_scopes,
        audiences: body.audiences,
        org_id: Some(membership.org.id.clone()),
        pkce_required: body.pkce_required.unwrap_or(true),
        web_origins: body.web_origins,
        backchannel_logout,
        token_exchange: body.token_exchange,
    };
    let actor = actor(&caller, &membership);
    let created = match flow::create_with_auth(
        &state.db,
        &state.master_key,
        input,
        auth,
        state.now(),
        &actor,
    )
    .await
    {
        Ok(created) => {
            state.caches.web_origins.clear();
            created
        }
        Err(CreateClientError::Store(e)) => return Err(crate::flows::FlowError::from(e).into()),
        Err(refused) => return Err(ApiProblem::invalid_request(refused.to_string())),
    };
    let mut answer = flow::view(&created.client);
    answer["client_secret"] = json!(created.secret);
    Ok((StatusCode::CREATED, json(answer)).into_response())
}

pub async fn delete(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, client_id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    // Scoped to the organisation: another's client id is a 404 like a missing one.
    let scope = ClientScope::Org(&membership.org.id);
    match flow::delete(&state, &client_id, scope, &actor(&caller, &membership)).await? {
        true => Ok(StatusCode::NO_CONTENT.into_response()),
        false => Err(ApiProblem::not_found()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientChanges {
    /// PKCE for its authorization requests (false only for a legacy confidential client).
    pkce_required: Option<bool>,
    /// The web origins (CORS); `[]` goes back to the default.
    web_origins: Option<Vec<String>>,
    /// The RFC 8707 resources its access tokens may be for; replaces the registered ones.
    audiences: Option<Vec<String>>,
    /// Where logout tokens go; `""` removes it.
    backchannel_logout_uri: Option<String>,
    /// Whether every logout token must carry `sid`.
    backchannel_logout_session_required: Option<bool>,
    /// A new authentication method (with `jwks` or `jwks_uri` for `private_key_jwt`).
    token_endpoint_auth_method: Option<String>,
    jwks: Option<serde_json::Value>,
    jwks_uri: Option<String>,
    /// The token exchange registration; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    token_exchange: Option<Option<TokenExchange>>,
}

/// A field that is present (`Some`), `null` included (`Some(None)`), unlike a missing one.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl ClientChanges {
    fn changes_nothing(&self) -> bool {
        self.pkce_required.is_none()
            && self.web_origins.is_none()
            && self.audiences.is_none()
            && self.backchannel_logout_uri.is_none()
            && self.backchannel_logout_session_required.is_none()
            && self.token_exchange.is_none()
            && !self.changes_auth()
    }

    fn changes_auth(&self) -> bool {
        self.token_endpoint_auth_method.is_some() || self.jwks.is_some() || self.jwks_uri.is_some()
    }
}

/// Changes a client's settings: `{"pkce_required": bool, "web_origins": [...], "audiences": [...],
/// "backchannel_logout_uri": "…", "backchannel_logout_session_required": bool,
/// "token_endpoint_auth_method": ..., "jwks": {...} | "jwks_uri": ...}`, any of them (each
/// change audited). A change of method that needs a new secret answers it once, as
/// `client_secret`.
pub async fn update(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, client_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    let body: ClientChanges = parse_body(&body)?;
    if body.changes_nothing() {
        return Err(ApiProblem::invalid_request(
            "give pkce_required, web_origins, audiences, backchannel_logout_uri, \
             backchannel_logout_session_required, token_endpoint_auth_method or token_exchange",
        ));
    }
    if body.changes_auth() && body.token_endpoint_auth_method.is_none() {
        return Err(ApiProblem::invalid_request(
            "jwks and jwks_uri come with token_endpoint_auth_method",
        ));
    }
    let auth = match body.changes_auth() {
        true => Some(auth_settings(
            &state,
            body.token_endpoint_auth_method.as_deref(),
            body.jwks,
            body.jwks_uri,
        )?),
        false => None,
    };
    let changes = update_flow::ClientChanges {
        web_origins: body.web_origins,
        audiences: body.audiences,
        pkce_required: body.pkce_required,
        backchannel_logout_uri: body.backchannel_logout_uri,
        backchannel_logout_session_required: body.backchannel_logout_session_required,
        auth,
        token_exchange: body.token_exchange,
        ..Default::default()
    };
    let context = update_flow::UpdateContext {
        db: &state.db,
        master_key: &state.master_key,
        outbound: &state.outbound,
    };
    let scope = ClientScope::Org(&membership.org.id);
    let actor = actor(&caller, &membership);
    let updated = update_flow::update(&context, &client_id, scope, changes, state.now(), &actor)
        .await
        .map_err(|e| match e {
            CreateClientError::Store(e) => ApiProblem::from(crate::flows::FlowError::from(e)),
            refused => ApiProblem::invalid_request(refused.to_string()),
        })?
        .ok_or_else(ApiProblem::not_found)?;
    crate::flows::web_origins::forget(&state, &client_id);
    crate::flows::client_assertions::forget(&state, &updated.previous);
    let mut answer = flow::view(&updated.client);
    if let Some(secret) = updated.secret {
        answer["client_secret"] = json!(secret);
    }
    Ok(json(answer))
}

pub async fn rotate_secret(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, client_id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    let scope = ClientScope::Org(&membership.org.id);
    match flow::rotate_secret(&state, &client_id, scope, &actor(&caller, &membership)).await? {
        Some(secret) => Ok(json(
            json!({ "client_id": client_id, "client_secret": secret }),
        )),
        None => Err(ApiProblem::not_found()),
    }
}

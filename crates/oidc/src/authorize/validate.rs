//! Validating an authorization request against the client's registration, in the order
//! RFC 6749 §4.1.2.1 requires: until the redirect URI is trusted, errors go to the user,
//! never to the redirect URI.

use serde::{Deserialize, Serialize};

use super::mode::ResponseMode;
use super::params::AuthorizeParams;
use super::prompt::Prompt;
use super::redirect_uri::matches_registered;
use crate::error::OAuthError;
use crate::pkce::CodeChallenge;
use crate::scope::{self, Scopes};

const MAX_STATE_LEN: usize = 512;
const MAX_NONCE_LEN: usize = 512;
const MAX_LOGIN_HINT_LEN: usize = 256;
/// `ui_locales` and `acr_values` are kept in the login session; bound them like the rest.
const MAX_LIST_LEN: usize = 512;

/// What the caller knows about the client named by `client_id`.
#[derive(Debug, Clone, Copy)]
pub struct ClientPolicy<'a> {
    pub client_id: &'a str,
    pub redirect_uris: &'a [String],
    /// A public client has no secret, so PKCE is its only proof at the token endpoint.
    pub public: bool,
    /// Whether a confidential client must send PKCE too (OAuth 2.1, RFC 9700 §2.1.1: the
    /// default; false only for a legacy client the operator opted out).
    pub pkce_required: bool,
    pub allows_authorization_code: bool,
    /// The APIs (RFC 8707 resource URIs) its access tokens may be for.
    pub audiences: &'a [String],
}

/// A validated authorization request, kept in the session while the user logs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<u64>,
    pub login_hint: Option<String>,
    pub code_challenge: Option<CodeChallenge>,
    pub ui_locales: Option<String>,
    pub acr_values: Option<String>,
    /// How the response goes back (absent in requests kept before response modes existed).
    #[serde(default)]
    pub response_mode: ResponseMode,
    /// The RFC 8707 resources the tokens are for, each one of the client's audiences.
    #[serde(default)]
    pub resources: Vec<String>,
}

/// An error that may be sent to the client by redirecting the user to `redirect_uri`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct RedirectError {
    pub redirect_uri: String,
    /// The request's response mode, or the default when `response_mode` itself was refused.
    pub mode: ResponseMode,
    pub state: Option<String>,
    pub error: OAuthError,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// Missing or not registered for this client: show an error page, do not redirect.
    #[error("redirect_uri is missing or not registered for this client")]
    InvalidRedirectUri,
    #[error(transparent)]
    Redirect(RedirectError),
}

/// Validates `params` for `client` (already looked up by `params.client_id`; the
/// returned request carries `client.client_id`).
pub fn validate_authorize(
    params: &AuthorizeParams,
    client: &ClientPolicy,
) -> Result<AuthorizeRequest, AuthorizeError> {
    // Exact string comparison (OAuth 2.0 Security BCP §4.1.3), except the port of a loopback IP
    // redirect (RFC 8252 §7.3, `matches_registered`): no normalisation, no
    // default even when only one URI is registered (OIDC Core §3.1.2.1 requires it).
    let redirect_uri = match params.redirect_uri.as_deref() {
        Some(uri)
            if client
                .redirect_uris
                .iter()
                .any(|known| matches_registered(known, uri)) =>
        {
            uri
        }
        Some(_) | None => return Err(AuthorizeError::InvalidRedirectUri),
    };
    // An oversized state is not echoed: it is refused below, and an unbounded value
    // should not travel back in our redirect.
    let echoed_state = params
        .state
        .as_deref()
        .filter(|state| state.len() <= MAX_STATE_LEN);
    let redirect_error = |mode: ResponseMode| {
        move |error: OAuthError| {
            AuthorizeError::Redirect(RedirectError {
                redirect_uri: redirect_uri.to_owned(),
                mode,
                state: echoed_state.map(str::to_owned),
                error,
            })
        }
    };
    // The mode first: every later error goes back the way the client asked for. An unknown
    // mode's own error goes back in the default mode.
    let response_mode = ResponseMode::parse(params.response_mode.as_deref())
        .map_err(redirect_error(ResponseMode::default()))?;
    let checked =
        check_after_redirect_uri(params, client).map_err(redirect_error(response_mode))?;
    Ok(AuthorizeRequest {
        client_id: client.client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scopes: checked.scopes,
        state: params.state.clone(),
        nonce: params.nonce.clone(),
        prompt: checked.prompt,
        max_age: checked.max_age,
        login_hint: params.login_hint.clone(),
        code_challenge: checked.code_challenge,
        ui_locales: params.ui_locales.clone(),
        acr_values: params.acr_values.clone(),
        response_mode,
        resources: checked.resources,
    })
}

/// The parsed values of the parameters that need parsing.
struct Checked {
    scopes: Scopes,
    code_challenge: Option<CodeChallenge>,
    prompt: Prompt,
    max_age: Option<u64>,
    resources: Vec<String>,
}

fn check_after_redirect_uri(
    params: &AuthorizeParams,
    client: &ClientPolicy,
) -> Result<Checked, OAuthError> {
    match params.response_type.as_deref() {
        None => return Err(OAuthError::invalid_request("response_type is required")),
        Some("code") => {}
        Some(_) => {
            return Err(OAuthError::unsupported_response_type(
                "only response_type code is supported",
            ));
        }
    }
    if params.request.is_some() {
        return Err(OAuthError::request_not_supported(
            "request objects are not supported",
        ));
    }
    if params.request_uri.is_some() {
        return Err(OAuthError::request_uri_not_supported(
            "request_uri is not supported",
        ));
    }
    if params.registration.is_some() {
        return Err(OAuthError::registration_not_supported(
            "the registration parameter is not supported",
        ));
    }
    if !client.allows_authorization_code {
        return Err(OAuthError::unauthorized_client(
            "this client may not use the authorization code grant",
        ));
    }
    let scopes = Scopes::parse(params.scope.as_deref().unwrap_or_default())?;
    if !scopes.contains(scope::OPENID) {
        return Err(OAuthError::invalid_scope("the openid scope is required"));
    }
    let code_challenge = CodeChallenge::from_request(
        params.code_challenge_method.as_deref(),
        params.code_challenge.as_deref(),
    )?;
    if code_challenge.is_none() {
        if client.public {
            return Err(OAuthError::invalid_request(
                "public clients must send a PKCE code_challenge",
            ));
        }
        if client.pkce_required {
            return Err(OAuthError::invalid_request(
                "this client must send a PKCE code_challenge (S256)",
            ));
        }
    }
    let prompt = Prompt::parse(params.prompt.as_deref().unwrap_or_default())?;
    let max_age = params.max_age.as_deref().map(parse_max_age).transpose()?;
    check_len(params.nonce.as_deref(), MAX_NONCE_LEN, "nonce")?;
    check_len(params.state.as_deref(), MAX_STATE_LEN, "state")?;
    check_len(
        params.login_hint.as_deref(),
        MAX_LOGIN_HINT_LEN,
        "login_hint",
    )?;
    check_len(params.ui_locales.as_deref(), MAX_LIST_LEN, "ui_locales")?;
    check_len(params.acr_values.as_deref(), MAX_LIST_LEN, "acr_values")?;
    let resources = crate::resource::parse_resources(params.resource.clone())?;
    let resources = crate::resource::token_audiences(&[], client.audiences, &resources)?;
    Ok(Checked {
        scopes,
        code_challenge,
        prompt,
        max_age,
        resources,
    })
}

fn parse_max_age(text: &str) -> Result<u64, OAuthError> {
    // u64::from_str accepts a leading '+'; the spec wants plain digits.
    if text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(seconds) = text.parse()
    {
        return Ok(seconds);
    }
    Err(OAuthError::invalid_request(
        "max_age must be a non-negative integer",
    ))
}

fn check_len(value: Option<&str>, max: usize, name: &str) -> Result<(), OAuthError> {
    match value {
        Some(value) if value.len() > max => Err(OAuthError::invalid_request(format!(
            "{name} is longer than {max} bytes"
        ))),
        Some(_) | None => Ok(()),
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;

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
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const REDIRECT: &str = "https://app.example.com/callback?tenant=a";

    fn registered() -> Vec<String> {
        vec![
            REDIRECT.to_owned(),
            "https://app.example.com/other".to_owned(),
        ]
    }

    fn client(uris: &[String]) -> ClientPolicy<'_> {
        ClientPolicy {
            client_id: "app",
            redirect_uris: uris,
            public: true,
            pkce_required: true,
            allows_authorization_code: true,
            audiences: AUDIENCES,
        }
    }

    const AUDIENCES: &[String] = &[];

    #[test]
    fn resources_must_be_audiences_of_the_client() {
        let uris = registered();
        let audiences = vec!["https://api.example.com".to_owned()];
        let policy = ClientPolicy {
            audiences: &audiences,
            ..client(&uris)
        };
        let mut params = valid();
        params.resource = vec![
            "https://api.example.com".into(),
            "https://api.example.com".into(),
        ];
        let request = validate_authorize(&params, &policy).unwrap();
        assert_eq!(request.resources, audiences);
        for bad in [
            "https://other.example.com",
            "https://api.example.com#f",
            "relative",
        ] {
            params.resource = vec![bad.into()];
            let error = redirect_error(&params, &policy);
            assert_eq!(error.error.code, crate::ErrorCode::InvalidTarget, "{bad}");
            assert_eq!(error.state.as_deref(), Some("xyz"));
        }
    }

    fn valid() -> AuthorizeParams {
        AuthorizeParams {
            client_id: Some("app".into()),
            redirect_uri: Some(REDIRECT.into()),
            response_type: Some("code".into()),
            scope: Some("openid profile".into()),
            state: Some("xyz".into()),
            nonce: Some("n-0S6".into()),
            code_challenge: Some(CHALLENGE.into()),
            code_challenge_method: Some("S256".into()),
            ..AuthorizeParams::default()
        }
    }

    fn redirect_error(params: &AuthorizeParams, client: &ClientPolicy) -> RedirectError {
        match validate_authorize(params, client) {
            Err(AuthorizeError::Redirect(error)) => error,
            other => panic!("expected a redirect error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_request_is_accepted() {
        let uris = registered();
        let mut params = valid();
        params.prompt = Some("login consent".into());
        params.max_age = Some("0".into());
        params.login_hint = Some("ann@example.com".into());
        let request = validate_authorize(&params, &client(&uris)).unwrap();
        assert_eq!(request.client_id, "app");
        assert_eq!(request.redirect_uri, REDIRECT);
        assert_eq!(request.scopes.to_string(), "openid profile");
        assert_eq!(request.state.as_deref(), Some("xyz"));
        assert_eq!(request.nonce.as_deref(), Some("n-0S6"));
        assert!(request.prompt.login && request.prompt.consent);
        assert_eq!(request.max_age, Some(0));
        assert_eq!(request.code_challenge.unwrap().challenge, CHALLENGE);
    }

    #[test]
    fn the_request_survives_a_serde_round_trip() {
        let uris = registered();
        let request = validate_authorize(&valid(), &client(&uris)).unwrap();
        let json = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<AuthorizeRequest>(&json).unwrap(),
            request
        );
    }

    #[test]
    fn redirect_uri_must_match_a_registered_one_exactly() {
        let uris = registered();
        let not_equal = [
            None,
            Some("https://app.example.com/callback?tenant=a/"),
            Some("https://app.example.com/callback/?tenant=a"),
            Some("https://APP.example.com/callback?tenant=a"),
            Some("https://app.example.com/Callback?tenant=a"),
            Some("https://app.example.com/callback?tenant=a&x=1"),
            Some("https://app.example.com/callback"),
            Some("https://app.example.com:443/callback?tenant=a"),
            Some("https://app.example.com/callback?tenant=a#frag"),
        ];
        for uri in not_equal {
            let mut params = valid();
            params.redirect_uri = uri.map(str::to_owned);
            assert_eq!(
                validate_authorize(&params, &client(&uris)),
                Err(AuthorizeError::InvalidRedirectUri),
                "{uri:?}"
            );
        }
    }

    #[test]
    fn a_single_registered_uri_is_not_a_default() {
        let uris = vec![REDIRECT.to_owned()];
        let mut params = valid();
        params.redirect_uri = None;
        assert_eq!(
            validate_authorize(&params, &client(&uris)),
            Err(AuthorizeError::InvalidRedirectUri)
        );
    }

    #[test]
    fn a_bad_redirect_uri_wins_over_every_other_error() {
        let uris = registered();
        let params = AuthorizeParams {
            redirect_uri: Some("https://evil.example/".into()),
            request: Some("x".into()),
            ..AuthorizeParams::default()
        };
        assert_eq!(
            validate_authorize(&params, &client(&uris)),
            Err(AuthorizeError::InvalidRedirectUri)
        );
    }

    type Edit = fn(&mut AuthorizeParams);

    #[test]
    fn each_rule_gives_its_redirectable_error() {
        let cases: Vec<(&str, Edit, ErrorCode)> = vec![
            (
                "no response_type",
                |p| p.response_type = None,
                ErrorCode::InvalidRequest,
            ),
            (
                "token response_type",
                |p| p.response_type = Some("token".into()),
                ErrorCode::UnsupportedResponseType,
            ),
            (
                "hybrid response_type",
                |p| p.response_type = Some("code id_token".into()),
                ErrorCode::UnsupportedResponseType,
            ),
            (
                "unknown mode",
                |p| p.response_mode = Some("web_message".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "request object",
                |p| p.request = Some("eyJ...".into()),
                ErrorCode::RequestNotSupported,
            ),
            (
                "request_uri",
                |p| p.request_uri = Some("https://x".into()),
                ErrorCode::RequestUriNotSupported,
            ),
            (
                "registration",
                |p| p.registration = Some("{}".into()),
                ErrorCode::RegistrationNotSupported,
            ),
            ("no scope", |p| p.scope = None, ErrorCode::InvalidScope),
            (
                "no openid",
                |p| p.scope = Some("profile email".into()),
                ErrorCode::InvalidScope,
            ),
            (
                "bad scope chars",
                |p| p.scope = Some("openid \"x\"".into()),
                ErrorCode::InvalidScope,
            ),
            (
                "plain pkce",
                |p| p.code_challenge_method = Some("plain".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "unknown pkce method",
                |p| p.code_challenge_method = Some("S512".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "method without challenge",
                |p| p.code_challenge = None,
                ErrorCode::InvalidRequest,
            ),
            (
                "challenge without method",
                |p| p.code_challenge_method = None,
                ErrorCode::InvalidRequest,
            ),
            (
                "short challenge",
                |p| p.code_challenge = Some("abc".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "public client without pkce",
                |p| {
                    p.code_challenge = None;
                    p.code_challenge_method = None;
                },
                ErrorCode::InvalidRequest,
            ),
            (
                "prompt none with login",
                |p| p.prompt = Some("none login".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "unknown prompt",
                |p| p.prompt = Some("create".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "negative max_age",
                |p| p.max_age = Some("-1".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "signed max_age",
                |p| p.max_age = Some("+5".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "text max_age",
                |p| p.max_age = Some("soon".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "huge max_age",
                |p| p.max_age = Some("99999999999999999999999".into()),
                ErrorCode::InvalidRequest,
            ),
            (
                "long nonce",
                |p| p.nonce = Some("n".repeat(513)),
                ErrorCode::InvalidRequest,
            ),
            (
                "long state",
                |p| p.state = Some("s".repeat(513)),
                ErrorCode::InvalidRequest,
            ),
            (
                "long login_hint",
                |p| p.login_hint = Some("h".repeat(257)),
                ErrorCode::InvalidRequest,
            ),
            (
                "long ui_locales",
                |p| p.ui_locales = Some("en ".repeat(200)),
                ErrorCode::InvalidRequest,
            ),
        ];
        let uris = registered();
        for (name, edit, code) in cases {
            let mut params = valid();
            edit(&mut params);
            let error = redirect_error(&params, &client(&uris));
            assert_eq!(error.error.code, code, "{name}");
            assert_eq!(error.redirect_uri, REDIRECT, "{name}");
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let uris = registered();
        let mut params = valid();
        params.nonce = Some("n".repeat(512));
        params.state = Some("s".repeat(512));
        params.login_hint = Some("h".repeat(256));
        assert!(validate_authorize(&params, &client(&uris)).is_ok());
    }

    #[test]
    fn errors_echo_state_unless_it_is_oversized() {
        let uris = registered();
        let mut params = valid();
        params.response_type = None;
        assert_eq!(
            redirect_error(&params, &client(&uris)).state.as_deref(),
            Some("xyz")
        );
        params.state = Some("s".repeat(513));
        assert_eq!(redirect_error(&params, &client(&uris)).state, None);
    }

    #[test]
    fn client_permissions_are_applied() {
        let uris = registered();
        let mut no_code = client(&uris);
        no_code.allows_authorization_code = false;
        assert_eq!(
            redirect_error(&valid(), &no_code).error.code,
            ErrorCode::UnauthorizedClient
        );

        // A confidential client needs PKCE too, unless it was opted out.
        let mut confidential = client(&uris);
        confidential.public = false;
        let mut params = valid();
        params.code_challenge = None;
        params.code_challenge_method = None;
        assert_eq!(
            redirect_error(&params, &confidential).error.code,
            ErrorCode::InvalidRequest
        );
        confidential.pkce_required = false;
        let request = validate_authorize(&params, &confidential).unwrap();
        assert_eq!(request.code_challenge, None);
        // A public client cannot be opted out.
        let mut public = client(&uris);
        public.pkce_required = false;
        assert_eq!(
            redirect_error(&params, &public).error.code,
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn each_response_mode_is_kept_and_carries_the_errors() {
        let uris = registered();
        for mode in ResponseMode::ALL {
            let mut params = valid();
            params.response_mode = Some(mode.as_str().into());
            let request = validate_authorize(&params, &client(&uris)).unwrap();
            assert_eq!(request.response_mode, mode);
            params.scope = Some("profile".into());
            let error = redirect_error(&params, &client(&uris));
            assert_eq!(error.mode, mode);
            assert_eq!(error.error.code, ErrorCode::InvalidScope);
        }
        let request = validate_authorize(&valid(), &client(&uris)).unwrap();
        assert_eq!(request.response_mode, ResponseMode::Query);
    }

    #[test]
    fn an_unknown_mode_is_refused_in_the_default_mode_before_other_errors() {
        let uris = registered();
        let mut params = valid();
        params.response_mode = Some("form_post.jwt".into());
        params.response_type = Some("token".into());
        let error = redirect_error(&params, &client(&uris));
        assert_eq!(error.error.code, ErrorCode::InvalidRequest);
        assert_eq!(error.mode, ResponseMode::Query);
    }

    #[test]
    fn a_request_kept_without_a_mode_reads_as_query() {
        let uris = registered();
        let request = validate_authorize(&valid(), &client(&uris)).unwrap();
        let mut json = serde_json::to_value(&request).unwrap();
        json.as_object_mut().unwrap().remove("response_mode");
        let read: AuthorizeRequest = serde_json::from_value(json).unwrap();
        assert_eq!(read.response_mode, ResponseMode::Query);
    }

    #[test]
    fn rules_apply_in_order() {
        let uris = registered();
        let mut params = valid();
        params.response_type = Some("token".into());
        params.scope = None;
        assert_eq!(
            redirect_error(&params, &client(&uris)).error.code,
            ErrorCode::UnsupportedResponseType
        );
    }
}

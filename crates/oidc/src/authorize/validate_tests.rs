//! Tests of authorization request validation.

#![allow(clippy::unwrap_used, clippy::panic)]

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

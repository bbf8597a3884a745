#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;
use crate::ErrorCode;

fn parse(value: serde_json::Value) -> Result<Registration, OAuthError> {
    parse_metadata(value.to_string().as_bytes())?.registration()
}

#[test]
fn a_web_app_gets_the_defaults_of_rfc_7591() {
    let registration = parse(json!({
        "redirect_uris": ["https://app.example.com/cb"],
        "client_name": "App",
        "logo_uri": "https://app.example.com/logo.png",
    }))
    .unwrap();
    assert_eq!(registration.grant_types, vec![GrantType::AuthorizationCode]);
    assert_eq!(
        registration.auth_method,
        ClientAuthMethod::ClientSecretBasic
    );
    assert!(!registration.public);
    assert_eq!(registration.id_token_alg, SigningAlg::RS256);
    assert_eq!(registration.name, "App");
    assert!(registration.backchannel_logout_session_required);
}

#[test]
fn a_native_app_is_public_and_a_service_gets_its_scopes() {
    let native = parse(json!({
        "redirect_uris": ["http://127.0.0.1/cb"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    }))
    .unwrap();
    assert!(native.public);
    let service = parse(json!({
        "grant_types": ["client_credentials"],
        "response_types": [],
        "scope": "reports.read reports.write",
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": []},
    }))
    .unwrap();
    assert_eq!(
        service.allowed_scopes,
        vec!["reports.read", "reports.write"]
    );
    assert_eq!(service.jwks.as_deref(), Some(r#"{"keys":[]}"#));
}

#[test]
fn metadata_poort_cannot_honour_is_refused() {
    let cases = [
        json!({"grant_types": ["password"]}),
        json!({"grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"]}),
        json!({"grant_types": []}),
        json!({"response_types": ["token"]}),
        json!({"grant_types": ["client_credentials"], "response_types": ["code"]}),
        json!({"token_endpoint_auth_method": "tls_client_auth"}),
        json!({"id_token_signed_response_alg": "none"}),
        json!({"jwks": "not an object"}),
        json!({"scope": "openid"}),
        json!({"redirect_uris": "https://not-a-list.example.com"}),
    ];
    for case in cases {
        let refused = parse(case.clone()).unwrap_err();
        assert_eq!(refused.code, ErrorCode::InvalidClientMetadata, "{case}");
    }
    let statement = parse(json!({"software_statement": "e30.e30.sig"})).unwrap_err();
    assert_eq!(statement.code, ErrorCode::InvalidSoftwareStatement);
    assert_eq!(
        parse_metadata(b"{not json").unwrap_err().code,
        ErrorCode::InvalidClientMetadata
    );
    let huge = vec![b' '; MAX_METADATA_BYTES + 1];
    assert_eq!(
        parse_metadata(&huge).unwrap_err().code,
        ErrorCode::InvalidClientMetadata
    );
}

#[test]
fn an_update_names_the_client_and_sends_no_server_fields() {
    let ok = parse_metadata(br#"{"client_id": "c1", "redirect_uris": []}"#).unwrap();
    assert!(ok.check_update_of("c1").is_ok());
    assert!(ok.check_update_of("c2").is_err());
    let with_token =
        parse_metadata(br#"{"client_id": "c1", "registration_access_token": "x"}"#).unwrap();
    assert_eq!(
        with_token.check_update_of("c1").unwrap_err().code,
        ErrorCode::InvalidRequest
    );
}

//! The OpenID Provider metadata served at `/.well-known/openid-configuration`
//! (OpenID Connect Discovery 1.0 §3, RFC 8414, RFC 9207).

use serde::{Deserialize, Serialize};

use crate::authorize::ResponseMode;
use crate::client_auth::ClientAuthMethod;
use crate::jose::{ClientAlg, SigningAlg};
use crate::token_request::GrantType;

pub const AUTHORIZE_PATH: &str = "/authorize";
pub const TOKEN_PATH: &str = "/token";
pub const USERINFO_PATH: &str = "/userinfo";
pub const JWKS_PATH: &str = "/jwks";
pub const END_SESSION_PATH: &str = "/end_session";
pub const REVOKE_PATH: &str = "/revoke";
pub const INTROSPECT_PATH: &str = "/introspect";

/// Where RFC 8414 §3 puts the authorization server metadata: the well-known name, then
/// the issuer's path.
pub const OAUTH_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";

/// The path of the RFC 8414 metadata for `issuer` (§3.1: the well-known segment goes
/// between the host and the issuer's path), e.g. `/.well-known/oauth-authorization-server/poort`
/// for `https://id.example.com/poort`.
pub fn oauth_metadata_path(issuer: &str) -> String {
    let path = url::Url::parse(issuer)
        .map(|url| url.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    format!("{OAUTH_METADATA_PATH}{path}")
}

/// The languages the login pages are translated into.
pub const UI_LOCALES_SUPPORTED: [&str; 3] = ["en", "nl", "fr"];

/// Every member we publish. Endpoints are absolute URLs under the issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: String,
    /// RFC 7591: present only when dynamic client registration is on (set by the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    pub revocation_endpoint: String,
    pub introspection_endpoint: String,
    /// RFC 8628 §4.
    pub device_authorization_endpoint: String,
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub response_modes_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
    pub subject_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<SigningAlg>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// The `alg` values of `private_key_jwt` and `client_secret_jwt` assertions.
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    pub revocation_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub introspection_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub claims_supported: Vec<String>,
    /// Authentication context classes the provider can satisfy; filled in by the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acr_values_supported: Vec<String>,
    pub claim_types_supported: Vec<String>,
    pub claims_parameter_supported: bool,
    pub request_parameter_supported: bool,
    pub request_uri_parameter_supported: bool,
    pub code_challenge_methods_supported: Vec<String>,
    pub authorization_response_iss_parameter_supported: bool,
    pub prompt_values_supported: Vec<String>,
    pub display_values_supported: Vec<String>,
    pub ui_locales_supported: Vec<String>,
    pub frontchannel_logout_supported: bool,
    pub backchannel_logout_supported: bool,
    /// Back-Channel Logout §2.1: logout tokens carry `sid` (as ID tokens do).
    pub backchannel_logout_session_supported: bool,
}

/// Builds the metadata for `issuer` (which may carry a path, e.g.
/// `https://id.example.com/poort`). `signing_algs` are the ID token algorithms with an
/// active key; they are listed RS256 first.
pub fn provider_metadata(
    issuer: &str,
    signing_algs: &[SigningAlg],
    scopes: &[&str],
    claims: &[&str],
) -> ProviderMetadata {
    let base = issuer.trim_end_matches('/');
    let endpoint = |path: &str| format!("{base}{path}");
    let strings = |values: &[&str]| values.iter().map(|value| (*value).to_owned()).collect();
    let mut algs = signing_algs.to_vec();
    algs.sort();
    algs.dedup();
    let all_methods = ClientAuthMethod::ALL.map(ClientAuthMethod::as_str);
    let confidential_methods: Vec<&str> = ClientAuthMethod::ALL
        .into_iter()
        .filter(|method| *method != ClientAuthMethod::None)
        .map(ClientAuthMethod::as_str)
        .collect();
    let assertion_algs: Vec<String> = ClientAlg::ALL
        .into_iter()
        .map(|alg| alg.as_str().to_owned())
        .collect();
    ProviderMetadata {
        issuer: issuer.to_owned(),
        authorization_endpoint: endpoint(AUTHORIZE_PATH),
        token_endpoint: endpoint(TOKEN_PATH),
        userinfo_endpoint: endpoint(USERINFO_PATH),
        jwks_uri: endpoint(JWKS_PATH),
        end_session_endpoint: endpoint(END_SESSION_PATH),
        registration_endpoint: None,
        revocation_endpoint: endpoint(REVOKE_PATH),
        introspection_endpoint: endpoint(INTROSPECT_PATH),
        device_authorization_endpoint: endpoint(crate::device::DEVICE_AUTHORIZATION_PATH),
        scopes_supported: strings(scopes),
        response_types_supported: strings(&["code"]),
        response_modes_supported: strings(&ResponseMode::ALL.map(ResponseMode::as_str)),
        grant_types_supported: strings(&GrantType::ALL.map(GrantType::as_str)),
        subject_types_supported: strings(&["public"]),
        id_token_signing_alg_values_supported: algs,
        token_endpoint_auth_methods_supported: strings(&all_methods),
        token_endpoint_auth_signing_alg_values_supported: assertion_algs.clone(),
        // Public clients may revoke their own refresh tokens (RFC 7009 §2.1)...
        revocation_endpoint_auth_methods_supported: strings(&all_methods),
        revocation_endpoint_auth_signing_alg_values_supported: assertion_algs.clone(),
        // ...but only confidential clients (resource servers) may introspect.
        introspection_endpoint_auth_methods_supported: strings(&confidential_methods),
        introspection_endpoint_auth_signing_alg_values_supported: assertion_algs,
        claims_supported: strings(claims),
        acr_values_supported: Vec::new(),
        claim_types_supported: strings(&["normal"]),
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        code_challenge_methods_supported: strings(&["S256"]),
        authorization_response_iss_parameter_supported: true,
        prompt_values_supported: strings(&["none", "login", "consent", "select_account"]),
        display_values_supported: strings(&["page"]),
        ui_locales_supported: strings(&UI_LOCALES_SUPPORTED),
        frontchannel_logout_supported: false,
        backchannel_logout_supported: true,
        backchannel_logout_session_supported: true,
    }
}

/// The OAuth 2.0 Authorization Server Metadata served at
/// `/.well-known/oauth-authorization-server` (RFC 8414 §2): the OAuth members of the OpenID
/// Provider metadata, taken from it so the two documents cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationServerMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub response_modes_supported: Vec<String>,
    pub grant_types_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub ui_locales_supported: Vec<String>,
    pub revocation_endpoint: String,
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    pub revocation_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub introspection_endpoint: String,
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub introspection_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    /// RFC 9207 §3.
    pub authorization_response_iss_parameter_supported: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    /// RFC 8628 §4.
    pub device_authorization_endpoint: String,
}

impl From<&ProviderMetadata> for AuthorizationServerMetadata {
    fn from(oidc: &ProviderMetadata) -> Self {
        Self {
            issuer: oidc.issuer.clone(),
            authorization_endpoint: oidc.authorization_endpoint.clone(),
            token_endpoint: oidc.token_endpoint.clone(),
            jwks_uri: oidc.jwks_uri.clone(),
            scopes_supported: oidc.scopes_supported.clone(),
            response_types_supported: oidc.response_types_supported.clone(),
            response_modes_supported: oidc.response_modes_supported.clone(),
            grant_types_supported: oidc.grant_types_supported.clone(),
            token_endpoint_auth_methods_supported: oidc
                .token_endpoint_auth_methods_supported
                .clone(),
            token_endpoint_auth_signing_alg_values_supported: oidc
                .token_endpoint_auth_signing_alg_values_supported
                .clone(),
            ui_locales_supported: oidc.ui_locales_supported.clone(),
            revocation_endpoint: oidc.revocation_endpoint.clone(),
            revocation_endpoint_auth_methods_supported: oidc
                .revocation_endpoint_auth_methods_supported
                .clone(),
            revocation_endpoint_auth_signing_alg_values_supported: oidc
                .revocation_endpoint_auth_signing_alg_values_supported
                .clone(),
            introspection_endpoint: oidc.introspection_endpoint.clone(),
            introspection_endpoint_auth_methods_supported: oidc
                .introspection_endpoint_auth_methods_supported
                .clone(),
            introspection_endpoint_auth_signing_alg_values_supported: oidc
                .introspection_endpoint_auth_signing_alg_values_supported
                .clone(),
            code_challenge_methods_supported: oidc.code_challenge_methods_supported.clone(),
            authorization_response_iss_parameter_supported: oidc
                .authorization_response_iss_parameter_supported,
            registration_endpoint: oidc.registration_endpoint.clone(),
            device_authorization_endpoint: oidc.device_authorization_endpoint.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use openidconnect::core::{CoreJwsSigningAlgorithm, CoreProviderMetadata};

    use super::*;

    const SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
    const CLAIMS: &[&str] = &["sub", "iss", "aud", "exp", "iat", "email", "name"];

    fn metadata(issuer: &str) -> ProviderMetadata {
        provider_metadata(
            issuer,
            &[SigningAlg::EdDSA, SigningAlg::RS256, SigningAlg::ES256],
            SCOPES,
            CLAIMS,
        )
    }

    #[test]
    fn endpoints_join_an_issuer_path_without_double_slashes() {
        for issuer in [
            "https://id.example.com/poort",
            "https://id.example.com/poort/",
        ] {
            let metadata = metadata(issuer);
            assert_eq!(metadata.issuer, issuer);
            assert_eq!(
                metadata.authorization_endpoint,
                "https://id.example.com/poort/authorize"
            );
            assert_eq!(
                metadata.token_endpoint,
                "https://id.example.com/poort/token"
            );
            assert_eq!(metadata.jwks_uri, "https://id.example.com/poort/jwks");
            assert_eq!(
                metadata.end_session_endpoint,
                "https://id.example.com/poort/end_session"
            );
            assert_eq!(
                metadata.device_authorization_endpoint,
                "https://id.example.com/poort/device_authorization"
            );
        }
        assert_eq!(
            metadata("https://id.example.com").userinfo_endpoint,
            "https://id.example.com/userinfo"
        );
    }

    #[test]
    fn lists_rs256_first_and_the_fixed_capabilities() {
        let value = serde_json::to_value(metadata("https://id.example.com")).unwrap();
        assert_eq!(
            value["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256", "ES256", "EdDSA"])
        );
        assert_eq!(
            value["response_types_supported"],
            serde_json::json!(["code"])
        );
        assert_eq!(
            value["response_modes_supported"],
            serde_json::json!(["query", "fragment", "form_post"])
        );
        assert_eq!(
            value["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(
            value["authorization_response_iss_parameter_supported"],
            true
        );
        assert_eq!(value["request_uri_parameter_supported"], false);
        assert_eq!(
            value["grant_types_supported"],
            serde_json::json!([
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:token-exchange",
                "urn:ietf:params:oauth:grant-type:device_code"
            ])
        );
        assert_eq!(
            value["token_endpoint_auth_methods_supported"],
            serde_json::json!([
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "client_secret_jwt",
                "none"
            ])
        );
        assert_eq!(
            value["introspection_endpoint_auth_methods_supported"],
            serde_json::json!([
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "client_secret_jwt"
            ])
        );
        let assertion_algs = serde_json::json!([
            "RS256", "PS256", "ES256", "EdDSA", "Ed25519", "HS256", "HS384", "HS512"
        ]);
        for endpoint in ["token", "revocation", "introspection"] {
            assert_eq!(
                value[format!("{endpoint}_endpoint_auth_signing_alg_values_supported")],
                assertion_algs
            );
        }
        assert!(value.get("registration_endpoint").is_none());
        assert!(value.get("userinfo_signing_alg_values_supported").is_none());
        assert_eq!(value["backchannel_logout_supported"], true);
        assert_eq!(value["backchannel_logout_session_supported"], true);
        assert_eq!(value["frontchannel_logout_supported"], false);
    }

    #[test]
    fn oauth_metadata_repeats_every_member_it_shares_with_the_oidc_document() {
        let oidc = metadata("https://id.example.com/poort");
        let oauth = AuthorizationServerMetadata::from(&oidc);
        let oidc = serde_json::to_value(&oidc).unwrap();
        let oauth = serde_json::to_value(&oauth).unwrap();
        let members = oauth.as_object().unwrap();
        assert_eq!(members.len(), 20);
        for (name, value) in members {
            assert_eq!(&oidc[name], value, "{name}");
        }
        // OpenID-only members stay out of the OAuth document.
        for name in [
            "userinfo_endpoint",
            "subject_types_supported",
            "claims_supported",
            "backchannel_logout_supported",
        ] {
            assert!(!members.contains_key(name), "{name}");
        }
    }

    #[test]
    fn the_oauth_metadata_path_inserts_the_well_known_name_before_the_issuer_path() {
        for (issuer, path) in [
            (
                "https://id.example.com",
                "/.well-known/oauth-authorization-server",
            ),
            (
                "https://id.example.com/",
                "/.well-known/oauth-authorization-server",
            ),
            (
                "https://id.example.com/poort",
                "/.well-known/oauth-authorization-server/poort",
            ),
            (
                "https://id.example.com/a/b/",
                "/.well-known/oauth-authorization-server/a/b",
            ),
        ] {
            assert_eq!(oauth_metadata_path(issuer), path, "{issuer}");
        }
    }

    #[test]
    fn the_openidconnect_crate_reads_it() {
        let json = serde_json::to_string(&metadata("https://id.example.com/poort")).unwrap();
        let parsed: CoreProviderMetadata = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed.issuer().as_str(), "https://id.example.com/poort");
        assert_eq!(
            parsed.id_token_signing_alg_values_supported(),
            &vec![
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                CoreJwsSigningAlgorithm::EdDsa,
            ]
        );
        assert_eq!(
            parsed.token_endpoint().map(|url| url.as_str()),
            Some("https://id.example.com/poort/token")
        );
    }
}

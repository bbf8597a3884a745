//! Between RFC 7591 metadata and Poort's clients: what a registration asks for as the input
//! every registration path checks, and a registered client as metadata (RFC 7591 §3.2.1).

use poort_oidc::OAuthError;
use poort_oidc::registration::Registration;
use poort_store::clients::Client;
use serde_json::{Value, json};

use super::super::client_auth_settings::{AuthSettings, registered_method};
use super::super::clients::{BackchannelLogout, ClientInput, CreateClientError};
use crate::outbound::Outbound;

/// The input and authentication settings of a registration for `org_id`: always third-party
/// (users consent), PKCE required, the `jwks_uri` and logout URI through the outbound policy.
pub(super) fn client_input(
    registration: Registration,
    org_id: Option<String>,
    outbound: &Outbound,
) -> Result<(ClientInput, AuthSettings), OAuthError> {
    let backchannel_logout = match registration.backchannel_logout_uri.as_deref() {
        None | Some("") => None,
        Some(uri) => Some(
            BackchannelLogout::check(
                outbound,
                uri,
                registration.backchannel_logout_session_required,
            )
            .map_err(refusal)?,
        ),
    };
    if let Some(uri) = registration.jwks_uri.as_deref() {
        outbound.check_url(uri).map_err(|why| {
            OAuthError::invalid_client_metadata(format!("jwks_uri is refused: {why}"))
        })?;
    }
    let auth = AuthSettings {
        method: Some(registration.auth_method),
        jwks: registration.jwks,
        jwks_uri: registration.jwks_uri,
    };
    let input = ClientInput {
        name: registration.name,
        redirect_uris: registration.redirect_uris,
        post_logout_redirect_uris: registration.post_logout_redirect_uris,
        public: registration.public,
        first_party: false,
        grant_types: registration.grant_types,
        id_token_alg: registration.id_token_alg,
        allowed_scopes: registration.allowed_scopes,
        audiences: Vec::new(),
        org_id,
        pkce_required: true,
        web_origins: Vec::new(),
        backchannel_logout,
        token_exchange: None,
    };
    Ok((input, auth))
}

/// A refused registration or update as RFC 7591 §3.2.2 words it.
pub(super) fn refusal(error: CreateClientError) -> OAuthError {
    match error {
        CreateClientError::BadRedirectUri(..) | CreateClientError::NoRedirectUri => {
            OAuthError::invalid_redirect_uri(error.to_string())
        }
        other => OAuthError::invalid_client_metadata(other.to_string()),
    }
}

/// A registered client's metadata, as registration and read answers carry it.
pub(super) fn metadata(client: &Client, registration_client_uri: &str) -> Value {
    let code_flow = client.grant_types.iter().any(|g| g == "authorization_code");
    let mut answer = json!({
        "client_id": client.id,
        "client_id_issued_at": client.created_at,
        "client_name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "grant_types": client.grant_types,
        "response_types": if code_flow { vec!["code"] } else { Vec::new() },
        "token_endpoint_auth_method": registered_method(client).map(|m| m.as_str()),
        "id_token_signed_response_alg": client.id_token_alg,
        "registration_client_uri": registration_client_uri,
    });
    if client.secret_digest.is_some() {
        // Secrets do not expire.
        answer["client_secret_expires_at"] = json!(0);
    }
    if !client.allowed_scopes.is_empty() {
        answer["scope"] = json!(client.allowed_scopes.join(" "));
    }
    if let Some(jwks) = client.auth.jwks.as_deref() {
        answer["jwks"] = serde_json::from_str(jwks).unwrap_or(Value::Null);
    }
    if let Some(uri) = &client.auth.jwks_uri {
        answer["jwks_uri"] = json!(uri);
    }
    if let Some(uri) = &client.backchannel_logout_uri {
        answer["backchannel_logout_uri"] = json!(uri);
        answer["backchannel_logout_session_required"] =
            json!(client.backchannel_logout_session_required);
    }
    answer
}

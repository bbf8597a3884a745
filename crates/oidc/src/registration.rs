//! Dynamic client registration (RFC 7591, RFC 7592): the client metadata a registration or an
//! update sends, read into what Poort registers, and the errors of RFC 7591 §3.2.2. Unknown
//! metadata is ignored (§2); metadata Poort cannot honour is refused rather than dropped, so a
//! client never believes it registered something it did not.

use serde::Deserialize;

use crate::client_auth::ClientAuthMethod;
use crate::error::OAuthError;
use crate::jose::SigningAlg;
use crate::token_request::GrantType;

/// Largest registration or update body accepted.
pub const MAX_METADATA_BYTES: usize = 64 * 1024;

/// The metadata fields Poort reads (RFC 7591 §2, OIDC Dynamic Client Registration §2,
/// Back-Channel Logout §2.2). Absent lists are empty.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientMetadata {
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    pub client_name: Option<String>,
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    pub jwks: Option<serde_json::Value>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub id_token_signed_response_alg: Option<String>,
    /// Space-separated scopes a `client_credentials` client's tokens may carry.
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub backchannel_logout_session_required: Option<bool>,
    /// RFC 7592 §2.2: an update must not send these back.
    #[serde(default)]
    pub registration_access_token: Option<serde_json::Value>,
    #[serde(default)]
    pub registration_client_uri: Option<serde_json::Value>,
    #[serde(default)]
    pub client_secret_expires_at: Option<serde_json::Value>,
    #[serde(default)]
    pub client_id_issued_at: Option<serde_json::Value>,
    #[serde(default)]
    pub software_statement: Option<serde_json::Value>,
}

/// What a valid registration asks Poort to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<GrantType>,
    /// `token_endpoint_auth_method: none`: a public client.
    pub public: bool,
    pub auth_method: ClientAuthMethod,
    /// The JWKS document as JSON text.
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    pub id_token_alg: SigningAlg,
    pub allowed_scopes: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
}

/// The grants a registered client may ask for: not token exchange (an operator's or an
/// organisation's decision, with its audiences).
const REGISTRABLE_GRANTS: [GrantType; 4] = [
    GrantType::AuthorizationCode,
    GrantType::RefreshToken,
    GrantType::ClientCredentials,
    GrantType::DeviceCode,
];

/// Parses a registration or update body: `invalid_client_metadata` for anything malformed.
pub fn parse_metadata(body: &[u8]) -> Result<ClientMetadata, OAuthError> {
    if body.len() > MAX_METADATA_BYTES {
        return Err(OAuthError::invalid_client_metadata(
            "the metadata is too large",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        OAuthError::invalid_client_metadata(format!("the metadata is not valid JSON: {e}"))
    })
}

impl ClientMetadata {
    /// What this metadata registers. Redirect URIs are checked further by the registration
    /// itself (`invalid_redirect_uri`), with the rules every client is held to.
    pub fn registration(&self) -> Result<Registration, OAuthError> {
        if self.software_statement.is_some() {
            return Err(OAuthError::new(
                crate::ErrorCode::InvalidSoftwareStatement,
                "software statements are not accepted",
            ));
        }
        let grant_types = self.grants()?;
        if let Some(types) = &self.response_types {
            let code_flow = grant_types.contains(&GrantType::AuthorizationCode);
            let expected: &[&str] = if code_flow { &["code"] } else { &[] };
            if types
                .iter()
                .map(String::as_str)
                .ne(expected.iter().copied())
            {
                return Err(OAuthError::invalid_client_metadata(
                    "response_types must be [\"code\"] with the authorization_code grant, \
                     and empty without it",
                ));
            }
        }
        let auth_method = match self.token_endpoint_auth_method.as_deref() {
            None => ClientAuthMethod::ClientSecretBasic,
            Some(name) => ClientAuthMethod::parse(name).ok_or_else(|| {
                OAuthError::invalid_client_metadata("token_endpoint_auth_method is not supported")
            })?,
        };
        let public = auth_method == ClientAuthMethod::None;
        let id_token_alg = match self.id_token_signed_response_alg.as_deref() {
            None => SigningAlg::RS256,
            Some(alg) => alg.parse().map_err(|_| {
                OAuthError::invalid_client_metadata(
                    "id_token_signed_response_alg must be RS256, ES256 or EdDSA",
                )
            })?,
        };
        let jwks = match &self.jwks {
            None => None,
            Some(serde_json::Value::Object(_)) => self.jwks.as_ref().map(|v| v.to_string()),
            Some(_) => {
                return Err(OAuthError::invalid_client_metadata(
                    "jwks must be a JWK Set object",
                ));
            }
        };
        let allowed_scopes = match &self.scope {
            Some(scope) if grant_types.contains(&GrantType::ClientCredentials) => scope
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            Some(_) => {
                return Err(OAuthError::invalid_client_metadata(
                    "scope is for clients with the client_credentials grant",
                ));
            }
            None => Vec::new(),
        };
        let name = self
            .client_name
            .clone()
            .unwrap_or_else(|| "Unnamed client".to_owned());
        Ok(Registration {
            name,
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            grant_types,
            public,
            auth_method,
            jwks,
            jwks_uri: self.jwks_uri.clone(),
            id_token_alg,
            allowed_scopes,
            backchannel_logout_uri: self.backchannel_logout_uri.clone(),
            backchannel_logout_session_required: self
                .backchannel_logout_session_required
                .unwrap_or(true),
        })
    }

    /// The grants asked for (default: authorization_code, RFC 7591 §2), each registrable.
    fn grants(&self) -> Result<Vec<GrantType>, OAuthError> {
        let Some(names) = &self.grant_types else {
            return Ok(vec![GrantType::AuthorizationCode]);
        };
        let mut grants = Vec::with_capacity(names.len());
        for name in names {
            let grant = REGISTRABLE_GRANTS
                .into_iter()
                .find(|g| g.as_str() == name)
                .ok_or_else(|| {
                    OAuthError::invalid_client_metadata(format!(
                        "grant type {name} cannot be registered"
                    ))
                })?;
            if !grants.contains(&grant) {
                grants.push(grant);
            }
        }
        if grants.is_empty() {
            return Err(OAuthError::invalid_client_metadata("grant_types is empty"));
        }
        Ok(grants)
    }

    /// RFC 7592 §2.2: an update names the client and sends none of the server's own fields.
    pub fn check_update_of(&self, client_id: &str) -> Result<(), OAuthError> {
        if self.client_id.as_deref() != Some(client_id) {
            return Err(OAuthError::invalid_request(
                "client_id must be the registered client's",
            ));
        }
        let server_fields = [
            &self.registration_access_token,
            &self.registration_client_uri,
            &self.client_secret_expires_at,
            &self.client_id_issued_at,
        ];
        if server_fields.iter().any(|f| f.is_some()) {
            return Err(OAuthError::invalid_request(
                "registration_access_token, registration_client_uri, client_secret_expires_at \
                 and client_id_issued_at are not sent in an update",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "registration_tests.rs"]
mod tests;

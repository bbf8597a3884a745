//! The token endpoint's input (RFC 6749 §4.1.3, §6, §4.4): the grant and its parameters,
//! plus any client credentials sent in the body.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::client_auth::{ClientAuthMethod, PresentedClient, presented_client};
use crate::error::OAuthError;
use crate::form::FormFields;
use crate::scope::Scopes;
pub use crate::secret::Secret;
pub use crate::token_exchange::ExchangeRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GrantType {
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    #[serde(rename = "refresh_token")]
    RefreshToken,
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    #[serde(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange,
    /// RFC 8628 §3.4: a device polling with its device code.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

impl GrantType {
    /// Every grant the token endpoint knows, in the order metrics list them.
    pub const ALL: [GrantType; 5] = [
        Self::AuthorizationCode,
        Self::RefreshToken,
        Self::ClientCredentials,
        Self::TokenExchange,
        Self::DeviceCode,
    ];

    /// The grant's place in [`GrantType::ALL`] (an exhaustive match: a new grant must be placed).
    pub fn index(self) -> usize {
        match self {
            Self::AuthorizationCode => 0,
            Self::RefreshToken => 1,
            Self::ClientCredentials => 2,
            Self::TokenExchange => 3,
            Self::DeviceCode => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::TokenExchange => "urn:ietf:params:oauth:grant-type:token-exchange",
            Self::DeviceCode => crate::device::DEVICE_CODE_GRANT_TYPE,
        }
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GrantType {
    type Err = OAuthError;

    /// An unknown grant type is `unsupported_grant_type`, as the token endpoint answers.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|grant| grant.as_str() == text)
            .ok_or_else(|| OAuthError::unsupported_grant_type("grant_type is not supported"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRequest {
    AuthorizationCode {
        code: Secret,
        redirect_uri: Option<String>,
        code_verifier: Option<Secret>,
        /// RFC 8707: narrows the audiences of the access token.
        resource: Vec<String>,
    },
    RefreshToken {
        refresh_token: Secret,
        scope: Option<Scopes>,
        resource: Vec<String>,
    },
    ClientCredentials {
        scope: Option<Scopes>,
        /// RFC 8707 resource indicators, in request order.
        resource: Vec<String>,
    },
    /// RFC 8693.
    TokenExchange(ExchangeRequest),
    /// RFC 8628 §3.4.
    DeviceCode {
        device_code: Secret,
        /// RFC 8707: narrows the audiences of the access token.
        resource: Vec<String>,
    },
}

impl TokenRequest {
    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            Self::RefreshToken { .. } => GrantType::RefreshToken,
            Self::ClientCredentials { .. } => GrantType::ClientCredentials,
            Self::TokenExchange(_) => GrantType::TokenExchange,
            Self::DeviceCode { .. } => GrantType::DeviceCode,
        }
    }
}

/// Client credentials found in the request body (RFC 6749 §2.3.1 `client_secret_post`,
/// a public client's bare `client_id`, or an RFC 7523 client assertion).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyClientCredentials {
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub client_assertion_type: Option<String>,
    /// A bearer credential until used: kept out of debug output like a secret.
    pub client_assertion: Option<Secret>,
}

const SINGLE: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "scope",
    "client_id",
    "client_secret",
    "client_assertion_type",
    "client_assertion",
    "subject_token",
    "subject_token_type",
    "actor_token",
    "actor_token_type",
    "requested_token_type",
    "device_code",
];
const REPEATED: &[&str] = &["resource", "audience"];

/// Parses the token endpoint's decoded form body.
pub fn parse_token_request(
    pairs: &[(String, String)],
) -> Result<(TokenRequest, BodyClientCredentials), OAuthError> {
    let fields = FormFields::collect(pairs, SINGLE, REPEATED)?;
    let grant_type: GrantType = fields
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?
        .parse()?;
    let required = |name: &str| {
        fields
            .owned(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    };
    let scope = fields.get("scope").map(Scopes::parse).transpose()?;
    let resource = crate::resource::parse_resources(fields.all("resource"))?;
    let request = match grant_type {
        GrantType::AuthorizationCode => TokenRequest::AuthorizationCode {
            code: Secret::new(required("code")?),
            redirect_uri: fields.owned("redirect_uri"),
            code_verifier: fields.owned("code_verifier").map(Secret::new),
            resource,
        },
        GrantType::RefreshToken => TokenRequest::RefreshToken {
            refresh_token: Secret::new(required("refresh_token")?),
            scope,
            resource,
        },
        GrantType::ClientCredentials => TokenRequest::ClientCredentials { scope, resource },
        GrantType::TokenExchange => {
            TokenRequest::TokenExchange(ExchangeRequest::parse(&fields, scope, resource)?)
        }
        GrantType::DeviceCode => TokenRequest::DeviceCode {
            device_code: Secret::new(required("device_code")?),
            resource,
        },
    };
    let body_client = BodyClientCredentials {
        client_id: fields.owned("client_id"),
        client_secret: fields.owned("client_secret").map(Secret::new),
        client_assertion_type: fields.owned("client_assertion_type"),
        client_assertion: fields.owned("client_assertion").map(Secret::new),
    };
    Ok((request, body_client))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn every_grant_sits_at_its_index_and_parses_back() {
        for (n, grant) in GrantType::ALL.into_iter().enumerate() {
            assert_eq!(grant.index(), n);
            assert_eq!(grant.as_str().parse::<GrantType>().unwrap(), grant);
        }
        assert!("password".parse::<GrantType>().is_err());
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn error_code(list: &[(&str, &str)]) -> ErrorCode {
        parse_token_request(&pairs(list)).unwrap_err().code
    }

    #[test]
    fn grant_type_strings() {
        for grant in [
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
            GrantType::DeviceCode,
        ] {
            assert_eq!(grant.as_str().parse::<GrantType>().unwrap(), grant);
            assert_eq!(
                serde_json::to_string(&grant).unwrap(),
                format!("\"{grant}\"")
            );
        }
        assert_eq!(
            "password".parse::<GrantType>().unwrap_err().code,
            ErrorCode::UnsupportedGrantType
        );
    }

    #[test]
    fn authorization_code_grant() {
        let (request, client) = parse_token_request(&pairs(&[
            ("grant_type", "authorization_code"),
            ("code", "abc"),
            ("redirect_uri", "https://app.example.com/cb"),
            ("code_verifier", "v"),
            ("client_id", "app"),
            ("client_secret", "s3cret"),
        ]))
        .unwrap();
        let TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            ..
        } = request
        else {
            panic!("wrong grant: {request:?}");
        };
        assert_eq!(code.expose(), "abc");
        assert_eq!(redirect_uri.as_deref(), Some("https://app.example.com/cb"));
        assert_eq!(code_verifier.unwrap().expose(), "v");
        assert_eq!(client.client_id.as_deref(), Some("app"));
        assert_eq!(client.client_secret.unwrap().expose(), "s3cret");
    }

    #[test]
    fn refresh_token_grant_with_and_without_scope() {
        let (request, _) = parse_token_request(&pairs(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt"),
            ("scope", "openid email"),
        ]))
        .unwrap();
        let TokenRequest::RefreshToken {
            refresh_token,
            scope,
            ..
        } = request
        else {
            panic!("wrong grant: {request:?}");
        };
        assert_eq!(refresh_token.expose(), "rt");
        assert_eq!(scope.unwrap().to_string(), "email openid");

        let (request, _) = parse_token_request(&pairs(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "rt"),
            ("scope", ""),
        ]))
        .unwrap();
        assert_eq!(request.grant_type(), GrantType::RefreshToken);
        assert!(matches!(
            request,
            TokenRequest::RefreshToken { scope: None, .. }
        ));
    }

    #[test]
    fn client_credentials_grant_keeps_every_resource() {
        let (request, _) = parse_token_request(&pairs(&[
            ("grant_type", "client_credentials"),
            ("resource", "https://api.example.com"),
            ("resource", "https://other.example.com"),
        ]))
        .unwrap();
        assert_eq!(
            request,
            TokenRequest::ClientCredentials {
                scope: None,
                resource: vec![
                    "https://api.example.com".into(),
                    "https://other.example.com".into()
                ],
            }
        );
    }

    #[test]
    fn a_malformed_resource_is_invalid_target() {
        assert_eq!(
            error_code(&[
                ("grant_type", "client_credentials"),
                ("resource", "https://api.example.com"),
                ("resource", "not a uri"),
            ]),
            ErrorCode::InvalidTarget
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(error_code(&[]), ErrorCode::InvalidRequest);
        assert_eq!(
            error_code(&[("grant_type", "password")]),
            ErrorCode::UnsupportedGrantType
        );
        assert_eq!(
            error_code(&[("grant_type", "authorization_code")]),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            error_code(&[("grant_type", "refresh_token")]),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            error_code(&[
                ("grant_type", "authorization_code"),
                ("code", "a"),
                ("code", "b")
            ]),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            error_code(&[
                ("grant_type", "client_credentials"),
                ("grant_type", "client_credentials")
            ]),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            error_code(&[
                ("grant_type", "client_credentials"),
                ("client_id", "a"),
                ("client_id", "a")
            ]),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            error_code(&[("grant_type", "client_credentials"), ("scope", "a\\b")]),
            ErrorCode::InvalidScope
        );
    }

    #[test]
    fn device_code_grant_needs_its_code() {
        let (request, client) = parse_token_request(&pairs(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", "dc"),
            ("client_id", "tv"),
            ("resource", "https://api.example.com"),
        ]))
        .unwrap();
        assert_eq!(
            request,
            TokenRequest::DeviceCode {
                device_code: Secret::new("dc"),
                resource: vec!["https://api.example.com".into()],
            }
        );
        assert_eq!(request.grant_type(), GrantType::DeviceCode);
        assert_eq!(client.client_id.as_deref(), Some("tv"));
        assert_eq!(
            error_code(&[("grant_type", "urn:ietf:params:oauth:grant-type:device_code")]),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            error_code(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", "a"),
                ("device_code", "b"),
            ]),
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let (request, client) = parse_token_request(&pairs(&[
            ("grant_type", "authorization_code"),
            ("code", "the-code"),
            ("client_id", "app"),
            ("client_secret", "the-secret"),
        ]))
        .unwrap();
        let printed = format!("{request:?} {client:?}");
        assert!(
            !printed.contains("the-code") && !printed.contains("the-secret"),
            "{printed}"
        );
    }
}

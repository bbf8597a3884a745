//! The claims of a JWT access token (RFC 9068 §2.2).

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::audience::Audience;
use crate::scope::Scopes;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// The user, or the client itself for the client credentials grant.
    pub sub: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Scopes::is_empty")]
    pub scope: Scopes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// How the user authenticated (RFC 9068 §2.2.3.1, OIDC Core §2); none for a client's own
    /// token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// Who acts for the subject (RFC 8693 §4.1): set by token exchange with an actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn serialises_the_rfc_9068_claims() {
        let claims = AccessTokenClaims {
            iss: "https://id.example.com".into(),
            sub: "u1".into(),
            aud: Audience::one("https://api.example.com"),
            exp: 1_700_000_300,
            iat: 1_700_000_000,
            jti: "j1".into(),
            client_id: "app".into(),
            scope: Scopes::parse("openid email").unwrap(),
            auth_time: Some(1_699_999_990),
            sid: None,
            amr: None,
            act: None,
        };
        let value = serde_json::to_value(&claims).unwrap();
        assert_eq!(
            value,
            json!({
                "iss": "https://id.example.com", "sub": "u1", "aud": "https://api.example.com",
                "exp": 1_700_000_300, "iat": 1_700_000_000, "jti": "j1", "client_id": "app",
                "scope": "email openid", "auth_time": 1_699_999_990,
            })
        );
        assert_eq!(
            serde_json::from_value::<AccessTokenClaims>(value).unwrap(),
            claims
        );
    }
}

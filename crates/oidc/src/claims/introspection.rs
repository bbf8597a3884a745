//! The token introspection response (RFC 7662 §2.2).

use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::audience::Audience;
use crate::scope::Scopes;

/// Only `active` is always present; an inactive token says nothing more.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectionResponse {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scopes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The organisation an API token acts for (a Poort extension member, RFC 7662 §2.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Who acts for the subject (RFC 8693 §4.1, §4.4: a delegated token's actor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<Actor>,
}

impl IntrospectionResponse {
    /// The answer for an unknown, expired, revoked or foreign token: `{"active":false}`.
    pub fn inactive() -> Self {
        Self::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inactive_is_exactly_active_false() {
        assert_eq!(
            serde_json::to_string(&IntrospectionResponse::inactive()).unwrap(),
            r#"{"active":false}"#
        );
    }

    #[test]
    fn an_active_response_carries_its_members() {
        let response = IntrospectionResponse {
            active: true,
            scope: Some(Scopes::parse("openid email").unwrap()),
            client_id: Some("app".into()),
            token_type: Some("Bearer".into()),
            exp: Some(10),
            aud: Some(Audience::one("app")),
            ..IntrospectionResponse::default()
        };
        assert_eq!(
            serde_json::to_string(&response).unwrap(),
            r#"{"active":true,"scope":"email openid","client_id":"app","token_type":"Bearer","exp":10,"aud":"app"}"#
        );
    }
}

//! The claims of an ID token (OpenID Connect Core §2, §3.1.3.6).

use serde::{Deserialize, Serialize};

use super::user::UserClaims;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    /// The client id: ID tokens have exactly one audience here.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// When the user last actively authenticated.
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    pub azp: String,
    /// Session id, for RP-initiated logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Authentication methods (RFC 8176), e.g. `pwd`, `otp`, `hwk`, `mfa`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(flatten)]
    pub profile: UserClaims,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims() -> IdTokenClaims {
        IdTokenClaims {
            iss: "https://id.example.com".into(),
            sub: "u1".into(),
            aud: "app".into(),
            exp: 1_700_000_600,
            iat: 1_700_000_000,
            auth_time: 1_699_999_990,
            nonce: None,
            at_hash: Some("77QmUPtjPfzWtF2AnpK9RQ".into()),
            azp: "app".into(),
            sid: None,
            amr: Vec::new(),
            acr: None,
            profile: UserClaims {
                email: Some("ann@example.com".into()),
                ..UserClaims::default()
            },
        }
    }

    #[test]
    fn absent_claims_are_omitted_and_profile_is_flattened() {
        assert_eq!(
            serde_json::to_value(claims()).unwrap(),
            json!({
                "iss": "https://id.example.com", "sub": "u1", "aud": "app",
                "exp": 1_700_000_600, "iat": 1_700_000_000, "auth_time": 1_699_999_990,
                "at_hash": "77QmUPtjPfzWtF2AnpK9RQ", "azp": "app", "email": "ann@example.com",
            })
        );
    }

    #[test]
    fn round_trips_with_every_claim() {
        let mut full = claims();
        full.nonce = Some("n".into());
        full.sid = Some("s".into());
        full.amr = vec!["pwd".into(), "otp".into()];
        full.acr = Some("1".into());
        let json = serde_json::to_string(&full).unwrap();
        assert_eq!(serde_json::from_str::<IdTokenClaims>(&json).unwrap(), full);
    }
}

//! The claims of a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4): what the
//! provider POSTs to a client's `backchannel_logout_uri` when a session it signed in to ends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The event member every logout token carries (§2.4), with an empty object as its value.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// The JWS `typ` header of a logout token (§2.4, explicit typing as RFC 8725 §3.11 asks).
pub const LOGOUT_TOKEN_TYPE: &str = "logout+jwt";

/// How long a logout token is valid: long enough for a slow network, short enough that a
/// captured one is soon useless (§2.4 recommends at most two minutes).
pub const LOGOUT_TOKEN_TTL_SECS: i64 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutTokenClaims {
    pub iss: String,
    /// The client id: a logout token has exactly one audience here.
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Unique per token, so a relying party can refuse a replay.
    pub jti: String,
    /// `{"http://schemas.openid.net/event/backchannel-logout": {}}`.
    pub events: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Whom a logout token names: the user (every session of theirs at the client), one session,
/// or both (one session of that user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutSubject {
    pub sub: Option<String>,
    pub sid: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogoutTokenError {
    /// §2.4: a logout token contains a `sub`, a `sid`, or both.
    #[error("a logout token names a subject, a session or both")]
    NoSubject,
    /// The client asked for `sid` in every logout token (`backchannel_logout_session_required`).
    #[error("the client requires a session id in every logout token")]
    SessionRequired,
}

impl LogoutTokenClaims {
    /// The claims for `client_id`, issued at `now` with id `jti`. A client that requires the
    /// session (`session_required`) is never sent a token without `sid`. There is never a
    /// `nonce` (§2.4 forbids it, so a logout token cannot pass for an ID token).
    pub fn new(
        issuer: &str,
        client_id: &str,
        subject: LogoutSubject,
        session_required: bool,
        now: i64,
        jti: String,
    ) -> Result<Self, LogoutTokenError> {
        let sub = subject.sub.filter(|s| !s.is_empty());
        let sid = subject.sid.filter(|s| !s.is_empty());
        if sub.is_none() && sid.is_none() {
            return Err(LogoutTokenError::NoSubject);
        }
        if session_required && sid.is_none() {
            return Err(LogoutTokenError::SessionRequired);
        }
        let mut events = Map::new();
        events.insert(
            BACKCHANNEL_LOGOUT_EVENT.to_owned(),
            Value::Object(Map::new()),
        );
        Ok(Self {
            iss: issuer.to_owned(),
            aud: client_id.to_owned(),
            iat: now,
            exp: now.saturating_add(LOGOUT_TOKEN_TTL_SECS),
            jti,
            events,
            sub,
            sid,
        })
    }

    /// Whether the claims carry the back-channel logout event with an object as its value.
    pub fn is_logout_event(&self) -> bool {
        matches!(
            self.events.get(BACKCHANNEL_LOGOUT_EVENT),
            Some(Value::Object(_))
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn subject(sub: Option<&str>, sid: Option<&str>) -> LogoutSubject {
        LogoutSubject {
            sub: sub.map(str::to_owned),
            sid: sid.map(str::to_owned),
        }
    }

    #[test]
    fn carries_the_event_a_short_lifetime_and_no_nonce() {
        let claims = LogoutTokenClaims::new(
            "https://id.example.com",
            "app",
            subject(Some("u1"), Some("s1")),
            true,
            1_700_000_000,
            "j1".into(),
        )
        .unwrap();
        assert!(claims.is_logout_event());
        let value = serde_json::to_value(&claims).unwrap();
        assert_eq!(
            value,
            json!({
                "iss": "https://id.example.com", "aud": "app",
                "iat": 1_700_000_000, "exp": 1_700_000_120, "jti": "j1",
                "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
                "sub": "u1", "sid": "s1",
            })
        );
        assert!(value.get("nonce").is_none());
        let back: LogoutTokenClaims = serde_json::from_value(value).unwrap();
        assert_eq!(back, claims);
    }

    #[test]
    fn names_a_subject_or_a_session_and_honours_session_required() {
        let new = |sub, sid, required| {
            LogoutTokenClaims::new(
                "https://i",
                "app",
                subject(sub, sid),
                required,
                0,
                "j".into(),
            )
        };
        let only_sub = new(Some("u1"), None, false).unwrap();
        assert_eq!(
            (only_sub.sub.as_deref(), only_sub.sid.as_deref()),
            (Some("u1"), None)
        );
        let value = serde_json::to_value(&only_sub).unwrap();
        assert!(value.get("sid").is_none(), "absent claims are left out");
        let only_sid = new(None, Some("s1"), true).unwrap();
        assert_eq!((only_sid.sub, only_sid.sid.as_deref()), (None, Some("s1")));
        assert_eq!(new(None, None, false), Err(LogoutTokenError::NoSubject));
        assert_eq!(
            new(Some(""), Some(""), false),
            Err(LogoutTokenError::NoSubject)
        );
        assert_eq!(
            new(Some("u1"), None, true),
            Err(LogoutTokenError::SessionRequired)
        );
    }

    #[test]
    fn a_token_without_the_event_is_not_a_logout_token() {
        let mut claims = LogoutTokenClaims::new(
            "https://i",
            "app",
            subject(Some("u"), None),
            false,
            0,
            "j".into(),
        )
        .unwrap();
        claims.events.clear();
        assert!(!claims.is_logout_event());
        claims
            .events
            .insert(BACKCHANNEL_LOGOUT_EVENT.to_owned(), json!("yes"));
        assert!(!claims.is_logout_event());
    }
}

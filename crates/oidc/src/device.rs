//! The OAuth 2.0 Device Authorization Grant (RFC 8628): the device authorization request and
//! its answer, and the user codes people type on another device.
//!
//! A user code is short enough to type and read aloud, so it is no secret on its own: the
//! server limits guesses (a few per browser session and address) and lets it live minutes.
//! Its alphabet is RFC 8628 §6.1's: twenty consonants, no vowels (no words), nothing that
//! looks like a digit; entry ignores case, dashes and spaces.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::OAuthError;
use crate::form::FormFields;
use crate::resource::parse_resources;
use crate::scope::Scopes;
use crate::secret::Secret;
use crate::token_request::BodyClientCredentials;

/// The `grant_type` a device polls the token endpoint with (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Where devices ask for a device and user code (RFC 8628 §3.1).
pub const DEVICE_AUTHORIZATION_PATH: &str = "/device_authorization";
/// Where people type the user code (the `verification_uri`, RFC 8628 §3.2).
pub const VERIFICATION_PATH: &str = "/device";

/// The characters of a user code (RFC 8628 §6.1).
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Characters in a user code: 20^8 ≈ 2^34.6 codes, shown as two groups of four.
pub const USER_CODE_LENGTH: usize = 8;

/// A user code in its canonical form: eight characters of [`USER_CODE_ALPHABET`].
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserCode(String);

impl UserCode {
    /// A new code from the system's CSPRNG.
    pub fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 2 * USER_CODE_LENGTH];
            // The system RNG does not fail on the platforms aws-lc-rs supports; should it,
            // the zero bytes make a code that collides and is drawn again by the caller.
            let _ = aws_lc_rs::rand::fill(&mut bytes);
            if let Some(code) = Self::from_random(bytes) {
                return code;
            }
        }
    }

    /// The code drawn from `bytes` by rejection sampling (bytes of 240 and above are skipped,
    /// so each character is uniform over the 20); `None` if they run out first.
    pub fn from_random(bytes: impl IntoIterator<Item = u8>) -> Option<Self> {
        let limit = (256 / USER_CODE_ALPHABET.len() * USER_CODE_ALPHABET.len()) as u8;
        let code: String = bytes
            .into_iter()
            .filter(|b| *b < limit)
            .map(|b| char::from(USER_CODE_ALPHABET[usize::from(b) % USER_CODE_ALPHABET.len()]))
            .take(USER_CODE_LENGTH)
            .collect();
        (code.len() == USER_CODE_LENGTH).then_some(Self(code))
    }

    /// What a person typed, read the forgiving way: any case, dashes and whitespace ignored.
    /// `None` when it cannot be a user code (wrong length or a character outside the
    /// alphabet), so it is refused without a lookup.
    pub fn parse(typed: &str) -> Option<Self> {
        if typed.len() > 64 {
            return None;
        }
        let code: String = typed
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid =
            code.len() == USER_CODE_LENGTH && code.bytes().all(|b| USER_CODE_ALPHABET.contains(&b));
        valid.then_some(Self(code))
    }

    /// The canonical form (no dash): what the server looks codes up by.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As people see it: `BCDF-GHJK`.
    pub fn display(&self) -> String {
        let (first, second) = self.0.split_at(USER_CODE_LENGTH / 2);
        format!("{first}-{second}")
    }
}

/// Kept out of logs: a user code in a log line is one guess less for whoever reads it.
impl fmt::Debug for UserCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserCode(…)")
    }
}

/// The device authorization request (RFC 8628 §3.1), client credentials apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorizationRequest {
    pub scope: Option<Scopes>,
    /// RFC 8707 resource indicators, in request order.
    pub resource: Vec<String>,
}

const SINGLE: &[&str] = &[
    "scope",
    "client_id",
    "client_secret",
    "client_assertion_type",
    "client_assertion",
];
const REPEATED: &[&str] = &["resource"];

/// Parses the device authorization endpoint's decoded form body.
pub fn parse_device_authorization_request(
    pairs: &[(String, String)],
) -> Result<(DeviceAuthorizationRequest, BodyClientCredentials), OAuthError> {
    let fields = FormFields::collect(pairs, SINGLE, REPEATED)?;
    let request = DeviceAuthorizationRequest {
        scope: fields.get("scope").map(Scopes::parse).transpose()?,
        resource: parse_resources(fields.all("resource"))?,
    };
    let body_client = BodyClientCredentials {
        client_id: fields.owned("client_id"),
        client_secret: fields.owned("client_secret").map(Secret::new),
        client_assertion_type: fields.owned("client_assertion_type"),
        client_assertion: fields.owned("client_assertion").map(Secret::new),
    };
    Ok((request, body_client))
}

/// The device authorization response (RFC 8628 §3.2).
#[derive(Clone, Serialize, Deserialize)]
pub struct DeviceAuthorizationResponse {
    pub device_code: String,
    /// As people see it (`BCDF-GHJK`).
    pub user_code: String,
    pub verification_uri: String,
    /// The verification URI with the user code filled in, for a QR code or a link.
    pub verification_uri_complete: String,
    pub expires_in: i64,
    /// Seconds the device waits between polls.
    pub interval: i64,
}

impl DeviceAuthorizationResponse {
    pub fn new(
        issuer: &str,
        device_code: String,
        user_code: &UserCode,
        expires_in: i64,
        interval: i64,
    ) -> Self {
        let verification_uri = format!("{}{VERIFICATION_PATH}", issuer.trim_end_matches('/'));
        let shown = user_code.display();
        Self {
            device_code,
            verification_uri_complete: format!("{verification_uri}?user_code={shown}"),
            verification_uri,
            user_code: shown,
            expires_in,
            interval,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn generated_codes_use_the_alphabet_and_differ() {
        let codes: Vec<UserCode> = (0..50).map(|_| UserCode::generate()).collect();
        for code in &codes {
            assert_eq!(code.as_str().len(), USER_CODE_LENGTH);
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| USER_CODE_ALPHABET.contains(&b))
            );
            assert_eq!(UserCode::parse(code.as_str()).as_ref(), Some(code));
        }
        let distinct: std::collections::HashSet<&UserCode> = codes.iter().collect();
        assert!(distinct.len() > 45, "50 draws of 2^34 codes barely collide");
    }

    #[test]
    fn sampling_skips_biased_bytes_and_needs_enough_of_them() {
        // 0 → B, 19 → Z, 20 → B again; 240..=255 would favour the first 16 letters: skipped.
        let code = UserCode::from_random([0, 240, 19, 255, 20, 1, 2, 3, 4, 5]).unwrap();
        assert_eq!(code.as_str(), "BZBCDFGH");
        assert!(UserCode::from_random([1, 2, 3, 250, 251, 252, 253, 254, 4]).is_none());
    }

    #[test]
    fn entry_ignores_case_dashes_and_spaces() {
        let code = UserCode::parse("bcdf-ghjk").unwrap();
        assert_eq!(code.as_str(), "BCDFGHJK");
        assert_eq!(code.display(), "BCDF-GHJK");
        for typed in ["BCDFGHJK", " bcdf ghjk ", "BC-DF-GH-JK", "bcdf\tghjk"] {
            assert_eq!(UserCode::parse(typed).as_ref(), Some(&code), "{typed}");
        }
    }

    #[test]
    fn entry_refuses_what_cannot_be_a_code() {
        for typed in [
            "",
            "BCDF-GHJ",
            "BCDF-GHJKL",
            // Vowels and digits are not in the alphabet.
            "BCDF-GHJA",
            "BCDF-GHJ0",
            "BCDF-GHJÉ",
            &"B".repeat(100),
        ] {
            assert!(UserCode::parse(typed).is_none(), "{typed}");
        }
    }

    #[test]
    fn debug_output_hides_the_code() {
        let code = UserCode::parse("BCDFGHJK").unwrap();
        assert!(!format!("{code:?}").contains("BCDF"));
    }

    #[test]
    fn the_request_carries_scope_resources_and_client_credentials() {
        let (request, client) = parse_device_authorization_request(&pairs(&[
            ("client_id", "tv"),
            ("scope", "openid offline_access"),
            ("resource", "https://api.example.com"),
            ("resource", "https://other.example.com"),
        ]))
        .unwrap();
        assert_eq!(request.scope.unwrap().to_string(), "offline_access openid");
        assert_eq!(request.resource.len(), 2);
        assert_eq!(client.client_id.as_deref(), Some("tv"));
        let (bare, _) = parse_device_authorization_request(&pairs(&[("client_id", "tv")])).unwrap();
        assert_eq!(bare.scope, None);
        assert!(bare.resource.is_empty());
    }

    #[test]
    fn malformed_requests_are_refused() {
        let error = |list: &[(&str, &str)]| {
            parse_device_authorization_request(&pairs(list))
                .unwrap_err()
                .code
        };
        assert_eq!(
            error(&[("scope", "a"), ("scope", "b")]),
            ErrorCode::InvalidRequest
        );
        assert_eq!(error(&[("scope", "a\\b")]), ErrorCode::InvalidScope);
        assert_eq!(
            error(&[("resource", "not a uri")]),
            ErrorCode::InvalidTarget
        );
    }

    #[test]
    fn the_response_names_the_verification_pages() {
        let code = UserCode::parse("BCDFGHJK").unwrap();
        let response =
            DeviceAuthorizationResponse::new("https://id.example.com/", "dc".into(), &code, 600, 5);
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["verification_uri"], "https://id.example.com/device");
        assert_eq!(
            json["verification_uri_complete"],
            "https://id.example.com/device?user_code=BCDF-GHJK"
        );
        assert_eq!(json["user_code"], "BCDF-GHJK");
        assert_eq!(json["device_code"], "dc");
        assert_eq!(json["expires_in"], 600);
        assert_eq!(json["interval"], 5);
    }
}

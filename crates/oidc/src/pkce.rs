//! Proof Key for Code Exchange (RFC 7636), S256 only: checking the challenge sent to
//! `/authorize` and the verifier sent to `/token`.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::OAuthError;

/// Length of base64url(SHA-256(..)) without padding.
const S256_CHALLENGE_LEN: usize = 43;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeChallengeMethod {
    S256,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeChallenge {
    pub method: CodeChallengeMethod,
    pub challenge: String,
}

impl CodeChallenge {
    /// Reads `code_challenge_method` and `code_challenge` from an authorization request.
    /// `Ok(None)` when neither is present. `plain` and a missing method are refused: we never
    /// fall back to `plain` (RFC 7636 §4.3 default), so a downgrade cannot go unnoticed.
    pub fn from_request(
        method: Option<&str>,
        challenge: Option<&str>,
    ) -> Result<Option<Self>, OAuthError> {
        let (method, challenge) = match (method, challenge) {
            (None, None) => return Ok(None),
            (Some("plain"), _) => {
                return Err(OAuthError::invalid_request(
                    "code_challenge_method plain is not supported, only S256",
                ));
            }
            (Some("S256"), Some(challenge)) => (CodeChallengeMethod::S256, challenge),
            (Some("S256"), None) => {
                return Err(OAuthError::invalid_request(
                    "code_challenge_method without code_challenge",
                ));
            }
            (Some(_), _) => {
                return Err(OAuthError::invalid_request(
                    "unknown code_challenge_method, only S256 is supported",
                ));
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_request(
                    "code_challenge_method is required (S256)",
                ));
            }
        };
        let well_formed = challenge.len() == S256_CHALLENGE_LEN
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return Err(OAuthError::invalid_request(
                "code_challenge must be 43 base64url characters",
            ));
        }
        Ok(Some(Self {
            method,
            challenge: challenge.to_owned(),
        }))
    }
}

/// base64url(SHA-256(verifier)), the S256 transformation of RFC 7636 §4.2.
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// Checks a token request's `code_verifier` against the challenge stored with the code.
/// A malformed verifier is `invalid_request`; a well-formed one that does not match is
/// `invalid_grant` (RFC 7636 §4.6).
pub fn verify_pkce(challenge: &CodeChallenge, verifier: &str) -> Result<(), OAuthError> {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return Err(OAuthError::invalid_request(
            "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]",
        ));
    }
    let computed = match challenge.method {
        CodeChallengeMethod::S256 => challenge_s256(verifier),
    };
    if bool::from(computed.as_bytes().ct_eq(challenge.challenge.as_bytes())) {
        Ok(())
    } else {
        Err(OAuthError::invalid_grant("code_verifier does not match"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn stored() -> CodeChallenge {
        CodeChallenge::from_request(Some("S256"), Some(CHALLENGE))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn rfc_7636_appendix_b_vector() {
        assert_eq!(challenge_s256(VERIFIER), CHALLENGE);
        assert_eq!(verify_pkce(&stored(), VERIFIER), Ok(()));
    }

    #[test]
    fn a_different_verifier_is_invalid_grant() {
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx";
        assert_eq!(
            verify_pkce(&stored(), other).unwrap_err().code,
            ErrorCode::InvalidGrant
        );
    }

    #[test]
    fn malformed_verifiers_are_invalid_request() {
        let short = "a".repeat(42);
        let long = "a".repeat(129);
        let bad_char = format!("{}+", "a".repeat(42));
        for verifier in [short.as_str(), long.as_str(), bad_char.as_str(), ""] {
            assert_eq!(
                verify_pkce(&stored(), verifier).unwrap_err().code,
                ErrorCode::InvalidRequest
            );
        }
        assert_eq!(
            verify_pkce(&stored(), &"a".repeat(128)).unwrap_err().code,
            ErrorCode::InvalidGrant
        );
    }

    #[test]
    fn challenge_request_rules() {
        assert_eq!(CodeChallenge::from_request(None, None), Ok(None));
        let refused = [
            (Some("plain"), Some(CHALLENGE)),
            (Some("S256"), None),
            (Some("s256"), Some(CHALLENGE)),
            (None, Some(CHALLENGE)),
            (Some("S256"), Some("too-short")),
            (
                Some("S256"),
                Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"),
            ),
        ];
        for (method, challenge) in refused {
            let error = CodeChallenge::from_request(method, challenge).unwrap_err();
            assert_eq!(
                error.code,
                ErrorCode::InvalidRequest,
                "{method:?} {challenge:?}"
            );
        }
    }

    #[test]
    fn serde_round_trip() {
        let json = serde_json::to_string(&stored()).unwrap();
        assert_eq!(
            json,
            format!(r#"{{"method":"S256","challenge":"{CHALLENGE}"}}"#)
        );
        assert_eq!(
            serde_json::from_str::<CodeChallenge>(&json).unwrap(),
            stored()
        );
    }
}

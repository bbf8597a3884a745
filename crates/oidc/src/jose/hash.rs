//! `at_hash` (OpenID Connect Core §3.1.3.6): the left half of the access token's hash,
//! using the hash of the ID token's signing algorithm.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::alg::SigningAlg;

/// base64url of the left-most half of the hash of `access_token`. For EdDSA with Ed25519
/// the hash is SHA-512, as the `openidconnect` crate (and OIDF guidance) expect. The same
/// function gives `c_hash` when passed an authorization code.
pub fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    let algorithm = match alg {
        SigningAlg::RS256 | SigningAlg::ES256 => &digest::SHA256,
        SigningAlg::EdDSA => &digest::SHA512,
    };
    let hash = digest::digest(algorithm, access_token.as_bytes());
    let (left_half, _) = hash.as_ref().split_at(hash.as_ref().len() / 2);
    URL_SAFE_NO_PAD.encode(left_half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_core_example_value() {
        // OpenID Connect Core 1.0 Appendix A.3 (RS256).
        assert_eq!(
            at_hash(
                SigningAlg::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(
            at_hash(
                SigningAlg::ES256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            ),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn eddsa_uses_the_left_half_of_sha512() {
        assert_eq!(at_hash(SigningAlg::EdDSA, "token").len(), 43);
        assert_ne!(
            at_hash(SigningAlg::EdDSA, "token"),
            at_hash(SigningAlg::ES256, "token")
        );
    }
}

//! High-entropy secrets we generate (client secrets, tokens, codes): made from a CSPRNG,
//! stored as SHA-256 digests, looked up by digest and compared in constant time.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use crate::hasher::random_bytes;

/// `bytes` random bytes from a CSPRNG, base64url without padding. Use at least 32 (and never
/// fewer than 16, i.e. 128 bits).
#[must_use]
pub fn generate_secret(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// The SHA-256 digest of `secret`, lowercase hex: what we store and look up.
#[must_use]
pub fn digest_secret(secret: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, secret.as_bytes()))
}

/// Whether two digests are equal, in time independent of where they differ.
#[must_use]
pub fn digests_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_base64url_of_the_requested_length_and_differ() {
        let a = generate_secret(32);
        let b = generate_secret(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).map(|v| v.len()), Ok(32));
    }

    #[test]
    fn digest_is_lowercase_hex_sha256() {
        // FIPS 180-2 example: SHA-256("abc").
        assert_eq!(
            digest_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn digests_compare_equal_only_when_identical() {
        let d = digest_secret("token");
        assert!(digests_equal(&d, &digest_secret("token")));
        assert!(!digests_equal(&d, &digest_secret("tokem")));
        assert!(!digests_equal(&d, &d[..63]));
        assert!(!digests_equal(&d, ""));
    }
}

//! A well-formed API token: minted here or accepted by [`crate::parse`]. Holds the secret, so
//! its `Debug` shows only the display hint.

use std::fmt;

use aws_lc_rs::digest::{SHA256, digest};
use rand::Rng;
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;

use crate::base62::ALPHABET;
use crate::format::{PREFIX, RANDOM_LEN, TOKEN_LEN, checksum};

/// Characters of the token kept in [`ApiToken::hint`].
const HINT_SUFFIX_LEN: usize = 4;

/// A syntactically valid API token (prefix, length, alphabet and checksum all checked).
/// Validity as a credential is decided by looking up [`ApiToken::digest`].
#[derive(Clone)]
pub struct ApiToken {
    secret: String,
}

impl ApiToken {
    /// Mints a new token from the operating system's CSPRNG: 43 uniformly chosen base62
    /// characters (≈ 256.03 bits), then their checksum.
    pub fn generate() -> Self {
        let mut rng = OsRng;
        let mut random_part = [0u8; RANDOM_LEN];
        for byte in &mut random_part {
            // `gen_range` is unbiased, so every character carries log2(62) bits.
            *byte = ALPHABET[rng.gen_range(0..ALPHABET.len())];
        }
        let mut secret = String::with_capacity(TOKEN_LEN);
        secret.push_str(PREFIX);
        secret.extend(random_part.iter().map(|&b| char::from(b)));
        secret.extend(checksum(&random_part).iter().map(|&b| char::from(b)));
        Self { secret }
    }

    /// Only [`crate::parse`] calls this, after checking every format rule.
    pub(crate) fn from_validated(secret: String) -> Self {
        Self { secret }
    }

    /// The full secret: show it to its owner once, send it, never log or store it.
    pub fn as_str(&self) -> &str {
        &self.secret
    }

    /// Lower-case hex SHA-256 of the whole token: what is stored and looked up.
    pub fn digest(&self) -> String {
        hex_lower(digest(&SHA256, self.secret.as_bytes()).as_ref())
    }

    /// Whether `stored_digest` (as produced by [`ApiToken::digest`]) is this token's digest,
    /// compared in constant time.
    pub fn matches_digest(&self, stored_digest: &str) -> bool {
        self.digest()
            .as_bytes()
            .ct_eq(stored_digest.as_bytes())
            .into()
    }

    /// The display hint stored beside the digest: prefix, `...`, last four characters.
    pub fn hint(&self) -> String {
        let tail_start = self.secret.len().saturating_sub(HINT_SUFFIX_LEN);
        let tail = self.secret.get(tail_start..).unwrap_or_default();
        format!("{PREFIX}...{tail}")
    }
}

impl PartialEq for ApiToken {
    /// Constant time, so comparing a presented token cannot leak how much of it matched.
    fn eq(&self, other: &Self) -> bool {
        self.secret.as_bytes().ct_eq(other.secret.as_bytes()).into()
    }
}

impl Eq for ApiToken {}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken")
            .field("hint", &self.hint())
            .finish()
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let token = ApiToken::generate();
        let s = token.as_str();
        assert_eq!(s.len(), TOKEN_LEN);
        assert_eq!(TOKEN_LEN, 59);
        assert!(s.starts_with("poort_pat_"));
        assert!(s[PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn generated_tokens_differ() {
        let tokens: HashSet<String> = (0..1000)
            .map(|_| ApiToken::generate().as_str().to_owned())
            .collect();
        assert_eq!(tokens.len(), 1000);
    }

    #[test]
    fn random_part_uses_the_whole_alphabet() {
        // 200 tokens × 43 characters: each of the 62 characters is missing with
        // probability (61/62)^8600 ≈ 1e-61, so a biased or truncated alphabet shows here.
        let seen: HashSet<u8> = (0..200)
            .flat_map(|_| {
                let token = ApiToken::generate();
                token.as_str().as_bytes()[PREFIX.len()..PREFIX.len() + RANDOM_LEN].to_vec()
            })
            .collect();
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn digest_is_sha256_hex_of_the_whole_token() {
        let token = ApiToken::generate();
        let expected = hex_lower(digest(&SHA256, token.as_str().as_bytes()).as_ref());
        assert_eq!(token.digest(), expected);
        assert_eq!(token.digest().len(), 64);
        assert!(
            token
                .digest()
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        assert!(token.matches_digest(&token.digest()));
        assert!(!token.matches_digest(&ApiToken::generate().digest()));
        assert!(!token.matches_digest(""));
    }

    #[test]
    fn hex_of_known_sha256() {
        // SHA-256("abc") from FIPS 180-2.
        assert_eq!(
            hex_lower(digest(&SHA256, b"abc").as_ref()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn hint_is_prefix_and_last_four() {
        let token = ApiToken::generate();
        let last_four = &token.as_str()[TOKEN_LEN - 4..];
        assert_eq!(token.hint(), format!("poort_pat_...{last_four}"));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let token = ApiToken::generate();
        let debug = format!("{token:?}");
        assert!(!debug.contains(&token.as_str()[PREFIX.len()..PREFIX.len() + RANDOM_LEN]));
        assert!(debug.contains(&token.hint()));
    }
}

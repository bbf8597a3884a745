//! The pepper: a server-side secret mixed into every new password hash, named by an id so it
//! can be rotated (new hashes use the current pepper; old ones keep verifying with theirs).

use std::fmt;

use aws_lc_rs::hmac;

use crate::CredentialError;

/// Shortest pepper secret accepted, in bytes.
const MIN_SECRET_BYTES: usize = 16;
/// Longest pepper id accepted.
const MAX_ID_CHARS: usize = 32;

/// A pepper: an id (recorded in each hash) and a secret (never stored with the hashes).
#[derive(Clone)]
pub struct Pepper {
    id: String,
    key: hmac::Key,
}

impl Pepper {
    /// A pepper named `id` (1–32 of `A-Z a-z 0-9 - _ .`) with a secret of at least 16 bytes.
    ///
    /// # Errors
    /// [`CredentialError::InvalidPepper`] for a bad id or a short secret.
    pub fn new(id: impl Into<String>, secret: &[u8]) -> Result<Self, CredentialError> {
        let id = id.into();
        if !is_valid_id(&id) {
            return Err(CredentialError::InvalidPepper(
                "id must be 1-32 characters of A-Z a-z 0-9 - _ .",
            ));
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(CredentialError::InvalidPepper(
                "secret must be at least 16 bytes",
            ));
        }
        Ok(Self {
            id,
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        })
    }

    /// The id recorded in hashes made with this pepper.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// HMAC-SHA256(pepper, password): the KDF input in place of the password.
    pub(crate) fn mix(&self, password: &[u8]) -> hmac::Tag {
        hmac::sign(&self.key, password)
    }
}

/// Whether `id` may name a pepper; it must not contain `$`, the hash field separator.
pub(crate) fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pepper")
            .field("id", &self.id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn validates_id_and_secret_length() {
        assert!(Pepper::new("2024-01", SECRET).is_ok());
        assert!(Pepper::new("", SECRET).is_err());
        assert!(Pepper::new("a$b", SECRET).is_err());
        assert!(Pepper::new("x".repeat(33), SECRET).is_err());
        assert!(Pepper::new("k1", b"short").is_err());
    }

    #[test]
    fn mixes_with_hmac_sha256() {
        // From Python: hmac.new(SECRET, b"password", hashlib.sha256).hexdigest()
        let expected = "1737f81a915fff72081bd4f96fbf3b627c916281b017406a3088b28bced96e2f";
        let pepper = Pepper::new("k1", SECRET).unwrap();
        assert_eq!(hex::encode(pepper.mix(b"password")), expected);
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let shown = format!("{:?}", Pepper::new("k1", SECRET).unwrap());
        assert!(shown.contains("k1"));
        assert!(!shown.contains("0123456789"), "{shown}");
    }
}

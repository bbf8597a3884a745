//! Stored password hashes: the strings we write and every form we read back.
//!
//! Written form: a PHC string, or for a peppered hash `$poort-pepper$<pepper id>$<PHC string>`,
//! e.g. `$poort-pepper$2024-01$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`. The wrapper was
//! chosen over a PHC parameter because argon2's PHC grammar has no room for one (`keyid` is
//! base64 of at most 8 bytes and means a different thing) and PBKDF2's has none at all; the
//! inner string stays an untouched standard PHC string, and a peppered hash, which no other
//! tool can verify without the pepper, does not pass for a plain one.
//!
//! Read forms: the above, plus ASP.NET Core Identity v3 base64 hashes.

use std::fmt;

use crate::CredentialError;
use crate::argon2_hash::Argon2Hash;
use crate::aspnet;
use crate::limits::MAX_HASH_STRING_CHARS;
use crate::pbkdf2_hash::Pbkdf2Hash;
use crate::pepper::is_valid_id;
use crate::phc::PhcString;

/// Prefix of peppered hashes, followed by the pepper id, `$` and the inner PHC string's id.
pub const PEPPER_PREFIX: &str = "$poort-pepper$";

/// A password hash in the form we store (see the module docs). `Debug` hides the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

/// The string to store for an imported hash; the same type as the hashes we make.
pub type StoredHash = PasswordHash;

impl PasswordHash {
    /// The string to store.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The string to store, by value.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl From<PasswordHash> for String {
    fn from(hash: PasswordHash) -> Self {
        hash.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// The key derivation behind a stored hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kdf {
    Argon2(Argon2Hash),
    Pbkdf2(Pbkdf2Hash),
}

impl Kdf {
    /// Whether `input` derives the stored output (constant-time comparison).
    pub fn matches(&self, input: &[u8]) -> Result<bool, CredentialError> {
        match self {
            Self::Argon2(hash) => hash.matches(input),
            Self::Pbkdf2(hash) => Ok(hash.matches(input)),
        }
    }

    fn to_phc(&self) -> PhcString {
        match self {
            Self::Argon2(hash) => hash.to_phc(),
            Self::Pbkdf2(hash) => hash.to_phc(),
        }
    }
}

/// A stored hash, parsed: which pepper (if any) and which derivation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedHash {
    pub pepper_id: Option<String>,
    pub kdf: Kdf,
}

impl ParsedHash {
    /// Reads any form this crate accepts, checking every cost against [`crate::limits`].
    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        if s.len() > MAX_HASH_STRING_CHARS {
            return Err(CredentialError::UnreadableHash("too long"));
        }
        let Some(wrapped) = s.strip_prefix(PEPPER_PREFIX) else {
            return Ok(Self {
                pepper_id: None,
                kdf: parse_kdf(s)?,
            });
        };
        let (pepper_id, inner_without_dollar) = wrapped
            .split_once('$')
            .filter(|(id, _)| is_valid_id(id))
            .ok_or(CredentialError::UnreadableHash("bad pepper id"))?;
        // The inner string starts with '$', so it is read as PHC, never as ASP.NET base64.
        let inner = format!("${inner_without_dollar}");
        Ok(Self {
            pepper_id: Some(pepper_id.to_owned()),
            kdf: parse_kdf(&inner)?,
        })
    }

    /// The canonical string for this hash: what we store.
    pub fn to_stored(&self) -> PasswordHash {
        let phc = self.kdf.to_phc();
        PasswordHash(match &self.pepper_id {
            Some(id) => format!("{PEPPER_PREFIX}{id}{phc}"),
            None => phc.to_string(),
        })
    }
}

fn parse_kdf(s: &str) -> Result<Kdf, CredentialError> {
    let Some(algorithm) = PhcString::algorithm_of(s) else {
        if s.starts_with('$') {
            return Err(CredentialError::UnreadableHash("bad algorithm id"));
        }
        return aspnet::decode_v3(s).map(Kdf::Pbkdf2);
    };
    if Argon2Hash::IDS.contains(&algorithm) {
        Ok(Kdf::Argon2(Argon2Hash::from_phc(PhcString::parse(s)?)?))
    } else if Pbkdf2Hash::IDS.contains(&algorithm) {
        Ok(Kdf::Pbkdf2(Pbkdf2Hash::from_phc(PhcString::parse(s)?)?))
    } else {
        Err(CredentialError::Unsupported(format!(
            "algorithm {algorithm:?}"
        )))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PBKDF2: &str = "$pbkdf2-sha256$i=2000,l=32$cG9vcnQtcGJrZGYyLTI1Ng$uE0m59OOFWicytZs9VdnUvLSH6cmagVfa9sjh7u/4IQ";

    #[test]
    fn reads_plain_and_peppered_hashes_and_writes_them_back() {
        let plain = ParsedHash::parse(PBKDF2).unwrap();
        assert_eq!(plain.pepper_id, None);
        assert_eq!(plain.to_stored().as_str(), PBKDF2);

        let peppered_text = format!("{PEPPER_PREFIX}2024-01{PBKDF2}");
        let peppered = ParsedHash::parse(&peppered_text).unwrap();
        assert_eq!(peppered.pepper_id.as_deref(), Some("2024-01"));
        assert_eq!(peppered.kdf, plain.kdf);
        assert_eq!(peppered.to_stored().as_str(), peppered_text);
    }

    #[test]
    fn refuses_bad_pepper_wrappers() {
        for bad in [
            format!("{PEPPER_PREFIX}{PBKDF2}"),
            format!("{PEPPER_PREFIX}k1"),
            format!("{PEPPER_PREFIX}k 1{PBKDF2}"),
            format!("{PEPPER_PREFIX}k1$AQAAAAEAACcQAAAAEDAxMjM0NTY3ODlhYmNkZWY"),
            format!("{PEPPER_PREFIX}k1{PEPPER_PREFIX}k2{PBKDF2}"),
        ] {
            assert!(ParsedHash::parse(&bad).is_err(), "accepted {bad}");
        }
    }

    #[test]
    fn names_unsupported_algorithms() {
        let bcrypt = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";
        assert_eq!(
            ParsedHash::parse(bcrypt),
            Err(CredentialError::Unsupported("algorithm \"2b\"".to_owned()))
        );
    }

    #[test]
    fn debug_hides_the_hash() {
        let stored = ParsedHash::parse(PBKDF2).unwrap().to_stored();
        assert!(!format!("{stored:?}").contains("uE0m59"));
    }
}

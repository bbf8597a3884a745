//! The password hasher: makes new hashes with the configured algorithm and pepper, verifies
//! stored ones, says when they need rehashing, and burns equal time for unknown users.

use rand::RngCore;

use crate::argon2_hash::{self, Argon2Hash};
use crate::pbkdf2_hash::{self, Pbkdf2Hash, Prf};
use crate::stored::{Kdf, ParsedHash, PasswordHash};
use crate::{CredentialError, HashAlgorithm, Password, Pepper};

/// Salt length of the hashes we make, in bytes.
const SALT_BYTES: usize = 16;
/// Stored hashes with a shorter salt or output are rehashed (imported ones may be weaker).
const MIN_KEPT_SALT_BYTES: usize = 16;
const MIN_KEPT_OUTPUT_BYTES: usize = 32;

/// Hashes and verifies passwords. Cheap to share: hashing itself is the caller's (pool's) cost.
#[derive(Debug)]
pub struct Hasher {
    default: HashAlgorithm,
    /// The first pepper is current (used for new hashes); the others still verify old ones.
    peppers: Vec<Pepper>,
    /// A hash at default parameters that no password matches, for [`Hasher::verify_dummy`].
    dummy: ParsedHash,
}

impl Hasher {
    /// A hasher making `default` hashes, peppered with `peppers[0]` if any.
    ///
    /// # Errors
    /// [`CredentialError::OutOfRange`] when `default` is outside [`crate::limits`];
    /// [`CredentialError::InvalidPepper`] when two peppers share an id.
    pub fn new(default: HashAlgorithm, peppers: Vec<Pepper>) -> Result<Self, CredentialError> {
        default.validate()?;
        for (i, pepper) in peppers.iter().enumerate() {
            if peppers.iter().skip(i + 1).any(|p| p.id() == pepper.id()) {
                return Err(CredentialError::InvalidPepper("two peppers share an id"));
            }
        }
        let dummy = ParsedHash {
            pepper_id: peppers.first().map(|p| p.id().to_owned()),
            kdf: unmatchable_kdf(default)?,
        };
        Ok(Self {
            default,
            peppers,
            dummy,
        })
    }

    /// Hashes `password` with the default algorithm, a fresh salt and the current pepper.
    ///
    /// # Errors
    /// [`CredentialError::Internal`] only if the KDF refuses validated parameters.
    pub fn hash(&self, password: &Password) -> Result<PasswordHash, CredentialError> {
        let current = self.peppers.first();
        let input = kdf_input(password.normalized(), current);
        let salt = random_bytes(SALT_BYTES);
        let kdf = match self.default {
            HashAlgorithm::Argon2id { m_kib, t, p } => {
                Kdf::Argon2(Argon2Hash::create(m_kib, t, p, salt, &input)?)
            }
            HashAlgorithm::Pbkdf2Sha512 { rounds } => {
                Kdf::Pbkdf2(Pbkdf2Hash::create(rounds, salt, &input)?)
            }
        };
        let parsed = ParsedHash {
            pepper_id: current.map(|p| p.id().to_owned()),
            kdf,
        };
        Ok(parsed.to_stored())
    }

    /// Whether `password` matches `stored` (any form [`crate::parse_imported_hash`] accepts, or
    /// one of ours). The derived bytes are compared in constant time.
    ///
    /// # Errors
    /// [`CredentialError::UnreadableHash`], [`CredentialError::Unsupported`] or
    /// [`CredentialError::OutOfRange`] when `stored` cannot be verified;
    /// [`CredentialError::UnknownPepper`] when its pepper is not configured.
    pub fn verify(&self, password: &Password, stored: &str) -> Result<bool, CredentialError> {
        self.verify_parsed(password, &ParsedHash::parse(stored)?)
    }

    /// Takes as long as verifying a default-parameter hash, for logins of unknown users, so
    /// response time does not tell which accounts exist. Always fails.
    pub fn verify_dummy(&self, password: &Password) {
        // The dummy's output is random, so no input matches; only the time spent matters.
        let _ = self.verify_parsed(password, &self.dummy);
    }

    /// Whether `stored` should be replaced by a new hash after a successful login: another
    /// algorithm or weaker parameters than the default, a pepper other than the current one
    /// (or none while one is configured), or a non-canonical form (e.g. ASP.NET base64).
    #[must_use]
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = ParsedHash::parse(stored) else {
            return true;
        };
        let current_pepper = self.peppers.first().map(Pepper::id);
        parsed.to_stored().as_str() != stored
            || parsed.pepper_id.as_deref() != current_pepper
            || !meets_default(&parsed.kdf, self.default)
    }

    fn verify_parsed(
        &self,
        password: &Password,
        parsed: &ParsedHash,
    ) -> Result<bool, CredentialError> {
        let Some(pepper_id) = &parsed.pepper_id else {
            if parsed.kdf.matches(password.normalized().as_bytes())? {
                return Ok(true);
            }
            // Hashes from other systems were made from the password as typed, unnormalised.
            // (Never true for our own unpeppered hashes: those are of NFKC strings, and a
            // string that NFKC changes is not itself the NFKC form of anything.)
            return match password.as_typed_if_changed() {
                Some(typed) => parsed.kdf.matches(typed.as_bytes()),
                None => Ok(false),
            };
        };
        let pepper = self
            .peppers
            .iter()
            .find(|p| p.id() == pepper_id)
            .ok_or_else(|| CredentialError::UnknownPepper(pepper_id.clone()))?;
        parsed
            .kdf
            .matches(&kdf_input(password.normalized(), Some(pepper)))
    }
}

/// The KDF input: the password, or HMAC-SHA256(pepper, password) when peppered.
fn kdf_input(password: &str, pepper: Option<&Pepper>) -> Vec<u8> {
    match pepper {
        Some(pepper) => pepper.mix(password.as_bytes()).as_ref().to_vec(),
        None => password.as_bytes().to_vec(),
    }
}

/// Whether a stored hash is at least as strong as the configured default.
fn meets_default(kdf: &Kdf, default: HashAlgorithm) -> bool {
    let (salt, output) = match kdf {
        Kdf::Argon2(hash) => (&hash.salt, &hash.hash),
        Kdf::Pbkdf2(hash) => (&hash.salt, &hash.hash),
    };
    let sizes_ok = salt.len() >= MIN_KEPT_SALT_BYTES && output.len() >= MIN_KEPT_OUTPUT_BYTES;
    let cost_ok = match (kdf, default) {
        (Kdf::Argon2(hash), HashAlgorithm::Argon2id { m_kib, t, p }) => {
            hash.algorithm == argon2::Algorithm::Argon2id
                && hash.version == argon2::Version::V0x13
                && hash.m_kib >= m_kib
                && hash.t >= t
                && hash.p >= p
        }
        (Kdf::Pbkdf2(hash), HashAlgorithm::Pbkdf2Sha512 { rounds }) => {
            hash.prf == Prf::Sha512 && hash.rounds.get() >= rounds
        }
        (Kdf::Argon2(_), HashAlgorithm::Pbkdf2Sha512 { .. })
        | (Kdf::Pbkdf2(_), HashAlgorithm::Argon2id { .. }) => false,
    };
    sizes_ok && cost_ok
}

/// A hash at `default` cost whose output is random bytes: verifying against it costs exactly
/// one derivation, and no password matches it (a 2^-256 chance).
fn unmatchable_kdf(default: HashAlgorithm) -> Result<Kdf, CredentialError> {
    let salt = random_bytes(SALT_BYTES);
    Ok(match default {
        HashAlgorithm::Argon2id { m_kib, t, p } => Kdf::Argon2(Argon2Hash {
            algorithm: argon2::Algorithm::Argon2id,
            version: argon2::Version::V0x13,
            m_kib,
            t,
            p,
            salt,
            hash: random_bytes(argon2_hash::OUTPUT_BYTES),
        }),
        HashAlgorithm::Pbkdf2Sha512 { rounds } => Kdf::Pbkdf2(Pbkdf2Hash::new(
            Prf::Sha512,
            rounds,
            salt,
            random_bytes(pbkdf2_hash::OUTPUT_BYTES),
        )?),
    })
}

/// Bytes from the thread-local CSPRNG (ChaCha, seeded from the OS).
pub(crate) fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_has_the_default_cost_and_current_pepper_and_runs_to_a_mismatch() {
        let cheap = HashAlgorithm::Argon2id {
            m_kib: 64,
            t: 1,
            p: 1,
        };
        let pepper = Pepper::new("k1", b"0123456789abcdef").unwrap();
        for (algorithm, peppers) in [
            (cheap, vec![pepper.clone()]),
            (cheap, Vec::new()),
            (HashAlgorithm::Pbkdf2Sha512 { rounds: 1000 }, vec![pepper]),
        ] {
            let hasher = Hasher::new(algorithm, peppers).unwrap();
            // Same shape as a fresh hash, so verifying it costs what a real verification does.
            let real =
                ParsedHash::parse(hasher.hash(&Password::new("pw").unwrap()).unwrap().as_str())
                    .unwrap();
            assert_eq!(hasher.dummy.pepper_id, real.pepper_id);
            assert!(meets_default(&hasher.dummy.kdf, algorithm));
            assert_eq!(
                hasher.dummy.to_stored().as_str().len(),
                real.to_stored().as_str().len()
            );
            // It runs the derivation to the end (no early error) and matches nothing.
            let typed = Password::new("\u{FB01}").unwrap();
            assert_eq!(hasher.verify_parsed(&typed, &hasher.dummy), Ok(false));
        }
    }
}

//! PBKDF2-HMAC-SHA256/SHA512 hashes in the PHC form of RustCrypto's `pbkdf2` crate
//! (`$pbkdf2-sha512$i=<rounds>,l=<output bytes>$<salt>$<hash>`), computed with aws-lc.

use std::num::NonZeroU32;

use aws_lc_rs::pbkdf2;
use subtle::ConstantTimeEq;

use crate::CredentialError;
use crate::limits::{check_pbkdf2_rounds, check_sizes};
use crate::phc::PhcString;

/// Output length of the PBKDF2-SHA512 hashes we make: one SHA-512 block, in bytes.
pub(crate) const OUTPUT_BYTES: usize = 64;

/// The HMAC inside PBKDF2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prf {
    Sha256,
    Sha512,
}

impl Prf {
    fn phc_id(self) -> &'static str {
        match self {
            Self::Sha256 => "pbkdf2-sha256",
            Self::Sha512 => "pbkdf2-sha512",
        }
    }

    fn aws_lc(self) -> pbkdf2::Algorithm {
        match self {
            Self::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            Self::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
        }
    }
}

/// A PBKDF2 hash with everything needed to recompute it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pbkdf2Hash {
    pub prf: Prf,
    pub rounds: NonZeroU32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl Pbkdf2Hash {
    /// PHC ids this module reads.
    pub const IDS: [&str; 2] = ["pbkdf2-sha256", "pbkdf2-sha512"];

    /// Checks rounds and sizes against the caps and builds the hash.
    pub fn new(
        prf: Prf,
        rounds: u32,
        salt: Vec<u8>,
        hash: Vec<u8>,
    ) -> Result<Self, CredentialError> {
        check_pbkdf2_rounds(rounds)?;
        check_sizes(&salt, &hash)?;
        let rounds =
            NonZeroU32::new(rounds).ok_or(CredentialError::OutOfRange("pbkdf2 iterations"))?;
        Ok(Self {
            prf,
            rounds,
            salt,
            hash,
        })
    }

    /// Reads a PHC string whose id is one of [`Self::IDS`]: `i` is required, `l` optional
    /// but, when present, must be the length of the hash.
    pub fn from_phc(phc: PhcString) -> Result<Self, CredentialError> {
        let prf = match phc.algorithm.as_str() {
            "pbkdf2-sha256" => Prf::Sha256,
            "pbkdf2-sha512" => Prf::Sha512,
            _ => return Err(CredentialError::UnreadableHash("not a pbkdf2 hash")),
        };
        if phc.version.is_some() || phc.unknown_param(&["i", "l"]).is_some() {
            return Err(CredentialError::UnreadableHash("unknown pbkdf2 parameter"));
        }
        let rounds = phc
            .decimal_param("i")?
            .ok_or(CredentialError::UnreadableHash("pbkdf2 needs i"))?;
        if let Some(length) = phc.decimal_param("l")?
            && usize::try_from(length).ok() != Some(phc.hash.len())
        {
            return Err(CredentialError::UnreadableHash("l is not the hash length"));
        }
        Self::new(prf, rounds, phc.salt, phc.hash)
    }

    /// A new PBKDF2-SHA512 hash of `input`.
    pub fn create(rounds: u32, salt: Vec<u8>, input: &[u8]) -> Result<Self, CredentialError> {
        let mut new = Self::new(Prf::Sha512, rounds, salt, vec![0; OUTPUT_BYTES])?;
        new.hash = new.derive(input);
        Ok(new)
    }

    /// Whether `input` hashes to the stored output; compared in constant time.
    pub fn matches(&self, input: &[u8]) -> bool {
        self.derive(input).ct_eq(&self.hash).into()
    }

    pub fn to_phc(&self) -> PhcString {
        PhcString {
            algorithm: self.prf.phc_id().to_owned(),
            version: None,
            params: vec![
                ("i".to_owned(), self.rounds.to_string()),
                ("l".to_owned(), self.hash.len().to_string()),
            ],
            salt: self.salt.clone(),
            hash: self.hash.clone(),
        }
    }

    fn derive(&self, input: &[u8]) -> Vec<u8> {
        // The output length is capped far below aws-lc's limit ((2^32 - 1) digest blocks).
        let mut out = vec![0; self.hash.len()];
        pbkdf2::derive(self.prf.aws_lc(), self.rounds, &self.salt, input, &mut out);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Pbkdf2Hash, CredentialError> {
        Pbkdf2Hash::from_phc(PhcString::parse(s)?)
    }

    // From Python: hashlib.pbkdf2_hmac("sha512", b"correct horse battery staple",
    // bytes(range(0x10, 0x20)), 1000, 64), salt and hash in unpadded standard base64.
    const SHA512_VECTOR: &str = "$pbkdf2-sha512$i=1000,l=64$EBESExQVFhcYGRobHB0eHw$xeAWlXA/EfX0Y8ZX8Y+T+OYQM1tHzdEqqF7KfPA5rQKsJemXZwjEFm0o+nsJuaEtHdYTz8+Aws29+avdGZOzjQ";
    // From Python: hashlib.pbkdf2_hmac("sha256", b"Tr0ub4dor&3", b"poort-pbkdf2-256", 2000, 32).
    const SHA256_VECTOR: &str = "$pbkdf2-sha256$i=2000,l=32$cG9vcnQtcGJrZGYyLTI1Ng$uE0m59OOFWicytZs9VdnUvLSH6cmagVfa9sjh7u/4IQ";

    #[test]
    fn verifies_python_hashlib_vectors() {
        let sha512 = parse(SHA512_VECTOR).unwrap();
        assert_eq!(sha512.prf, Prf::Sha512);
        assert!(sha512.matches(b"correct horse battery staple"));
        assert!(!sha512.matches(b"correct horse battery stapler"));
        assert_eq!(sha512.to_phc().to_string(), SHA512_VECTOR);

        let sha256 = parse(SHA256_VECTOR).unwrap();
        assert_eq!(sha256.prf, Prf::Sha256);
        assert!(sha256.matches(b"Tr0ub4dor&3"));
        assert!(!sha256.matches(b"Tr0ub4dor&4"));
    }

    #[test]
    fn made_hashes_round_trip_through_phc() {
        let made = Pbkdf2Hash::create(1000, b"0123456789abcdef".to_vec(), b"pw").unwrap();
        let text = made.to_phc().to_string();
        assert!(text.starts_with("$pbkdf2-sha512$i=1000,l=64$"), "{text}");
        assert_eq!(parse(&text).unwrap(), made);
        assert!(made.matches(b"pw"));
    }

    #[test]
    fn length_parameter_is_optional_but_must_match() {
        let without_l = SHA256_VECTOR.replace("i=2000,l=32", "i=2000");
        assert!(parse(&without_l).unwrap().matches(b"Tr0ub4dor&3"));
        let wrong_l = SHA256_VECTOR.replace("l=32", "l=64");
        assert!(parse(&wrong_l).is_err());
    }

    #[test]
    fn refuses_absurd_iteration_counts_without_running_them() {
        for rounds in ["0", "4294967295", "10000001"] {
            let s = SHA256_VECTOR.replace("i=2000", &format!("i={rounds}"));
            assert!(
                matches!(parse(&s), Err(CredentialError::OutOfRange(_))),
                "i={rounds}"
            );
        }
        let missing = SHA256_VECTOR.replace("i=2000,", "");
        assert!(matches!(
            parse(&missing),
            Err(CredentialError::UnreadableHash(_))
        ));
    }
}

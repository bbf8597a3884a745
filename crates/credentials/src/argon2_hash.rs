//! argon2 (id, i, d; versions 0x10 and 0x13) hashes: reading them from PHC strings, making
//! new argon2id ones, and checking a password against them.

use argon2::{Algorithm, Argon2, Params, Version};
use subtle::ConstantTimeEq;

use crate::CredentialError;
use crate::limits::{check_argon2_cost, check_sizes};
use crate::phc::PhcString;

/// Output length of the hashes we make, in bytes.
pub(crate) const OUTPUT_BYTES: usize = 32;

/// An argon2 hash with everything needed to recompute it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Argon2Hash {
    pub algorithm: Algorithm,
    pub version: Version,
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl Argon2Hash {
    /// PHC ids this module reads.
    pub const IDS: [&str; 3] = ["argon2id", "argon2i", "argon2d"];

    /// Reads a PHC string whose id is one of [`Self::IDS`], checking every cost against the caps.
    pub fn from_phc(phc: PhcString) -> Result<Self, CredentialError> {
        let algorithm = match phc.algorithm.as_str() {
            "argon2id" => Algorithm::Argon2id,
            "argon2i" => Algorithm::Argon2i,
            "argon2d" => Algorithm::Argon2d,
            _ => return Err(CredentialError::UnreadableHash("not an argon2 hash")),
        };
        // The reference implementation reads a missing version as 0x10 (hashes from before 1.3).
        let version = match phc.version {
            None | Some(0x10) => Version::V0x10,
            Some(0x13) => Version::V0x13,
            Some(other) => {
                return Err(CredentialError::Unsupported(format!(
                    "argon2 version {other}"
                )));
            }
        };
        if phc.param("keyid").is_some() || phc.param("data").is_some() {
            // keyid names a secret key and data is associated data, neither of which we hold.
            return Err(CredentialError::Unsupported(
                "argon2 keyid or data parameter".to_owned(),
            ));
        }
        if phc.unknown_param(&["m", "t", "p"]).is_some() {
            return Err(CredentialError::UnreadableHash("unknown argon2 parameter"));
        }
        let required = |name| {
            phc.decimal_param(name)?
                .ok_or(CredentialError::UnreadableHash("argon2 needs m, t and p"))
        };
        let (m_kib, t, p) = (required("m")?, required("t")?, required("p")?);
        check_argon2_cost(m_kib, t, p)?;
        check_sizes(&phc.salt, &phc.hash)?;
        Ok(Self {
            algorithm,
            version,
            m_kib,
            t,
            p,
            salt: phc.salt,
            hash: phc.hash,
        })
    }

    /// A new argon2id (0x13) hash of `input`.
    pub fn create(
        m_kib: u32,
        t: u32,
        p: u32,
        salt: Vec<u8>,
        input: &[u8],
    ) -> Result<Self, CredentialError> {
        let mut new = Self {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            m_kib,
            t,
            p,
            salt,
            hash: vec![0; OUTPUT_BYTES],
        };
        new.hash = new.derive(input)?;
        Ok(new)
    }

    /// Whether `input` hashes to the stored output; compared in constant time.
    pub fn matches(&self, input: &[u8]) -> Result<bool, CredentialError> {
        Ok(self.derive(input)?.ct_eq(&self.hash).into())
    }

    pub fn to_phc(&self) -> PhcString {
        let version = match self.version {
            Version::V0x10 => 0x10,
            Version::V0x13 => 0x13,
        };
        PhcString {
            algorithm: self.algorithm.as_str().to_owned(),
            version: Some(version),
            params: vec![
                ("m".to_owned(), self.m_kib.to_string()),
                ("t".to_owned(), self.t.to_string()),
                ("p".to_owned(), self.p.to_string()),
            ],
            salt: self.salt.clone(),
            hash: self.hash.clone(),
        }
    }

    fn derive(&self, input: &[u8]) -> Result<Vec<u8>, CredentialError> {
        let internal = |e: argon2::Error| CredentialError::Internal(e.to_string());
        let params =
            Params::new(self.m_kib, self.t, self.p, Some(self.hash.len())).map_err(internal)?;
        let mut out = vec![0; self.hash.len()];
        Argon2::new(self.algorithm, self.version, params)
            .hash_password_into(input, &self.salt, &mut out)
            .map_err(internal)?;
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Argon2Hash, CredentialError> {
        Argon2Hash::from_phc(PhcString::parse(s)?)
    }

    #[test]
    fn verifies_reference_vectors() {
        // Made by the argon2 reference implementation for "password" (argon2 crate's tests).
        for reference in [
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2i$v=19$m=65536,t=1,p=1$c29tZXNhbHQAAAAAAAAAAA$+r0d29hqEB0yasKr55ZgICsQGSkl0v0kgwhd+U3wyRo",
            "$argon2d$v=19$m=65536,t=2,p=1$YzI5dFpYTmhiSFFBQUFBQUFBQUFBQQ$Jxy74cswY2mq9y+u+iJcJy8EqOp4t/C7DWDzGwGB3IM",
        ] {
            let hash = parse(reference).unwrap();
            assert!(hash.matches(b"password").unwrap(), "{reference}");
            assert!(!hash.matches(b"passwore").unwrap(), "{reference}");
            assert_eq!(hash.to_phc().to_string(), reference);
        }
    }

    #[test]
    fn made_hashes_round_trip_through_phc() {
        let made = Argon2Hash::create(64, 1, 1, b"0123456789abcdef".to_vec(), b"pw").unwrap();
        let text = made.to_phc().to_string();
        assert!(text.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{text}");
        let read = parse(&text).unwrap();
        assert_eq!(read, made);
        assert!(read.matches(b"pw").unwrap());
    }

    #[test]
    fn missing_version_means_0x10() {
        let made = parse("$argon2i$m=64,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(made.version, Version::V0x10);
    }

    #[test]
    fn refuses_absurd_or_unknown_parameters() {
        let salt_hash = "c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        for (params, expected) in [
            ("v=19$m=4294967295,t=2,p=1", "out of range"),
            ("v=19$m=65536,t=4294967295,p=1", "out of range"),
            ("v=19$m=65536,t=0,p=1", "out of range"),
            ("v=19$m=65536,t=2,p=0", "out of range"),
            ("v=19$m=65536,t=2", "unreadable"),
            ("v=19$m=65536,t=2,p=1,x=1", "unreadable"),
            ("v=19$m=65536,t=2,p=1,keyid=8PDw8A", "unsupported"),
            ("v=42$m=65536,t=2,p=1", "unsupported"),
        ] {
            let err = parse(&format!("$argon2id${params}${salt_hash}")).unwrap_err();
            assert!(err.to_string().contains(expected), "{params}: {err}");
        }
        let short_output = parse("$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$AAAAAAAA");
        assert!(matches!(short_output, Err(CredentialError::OutOfRange(_))));
    }
}

//! The hashing algorithm and cost used for new hashes (the configured default).

use crate::CredentialError;
use crate::limits::{check_argon2_cost, check_pbkdf2_rounds};

/// Algorithm and cost for new password hashes. Stored hashes below it are rehashed on login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// argon2id (version 0x13) with memory in KiB, passes and lanes.
    Argon2id {
        /// Memory, in KiB.
        m_kib: u32,
        /// Passes over the memory.
        t: u32,
        /// Lanes (parallelism).
        p: u32,
    },
    /// PBKDF2-HMAC-SHA512.
    Pbkdf2Sha512 {
        /// Iterations.
        rounds: u32,
    },
}

impl Default for HashAlgorithm {
    /// argon2id with OWASP's first recommendation: m = 19 MiB, t = 2, p = 1.
    fn default() -> Self {
        Self::Argon2id {
            m_kib: 19 * 1024,
            t: 2,
            p: 1,
        }
    }
}

impl HashAlgorithm {
    /// PBKDF2-HMAC-SHA512 with OWASP's recommended 210,000 iterations.
    #[must_use]
    pub const fn pbkdf2_default() -> Self {
        Self::Pbkdf2Sha512 { rounds: 210_000 }
    }

    /// Checks the cost against [`crate::limits`] and the algorithm's own rules.
    ///
    /// # Errors
    /// [`CredentialError::OutOfRange`] naming the offending parameter.
    pub fn validate(&self) -> Result<(), CredentialError> {
        match *self {
            Self::Argon2id { m_kib, t, p } => check_argon2_cost(m_kib, t, p),
            Self::Pbkdf2Sha512 { rounds } => check_pbkdf2_rounds(rounds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_owasp() {
        assert_eq!(
            HashAlgorithm::default(),
            HashAlgorithm::Argon2id {
                m_kib: 19_456,
                t: 2,
                p: 1
            }
        );
        assert_eq!(
            HashAlgorithm::pbkdf2_default(),
            HashAlgorithm::Pbkdf2Sha512 { rounds: 210_000 }
        );
        assert!(HashAlgorithm::default().validate().is_ok());
        assert!(HashAlgorithm::pbkdf2_default().validate().is_ok());
    }

    #[test]
    fn absurd_settings_are_refused() {
        assert!(
            HashAlgorithm::Pbkdf2Sha512 { rounds: 0 }
                .validate()
                .is_err()
        );
        let huge = HashAlgorithm::Argon2id {
            m_kib: u32::MAX,
            t: 2,
            p: 1,
        };
        assert!(huge.validate().is_err());
    }
}

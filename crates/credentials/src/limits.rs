//! Caps on KDF parameters, for our own settings and for every hash we read.
//!
//! A stored or imported hash chooses its own cost; without caps, `m=4294967295` or
//! `i=4294967295` would make one verification allocate terabytes or run for hours.

/// Most PBKDF2 iterations we run (OWASP asks for 210,000 with SHA-512, 600,000 with SHA-256).
pub const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;
/// Most argon2 memory, in KiB: 1 GiB.
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;
/// Most argon2 work, as memory (KiB) × passes: four passes over 1 GiB.
pub const MAX_ARGON2_WORK: u64 = 4 * MAX_ARGON2_MEMORY_KIB as u64;
/// Most argon2 lanes (parallelism).
pub const MAX_ARGON2_LANES: u32 = 64;
/// Shortest salt we accept, in bytes (argon2's own minimum).
pub const MIN_SALT_BYTES: usize = 8;
/// Longest salt we accept, in bytes.
pub const MAX_SALT_BYTES: usize = 64;
/// Shortest hash output we accept, in bytes: shorter ones would make collisions practical.
pub const MIN_OUTPUT_BYTES: usize = 16;
/// Longest hash output we accept, in bytes.
pub const MAX_OUTPUT_BYTES: usize = 128;
/// Longest stored hash string we parse at all.
pub const MAX_HASH_STRING_CHARS: usize = 1024;

use crate::CredentialError;

/// Checks argon2 costs against the caps and against argon2's own rules.
pub(crate) fn check_argon2_cost(m_kib: u32, t: u32, p: u32) -> Result<(), CredentialError> {
    if m_kib > MAX_ARGON2_MEMORY_KIB {
        return Err(CredentialError::OutOfRange("argon2 memory above 1 GiB"));
    }
    if t == 0 || u64::from(m_kib) * u64::from(t) > MAX_ARGON2_WORK {
        return Err(CredentialError::OutOfRange("argon2 passes"));
    }
    if p == 0 || p > MAX_ARGON2_LANES {
        return Err(CredentialError::OutOfRange("argon2 parallelism"));
    }
    argon2::Params::new(m_kib, t, p, None)
        .map(|_| ())
        .map_err(|_| CredentialError::OutOfRange("argon2 memory below 8 KiB per lane"))
}

/// Checks a PBKDF2 iteration count against the caps.
pub(crate) fn check_pbkdf2_rounds(rounds: u32) -> Result<(), CredentialError> {
    if rounds == 0 || rounds > MAX_PBKDF2_ROUNDS {
        return Err(CredentialError::OutOfRange("pbkdf2 iterations"));
    }
    Ok(())
}

/// Checks salt and output lengths read from a stored hash.
pub(crate) fn check_sizes(salt: &[u8], output: &[u8]) -> Result<(), CredentialError> {
    if !(MIN_SALT_BYTES..=MAX_SALT_BYTES).contains(&salt.len()) {
        return Err(CredentialError::OutOfRange("salt length"));
    }
    if !(MIN_OUTPUT_BYTES..=MAX_OUTPUT_BYTES).contains(&output.len()) {
        return Err(CredentialError::OutOfRange("hash output length"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_costs_are_capped() {
        assert!(check_argon2_cost(19_456, 2, 1).is_ok());
        assert!(check_argon2_cost(MAX_ARGON2_MEMORY_KIB, 4, 1).is_ok());
        assert!(check_argon2_cost(MAX_ARGON2_MEMORY_KIB + 1, 1, 1).is_err());
        assert!(check_argon2_cost(u32::MAX, 1, 1).is_err());
        assert!(check_argon2_cost(19_456, 0, 1).is_err());
        assert!(check_argon2_cost(8, u32::MAX, 1).is_err());
        assert!(check_argon2_cost(19_456, 2, 0).is_err());
        assert!(check_argon2_cost(19_456, 2, MAX_ARGON2_LANES + 1).is_err());
        assert!(check_argon2_cost(8, 2, 2).is_err(), "needs 8 KiB per lane");
    }

    #[test]
    fn pbkdf2_rounds_are_capped() {
        assert!(check_pbkdf2_rounds(1).is_ok());
        assert!(check_pbkdf2_rounds(MAX_PBKDF2_ROUNDS).is_ok());
        assert!(check_pbkdf2_rounds(0).is_err());
        assert!(check_pbkdf2_rounds(MAX_PBKDF2_ROUNDS + 1).is_err());
        assert!(check_pbkdf2_rounds(u32::MAX).is_err());
    }
}

//! The shared TOTP seed: 160 random bits, redacted in `Debug` and wiped from memory on drop.

use std::fmt;

use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroize;

/// Seed length in bytes: 160 bits, the length RFC 4226 recommends.
const SECRET_LEN: usize = 20;

/// A TOTP seed. Store it encrypted (it must be read back to check codes); show it to the user
/// only during enrollment, as [`TotpSecret::to_base32`] or a QR code.
#[derive(Clone)]
pub struct TotpSecret {
    bytes: [u8; SECRET_LEN],
}

/// Bytes read back from storage were not a seed this crate made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a TOTP secret is {SECRET_LEN} bytes, got {actual}")]
pub struct TotpSecretLengthError {
    /// Length of the rejected input.
    pub actual: usize,
}

impl TotpSecret {
    /// A fresh seed from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_LEN];
        OsRng.fill_bytes(&mut bytes);
        Self { bytes }
    }

    /// Rebuilds a seed from its raw bytes (after decrypting it from storage).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TotpSecretLengthError> {
        let bytes: [u8; SECRET_LEN] = bytes.try_into().map_err(|_| TotpSecretLengthError {
            actual: bytes.len(),
        })?;
        Ok(Self { bytes })
    }

    /// The raw bytes, to encrypt for storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// RFC 4648 base32 without padding, the form users type into an authenticator app.
    pub fn to_base32(&self) -> String {
        totp_rs::Secret::from(self.bytes).to_base32()
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl Drop for TotpSecret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_160_bits_and_differ() {
        let first = TotpSecret::generate();
        let second = TotpSecret::generate();
        assert_eq!(first.as_bytes().len(), 20);
        assert_ne!(first.as_bytes(), second.as_bytes());
    }

    #[test]
    fn from_bytes_round_trips_and_rejects_other_lengths() {
        let secret = TotpSecret::generate();
        let restored = TotpSecret::from_bytes(secret.as_bytes()).unwrap();
        assert_eq!(restored.as_bytes(), secret.as_bytes());
        assert_eq!(
            TotpSecret::from_bytes(&[0u8; 16]).unwrap_err(),
            TotpSecretLengthError { actual: 16 }
        );
        assert!(TotpSecret::from_bytes(&[0u8; 21]).is_err());
    }

    #[test]
    fn base32_matches_rfc_4648() {
        // The RFC 6238 seed, in the base32 form authenticator apps print for it.
        let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn debug_does_not_show_the_bytes() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890").unwrap();
        let shown = format!("{secret:?}");
        assert_eq!(shown, "TotpSecret(<redacted>)");
        assert!(!shown.contains("GEZD"));
    }
}

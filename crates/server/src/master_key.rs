//! The master key: encrypts secrets we must read back (signing keys, later TOTP seeds) with
//! AES-256-GCM. Taken from configuration, or from a key file created once with mode 0600.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("the master key must be 32 bytes, given as 64 hex digits or base64")]
    BadFormat,
    #[error("cannot read or create the master key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "a secret could not be decrypted: the master key is not the one it was encrypted with (or the data is damaged)"
    )]
    WrongKey,
    #[error("encryption failed")]
    Crypto,
}

/// An AES-256-GCM key. Debug never shows it.
pub struct MasterKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MasterKeyError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| MasterKeyError::BadFormat)?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
        })
    }

    /// Parses 64 hex digits or base64 (standard or URL-safe) of exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Self, MasterKeyError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| MasterKeyError::BadFormat)?
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .map_err(|_| MasterKeyError::BadFormat)?
        };
        if bytes.len() != 32 {
            return Err(MasterKeyError::BadFormat);
        }
        Self::from_bytes(&bytes)
    }

    /// Reads the key file, creating it (mode 0600) with a fresh random key when absent.
    pub fn load_or_create_file(path: &Path) -> Result<Self, MasterKeyError> {
        let file_err = |source| MasterKeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .map_err(|_| MasterKeyError::Crypto)?;
                let encoded = STANDARD.encode(bytes);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(file_err)?;
                }
                let mut options = OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut file) => {
                        file.write_all(encoded.as_bytes()).map_err(file_err)?;
                        file.sync_all().map_err(file_err)?;
                        Self::from_bytes(&bytes)
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::parse(&std::fs::read_to_string(path).map_err(file_err)?)
                    }
                    Err(e) => Err(file_err(e)),
                }
            }
            Err(e) => Err(file_err(e)),
        }
    }

    /// nonce || ciphertext || tag. `context` is bound as associated data (e.g. the key id), so a
    /// ciphertext moved to another row does not decrypt.
    pub fn encrypt(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, MasterKeyError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| MasterKeyError::Crypto)?;
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut in_out,
            )
            .map_err(|_| MasterKeyError::Crypto)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&in_out);
        Ok(out)
    }

    pub fn decrypt(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, MasterKeyError> {
        if sealed.len() < NONCE_LEN {
            return Err(MasterKeyError::WrongKey);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| MasterKeyError::WrongKey)?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut in_out)
            .map_err(|_| MasterKeyError::WrongKey)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let a = MasterKey::parse(&"11".repeat(32)).unwrap();
        let b = MasterKey::parse(&"22".repeat(32)).unwrap();
        let sealed = a.encrypt(b"secret", b"kid-1").unwrap();
        assert_eq!(a.decrypt(&sealed, b"kid-1").unwrap(), b"secret");
        assert!(matches!(
            b.decrypt(&sealed, b"kid-1"),
            Err(MasterKeyError::WrongKey)
        ));
        assert!(matches!(
            a.decrypt(&sealed, b"kid-2"),
            Err(MasterKeyError::WrongKey)
        ));
        assert!(matches!(
            a.decrypt(b"short", b"kid-1"),
            Err(MasterKeyError::WrongKey)
        ));
    }

    #[test]
    fn parse_rejects_wrong_sizes() {
        assert!(MasterKey::parse("abcd").is_err());
        assert!(MasterKey::parse(&STANDARD.encode([7u8; 16])).is_err());
        assert!(MasterKey::parse(&STANDARD.encode([7u8; 32])).is_ok());
    }

    #[test]
    fn key_file_is_created_once_with_private_mode() {
        let dir = std::env::temp_dir().join(format!("poort-mk-{}", uuid::Uuid::new_v4()));
        let path = dir.join("master.key");
        let first = MasterKey::load_or_create_file(&path).unwrap();
        let sealed = first.encrypt(b"x", b"").unwrap();
        let second = MasterKey::load_or_create_file(&path).unwrap();
        assert_eq!(second.decrypt(&sealed, b"").unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}

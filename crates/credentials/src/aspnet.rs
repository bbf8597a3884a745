//! ASP.NET Core Identity v3 password hashes (`PasswordHasher<TUser>`, format marker 0x01):
//! base64 of `0x01 | prf u32be | iterations u32be | salt length u32be | salt | subkey`, where
//! prf 1 = HMACSHA256 and 2 = HMACSHA512, over the password's UTF-8 bytes. Read into the
//! equivalent PBKDF2 hash, which verifies exactly as ASP.NET does.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::CredentialError;
use crate::pbkdf2_hash::{Pbkdf2Hash, Prf};

/// Format marker of v3 hashes (v2 hashes start with 0x00).
const V3_MARKER: u8 = 0x01;
/// Marker, prf, iterations and salt length.
const HEADER_BYTES: usize = 13;
/// ASP.NET refuses salts and subkeys shorter than 128 bits; so do we.
const MIN_PART_BYTES: usize = 16;

const TOO_SHORT: CredentialError = CredentialError::UnreadableHash("ASP.NET hash too short");

/// Reads an ASP.NET Core Identity v3 hash.
pub(crate) fn decode_v3(s: &str) -> Result<Pbkdf2Hash, CredentialError> {
    let bytes = STANDARD
        .decode(s)
        .map_err(|_| CredentialError::UnreadableHash("neither a PHC string nor base64"))?;
    match bytes.first() {
        Some(&V3_MARKER) => {}
        Some(0x00) => {
            return Err(CredentialError::Unsupported(
                "ASP.NET Identity v2 hash".to_owned(),
            ));
        }
        Some(_) => {
            return Err(CredentialError::UnreadableHash(
                "not an ASP.NET Identity hash",
            ));
        }
        None => return Err(TOO_SHORT),
    }
    let prf = match read_u32(&bytes, 1)? {
        1 => Prf::Sha256,
        2 => Prf::Sha512,
        0 => {
            return Err(CredentialError::Unsupported(
                "ASP.NET Identity v3 hash with HMACSHA1".to_owned(),
            ));
        }
        _ => return Err(CredentialError::UnreadableHash("unknown ASP.NET PRF")),
    };
    let rounds = read_u32(&bytes, 5)?;
    let salt_len = usize::try_from(read_u32(&bytes, 9)?).map_err(|_| TOO_SHORT)?;
    let (salt, subkey) = bytes
        .get(HEADER_BYTES..)
        .and_then(|body| body.split_at_checked(salt_len))
        .ok_or(TOO_SHORT)?;
    if salt.len() < MIN_PART_BYTES || subkey.len() < MIN_PART_BYTES {
        return Err(CredentialError::OutOfRange(
            "ASP.NET salt or subkey shorter than 128 bits",
        ));
    }
    Pbkdf2Hash::new(prf, rounds, salt.to_vec(), subkey.to_vec())
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32, CredentialError> {
    bytes
        .get(at..at + 4)
        .and_then(|word| <[u8; 4]>::try_from(word).ok())
        .map(u32::from_be_bytes)
        .ok_or(TOO_SHORT)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Made by Python from the format above: PBKDF2-HMAC-SHA256, 10,000 rounds,
    // salt b"0123456789abcdef", password "hunter2", 32-byte subkey.
    const SHA256_HUNTER2: &str =
        "AQAAAAEAACcQAAAAEDAxMjM0NTY3ODlhYmNkZWZdXre5Eff7OTLw74Q+TGzX+D8REwcBGrO2j99GmC3YAw==";

    #[test]
    fn reads_the_header_into_pbkdf2_parameters() {
        let hash = decode_v3(SHA256_HUNTER2).unwrap();
        assert_eq!(hash.prf, Prf::Sha256);
        assert_eq!(hash.rounds.get(), 10_000);
        assert_eq!(hash.salt, b"0123456789abcdef");
        assert_eq!(hash.hash.len(), 32);
        assert!(hash.matches(b"hunter2"));
        assert!(!hash.matches(b"hunter3"));
    }

    fn encode(prf: u32, rounds: u32, salt_len: u32, tail: &[u8]) -> String {
        let mut bytes = vec![V3_MARKER];
        for word in [prf, rounds, salt_len] {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        bytes.extend_from_slice(tail);
        STANDARD.encode(bytes)
    }

    #[test]
    fn refuses_malformed_headers() {
        let body = [7u8; 48];
        for (input, why) in [
            (encode(1, 0, 16, &body), "zero rounds"),
            (encode(1, u32::MAX, 16, &body), "2^32-1 rounds"),
            (encode(3, 1000, 16, &body), "unknown prf"),
            (encode(0, 1000, 16, &body), "HMACSHA1"),
            (encode(1, 1000, 49, &body), "salt longer than the body"),
            (encode(1, u32::MAX, u32::MAX, &body), "huge salt length"),
            (encode(1, 1000, 40, &body), "subkey under 128 bits"),
            (encode(1, 1000, 8, &body), "salt under 128 bits"),
            (STANDARD.encode([V3_MARKER, 0, 0]), "truncated header"),
            (SHA256_HUNTER2[..41].to_owned(), "truncated base64"),
            (SHA256_HUNTER2[..40].to_owned(), "truncated subkey"),
            (String::new(), "empty"),
            ("AA==".to_owned(), "v2 marker"),
            ("garbage!".to_owned(), "not base64"),
        ] {
            assert!(decode_v3(&input).is_err(), "accepted {why}");
        }
    }
}

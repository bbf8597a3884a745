//! Validating password hashes imported from other systems (`poort user import`).

use crate::CredentialError;
use crate::stored::{PEPPER_PREFIX, ParsedHash, StoredHash};

/// Validates a hash from another system and returns the string to store for it.
///
/// Accepted: PHC argon2id/argon2i/argon2d, `$pbkdf2-sha512$` and `$pbkdf2-sha256$` (RustCrypto
/// form, `i=` and optional `l=`), and ASP.NET Core Identity v3 base64 hashes, which are stored
/// as the equivalent `$pbkdf2-sha256$`/`$pbkdf2-sha512$` string (same verification result).
/// Surrounding whitespace is ignored. Every cost is checked against [`crate::limits`].
///
/// # Errors
/// [`CredentialError::UnreadableHash`], [`CredentialError::Unsupported`] (e.g. bcrypt, ASP.NET
/// v2, or a Poort peppered hash, whose pepper an import cannot check) or
/// [`CredentialError::OutOfRange`].
pub fn parse_imported_hash(s: &str) -> Result<StoredHash, CredentialError> {
    let trimmed = s.trim();
    if trimmed.starts_with(PEPPER_PREFIX) {
        return Err(CredentialError::Unsupported(
            "peppered Poort hashes cannot be imported".to_owned(),
        ));
    }
    Ok(ParsedHash::parse(trimmed)?.to_stored())
}

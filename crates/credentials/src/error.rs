//! The one error type of this crate.

use thiserror::Error;

/// Why a credential operation failed. No variant carries a password or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredentialError {
    /// The password is longer than [`crate::MAX_PASSWORD_BYTES`] (before or after normalisation).
    #[error("password is longer than {} bytes", crate::MAX_PASSWORD_BYTES)]
    TooLong,
    /// The stored or imported string is not a hash in any format we read.
    #[error("unreadable password hash: {0}")]
    UnreadableHash(&'static str),
    /// A well-formed hash in a format or variant we do not verify (e.g. bcrypt, argon2 `keyid`).
    #[error("unsupported password hash: {0}")]
    Unsupported(String),
    /// A cost or size parameter outside [`crate::limits`] (e.g. 0 rounds or 2^32-1 rounds).
    #[error("password hash parameter out of range: {0}")]
    OutOfRange(&'static str),
    /// The hash names a pepper that is not configured, so it cannot be verified.
    #[error("password hash uses pepper {0:?}, which is not configured")]
    UnknownPepper(String),
    /// A pepper given to [`crate::Pepper::new`] or [`crate::Hasher::new`] is not usable.
    #[error("invalid pepper: {0}")]
    InvalidPepper(&'static str),
    /// The KDF library refused inputs we had already validated; a bug, not bad input.
    #[error("internal password hashing error: {0}")]
    Internal(String),
}

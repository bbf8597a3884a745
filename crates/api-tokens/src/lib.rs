//! API tokens: the `poort_pat_…` format, offline checks, digests for storage, and scopes.
//!
//! Pure: no I/O. A presented token is [`parse`]d (prefix, length, alphabet, CRC32 checksum)
//! before any lookup, then looked up by [`ApiToken::digest`]; only the digest and
//! [`ApiToken::hint`] are ever stored.

mod base62;
mod format;
mod lifetime;
mod parse;
mod scope;
mod token;

pub use format::{CHECKSUM_LEN, PREFIX, RANDOM_LEN, TOKEN_LEN};
pub use lifetime::parse_lifetime;
pub use parse::{TokenFormatError, looks_like_api_token, parse};
pub use scope::{TokenScope, UnknownScope};
pub use token::ApiToken;

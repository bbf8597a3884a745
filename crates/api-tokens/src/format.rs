//! The token layout: `poort_pat_` + 43 random base62 characters + 6-character base62 CRC32
//! of the random part.
//!
//! 43 independent uniform base62 characters carry 43 × log2(62) ≈ 256.03 bits. The fixed
//! prefix lets secret scanners match the pattern and lets the server route Bearer tokens; the
//! checksum catches typos and truncated pastes without a database lookup.

use crate::base62;

/// Every API token starts with this.
pub const PREFIX: &str = "poort_pat_";
/// Number of random base62 characters after the prefix.
pub const RANDOM_LEN: usize = 43;
/// Number of base62 characters of the CRC32 (62^6 > 2^32, so any CRC32 fits).
pub const CHECKSUM_LEN: usize = 6;
/// Total length of a token in bytes (all ASCII).
pub const TOKEN_LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;

/// The checksum characters of a random part.
pub(crate) fn checksum(random_part: &[u8]) -> [u8; CHECKSUM_LEN] {
    base62::encode_fixed::<CHECKSUM_LEN>(u64::from(crc32fast::hash(random_part)))
}

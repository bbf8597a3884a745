//! Offline validation of a presented token, run before any database lookup: cheap, allocation
//! free until it succeeds, and never panicking on any input.

use crate::base62;
use crate::format::{PREFIX, RANDOM_LEN, TOKEN_LEN};
use crate::token::ApiToken;

/// Why a string is not a well-formed API token. The messages never echo the input, which may
/// be a secret pasted in the wrong place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    #[error("not an API token: it must start with `poort_pat_`")]
    WrongPrefix,
    #[error("API token has {found} characters, expected {expected}: it may be truncated")]
    BadLength { expected: usize, found: usize },
    #[error("API token has an invalid character at position {position}")]
    BadCharacter { position: usize },
    #[error("API token checksum does not match: it was mistyped or altered")]
    BadChecksum,
}

/// Whether `s` claims to be an API token (by its prefix), to route a Bearer credential to
/// API-token validation rather than access-token validation. Says nothing about validity.
pub fn looks_like_api_token(s: &str) -> bool {
    s.starts_with(PREFIX)
}

/// Checks prefix, length, alphabet and checksum, in that order.
pub fn parse(s: &str) -> Result<ApiToken, TokenFormatError> {
    let body = s
        .strip_prefix(PREFIX)
        .ok_or(TokenFormatError::WrongPrefix)?
        .as_bytes();
    if s.len() != TOKEN_LEN {
        return Err(TokenFormatError::BadLength {
            expected: TOKEN_LEN,
            found: s.chars().count(),
        });
    }
    if let Some(offset) = body.iter().position(|&b| base62::digit_value(b).is_none()) {
        return Err(TokenFormatError::BadCharacter {
            position: PREFIX.len() + offset,
        });
    }
    let (random_part, checksum) = body.split_at(RANDOM_LEN);
    let expected = u64::from(crc32fast::hash(random_part));
    if base62::decode(checksum) != Some(expected) {
        return Err(TokenFormatError::BadChecksum);
    }
    Ok(ApiToken::from_validated(s.to_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::format::{CHECKSUM_LEN, checksum};

    /// A valid token built from a fixed random part, so failures are reproducible.
    fn token_with_random(random_part: &str) -> String {
        let sum = checksum(random_part.as_bytes());
        format!(
            "{PREFIX}{random_part}{}",
            String::from_utf8(sum.to_vec()).unwrap()
        )
    }

    const RANDOM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg";

    #[test]
    fn round_trip() {
        for _ in 0..100 {
            let token = ApiToken::generate();
            let parsed = parse(token.as_str()).unwrap();
            assert_eq!(parsed, token);
            assert_eq!(parsed.as_str(), token.as_str());
        }
        assert!(parse(&token_with_random(RANDOM)).is_ok());
    }

    #[test]
    fn wrong_prefix() {
        let valid = token_with_random(RANDOM);
        let renamed = valid.replacen("poort_pat_", "poort_pak_", 1);
        for bad in ["", "poort", "Poort_pat_", "ghp_abc", renamed.as_str()] {
            assert_eq!(
                parse(bad).unwrap_err(),
                TokenFormatError::WrongPrefix,
                "{bad}"
            );
        }
        assert_eq!(
            parse(&format!(" {valid}")).unwrap_err(),
            TokenFormatError::WrongPrefix
        );
    }

    #[test]
    fn bad_length_and_truncation() {
        let valid = token_with_random(RANDOM);
        for len in PREFIX.len()..valid.len() {
            let err = parse(&valid[..len]).unwrap_err();
            assert_eq!(
                err,
                TokenFormatError::BadLength {
                    expected: TOKEN_LEN,
                    found: len
                }
            );
        }
        let extended = format!("{valid}0");
        assert!(matches!(
            parse(&extended).unwrap_err(),
            TokenFormatError::BadLength { found: 60, .. }
        ));
        assert!(matches!(
            parse(&format!("{valid}\n")).unwrap_err(),
            TokenFormatError::BadLength { .. }
        ));
    }

    #[test]
    fn bad_character() {
        let valid = token_with_random(RANDOM);
        for position in [PREFIX.len(), PREFIX.len() + 20, TOKEN_LEN - 1] {
            for replacement in ["-", "_", "=", " ", "+"] {
                let mut bad = valid.clone();
                bad.replace_range(position..position + 1, replacement);
                assert_eq!(
                    parse(&bad).unwrap_err(),
                    TokenFormatError::BadCharacter { position }
                );
            }
        }
    }

    #[test]
    fn non_ascii_input_never_panics() {
        // `é` is two bytes: same byte length as a valid token, one char shorter.
        let valid = token_with_random(RANDOM);
        let mut bad = valid[..TOKEN_LEN - 2].to_owned();
        bad.push('é');
        assert_eq!(bad.len(), TOKEN_LEN);
        assert_eq!(
            parse(&bad).unwrap_err(),
            TokenFormatError::BadCharacter {
                position: TOKEN_LEN - 2
            }
        );
        assert!(parse(&format!("{PREFIX}{}", "é".repeat(24))).is_err());
    }

    #[test]
    fn checksum_catches_every_single_character_substitution() {
        for _ in 0..5 {
            let token = ApiToken::generate();
            let valid = token.as_str();
            for position in PREFIX.len()..TOKEN_LEN {
                let original = valid.as_bytes()[position];
                for &replacement in crate::base62::ALPHABET {
                    if replacement == original {
                        continue;
                    }
                    let mut bytes = valid.as_bytes().to_vec();
                    bytes[position] = replacement;
                    let tampered = String::from_utf8(bytes).unwrap();
                    assert_eq!(
                        parse(&tampered).unwrap_err(),
                        TokenFormatError::BadChecksum,
                        "substitution at {position} not caught"
                    );
                }
            }
        }
    }

    #[test]
    fn checksum_catches_swapped_neighbours() {
        let valid = token_with_random(RANDOM);
        // Only inside the random part: its characters are distinct, so every swap changes it.
        for position in PREFIX.len()..PREFIX.len() + RANDOM_LEN - 1 {
            let mut bytes = valid.as_bytes().to_vec();
            bytes.swap(position, position + 1);
            let swapped = String::from_utf8(bytes).unwrap();
            assert_eq!(parse(&swapped).unwrap_err(), TokenFormatError::BadChecksum);
        }
    }

    #[test]
    fn checksum_above_u32_range_is_refused() {
        let mut valid = token_with_random(RANDOM);
        valid.replace_range(TOKEN_LEN - CHECKSUM_LEN.., "zzzzzz");
        assert_eq!(parse(&valid).unwrap_err(), TokenFormatError::BadChecksum);
    }

    #[test]
    fn looks_like_checks_only_the_prefix() {
        assert!(looks_like_api_token("poort_pat_"));
        assert!(looks_like_api_token(ApiToken::generate().as_str()));
        assert!(!looks_like_api_token("eyJhbGciOiJFUzI1NiJ9.e30.sig"));
        assert!(!looks_like_api_token("POORT_PAT_x"));
    }

    #[test]
    fn errors_do_not_echo_the_input() {
        let valid = token_with_random(RANDOM);
        let mut tampered = valid.clone();
        tampered.replace_range(PREFIX.len()..PREFIX.len() + 1, "z");
        let message = parse(&tampered).unwrap_err().to_string();
        assert!(!message.contains(&tampered[PREFIX.len()..]));
    }
}

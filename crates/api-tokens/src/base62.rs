//! The base62 alphabet (`0-9A-Za-z`): URL-safe, no punctuation, so a double-click selects a
//! whole token.

pub(crate) const ALPHABET: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The digit value of a base62 character, or `None` for any other byte.
pub(crate) fn digit_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'Z' => Some(byte - b'A' + 10),
        b'a'..=b'z' => Some(byte - b'a' + 36),
        _ => None,
    }
}

/// `value` as exactly `N` base62 digits, most significant first, zero-padded.
/// Digits beyond `N` are dropped; callers choose `N` so that cannot happen.
pub(crate) fn encode_fixed<const N: usize>(mut value: u64) -> [u8; N] {
    let mut digits = [ALPHABET[0]; N];
    for digit in digits.iter_mut().rev() {
        // `value % 62` is below 62, so the index is always in range.
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    digits
}

/// The value of base62 digits, or `None` if a byte is not a base62 character.
/// At most 10 digits fit in a `u64`; callers pass fewer.
pub(crate) fn decode(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |value, &byte| {
        Some(value * 62 + u64::from(digit_value(byte)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_values_follow_the_alphabet() {
        for (index, &byte) in ALPHABET.iter().enumerate() {
            assert_eq!(digit_value(byte).map(usize::from), Some(index));
        }
        for byte in [b'-', b'_', b'+', b'/', b'=', b' ', 0, 0x80, 0xff] {
            assert_eq!(digit_value(byte), None);
        }
    }

    #[test]
    fn fixed_width_round_trip() {
        for value in [0, 1, 61, 62, 3_843, u64::from(u32::MAX)] {
            let digits = encode_fixed::<6>(value);
            assert_eq!(decode(&digits), Some(value));
        }
        assert_eq!(&encode_fixed::<6>(0), b"000000");
        assert_eq!(&encode_fixed::<6>(62), b"000010");
    }
}

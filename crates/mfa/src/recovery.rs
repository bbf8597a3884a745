//! Single-use recovery codes: generated once, shown once, stored only as SHA-256 digests.
//!
//! A code is 20 characters of Crockford's base32 (100 random bits) shown in four groups of
//! five, e.g. `7k2mq-x0c4d-9zfhw-3tnbp`. The alphabet has no `i`, `l`, `o` or `u`, and input is
//! forgiving: case, dashes and spaces are ignored, and `o`/`i`/`l` are read as `0`/`1`/`1`.

use std::collections::HashSet;
use std::fmt;

use aws_lc_rs::digest::{SHA256, digest};
use rand::RngCore;
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// How many codes a user gets at first enrollment and on each regeneration.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// Crockford's base32 alphabet, lower case: 32 symbols, so each carries 5 bits.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Symbols per code: 20 × 5 = 100 bits of entropy.
const CODE_LEN: usize = 20;
/// Symbols between dashes in the displayed form.
const GROUP_LEN: usize = 5;
/// Each symbol carries log2(32) = 5 bits; refuse to build if a code could carry fewer than 80.
const _: () = assert!(CODE_LEN * 5 >= 80);

/// One freshly generated recovery code. Show [`RecoveryCode::as_str`] to the user once and
/// store only [`RecoveryCode::digest`].
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode {
    /// The grouped display form, e.g. `7k2mq-x0c4d-9zfhw-3tnbp`.
    display: String,
}

impl RecoveryCode {
    fn generate() -> Self {
        let mut random = [0u8; CODE_LEN];
        OsRng.fill_bytes(&mut random);
        let mut display = String::with_capacity(CODE_LEN + CODE_LEN / GROUP_LEN);
        for (index, byte) in random.iter().enumerate() {
            if index > 0 && index % GROUP_LEN == 0 {
                display.push('-');
            }
            // 256 is a multiple of 32, so the low five bits are uniform.
            display.push(char::from(ALPHABET[usize::from(byte & 0x1f)]));
        }
        random.zeroize();
        Self { display }
    }

    /// The code as the user should see it: four dash-separated groups of five.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// Lower-case hex SHA-256 of the normalised code: the only form to store.
    pub fn digest(&self) -> String {
        digest_normalised(&compact(&self.display))
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

impl Drop for RecoveryCode {
    fn drop(&mut self) {
        self.display.zeroize();
    }
}

/// Generates `count` distinct codes (normally [`RECOVERY_CODE_COUNT`]).
pub fn generate_recovery_codes(count: usize) -> Vec<RecoveryCode> {
    let mut seen = HashSet::with_capacity(count);
    let mut codes = Vec::with_capacity(count);
    while codes.len() < count {
        let code = RecoveryCode::generate();
        // A repeat is astronomically unlikely (2^-100), but a set must never hold one twice.
        if seen.insert(code.digest()) {
            codes.push(code);
        }
    }
    codes
}

/// Brings typed input to the canonical 20-symbol form, or `None` if it cannot be a code.
///
/// Ignores case, dashes and whitespace; reads `o` as `0` and `i`/`l` as `1`.
pub fn normalise_recovery_code(input: &str) -> Option<String> {
    let mut normalised = String::with_capacity(CODE_LEN);
    for character in input.chars() {
        if character == '-' || character.is_whitespace() {
            continue;
        }
        let symbol = match character.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        };
        if !symbol.is_ascii() || !ALPHABET.contains(&(symbol as u8)) {
            return None;
        }
        normalised.push(symbol);
    }
    (normalised.len() == CODE_LEN).then_some(normalised)
}

/// The stored digest for typed input, or `None` if the input cannot be a code.
pub fn recovery_code_digest(input: &str) -> Option<String> {
    normalise_recovery_code(input).map(|normalised| digest_normalised(&normalised))
}

/// Finds which of the user's unused code digests `input` matches, by index.
///
/// Every entry is compared in constant time and the scan never stops early, so timing does
/// not reveal how close a guess came. Malformed input matches nothing.
pub fn find_recovery_code<D: AsRef<str>>(input: &str, stored_digests: &[D]) -> Option<usize> {
    let candidate = recovery_code_digest(input)?;
    let mut found = None;
    for (index, stored) in stored_digests.iter().enumerate() {
        let matches = bool::from(candidate.as_bytes().ct_eq(stored.as_ref().as_bytes()));
        if matches && found.is_none() {
            found = Some(index);
        }
    }
    found
}

/// The display form without its dashes (generated codes need no other normalising).
fn compact(display: &str) -> String {
    display.chars().filter(|&c| c != '-').collect()
}

fn digest_normalised(normalised: &str) -> String {
    hex::encode(digest(&SHA256, normalised.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_grouped_shape() {
        for code in generate_recovery_codes(RECOVERY_CODE_COUNT) {
            let text = code.as_str();
            let groups: Vec<&str> = text.split('-').collect();
            assert_eq!(groups.len(), 4, "{text}");
            for group in groups {
                assert_eq!(group.len(), 5, "{text}");
                assert!(group.bytes().all(|b| ALPHABET.contains(&b)), "{text}");
            }
        }
    }

    #[test]
    fn codes_are_unique() {
        let codes = generate_recovery_codes(200);
        assert_eq!(codes.len(), 200);
        let distinct: HashSet<&str> = codes.iter().map(RecoveryCode::as_str).collect();
        assert_eq!(distinct.len(), 200);
    }

    #[test]
    fn generation_uses_the_whole_alphabet() {
        // 2,000 symbols: the chance a given symbol never appears is (31/32)^2000 ≈ 1e-28.
        let codes = generate_recovery_codes(100);
        let used: HashSet<u8> = codes
            .iter()
            .flat_map(|code| {
                code.as_str()
                    .bytes()
                    .filter(|&b| b != b'-')
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(used.len(), 32);
    }

    #[test]
    fn normalising_tolerates_case_dashes_spaces_and_look_alikes() {
        let canonical = Some("7k2mq10c4d9zfhw3tnbp".to_owned());
        assert_eq!(
            normalise_recovery_code("7k2mq-10c4d-9zfhw-3tnbp"),
            canonical
        );
        assert_eq!(
            normalise_recovery_code("7K2MQ-10C4D-9ZFHW-3TNBP"),
            canonical
        );
        assert_eq!(
            normalise_recovery_code(" 7k2mq 10c4d\t9zfhw 3tnbp\n"),
            canonical
        );
        assert_eq!(normalise_recovery_code("7k2mqI0c4d9zfhw3tnbp"), canonical);
        assert_eq!(normalise_recovery_code("7k2mql0c4d9zfhw3tnbp"), canonical);
        assert_eq!(normalise_recovery_code("7k2mq1Oc4d9zfhw3tnbp"), canonical);
    }

    #[test]
    fn normalising_refuses_what_cannot_be_a_code() {
        for bad in [
            "",
            "7k2mq-10c4d-9zfhw-3tnb",
            "7k2mq-10c4d-9zfhw-3tnbpp",
            "7k2mq-10c4d-9zfhw-3tnbu",
            "7k2mq-10c4d-9zfhw-3tnb!",
            "7k2mq-10c4d-9zfhw-3tnbé",
        ] {
            assert_eq!(normalise_recovery_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn digest_is_sha256_hex_of_the_normalised_code() {
        // sha256("00000000000000000000"), computed with sha256sum.
        let expected = "a7d351f3de399c746064a53c69959ab10312a003ec63985bcd86fb6dc1c402d5";
        assert_eq!(
            recovery_code_digest("00000-00000-00000-00000").unwrap(),
            expected
        );
        assert_eq!(
            recovery_code_digest("OOOOO OOOOO OOOOO OOOOO").unwrap(),
            expected
        );
    }

    #[test]
    fn typed_input_matches_the_stored_digest() {
        let codes = generate_recovery_codes(RECOVERY_CODE_COUNT);
        let stored: Vec<String> = codes.iter().map(RecoveryCode::digest).collect();
        for (index, code) in codes.iter().enumerate() {
            let typed = format!("  {}  ", code.as_str().to_uppercase().replace('-', " "));
            assert_eq!(find_recovery_code(&typed, &stored), Some(index));
            assert_eq!(
                recovery_code_digest(&typed).as_deref(),
                Some(stored[index].as_str())
            );
        }
    }

    #[test]
    fn unknown_or_malformed_input_matches_nothing() {
        let codes = generate_recovery_codes(RECOVERY_CODE_COUNT);
        let stored: Vec<String> = codes.iter().map(RecoveryCode::digest).collect();
        let other = generate_recovery_codes(1);
        assert_eq!(find_recovery_code(other[0].as_str(), &stored), None);
        assert_eq!(find_recovery_code("not a code", &stored), None);
        assert_eq!(
            find_recovery_code(codes[0].as_str(), &Vec::<String>::new()),
            None
        );
    }

    #[test]
    fn debug_does_not_show_the_code() {
        let codes = generate_recovery_codes(1);
        let shown = format!("{codes:?}");
        assert!(!shown.contains(codes[0].as_str()));
        assert!(shown.contains("<redacted>"));
    }
}

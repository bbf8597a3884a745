//! Checking a submitted TOTP code: ±1 step of clock skew, replay refusal, constant-time compare.

use subtle::ConstantTimeEq;
use totp_rs::{Builder, Secret};

use super::{TOTP_DIGITS, TOTP_PERIOD_SECONDS, TotpSecret};

/// Steps either side of the current one that are still accepted (RFC 6238 §5.2 recommends 1).
const SKEW_STEPS: u64 = 1;

/// The outcome of checking one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpCheck {
    /// The code is right for `step` (unix time / 30). Store `step` as the factor's last used
    /// step and pass it back next time, so this code cannot be used again.
    Valid {
        /// The time step the code belongs to.
        step: u64,
    },
    /// Wrong, malformed, or outside the accepted window.
    Invalid,
    /// Right, but for a step at or before the last one used: a replayed code.
    Replayed,
}

/// Checks `code` against `secret` at `unix_time`.
///
/// `code` must be exactly six ASCII digits once surrounding whitespace is trimmed. Codes for
/// the current step and one step either side are accepted, except steps at or before
/// `last_used_step`. Every candidate step is computed and compared in constant time, so the
/// timing does not tell which step (if any) matched.
pub fn verify_totp(
    secret: &TotpSecret,
    code: &str,
    unix_time: u64,
    last_used_step: Option<u64>,
) -> TotpCheck {
    let code = code.trim();
    if code.len() != TOTP_DIGITS || !code.bytes().all(|byte| byte.is_ascii_digit()) {
        return TotpCheck::Invalid;
    }

    // The parameters are fixed and RFC-compliant, so the unchecked build cannot misbehave.
    let totp = Builder::new()
        .with_secret(Secret::from(secret.as_bytes().to_vec()))
        .build_noncompliant();

    let current_step = unix_time / TOTP_PERIOD_SECONDS;
    let first_step = current_step.saturating_sub(SKEW_STEPS);
    let last_step = current_step.saturating_add(SKEW_STEPS);

    let mut newest_fresh_match: Option<u64> = None;
    let mut any_match = false;
    for step in first_step..=last_step {
        let expected = totp
            .generate(step.saturating_mul(TOTP_PERIOD_SECONDS))
            .to_string();
        let matches: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        let fresh = last_used_step.is_none_or(|last_used| step > last_used);
        any_match |= matches;
        if matches && fresh {
            // Later steps overwrite earlier ones: if a code happens to be valid for two steps,
            // recording the newer one blocks replay of both.
            newest_fresh_match = Some(step);
        }
    }

    match (newest_fresh_match, any_match) {
        (Some(step), _) => TotpCheck::Valid { step },
        (None, true) => TotpCheck::Replayed,
        (None, false) => TotpCheck::Invalid,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use totp_rs::Algorithm;

    use super::*;

    /// The SHA-1 seed of RFC 6238 Appendix B.
    const RFC_SEED: &[u8] = b"12345678901234567890";

    /// RFC 6238 Appendix B, SHA-1 rows: (unix time, 8-digit TOTP).
    const RFC_VECTORS: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(RFC_SEED).unwrap()
    }

    /// Computes a code independently of `verify_totp`, as an authenticator app would.
    fn code_at(secret: &TotpSecret, unix_time: u64) -> String {
        Builder::new()
            .with_secret(secret.as_bytes().to_vec())
            .build()
            .unwrap()
            .generate(unix_time)
            .to_string()
    }

    #[test]
    fn totp_rs_reproduces_the_rfc_6238_eight_digit_vectors() {
        let totp = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(8)
            .with_secret(RFC_SEED.to_vec())
            .build()
            .unwrap();
        for (time, expected) in RFC_VECTORS {
            assert_eq!(totp.generate(time).to_string(), expected, "time {time}");
        }
    }

    #[test]
    fn six_digit_codes_of_the_rfc_vectors_verify() {
        // Truncating to 6 digits keeps the last 6 digits of the 8-digit value (mod 10^6).
        let secret = rfc_secret();
        for (time, expected) in RFC_VECTORS {
            let six_digits = &expected[2..];
            assert_eq!(
                verify_totp(&secret, six_digits, time, None),
                TotpCheck::Valid { step: time / 30 },
                "time {time}"
            );
        }
    }

    #[test]
    fn a_wrong_code_is_invalid() {
        let secret = rfc_secret();
        // "287082" is right at t=59; changing one digit must fail.
        assert_eq!(verify_totp(&secret, "287083", 59, None), TotpCheck::Invalid);
    }

    #[test]
    fn one_step_of_skew_is_accepted_either_way() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let step = now / 30;
        let previous = code_at(&secret, now - 30);
        let next = code_at(&secret, now + 30);
        assert_eq!(
            verify_totp(&secret, &previous, now, None),
            TotpCheck::Valid { step: step - 1 }
        );
        assert_eq!(
            verify_totp(&secret, &next, now, None),
            TotpCheck::Valid { step: step + 1 }
        );
    }

    #[test]
    fn two_steps_of_skew_are_refused() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let too_old = code_at(&secret, now - 60);
        let too_new = code_at(&secret, now + 60);
        // Guard against a chance collision with a code inside the window.
        for inside in [now - 30, now, now + 30] {
            assert_ne!(code_at(&secret, inside), too_old);
            assert_ne!(code_at(&secret, inside), too_new);
        }
        assert_eq!(
            verify_totp(&secret, &too_old, now, None),
            TotpCheck::Invalid
        );
        assert_eq!(
            verify_totp(&secret, &too_new, now, None),
            TotpCheck::Invalid
        );
    }

    #[test]
    fn a_code_cannot_be_used_twice() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let code = code_at(&secret, now);
        let TotpCheck::Valid { step } = verify_totp(&secret, &code, now, None) else {
            unreachable!("the current code must verify");
        };
        assert_eq!(
            verify_totp(&secret, &code, now, Some(step)),
            TotpCheck::Replayed
        );
        // Still refused 30 s later, while the code is inside the skew window.
        assert_eq!(
            verify_totp(&secret, &code, now + 30, Some(step)),
            TotpCheck::Replayed
        );
    }

    #[test]
    fn an_older_code_is_refused_after_a_newer_one() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let step = now / 30;
        let previous = code_at(&secret, now - 30);
        assert_eq!(
            verify_totp(&secret, &previous, now, Some(step)),
            TotpCheck::Replayed
        );
        let next = code_at(&secret, now + 30);
        assert_eq!(
            verify_totp(&secret, &next, now, Some(step)),
            TotpCheck::Valid { step: step + 1 }
        );
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let secret = rfc_secret();
        assert_eq!(
            verify_totp(&secret, " 287082\n", 59, None),
            TotpCheck::Valid { step: 1 }
        );
    }

    #[test]
    fn malformed_codes_are_invalid() {
        let secret = rfc_secret();
        for malformed in [
            "", "28708", "2870820", "94287082", "28 082", "+87082", "-87082", "28708a", "２87082",
            "287 082",
        ] {
            assert_eq!(
                verify_totp(&secret, malformed, 59, None),
                TotpCheck::Invalid,
                "{malformed:?}"
            );
        }
    }

    #[test]
    fn the_first_step_has_no_underflow() {
        let secret = rfc_secret();
        let code = code_at(&secret, 0);
        assert_eq!(
            verify_totp(&secret, &code, 0, None),
            TotpCheck::Valid { step: 0 }
        );
    }
}

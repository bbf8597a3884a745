//! The password policy value: rules, presets, and the checks that keep a configured policy sane.

use serde::{Deserialize, Serialize};

use crate::char_class::{CharClass, ClassRule};

/// Highest zxcvbn score.
pub const MAX_STRENGTH: u8 = 4;

/// A password policy: a plain value read from the global config or an organisation's settings.
///
/// Deserialising validates it (see [`PasswordPolicy::validate`]); fields left out take the
/// value of [`PasswordPolicy::default`] (the NIST preset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyFields")]
pub struct PasswordPolicy {
    /// Minimum length in Unicode scalar values (chars), not bytes.
    pub min_length: u32,
    /// Maximum length in chars; keeps hashing input bounded.
    pub max_length: u32,
    /// Required character classes.
    pub classes: ClassRule,
    /// Minimum zxcvbn score (0..=4); `None` skips the strength estimate.
    pub min_strength: Option<u8>,
    /// Refuse passwords on the common-password list.
    pub check_common: bool,
    /// Refuse passwords containing the user's email local part, name or organisation name.
    pub check_personal_info: bool,
    /// How many previous passwords (newest first, the current one included) may not be reused.
    pub history: u32,
    /// Days after a change when the password expires; `None` means never.
    pub max_age_days: Option<u32>,
    /// Days before expiry when the warning banner starts.
    pub warn_days: u32,
}

/// Generous enough for passphrases, small enough that 4-byte chars stay within what the
/// credentials crate hashes without truncation (1,024 bytes).
const PRESET_MAX_LENGTH: u32 = 128;
const PRESET_WARN_DAYS: u32 = 14;

impl PasswordPolicy {
    /// At least 10 characters with an upper, a lower, a digit and a special; last 5 not reused.
    pub fn strict() -> Self {
        PasswordPolicy {
            min_length: 10,
            max_length: PRESET_MAX_LENGTH,
            classes: ClassRule::AllOf(CharClass::ALL.into()),
            min_strength: None,
            check_common: true,
            check_personal_info: true,
            history: 5,
            max_age_days: None,
            warn_days: PRESET_WARN_DAYS,
        }
    }

    /// At least 8 characters with 3 of the 4 classes.
    pub fn balanced() -> Self {
        PasswordPolicy {
            min_length: 8,
            max_length: PRESET_MAX_LENGTH,
            classes: ClassRule::AtLeast(3),
            min_strength: None,
            check_common: true,
            check_personal_info: true,
            history: 0,
            max_age_days: None,
            warn_days: PRESET_WARN_DAYS,
        }
    }

    /// NIST 800-63B style: at least 12 characters, no class rules, zxcvbn score ≥ 3 and the
    /// common-password list instead; no forced expiry.
    pub fn nist() -> Self {
        PasswordPolicy {
            min_length: 12,
            max_length: PRESET_MAX_LENGTH,
            classes: ClassRule::None,
            min_strength: Some(3),
            check_common: true,
            check_personal_info: true,
            history: 0,
            max_age_days: None,
            warn_days: PRESET_WARN_DAYS,
        }
    }

    /// Refuses a policy no password could meet or that contradicts itself.
    pub fn validate(&self) -> Result<(), InvalidPolicy> {
        if self.min_length == 0 {
            return Err(InvalidPolicy::ZeroMinLength);
        }
        if self.min_length > self.max_length {
            return Err(InvalidPolicy::MinAboveMax {
                min: self.min_length,
                max: self.max_length,
            });
        }
        if let ClassRule::AtLeast(n) = self.classes
            && !(1..=4).contains(&n)
        {
            return Err(InvalidPolicy::ClassCount(n));
        }
        if let Some(score) = self.min_strength
            && score > MAX_STRENGTH
        {
            return Err(InvalidPolicy::Strength(score));
        }
        if self.max_age_days == Some(0) {
            return Err(InvalidPolicy::ZeroMaxAge);
        }
        Ok(())
    }
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy::nist()
    }
}

/// Why a configured password policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPolicy {
    #[error("min_length must be at least 1")]
    ZeroMinLength,
    #[error("min_length {min} is above max_length {max}")]
    MinAboveMax { min: u32, max: u32 },
    #[error("classes.at_least must be 1 to 4, not {0}")]
    ClassCount(u8),
    #[error("min_strength must be 0 to 4, not {0}")]
    Strength(u8),
    #[error("max_age_days must be at least 1 (leave it out for no expiry)")]
    ZeroMaxAge,
}

/// The deserialised shape before validation; missing fields come from the default policy.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PolicyFields {
    min_length: u32,
    max_length: u32,
    classes: ClassRule,
    min_strength: Option<u8>,
    check_common: bool,
    check_personal_info: bool,
    history: u32,
    max_age_days: Option<u32>,
    warn_days: u32,
}

impl Default for PolicyFields {
    fn default() -> Self {
        let p = PasswordPolicy::default();
        PolicyFields {
            min_length: p.min_length,
            max_length: p.max_length,
            classes: p.classes,
            min_strength: p.min_strength,
            check_common: p.check_common,
            check_personal_info: p.check_personal_info,
            history: p.history,
            max_age_days: p.max_age_days,
            warn_days: p.warn_days,
        }
    }
}

impl TryFrom<PolicyFields> for PasswordPolicy {
    type Error = InvalidPolicy;

    fn try_from(f: PolicyFields) -> Result<Self, Self::Error> {
        let policy = PasswordPolicy {
            min_length: f.min_length,
            max_length: f.max_length,
            classes: f.classes,
            min_strength: f.min_strength,
            check_common: f.check_common,
            check_personal_info: f.check_personal_info,
            history: f.history,
            max_age_days: f.max_age_days,
            warn_days: f.warn_days,
        };
        policy.validate()?;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_default_is_nist() {
        for preset in [
            PasswordPolicy::strict(),
            PasswordPolicy::balanced(),
            PasswordPolicy::nist(),
        ] {
            assert_eq!(preset.validate(), Ok(()));
        }
        assert_eq!(PasswordPolicy::default(), PasswordPolicy::nist());
    }

    #[test]
    fn serde_round_trip_keeps_every_field() -> Result<(), serde_json::Error> {
        let mut policy = PasswordPolicy::strict();
        policy.max_age_days = Some(90);
        policy.min_strength = Some(2);
        let json = serde_json::to_string(&policy)?;
        assert_eq!(serde_json::from_str::<PasswordPolicy>(&json)?, policy);
        Ok(())
    }

    #[test]
    fn missing_fields_take_nist_defaults() -> Result<(), serde_json::Error> {
        let policy: PasswordPolicy = serde_json::from_str(r#"{"min_length": 14}"#)?;
        assert_eq!(
            policy,
            PasswordPolicy {
                min_length: 14,
                ..PasswordPolicy::nist()
            }
        );
        Ok(())
    }

    #[test]
    fn deserialising_refuses_invalid_or_unknown_settings() {
        for bad in [
            r#"{"min_length": 0}"#,
            r#"{"min_length": 20, "max_length": 10}"#,
            r#"{"classes": {"at_least": 5}}"#,
            r#"{"classes": {"at_least": 0}}"#,
            r#"{"min_strength": 5}"#,
            r#"{"max_age_days": 0}"#,
            r#"{"min_lenght": 10}"#,
        ] {
            assert!(
                serde_json::from_str::<PasswordPolicy>(bad).is_err(),
                "accepted {bad}"
            );
        }
    }

    #[test]
    fn validate_names_the_problem() {
        let policy = PasswordPolicy {
            min_length: 20,
            max_length: 10,
            ..PasswordPolicy::nist()
        };
        assert_eq!(
            policy.validate(),
            Err(InvalidPolicy::MinAboveMax { min: 20, max: 10 })
        );
    }
}

//! The four character classes of composition rules and the rule that requires them.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One of the four classes composition rules count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    Upper,
    Lower,
    Digit,
    /// Everything that is not an upper- or lower-case letter or a digit: punctuation,
    /// symbols, spaces, and letters of scripts without case.
    Special,
}

impl CharClass {
    /// All four classes, in a fixed order.
    pub const ALL: [CharClass; 4] = [
        CharClass::Upper,
        CharClass::Lower,
        CharClass::Digit,
        CharClass::Special,
    ];

    /// The class of one character. Case follows Unicode, so `É` is upper and `ß` lower.
    pub fn of(c: char) -> CharClass {
        if c.is_uppercase() {
            CharClass::Upper
        } else if c.is_lowercase() {
            CharClass::Lower
        } else if c.is_numeric() {
            CharClass::Digit
        } else {
            CharClass::Special
        }
    }

    /// The stable name used in configuration and in violation parameters.
    pub fn code(self) -> &'static str {
        match self {
            CharClass::Upper => "upper",
            CharClass::Lower => "lower",
            CharClass::Digit => "digit",
            CharClass::Special => "special",
        }
    }

    /// The classes present in `password`.
    pub fn present_in(password: &str) -> BTreeSet<CharClass> {
        password.chars().map(CharClass::of).collect()
    }
}

/// Which character classes a password must contain.
///
/// In configuration: `"none"`, `{ all_of = ["upper", "digit"] }` or `{ at_least = 3 }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassRule {
    /// No class requirement (NIST 800-63B style: length and strength instead).
    None,
    /// Every listed class must be present.
    AllOf(BTreeSet<CharClass>),
    /// At least this many of the four classes must be present (1..=4).
    AtLeast(u8),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_ascii_and_unicode() {
        assert_eq!(CharClass::of('A'), CharClass::Upper);
        assert_eq!(CharClass::of('É'), CharClass::Upper);
        assert_eq!(CharClass::of('z'), CharClass::Lower);
        assert_eq!(CharClass::of('ß'), CharClass::Lower);
        assert_eq!(CharClass::of('7'), CharClass::Digit);
        assert_eq!(CharClass::of('!'), CharClass::Special);
        assert_eq!(CharClass::of(' '), CharClass::Special);
        assert_eq!(CharClass::of('中'), CharClass::Special);
    }

    #[test]
    fn present_in_collects_each_class_once() {
        let found = CharClass::present_in("aaBB11");
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec![CharClass::Upper, CharClass::Lower, CharClass::Digit]
        );
    }

    #[test]
    fn rule_serde_shapes() -> Result<(), serde_json::Error> {
        let none: ClassRule = serde_json::from_str(r#""none""#)?;
        assert_eq!(none, ClassRule::None);
        let all: ClassRule = serde_json::from_str(r#"{"all_of":["upper","special"]}"#)?;
        assert_eq!(
            all,
            ClassRule::AllOf([CharClass::Upper, CharClass::Special].into())
        );
        let some: ClassRule = serde_json::from_str(r#"{"at_least":3}"#)?;
        assert_eq!(some, ClassRule::AtLeast(3));
        assert!(serde_json::from_str::<ClassRule>(r#"{"all_of":["emoji"]}"#).is_err());
        Ok(())
    }
}

//! Why a password was refused: structured reasons with stable codes that the pages translate.

use serde::{Deserialize, Serialize};

use crate::char_class::CharClass;

/// One rule a password failed. Serialises as `{"code": "too_short", "min": 12}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Violation {
    /// Fewer chars than the minimum.
    TooShort { min: u32 },
    /// More chars than the maximum.
    TooLong { max: u32 },
    /// A class required by an "all of" rule is absent.
    MissingClass { class: CharClass },
    /// An "N of 4" rule is not met.
    TooFewClasses { required: u8, found: u8 },
    /// The zxcvbn score is below the minimum.
    TooWeak { score: u8, required: u8 },
    /// The password is on the common-password list.
    Common,
    /// The password contains the user's own details.
    ContainsPersonalInfo { field: PersonalField },
    /// The password is one of the user's previous passwords.
    Reused,
}

/// Which of the user's details a password contained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalField {
    Email,
    Name,
    Organisation,
    /// A word the caller added to the context, such as the site's name.
    Other,
}

impl PersonalField {
    /// Stable name for translations.
    pub fn code(self) -> &'static str {
        match self {
            PersonalField::Email => "email",
            PersonalField::Name => "name",
            PersonalField::Organisation => "organisation",
            PersonalField::Other => "other",
        }
    }
}

impl Violation {
    /// Stable identifier of the rule, the key for its translation.
    pub fn code(&self) -> &'static str {
        match self {
            Violation::TooShort { .. } => "too_short",
            Violation::TooLong { .. } => "too_long",
            Violation::MissingClass { .. } => "missing_class",
            Violation::TooFewClasses { .. } => "too_few_classes",
            Violation::TooWeak { .. } => "too_weak",
            Violation::Common => "common",
            Violation::ContainsPersonalInfo { .. } => "contains_personal_info",
            Violation::Reused => "reused",
        }
    }

    /// Named parameters for the translated message, e.g. `[("min", "12")]`.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Violation::TooShort { min } => vec![("min", min.to_string())],
            Violation::TooLong { max } => vec![("max", max.to_string())],
            Violation::MissingClass { class } => vec![("class", class.code().to_owned())],
            Violation::TooFewClasses { required, found } => vec![
                ("required", required.to_string()),
                ("found", found.to_string()),
            ],
            Violation::TooWeak { score, required } => vec![
                ("score", score.to_string()),
                ("required", required.to_string()),
            ],
            Violation::ContainsPersonalInfo { field } => vec![("field", field.code().to_owned())],
            Violation::Common | Violation::Reused => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_of_each() -> Vec<Violation> {
        vec![
            Violation::TooShort { min: 12 },
            Violation::TooLong { max: 128 },
            Violation::MissingClass {
                class: CharClass::Special,
            },
            Violation::TooFewClasses {
                required: 3,
                found: 2,
            },
            Violation::TooWeak {
                score: 1,
                required: 3,
            },
            Violation::Common,
            Violation::ContainsPersonalInfo {
                field: PersonalField::Name,
            },
            Violation::Reused,
        ]
    }

    #[test]
    fn serialised_code_matches_code_and_params() -> Result<(), serde_json::Error> {
        for violation in one_of_each() {
            let json = serde_json::to_value(&violation)?;
            assert_eq!(json["code"], violation.code());
            for (name, value) in violation.params() {
                let field = &json[name];
                let text = field
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| field.to_string());
                assert_eq!(text, value, "{name} of {}", violation.code());
            }
            assert_eq!(serde_json::from_value::<Violation>(json)?, violation);
        }
        Ok(())
    }

    #[test]
    fn wire_shape_is_flat() -> Result<(), serde_json::Error> {
        let json = serde_json::to_string(&Violation::TooShort { min: 12 })?;
        assert_eq!(json, r#"{"code":"too_short","min":12}"#);
        let json = serde_json::to_string(&Violation::MissingClass {
            class: CharClass::Digit,
        })?;
        assert_eq!(json, r#"{"code":"missing_class","class":"digit"}"#);
        Ok(())
    }
}

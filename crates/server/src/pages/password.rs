//! The password pages (change on the account page, renewal at login) and the English text of
//! password rules: every `Violation` is worded here and only here, so translations (the i18n
//! issue) replace one function.

use askama::Template;
use poort_policy::{CharClass, ClassRule, PasswordPolicy, PersonalField, Violation};

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub title: &'static str,
    pub lead: String,
    /// The expiry warning banner.
    pub notice: Option<String>,
    /// Why the last attempt was refused: one entry per failed rule.
    pub errors: Vec<String>,
    pub requirements: Vec<String>,
    pub csrf: String,
    /// Where the form posts.
    pub action: &'static str,
    pub tx: String,
    /// The account page asks for the current password; the renewal step does not.
    pub ask_current: bool,
    /// For password managers: the account the new password belongs to.
    pub email: String,
    /// "Not now": where to go without changing (the account page only).
    pub skip: Option<String>,
}

/// One refused rule, in English.
pub fn describe(violation: &Violation) -> String {
    match violation {
        Violation::TooShort { min } => format!("Use at least {min} characters."),
        Violation::TooLong { max } => format!("Use at most {max} characters."),
        Violation::MissingClass { class } => format!("Include {}.", class_name(*class)),
        Violation::TooFewClasses { required, found } => format!(
            "Use at least {required} of these kinds of characters: upper-case letters, \
             lower-case letters, digits and special characters (this password has {found})."
        ),
        Violation::TooWeak { .. } => {
            "This password is too easy to guess. Make it longer or add unrelated words.".into()
        }
        Violation::Common => "This password is on a list of commonly used passwords.".into(),
        Violation::ContainsPersonalInfo { field } => format!(
            "Do not use {} in your password.",
            match field {
                PersonalField::Email => "your email address",
                PersonalField::Name => "your name",
                PersonalField::Organisation => "your organisation's name",
                PersonalField::Other => "the name of this site",
            }
        ),
        Violation::Reused => {
            "You have used this password before. Choose one you have not used recently.".into()
        }
    }
}

fn class_name(class: CharClass) -> &'static str {
    match class {
        CharClass::Upper => "an upper-case letter",
        CharClass::Lower => "a lower-case letter",
        CharClass::Digit => "a digit",
        CharClass::Special => "a special character, such as ! or #",
    }
}

/// The policy as a short list of requirements shown above the form.
pub fn requirements(policy: &PasswordPolicy) -> Vec<String> {
    let mut list = vec![format!("At least {} characters", policy.min_length)];
    match &policy.classes {
        ClassRule::None => {}
        ClassRule::AllOf(classes) => {
            let names: Vec<&str> = classes.iter().map(|c| class_name(*c)).collect();
            list.push(format!("With {}", names.join(", ")));
        }
        ClassRule::AtLeast(n) => list.push(format!(
            "With at least {n} of: upper-case letters, lower-case letters, digits, special characters"
        )),
    }
    if policy.min_strength.is_some() {
        list.push("Hard to guess: not a word with a number added".into());
    }
    if policy.check_common {
        list.push("Not a commonly used password".into());
    }
    if policy.check_personal_info {
        list.push("Not containing your name or email address".into());
    }
    if policy.history > 1 {
        list.push(format!("Not one of your last {} passwords", policy.history));
    } else if policy.history == 1 {
        list.push("Not your current password".into());
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_violation_has_its_own_sentence_with_its_numbers() {
        let all = [
            Violation::TooShort { min: 12 },
            Violation::TooLong { max: 128 },
            Violation::MissingClass {
                class: CharClass::Digit,
            },
            Violation::TooFewClasses {
                required: 3,
                found: 1,
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
        ];
        let texts: Vec<String> = all.iter().map(describe).collect();
        assert!(texts[0].contains("12") && texts[1].contains("128"));
        assert!(texts[2].contains("digit") && texts[3].contains('3'));
        let mut unique = texts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), texts.len());
    }

    #[test]
    fn requirements_follow_the_policy() {
        let strict = requirements(&PasswordPolicy::strict());
        assert!(strict[0].contains("10"));
        assert!(strict.iter().any(|r| r.contains("a digit")));
        assert!(strict.iter().any(|r| r.contains("last 5")));
        let nist = requirements(&PasswordPolicy::nist());
        assert!(nist.iter().any(|r| r.contains("Hard to guess")));
        assert!(!nist.iter().any(|r| r.contains("upper-case")));
    }
}

//! The password pages (change on the account page, renewal at login) and the words of the
//! password rules: every `Violation` is worded here and only here, from the catalogs
//! (`password.rule.*`), in the request's language.

use askama::Template;
use poort_policy::{CharClass, ClassRule, PasswordPolicy, PersonalField, Violation};

use crate::i18n::{Locale, Tr};

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub t: Tr,
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

/// One refused rule, in English (the CLI's language).
pub fn describe(violation: &Violation) -> String {
    describe_in(Tr::new(Locale::En), violation)
}

/// One refused rule, in the language of `t`.
pub fn describe_in(t: Tr, violation: &Violation) -> String {
    match violation {
        Violation::TooShort { min } => {
            t.fmt("password.rule.too_short", &[("min", &min.to_string())])
        }
        Violation::TooLong { max } => t.fmt("password.rule.too_long", &[("max", &max.to_string())]),
        Violation::MissingClass { class } => t.fmt(
            "password.rule.missing_class",
            &[("class", class_name(t, *class))],
        ),
        Violation::TooFewClasses { required, found } => t.fmt(
            "password.rule.too_few_classes",
            &[
                ("required", &required.to_string()),
                ("found", &found.to_string()),
            ],
        ),
        Violation::TooWeak { .. } => t.get("password.rule.too_weak").into(),
        Violation::Common => t.get("password.rule.common").into(),
        Violation::ContainsPersonalInfo { field } => t
            .get(match field {
                PersonalField::Email => "password.rule.personal_email",
                PersonalField::Name => "password.rule.personal_name",
                PersonalField::Organisation => "password.rule.personal_organisation",
                PersonalField::Other => "password.rule.personal_other",
            })
            .into(),
        Violation::Reused => t.get("password.rule.reused").into(),
    }
}

fn class_name(t: Tr, class: CharClass) -> &'static str {
    t.get(match class {
        CharClass::Upper => "password.class.upper",
        CharClass::Lower => "password.class.lower",
        CharClass::Digit => "password.class.digit",
        CharClass::Special => "password.class.special",
    })
}

/// The policy as a short list of requirements shown above the form, in English.
pub fn requirements(policy: &PasswordPolicy) -> Vec<String> {
    requirements_in(Tr::new(Locale::En), policy)
}

/// The policy as a short list of requirements, in the language of `t`.
pub fn requirements_in(t: Tr, policy: &PasswordPolicy) -> Vec<String> {
    let mut list = vec![t.fmt(
        "password.requirement.min_length",
        &[("min", &policy.min_length.to_string())],
    )];
    match &policy.classes {
        ClassRule::None => {}
        ClassRule::AllOf(classes) => {
            let names: Vec<&str> = classes.iter().map(|c| class_name(t, *c)).collect();
            list.push(t.fmt(
                "password.requirement.all_of",
                &[("classes", &names.join(", "))],
            ));
        }
        ClassRule::AtLeast(n) => {
            list.push(t.fmt("password.requirement.at_least", &[("n", &n.to_string())]))
        }
    }
    if policy.min_strength.is_some() {
        list.push(t.get("password.requirement.strength").into());
    }
    if policy.check_common {
        list.push(t.get("password.requirement.common").into());
    }
    if policy.check_personal_info {
        list.push(t.get("password.requirement.personal").into());
    }
    if policy.history > 1 {
        list.push(t.fmt(
            "password.requirement.history_many",
            &[("n", &policy.history.to_string())],
        ));
    } else if policy.history == 1 {
        list.push(t.get("password.requirement.history_one").into());
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

    #[test]
    fn rules_are_worded_in_the_requested_language() {
        let short = Violation::TooShort { min: 12 };
        let nl = describe_in(Tr::new(Locale::Nl), &short);
        let fr = describe_in(Tr::new(Locale::Fr), &short);
        assert!(nl.contains("12") && nl.contains("tekens"), "{nl}");
        assert!(fr.contains("12") && fr.contains("caractères"), "{fr}");
        let digit = Violation::MissingClass {
            class: CharClass::Digit,
        };
        assert!(describe_in(Tr::new(Locale::Nl), &digit).contains("cijfer"));
        let strict = requirements_in(Tr::new(Locale::Fr), &PasswordPolicy::strict());
        assert!(
            strict.iter().any(|r| r.contains("5 derniers")),
            "{strict:?}"
        );
    }
}

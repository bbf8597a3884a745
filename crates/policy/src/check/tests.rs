//! Every rule and preset, with passing and failing passwords.

use std::collections::BTreeSet;

use super::*;
use crate::violation::PersonalField;

fn no_context() -> PolicyContext<'static> {
    PolicyContext::default()
}

fn anna() -> PolicyContext<'static> {
    PolicyContext {
        email: Some("anna.devries@acme.example"),
        name: Some("Anna de Vries"),
        org_name: Some("Acme Widgets"),
        extra: &[],
    }
}

/// Only the length rule, so other rules don't interfere.
fn length_only(min_length: u32, max_length: u32) -> PasswordPolicy {
    PasswordPolicy {
        min_length,
        max_length,
        classes: ClassRule::None,
        min_strength: None,
        check_common: false,
        check_personal_info: false,
        ..PasswordPolicy::nist()
    }
}

fn run(policy: &PasswordPolicy, password: &str, context: &PolicyContext) -> Vec<Violation> {
    match check(policy, &CommonList::builtin(), password, context) {
        Ok(()) => Vec::new(),
        Err(violations) => violations,
    }
}

#[test]
fn strict_preset() {
    let strict = PasswordPolicy::strict();
    assert_eq!(run(&strict, "Kx9!mPq2wLz", &no_context()), vec![]);
    assert_eq!(
        run(&strict, "Kx9!mPq2w", &no_context()),
        vec![Violation::TooShort { min: 10 }]
    );
    assert_eq!(
        run(&strict, "zeilboot-harlingen", &no_context()),
        vec![
            Violation::MissingClass {
                class: CharClass::Upper
            },
            Violation::MissingClass {
                class: CharClass::Digit
            },
        ]
    );
    assert_eq!(
        run(&strict, "P@ssw0rd123", &no_context()),
        vec![Violation::Common]
    );
}

#[test]
fn balanced_preset() {
    let balanced = PasswordPolicy::balanced();
    assert_eq!(run(&balanced, "Zeilboot42", &no_context()), vec![]);
    assert_eq!(run(&balanced, "zeil!boot42", &no_context()), vec![]);
    assert_eq!(
        run(&balanced, "zeilboot42", &no_context()),
        vec![Violation::TooFewClasses {
            required: 3,
            found: 2
        }]
    );
    assert_eq!(
        run(&balanced, "Zeil42!", &no_context()),
        vec![Violation::TooShort { min: 8 }]
    );
    assert_eq!(
        run(&balanced, "Password1", &no_context()),
        vec![Violation::Common]
    );
}

#[test]
fn nist_preset() {
    let nist = PasswordPolicy::nist();
    assert_eq!(
        run(&nist, "correct horse battery staple", &no_context()),
        vec![]
    );
    assert_eq!(run(&nist, "zeilboot harlingen", &no_context()), vec![]);
    // No class rules: lower case only is fine when long and strong.
    assert_eq!(run(&nist, "tulpenzeilbootkaas", &no_context()), vec![]);
    assert_eq!(
        run(&nist, "qwertyuiop123", &no_context()),
        vec![
            Violation::TooWeak {
                score: 1,
                required: 3
            },
            Violation::Common
        ]
    );
    assert_eq!(
        run(&nist, "Zeilboot42", &no_context()),
        vec![Violation::TooShort { min: 12 }]
    );
}

#[test]
fn all_failures_are_reported_together_in_order() {
    let policy = PasswordPolicy {
        min_length: 10,
        classes: ClassRule::AllOf(CharClass::ALL.into()),
        min_strength: Some(3),
        ..PasswordPolicy::nist()
    };
    let common = CommonList::builtin().with_extra(["anna"]);
    let result = check(&policy, &common, "anna", &anna());
    assert_eq!(
        result,
        Err(vec![
            Violation::TooShort { min: 10 },
            Violation::MissingClass {
                class: CharClass::Upper
            },
            Violation::MissingClass {
                class: CharClass::Digit
            },
            Violation::MissingClass {
                class: CharClass::Special
            },
            Violation::TooWeak {
                score: 0,
                required: 3
            },
            Violation::Common,
            Violation::ContainsPersonalInfo {
                field: PersonalField::Email
            },
            Violation::ContainsPersonalInfo {
                field: PersonalField::Name
            },
        ])
    );
}

#[test]
fn length_bounds_are_inclusive() {
    let policy = length_only(4, 6);
    assert_eq!(
        run(&policy, "abc", &no_context()),
        vec![Violation::TooShort { min: 4 }]
    );
    assert_eq!(run(&policy, "abcd", &no_context()), vec![]);
    assert_eq!(run(&policy, "abcdef", &no_context()), vec![]);
    assert_eq!(
        run(&policy, "abcdefg", &no_context()),
        vec![Violation::TooLong { max: 6 }]
    );
    assert_eq!(
        run(&policy, "", &no_context()),
        vec![Violation::TooShort { min: 4 }]
    );
}

#[test]
fn length_counts_chars_not_bytes() {
    let policy = length_only(10, 12);
    // 9 chars, 18 bytes: too short although the byte count is above 10.
    assert_eq!(
        run(&policy, "ééééééééé", &no_context()),
        vec![Violation::TooShort { min: 10 }]
    );
    assert_eq!(run(&policy, "éééééééééé", &no_context()), vec![]);
    // 12 chars, 48 bytes: within the maximum of 12.
    assert_eq!(run(&policy, &"🔑".repeat(12), &no_context()), vec![]);
    assert_eq!(
        run(&policy, &"🔑".repeat(13), &no_context()),
        vec![Violation::TooLong { max: 12 }]
    );
}

#[test]
fn all_of_rule_reports_each_missing_class() {
    let policy = PasswordPolicy {
        classes: ClassRule::AllOf(BTreeSet::from([CharClass::Digit, CharClass::Special])),
        ..length_only(1, 64)
    };
    assert_eq!(run(&policy, "a1!", &no_context()), vec![]);
    assert_eq!(
        run(&policy, "ABC", &no_context()),
        vec![
            Violation::MissingClass {
                class: CharClass::Digit
            },
            Violation::MissingClass {
                class: CharClass::Special
            },
        ]
    );
    // Unicode letters count by their case; a space is special.
    let all_four = PasswordPolicy {
        classes: ClassRule::AllOf(CharClass::ALL.into()),
        ..length_only(1, 64)
    };
    assert_eq!(run(&all_four, "Éß7 ", &no_context()), vec![]);
}

#[test]
fn at_least_rule_counts_distinct_classes() {
    let policy = |n| PasswordPolicy {
        classes: ClassRule::AtLeast(n),
        ..length_only(1, 64)
    };
    assert_eq!(run(&policy(1), "aaaa", &no_context()), vec![]);
    assert_eq!(run(&policy(4), "aA1!", &no_context()), vec![]);
    assert_eq!(
        run(&policy(4), "aA1", &no_context()),
        vec![Violation::TooFewClasses {
            required: 4,
            found: 3
        }]
    );
    assert_eq!(
        run(&policy(2), "", &no_context()),
        vec![
            Violation::TooShort { min: 1 },
            Violation::TooFewClasses {
                required: 2,
                found: 0
            },
        ]
    );
}

#[test]
fn strength_minimum_is_configurable_and_uses_the_context() {
    let policy = |min_strength| PasswordPolicy {
        min_strength,
        ..length_only(1, 64)
    };
    assert_eq!(run(&policy(None), "aaaa", &no_context()), vec![]);
    assert_eq!(run(&policy(Some(0)), "aaaa", &no_context()), vec![]);
    assert_eq!(
        run(&policy(Some(1)), "aaaa", &no_context()),
        vec![Violation::TooWeak {
            score: 0,
            required: 1
        }]
    );
    // Strong on its own, weak once zxcvbn knows the organisation's name.
    assert_eq!(
        run(&policy(Some(3)), "AcmeWidgets2024", &no_context()),
        vec![]
    );
    assert_eq!(
        run(&policy(Some(3)), "AcmeWidgets2024", &anna()),
        vec![Violation::TooWeak {
            score: 1,
            required: 3
        }]
    );
}

#[test]
fn common_list_is_case_insensitive_and_takes_extra_entries() {
    let policy = PasswordPolicy {
        check_common: true,
        ..length_only(1, 64)
    };
    let common = CommonList::builtin().with_extra(["Zeilboot-Harlingen"]);
    let refused = |password| check(&policy, &common, password, &no_context());
    assert_eq!(refused("PaSsWoRd"), Err(vec![Violation::Common]));
    assert_eq!(refused("LETMEIN"), Err(vec![Violation::Common]));
    assert_eq!(refused("zeilboot-harlingen"), Err(vec![Violation::Common]));
    assert_eq!(refused("ZEILBOOT-HARLINGEN"), Err(vec![Violation::Common]));
    assert_eq!(refused("Zeilboot-Harlingen-Texel"), Ok(()));

    let unchecked = PasswordPolicy {
        check_common: false,
        ..policy
    };
    assert_eq!(
        check(&unchecked, &common, "password", &no_context()),
        Ok(())
    );
}

#[test]
fn personal_details_are_refused_case_insensitively() {
    let policy = PasswordPolicy {
        check_personal_info: true,
        ..length_only(1, 64)
    };
    let refused = |password| run(&policy, password, &anna());
    let email = Violation::ContainsPersonalInfo {
        field: PersonalField::Email,
    };
    let name = Violation::ContainsPersonalInfo {
        field: PersonalField::Name,
    };
    let org = Violation::ContainsPersonalInfo {
        field: PersonalField::Organisation,
    };
    // The email's local part, whole or in pieces, is also the name here.
    assert_eq!(
        refused("AnnaDeVries-1990"),
        vec![email.clone(), name.clone()]
    );
    // "devries" is one piece of the email but two of the name.
    assert_eq!(refused("x-VRIES-x"), vec![name.clone()]);
    assert_eq!(refused("x-DEVRIES-x"), vec![email.clone(), name.clone()]);
    assert_eq!(refused("widgets4ever"), vec![org]);
    assert_eq!(refused("Zeilboot-Harlingen"), vec![]);

    let only_email = PolicyContext {
        email: Some("jvdberg@example.org"),
        ..no_context()
    };
    assert_eq!(run(&policy, "Jvdberg!2024", &only_email), vec![email]);
    // The domain is not personal: colleagues share it.
    assert_eq!(run(&policy, "example-rocks", &only_email), vec![]);

    let extra = PolicyContext {
        extra: &["Poort"],
        ..no_context()
    };
    assert_eq!(
        run(&policy, "mijnpoort", &extra),
        vec![Violation::ContainsPersonalInfo {
            field: PersonalField::Other
        }]
    );
}

#[test]
fn short_name_parts_alone_do_not_refuse() {
    let policy = PasswordPolicy {
        check_personal_info: true,
        ..length_only(1, 64)
    };
    let jan = PolicyContext {
        name: Some("Jan Li"),
        ..no_context()
    };
    assert_eq!(run(&policy, "January-Linux", &jan), vec![]);
    assert_eq!(
        run(&policy, "xxjanlixx", &jan),
        vec![Violation::ContainsPersonalInfo {
            field: PersonalField::Name
        }]
    );
}

#[test]
fn personal_check_can_be_switched_off() {
    let policy = PasswordPolicy {
        check_personal_info: false,
        ..length_only(1, 64)
    };
    assert_eq!(run(&policy, "AnnaDeVries-1990", &anna()), vec![]);
}

//! Checks a candidate password against a policy and reports every rule it fails.

use crate::char_class::{CharClass, ClassRule};
use crate::common::CommonList;
use crate::context::PolicyContext;
use crate::policy::PasswordPolicy;
use crate::violation::Violation;

/// Checks `password` against every rule of `policy` and returns all failures together, in a
/// fixed order (length, classes, strength, common list, personal details).
///
/// History is checked separately with [`crate::reused`], because it needs the stored hashes;
/// add [`Violation::Reused`] to this list when it matches.
pub fn check(
    policy: &PasswordPolicy,
    common: &CommonList,
    password: &str,
    context: &PolicyContext<'_>,
) -> Result<(), Vec<Violation>> {
    let mut violations = Vec::new();
    check_length(policy, password, &mut violations);
    check_classes(&policy.classes, password, &mut violations);
    if let Some(required) = policy.min_strength {
        let inputs = context.strength_inputs();
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let score = u8::from(zxcvbn::zxcvbn(password, &inputs).score());
        if score < required {
            violations.push(Violation::TooWeak { score, required });
        }
    }
    if policy.check_common && common.contains(password) {
        violations.push(Violation::Common);
    }
    if policy.check_personal_info {
        check_personal_info(password, context, &mut violations);
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

fn check_length(policy: &PasswordPolicy, password: &str, violations: &mut Vec<Violation>) {
    let length = password.chars().count();
    if length < to_usize(policy.min_length) {
        violations.push(Violation::TooShort {
            min: policy.min_length,
        });
    }
    if length > to_usize(policy.max_length) {
        violations.push(Violation::TooLong {
            max: policy.max_length,
        });
    }
}

fn check_classes(rule: &ClassRule, password: &str, violations: &mut Vec<Violation>) {
    let present = CharClass::present_in(password);
    match rule {
        ClassRule::None => {}
        ClassRule::AllOf(required) => {
            let missing = required.difference(&present);
            violations.extend(missing.map(|&class| Violation::MissingClass { class }));
        }
        ClassRule::AtLeast(required) => {
            // At most 4 classes exist, so the count always fits.
            let found = u8::try_from(present.len()).unwrap_or(u8::MAX);
            if found < *required {
                violations.push(Violation::TooFewClasses {
                    required: *required,
                    found,
                });
            }
        }
    }
}

/// One violation per field whose words appear in the password, ignoring case.
fn check_personal_info(
    password: &str,
    context: &PolicyContext<'_>,
    violations: &mut Vec<Violation>,
) {
    let lower = password.to_lowercase();
    for (field, word) in context.personal_words() {
        let already = violations.contains(&Violation::ContainsPersonalInfo { field });
        if !already && lower.contains(&word) {
            violations.push(Violation::ContainsPersonalInfo { field });
        }
    }
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests;

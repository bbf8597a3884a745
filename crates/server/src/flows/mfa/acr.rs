//! Authentication context: the `amr` list a login earns, the `acr` it maps to, and whether a
//! relying party's `acr_values` ask for more than the session has.

use poort_mfa::Amr;

/// `acr` of a login with one factor (a password).
pub const ACR_SINGLE_FACTOR: &str = "urn:poort:loa:1fa";
/// `acr` of a login with two factors (password + second factor, or a verified passkey).
pub const ACR_MULTI_FACTOR: &str = "urn:poort:loa:2fa";
/// `acr_values` entries understood as "multi-factor, please": ours and two common spellings.
const MULTI_FACTOR_REQUESTS: [&str; 3] = [
    ACR_MULTI_FACTOR,
    "mfa",
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
];

/// The values published as `acr_values_supported`.
pub const ACR_VALUES_SUPPORTED: [&str; 2] = [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR];

/// Did this login use more than one factor?
pub fn is_multi_factor(amr: &[String]) -> bool {
    amr.iter().any(|value| value == Amr::Mfa.as_str())
}

/// The `acr` claim for a login described by `amr`; none for an empty list.
pub fn acr_for(amr: &[String]) -> Option<String> {
    match amr.is_empty() {
        true => None,
        false if is_multi_factor(amr) => Some(ACR_MULTI_FACTOR.to_owned()),
        false => Some(ACR_SINGLE_FACTOR.to_owned()),
    }
}

/// Whether a space-separated `acr_values` asks for multi-factor authentication.
pub fn requests_multi_factor(acr_values: Option<&str>) -> bool {
    acr_values.is_some_and(|values| {
        values
            .split(' ')
            .any(|value| MULTI_FACTOR_REQUESTS.contains(&value))
    })
}

/// `base` plus the methods of a second step, plus `mfa`, each once, in that order.
pub fn with_second_factor(base: &[String], methods: &[Amr]) -> Vec<String> {
    let mut amr: Vec<String> = Vec::with_capacity(base.len() + methods.len() + 1);
    let added = methods.iter().map(|m| m.as_str().to_owned());
    for value in base.iter().cloned().chain(added) {
        if !amr.contains(&value) {
            amr.push(value);
        }
    }
    if !is_multi_factor(&amr) {
        amr.push(Amr::Mfa.as_str().to_owned());
    }
    amr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn acr_follows_the_factors_used() {
        assert_eq!(acr_for(&[]), None);
        assert_eq!(
            acr_for(&strings(&["pwd"])).as_deref(),
            Some(ACR_SINGLE_FACTOR)
        );
        assert_eq!(
            acr_for(&strings(&["pwd", "otp", "mfa"])).as_deref(),
            Some(ACR_MULTI_FACTOR)
        );
    }

    #[test]
    fn multi_factor_requests_are_recognised_among_other_values() {
        assert!(requests_multi_factor(Some("urn:poort:loa:2fa")));
        assert!(requests_multi_factor(Some("urn:other:silver mfa")));
        assert!(!requests_multi_factor(Some("urn:poort:loa:1fa")));
        assert!(!requests_multi_factor(Some("mfaa")));
        assert!(!requests_multi_factor(None));
    }

    #[test]
    fn second_factor_adds_its_method_and_mfa_once() {
        assert_eq!(
            with_second_factor(&strings(&["pwd"]), &[Amr::Otp]),
            strings(&["pwd", "otp", "mfa"])
        );
        // A step-up of a session that already had a second factor does not repeat values.
        assert_eq!(
            with_second_factor(&strings(&["pwd", "otp", "mfa"]), &[Amr::Otp]),
            strings(&["pwd", "otp", "mfa"])
        );
        assert_eq!(
            with_second_factor(&[], &[Amr::Hwk]),
            strings(&["hwk", "mfa"])
        );
    }
}

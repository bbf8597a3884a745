//! Email addresses in one canonical form, and look-alikes refused.
//!
//! Every address an account is created, found, invited or changed with goes through
//! [`normalise_email`], so `ＦＵＺＺ@Example.COM`, `fuzz@example.com` and `fuzz@EXAMPLE.com` are
//! one address, and `fuzz@ехаmple.com` (Cyrillic е, х, а) is refused instead of becoming a
//! second account beside it.
//!
//! The canonical form: trimmed; NFKC (full-width and other compatibility forms become their
//! plain letters, combining accents compose); the local part lower-cased (addresses were
//! always stored lower-cased; keeping that keeps every stored address valid); the domain
//! through UTS 46 to lower-case ASCII (`bücher.example` → `xn--bcher-kva.example`).
//!
//! Refused (UTS 39, checked on the Unicode form of the local part and of each domain label):
//! invisible, format and symbol characters outside ASCII (not "identifier allowed"); labels
//! that mix scripts beyond the "moderately restrictive" level (Latin with Cyrillic or Greek,
//! say); and whole-script confusables of ASCII: a label without ASCII letters whose
//! confusable skeleton is plain ASCII (Cyrillic `аррӏе` for `apple`).

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

use crate::domain::normalize_domain;

/// The longest local part RFC 5321 allows, in bytes.
pub const MAX_LOCAL_PART_BYTES: usize = 64;
/// The longest address that fits a forward path (RFC 5321 with its errata), in bytes.
pub const MAX_ADDRESS_BYTES: usize = 254;

/// Why an email address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailRefusal {
    #[error("the email address must have the form local-part@domain")]
    MissingAt,
    #[error("the email address contains whitespace, control, invisible or symbol characters")]
    ForbiddenCharacter,
    #[error("the local part of the email address is empty or longer than 64 bytes")]
    BadLocalPart,
    #[error("the domain of the email address is not a valid domain name")]
    BadDomain,
    #[error("the email address is longer than 254 bytes")]
    TooLong,
    #[error("the email address mixes letters of different scripts")]
    MixedScript,
    #[error("the email address imitates a plain-letter address with look-alike letters")]
    Confusable,
}

impl EmailRefusal {
    /// Refused as a look-alike of another address rather than as malformed: pages say so.
    pub fn is_look_alike(self) -> bool {
        matches!(self, Self::MixedScript | Self::Confusable)
    }
}

/// An address in canonical form: `local@domain`, the local part NFKC and lower case, the domain
/// lower-case ASCII.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NormalisedEmail {
    address: String,
    at: usize,
}

impl NormalisedEmail {
    pub fn as_str(&self) -> &str {
        &self.address
    }

    pub fn local_part(&self) -> &str {
        &self.address[..self.at]
    }

    /// Lower-case ASCII (punycode for internationalised names).
    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }

    pub fn into_string(self) -> String {
        self.address
    }
}

impl fmt::Display for NormalisedEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl From<NormalisedEmail> for String {
    fn from(email: NormalisedEmail) -> Self {
        email.address
    }
}

/// The canonical form of a typed address, or why it is refused.
pub fn normalise_email(input: &str) -> Result<NormalisedEmail, EmailRefusal> {
    let trimmed = input.trim();
    if has_forbidden_character(trimmed) {
        return Err(EmailRefusal::ForbiddenCharacter);
    }
    // NFKC first: a full-width `＠` or `．` is an `@` or `.` like any other. (ASCII is NFKC.)
    let composed: String = match trimmed.is_ascii() {
        true => trimmed.to_owned(),
        false => trimmed.nfkc().collect(),
    };
    if has_forbidden_character(&composed) {
        return Err(EmailRefusal::ForbiddenCharacter);
    }
    let (local, domain) = composed.split_once('@').ok_or(EmailRefusal::MissingAt)?;
    if domain.contains('@') {
        return Err(EmailRefusal::MissingAt);
    }
    let local = lower_case(local);
    if local.is_empty() || local.len() > MAX_LOCAL_PART_BYTES {
        return Err(EmailRefusal::BadLocalPart);
    }
    check_label(&local)?;
    let domain = normalize_domain(domain).ok_or(EmailRefusal::BadDomain)?;
    if !domain.contains('.') {
        return Err(EmailRefusal::BadDomain);
    }
    // Without punycode labels the Unicode form is the ASCII one, which passes.
    if domain.split('.').any(|label| label.starts_with("xn--")) {
        let (unicode, converted) = idna::domain_to_unicode(&domain);
        if converted.is_err() {
            return Err(EmailRefusal::BadDomain);
        }
        for label in unicode.split('.') {
            check_label(label)?;
        }
    }
    let address = format!("{local}@{domain}");
    if address.len() > MAX_ADDRESS_BYTES {
        return Err(EmailRefusal::TooLong);
    }
    Ok(NormalisedEmail {
        at: local.len(),
        address,
    })
}

/// Whitespace and control characters, anywhere in the address.
fn has_forbidden_character(text: &str) -> bool {
    text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Lower case, composed again. `İ` becomes `i` (as in Turkish), not `i` with a combining dot,
/// which would look like `i` yet differ from it.
fn lower_case(local: &str) -> String {
    if local.is_ascii() {
        return local.to_ascii_lowercase();
    }
    local
        .replace('\u{130}', "i")
        .to_lowercase()
        .nfkc()
        .collect()
}

/// The UTS 39 checks on one label (the local part or a domain label, in Unicode form).
fn check_label(label: &str) -> Result<(), EmailRefusal> {
    if label.is_ascii() {
        return Ok(());
    }
    if label
        .chars()
        .any(|c| !c.is_ascii() && !c.identifier_allowed())
    {
        return Err(EmailRefusal::ForbiddenCharacter);
    }
    // ASCII punctuation (`.`, `+`, `-`, …) is common to every script; only letters and digits
    // decide the level, and the detector would call `+` not an identifier character.
    let letters: String = label
        .chars()
        .filter(|c| !c.is_ascii() || c.is_ascii_alphanumeric())
        .collect();
    if letters.as_str().detect_restriction_level() > RestrictionLevel::ModeratelyRestrictive {
        return Err(EmailRefusal::MixedScript);
    }
    if overlays_look_alike(label) {
        return Err(EmailRefusal::Confusable);
    }
    let has_ascii_letter = label.chars().any(|c| c.is_ascii_alphabetic());
    if !has_ascii_letter && unicode_security::skeleton(label).all(|c| c.is_ascii()) {
        return Err(EmailRefusal::Confusable);
    }
    Ok(())
}

/// UTS 39 §5.4: a mark that disappears into its base (a dot above on `i` or `j`, which have
/// one) or the same mark twice in a row look like less than is there.
fn overlays_look_alike(label: &str) -> bool {
    const DOT_ABOVE: char = '\u{307}';
    // Decomposed, so `á` + U+0301 shows its two acute accents.
    let chars: Vec<char> = label.nfd().collect();
    chars.windows(2).any(|pair| match pair {
        [base, DOT_ABOVE] => matches!(*base, 'i' | 'j'),
        [first, second] => first == second && is_combining_mark(*first),
        _ => false,
    })
}

/// The combining diacritical marks blocks (the marks left standing after NFKC).
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{300}'..='\u{36f}'
            | '\u{1ab0}'..='\u{1aff}'
            | '\u{1dc0}'..='\u{1dff}'
            | '\u{20d0}'..='\u{20ff}'
            | '\u{fe20}'..='\u{fe2f}'
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn canonical(input: &str) -> String {
        normalise_email(input).unwrap().into_string()
    }

    #[test]
    fn plain_addresses_are_lower_cased_and_trimmed() {
        assert_eq!(canonical("fuzz@example.com"), "fuzz@example.com");
        assert_eq!(canonical("FUZZ@EXAMPLE.COM"), "fuzz@example.com");
        assert_eq!(canonical("  Fuzz@Example.com \n"), "fuzz@example.com");
        assert_eq!(
            canonical("a.b+tag@mail.example.org"),
            "a.b+tag@mail.example.org"
        );
        let parts = normalise_email("Ann@Example.com").unwrap();
        assert_eq!(parts.local_part(), "ann");
        assert_eq!(parts.domain(), "example.com");
        assert_eq!(parts.to_string(), "ann@example.com");
    }

    #[test]
    fn full_width_forms_become_plain_letters() {
        assert_eq!(canonical("ｆｕｚｚ@example.com"), "fuzz@example.com");
        assert_eq!(canonical("ＦＵＺＺ@ＥＸＡＭＰＬＥ.com"), "fuzz@example.com");
        // Full-width `＠` and `．` too.
        assert_eq!(
            canonical("ｆｕｚｚ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
            "fuzz@example.com"
        );
    }

    #[test]
    fn idn_domains_become_punycode() {
        assert_eq!(canonical("bob@bücher.example"), "bob@xn--bcher-kva.example");
        assert_eq!(canonical("bob@BÜCHER.example"), "bob@xn--bcher-kva.example");
        assert_eq!(
            canonical("bob@xn--bcher-kva.example"),
            "bob@xn--bcher-kva.example"
        );
        // A decomposed ü in the domain is the same name.
        assert_eq!(
            canonical("bob@bu\u{308}cher.example"),
            "bob@xn--bcher-kva.example"
        );
    }

    #[test]
    fn combining_accents_are_stored_composed() {
        let composed = canonical("f\u{fc}zz@example.com");
        assert_eq!(composed, "f\u{fc}zz@example.com");
        assert_eq!(canonical("fu\u{308}zz@example.com"), composed);
        assert_eq!(canonical("FU\u{308}ZZ@example.com"), composed);
        assert_eq!(
            canonical("jos\u{e9}@example.com"),
            canonical("jose\u{301}@example.com")
        );
        assert_eq!(canonical("\u{130}PEK@example.com"), "ipek@example.com");
    }

    #[test]
    fn canonical_forms_are_fixed_points() {
        for input in [
            "ＦＵＺＺ@example.com",
            "FU\u{308}ZZ@BÜCHER.example",
            "\u{130}pek@example.com",
            "Ǆemal@example.com",
            "straße@example.com",
            "иван@пример.рф",
        ] {
            let once = canonical(input);
            assert_eq!(canonical(&once), once, "{input}");
            assert_eq!(once.to_lowercase(), once, "{input}");
        }
    }

    #[test]
    fn single_script_addresses_are_allowed() {
        assert_eq!(canonical("иван@пример.рф"), "иван@xn--e1afmkfd.xn--p1ai");
        assert_eq!(
            canonical("Jürgen@bücher.example"),
            "jürgen@xn--bcher-kva.example"
        );
        assert_eq!(canonical("yıldız@example.com"), "yıldız@example.com");
        assert_eq!(canonical("θεός@example.gr"), "θεός@example.gr");
        // Latin with Han and Kana is "highly restrictive": allowed.
        assert!(normalise_email("tanaka田中@example.jp").is_ok());
    }

    #[test]
    fn mixed_script_look_alikes_are_refused() {
        // Cyrillic е, х, а in a Latin domain label.
        assert_eq!(
            normalise_email("fuzz@\u{435}\u{445}\u{430}mple.com"),
            Err(EmailRefusal::MixedScript)
        );
        // Cyrillic а in the local part.
        assert_eq!(
            normalise_email("\u{430}da@example.com"),
            Err(EmailRefusal::MixedScript)
        );
        // Greek ο in a Latin label.
        assert_eq!(
            normalise_email("bob@g\u{3bf}\u{3bf}gle.com"),
            Err(EmailRefusal::MixedScript)
        );
        // The punycode of a mixed label is checked in its Unicode form.
        let ascii = idna::domain_to_ascii("\u{435}\u{445}\u{430}mple.com").unwrap();
        assert_eq!(
            normalise_email(&format!("fuzz@{ascii}")),
            Err(EmailRefusal::MixedScript)
        );
    }

    #[test]
    fn whole_script_confusables_of_ascii_are_refused() {
        // Cyrillic а р р ӏ е.
        assert_eq!(
            normalise_email("bob@\u{430}\u{440}\u{440}\u{4cf}\u{435}.com"),
            Err(EmailRefusal::Confusable)
        );
        assert_eq!(
            normalise_email("\u{440}\u{430}\u{443}@example.com"),
            Err(EmailRefusal::Confusable)
        );
    }

    #[test]
    fn marks_that_vanish_into_their_letter_are_refused() {
        for bad in [
            "i\u{307}pek@example.com", // a dot on i, which has one
            "j\u{307}an@example.com",
            "fuzz@exa\u{301}\u{301}mple.com", // the same accent twice
            "q\u{301}\u{301}@example.com",
        ] {
            assert_eq!(
                normalise_email(bad),
                Err(EmailRefusal::Confusable),
                "{bad:?}"
            );
        }
        // One visible accent on a letter without a precomposed form is a different address.
        assert_eq!(canonical("q\u{301}@example.com"), "q\u{301}@example.com");
    }

    #[test]
    fn invisible_and_symbol_characters_are_refused() {
        for bad in [
            "fu\u{200b}zz@example.com", // zero-width space
            "fuzz\u{34f}@example.com",  // combining grapheme joiner
            "fu\u{200d}zz@example.com", // zero-width joiner
            "fuzz\u{2764}@example.com", // a symbol
            "fu\u{336}zz@example.com",  // combining long stroke overlay
        ] {
            assert_eq!(
                normalise_email(bad),
                Err(EmailRefusal::ForbiddenCharacter),
                "{bad:?}"
            );
        }
        assert_eq!(
            normalise_email("fu zz@example.com"),
            Err(EmailRefusal::ForbiddenCharacter)
        );
        assert_eq!(
            normalise_email("fuzz@example.com\u{0}x"),
            Err(EmailRefusal::ForbiddenCharacter)
        );
        // An ideographic space inside becomes a space under NFKC.
        assert_eq!(
            normalise_email("fu\u{3000}zz@example.com"),
            Err(EmailRefusal::ForbiddenCharacter)
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        assert_eq!(normalise_email(""), Err(EmailRefusal::MissingAt));
        assert_eq!(
            normalise_email("fuzz.example.com"),
            Err(EmailRefusal::MissingAt)
        );
        assert_eq!(
            normalise_email("a@b@example.com"),
            Err(EmailRefusal::MissingAt)
        );
        assert_eq!(
            normalise_email("a＠b@example.com"),
            Err(EmailRefusal::MissingAt)
        );
        assert_eq!(
            normalise_email("@example.com"),
            Err(EmailRefusal::BadLocalPart)
        );
        assert_eq!(normalise_email("fuzz@"), Err(EmailRefusal::BadDomain));
        assert_eq!(
            normalise_email("fuzz@example"),
            Err(EmailRefusal::BadDomain)
        );
        assert_eq!(
            normalise_email("fuzz@example..com"),
            Err(EmailRefusal::BadDomain)
        );
        assert_eq!(
            normalise_email("fuzz@example.com."),
            Err(EmailRefusal::BadDomain)
        );
        assert_eq!(
            normalise_email("fuzz@[192.0.2.1]"),
            Err(EmailRefusal::BadDomain)
        );
        assert_eq!(
            normalise_email("fuzz@exa_mple.com"),
            Err(EmailRefusal::BadDomain)
        );
        assert_eq!(
            normalise_email("fuzz@xn--a.example"),
            Err(EmailRefusal::BadDomain)
        );
    }

    #[test]
    fn length_limits_follow_rfc_5321() {
        let local = "a".repeat(MAX_LOCAL_PART_BYTES);
        assert!(normalise_email(&format!("{local}@example.com")).is_ok());
        assert_eq!(
            normalise_email(&format!("a{local}@example.com")),
            Err(EmailRefusal::BadLocalPart)
        );
        // 32 two-byte letters are 64 bytes; one more is too many.
        let cyrillic = "д".repeat(32);
        assert!(normalise_email(&format!("{cyrillic}@example.com")).is_ok());
        assert_eq!(
            normalise_email(&format!("{cyrillic}д@example.com")),
            Err(EmailRefusal::BadLocalPart)
        );
        // 64 + 1 + 189 = 254 bytes fit, one more does not.
        let label = "b".repeat(60);
        let domain = format!("{label}.{label}.{label}.{}.com", "c".repeat(2));
        let fits = format!("{local}@{domain}");
        assert_eq!(fits.len(), 254);
        assert!(normalise_email(&fits).is_ok());
        let domain = format!("{label}.{label}.{label}.{}.com", "c".repeat(3));
        assert_eq!(
            normalise_email(&format!("{local}@{domain}")),
            Err(EmailRefusal::TooLong)
        );
    }
}

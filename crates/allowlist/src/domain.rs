//! Domain and email-address normalisation: UTS 46 (IDNA) to lower-case ASCII, so `BÜCHER.example`,
//! `bücher.example` and `xn--bcher-kva.example` compare equal.

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};

use crate::email::{EmailRefusal, normalise_email};

/// The domain of `email`, normalised to lower-case ASCII (punycode): the domain of its
/// canonical form, so a look-alike address has none (see [`normalise_email`]).
///
/// Deliberately stricter than RFC 5322: exactly one `@`, no whitespace or control characters,
/// a non-empty local part, and a dotted DNS domain (no address literals, no trailing dot).
pub fn email_domain(email: &str) -> Result<String, EmailRefusal> {
    normalise_email(email).map(|email| email.domain().to_owned())
}

/// A domain name in lower-case ASCII after UTS 46 processing, or `None` when it is not a valid
/// DNS host name (STD3 characters only, no leading or trailing hyphen, label and total lengths
/// within DNS limits, no empty label).
pub(crate) fn normalize_domain(domain: &str) -> Option<String> {
    Uts46::new()
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::STD3,
            Hyphens::CheckFirstLast,
            DnsLength::Verify,
        )
        .ok()
        .map(|ascii| ascii.into_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_idn() {
        assert_eq!(
            normalize_domain("Example.COM").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            normalize_domain("bücher.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            normalize_domain("BÜCHER.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            normalize_domain("XN--BCHER-KVA.example").as_deref(),
            Some("xn--bcher-kva.example")
        );
    }

    #[test]
    fn refuses_invalid_domains() {
        for bad in [
            "",
            "example..com",
            "example.com.",
            ".example.com",
            "-example.com",
            "exa mple.com",
            "exa_mple.com",
            "[192.0.2.1]",
            "example.com:443",
            "xn--a.example",
        ] {
            assert_eq!(normalize_domain(bad), None, "{bad}");
        }
        let long_label = "a".repeat(64);
        assert_eq!(normalize_domain(&format!("{long_label}.example")), None);
    }

    #[test]
    fn email_domain_of_valid_addresses() {
        assert_eq!(email_domain("Alice@Example.COM").unwrap(), "example.com");
        assert_eq!(
            email_domain("bob@bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn email_domain_refuses_malformed_addresses() {
        assert_eq!(
            email_domain("alice.example.com"),
            Err(EmailRefusal::MissingAt)
        );
        assert_eq!(
            email_domain("a@b@example.com"),
            Err(EmailRefusal::MissingAt)
        );
        assert_eq!(
            email_domain("@example.com"),
            Err(EmailRefusal::BadLocalPart)
        );
        assert_eq!(
            email_domain(&format!("{}@example.com", "a".repeat(65))),
            Err(EmailRefusal::BadLocalPart)
        );
        assert_eq!(email_domain("alice@"), Err(EmailRefusal::BadDomain));
        assert_eq!(
            email_domain("alice@[192.0.2.1]"),
            Err(EmailRefusal::BadDomain)
        );
        assert_eq!(
            email_domain("alice@example.com."),
            Err(EmailRefusal::BadDomain)
        );
        assert_eq!(email_domain(" alice@example.com\n").unwrap(), "example.com");
        assert_eq!(
            email_domain("alice@exa\nmple.com"),
            Err(EmailRefusal::ForbiddenCharacter)
        );
        // Cyrillic е, х, а: the domain of a look-alike is not taken for the real one.
        assert_eq!(
            email_domain("alice@\u{435}\u{445}\u{430}mple.com"),
            Err(EmailRefusal::MixedScript)
        );
    }
}

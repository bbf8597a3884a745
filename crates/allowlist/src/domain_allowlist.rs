//! The organisation's email-domain allowlist: which addresses may be invited, sign up, or change
//! their email into the organisation.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::{email_domain, normalize_domain};

/// Why a domain-allowlist entry was refused. Each variant names the offending entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainPatternError {
    #[error("`{entry}` is not a valid domain name")]
    InvalidDomain { entry: String },
    #[error("`{entry}`: a wildcard is only allowed as a leading `*.`")]
    MisplacedWildcard { entry: String },
    #[error("`{entry}` would match a whole top-level domain")]
    WildcardTooBroad { entry: String },
}

/// One allowlist entry, held in normalised lower-case ASCII (punycode) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainPattern {
    /// `example.com`: that domain only, not its subdomains.
    Exact(String),
    /// `*.example.com`: any subdomain at any depth (`a.example.com`, `a.b.example.com`), but NOT
    /// `example.com` itself; list the apex separately to allow it too.
    Subdomains(String),
}

impl DomainPattern {
    /// Parses `example.com` or `*.example.com`; Unicode and upper case are normalised (UTS 46).
    pub fn parse(entry: &str) -> Result<Self, DomainPatternError> {
        let trimmed = entry.trim();
        let (is_wildcard, domain) = match trimmed.strip_prefix("*.") {
            Some(base) => (true, base),
            None => (false, trimmed),
        };
        if domain.contains('*') {
            return Err(DomainPatternError::MisplacedWildcard {
                entry: entry.to_owned(),
            });
        }
        let ascii = normalize_domain(domain).ok_or_else(|| DomainPatternError::InvalidDomain {
            entry: entry.to_owned(),
        })?;
        if !is_wildcard {
            return Ok(Self::Exact(ascii));
        }
        if !ascii.contains('.') {
            return Err(DomainPatternError::WildcardTooBroad {
                entry: entry.to_owned(),
            });
        }
        Ok(Self::Subdomains(ascii))
    }

    /// Whether a domain already normalised by [`normalize_domain`] matches this pattern.
    fn matches(&self, ascii_domain: &str) -> bool {
        match self {
            Self::Exact(domain) => ascii_domain == domain,
            Self::Subdomains(base) => ascii_domain
                .strip_suffix(base.as_str())
                .and_then(|prefix| prefix.strip_suffix('.'))
                .is_some_and(|subdomain| !subdomain.is_empty()),
        }
    }
}

impl fmt::Display for DomainPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(domain) => f.write_str(domain),
            Self::Subdomains(base) => write!(f, "*.{base}"),
        }
    }
}

/// Email domains allowed into an organisation; an empty list means "no restriction".
///
/// Serialised as a list of strings in normalised ASCII form (`["example.com",
/// "*.xn--bcher-kva.example"]`), which also keeps look-alike Unicode visible to admins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct DomainAllowlist {
    patterns: Vec<DomainPattern>,
}

impl DomainAllowlist {
    /// The empty list: every well-formed address is allowed.
    pub fn unrestricted() -> Self {
        Self::default()
    }

    /// Parses entries (see [`DomainPattern::parse`]); the error names the first offending entry.
    pub fn parse<I, S>(entries: I) -> Result<Self, DomainPatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let patterns = entries
            .into_iter()
            .map(|entry| DomainPattern::parse(entry.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { patterns })
    }

    pub fn is_unrestricted(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[DomainPattern] {
        &self.patterns
    }

    /// Whether `email` may join: it must be well-formed (see [`email_domain`]), even when the
    /// list is unrestricted, and its domain must match a pattern unless the list is empty.
    pub fn allows_email(&self, email: &str) -> bool {
        match email_domain(email) {
            Ok(domain) => {
                self.is_unrestricted() || self.patterns.iter().any(|p| p.matches(&domain))
            }
            Err(_) => false,
        }
    }
}

impl TryFrom<Vec<String>> for DomainAllowlist {
    type Error = DomainPatternError;

    fn try_from(entries: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(entries)
    }
}

impl From<DomainAllowlist> for Vec<String> {
    fn from(list: DomainAllowlist) -> Self {
        list.patterns.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exact_entry_matches_only_that_domain() {
        let list = DomainAllowlist::parse(["example.com"]).unwrap();
        assert!(list.allows_email("alice@example.com"));
        assert!(!list.allows_email("alice@mail.example.com"));
        assert!(!list.allows_email("alice@badexample.com"));
        assert!(!list.allows_email("alice@example.com.evil.test"));
    }

    #[test]
    fn wildcard_matches_subdomains_but_not_the_apex() {
        let list = DomainAllowlist::parse(["*.example.com"]).unwrap();
        assert!(list.allows_email("alice@mail.example.com"));
        assert!(list.allows_email("alice@a.b.example.com"));
        assert!(!list.allows_email("alice@example.com"));
        assert!(!list.allows_email("alice@badexample.com"));
        assert!(!list.allows_email("alice@example.com.evil.test"));
    }

    #[test]
    fn apex_and_wildcard_together() {
        let list = DomainAllowlist::parse(["example.com", "*.example.com"]).unwrap();
        assert!(list.allows_email("alice@example.com"));
        assert!(list.allows_email("alice@eu.example.com"));
    }

    #[test]
    fn comparison_ignores_case() {
        let list = DomainAllowlist::parse(["Example.COM", "*.Corp.Example"]).unwrap();
        assert!(list.allows_email("Alice@EXAMPLE.com"));
        assert!(list.allows_email("alice@MAIL.corp.example"));
    }

    #[test]
    fn idn_matches_its_punycode_both_ways() {
        let unicode = DomainAllowlist::parse(["bücher.example"]).unwrap();
        assert!(unicode.allows_email("alice@xn--bcher-kva.example"));
        assert!(unicode.allows_email("alice@BÜCHER.example"));
        let ascii = DomainAllowlist::parse(["xn--bcher-kva.example"]).unwrap();
        assert!(ascii.allows_email("alice@bücher.example"));
        let wildcard = DomainAllowlist::parse(["*.bücher.example"]).unwrap();
        assert!(wildcard.allows_email("alice@shop.xn--bcher-kva.example"));
        assert!(!wildcard.allows_email("alice@bucher.example"));
    }

    #[test]
    fn malformed_emails_are_refused_even_when_unrestricted() {
        let open = DomainAllowlist::unrestricted();
        assert!(open.is_unrestricted());
        assert!(open.allows_email("alice@anything.test"));
        for bad in [
            "alice",
            "alice@",
            "@example.com",
            "a@b@example.com",
            "alice@exa mple.com",
        ] {
            assert!(!open.allows_email(bad), "{bad}");
        }
        let list = DomainAllowlist::parse(["example.com"]).unwrap();
        assert!(!list.allows_email("alice@@example.com"));
    }

    #[test]
    fn addresses_are_matched_in_canonical_form() {
        let list = DomainAllowlist::parse(["example.com"]).unwrap();
        assert!(list.allows_email("ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ"));
        // Cyrillic е, х, а: neither the real domain nor any other.
        let lookalike = "alice@\u{435}\u{445}\u{430}mple.com";
        assert!(!list.allows_email(lookalike));
        assert!(!DomainAllowlist::unrestricted().allows_email(lookalike));
    }

    #[test]
    fn bad_entries_are_named() {
        let cases = [
            (
                "exa mple.com",
                DomainPatternError::InvalidDomain {
                    entry: "exa mple.com".into(),
                },
            ),
            ("", DomainPatternError::InvalidDomain { entry: "".into() }),
            (
                "@example.com",
                DomainPatternError::InvalidDomain {
                    entry: "@example.com".into(),
                },
            ),
            (
                "*",
                DomainPatternError::MisplacedWildcard { entry: "*".into() },
            ),
            (
                "a.*.example.com",
                DomainPatternError::MisplacedWildcard {
                    entry: "a.*.example.com".into(),
                },
            ),
            (
                "*.*.example.com",
                DomainPatternError::MisplacedWildcard {
                    entry: "*.*.example.com".into(),
                },
            ),
            (
                "*.com",
                DomainPatternError::WildcardTooBroad {
                    entry: "*.com".into(),
                },
            ),
        ];
        for (entry, expected) in cases {
            let err = DomainAllowlist::parse(["example.org", entry]).unwrap_err();
            assert_eq!(err, expected, "{entry}");
            assert!(err.to_string().contains(&format!("`{entry}`")));
        }
    }

    #[test]
    fn serialises_normalised_entries() {
        let list = DomainAllowlist::parse(["Example.com", "*.bücher.example"]).unwrap();
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, r#"["example.com","*.xn--bcher-kva.example"]"#);
        let back: DomainAllowlist = serde_json::from_str(&json).unwrap();
        assert_eq!(back, list);
        assert!(serde_json::from_str::<DomainAllowlist>(r#"["*.com"]"#).is_err());
    }
}

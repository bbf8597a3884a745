//! Scope sets (RFC 6749 §3.3): parsed once from the space-delimited string, kept sorted
//! and without duplicates, written back the same way.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::OAuthError;

pub const OPENID: &str = "openid";
pub const PROFILE: &str = "profile";
pub const EMAIL: &str = "email";
pub const OFFLINE_ACCESS: &str = "offline_access";
/// The user's organisations as the `organizations` claim.
pub const ORGANIZATIONS: &str = "organizations";
/// The same claim with the user's roles in each organisation.
pub const ROLES: &str = "roles";

/// Scopes that only mean something for a signed-in user: never granted to a client acting
/// for itself (`client_credentials`).
pub const USER_SCOPES: &[&str] = &[OPENID, PROFILE, EMAIL, OFFLINE_ACCESS, ORGANIZATIONS, ROLES];

/// Longest scope string accepted; real requests are a few dozen bytes.
const MAX_SCOPE_LEN: usize = 2048;

/// A set of scope tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Parses a space-delimited scope string. Runs of spaces are tolerated, duplicates
    /// collapse, and every token must use the RFC 6749 §3.3 characters
    /// (`%x21 / %x23-5B / %x5D-7E`). An empty string is the empty set.
    pub fn parse(input: &str) -> Result<Self, OAuthError> {
        if input.len() > MAX_SCOPE_LEN {
            return Err(OAuthError::invalid_scope("scope is too long"));
        }
        let mut tokens = BTreeSet::new();
        for token in input.split(' ').filter(|token| !token.is_empty()) {
            if !token.bytes().all(is_scope_char) {
                return Err(OAuthError::invalid_scope(
                    "scope contains a character outside RFC 6749 section 3.3",
                ));
            }
            tokens.insert(token.to_owned());
        }
        Ok(Self(tokens))
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    /// True when every scope in `self` is also in `other`.
    pub fn is_subset(&self, other: &Scopes) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn intersection(&self, other: &Scopes) -> Scopes {
        Scopes(self.0.intersection(&other.0).cloned().collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

fn is_scope_char(byte: u8) -> bool {
    matches!(byte, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

/// Collects tokens that are already known to be valid (e.g. a client's stored allowed scopes).
impl FromIterator<String> for Scopes {
    fn from_iter<I: IntoIterator<Item = String>>(tokens: I) -> Self {
        Self(tokens.into_iter().collect())
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, scope) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Scopes::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_collapses_duplicates() {
        let scopes = Scopes::parse("  profile openid  email openid ").unwrap();
        assert_eq!(scopes.len(), 3);
        assert_eq!(scopes.to_string(), "email openid profile");
        assert!(scopes.contains(OPENID));
        assert!(!scopes.contains(OFFLINE_ACCESS));
    }

    #[test]
    fn empty_input_is_the_empty_set() {
        assert!(Scopes::parse("").unwrap().is_empty());
        assert!(Scopes::parse("   ").unwrap().is_empty());
    }

    #[test]
    fn refuses_characters_outside_the_rfc_charset() {
        for bad in ["open\"id", "a\\b", "tab\there", "caf\u{e9}", "nul\0"] {
            let error = Scopes::parse(bad).unwrap_err();
            assert_eq!(error.code, crate::error::ErrorCode::InvalidScope, "{bad:?}");
        }
        assert!(Scopes::parse("a!#[]~:/").is_ok());
    }

    #[test]
    fn refuses_an_oversized_string() {
        assert!(Scopes::parse(&"a ".repeat(MAX_SCOPE_LEN)).is_err());
    }

    #[test]
    fn subset_and_intersection() {
        let granted = Scopes::parse("openid profile email").unwrap();
        let asked = Scopes::parse("openid email").unwrap();
        assert!(asked.is_subset(&granted));
        assert!(!granted.is_subset(&asked));
        let other = Scopes::parse("email offline_access").unwrap();
        assert_eq!(granted.intersection(&other).to_string(), "email");
        assert_eq!(
            granted.iter().collect::<Vec<_>>(),
            ["email", "openid", "profile"]
        );
    }

    #[test]
    fn serde_uses_the_space_joined_string() {
        let scopes = Scopes::parse("profile openid").unwrap();
        let json = serde_json::to_string(&scopes).unwrap();
        assert_eq!(json, r#""openid profile""#);
        let back: Scopes = serde_json::from_str(&json).unwrap();
        assert_eq!(back, scopes);
        assert!(serde_json::from_str::<Scopes>(r#""bad\"scope""#).is_err());
    }
}

//! The scopes an API token can carry. A token acts with the intersection of its scopes and its
//! owner's current permissions, so a scope never grants more than the owner has.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A scope string that is not one of [`TokenScope::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown API token scope `{0}`")]
pub struct UnknownScope(pub String);

/// The documented API-token scopes, written as in `scope` strings and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TokenScope {
    /// `admin:read`: read organisations, members, roles and settings through the admin API.
    #[serde(rename = "admin:read")]
    AdminRead,
    /// `admin:write`: change organisations, members, roles and settings through the admin API.
    #[serde(rename = "admin:write")]
    AdminWrite,
    /// `tokens:read`: list API tokens (one's own, or an organisation's with `tokens.read`).
    #[serde(rename = "tokens:read")]
    TokensRead,
    /// `tokens:write`: mint and revoke API tokens.
    #[serde(rename = "tokens:write")]
    TokensWrite,
    /// `profile:read`: read the owner's identity, as the OpenID `openid profile email` scopes do.
    #[serde(rename = "profile:read")]
    ProfileRead,
    /// `audit:read`: read and export the audit log (with the `audit.read` permission).
    #[serde(rename = "audit:read")]
    AuditRead,
}

impl TokenScope {
    /// Every scope, in documentation order.
    pub const ALL: [TokenScope; 6] = [
        Self::AdminRead,
        Self::AdminWrite,
        Self::TokensRead,
        Self::TokensWrite,
        Self::ProfileRead,
        Self::AuditRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdminRead => "admin:read",
            Self::AdminWrite => "admin:write",
            Self::TokensRead => "tokens:read",
            Self::TokensWrite => "tokens:write",
            Self::ProfileRead => "profile:read",
            Self::AuditRead => "audit:read",
        }
    }

    /// One line for the mint form, the CLI help and the API documentation.
    pub fn description(self) -> &'static str {
        match self {
            Self::AdminRead => "Read organisations, members, roles and settings",
            Self::AdminWrite => "Change organisations, members, roles and settings",
            Self::TokensRead => "List API tokens",
            Self::TokensWrite => "Mint and revoke API tokens",
            Self::ProfileRead => "Read your identity (name, email)",
            Self::AuditRead => "Read and export the audit log",
        }
    }
}

impl FromStr for TokenScope {
    type Err = UnknownScope;

    /// Exact, case-sensitive match, as OAuth scope values are.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn documented_list() {
        let names: Vec<&str> = TokenScope::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "admin:read",
                "admin:write",
                "tokens:read",
                "tokens:write",
                "profile:read",
                "audit:read"
            ]
        );
    }

    #[test]
    fn parse_round_trip_and_display() {
        for scope in TokenScope::ALL {
            assert_eq!(scope.as_str().parse::<TokenScope>().unwrap(), scope);
            assert_eq!(scope.to_string(), scope.as_str());
            assert!(!scope.description().is_empty());
        }
    }

    #[test]
    fn unknown_scopes_are_refused() {
        for bad in [
            "",
            "admin",
            "Admin:Read",
            "admin:read ",
            "openid",
            "admin.read",
        ] {
            assert_eq!(bad.parse::<TokenScope>(), Err(UnknownScope(bad.to_owned())));
        }
    }

    #[test]
    fn serde_uses_the_scope_strings() {
        for scope in TokenScope::ALL {
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
            assert_eq!(serde_json::from_str::<TokenScope>(&json).unwrap(), scope);
        }
        assert!(serde_json::from_str::<TokenScope>("\"admin:delete\"").is_err());
    }
}

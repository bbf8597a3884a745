//! Permissions and roles: the named permissions, the built-in roles and what a member's roles
//! add up to. Pure (no I/O); `access` applies it.
//!
//! Built-in roles: `owner` has every permission; `admin` every one except `security.write`
//! (an organisation's security settings stay with its owners); `auditor` has `audit.read` and
//! `members.read`; `member` has none. Custom roles are named permission sets per organisation.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What a member may do in an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    #[serde(rename = "members.read")]
    MembersRead,
    #[serde(rename = "members.write")]
    MembersWrite,
    #[serde(rename = "roles.write")]
    RolesWrite,
    #[serde(rename = "security.write")]
    SecurityWrite,
    #[serde(rename = "audit.read")]
    AuditRead,
    #[serde(rename = "tokens.read")]
    TokensRead,
    #[serde(rename = "tokens.revoke")]
    TokensRevoke,
    #[serde(rename = "clients.write")]
    ClientsWrite,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::MembersRead,
        Permission::MembersWrite,
        Permission::RolesWrite,
        Permission::SecurityWrite,
        Permission::AuditRead,
        Permission::TokensRead,
        Permission::TokensRevoke,
        Permission::ClientsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::MembersRead => "members.read",
            Permission::MembersWrite => "members.write",
            Permission::RolesWrite => "roles.write",
            Permission::SecurityWrite => "security.write",
            Permission::AuditRead => "audit.read",
            Permission::TokensRead => "tokens.read",
            Permission::TokensRevoke => "tokens.revoke",
            Permission::ClientsWrite => "clients.write",
        }
    }

    /// The permission with this exact name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The roles every organisation has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinRole {
    Owner,
    Admin,
    Member,
    Auditor,
}

impl BuiltinRole {
    pub const ALL: [BuiltinRole; 4] = [
        BuiltinRole::Owner,
        BuiltinRole::Admin,
        BuiltinRole::Member,
        BuiltinRole::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BuiltinRole::Owner => poort_store::orgs::OWNER_ROLE,
            BuiltinRole::Admin => "admin",
            BuiltinRole::Member => "member",
            BuiltinRole::Auditor => "auditor",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    pub fn permissions(self) -> BTreeSet<Permission> {
        match self {
            BuiltinRole::Owner => Permission::ALL.into_iter().collect(),
            BuiltinRole::Admin => Permission::ALL
                .into_iter()
                .filter(|p| *p != Permission::SecurityWrite)
                .collect(),
            BuiltinRole::Member => BTreeSet::new(),
            BuiltinRole::Auditor => [Permission::AuditRead, Permission::MembersRead]
                .into_iter()
                .collect(),
        }
    }
}

/// A custom role as the permission check sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRole {
    pub name: String,
    pub permissions: BTreeSet<Permission>,
}

/// Everything `roles` grant, given the organisation's custom roles. Unknown role names (a
/// custom role deleted meanwhile) and unknown permission names grant nothing.
pub fn permissions_of(roles: &[String], custom: &[CustomRole]) -> BTreeSet<Permission> {
    let mut granted = BTreeSet::new();
    for role in roles {
        match BuiltinRole::parse(role) {
            Some(builtin) => granted.extend(builtin.permissions()),
            None => {
                if let Some(custom) = custom.iter().find(|c| &c.name == role) {
                    granted.extend(custom.permissions.iter().copied());
                }
            }
        }
    }
    granted
}

/// A valid custom role name: 1–64 of `a-z 0-9 - _ .`, not a built-in name.
pub fn valid_custom_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
        && BuiltinRole::parse(name).is_none()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use super::{BuiltinRole, CustomRole, Permission, permissions_of, valid_custom_role_name};

    fn roles(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn permission_names_are_the_agreed_ones_and_round_trip() {
        let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "members.read",
                "members.write",
                "roles.write",
                "security.write",
                "audit.read",
                "tokens.read",
                "tokens.revoke",
                "clients.write"
            ]
        );
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{p}\""));
        }
        assert_eq!(Permission::parse("Members.Read"), None);
    }

    /// The role/permission matrix, cell by cell.
    #[test]
    fn builtin_role_matrix() {
        use Permission::*;
        let matrix: [(BuiltinRole, &[Permission]); 4] = [
            (BuiltinRole::Owner, &Permission::ALL),
            (
                BuiltinRole::Admin,
                &[
                    MembersRead,
                    MembersWrite,
                    RolesWrite,
                    AuditRead,
                    TokensRead,
                    TokensRevoke,
                    ClientsWrite,
                ],
            ),
            (BuiltinRole::Member, &[]),
            (BuiltinRole::Auditor, &[MembersRead, AuditRead]),
        ];
        for (role, expected) in matrix {
            for permission in Permission::ALL {
                let granted = permissions_of(&roles(&[role.as_str()]), &[]).contains(&permission);
                assert_eq!(
                    granted,
                    expected.contains(&permission),
                    "{} / {permission}",
                    role.as_str()
                );
            }
        }
    }

    #[test]
    fn roles_add_up_and_unknown_roles_grant_nothing() {
        let custom = [CustomRole {
            name: "token-keeper".into(),
            permissions: [Permission::TokensRevoke].into_iter().collect(),
        }];
        let granted = permissions_of(&roles(&["auditor", "token-keeper", "ghost"]), &custom);
        let expected: BTreeSet<Permission> = [
            Permission::MembersRead,
            Permission::AuditRead,
            Permission::TokensRevoke,
        ]
        .into_iter()
        .collect();
        assert_eq!(granted, expected);
        assert!(permissions_of(&roles(&["ghost"]), &[]).is_empty());
    }

    #[test]
    fn custom_role_names() {
        for ok in ["viewer", "token-keeper", "a.b_c1"] {
            assert!(valid_custom_role_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Owner",
            "owner",
            "admin",
            "has space",
            &"x".repeat(65),
            "ü",
        ] {
            assert!(!valid_custom_role_name(bad), "{bad}");
        }
    }
}

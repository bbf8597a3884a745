//! A caller's standing in an organisation: member (with the permissions their roles add up
//! to), platform administrator (every permission), support staff, or outsider. The decision
//! built on it is `flows::gate::may`, which every adapter (REST API, admin pages, API tokens)
//! asks before reading or changing an organisation's members, roles, settings, tokens or
//! audit entries.
//!
//! Someone who is neither a member nor a platform administrator is an outsider: `NotFound`,
//! the same answer as for an organisation that does not exist, so ids of other organisations
//! reveal nothing.
//!
//! **Support staff** (`support_staff`, `poort support add`) who are not members get a
//! membership only in an organisation whose `support_access` setting is on, with the fixed
//! [`STAFF_PERMISSIONS`]; elsewhere they are refused (`Standing::StaffRefused`, audited by
//! the gate).

use std::collections::BTreeSet;
use std::net::IpAddr;

use poort_store::entities::organisations::Model as Org;
use poort_store::{Db, orgs, platform_admins, support_staff};

use super::Actor;
use super::permission::{CustomRole, Permission, permissions_of};
use super::settings::OrgSettings;
use crate::flows::FlowError;

/// What support staff may do in an organisation that allows support access: look at its
/// members, audit log and tokens, remove or add members (never owners, never roles with more
/// than this) and revoke tokens. Not `roles.write`, `security.write` or `clients.write`: staff
/// help, but cannot change who owns an organisation or how it is secured.
pub const STAFF_PERMISSIONS: [Permission; 5] = [
    Permission::MembersRead,
    Permission::MembersWrite,
    Permission::AuditRead,
    Permission::TokensRead,
    Permission::TokensRevoke,
];

/// What the caller may do in one organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub org: Org,
    pub user_id: String,
    /// The member's role names (empty for a platform administrator who is not a member).
    pub roles: Vec<String>,
    pub permissions: BTreeSet<Permission>,
    /// Acting as platform administrator: every permission.
    pub platform_admin: bool,
    /// Acting as support staff (not a member; the organisation allows support access): the
    /// [`STAFF_PERMISSIONS`], and changes are audited with the `staff` column set.
    pub staff: bool,
}

impl Membership {
    pub fn is_owner(&self) -> bool {
        self.platform_admin || self.roles.iter().any(|r| r == orgs::OWNER_ROLE)
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.platform_admin || self.permissions.contains(&permission)
    }

    /// The staff identity for the audit log's `staff` column: the caller's id when acting as
    /// support staff.
    pub fn staff_id(&self) -> Option<String> {
        self.staff.then(|| self.user_id.clone())
    }

    /// Who the audit log names for this caller's changes.
    pub fn actor(&self, ip: Option<IpAddr>, user_agent: Option<String>) -> Actor {
        Actor {
            user_id: Some(self.user_id.clone()),
            ip,
            user_agent,
            staff: self.staff,
        }
    }
}

/// Where a check comes from, for the `support.access` entries: e.g. `GET /api/v1/orgs/…`.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub what: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

/// A caller's standing in one organisation.
pub enum Standing {
    Member(Membership),
    /// Support staff, and the organisation does not allow support access.
    StaffRefused(Org),
    /// Not in it, or no such organisation.
    Outsider,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// No such organisation, or the caller is not in it.
    NotFound,
    /// A member, but without this permission.
    Forbidden(Permission),
    /// The organisation's IP allowlist does not include the caller's address.
    IpNotAllowed,
    /// One factor, where the organisation requires two (support staff always need two).
    SecondFactorRequired,
}

/// The caller's standing in `org_id`, whatever it allows; `None` if not a member (and not a
/// platform administrator, nor support staff let in by the organisation) or no such
/// organisation. Records nothing and applies no policy: adapters go through `gate::may`.
pub async fn membership(
    db: &Db,
    user_id: &str,
    org_id: &str,
) -> Result<Option<Membership>, FlowError> {
    Ok(match standing(db, user_id, org_id).await? {
        Standing::Member(membership) => Some(membership),
        Standing::StaffRefused(_) | Standing::Outsider => None,
    })
}

pub async fn standing(db: &Db, user_id: &str, org_id: &str) -> Result<Standing, FlowError> {
    let Some(org) = orgs::find(db, org_id).await? else {
        return Ok(Standing::Outsider);
    };
    let member = orgs::find_member(db, org_id, user_id).await?;
    let platform_admin = platform_admins::is_admin(db, user_id).await?;
    let (roles, staff) = match (member, platform_admin) {
        (Some(member), _) => (member.roles, false),
        (None, true) => (Vec::new(), false),
        (None, false) => {
            if !support_staff::is_staff(db, user_id).await? {
                return Ok(Standing::Outsider);
            }
            if !OrgSettings::from_stored(&org.settings)?.support_access {
                return Ok(Standing::StaffRefused(org));
            }
            (Vec::new(), true)
        }
    };
    let permissions = match staff {
        true => STAFF_PERMISSIONS.into_iter().collect(),
        false => permissions_of(&roles, &custom_roles(db, org_id).await?),
    };
    Ok(Standing::Member(Membership {
        permissions,
        org,
        user_id: user_id.to_owned(),
        roles,
        platform_admin,
        staff,
    }))
}

/// The organisation's custom roles with their (known) permissions.
pub async fn custom_roles(db: &Db, org_id: &str) -> Result<Vec<CustomRole>, FlowError> {
    Ok(orgs::roles(db, org_id)
        .await?
        .into_iter()
        .map(|role| CustomRole {
            permissions: role
                .permissions
                .iter()
                .filter_map(|p| Permission::parse(p))
                .collect(),
            name: role.name,
        })
        .collect())
}

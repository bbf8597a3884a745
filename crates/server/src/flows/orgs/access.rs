//! The one authorisation check for everything inside an organisation: every adapter (REST
//! API, admin pages, API tokens) asks [`require`] before reading or changing an
//! organisation's members, roles, settings, tokens or audit entries.
//!
//! Someone who is neither a member nor a platform administrator gets [`Denied::NotFound`], the
//! same answer as for an organisation that does not exist, so ids of other organisations
//! reveal nothing. A member without the permission gets [`Denied::Forbidden`].

use std::collections::BTreeSet;

use poort_store::entities::organisations::Model as Org;
use poort_store::{Db, orgs, platform_admins};

use super::permission::{CustomRole, Permission, permissions_of};
use crate::flows::FlowError;
use crate::state::AppState;

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
}

impl Membership {
    pub fn is_owner(&self) -> bool {
        self.platform_admin || self.roles.iter().any(|r| r == orgs::OWNER_ROLE)
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.platform_admin || self.permissions.contains(&permission)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// No such organisation, or the caller is not in it.
    NotFound,
    /// A member, but without this permission.
    Forbidden(Permission),
}

/// The caller's membership of `org_id` if it grants `permission`.
pub async fn require(
    state: &AppState,
    actor_user_id: &str,
    org_id: &str,
    permission: Permission,
) -> Result<Result<Membership, Denied>, FlowError> {
    require_in(&state.db, actor_user_id, org_id, permission).await
}

/// [`require`] over a database handle.
pub async fn require_in(
    db: &Db,
    actor_user_id: &str,
    org_id: &str,
    permission: Permission,
) -> Result<Result<Membership, Denied>, FlowError> {
    let Some(membership) = membership(db, actor_user_id, org_id).await? else {
        return Ok(Err(Denied::NotFound));
    };
    Ok(match membership.has(permission) {
        true => Ok(membership),
        false => Err(Denied::Forbidden(permission)),
    })
}

/// The caller's standing in `org_id`, whatever it allows; `None` if not a member (and not a
/// platform administrator) or no such organisation.
pub async fn membership(
    db: &Db,
    user_id: &str,
    org_id: &str,
) -> Result<Option<Membership>, FlowError> {
    let Some(org) = orgs::find(db, org_id).await? else {
        return Ok(None);
    };
    let member = orgs::find_member(db, org_id, user_id).await?;
    let platform_admin = platform_admins::is_admin(db, user_id).await?;
    let roles = match (member, platform_admin) {
        (Some(member), _) => member.roles,
        (None, true) => Vec::new(),
        (None, false) => return Ok(None),
    };
    let custom = custom_roles(db, org_id).await?;
    Ok(Some(Membership {
        permissions: permissions_of(&roles, &custom),
        org,
        user_id: user_id.to_owned(),
        roles,
        platform_admin,
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

/// The caller's membership of `org_id`, whatever it allows (reading the organisation itself).
pub async fn require_member(
    state: &AppState,
    actor_user_id: &str,
    org_id: &str,
) -> Result<Result<Membership, Denied>, FlowError> {
    Ok(membership(&state.db, actor_user_id, org_id)
        .await?
        .ok_or(Denied::NotFound))
}

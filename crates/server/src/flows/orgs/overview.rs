//! What the admin pages show of an organisation: the caller's organisations, and one
//! organisation's members, custom roles and settings.

use poort_store::entities::organisations::Model as Org;
use poort_store::entities::users::Model as User;
use poort_store::orgs::{self, Member, Role};
use poort_store::{Db, platform_admins, support_staff};

use super::settings::OrgSettings;
use crate::flows::FlowError;

/// The organisations a user can open in the admin pages, with their roles there (every
/// organisation, roles empty where not a member, for a platform administrator; for support
/// staff, also those that allow support access).
pub async fn organisations_of(
    db: &Db,
    user_id: &str,
) -> Result<Vec<(Org, Vec<String>)>, FlowError> {
    let mine: Vec<(Org, Vec<String>)> = orgs::memberships_of(db, user_id)
        .await?
        .into_iter()
        .map(|(org, member)| (org, member.roles))
        .collect();
    let every = platform_admins::is_admin(db, user_id).await?;
    // Support staff also see the organisations that allow support access (opening one is
    // audited by `access`).
    let staff = !every && support_staff::is_staff(db, user_id).await?;
    if !every && !staff {
        return Ok(mine);
    }
    Ok(orgs::list(db)
        .await?
        .into_iter()
        .filter(|org| {
            every
                || mine.iter().any(|(o, _)| o.id == org.id)
                || OrgSettings::from_stored(&org.settings).is_ok_and(|s| s.support_access)
        })
        .map(|org| {
            let roles = mine
                .iter()
                .find(|(o, _)| o.id == org.id)
                .map(|(_, r)| r.clone())
                .unwrap_or_default();
            (org, roles)
        })
        .collect())
}

pub struct Overview {
    pub members: Vec<(Member, User)>,
    pub roles: Vec<Role>,
    pub settings: OrgSettings,
}

/// Members, custom roles and settings of `org` (the caller passed `access::require`).
pub async fn overview(db: &Db, org: &Org) -> Result<Overview, FlowError> {
    Ok(Overview {
        members: orgs::members(db, &org.id).await?,
        roles: orgs::roles(db, &org.id).await?,
        settings: OrgSettings::from_stored(&org.settings)?,
    })
}

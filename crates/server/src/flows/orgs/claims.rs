//! The `organizations` claim (ID token and userinfo) for the `organizations` and `roles`
//! scopes: the user's organisations with their roles there (the roles are dropped by
//! `user_claims_for_scopes` unless `roles` was granted).

use poort_oidc::claims::OrganizationClaim;
use poort_oidc::scope::{self, Scopes};
use poort_store::{Db, orgs};

use crate::flows::FlowError;

/// `None` (and no database read) unless `scopes` ask for organisations.
pub async fn organizations_claim(
    db: &Db,
    user_id: &str,
    scopes: &Scopes,
) -> Result<Option<Vec<OrganizationClaim>>, FlowError> {
    if !scopes.contains(scope::ORGANIZATIONS) && !scopes.contains(scope::ROLES) {
        return Ok(None);
    }
    let claim = orgs::memberships_of(db, user_id)
        .await?
        .into_iter()
        .map(|(org, member)| OrganizationClaim {
            id: org.id,
            name: org.name,
            roles: Some(member.roles),
        })
        .collect();
    Ok(Some(claim))
}

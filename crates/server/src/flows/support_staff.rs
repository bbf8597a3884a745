//! Support staff: platform-level users (not platform administrators) who may help inside an
//! organisation when, and only while, that organisation allows support access
//! (`OrgSettings::support_access`, off by default). What they may do there and how every use
//! is audited lives in `orgs::access`; here they are made and unmade (`poort support …`),
//! each change in the platform audit chain.

use poort_store::entities::users::Model as User;
use poort_store::{Db, support_staff, users};

use super::FlowError;
use super::audit::AuditEntry;
use super::orgs::Actor;

/// Why a staff change is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    #[error("no user with the email address {0:?}")]
    NoSuchUser(String),
    #[error("{0:?} is not support staff")]
    NotStaff(String),
}

/// One support-staff user.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StaffView {
    pub user_id: String,
    pub email: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

async fn find_user(db: &Db, email: &str) -> Result<Option<User>, FlowError> {
    Ok(users::find_by_email(db, email).await?)
}

fn entry(action: &'static str, actor: &Actor, user: &User) -> AuditEntry {
    AuditEntry {
        actor: actor.user_id.clone(),
        ip: actor.ip,
        user_agent: actor.user_agent.clone(),
        subject: Some(user.id.clone()),
        target: Some(user.id.clone()),
        ..AuditEntry::new(action)
    }
}

/// Makes the user with `email` support staff; the flag says whether they were not before
/// (adding twice changes and records nothing).
pub async fn add(
    db: &Db,
    now: i64,
    actor: &Actor,
    email: &str,
) -> Result<Result<(User, bool), StaffError>, FlowError> {
    let Some(user) = find_user(db, email).await? else {
        return Ok(Err(StaffError::NoSuchUser(email.trim().to_owned())));
    };
    let audit = entry("support_staff.added", actor, &user).into_new(now);
    let added = support_staff::add(db, &user.id, actor.user_id.as_deref(), now, audit).await?;
    Ok(Ok((user, added)))
}

/// Ends the staff standing of the user with `email`: their next request to any organisation
/// is an outsider's.
pub async fn remove(
    db: &Db,
    now: i64,
    actor: &Actor,
    email: &str,
) -> Result<Result<User, StaffError>, FlowError> {
    let Some(user) = find_user(db, email).await? else {
        return Ok(Err(StaffError::NoSuchUser(email.trim().to_owned())));
    };
    let audit = entry("support_staff.removed", actor, &user).into_new(now);
    Ok(match support_staff::remove(db, &user.id, audit).await? {
        true => Ok(user),
        false => Err(StaffError::NotStaff(user.email)),
    })
}

/// Every support-staff user, by email.
pub async fn list(db: &Db) -> Result<Vec<StaffView>, FlowError> {
    Ok(support_staff::list(db)
        .await?
        .into_iter()
        .map(|(row, user)| StaffView {
            user_id: row.user_id,
            email: user.email,
            created_at: row.created_at,
            created_by: row.created_by,
        })
        .collect())
}

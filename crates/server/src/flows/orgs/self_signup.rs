//! Organisations open to self sign-up (`self_signup`, limited to their `email_domains`): who
//! may create an account because of them, and joining them once the address is verified.

use poort_store::entities::organisations::Model as Org;
use poort_store::entities::users::Model as User;
use poort_store::{Db, orgs};

use super::manage::{self, Authority, OrgError};
use super::{Actor, BuiltinRole, OrgSettings};
use crate::flows::FlowError;
use crate::state::AppState;

/// The organisations whose self sign-up covers `email`.
pub async fn open_to(db: &Db, email: &str) -> Result<Vec<Org>, FlowError> {
    let mut open = Vec::new();
    for org in orgs::list(db).await? {
        let settings = OrgSettings::from_stored(&org.settings)?;
        if settings.self_signup && settings.email_domains.allows_email(email) {
            open.push(org);
        }
    }
    Ok(open)
}

/// Whether any organisation takes self sign-ups (the sign-up page is open then).
pub async fn any_open(db: &Db) -> Result<bool, FlowError> {
    for org in orgs::list(db).await? {
        if OrgSettings::from_stored(&org.settings)?.self_signup {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A newly verified account joins every organisation open to its address, as a member; each
/// join is audited in that organisation's chain with the user as actor. Returns their names.
pub async fn join(state: &AppState, user: &User) -> Result<Vec<String>, FlowError> {
    let actor = Actor {
        user_id: Some(user.id.clone()),
        ..Actor::operator()
    };
    let mut joined = Vec::new();
    for org in open_to(&state.db, &user.email).await? {
        let roles = vec![BuiltinRole::Member.as_str().to_owned()];
        // The organisation's setting is the authority: it admits members of its domains.
        let added = manage::add_member(
            &state.db,
            state.now(),
            &actor,
            &Authority::Operator,
            &org,
            &user.email,
            roles,
        )
        .await?;
        match added {
            Ok(_) => joined.push(org.name),
            Err(OrgError::AlreadyMember) => {}
            Err(refused) => {
                tracing::warn!(org = %org.id, error = %refused, "a self sign-up did not join");
            }
        }
    }
    Ok(joined)
}

//! The one hook in the password login: after a right password, a user with second factors
//! gets the second step instead of a session, and a user who must enroll one is sent to do so.

use axum::response::Response;
use poort_store::entities::users::Model as User;
use poort_store::mfa_factors;

use super::super::error::PageError;
use super::super::see_other;
use super::super::session::set_cookie;
use super::tx_query;
use crate::flows::FlowError;
use crate::flows::mfa::enforcement;
use crate::flows::mfa::pending::{self, SecondStep};
use crate::flows::orgs::member_policy::EffectivePolicy;
use crate::flows::session::{self, LiveSession, SessionUser};
use crate::state::AppState;

/// `Some(response)` when the login continues here rather than with a plain session.
pub async fn after_password(
    state: &AppState,
    live: &LiveSession,
    user: &User,
    policy: &EffectivePolicy,
    tx: &str,
) -> Result<Option<Response>, PageError> {
    let factors = mfa_factors::count_for_user(&state.db, &user.id)
        .await
        .map_err(FlowError::from)?;
    if factors > 0 {
        let step = SecondStep {
            user_id: user.id.clone(),
            amr: vec!["pwd".into()],
            sid: None,
        };
        pending::begin(state, &live.cookie, &step).await?;
        return Ok(Some(see_other(&format!("/login/mfa{}", tx_query(tx)))));
    }
    // The organisations' requirement comes from the login's one lookup.
    if !enforcement::required_with(state, policy) {
        return Ok(None);
    }
    // Signed in with the password, but every client stays out of reach until enrollment.
    let session_user = SessionUser {
        user_id: user.id.clone(),
        auth_time: state.now(),
        amr: vec!["pwd".into()],
        sid: poort_store::new_id(),
    };
    let fresh = session::establish(state, Some(live), session_user).await?;
    let mut response = see_other(&format!("/account/mfa/required{}", tx_query(tx)));
    set_cookie(state, &mut response, &fresh);
    Ok(Some(response))
}

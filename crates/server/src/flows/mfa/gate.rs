//! The check the authorization endpoint makes before issuing a code to a logged-in user: a user
//! who must enroll a second factor is sent to enrollment, and a relying party asking for
//! multi-factor (`acr_values`) gets a step-up when the session has only one factor.

use poort_oidc::authorize::AuthorizeRequest;
use poort_store::mfa_factors;

use super::super::FlowError;
use super::super::session::SessionUser;
use super::{acr, enforcement};
use crate::state::AppState;

/// Where the user must go before the request can continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Set up a second factor (2FA is required and they have none).
    Enroll,
    /// Prove a second factor now (the client asked for multi-factor).
    StepUp,
}

impl Gate {
    /// Our page for this gate, continuing the pending request `tx` afterwards.
    pub fn url(self, tx: &str) -> String {
        match self {
            Gate::Enroll => format!("/account/mfa/required?tx={tx}"),
            Gate::StepUp => format!("/login/mfa?tx={tx}"),
        }
    }
}

pub async fn check(
    state: &AppState,
    request: &AuthorizeRequest,
    user: &SessionUser,
) -> Result<Option<Gate>, FlowError> {
    check_for(state, request.acr_values.as_deref(), user).await
}

/// The same check for a request that asks for `acr_values` (none: a device's approval, which
/// gets the enrolment rule only).
pub async fn check_for(
    state: &AppState,
    acr_values: Option<&str>,
    user: &SessionUser,
) -> Result<Option<Gate>, FlowError> {
    let factors = mfa_factors::count_for_user(&state.db, &user.user_id).await?;
    if factors == 0 {
        let required = enforcement::requirement_for(state, &user.user_id)
            .await?
            .required;
        if required && !enforcement::postponed(state, &user.sid).await? {
            return Ok(Some(Gate::Enroll));
        }
        // Nothing to step up with: the client sees the `acr` it got and decides.
        return Ok(None);
    }
    if acr::requests_multi_factor(acr_values) && !acr::is_multi_factor(&user.amr) {
        return Ok(Some(Gate::StepUp));
    }
    Ok(None)
}

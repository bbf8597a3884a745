//! Re-entering the password before changing second factors (rename, remove, new recovery
//! codes) or the email address: a stolen session alone cannot weaken the account. Wrong
//! passwords count toward the same per-user throttle as wrong codes, and as at login the
//! attempt takes its place in the hashing queue, then in the throttle, before it is verified.

use poort_credentials::Password;
use poort_store::users;

use super::super::FlowError;
use super::throttle;
use crate::state::AppState;

#[derive(Debug, PartialEq, Eq)]
pub enum Reauth {
    Confirmed,
    WrongPassword,
    Throttled,
}

pub async fn confirm_password(
    state: &AppState,
    user_id: &str,
    password: &str,
) -> Result<Reauth, FlowError> {
    // A full hashing queue answers "busy" before anything is counted.
    let admission = state.hashing.admit()?;
    let Some(attempt) = throttle::reserve(state, user_id).await? else {
        return Ok(Reauth::Throttled);
    };
    let stored = users::find_by_id(&state.db, user_id)
        .await?
        .filter(|u| u.is_active())
        .and_then(|u| u.password_hash);
    let verified = match (stored, Password::new(password)) {
        (Some(stored), Ok(password)) => {
            admission
                .run(move |hasher| hasher.verify(&password, &stored).unwrap_or(false))
                .await?
        }
        _ => false,
    };
    if verified {
        throttle::succeeded(state, attempt).await?;
        return Ok(Reauth::Confirmed);
    }
    throttle::failed(state, attempt).await?;
    Ok(Reauth::WrongPassword)
}

//! Re-entering the password before changing second factors (rename, remove, new recovery
//! codes): a stolen session alone cannot weaken the account. Wrong passwords count toward the
//! same per-user throttle as wrong codes.

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
    if throttle::is_locked(state, user_id).await? {
        return Ok(Reauth::Throttled);
    }
    let stored = users::find_by_id(&state.db, user_id)
        .await?
        .filter(|u| u.is_active())
        .and_then(|u| u.password_hash);
    let verified = match (stored, Password::new(password)) {
        (Some(stored), Ok(password)) => {
            state
                .hashing
                .run(move |hasher| hasher.verify(&password, &stored).unwrap_or(false))
                .await?
        }
        _ => false,
    };
    if verified {
        return Ok(Reauth::Confirmed);
    }
    throttle::record_failure(state, user_id).await?;
    Ok(Reauth::WrongPassword)
}

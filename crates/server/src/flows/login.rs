//! Password login: the same answer, in about the same time, whether or not the account exists;
//! hashing on the bounded pool; a hash below the configured default is upgraded on success.

use poort_credentials::Password;
use poort_store::entities::users::Model as User;
use poort_store::users;

use super::FlowError;
use crate::state::AppState;

pub enum LoginOutcome {
    Success(User),
    /// Unknown account, wrong password, or a disabled account: one answer for all.
    Failed,
}

pub async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
) -> Result<LoginOutcome, FlowError> {
    let login = login.trim();
    let Ok(password) = Password::new(password) else {
        return Ok(LoginOutcome::Failed);
    };
    let user = if login.is_empty() || login.len() > 320 {
        None
    } else {
        users::find_by_login(&state.db, login).await?
    };
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled)
        .and_then(|u| u.password_hash.clone());
    let Some(stored) = stored else {
        state
            .hashing
            .run(move |hasher| hasher.verify_dummy(&password))
            .await?;
        return Ok(LoginOutcome::Failed);
    };
    let (verified, rehashed) = state
        .hashing
        .run(move |hasher| {
            let verified = hasher.verify(&password, &stored).unwrap_or(false);
            let rehashed = (verified && hasher.needs_rehash(&stored))
                .then(|| hasher.hash(&password).ok())
                .flatten();
            (verified, rehashed)
        })
        .await?;
    let Some(user) = user.filter(|_| verified) else {
        return Ok(LoginOutcome::Failed);
    };
    if let Some(hash) = rehashed {
        users::set_password_hash(&state.db, &user.id, hash.as_str(), state.now()).await?;
    }
    Ok(LoginOutcome::Success(user))
}

//! A user's second factors as the account page sees them: listing, renaming and removing (after
//! re-entering the password; never the last one while a second factor is required).

use poort_store::entities::mfa_factors::Model as Factor;
use poort_store::entities::users::Model as User;
use poort_store::mfa_factors::{self, KIND_TOTP};
use poort_store::{Db, StoreError, users};

use super::super::FlowError;
use super::enforcement;
use super::reauth::{self, Reauth};
use crate::state::AppState;

/// Longest factor name, in characters.
const MAX_NAME_CHARS: usize = 64;

/// Trims a name; `fallback` when empty; refuses long ones and control characters (the
/// refusal is a message catalog key).
pub fn clean_name(name: &str, fallback: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("mfa_pages.name_too_long");
    }
    if name.chars().any(char::is_control) {
        return Err("mfa_pages.name_control");
    }
    Ok(match name.is_empty() {
        true => fallback.to_owned(),
        false => name.to_owned(),
    })
}

/// What kind of factor this is, as a message catalog key.
pub fn describe(factor: &Factor) -> &'static str {
    match (factor.kind.as_str(), factor.passkey) {
        (KIND_TOTP, _) => "mfa_pages.kind_totp",
        (_, true) => "mfa_pages.kind_passkey",
        _ => "mfa_pages.kind_security_key",
    }
}

pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<Factor>, FlowError> {
    Ok(mfa_factors::list_for_user(&state.db, user_id).await?)
}

/// Why a change was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeError {
    WrongPassword,
    Throttled,
    NotFound,
    BadName(&'static str),
    /// Removing it would leave no factor while one is required.
    LastRequired,
}

async fn reauthenticate(
    state: &AppState,
    user_id: &str,
    password: &str,
) -> Result<Result<(), ChangeError>, FlowError> {
    Ok(
        match reauth::confirm_password(state, user_id, password).await? {
            Reauth::Confirmed => Ok(()),
            Reauth::WrongPassword => Err(ChangeError::WrongPassword),
            Reauth::Throttled => Err(ChangeError::Throttled),
        },
    )
}

pub async fn rename(
    state: &AppState,
    user_id: &str,
    factor_id: &str,
    name: &str,
    password: &str,
) -> Result<Result<(), ChangeError>, FlowError> {
    let name = match clean_name(name, "") {
        Ok(name) if !name.is_empty() => name,
        Ok(_) => return Ok(Err(ChangeError::BadName("mfa_pages.name_empty"))),
        Err(why) => return Ok(Err(ChangeError::BadName(why))),
    };
    if let Err(e) = reauthenticate(state, user_id, password).await? {
        return Ok(Err(e));
    }
    match mfa_factors::rename(&state.db, user_id, factor_id, &name).await? {
        true => Ok(Ok(())),
        false => Ok(Err(ChangeError::NotFound)),
    }
}

pub async fn remove(
    state: &AppState,
    user_id: &str,
    factor_id: &str,
    password: &str,
) -> Result<Result<(), ChangeError>, FlowError> {
    if let Err(e) = reauthenticate(state, user_id, password).await? {
        return Ok(Err(e));
    }
    let Some(factor) = mfa_factors::find_for_user(&state.db, user_id, factor_id).await? else {
        return Ok(Err(ChangeError::NotFound));
    };
    if enforcement::requirement_for(state, user_id).await?.required
        && mfa_factors::count_for_user(&state.db, user_id).await? <= 1
    {
        return Ok(Err(ChangeError::LastRequired));
    }
    let details = serde_json::json!({ "factor_id": factor_id, "kind": factor.kind });
    let entry = crate::flows::audit::AuditEntry::about("mfa.factor_removed", user_id, details);
    let audit = Some(entry.into_new(state.now()));
    let removed = mfa_factors::remove(&state.db, user_id, factor_id, audit).await?;
    if !removed.removed {
        return Ok(Err(ChangeError::NotFound));
    }
    tracing::info!(
        user_id,
        factor_id,
        last = removed.was_last,
        "second factor removed"
    );
    let notice = crate::mail::MailTemplate::FactorRemoved { name: factor.name };
    crate::mail::notify_user_id(state, user_id, notice).await;
    Ok(Ok(()))
}

/// A new set of recovery codes (the old set stops working), after the password.
pub async fn regenerate_recovery_codes(
    state: &AppState,
    user_id: &str,
    password: &str,
) -> Result<Result<Vec<String>, ChangeError>, FlowError> {
    if let Err(e) = reauthenticate(state, user_id, password).await? {
        return Ok(Err(e));
    }
    // Without a second factor there is no second step for a recovery code to stand in for.
    if mfa_factors::count_for_user(&state.db, user_id).await? == 0 {
        return Ok(Err(ChangeError::NotFound));
    }
    Ok(Ok(super::recovery::regenerate(state, user_id).await?))
}

/// The operator's reset for a user who lost every factor and recovery code: all of them are
/// removed, so the password alone signs in again (and, where 2FA is required, leads straight
/// to enrollment). `None` if no such user; else the user and how many factors went.
pub async fn reset_for_login(db: &Db, login: &str) -> Result<Option<(User, u64)>, StoreError> {
    let Some(user) = users::find_by_login(db, login.trim()).await? else {
        return Ok(None);
    };
    let removed = mfa_factors::remove_all_for_user(db, &user.id).await?;
    tracing::info!(user_id = %user.id, removed, "second factors reset by an operator");
    Ok(Some((user, removed)))
}

/// The `mfa.factor_added` entry that commits with a new factor (`mfa_factors::insert`).
pub fn added_entry(
    state: &AppState,
    user_id: &str,
    factor_id: &str,
    kind: &str,
) -> poort_store::audit::NewAuditEntry {
    let details = serde_json::json!({ "factor_id": factor_id, "kind": kind });
    crate::flows::audit::AuditEntry::about("mfa.factor_added", user_id, details)
        .into_new(state.now())
}

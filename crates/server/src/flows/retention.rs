//! Account deletion and data retention: a deleted account stops working at once (its sessions
//! end and its token families are revoked, their live access tokens deny-listed, on every
//! node), stays
//! restorable for `deleted_account_retention_days`, and is then purged by [`purge`], which a
//! background task runs hourly on one node at a time (and `poort purge` on demand).

use std::time::Duration;

use poort_store::retention::{self, Deactivation, Purged};
use poort_store::users;
use serde_json::json;

use super::FlowError;
use crate::state::{AppState, SharedState};

const DAY: i64 = 86_400;
/// How often each node tries to purge; the store's lock lets one of them do it.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// What happened to a deletion or restore request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Done,
    /// Already deleted (delete) or not deleted / past the retention period (restore).
    NotApplicable,
    NoSuchUser,
}

/// Deletes the account with this email or username: deactivated now, purged later.
pub async fn delete_account(state: &AppState, login: &str) -> Result<Change, FlowError> {
    let change = deactivate(state, login, Deactivation::Deleted, "account.deleted").await?;
    if change == Change::Done {
        tracing::info!(login, "account deleted; purged after the retention period");
    }
    Ok(change)
}

/// Disables the account with this email or username until [`enable_account`].
pub async fn disable_account(state: &AppState, login: &str) -> Result<Change, FlowError> {
    deactivate(state, login, Deactivation::Disabled, "account.disabled").await
}

/// The account stops working everywhere at once: in one transaction it is marked, its API
/// tokens revoked and the change audited; then its token families are revoked (their access
/// tokens deny-listed), its sessions ended and every node told about the API tokens.
async fn deactivate(
    state: &AppState,
    login: &str,
    how: Deactivation,
    action: &'static str,
) -> Result<Change, FlowError> {
    let Some(user) = users::find_by_login(&state.db, login).await? else {
        return Ok(Change::NoSuchUser);
    };
    let now = state.now();
    let mut entry = super::audit::AuditEntry::about(action, &user.id, json!({}));
    entry.actor = None;
    let audit = entry.into_new(now);
    let Some(revoked) = retention::deactivate(&state.db, &user.id, how, now, audit).await? else {
        return Ok(Change::NotApplicable);
    };
    state.caches.users.remove(&user.id);
    for token in &revoked {
        super::api_tokens::announce_revocation(state, &token.id, &token.digest).await?;
    }
    super::token::revoke_all_for_user(state, &user.id).await?;
    super::session::end_all_for_user(state, &user.id, None).await?;
    // Queued with the change (its transaction): deliver now.
    super::backchannel_logout::wake(state);
    Ok(Change::Done)
}

/// Enables a disabled account. Its tokens and sessions stay ended: the user signs in again.
pub async fn enable_account(state: &AppState, login: &str) -> Result<Change, FlowError> {
    let Some(user) = users::find_by_login(&state.db, login).await? else {
        return Ok(Change::NoSuchUser);
    };
    let now = state.now();
    let mut entry = super::audit::AuditEntry::about("account.enabled", &user.id, json!({}));
    entry.actor = None;
    let enabled = retention::enable(&state.db, &user.id, now, entry.into_new(now)).await?;
    state.caches.users.remove(&user.id);
    Ok(match enabled {
        true => Change::Done,
        false => Change::NotApplicable,
    })
}

/// Restores a deleted account if the retention period has not passed. Its tokens (API tokens
/// included) stay revoked: the user signs in again.
pub async fn restore_account(state: &AppState, login: &str) -> Result<Change, FlowError> {
    let Some(user) = users::find_by_login(&state.db, login).await? else {
        return Ok(Change::NoSuchUser);
    };
    let now = state.now();
    let restored =
        retention::restore(&state.db, &user.id, retention_cutoff(state, now), now).await?;
    state.caches.users.remove(&user.id);
    if restored {
        let mut entry = super::audit::AuditEntry::about("account.restored", &user.id, json!({}));
        entry.actor = None;
        super::audit::record(state, entry).await?;
    }
    Ok(match restored {
        true => Change::Done,
        false => Change::NotApplicable,
    })
}

/// Purges what the retention period no longer covers. `None` when another node is purging.
pub async fn purge(state: &AppState) -> Result<Option<Purged>, FlowError> {
    let now = state.now();
    Ok(retention::purge(&state.db, retention_cutoff(state, now), now).await?)
}

/// Accounts deleted at or before this time are past their retention period.
fn retention_cutoff(state: &AppState, now: i64) -> i64 {
    now - i64::from(state.config.deleted_account_retention_days) * DAY
}

/// Runs [`purge`] every hour until the server stops.
pub async fn purge_periodically(state: SharedState) {
    loop {
        tokio::time::sleep(PURGE_EVERY).await;
        match purge(&state).await {
            Ok(Some(purged)) if purged != Purged::default() => tracing::info!(
                accounts = purged.accounts,
                expired_refresh_tokens = purged.expired_refresh_tokens,
                "retention purge"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention purge failed; retrying in an hour"),
        }
    }
}

//! Account deletion and data retention: a deleted account stops working at once (its sessions
//! end and its token families are revoked, their live access tokens deny-listed, on every
//! node), stays
//! restorable for `deleted_account_retention_days`, and is then purged by [`purge`], which a
//! background task runs hourly on one node at a time (and `poort purge` on demand).

use std::time::Duration;

use poort_store::retention::{self, Purged};
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
    let Some(user) = users::find_by_login(&state.db, login).await? else {
        return Ok(Change::NoSuchUser);
    };
    let now = state.now();
    if !retention::mark_deleted(&state.db, &user.id, now).await? {
        return Ok(Change::NotApplicable);
    }
    super::token::revoke_all_for_user(state, &user.id).await?;
    super::session::end_all_for_user(state, &user.id, None).await?;
    state.caches.users.remove(&user.id);
    let mut entry = super::audit::AuditEntry::about("account.deleted", &user.id, json!({}));
    entry.actor = None;
    super::audit::record(state, entry).await?;
    tracing::info!(user_id = %user.id, "account deleted; purged after the retention period");
    Ok(Change::Done)
}

/// Restores a deleted account if the retention period has not passed. Its tokens stay
/// revoked: the user signs in again.
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

//! The background sender of logout tokens: claims due rows from `backchannel_logouts`
//! (compare-and-set, so two nodes never deliver the same row at once), signs each token, POSTs
//! it as `logout_token=<jwt>` to the client's `backchannel_logout_uri` through
//! `state.outbound` (its policy and timeout), and reschedules failures with exponential
//! backoff. 200 and 204 are success (§2.8); any other status, a timeout, a refused connection
//! or a refused address is retried. After `max_attempts` the row is given up, logged as an
//! error and kept for the operator. Also sweeps `session_clients` of sessions that ended by
//! themselves, hourly.

use std::time::Duration;

use poort_store::backchannel_logouts::{self, Failure};
use poort_store::entities::backchannel_logouts::Model as QueuedLogout;
use poort_store::{clients, session_clients};

use crate::flows::FlowError;
use crate::flows::backchannel_logout::logout_token;
use crate::mail::worker::backoff;
use crate::metrics::LogoutDelivery;
use crate::state::{AppState, SharedState};

/// A claimed row belongs to its node this long; longer than any POST (the outbound timeout).
const LEASE_SECS: i64 = 120;
/// Rows claimed per round.
const BATCH: u64 = 20;
/// How often the rows of sessions that expired by themselves are swept.
const SWEEP_EVERY_SECS: i64 = 3600;
/// How often the queue depth is counted when nothing was delivered.
const COUNT_EVERY_SECS: i64 = 30;

/// Runs until the task is aborted (at shutdown).
pub async fn run(state: SharedState) {
    let poll = Duration::from_millis(state.config.backchannel_logout.poll_interval_ms.max(1));
    let mut swept_at = i64::MIN;
    let mut counted_at = i64::MIN;
    loop {
        let claimed = match deliver_due(&state).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "back-channel logout queue unavailable; will retry");
                0
            }
        };
        let now = state.now();
        if claimed > 0 || now.saturating_sub(counted_at) >= COUNT_EVERY_SECS {
            if let Ok(depth) = backchannel_logouts::pending_count(&state.db).await {
                state.metrics.set_backchannel_logout_queue(depth);
            }
            counted_at = now;
        }
        if now.saturating_sub(swept_at) >= SWEEP_EVERY_SECS {
            match session_clients::sweep_expired(&state.db, now).await {
                Ok(_) => swept_at = now,
                Err(e) => tracing::warn!(error = %e, "sweeping ended sessions' clients failed"),
            }
        }
        // A full batch: there may be more waiting.
        if claimed as u64 >= BATCH {
            continue;
        }
        tokio::select! {
            _ = state.backchannel.wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Delivers every logout token due now; returns how many rows were claimed.
pub async fn deliver_due(state: &AppState) -> Result<usize, FlowError> {
    let claimed = backchannel_logouts::claim_due(&state.db, state.now(), LEASE_SECS, BATCH).await?;
    let count = claimed.len();
    for row in claimed {
        deliver(state, row).await?;
    }
    Ok(count)
}

/// Why an attempt failed, and whether trying again could help.
struct Failed {
    message: String,
    permanent: bool,
}

async fn deliver(state: &AppState, row: QueuedLogout) -> Result<(), FlowError> {
    let outcome = attempt(state, &row).await?;
    let failed = match outcome {
        Ok(()) => {
            tracing::info!(logout = %row.id, client = %row.client_id, "logout token delivered");
            state.metrics.backchannel_logout(LogoutDelivery::Delivered);
            backchannel_logouts::delete_delivered(&state.db, &row.id).await?;
            return Ok(());
        }
        Err(failed) => failed,
    };
    let attempts = row.attempts.saturating_add(1);
    let settings = &state.config.backchannel_logout;
    let max = i32::try_from(settings.max_attempts).unwrap_or(i32::MAX);
    let now = state.now();
    let retry_at = match failed.permanent || attempts >= max {
        true => None,
        false => Some(now.saturating_add_unsigned(backoff(settings.retry_base_secs, attempts))),
    };
    match retry_at {
        Some(at) => {
            state.metrics.backchannel_logout(LogoutDelivery::Failed);
            tracing::warn!(
                logout = %row.id, client = %row.client_id, attempts, retry_at = at,
                error = %failed.message, "delivering a logout token failed; will retry"
            );
        }
        None => {
            state.metrics.backchannel_logout(LogoutDelivery::Failed);
            state.metrics.backchannel_logout(LogoutDelivery::GivenUp);
            tracing::error!(
                logout = %row.id, client = %row.client_id, attempts, error = %failed.message,
                "delivering a logout token failed; giving up"
            );
        }
    }
    let failure = Failure {
        attempts,
        error: &failed.message,
        retry_at,
    };
    backchannel_logouts::record_failure(&state.db, &row.id, failure, now).await?;
    Ok(())
}

/// One delivery attempt. The outer error is this node's own trouble (the database): the row
/// keeps its lease and is tried again after it.
async fn attempt(state: &AppState, row: &QueuedLogout) -> Result<Result<(), Failed>, FlowError> {
    let client = clients::find(&state.db, &row.client_id).await?;
    let Some((client, uri)) = client.and_then(|c| {
        let uri = c.backchannel_logout_uri.clone()?;
        Some((c, uri))
    }) else {
        // The client was deleted or no longer wants logout tokens: nobody to tell.
        tracing::info!(logout = %row.id, client = %row.client_id, "logout token dropped: no URI");
        backchannel_logouts::delete_delivered(&state.db, &row.id).await?;
        return Ok(Ok(()));
    };
    let token = match logout_token(state, &client, row) {
        Ok(token) => token,
        // The row cannot become a valid token (it lacks the `sid` the client now requires).
        Err(FlowError::Corrupt(message)) => {
            return Ok(Err(Failed {
                message,
                permanent: true,
            }));
        }
        Err(e) => {
            return Ok(Err(Failed {
                message: e.to_string(),
                permanent: false,
            }));
        }
    };
    let outcome = state
        .outbound
        .post_form(&uri, &[("logout_token", token.as_str())])
        .await;
    Ok(match outcome {
        Ok(200 | 204) => Ok(()),
        Ok(status) => Err(Failed {
            message: format!("the client answered {status}"),
            permanent: false,
        }),
        Err(e) => Err(Failed {
            message: e.to_string(),
            permanent: false,
        }),
    })
}

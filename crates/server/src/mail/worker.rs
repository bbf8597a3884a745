//! The background sender: claims due mails from the queue (compare-and-set, so nodes never
//! send the same mail twice), sends them, and reschedules failures with exponential backoff.
//! A mail that keeps failing is given up after `max_attempts` and logged as an error; it stays
//! in the table for the operator.

use std::time::Duration;

use poort_store::entities::mail_queue::Model as QueuedMail;
use poort_store::mail_queue::{self, Failure};

use super::RenderedMail;
use crate::flows::FlowError;
use crate::state::{AppState, SharedState};

/// A claimed mail belongs to its node this long; longer than any send (timeouts are 15 s).
const LEASE_SECS: i64 = 120;
/// Mails claimed per round.
const BATCH: u64 = 20;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: u64 = 3600;

/// Runs until the task is aborted (at shutdown).
pub async fn run(state: SharedState) {
    let poll = Duration::from_millis(state.config.mail.poll_interval_ms.max(1));
    loop {
        match deliver_due(&state).await {
            // A full batch: there may be more waiting.
            Ok(n) if n as u64 >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail queue unavailable; will retry"),
        }
        tokio::select! {
            _ = state.mail.wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// Sends every mail due now; returns how many were claimed.
pub async fn deliver_due(state: &AppState) -> Result<usize, FlowError> {
    let claimed = mail_queue::claim_due(&state.db, state.now(), LEASE_SECS, BATCH).await?;
    let count = claimed.len();
    for row in claimed {
        deliver(state, row).await?;
    }
    Ok(count)
}

async fn deliver(state: &AppState, row: QueuedMail) -> Result<(), FlowError> {
    let outcome = match open(state, &row) {
        Ok(mail) => state.mail.transport.send(&state.mail.from, &mail).await,
        Err(message) => Err(super::transport::SendError {
            permanent: true,
            message,
        }),
    };
    let error = match outcome {
        Ok(()) => {
            tracing::info!(mail = %row.id, to = %row.recipient, "mail sent");
            mail_queue::delete_sent(&state.db, &row.id).await?;
            return Ok(());
        }
        Err(e) => e,
    };
    let attempts = row.attempts.saturating_add(1);
    let max = i32::try_from(state.config.mail.max_attempts).unwrap_or(i32::MAX);
    let now = state.now();
    let retry_at = match error.permanent || attempts >= max {
        true => None,
        false => {
            Some(now.saturating_add_unsigned(backoff(state.config.mail.retry_base_secs, attempts)))
        }
    };
    match retry_at {
        Some(at) => tracing::warn!(
            mail = %row.id, to = %row.recipient, attempts, retry_at = at, error = %error.message,
            "sending a mail failed; will retry"
        ),
        None => tracing::error!(
            mail = %row.id, to = %row.recipient, attempts, error = %error.message,
            "sending a mail failed; giving up"
        ),
    }
    let failure = Failure {
        attempts,
        error: &error.message,
        retry_at,
    };
    mail_queue::record_failure(&state.db, &row.id, failure, now).await?;
    Ok(())
}

fn open(state: &AppState, row: &QueuedMail) -> Result<RenderedMail, String> {
    let plain = state
        .master_key
        .decrypt(&row.sealed, row.id.as_bytes())
        .map_err(|e| format!("unsealing the mail (another master key?): {e}"))?;
    serde_json::from_slice(&plain).map_err(|e| format!("the queued mail is unreadable: {e}"))
}

/// `base`, doubled after each further failure, at most an hour.
pub fn backoff(base: u64, attempts: i32) -> u64 {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.max(1)
        .saturating_mul(1u64 << doublings)
        .min(MAX_BACKOFF_SECS)
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(30, 1), 30);
        assert_eq!(backoff(30, 2), 60);
        assert_eq!(backoff(30, 4), 240);
        assert_eq!(backoff(30, 30), 3600);
        assert_eq!(backoff(0, 1), 1);
    }
}

//! A per-user limit on wrong second-factor codes (and wrong passwords when re-authenticating),
//! counted in the ephemeral store so every node sees the same count.

use std::time::Duration;

use super::super::FlowError;
use crate::state::AppState;

/// Wrong attempts allowed per window; then every attempt is refused until the window ends.
pub const MAX_FAILURES: u64 = 5;
/// A fixed window starting at the first failure.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

fn key(user_id: &str) -> String {
    format!("mfa_fail:{user_id}")
}

/// True when the user has used up their attempts: do not even check the code.
pub async fn is_locked(state: &AppState, user_id: &str) -> Result<bool, FlowError> {
    let count = state
        .ephemeral
        .get(&key(user_id))
        .await?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse::<u64>().ok())
        .unwrap_or(0);
    Ok(count >= MAX_FAILURES)
}

/// Counts one wrong attempt; true if the user is now locked.
pub async fn record_failure(state: &AppState, user_id: &str) -> Result<bool, FlowError> {
    let count = state.ephemeral.incr(&key(user_id), WINDOW).await?;
    if count == MAX_FAILURES {
        tracing::warn!(user_id, "too many wrong second-factor attempts; throttled");
    }
    Ok(count >= MAX_FAILURES)
}

/// A correct code ends the count.
pub async fn clear(state: &AppState, user_id: &str) -> Result<(), FlowError> {
    state.ephemeral.delete(&key(user_id)).await?;
    Ok(())
}

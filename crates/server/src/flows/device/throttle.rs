//! The limit on user-code guesses. A user code has about 2^34.6 values and lives minutes, so
//! guessing one is hopeless at a few tries per window, and the limit keeps it there.
//!
//! Reserve before verify, as at login (`flows::lockout`): every attempt takes its place in
//! two counters (`incr`) before the code is looked up: one per browser session, one per client
//! address; an attempt numbered above its limit in either is refused without a lookup, so any
//! number of concurrent guesses gets at most the limit checked. Right and wrong attempts count
//! alike (a person needs one or two). Fixed windows starting at the first attempt; the
//! per-address limit is the wider one, for offices behind one address.

use std::net::IpAddr;
use std::time::Duration;

use poort_credentials::digest_secret;

use super::super::FlowError;
use crate::state::AppState;

/// Attempts per browser session and window.
pub const PER_SESSION: u64 = 10;
/// Attempts per client address and window.
pub const PER_ADDRESS: u64 = 30;
pub const WINDOW: Duration = Duration::from_secs(5 * 60);

/// Takes this attempt's places; false when either limit is used up (the code must then not be
/// looked up at all). `session` is the browser session's cookie (counted by its digest).
pub async fn admit(
    state: &AppState,
    session: &str,
    address: Option<IpAddr>,
) -> Result<bool, FlowError> {
    let per_session = state
        .ephemeral
        .incr(
            &format!("device_guess:session:{}", digest_secret(session)),
            WINDOW,
        )
        .await?;
    let per_address = match address {
        Some(ip) => {
            state
                .ephemeral
                .incr(&format!("device_guess:ip:{ip}"), WINDOW)
                .await?
        }
        None => 0,
    };
    Ok(within_limits(per_session, per_address))
}

/// Whether an attempt with these places may be checked.
fn within_limits(per_session: u64, per_address: u64) -> bool {
    per_session <= PER_SESSION && per_address <= PER_ADDRESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_counter_over_its_limit_refuses() {
        assert!(within_limits(1, 1));
        assert!(within_limits(PER_SESSION, PER_ADDRESS));
        assert!(
            within_limits(1, 0),
            "no address known: the session limit alone"
        );
        assert!(!within_limits(PER_SESSION + 1, 1));
        assert!(!within_limits(1, PER_ADDRESS + 1));
    }
}

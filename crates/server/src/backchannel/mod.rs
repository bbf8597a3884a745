//! Back-channel logout delivery (OpenID Connect Back-Channel Logout 1.0 §2.5): the
//! `[backchannel_logout]` settings and the background [`worker`] that POSTs queued logout
//! tokens to the clients. What to queue and how a token is built: `flows::backchannel_logout`.

pub mod worker;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::config::ConfigError;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackchannelLogoutConfig {
    /// Attempts per logout token before it is given up (the row stays, logged as an error).
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles after each further one (at most an hour).
    pub retry_base_secs: u64,
    /// How often the queue is checked for due tokens (new ones wake it at once).
    pub poll_interval_ms: u64,
}

impl Default for BackchannelLogoutConfig {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            retry_base_secs: 30,
            poll_interval_ms: 1000,
        }
    }
}

impl BackchannelLogoutConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_attempts == 0 {
            return Err(ConfigError::Invalid(
                "backchannel_logout.max_attempts must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// The worker's side in `AppState`.
#[derive(Default)]
pub struct Backchannel {
    /// Wakes the worker when logout tokens are queued, so they go out without waiting for the poll.
    pub wake: Arc<Notify>,
}

//! The login between its steps: a password was right (or a session wants a step-up) and a
//! second factor is still owed. Kept in the ephemeral store under the browser's session cookie
//! digest, so it cannot be carried to another browser; the session itself is only established
//! once the second factor checks out.

use std::time::Duration;

use poort_credentials::digest_secret;
use poort_mfa::Amr;
use serde::{Deserialize, Serialize};

use super::super::FlowError;
use super::super::session::{self, LiveSession, SessionUser};
use super::acr::with_second_factor;
use crate::state::AppState;

/// How long the second step may take.
const TTL: Duration = Duration::from_secs(10 * 60);

/// Who is half-way through logging in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecondStep {
    pub user_id: String,
    /// What was proved so far: `["pwd"]` after a password; a session's `amr` for a step-up.
    pub amr: Vec<String>,
    /// A step-up keeps the session's public id (RP-initiated logout matches on it).
    pub sid: Option<String>,
}

fn key(cookie: &str) -> String {
    format!("mfa_step:{}", digest_secret(cookie))
}

/// Remembers that this browser owes a second factor.
pub async fn begin(state: &AppState, cookie: &str, step: &SecondStep) -> Result<(), FlowError> {
    state
        .ephemeral
        .put(&key(cookie), serde_json::to_vec(step)?, TTL)
        .await?;
    Ok(())
}

pub async fn load(state: &AppState, cookie: &str) -> Result<Option<SecondStep>, FlowError> {
    Ok(state
        .ephemeral
        .get(&key(cookie))
        .await?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

/// The second factor checked out: the pending step is consumed (atomically, so two racing
/// requests cannot both log in) and returned with what is proved now (its `amr` extended).
/// `None` if the step was already consumed or expired. The caller establishes the session
/// ([`establish`]) or, for a login whose password must be renewed first, defers it.
pub async fn finish(
    state: &AppState,
    live: &LiveSession,
    methods: &[Amr],
) -> Result<Option<SecondStep>, FlowError> {
    let Some(bytes) = state.ephemeral.take(&key(&live.cookie)).await? else {
        return Ok(None);
    };
    let Ok(mut step) = serde_json::from_slice::<SecondStep>(&bytes) else {
        return Ok(None);
    };
    step.amr = with_second_factor(&step.amr, methods);
    Ok(Some(step))
}

/// A new session for a finished step replaces the old one (a step-up keeps its `sid`).
pub async fn establish(
    state: &AppState,
    live: &LiveSession,
    step: SecondStep,
) -> Result<LiveSession, FlowError> {
    let user = SessionUser {
        user_id: step.user_id,
        auth_time: state.now(),
        amr: step.amr,
        sid: step.sid.unwrap_or_else(poort_store::new_id),
    };
    session::establish(state, Some(live), user).await
}

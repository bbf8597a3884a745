//! "Every user needs a second factor": who must enroll, the optional grace period with a
//! limited number of postponements, and the per-session pass a postponement grants. A user
//! must enroll when the configuration requires it for everyone (`require_2fa`) or when one of
//! their organisations does (its `require_2fa` setting).

use std::time::Duration;

use poort_store::{mfa_factors, mfa_grace};

use super::super::FlowError;
use crate::state::AppState;

/// What applies to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    pub required: bool,
    pub grace_days: u32,
    pub max_postponements: u32,
}

pub async fn requirement_for(state: &AppState, user_id: &str) -> Result<Requirement, FlowError> {
    let required = state.config.require_2fa
        || crate::flows::orgs::login_policy::requires_2fa(&state.db, user_id).await?;
    Ok(Requirement {
        required,
        grace_days: state.config.require_2fa_grace_days,
        max_postponements: state.config.require_2fa_max_postponements,
    })
}

/// Whether a second factor is required, given the user's organisations' policy already
/// loaded (the password login's one lookup): the same answer as `requirement_for`.
pub fn required_with(
    state: &AppState,
    policy: &crate::flows::orgs::member_policy::EffectivePolicy,
) -> bool {
    state.config.require_2fa || policy.require_2fa
}

/// True when the user must set up a second factor before reaching any client.
pub async fn must_enroll(state: &AppState, user_id: &str) -> Result<bool, FlowError> {
    if !requirement_for(state, user_id).await?.required {
        return Ok(false);
    }
    Ok(mfa_factors::count_for_user(&state.db, user_id).await? == 0)
}

/// Whether the user may put enrollment off once more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grace {
    /// `left` more postponements until `until` (unix seconds).
    Open {
        left: u32,
        until: i64,
    },
    Closed,
}

/// The user's grace, starting the period the first time they are asked.
pub async fn grace(state: &AppState, user_id: &str) -> Result<Grace, FlowError> {
    let requirement = requirement_for(state, user_id).await?;
    if requirement.grace_days == 0 || requirement.max_postponements == 0 {
        return Ok(Grace::Closed);
    }
    let record = mfa_grace::start(&state.db, user_id, state.now()).await?;
    let until = record.started_at + i64::from(requirement.grace_days) * 86_400;
    let used = u32::try_from(record.postponements).unwrap_or(u32::MAX);
    let left = requirement.max_postponements.saturating_sub(used);
    Ok(match left > 0 && state.now() < until {
        true => Grace::Open { left, until },
        false => Grace::Closed,
    })
}

fn pass_key(sid: &str) -> String {
    format!("mfa_postponed:{sid}")
}

/// Uses one postponement: this session may reach clients without a second factor. False when
/// the grace is over (or the last postponement was just taken by another request).
pub async fn postpone(state: &AppState, user_id: &str, sid: &str) -> Result<bool, FlowError> {
    let requirement = requirement_for(state, user_id).await?;
    if !matches!(grace(state, user_id).await?, Grace::Open { .. }) {
        return Ok(false);
    }
    let max = i32::try_from(requirement.max_postponements).unwrap_or(i32::MAX);
    if !mfa_grace::postpone(&state.db, user_id, max).await? {
        return Ok(false);
    }
    let ttl = Duration::from_secs(state.config.session_ttl_secs.unsigned_abs());
    state
        .ephemeral
        .put(&pass_key(sid), b"1".to_vec(), ttl)
        .await?;
    tracing::info!(user_id, "second-factor enrollment postponed");
    Ok(true)
}

/// Did this session postpone enrollment?
pub async fn postponed(state: &AppState, sid: &str) -> Result<bool, FlowError> {
    Ok(state.ephemeral.get(&pass_key(sid)).await?.is_some())
}

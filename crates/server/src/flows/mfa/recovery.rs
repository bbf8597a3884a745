//! Recovery codes: ten single-use codes made at the first enrollment (and on request), shown
//! once, stored as digests. Using one is recorded and the user learns how many remain.

use poort_mfa::{RECOVERY_CODE_COUNT, find_recovery_code, generate_recovery_codes};
use poort_store::recovery_codes;

use super::super::FlowError;
use super::throttle;
use crate::state::AppState;

/// A new set replacing the old one (which stops working at once); the codes to show.
pub async fn regenerate(state: &AppState, user_id: &str) -> Result<Vec<String>, FlowError> {
    let codes = generate_recovery_codes(RECOVERY_CODE_COUNT);
    let digests: Vec<String> = codes.iter().map(|c| c.digest()).collect();
    recovery_codes::replace_for_user(&state.db, user_id, &digests, state.now()).await?;
    Ok(codes.iter().map(|c| c.as_str().to_owned()).collect())
}

/// A first set when the user has no usable codes (first enrollment, or all used up).
pub async fn issue_if_none(
    state: &AppState,
    user_id: &str,
) -> Result<Option<Vec<String>>, FlowError> {
    if recovery_codes::count_unused(&state.db, user_id).await? > 0 {
        return Ok(None);
    }
    Ok(Some(regenerate(state, user_id).await?))
}

pub async fn remaining(state: &AppState, user_id: &str) -> Result<u64, FlowError> {
    Ok(recovery_codes::count_unused(&state.db, user_id).await?)
}

/// The answer to a recovery code typed at login.
#[derive(Debug, PartialEq, Eq)]
pub enum Redeemed {
    Accepted { remaining: u64 },
    Invalid,
    Throttled,
}

/// Uses the code if it is one of the user's unused ones (constant-time comparison; a code
/// used by a racing request counts as wrong). The throttle reserves the attempt first: a
/// throttled code is not looked at.
pub async fn redeem(state: &AppState, user_id: &str, input: &str) -> Result<Redeemed, FlowError> {
    let Some(attempt) = throttle::reserve(state, user_id).await? else {
        return Ok(Redeemed::Throttled);
    };
    let unused = recovery_codes::unused_for_user(&state.db, user_id).await?;
    let digests: Vec<&str> = unused.iter().map(|c| c.digest.as_str()).collect();
    let found = find_recovery_code(input, &digests).and_then(|index| unused.get(index));
    if let Some(code) = found
        && recovery_codes::mark_used(&state.db, &code.id, state.now()).await?
    {
        throttle::succeeded(state, attempt).await?;
        let remaining = recovery_codes::count_unused(&state.db, user_id).await?;
        tracing::info!(user_id, remaining, "recovery code used");
        return Ok(Redeemed::Accepted { remaining });
    }
    throttle::failed(state, attempt).await?;
    Ok(Redeemed::Invalid)
}

/// The codes as a text file to download.
pub fn as_text(issuer: &str, email: &str, codes: &[String]) -> String {
    let mut text = format!(
        "Poort recovery codes for {email} ({issuer})\n\
         Each code works once. Keep them somewhere safe.\n\n"
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

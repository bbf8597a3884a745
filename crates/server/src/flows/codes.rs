//! Authorization codes: single use, short-lived, kept in the ephemeral store by digest. A redeemed
//! code leaves a marker naming what it produced, so a replay can revoke those tokens (RFC 6749 §4.1.2).

use std::time::Duration;

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::pkce::CodeChallenge;
use serde::{Deserialize, Serialize};

use super::FlowError;
use crate::state::AppState;

/// What a code stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub sid: String,
    pub code_challenge: Option<CodeChallenge>,
    pub expires_at: i64,
}

/// What a redeemed code produced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Redeemed {
    pub refresh_family: Option<String>,
    pub access_jti: String,
    pub access_expires_at: i64,
}

fn code_key(code: &str) -> String {
    format!("code:{}", digest_secret(code))
}

fn redeemed_key(code: &str) -> String {
    format!("code_used:{}", digest_secret(code))
}

/// Stores the grant and returns the code to send to the client.
pub async fn issue(state: &AppState, grant: &CodeGrant) -> Result<String, FlowError> {
    let code = generate_secret(32);
    let ttl = Duration::from_secs(state.config.auth_code_ttl_secs.unsigned_abs());
    state
        .ephemeral
        .put(&code_key(&code), serde_json::to_vec(grant)?, ttl)
        .await?;
    Ok(code)
}

/// Consumes the code atomically: of two concurrent redemptions at most one gets the grant.
pub async fn take(state: &AppState, code: &str) -> Result<Option<CodeGrant>, FlowError> {
    if code.len() > 256 {
        return Ok(None);
    }
    match state.ephemeral.take(&code_key(code)).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

pub async fn mark_redeemed(
    state: &AppState,
    code: &str,
    redeemed: &Redeemed,
) -> Result<(), FlowError> {
    // Long enough to catch a replay for as long as the access token lives.
    let ttl = Duration::from_secs(state.config.access_token_ttl_secs.unsigned_abs() + 60);
    state
        .ephemeral
        .put(&redeemed_key(code), serde_json::to_vec(redeemed)?, ttl)
        .await?;
    Ok(())
}

/// Was this code redeemed before? Taken (not read) so the revocation runs once.
pub async fn take_redeemed(state: &AppState, code: &str) -> Result<Option<Redeemed>, FlowError> {
    if code.len() > 256 {
        return Ok(None);
    }
    match state.ephemeral.take(&redeemed_key(code)).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

//! Authorization codes: short-lived, kept in the ephemeral store by digest, used once. Which
//! redemption is the one use is decided in the database (`used_codes`, keyed by the digest) in
//! the transaction that stores the new family's first refresh token, so neither a concurrent
//! redemption nor a store restored from before the redemption gets a second family; the row
//! names what the redemption produced, so a replay revokes it (RFC 6749 §4.1.2).

use std::time::Duration;

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::pkce::CodeChallenge;
use poort_store::entities::used_codes;
use poort_store::refresh_tokens::NewRefreshToken;
use poort_store::used_codes::{self as store, Redemption};
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
    /// The RFC 8707 resources the authorization request named (none: the client itself).
    #[serde(default)]
    pub resources: Vec<String>,
}

/// What a redemption produces, decided before anything is handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub refresh_family: Option<String>,
    pub access_jti: String,
    pub access_expires_at: i64,
}

/// Whether a redemption was the code's one use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    First,
    /// Used before, by the redemption this record names.
    Replay(used_codes::Model),
}

fn code_key(code: &str) -> String {
    format!("code:{}", digest_secret(code))
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

/// The grant the code stands for, while the store holds it. Not consumed here: [`redeem`]
/// decides the one use.
pub async fn peek(state: &AppState, code: &str) -> Result<Option<CodeGrant>, FlowError> {
    if code.len() > 256 {
        return Ok(None);
    }
    match state.ephemeral.get(&code_key(code)).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Drops the code from the store: after its use, or after a failed attempt (which uses it up).
pub async fn discard(state: &AppState, code: &str) -> Result<(), FlowError> {
    state.ephemeral.delete(&code_key(code)).await?;
    Ok(())
}

/// Records the redemption of `code` (granted as `grant`) and stores the family's first refresh
/// token with it, unless the code was used before: then nothing is stored and the earlier
/// redemption's record is returned.
pub async fn redeem(
    state: &AppState,
    code: &str,
    grant: &CodeGrant,
    planned: &Planned,
    first_token: Option<NewRefreshToken>,
) -> Result<Use, FlowError> {
    let now = state.now();
    let used = used_codes::Model {
        digest: digest_secret(code),
        client_id: grant.client_id.clone(),
        family_id: planned.refresh_family.clone(),
        access_jti: planned.access_jti.clone(),
        access_expires_at: planned.access_expires_at,
        created_at: now,
        // A replay can come while the code lives (a store restored from before its use holds
        // it again) and matters while the access token lives.
        expires_at: grant.expires_at.max(planned.access_expires_at) + 60,
    };
    Ok(match store::redeem(&state.db, used, first_token).await? {
        Redemption::Won => Use::First,
        Redemption::AlreadyUsed(row) => Use::Replay(row),
    })
}

/// The recorded redemption of `code`, if it was redeemed.
pub async fn find_used(
    state: &AppState,
    code: &str,
) -> Result<Option<used_codes::Model>, FlowError> {
    if code.len() > 256 {
        return Ok(None);
    }
    Ok(store::find(&state.db, &digest_secret(code)).await?)
}

/// Deletes the records of codes that can no longer be replayed; returns how many.
pub async fn delete_expired(state: &AppState) -> Result<u64, FlowError> {
    Ok(store::delete_expired(&state.db, state.now()).await?)
}

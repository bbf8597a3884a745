//! What a device authorization leaves in the ephemeral store, all keyed by the SHA-256 digest
//! of its device code (the code itself is stored nowhere):
//!
//! - `device:<digest>`: the [`DeviceGrant`], written once at the device authorization request;
//! - `device_user:<digest of the user code>`: the device code's digest, so the verification
//!   page finds the grant from what a person typed (also kept by digest);
//! - `device_answer:<digest>`: the user's [`Answer`], written once (`put_if_absent`), taken
//!   once (`take`) by the poll that redeems an approval;
//! - `device_poll:<digest>`: the device's [`Polling`] (last poll, interval), for `slow_down`.
//!
//! Each lives until the code expires plus [`EXPIRED_GRACE`], so a device polling a little late
//! hears `expired_token` rather than `invalid_grant`.

use std::time::Duration;

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::device::UserCode;
use serde::{Deserialize, Serialize};

use super::super::FlowError;
use crate::state::AppState;

/// How long past its expiry a device code is still recognised (to answer `expired_token`).
pub const EXPIRED_GRACE: i64 = 300;
/// Attempts at a user code no other live grant holds before the request fails (each draw
/// collides with probability live codes / 20^8).
const USER_CODE_DRAWS: usize = 5;

/// What a device code stands for. Written once; never changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceGrant {
    pub client_id: String,
    /// Shown on the login and confirmation pages.
    pub client_name: String,
    /// The scopes asked for (the supported ones), space-separated.
    pub scope: String,
    /// RFC 8707 resources asked for, each an audience of the client.
    #[serde(default)]
    pub resources: Vec<String>,
    pub user_code: UserCode,
    pub expires_at: i64,
    /// The interval the device was told.
    pub interval: i64,
}

/// How the user answered on the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    Approved(Approval),
    Denied,
}

/// Who approved, and how their session authenticated: carried into the tokens as the
/// authorization code carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub user_id: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub sid: String,
}

/// The device's polling so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Polling {
    /// When it last polled (`None`: never).
    pub last_poll_at: Option<i64>,
    /// The interval it must keep now (raised by every `slow_down`).
    pub interval: i64,
}

fn grant_key(digest: &str) -> String {
    format!("device:{digest}")
}

fn user_code_key(code: &UserCode) -> String {
    format!("device_user:{}", digest_secret(code.as_str()))
}

fn answer_key(digest: &str) -> String {
    format!("device_answer:{digest}")
}

fn poll_key(digest: &str) -> String {
    format!("device_poll:{digest}")
}

/// The digest a device code is known by.
pub fn device_digest(device_code: &str) -> String {
    digest_secret(device_code)
}

/// The TTL of every record of `grant` at `now`.
fn ttl(grant: &DeviceGrant, now: i64) -> Duration {
    let secs = grant.expires_at.saturating_add(EXPIRED_GRACE) - now;
    Duration::from_secs(secs.max(1).unsigned_abs())
}

/// A new device code (256 bits) and user code for a grant built by `grant` from the user code
/// it is given; `None` when every draw of a user code was taken (the store is full of them).
pub async fn create(
    state: &AppState,
    grant: impl Fn(UserCode) -> DeviceGrant,
) -> Result<Option<(String, DeviceGrant)>, FlowError> {
    let device_code = generate_secret(32);
    let digest = device_digest(&device_code);
    let now = state.now();
    for _ in 0..USER_CODE_DRAWS {
        let grant = grant(UserCode::generate());
        let ttl = ttl(&grant, now);
        // The user code is claimed first: two grants never share one.
        let claimed = state
            .ephemeral
            .put_if_absent(
                &user_code_key(&grant.user_code),
                digest.clone().into_bytes(),
                ttl,
            )
            .await?;
        if !claimed {
            continue;
        }
        state
            .ephemeral
            .put(&grant_key(&digest), serde_json::to_vec(&grant)?, ttl)
            .await?;
        return Ok(Some((device_code, grant)));
    }
    Ok(None)
}

/// The grant of a device code, by its digest.
pub async fn find(state: &AppState, digest: &str) -> Result<Option<DeviceGrant>, FlowError> {
    match state.ephemeral.get(&grant_key(digest)).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// The device code digest and grant a user code names, while both live.
pub async fn find_by_user_code(
    state: &AppState,
    code: &UserCode,
) -> Result<Option<(String, DeviceGrant)>, FlowError> {
    let Some(digest) = state.ephemeral.get(&user_code_key(code)).await? else {
        return Ok(None);
    };
    let digest = String::from_utf8(digest).map_err(|e| FlowError::Corrupt(e.to_string()))?;
    Ok(find(state, &digest).await?.map(|grant| (digest, grant)))
}

/// The user's answer, if they gave one (read, not taken).
pub async fn answer(state: &AppState, digest: &str) -> Result<Option<Answer>, FlowError> {
    match state.ephemeral.get(&answer_key(digest)).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// Records the user's answer unless one is recorded; true if this one was. The user code is
/// used up either way: it names nothing any more.
pub async fn give_answer(
    state: &AppState,
    digest: &str,
    grant: &DeviceGrant,
    answer: &Answer,
) -> Result<bool, FlowError> {
    let ttl = ttl(grant, state.now());
    let given = state
        .ephemeral
        .put_if_absent(&answer_key(digest), serde_json::to_vec(answer)?, ttl)
        .await?;
    state
        .ephemeral
        .delete(&user_code_key(&grant.user_code))
        .await?;
    Ok(given)
}

/// Takes the answer (atomically: of two polls at most one gets it).
pub async fn take_answer(state: &AppState, digest: &str) -> Result<Option<Answer>, FlowError> {
    match state.ephemeral.take(&answer_key(digest)).await? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        None => Ok(None),
    }
}

/// The device's polling so far (a device that never polled keeps the grant's interval).
pub async fn polling(
    state: &AppState,
    digest: &str,
    grant: &DeviceGrant,
) -> Result<Polling, FlowError> {
    Ok(match state.ephemeral.get(&poll_key(digest)).await? {
        Some(bytes) => serde_json::from_slice(&bytes)?,
        None => Polling {
            last_poll_at: None,
            interval: grant.interval,
        },
    })
}

/// Records a poll and the interval the device must keep from now on.
pub async fn record_poll(
    state: &AppState,
    digest: &str,
    grant: &DeviceGrant,
    polling: Polling,
) -> Result<(), FlowError> {
    state
        .ephemeral
        .put(
            &poll_key(digest),
            serde_json::to_vec(&polling)?,
            ttl(grant, state.now()),
        )
        .await?;
    Ok(())
}

/// Removes the grant before its approval is taken: a concurrent poll that then finds no
/// answer sees the grant gone too (see `flows::token::device_code`).
pub async fn retire(state: &AppState, digest: &str) -> Result<(), FlowError> {
    state.ephemeral.delete(&grant_key(digest)).await?;
    Ok(())
}

/// Forgets the device code (redeemed, denied or expired): later polls are `invalid_grant`.
pub async fn discard(state: &AppState, digest: &str, grant: &DeviceGrant) -> Result<(), FlowError> {
    state.ephemeral.delete(&grant_key(digest)).await?;
    state.ephemeral.delete(&poll_key(digest)).await?;
    state.ephemeral.delete(&answer_key(digest)).await?;
    state
        .ephemeral
        .delete(&user_code_key(&grant.user_code))
        .await?;
    Ok(())
}

//! Browser sessions, kept in the ephemeral store under the SHA-256 of the cookie value (a dump of the
//! store does not yield live cookies). The id is rotated at login.
//!
//! Ending every session of a user (password reset, "password changed elsewhere") bumps the
//! user's session epoch (`sess-epoch:<user id>`); a signed-in session remembers the epoch it
//! was established in and is dead once the user's epoch is newer. That costs one extra
//! ephemeral read per signed-in request, instead of an index of every session per user.
//!
//! A signed-in session also ends once it is older (since `auth_time`) than the session
//! lifetime the user's organisations impose (`orgs::member_policy::session_lifetime`, cached
//! per node); without one, the configured `session_ttl_secs` of the ephemeral store applies.

use std::time::Duration;

use poort_credentials::{digest_secret, generate_secret};
use serde::{Deserialize, Serialize};

use super::FlowError;
use crate::state::AppState;

/// Who is logged in, and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    /// Public session id, sent as `sid` in ID tokens; not the cookie secret.
    pub sid: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub csrf: String,
    pub user: Option<SessionUser>,
    /// The user's session epoch when this session was signed in (see `end_all_for_user`).
    #[serde(default)]
    pub epoch: i64,
}

/// A session and the cookie value that names it.
#[derive(Debug, Clone)]
pub struct LiveSession {
    pub cookie: String,
    pub data: Session,
}

fn key(cookie: &str) -> String {
    format!("sess:{}", digest_secret(cookie))
}

fn ttl(state: &AppState) -> Duration {
    Duration::from_secs(state.config.session_ttl_secs.unsigned_abs())
}

pub async fn load(state: &AppState, cookie: &str) -> Result<Option<LiveSession>, FlowError> {
    // A cookie of the wrong shape cannot be ours; skip the lookup.
    if cookie.len() != 43 {
        return Ok(None);
    }
    let Some(bytes) = state.ephemeral.get(&key(cookie)).await? else {
        return Ok(None);
    };
    // An unreadable session (e.g. written by another version) is treated as absent.
    let Ok(data) = serde_json::from_slice::<Session>(&bytes) else {
        return Ok(None);
    };
    if let Some(user) = &data.user
        && data.epoch < current_epoch(state, &user.user_id).await?
    {
        // Ended by `end_all_for_user`: gone for good.
        destroy(state, cookie).await?;
        return Ok(None);
    }
    if let Some(user) = &data.user
        && outlived(state, user).await?
    {
        destroy(state, cookie).await?;
        return Ok(None);
    }
    Ok(Some(LiveSession {
        cookie: cookie.to_string(),
        data,
    }))
}

/// Whether a signed-in session is older than its user's organisations allow: the lifetime
/// counts from the authentication (`auth_time`, renewed by a step-up) and applies to sessions
/// that existed before the limit was set or the user joined the organisation.
async fn outlived(state: &AppState, user: &SessionUser) -> Result<bool, FlowError> {
    let lifetime = super::orgs::member_policy::session_lifetime(state, &user.user_id).await?;
    Ok(lifetime.is_some_and(|secs| state.now() >= user.auth_time.saturating_add(secs)))
}

fn epoch_key(user_id: &str) -> String {
    format!("sess-epoch:{user_id}")
}

async fn current_epoch(state: &AppState, user_id: &str) -> Result<i64, FlowError> {
    Ok(state
        .ephemeral
        .get(&epoch_key(user_id))
        .await?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .unwrap_or(0))
}

/// Ends every session of `user_id` on every node, except the one named by the cookie `keep`
/// (the browser that made the change), which stays signed in.
pub async fn end_all_for_user(
    state: &AppState,
    user_id: &str,
    keep: Option<&str>,
) -> Result<(), FlowError> {
    let kept = match keep {
        Some(cookie) => load(state, cookie).await?,
        None => None,
    };
    // Strictly newer than every epoch handed out so far; the clock keeps it ahead of an epoch
    // key that expired (the key outlives every session it could have ended).
    let next = (current_epoch(state, user_id).await? + 1).max(state.now());
    state
        .ephemeral
        .put(
            &epoch_key(user_id),
            next.to_string().into_bytes(),
            ttl(state) + Duration::from_secs(60),
        )
        .await?;
    if let Some(mut live) = kept.filter(|live| {
        live.data
            .user
            .as_ref()
            .is_some_and(|user| user.user_id == user_id)
    }) {
        live.data.epoch = next;
        save(state, &live).await?;
        // Saved again, it lives longer: so does the record of its clients.
        if let Some(user) = &live.data.user {
            let until = state.now().saturating_add(state.config.session_ttl_secs);
            poort_store::session_clients::extend(&state.db, &user.sid, until).await?;
        }
    }
    Ok(())
}

pub async fn save(state: &AppState, session: &LiveSession) -> Result<(), FlowError> {
    let bytes = serde_json::to_vec(&session.data)?;
    state
        .ephemeral
        .put(&key(&session.cookie), bytes, ttl(state))
        .await?;
    Ok(())
}

/// A new anonymous session (for a login form's CSRF token).
pub async fn create(state: &AppState) -> Result<LiveSession, FlowError> {
    let session = LiveSession {
        cookie: generate_secret(32),
        data: Session {
            csrf: generate_secret(32),
            user: None,
            epoch: 0,
        },
    };
    save(state, &session).await?;
    Ok(session)
}

/// Logs `user` in: the old session id dies and a new one (new CSRF token too) replaces it.
pub async fn establish(
    state: &AppState,
    old: Option<&LiveSession>,
    user: SessionUser,
) -> Result<LiveSession, FlowError> {
    if let Some(old) = old {
        destroy(state, &old.cookie).await?;
    }
    let epoch = current_epoch(state, &user.user_id).await?;
    let session = LiveSession {
        cookie: generate_secret(32),
        data: Session {
            csrf: generate_secret(32),
            user: Some(user),
            epoch,
        },
    };
    save(state, &session).await?;
    Ok(session)
}

/// Signs the browser out: the session is destroyed and, if someone was signed in, the
/// clients it signed in to are told (back-channel logout) and its session-bound refresh
/// tokens revoked (`flows::backchannel_logout::session_ended`).
pub async fn end(
    state: &AppState,
    cookie: &str,
    user: Option<&SessionUser>,
) -> Result<(), FlowError> {
    destroy(state, cookie).await?;
    if let Some(user) = user {
        super::backchannel_logout::session_ended(state, &user.user_id, &user.sid).await?;
    }
    Ok(())
}

pub async fn destroy(state: &AppState, cookie: &str) -> Result<(), FlowError> {
    state.ephemeral.delete(&key(cookie)).await?;
    Ok(())
}

/// Constant-time check of a submitted CSRF token against the session's.
pub fn csrf_matches(session: &Session, submitted: Option<&str>) -> bool {
    match submitted {
        Some(token) if !token.is_empty() => {
            subtle::ConstantTimeEq::ct_eq(session.csrf.as_bytes(), token.as_bytes()).into()
        }
        _ => false,
    }
}

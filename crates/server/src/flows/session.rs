//! Browser sessions, kept in the ephemeral store under the SHA-256 of the cookie value (a dump of the
//! store does not yield live cookies). The id is rotated at login.

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
    Ok(serde_json::from_slice(&bytes).ok().map(|data| LiveSession {
        cookie: cookie.to_string(),
        data,
    }))
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
    let session = LiveSession {
        cookie: generate_secret(32),
        data: Session {
            csrf: generate_secret(32),
            user: Some(user),
        },
    };
    save(state, &session).await?;
    Ok(session)
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

//! OpenID Connect Back-Channel Logout 1.0, the use cases: remember which clients a browser
//! session signed in to, queue a logout token for each of them with a
//! `backchannel_logout_uri` when the session ends, and sign the token when the worker
//! (`crate::backchannel::worker`) delivers it.
//!
//! A session ends by RP-initiated logout, by the user signing out (the home page, choosing
//! another account), or with all of the user's sessions: a password change or reset, an
//! account deleted or disabled (those queue their tokens inside their own transaction, see
//! `poort_store::passwords::change` and `retention::deactivate`). The refresh tokens the
//! session started end with it unless their grant has `offline_access`, which is meant to
//! outlive the sign-in.
//!
//! Tokens are signed at delivery, not when queued: a logout token is valid for two minutes,
//! shorter than the backoff between attempts, so a token signed once would be stale on its
//! retry; signing late also uses the key current then and keeps no bearer token in the
//! database.

use poort_oidc::claims::{LOGOUT_TOKEN_TYPE, LogoutSubject, LogoutTokenClaims};
use poort_oidc::jose::{SigningAlg, sign_jwt};
use poort_store::backchannel_logouts;
use poort_store::clients::Client;
use poort_store::entities::backchannel_logouts::Model as QueuedLogout;
use poort_store::{new_id, refresh_tokens, session_clients};

use super::FlowError;
use super::access_token;
use crate::state::AppState;

/// Session `sid` of `user_id` got a code for `client`: if the client wants to hear of logouts,
/// remember it for as long as the session can live.
pub async fn record_sign_in(
    state: &AppState,
    client: &Client,
    user_id: &str,
    sid: &str,
) -> Result<(), FlowError> {
    if client.backchannel_logout_uri.is_none() || sid.is_empty() {
        return Ok(());
    }
    let now = state.now();
    let until = now.saturating_add(state.config.session_ttl_secs);
    session_clients::record(&state.db, sid, &client.id, user_id, now, until).await?;
    Ok(())
}

/// Session `sid` of `user_id` ended (the browser's session is already gone or about to go):
/// queue a logout token for each client it signed in to that has a `backchannel_logout_uri`,
/// and revoke the refresh tokens bound to the session (not `offline_access` grants).
pub async fn session_ended(state: &AppState, user_id: &str, sid: &str) -> Result<(), FlowError> {
    let now = state.now();
    let queued = backchannel_logouts::enqueue_for_session(&state.db, user_id, sid, now).await?;
    let denied = refresh_tokens::revoke_session_bound(&state.db, user_id, sid, now).await?;
    access_token::revoke_many(state, &denied).await?;
    if queued > 0 {
        tracing::info!(user = %user_id, queued, "session ended; back-channel logouts queued");
        wake(state);
    }
    Ok(())
}

/// Tells the worker that rows were queued (by this node) so it delivers them at once.
pub fn wake(state: &AppState) {
    state.backchannel.wake.notify_one();
}

/// The signed logout token for a queued row: signed with the key of the client's ID token
/// algorithm, `typ` `logout+jwt`, a fresh `jti`.
pub fn logout_token(
    state: &AppState,
    client: &Client,
    row: &QueuedLogout,
) -> Result<String, FlowError> {
    let alg: SigningAlg = client
        .id_token_alg
        .parse()
        .map_err(|_| FlowError::Corrupt(format!("client {} has an unknown alg", client.id)))?;
    let subject = LogoutSubject {
        sub: row.sub.clone(),
        sid: row.sid.clone(),
    };
    let claims = LogoutTokenClaims::new(
        state.issuer(),
        &client.id,
        subject,
        client.backchannel_logout_session_required,
        state.now(),
        new_id(),
    )
    .map_err(|e| FlowError::Corrupt(format!("queued logout {}: {e}", row.id)))?;
    let keys = state.keys.current();
    let key = keys
        .signer(alg)
        .ok_or_else(|| FlowError::Signing(format!("no active {alg} key")))?;
    sign_jwt(key, LOGOUT_TOKEN_TYPE, &claims).map_err(|e| FlowError::Signing(e.to_string()))
}

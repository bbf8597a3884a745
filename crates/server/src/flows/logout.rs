//! RP-Initiated Logout 1.0: validate `id_token_hint` and `post_logout_redirect_uri`, then end the
//! session (at once when the hint names this session, else after the user confirms).

use poort_oidc::claims::IdTokenClaims;
use poort_oidc::jose::verify_jwt;
use poort_oidc::logout::{EndSessionParams, post_logout_redirect_url};
use poort_store::clients;

use super::FlowError;
use super::session::SessionUser;
use crate::state::AppState;

/// A validated logout request.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LogoutRequest {
    /// Where to send the browser afterwards (already has `state`), if the client registered it.
    pub redirect: Option<String>,
    pub client_name: Option<String>,
    /// The hint names the current session: no need to ask.
    pub matches_session: bool,
}

#[derive(Debug)]
pub enum LogoutRefusal {
    BadRequest(String),
}

pub async fn validate(
    state: &AppState,
    params: &EndSessionParams,
    user: Option<&SessionUser>,
) -> Result<Result<LogoutRequest, LogoutRefusal>, FlowError> {
    let bad = |why: &str| Ok(Err(LogoutRefusal::BadRequest(why.to_string())));
    let hint = match params.id_token_hint.as_deref() {
        Some(token) => {
            let keys = state.keys.current();
            match verify_jwt::<IdTokenClaims>(&keys, token, "JWT") {
                // Expired hints are fine: logging out is exactly when they are old.
                Ok(claims) if claims.iss == state.issuer() => Some(claims),
                _ => return bad("id_token_hint is not a valid ID token from this provider"),
            }
        }
        None => None,
    };
    let client_id = match (&hint, params.client_id.as_deref()) {
        (Some(h), Some(id)) if h.aud != id => return bad("client_id does not match id_token_hint"),
        (Some(h), _) => Some(h.aud.clone()),
        (None, id) => id.map(str::to_string),
    };
    let client = match client_id.as_deref() {
        Some(id) if id.len() <= 128 => clients::find(&state.db, id).await?,
        _ => None,
    };
    let redirect = match (params.post_logout_redirect_uri.as_deref(), &client) {
        (None, _) => None,
        (Some(_), None) => return bad("post_logout_redirect_uri needs id_token_hint or client_id"),
        (Some(uri), Some(client)) => {
            match post_logout_redirect_url(
                &client.post_logout_redirect_uris,
                uri,
                params.state.as_deref(),
            ) {
                Ok(url) => Some(url.to_string()),
                Err(e) => return bad(&e.to_string()),
            }
        }
    };
    let matches_session = match (&hint, user) {
        (Some(h), Some(u)) => h.sub == u.user_id && h.sid.as_deref() == Some(u.sid.as_str()),
        _ => false,
    };
    Ok(Ok(LogoutRequest {
        redirect,
        client_name: client.map(|c| c.name),
        matches_session,
    }))
}

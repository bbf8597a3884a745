//! The client_credentials grant (RFC 6749 §4.4): a client acting for itself (a service
//! account).

use poort_oidc::OAuthError;
use poort_oidc::scope::Scopes;
use poort_store::clients::Client;

use super::super::access_token::{self, AccessTokenSubject};
use super::{GrantResult, TokenResponse};
use crate::state::AppState;

/// Only the client's allowed scopes (all of them when it asks for none, RFC 6749 §3.3), and
/// only its audiences (RFC 8707: those it names, or all of them when it names none).
pub(super) fn grant(
    state: &AppState,
    client: &Client,
    scope: Option<Scopes>,
    resources: Vec<String>,
) -> GrantResult {
    if client.public {
        return Ok(Err(OAuthError::unauthorized_client(
            "public clients cannot use client_credentials",
        )));
    }
    let allowed = Scopes::from_iter(client.allowed_scopes.iter().cloned());
    let scopes = match scope {
        None => allowed,
        Some(requested) if requested.is_subset(&allowed) => requested,
        Some(_) => {
            return Ok(Err(OAuthError::invalid_scope(
                "a requested scope is not allowed for this client",
            )));
        }
    };
    if let Some(unknown) = resources.iter().find(|r| !client.audiences.contains(r)) {
        return Ok(Err(OAuthError::invalid_target(format!(
            "resource {unknown} is not an audience of this client"
        ))));
    }
    let audiences = match resources.is_empty() {
        true => &client.audiences,
        false => &resources,
    };
    let access = access_token::mint(
        state,
        AccessTokenSubject {
            sub: &client.id,
            client_id: &client.id,
            scopes: &scopes,
            auth_time: None,
            sid: None,
            amr: None,
            audiences: Some(audiences),
        },
    )?;
    Ok(Ok(TokenResponse {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: access.expires_at - state.now(),
        scope: scopes.to_string(),
        id_token: None,
        refresh_token: None,
    }))
}

//! The client_credentials grant (RFC 6749 §4.4): a client acting for itself (a service
//! account).

use poort_oidc::OAuthError;
use poort_oidc::resource::token_audiences;
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
    // The grant is all of its audiences.
    let audiences = match token_audiences(&client.audiences, &client.audiences, &resources) {
        Ok(audiences) => audiences,
        Err(error) => return Ok(Err(error)),
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
            audiences: Some(&audiences),
            act: None,
        },
    )?;
    Ok(Ok(TokenResponse {
        access_token: access.token,
        issued_token_type: None,
        token_type: "Bearer",
        expires_in: access.expires_at - state.now(),
        scope: scopes.to_string(),
        id_token: None,
        refresh_token: None,
    }))
}

//! The token endpoint: one file per grant (`authorization_code`: single use, PKCE, replay
//! revokes; `refresh`: rotation on every use, reuse revokes the family, a retry within the
//! grace window replaces the undelivered successor; `client_credentials`; `device_code`: RFC
//! 8628 polling, an approval taken once; `token_exchange`: RFC 8693) and the issuing step
//! they share (`issue`). Each grant decides, then claims what it uses up, and only then signs.

mod authorization_code;
mod client_credentials;
mod device_code;
mod issue;
mod refresh;
mod token_exchange;

use poort_oidc::OAuthError;
use poort_oidc::token_request::{GrantType, TokenRequest};
use poort_store::clients::Client;
use poort_store::refresh_tokens;
use serde::Serialize;

use super::FlowError;
use super::access_token;
use crate::state::AppState;

pub use issue::user_claims;

/// The successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// RFC 8693 §2.2.1: what a token exchange issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<&'static str>,
    pub token_type: &'static str,
    pub expires_in: i64,
    /// Left out when empty (a token granting no scope): RFC 6749 §5.1 has no empty form.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

pub type GrantResult = Result<Result<TokenResponse, OAuthError>, FlowError>;

pub async fn grant(state: &AppState, client: &Client, request: TokenRequest) -> GrantResult {
    let grant_type = request.grant_type();
    if !client.grant_types.iter().any(|g| g == grant_type.as_str()) {
        return Ok(Err(OAuthError::unauthorized_client(
            "this client may not use this grant type",
        )));
    }
    let result = match request {
        TokenRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            resource,
        } => {
            let verifier = code_verifier.as_ref().map(|v| v.expose().to_string());
            authorization_code::grant(
                state,
                client,
                code.expose(),
                redirect_uri,
                verifier,
                resource,
            )
            .await
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
            resource,
        } => refresh::grant(state, client, refresh_token.expose(), scope, resource).await,
        TokenRequest::ClientCredentials { scope, resource } => {
            client_credentials::grant(state, client, scope, resource)
        }
        TokenRequest::TokenExchange(request) => token_exchange::grant(state, client, request).await,
        TokenRequest::DeviceCode {
            device_code,
            resource,
        } => device_code::grant(state, client, device_code.expose(), resource).await,
    };
    if let Ok(Ok(_)) = &result {
        state.metrics.token_issued(grant_type);
    }
    result
}

/// Whether `client` may hold refresh tokens at all (it has the grant).
fn gets_refresh_tokens(client: &Client) -> bool {
    client
        .grant_types
        .iter()
        .any(|g| g == GrantType::RefreshToken.as_str())
}

pub async fn revoke_family(state: &AppState, family_id: &str) -> Result<(), FlowError> {
    let jtis = refresh_tokens::revoke_family(&state.db, family_id, state.now()).await?;
    access_token::revoke_many(state, &jtis).await
}

/// Revokes every refresh-token family of the user and deny-lists the live access tokens they
/// produced (account deleted, password reset).
pub async fn revoke_all_for_user(state: &AppState, user_id: &str) -> Result<(), FlowError> {
    let live = refresh_tokens::revoke_all_for_user(&state.db, user_id, state.now()).await?;
    access_token::revoke_many(state, &live).await
}

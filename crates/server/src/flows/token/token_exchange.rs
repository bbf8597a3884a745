//! The token exchange grant (RFC 8693): a confidential client registered for it trades a
//! user's access token (issued for it) for one with another audience, within the subject
//! token's scope, no longer-lived, naming the client as actor unless it may impersonate.
//! `poort_oidc::token_exchange::decide` makes every decision on the verified claims; this file
//! verifies the presented tokens, checks the account, and signs.

use std::sync::Arc;

use poort_oidc::OAuthError;
use poort_oidc::claims::AccessTokenClaims;
use poort_oidc::token_exchange::{
    ExchangePolicy, ExchangeRequest, TokenType, check_presented_type, decide,
};
use poort_store::clients::Client;

use super::super::FlowError;
use super::super::access_token::{self, AccessTokenSubject};
use super::{GrantResult, TokenResponse};
use crate::state::AppState;

pub(super) async fn grant(
    state: &AppState,
    client: &Client,
    request: ExchangeRequest,
) -> GrantResult {
    let Some(setting) = client.token_exchange.as_ref().filter(|_| !client.public) else {
        return Ok(Err(OAuthError::unauthorized_client(
            "this client is not registered for token exchange",
        )));
    };
    let subject = match presented(
        state,
        &request.subject_token,
        request.subject_token_type,
        "subject",
    )
    .await?
    {
        Ok(claims) => claims,
        Err(refused) => return Ok(Err(refused)),
    };
    let actor = match &request.actor_token {
        None => None,
        Some((token, kind)) => match presented(state, token, *kind, "actor").await? {
            Ok(claims) => Some(claims),
            Err(refused) => return Ok(Err(refused)),
        },
    };
    let policy = ExchangePolicy {
        client_id: &client.id,
        subject_audiences: &setting.subject_audiences,
        audiences: &setting.audiences,
        impersonation: setting.impersonation,
    };
    let exchange = match decide(policy, &subject, actor.as_deref(), &request.ask) {
        Ok(exchange) => exchange,
        Err(refused) => return Ok(Err(refused)),
    };
    // The subject token is refused once its account is deleted or disabled; so is an exchange.
    if !super::super::users::cached(state, &subject.sub)
        .await?
        .is_some_and(|user| user.is_active())
    {
        return Ok(Err(OAuthError::invalid_request(
            "the subject token's account is not active",
        )));
    }
    let (jti, expires_at) = access_token::plan(state);
    let access = access_token::mint_planned(
        state,
        AccessTokenSubject {
            sub: &subject.sub,
            client_id: &client.id,
            scopes: &exchange.scopes,
            auth_time: subject.auth_time,
            sid: subject.sid.as_deref(),
            amr: subject.amr.as_deref(),
            audiences: Some(&exchange.audiences),
            act: exchange.act.as_ref(),
        },
        jti,
        expires_at.min(exchange.not_after),
    )?;
    Ok(Ok(TokenResponse {
        expires_in: access.expires_at - state.now(),
        access_token: access.token,
        issued_token_type: Some(TokenType::AccessToken.as_str()),
        token_type: "Bearer",
        scope: exchange.scopes.to_string(),
        id_token: None,
        refresh_token: None,
    }))
}

/// A presented subject or actor token: one of our access tokens, valid now (signature, issuer,
/// expiry, not revoked); anything else is `invalid_request` (RFC 8693 §2.2.2).
async fn presented(
    state: &AppState,
    token: &poort_oidc::Secret,
    kind: TokenType,
    which: &str,
) -> Result<Result<Arc<AccessTokenClaims>, OAuthError>, FlowError> {
    if let Err(refused) = check_presented_type(kind, which) {
        return Ok(Err(refused));
    }
    Ok(access_token::verify(state, token.expose())
        .await?
        .map_err(|why| {
            OAuthError::invalid_request(format!("the {which} token is not valid: {why}"))
        }))
}

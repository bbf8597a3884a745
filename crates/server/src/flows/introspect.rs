//! Token introspection (RFC 7662) for authenticated clients: our JWT access tokens and personal
//! API tokens (any client may ask: resource servers introspect tokens issued to others) and
//! refresh tokens (only their own).

use poort_credentials::digest_secret;
use poort_oidc::Scopes;
use poort_oidc::claims::IntrospectionResponse;
use poort_store::clients::Client;
use poort_store::refresh_tokens;

use super::FlowError;
use super::access_token;
use super::api_tokens;
use crate::state::AppState;

pub async fn introspect(
    state: &AppState,
    client: &Client,
    token: &str,
) -> Result<IntrospectionResponse, FlowError> {
    if token.is_empty() || token.len() > 16 * 1024 {
        return Ok(IntrospectionResponse::inactive());
    }
    if token.matches('.').count() == 2 {
        let claims = match access_token::verify(state, token).await? {
            Ok(claims) => claims,
            Err(_) => return Ok(IntrospectionResponse::inactive()),
        };
        // A user's token dies with the account (deleted or disabled); client_credentials
        // tokens have the client as their subject.
        if claims.sub != claims.client_id
            && !super::users::cached(state, &claims.sub)
                .await?
                .is_some_and(|user| user.is_active())
        {
            return Ok(IntrospectionResponse::inactive());
        }
        return Ok(IntrospectionResponse {
            active: true,
            scope: Some(claims.scope.clone()),
            client_id: Some(claims.client_id.clone()),
            token_type: Some("Bearer".into()),
            exp: Some(claims.exp),
            iat: Some(claims.iat),
            sub: Some(claims.sub.clone()),
            aud: Some(claims.aud.clone()),
            iss: Some(claims.iss.clone()),
            jti: Some(claims.jti.clone()),
            act: claims.act.clone(),
            ..IntrospectionResponse::inactive()
        });
    }
    if poort_api_tokens::looks_like_api_token(token) {
        return api_token(state, client, token).await;
    }
    let Some(row) = refresh_tokens::find_by_digest(&state.db, &digest_secret(token)).await? else {
        return Ok(IntrospectionResponse::inactive());
    };
    let now = state.now();
    let active = row.client_id == client.id
        && row.revoked_at.is_none()
        && row.used_at.is_none()
        && row.expires_at > now;
    if !active {
        return Ok(IntrospectionResponse::inactive());
    }
    Ok(IntrospectionResponse {
        active: true,
        scope: Some(Scopes::parse(&row.scope).map_err(|e| FlowError::Corrupt(e.description))?),
        client_id: Some(row.client_id),
        token_type: Some("refresh_token".into()),
        exp: Some(row.expires_at),
        iat: Some(row.created_at),
        sub: Some(row.user_id),
        iss: Some(state.issuer().to_string()),
        ..IntrospectionResponse::inactive()
    })
}

/// A personal API token: `client_id` is the client asking (the token belongs to no client),
/// `token_type` is `api_token`. Introspection is not a use: last use stays as it was.
async fn api_token(
    state: &AppState,
    client: &Client,
    token: &str,
) -> Result<IntrospectionResponse, FlowError> {
    let Ok(live) = api_tokens::resolve(state, token).await? else {
        return Ok(IntrospectionResponse::inactive());
    };
    let scope = live
        .principal
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(IntrospectionResponse {
        active: true,
        scope: Some(Scopes::parse(&scope).map_err(|e| FlowError::Corrupt(e.description))?),
        client_id: Some(client.id.clone()),
        token_type: Some("api_token".into()),
        exp: Some(live.expires_at),
        iat: Some(live.issued_at),
        sub: Some(live.principal.user_id),
        iss: Some(state.issuer().to_string()),
        jti: Some(live.principal.token_id),
        org_id: live.principal.org_id,
        ..IntrospectionResponse::inactive()
    })
}

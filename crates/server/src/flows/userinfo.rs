//! The UserInfo endpoint (OIDC Core §5.3): claims by the access token's scopes.

use poort_oidc::claims::user_claims_for_scopes;
use serde_json::Value;

use super::FlowError;
use super::access_token::{self, TokenRejected};
use super::token::user_claims;
use crate::state::AppState;

pub enum UserinfoOutcome {
    /// The claims, for the token's client.
    Claims {
        claims: Value,
        client_id: String,
    },
    InvalidToken(String),
    /// The token lacks the `openid` scope.
    InsufficientScope,
}

pub async fn userinfo(state: &AppState, token: &str) -> Result<UserinfoOutcome, FlowError> {
    let claims = match access_token::verify(state, token).await? {
        Ok(claims) => claims,
        Err(rejected) => return Ok(UserinfoOutcome::InvalidToken(rejected.to_string())),
    };
    if !claims.scope.contains("openid") {
        return Ok(UserinfoOutcome::InsufficientScope);
    }
    let Some(user) = super::users::cached(state, &claims.sub).await? else {
        return Ok(UserinfoOutcome::InvalidToken(
            TokenRejected::Revoked.to_string(),
        ));
    };
    if !user.is_active() {
        return Ok(UserinfoOutcome::InvalidToken(
            TokenRejected::Revoked.to_string(),
        ));
    }
    let mut all = user_claims(&user);
    all.organizations =
        super::orgs::claims::organizations_claim(&state.db, &user.id, &claims.scope).await?;
    let mut body = serde_json::to_value(user_claims_for_scopes(&claims.scope, &all))?;
    if let Value::Object(map) = &mut body {
        map.insert("sub".into(), Value::String(user.id.clone()));
    }
    Ok(UserinfoOutcome::Claims {
        claims: body,
        client_id: claims.client_id.clone(),
    })
}

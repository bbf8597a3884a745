//! The UserInfo endpoint (OIDC Core §5.3): claims by the access token's scopes.

use std::sync::Arc;

use poort_oidc::claims::user_claims_for_scopes;
use poort_store::entities::users::Model as User;
use poort_store::users;
use serde_json::Value;

use super::FlowError;
use super::access_token::{self, TokenRejected};
use super::token::user_claims;
use crate::state::AppState;

pub enum UserinfoOutcome {
    Claims(Value),
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
    let Some(user) = find_user(state, &claims.sub).await? else {
        return Ok(UserinfoOutcome::InvalidToken(
            TokenRejected::Revoked.to_string(),
        ));
    };
    if user.disabled {
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
    Ok(UserinfoOutcome::Claims(body))
}

/// The user, from the cache when read in the last `cache_ttl_secs`: userinfo is called on every
/// page load of some relying parties, and a database read would dominate its cost.
async fn find_user(state: &AppState, id: &str) -> Result<Option<Arc<User>>, FlowError> {
    let now = state.now();
    let cache = &state.caches.users;
    if let Some(user) = cache.get(&id.to_string(), now) {
        return Ok(Some(user));
    }
    let Some(user) = users::find_by_id(&state.db, id).await?.map(Arc::new) else {
        return Ok(None);
    };
    cache.insert(
        id.to_string(),
        user.clone(),
        now + state.caches.ttl_secs,
        now,
    );
    Ok(Some(user))
}

//! Which web origins may call the token, userinfo and revocation endpoints from a browser
//! (CORS). A preflight names no client, so it is allowed when any client accepts the origin; an
//! actual request is answered with CORS headers only when its own client accepts it.

use std::collections::HashSet;
use std::sync::Arc;

use poort_oidc::web_origin::effective_web_origins;
use poort_store::clients::{self, Client};

use super::FlowError;
use super::client_auth::find_client;
use crate::state::AppState;

/// The origins `client` accepts: registered ones, or a public client's redirect URI origins.
pub fn accepted_by(client: &Client) -> Vec<String> {
    effective_web_origins(&client.web_origins, client.public, &client.redirect_uris)
}

pub fn client_accepts(client: &Client, origin: &str) -> bool {
    accepted_by(client).iter().any(|o| o == origin)
}

/// Whether the client with this id (registered, from the per-node cache) accepts `origin`.
pub async fn client_id_accepts(
    state: &AppState,
    client_id: &str,
    origin: &str,
) -> Result<bool, FlowError> {
    Ok(find_client(state, client_id)
        .await?
        .is_some_and(|client| client_accepts(&client, origin)))
}

/// Whether any registered client accepts `origin` (for preflights). The set of every accepted
/// origin is read at most once per `cache_ttl_secs` per node, whatever origins are asked about.
pub async fn any_client_accepts(state: &AppState, origin: &str) -> Result<bool, FlowError> {
    let now = state.now();
    if let Some(origins) = state.caches.web_origins.get(now) {
        return Ok(origins.contains(origin));
    }
    let origins: HashSet<String> = clients::list_with_web_origins(&state.db)
        .await?
        .iter()
        .flat_map(accepted_by)
        .collect();
    let allowed = origins.contains(origin);
    state
        .caches
        .web_origins
        .set(Arc::new(origins), now + state.caches.ttl_secs);
    Ok(allowed)
}

/// Forgets what this node cached about a client's origins (after a change).
pub fn forget(state: &AppState, client_id: &str) {
    state.caches.clients.remove(&client_id.to_owned());
    state.caches.web_origins.clear();
}

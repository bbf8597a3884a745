//! Client authentication at the token, introspection and revocation endpoints
//! (`client_secret_basic`, `client_secret_post`, `private_key_jwt`, `client_secret_jwt`,
//! `none` for public clients). A client authenticates only by the method it registered
//! (`client_auth_settings::method_allowed`).

use std::sync::Arc;

use poort_credentials::{digest_secret, digests_equal};
use poort_oidc::OAuthError;
use poort_oidc::token_request::{ClientAuthMethod, PresentedClient};
use poort_store::clients::{self, Client};

use super::FlowError;
use super::client_assertions;
use super::client_auth_settings::{method_allowed, registered_method};
use crate::state::AppState;

/// Why authentication failed; the HTTP layer answers 401 with `WWW-Authenticate`.
pub fn invalid_client() -> OAuthError {
    OAuthError::invalid_client("client authentication failed")
}

pub enum ClientAuthOutcome {
    /// Shared with the cache: no copy of the registration per request.
    Authenticated(Arc<Client>),
    Refused(OAuthError),
}

pub async fn authenticate(
    state: &AppState,
    presented: &PresentedClient,
) -> Result<ClientAuthOutcome, FlowError> {
    if presented.client_id.len() > 128 {
        return Ok(ClientAuthOutcome::Refused(invalid_client()));
    }
    let Some(client) = find_client(state, &presented.client_id).await? else {
        return Ok(ClientAuthOutcome::Refused(invalid_client()));
    };
    let allowed = registered_method(&client)
        .is_some_and(|registered| method_allowed(registered, presented.method));
    if !allowed {
        return Ok(ClientAuthOutcome::Refused(invalid_client()));
    }
    let ok = match (&client.secret_digest, &presented.secret, presented.method) {
        // Confidential: a secret by Basic or POST, compared by digest in constant time.
        (Some(stored), Some(secret), ClientAuthMethod::ClientSecretBasic)
        | (Some(stored), Some(secret), ClientAuthMethod::ClientSecretPost) => {
            digests_equal(stored, &digest_secret(secret.expose()))
        }
        // Public: no secret at all.
        (None, None, ClientAuthMethod::None) => client.public,
        // A signed assertion: claims, signature, then its one use.
        (_, None, ClientAuthMethod::PrivateKeyJwt | ClientAuthMethod::ClientSecretJwt) => {
            match &presented.assertion {
                Some(assertion) => {
                    client_assertions::verify(state, &client, presented.method, assertion).await?
                }
                None => false,
            }
        }
        _ => false,
    };
    Ok(if ok {
        ClientAuthOutcome::Authenticated(client)
    } else {
        ClientAuthOutcome::Refused(invalid_client())
    })
}

/// The registration, from the cache when it was read in the last `cache_ttl_secs` (a database
/// read per token request would dominate its cost). Unknown ids are not cached.
pub async fn find_client(
    state: &AppState,
    client_id: &str,
) -> Result<Option<Arc<Client>>, FlowError> {
    let now = state.now();
    let cache = &state.caches.clients;
    if let Some(client) = cache.get(&client_id.to_string(), now) {
        return Ok(Some(client));
    }
    let Some(client) = clients::find(&state.db, client_id).await?.map(Arc::new) else {
        return Ok(None);
    };
    cache.insert(
        client_id.to_string(),
        client.clone(),
        now + state.caches.ttl_secs,
        now,
    );
    Ok(Some(client))
}

//! Checking a JWT client assertion (`private_key_jwt`, `client_secret_jwt`) of a client that
//! registered that method: the claims (`poort_oidc::client_assertion`), the signature with the
//! client's keys (inline, or fetched from its `jwks_uri` through `state.outbound` and cached
//! per node) or its sealed secret, and finally one use per `jti` (claimed in the ephemeral
//! store until the assertion expires, only after the signature verified, so nobody else can
//! use up a client's `jti`s).

use std::sync::Arc;
use std::time::Duration;

use poort_credentials::digest_secret;
use poort_oidc::client_assertion::{AssertionError, ClientAssertion, LEEWAY_SECS};
use poort_oidc::client_auth::ClientAuthMethod;
use poort_oidc::discovery::TOKEN_PATH;
use poort_oidc::jose::{ClientJwks, JoseError};
use poort_store::clients::Client;

use super::FlowError;
use super::client_auth_settings::open_secret;
use crate::state::AppState;

/// How long keys fetched from a `jwks_uri` are used before they are fetched again.
pub const JWKS_CACHE_SECS: i64 = 300;
/// At most one fetch per client and URI in this many seconds: an assertion naming an unknown
/// `kid` (key rotation) fetches again, but a stream of them does not make us a proxy. A failed
/// fetch is remembered as long.
pub const JWKS_REFETCH_SECS: i64 = 30;
/// Largest key set document fetched.
pub const MAX_FETCHED_JWKS_BYTES: usize = 64 * 1024;

/// What this node fetched from a client's `jwks_uri` and when; `keys` is `None` when the fetch
/// or the document failed.
#[derive(Clone)]
pub struct FetchedJwks {
    keys: Option<Arc<ClientJwks>>,
    fetched_at: i64,
}

/// Whether `assertion` authenticates `client`, registered for `method` (which the assertion's
/// algorithm selected: the caller has compared it with the registration). `Ok(false)` is
/// `invalid_client`; the reason is logged at debug level only.
pub async fn verify(
    state: &AppState,
    client: &Client,
    method: ClientAuthMethod,
    assertion: &ClientAssertion,
) -> Result<bool, FlowError> {
    let now = state.now();
    let issuer = state.issuer();
    let token_endpoint = format!("{}{TOKEN_PATH}", issuer.trim_end_matches('/'));
    if let Err(why) = assertion.check_claims(&client.id, &[&token_endpoint, issuer], now) {
        tracing::debug!(client_id = %client.id, %why, "client assertion refused");
        return Ok(false);
    }
    let signed = match method {
        ClientAuthMethod::PrivateKeyJwt => signed_with_client_keys(state, client, assertion).await,
        ClientAuthMethod::ClientSecretJwt => signed_with_secret(state, client, assertion),
        _ => false,
    };
    if !signed {
        tracing::debug!(client_id = %client.id, "client assertion signature refused");
        return Ok(false);
    }
    // One use per jti: a replay within its lifetime (plus the leeway) is refused.
    let key = format!(
        "client_assertion_jti:{}",
        digest_secret(&format!("{}\n{}", client.id, assertion.jti()))
    );
    let ttl = assertion
        .exp()
        .saturating_add(LEEWAY_SECS)
        .saturating_sub(now)
        .max(1);
    let first_use = state
        .ephemeral
        .put_if_absent(&key, vec![1], Duration::from_secs(ttl.unsigned_abs()))
        .await?;
    if !first_use {
        tracing::debug!(client_id = %client.id, "client assertion jti replayed");
    }
    Ok(first_use)
}

fn signed_with_secret(state: &AppState, client: &Client, assertion: &ClientAssertion) -> bool {
    let Some(sealed) = client.auth.secret_sealed.as_deref() else {
        return false;
    };
    match open_secret(&state.master_key, &client.id, sealed) {
        Ok(secret) => assertion.verify_with_secret(&secret).is_ok(),
        Err(error) => {
            tracing::warn!(client_id = %client.id, %error, "client secret does not open");
            false
        }
    }
}

async fn signed_with_client_keys(
    state: &AppState,
    client: &Client,
    assertion: &ClientAssertion,
) -> bool {
    if let Some(jwks) = client.auth.jwks.as_deref() {
        return ClientJwks::parse(jwks.as_bytes())
            .is_ok_and(|keys| assertion.verify_with_keys(&keys).is_ok());
    }
    let Some(uri) = client.auth.jwks_uri.as_deref() else {
        return false;
    };
    let cache_key = format!("{}\n{uri}", client.id);
    let now = state.now();
    let Some(cached) = state.caches.client_jwks.get(&cache_key, now) else {
        let keys = fetch(state, cache_key, uri, now).await;
        return keys.is_some_and(|keys| assertion.verify_with_keys(&keys).is_ok());
    };
    let outcome = cached
        .keys
        .as_deref()
        .map(|keys| assertion.verify_with_keys(keys));
    let may_be_rotated = match outcome {
        Some(Ok(())) => return true,
        Some(Err(AssertionError::Signature(JoseError::UnknownKid))) => true,
        // Without a kid, any failure may be a new key.
        Some(Err(_)) => assertion.kid().is_none(),
        None => true,
    };
    if !may_be_rotated || now - cached.fetched_at < JWKS_REFETCH_SECS {
        return false;
    }
    let keys = fetch(state, cache_key, uri, now).await;
    keys.is_some_and(|keys| assertion.verify_with_keys(&keys).is_ok())
}

/// Fetches and parses the key set, remembering the outcome (a failure for
/// [`JWKS_REFETCH_SECS`], keys for [`JWKS_CACHE_SECS`]).
async fn fetch(
    state: &AppState,
    cache_key: String,
    uri: &str,
    now: i64,
) -> Option<Arc<ClientJwks>> {
    let keys = match state.outbound.get(uri, MAX_FETCHED_JWKS_BYTES).await {
        Ok(body) => match ClientJwks::parse_fetched(&body) {
            Ok(keys) => Some(Arc::new(keys)),
            Err(error) => {
                tracing::warn!(%uri, %error, "client jwks_uri serves no usable key set");
                None
            }
        },
        Err(error) => {
            tracing::warn!(%uri, %error, "client jwks_uri could not be fetched");
            None
        }
    };
    let keep = match keys {
        Some(_) => JWKS_CACHE_SECS,
        None => JWKS_REFETCH_SECS,
    };
    let fetched = FetchedJwks {
        keys: keys.clone(),
        fetched_at: now,
    };
    state
        .caches
        .client_jwks
        .insert(cache_key, fetched, now + keep, now);
    keys
}

/// Forgets this node's fetched keys of client `id` (its registration changed).
pub fn forget(state: &AppState, client: &Client) {
    if let Some(uri) = client.auth.jwks_uri.as_deref() {
        state
            .caches
            .client_jwks
            .remove(&format!("{}\n{uri}", client.id));
    }
}

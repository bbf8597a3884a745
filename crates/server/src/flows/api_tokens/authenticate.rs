//! Checking a presented token: parse (format and checksum, before any lookup) → SHA-256 →
//! this node's cache or one indexed read → expired / revoked / owner disabled or deleted refused. A
//! cached hit also checks the shared revocation marker, so a revocation on any node is seen
//! by every node at once; the marker is durable (`durable_markers`), so it survives the loss
//! of the ephemeral store, and a reload of the markers empties this node's cache.

use std::net::IpAddr;
use std::sync::Arc;

use poort_api_tokens::{TokenFormatError, TokenScope};
use poort_store::api_tokens as store;

use super::cache::CachedToken;
use crate::flows::FlowError;
use crate::flows::durable_markers::{self, Marker};
use crate::state::AppState;

/// Who a valid token acts for, and with which scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenPrincipal {
    pub token_id: String,
    pub user_id: String,
    pub org_id: Option<String>,
    pub scopes: Vec<TokenScope>,
    /// How the owner authenticated when minting it (see `gate::Principal::amr`).
    pub amr: Vec<String>,
    /// When it expires: a token it mints expires no later.
    pub expires_at: i64,
}

impl ApiTokenPrincipal {
    pub fn has_scope(&self, scope: TokenScope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// A valid token with its times (for introspection).
#[derive(Debug, Clone)]
pub struct LiveToken {
    pub principal: ApiTokenPrincipal,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// Why a presented token is refused. All are `invalid_token` to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiTokenRefusal {
    #[error("{0}")]
    Malformed(TokenFormatError),
    #[error("the API token is not known")]
    Unknown,
    #[error("the API token has expired")]
    Expired,
    #[error("the API token has been revoked")]
    Revoked,
    #[error("the API token's owner is disabled or deleted")]
    OwnerInactive,
}

fn revoked_marker(token_id: &str) -> String {
    format!("api_token_revoked:{token_id}")
}

/// Tells every node that `token_id` is revoked, for as long as any node may hold it in its
/// cache (after that, their next database read sees `revoked_at`).
pub async fn announce_revocation(
    state: &AppState,
    token_id: &str,
    digest: &str,
) -> Result<(), FlowError> {
    state.api_tokens.remove(&digest.to_owned());
    let ttl = state.config.cache_ttl_secs.max(0) + 60;
    // Durable: a node's cache must not outlive the marker when the ephemeral store is lost.
    durable_markers::record(
        state,
        vec![Marker {
            key: revoked_marker(token_id),
            value: "1".to_owned(),
            expires_at: state.now().saturating_add(ttl),
        }],
    )
    .await
}

/// Validates a token without recording a use (introspection by a relying API).
pub async fn resolve(
    state: &AppState,
    presented: &str,
) -> Result<Result<LiveToken, ApiTokenRefusal>, FlowError> {
    Ok(resolve_cached(state, presented)
        .await?
        .map(|cached| cached.live.clone()))
}

/// Validates a token used against Poort's own API and records its use (time and `ip`), at most
/// once per `api_tokens.last_use_interval_secs`.
pub async fn authenticate(
    state: &AppState,
    presented: &str,
    ip: IpAddr,
) -> Result<Result<ApiTokenPrincipal, ApiTokenRefusal>, FlowError> {
    let cached = match resolve_cached(state, presented).await? {
        Ok(cached) => cached,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let now = state.now();
    let interval = state.config.api_tokens.last_use_interval_secs;
    if cached.claim_touch(now, interval) {
        store::touch_last_use(
            &state.db,
            &cached.live.principal.token_id,
            &ip.to_string(),
            now,
            interval,
        )
        .await?;
    }
    Ok(Ok(cached.live.principal.clone()))
}

async fn resolve_cached(
    state: &AppState,
    presented: &str,
) -> Result<Result<Arc<CachedToken>, ApiTokenRefusal>, FlowError> {
    // A typo, a truncated paste or a foreign string never reaches the database.
    let token = match poort_api_tokens::parse(presented) {
        Ok(token) => token,
        Err(e) => return Ok(Err(ApiTokenRefusal::Malformed(e))),
    };
    let digest = token.digest();
    let now = state.now();
    if let Some(hit) = state.api_tokens.get(&digest, now) {
        if hit.live.expires_at <= now {
            return Ok(Err(ApiTokenRefusal::Expired));
        }
        let marker = revoked_marker(&hit.live.principal.token_id);
        if durable_markers::get(state, &marker).await?.is_some() {
            state.api_tokens.remove(&digest);
            return Ok(Err(ApiTokenRefusal::Revoked));
        }
        return Ok(Ok(hit));
    }
    let Some((row, owner)) = store::find_by_digest(&state.db, &digest).await? else {
        return Ok(Err(ApiTokenRefusal::Unknown));
    };
    // The index found it by digest; compare again in constant time all the same.
    if !token.matches_digest(&row.digest) {
        return Ok(Err(ApiTokenRefusal::Unknown));
    }
    if row.revoked_at.is_some() {
        return Ok(Err(ApiTokenRefusal::Revoked));
    }
    if row.expires_at <= now {
        return Ok(Err(ApiTokenRefusal::Expired));
    }
    if !owner.is_active() {
        return Ok(Err(ApiTokenRefusal::OwnerInactive));
    }
    // A scope this build does not know grants nothing.
    let scopes = row
        .scope_values()?
        .iter()
        .filter_map(|s| s.parse::<TokenScope>().ok())
        .collect();
    let amr = row.amr_values()?;
    let cached = Arc::new(CachedToken::new(
        LiveToken {
            principal: ApiTokenPrincipal {
                token_id: row.id,
                user_id: row.user_id,
                amr,
                org_id: row.org_id,
                scopes,
                expires_at: row.expires_at,
            },
            issued_at: row.created_at,
            expires_at: row.expires_at,
        },
        row.last_used_at,
    ));
    let until = row
        .expires_at
        .min(now.saturating_add(state.config.cache_ttl_secs));
    state.api_tokens.insert(digest, cached.clone(), until, now);
    Ok(Ok(cached))
}

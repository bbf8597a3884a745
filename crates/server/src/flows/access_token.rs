//! Minting and checking our JWT access tokens (RFC 9068), and their deny-list for revocation
//! (durable: see `durable_markers`).

use std::sync::Arc;

use poort_oidc::claims::{AccessTokenClaims, Actor, Audience};
use poort_oidc::jose::{sign_jwt, verify_jwt};
use poort_oidc::scope::Scopes;
use poort_store::new_id;

use super::FlowError;
use super::durable_markers::Marker;
use crate::cache::VerifiedToken;
use crate::state::AppState;

pub const TYP: &str = "at+jwt";

pub struct MintedAccessToken {
    pub token: String,
    pub jti: String,
    pub expires_at: i64,
}

pub struct AccessTokenSubject<'a> {
    pub sub: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a Scopes,
    pub auth_time: Option<i64>,
    pub sid: Option<&'a str>,
    /// How the user authenticated; `None` for a client's own token.
    pub amr: Option<&'a [String]>,
    /// The resource servers (RFC 8707) the token is for; `None`: the client itself.
    pub audiences: Option<&'a [String]>,
    /// Who acts for the subject (RFC 8693 `act`): a token exchange with an actor.
    pub act: Option<&'a Actor>,
}

/// A new token id and expiry, for a grant that records them before it mints (a code's
/// redemption names the token it produces before handing it out).
pub fn plan(state: &AppState) -> (String, i64) {
    (new_id(), state.now() + state.config.access_token_ttl_secs)
}

pub fn mint(
    state: &AppState,
    subject: AccessTokenSubject<'_>,
) -> Result<MintedAccessToken, FlowError> {
    let (jti, expires_at) = plan(state);
    mint_planned(state, subject, jti, expires_at)
}

/// [`mint`] with the id and expiry from [`plan`].
pub fn mint_planned(
    state: &AppState,
    subject: AccessTokenSubject<'_>,
    jti: String,
    expires_at: i64,
) -> Result<MintedAccessToken, FlowError> {
    let now = state.now();
    let claims = AccessTokenClaims {
        iss: state.issuer().to_string(),
        sub: subject.sub.to_string(),
        aud: match subject.audiences {
            Some(audiences) if !audiences.is_empty() => Audience(audiences.to_vec()),
            _ => Audience::one(subject.client_id),
        },
        exp: expires_at,
        iat: now,
        jti: jti.clone(),
        client_id: subject.client_id.to_string(),
        scope: subject.scopes.clone(),
        auth_time: subject.auth_time,
        sid: subject.sid.map(str::to_string),
        amr: subject.amr.map(<[String]>::to_vec),
        act: subject.act.cloned(),
    };
    let keys = state.keys.current();
    let key = keys
        .signer(state.access_token_alg)
        .ok_or_else(|| FlowError::Signing("no active access-token key".into()))?;
    let token = sign_jwt(key, TYP, &claims).map_err(|e| FlowError::Signing(e.to_string()))?;
    Ok(MintedAccessToken {
        token,
        jti,
        expires_at,
    })
}

/// Why a presented access token is not accepted (all map to `invalid_token`).
#[derive(Debug, thiserror::Error)]
pub enum TokenRejected {
    #[error("the access token is malformed or its signature is invalid")]
    Invalid,
    #[error("the access token was issued by another issuer")]
    WrongIssuer,
    #[error("the access token has expired")]
    Expired,
    #[error("the access token has been revoked")]
    Revoked,
}

fn revoked_key(jti: &str) -> String {
    format!("revoked_at:{jti}")
}

/// Signature, type, issuer, expiry and the revocation list. The signature check of a token seen
/// before under the same key set comes from the cache; expiry and revocation are checked on
/// every call, so a revoked token is refused at once.
pub async fn verify(
    state: &AppState,
    token: &str,
) -> Result<Result<Arc<AccessTokenClaims>, TokenRejected>, FlowError> {
    let Some(claims) = verified_claims(state, token) else {
        return Ok(Err(TokenRejected::Invalid));
    };
    if claims.iss != state.issuer() {
        return Ok(Err(TokenRejected::WrongIssuer));
    }
    if claims.exp <= state.now() {
        return Ok(Err(TokenRejected::Expired));
    }
    if super::durable_markers::get(state, &revoked_key(&claims.jti))
        .await?
        .is_some()
    {
        return Ok(Err(TokenRejected::Revoked));
    }
    Ok(Ok(claims))
}

/// The claims of a token whose signature is valid under the current keys, from the cache when
/// this exact token (by SHA-256 of all its bytes) was verified before with the same key set.
fn verified_claims(state: &AppState, token: &str) -> Option<Arc<AccessTokenClaims>> {
    let keys = state.keys.current();
    let now = state.now();
    let cache = &state.caches.tokens;
    let digest = token_digest(token);
    if let Some(hit) = cache.get(&digest, now)
        && Arc::ptr_eq(&hit.keys, &keys)
    {
        return Some(hit.claims);
    }
    let claims = Arc::new(verify_jwt::<AccessTokenClaims>(&keys, token, TYP).ok()?);
    let expires_at = claims.exp;
    cache.insert(
        digest,
        VerifiedToken {
            keys,
            claims: claims.clone(),
        },
        expires_at,
        now,
    );
    Some(claims)
}

fn token_digest(token: &str) -> [u8; 32] {
    let mut digest = [0u8; 32];
    digest.copy_from_slice(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()).as_ref(),
    );
    digest
}

/// Deny-lists a token id until the token would have expired anyway.
pub async fn revoke(state: &AppState, jti: &str, expires_at: i64) -> Result<(), FlowError> {
    revoke_many(state, &[(jti.to_owned(), expires_at)]).await
}

/// Deny-lists token ids `(jti, exp)`, durably: the deny list outlives the ephemeral store.
pub async fn revoke_many(state: &AppState, tokens: &[(String, i64)]) -> Result<(), FlowError> {
    let markers = tokens
        .iter()
        .filter(|(jti, _)| !jti.is_empty() && jti.len() <= 128)
        .map(|(jti, expires_at)| Marker {
            key: revoked_key(jti),
            value: "1".to_owned(),
            expires_at: *expires_at,
        })
        .collect();
    super::durable_markers::record(state, markers).await
}

//! The token endpoint's grants: authorization_code (single use, PKCE, replay revokes), refresh_token
//! (rotation on every use, reuse revokes the family, optional grace window) and client_credentials.

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::OAuthError;
use poort_oidc::claims::{IdTokenClaims, UserClaims, user_claims_for_scopes};
use poort_oidc::jose::{SigningAlg, at_hash, sign_jwt};
use poort_oidc::pkce::verify_pkce;
use poort_oidc::scope::Scopes;
use poort_oidc::token_request::{GrantType, TokenRequest};
use poort_store::clients::Client;
use poort_store::entities::used_codes::Model as UsedCode;
use poort_store::entities::users::Model as User;
use poort_store::new_id;
use poort_store::refresh_tokens::{self, NewRefreshToken};
use serde::Serialize;
use std::sync::Arc;

use super::FlowError;
use super::access_token::{self, AccessTokenSubject};
use super::codes::{self, CodeGrant, Planned, Use};
use crate::state::AppState;

/// The successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
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
    let grant_type = match &request {
        TokenRequest::AuthorizationCode { .. } => GrantType::AuthorizationCode,
        TokenRequest::RefreshToken { .. } => GrantType::RefreshToken,
        TokenRequest::ClientCredentials { .. } => GrantType::ClientCredentials,
    };
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
        } => {
            let verifier = code_verifier.as_ref().map(|v| v.expose().to_string());
            authorization_code(state, client, code.expose(), redirect_uri, verifier).await
        }
        TokenRequest::RefreshToken {
            refresh_token,
            scope,
        } => refresh(state, client, refresh_token.expose(), scope).await,
        TokenRequest::ClientCredentials { scope, resource } => {
            client_credentials(state, client, scope, resource)
        }
    };
    if let Ok(Ok(_)) = &result {
        state.metrics.token_issued(grant_type);
    }
    result
}

async fn authorization_code(
    state: &AppState,
    client: &Client,
    code: &str,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
) -> GrantResult {
    let invalid = |why: &str| Ok(Err(OAuthError::invalid_grant(why)));
    let Some(grant) = codes::peek(state, code).await? else {
        if let Some(used) = codes::find_used(state, code).await? {
            // A replayed code: whoever holds it may be an attacker; kill what it produced.
            revoke_redeemed(state, &used).await?;
            tracing::warn!(client_id = %client.id, "authorization code replayed; issued tokens revoked");
        }
        return invalid("the authorization code is invalid, expired or already used");
    };
    let user = match code_refusal(state, client, &grant, redirect_uri, code_verifier).await? {
        Ok(user) => user,
        Err(why) => {
            // A failed attempt uses the code up.
            codes::discard(state, code).await?;
            return invalid(&why);
        }
    };
    let scopes = Scopes::parse(&grant.scope).map_err(|e| FlowError::Corrupt(e.description))?;
    let session = SessionFacts {
        auth_time: grant.auth_time,
        amr: grant.amr.clone(),
        sid: grant.sid.clone(),
    };
    // Named before anything is handed out, so a concurrent replay finds what to revoke.
    let (access_jti, access_expires_at) = access_token::plan(state);
    let plan = Plan {
        access_jti,
        access_expires_at,
        family_id: gets_refresh_tokens(client).then(new_id),
    };
    let planned = Planned {
        refresh_family: plan.family_id.clone(),
        access_jti: plan.access_jti.clone(),
        access_expires_at: plan.access_expires_at,
    };
    let refresh_expires_at = state.now() + state.config.refresh_token_ttl_secs;
    let prepared = prepare_user_tokens(
        state,
        client,
        &user,
        &scopes,
        &session,
        grant.nonce.clone(),
        plan,
        refresh_expires_at,
    )
    .await?;
    match codes::redeem(state, code, &grant, &planned, prepared.refresh).await? {
        Use::First => {
            // The database decided; a code left in the store only finds its record.
            if let Err(e) = codes::discard(state, code).await {
                tracing::warn!(error = %e, "a redeemed code could not be dropped from the ephemeral store");
            }
            Ok(Ok(prepared.response))
        }
        Use::Replay(used) => {
            // Redeemed at the same time, or again from a store restored from before its use.
            revoke_redeemed(state, &used).await?;
            codes::discard(state, code).await?;
            tracing::warn!(client_id = %client.id, "authorization code redeemed twice; issued tokens revoked");
            invalid("the authorization code was already used")
        }
    }
}

/// The code's user if `client` may redeem `grant` with these parameters, else why not.
async fn code_refusal(
    state: &AppState,
    client: &Client,
    grant: &CodeGrant,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
) -> Result<Result<Arc<User>, String>, FlowError> {
    let refuse = |why: &str| Ok(Err(why.to_owned()));
    if grant.client_id != client.id {
        return refuse("the authorization code was issued to another client");
    }
    if grant.expires_at <= state.now() {
        return refuse("the authorization code has expired");
    }
    if redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return refuse("redirect_uri does not match the authorization request");
    }
    match (&grant.code_challenge, code_verifier) {
        (Some(challenge), Some(verifier)) => {
            if let Err(e) = verify_pkce(challenge, &verifier) {
                return Ok(Err(e.description));
            }
        }
        (Some(_), None) => return refuse("code_verifier is required"),
        (None, Some(_)) => return refuse("code_verifier given but no code_challenge was sent"),
        (None, None) if client.public => return refuse("PKCE is required for public clients"),
        (None, None) => {}
    }
    let Some(user) = super::users::cached(state, &grant.user_id).await? else {
        return refuse("the user no longer exists");
    };
    if !user.is_active() {
        return refuse("the user is disabled or deleted");
    }
    Ok(Ok(user))
}

async fn revoke_redeemed(state: &AppState, used: &UsedCode) -> Result<(), FlowError> {
    access_token::revoke(state, &used.access_jti, used.access_expires_at).await?;
    if let Some(family) = &used.family_id {
        revoke_family(state, family).await?;
    }
    Ok(())
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

/// How the user authenticated, carried from the session into every token of the family.
struct SessionFacts {
    auth_time: i64,
    amr: Vec<String>,
    sid: String,
}

/// What a grant will issue, decided before anything is signed or stored: the access token's id
/// and expiry, and the refresh-token family (none for a client without refresh tokens).
struct Plan {
    access_jti: String,
    access_expires_at: i64,
    family_id: Option<String>,
}

/// Signed tokens, and the refresh token to store (by the caller: in a rotation, or with the
/// code's use) before the response may be sent.
struct Prepared {
    response: TokenResponse,
    refresh: Option<NewRefreshToken>,
}

fn gets_refresh_tokens(client: &Client) -> bool {
    client.grant_types.iter().any(|g| g == "refresh_token")
}

#[allow(clippy::too_many_arguments)]
async fn prepare_user_tokens(
    state: &AppState,
    client: &Client,
    user: &User,
    scopes: &Scopes,
    session: &SessionFacts,
    nonce: Option<String>,
    plan: Plan,
    refresh_expires_at: i64,
) -> Result<Prepared, FlowError> {
    let access = access_token::mint_planned(
        state,
        AccessTokenSubject {
            sub: &user.id,
            client_id: &client.id,
            scopes,
            auth_time: Some(session.auth_time),
            sid: Some(&session.sid),
            amr: Some(&session.amr),
            audiences: None,
        },
        plan.access_jti,
        plan.access_expires_at,
    )?;
    let id_token = if scopes.contains("openid") {
        let mut all = user_claims(user);
        all.organizations =
            super::orgs::claims::organizations_claim(&state.db, &user.id, scopes).await?;
        let profile = user_claims_for_scopes(scopes, &all);
        Some(id_token(
            state,
            client,
            user,
            profile,
            session,
            nonce,
            &access.token,
        )?)
    } else {
        None
    };
    let now = state.now();
    let (refresh_token, refresh) = match plan.family_id {
        Some(family_id) => {
            let token = generate_secret(32);
            let new = NewRefreshToken {
                id: new_id(),
                token_digest: digest_secret(&token),
                family_id,
                client_id: client.id.clone(),
                user_id: user.id.clone(),
                scope: scopes.to_string(),
                auth_time: session.auth_time,
                amr: session.amr.clone(),
                sid: Some(session.sid.clone()),
                access_jti: access.jti.clone(),
                access_expires_at: access.expires_at,
                created_at: now,
                expires_at: refresh_expires_at,
            };
            (Some(token), Some(new))
        }
        None => (None, None),
    };
    Ok(Prepared {
        response: TokenResponse {
            access_token: access.token,
            token_type: "Bearer",
            expires_in: access.expires_at - now,
            scope: scopes.to_string(),
            id_token,
            refresh_token,
        },
        refresh,
    })
}

fn id_token(
    state: &AppState,
    client: &Client,
    user: &User,
    profile: UserClaims,
    session: &SessionFacts,
    nonce: Option<String>,
    access_token: &str,
) -> Result<String, FlowError> {
    let alg: SigningAlg = client
        .id_token_alg
        .parse()
        .map_err(|_| FlowError::Corrupt(format!("client {} has an unknown alg", client.id)))?;
    let keys = state.keys.current();
    let key = keys
        .signer(alg)
        .ok_or_else(|| FlowError::Signing(format!("no active {alg} key")))?;
    let now = state.now();
    let claims = IdTokenClaims {
        iss: state.issuer().to_string(),
        sub: user.id.clone(),
        aud: client.id.clone(),
        exp: now + state.config.id_token_ttl_secs,
        iat: now,
        auth_time: session.auth_time,
        nonce,
        at_hash: Some(at_hash(alg, access_token)),
        azp: client.id.clone(),
        sid: Some(session.sid.clone()),
        amr: session.amr.clone(),
        acr: super::mfa::acr::acr_for(&session.amr),
        profile,
    };
    sign_jwt(key, "JWT", &claims).map_err(|e| FlowError::Signing(e.to_string()))
}

/// Everything we know about a user, before scopes filter it.
pub fn user_claims(user: &User) -> UserClaims {
    UserClaims {
        email: Some(user.email.clone()),
        email_verified: Some(user.email_verified),
        name: user.name.clone(),
        preferred_username: user.username.clone(),
        updated_at: Some(user.updated_at),
        ..UserClaims::default()
    }
}

/// Whether the successor replaces the presented token (normal rotation) or joins the family beside
/// it (a refresh inside the grace window of an already rotated token).
enum NextInFamily {
    Rotate,
    Sibling,
}

async fn refresh(
    state: &AppState,
    client: &Client,
    presented: &str,
    scope: Option<Scopes>,
) -> GrantResult {
    let invalid = |why: &str| Ok(Err(OAuthError::invalid_grant(why)));
    if presented.len() > 256 {
        return invalid("the refresh token is invalid");
    }
    let Some(old) = refresh_tokens::find_by_digest(&state.db, &digest_secret(presented)).await?
    else {
        return invalid("the refresh token is invalid");
    };
    if old.client_id != client.id {
        return invalid("the refresh token was issued to another client");
    }
    let now = state.now();
    if old.revoked_at.is_some() {
        return invalid("the refresh token has been revoked");
    }
    if old.expires_at <= now {
        return invalid("the refresh token has expired");
    }
    let granted = Scopes::parse(&old.scope).map_err(|e| FlowError::Corrupt(e.description))?;
    let scopes = match scope {
        Some(requested) if !requested.is_subset(&granted) => {
            return Ok(Err(OAuthError::invalid_scope(
                "the requested scope exceeds the original grant",
            )));
        }
        Some(requested) => requested,
        None => granted,
    };
    let next = match old.used_at {
        None => NextInFamily::Rotate,
        Some(used) if within_grace(used, now, state.config.refresh_grace_secs) => {
            NextInFamily::Sibling
        }
        Some(_) => {
            // Reuse of a rotated token: per the OAuth 2.0 Security BCP the family is compromised.
            revoke_family(state, &old.family_id).await?;
            tracing::warn!(client_id = %client.id, "refresh token reused; family revoked");
            return invalid("the refresh token was already used");
        }
    };
    let Some(user) = super::users::cached(state, &old.user_id).await? else {
        return invalid("the user no longer exists");
    };
    if !user.is_active() {
        return invalid("the user is disabled or deleted");
    }
    let amr = old.amr_values()?;
    let session = SessionFacts {
        auth_time: old.auth_time,
        amr,
        sid: old.sid.clone().unwrap_or_default(),
    };
    let (access_jti, access_expires_at) = access_token::plan(state);
    let plan = Plan {
        access_jti,
        access_expires_at,
        family_id: gets_refresh_tokens(client).then(|| old.family_id.clone()),
    };
    let prepared = prepare_user_tokens(
        state,
        client,
        &user,
        &scopes,
        &session,
        None,
        plan,
        old.expires_at,
    )
    .await?;
    if let Some(new) = prepared.refresh {
        match next {
            NextInFamily::Rotate => {
                if !state.rotations.rotate(&old.id, new, state.now()).await? {
                    // Lost the rotation race: look again, now the token shows as used (grace
                    // window or reuse).
                    return Box::pin(refresh(state, client, presented, Some(scopes))).await;
                }
            }
            NextInFamily::Sibling => {
                refresh_tokens::insert(&state.db, new).await?;
            }
        }
    }
    Ok(Ok(prepared.response))
}

/// A grace window of 0 is off: every reuse counts.
fn within_grace(used_at: i64, now: i64, grace_secs: i64) -> bool {
    grace_secs > 0 && now - used_at <= grace_secs
}

/// A client acting for itself (a service account): only its allowed scopes (all of them
/// when it asks for none, RFC 6749 §3.3), and only its audiences (RFC 8707: those it names, or
/// all of them when it names none).
fn client_credentials(
    state: &AppState,
    client: &Client,
    scope: Option<Scopes>,
    resources: Vec<String>,
) -> GrantResult {
    if client.public {
        return Ok(Err(OAuthError::unauthorized_client(
            "public clients cannot use client_credentials",
        )));
    }
    let allowed = Scopes::from_iter(client.allowed_scopes.iter().cloned());
    let scopes = match scope {
        None => allowed,
        Some(requested) if requested.is_subset(&allowed) => requested,
        Some(_) => {
            return Ok(Err(OAuthError::invalid_scope(
                "a requested scope is not allowed for this client",
            )));
        }
    };
    if let Some(unknown) = resources.iter().find(|r| !client.audiences.contains(r)) {
        return Ok(Err(OAuthError::invalid_target(format!(
            "resource {unknown} is not an audience of this client"
        ))));
    }
    let audiences = match resources.is_empty() {
        true => &client.audiences,
        false => &resources,
    };
    let access = access_token::mint(
        state,
        AccessTokenSubject {
            sub: &client.id,
            client_id: &client.id,
            scopes: &scopes,
            auth_time: None,
            sid: None,
            amr: None,
            audiences: Some(audiences),
        },
    )?;
    Ok(Ok(TokenResponse {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: access.expires_at - state.now(),
        scope: scopes.to_string(),
        id_token: None,
        refresh_token: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::within_grace;

    #[test]
    fn grace_window_zero_is_off() {
        assert!(!within_grace(100, 100, 0));
        assert!(within_grace(100, 105, 10));
        assert!(!within_grace(100, 111, 10));
    }
}

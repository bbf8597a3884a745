//! The authorization_code grant (RFC 6749 §4.1.3, OIDC Core §3.1.3): a code is used once,
//! with PKCE; a replayed code revokes what it produced.

use poort_oidc::OAuthError;
use poort_oidc::pkce::verify_pkce;
use poort_oidc::resource::token_audiences;
use poort_oidc::scope::{OFFLINE_ACCESS, Scopes};
use poort_store::clients::Client;
use poort_store::entities::used_codes::Model as UsedCode;
use poort_store::entities::users::Model as User;
use poort_store::new_id;
use std::sync::Arc;

use super::super::FlowError;
use super::super::access_token;
use super::super::codes::{self, CodeGrant, Planned, Use};
use super::issue::{self, RefreshFacts, SessionFacts};
use super::{GrantResult, gets_refresh_tokens, revoke_family};
use crate::state::AppState;

pub(super) async fn grant(
    state: &AppState,
    client: &Client,
    code: &str,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    resources: Vec<String>,
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
    let user = match refusal(state, client, &grant, redirect_uri, code_verifier).await? {
        Ok(user) => user,
        Err(why) => {
            // A failed attempt uses the code up.
            codes::discard(state, code).await?;
            return invalid(&why);
        }
    };
    // A resource outside the grant is the request's mistake: the code stays usable.
    let audiences = match token_audiences(&grant.resources, &client.audiences, &resources) {
        Ok(audiences) => audiences,
        Err(error) => return Ok(Err(error)),
    };
    let scopes = Scopes::parse(&grant.scope).map_err(|e| FlowError::Corrupt(e.description))?;
    let session = SessionFacts {
        auth_time: grant.auth_time,
        amr: grant.amr.clone(),
        sid: grant.sid.clone(),
    };
    let refresh = offline_access_granted(client, &scopes).then(|| RefreshFacts {
        family_id: new_id(),
        grant: scopes.clone(),
        resources: grant.resources.clone(),
        expires_at: state.now() + state.config.refresh_token_ttl_secs,
    });
    // Named before anything is handed out, so a concurrent replay finds what to revoke.
    let plan = issue::plan(state, client, &user.id, &session, refresh);
    let planned = Planned {
        refresh_family: plan.refresh_row.as_ref().map(|r| r.family_id.clone()),
        access_jti: plan.signing.access_jti.clone(),
        access_expires_at: plan.signing.access_expires_at,
    };
    match codes::redeem(state, code, &grant, &planned, plan.refresh_row).await? {
        Use::First => {
            // The database decided; a code left in the store only finds its record.
            if let Err(e) = codes::discard(state, code).await {
                tracing::warn!(error = %e, "a redeemed code could not be dropped from the ephemeral store");
            }
            let response = issue::sign(
                state,
                client,
                &user,
                &scopes,
                &audiences,
                &session,
                grant.nonce.clone(),
                plan.signing,
            )
            .await?;
            Ok(Ok(response))
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

/// Whether the code's grant includes a refresh token (OIDC Core §11): for a client with the
/// refresh grant, when the user granted `offline_access` (a third-party client only gets it
/// through the consent page, or the device flow's confirmation), or for a first-party client by
/// policy, whose sign-ins are the operator's own and skip consent.
pub(super) fn offline_access_granted(client: &Client, scopes: &Scopes) -> bool {
    gets_refresh_tokens(client) && (client.first_party || scopes.contains(OFFLINE_ACCESS))
}

/// The code's user if `client` may redeem `grant` with these parameters, else why not.
async fn refusal(
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
        (None, None) if client.pkce_required => return refuse("PKCE is required for this client"),
        (None, None) => {}
    }
    let Some(user) = super::super::users::cached(state, &grant.user_id).await? else {
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

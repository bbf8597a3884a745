//! The issuing step the user grants share: name what will be handed out (the access token's id
//! and expiry, the refresh token and its row) before anything is stored, then, once the grant
//! has claimed what it uses up, sign the access and ID tokens.

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::claims::{IdTokenClaims, UserClaims, user_claims_for_scopes};
use poort_oidc::jose::{SigningAlg, at_hash, sign_jwt};
use poort_oidc::scope::Scopes;
use poort_store::clients::Client;
use poort_store::entities::users::Model as User;
use poort_store::new_id;
use poort_store::refresh_tokens::NewRefreshToken;

use super::super::FlowError;
use super::super::access_token::{self, AccessTokenSubject};
use super::TokenResponse;
use crate::state::AppState;

/// How the user authenticated, carried from the session into every token of the family.
pub(super) struct SessionFacts {
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub sid: String,
}

/// Where a new refresh token goes: its family, the grant it carries (which may be wider than
/// the scope of the access token issued with it, RFC 6749 §6) and when the family ends.
pub(super) struct RefreshFacts {
    pub family_id: String,
    pub grant: Scopes,
    /// The RFC 8707 resources of the grant (none: the client's audiences may be asked for).
    pub resources: Vec<String>,
    pub expires_at: i64,
}

/// What a grant will hand out, named before anything is signed or stored.
pub(super) struct Plan {
    /// What signing needs: the access token's id and expiry, the refresh token itself.
    pub signing: Signing,
    /// The refresh token's row, for the grant's claim to store before anything is signed.
    pub refresh_row: Option<NewRefreshToken>,
}

pub(super) struct Signing {
    pub access_jti: String,
    pub access_expires_at: i64,
    refresh_token: Option<String>,
}

pub(super) fn plan(
    state: &AppState,
    client: &Client,
    user_id: &str,
    session: &SessionFacts,
    refresh: Option<RefreshFacts>,
) -> Plan {
    match refresh {
        Some(facts) => {
            let (signing, row) = plan_with_refresh(state, client, user_id, session, facts);
            Plan {
                signing,
                refresh_row: Some(row),
            }
        }
        None => {
            let (access_jti, access_expires_at) = access_token::plan(state);
            Plan {
                signing: Signing {
                    access_jti,
                    access_expires_at,
                    refresh_token: None,
                },
                refresh_row: None,
            }
        }
    }
}

/// A plan that always hands out a refresh token (a rotation): what signing needs, and the row.
pub(super) fn plan_with_refresh(
    state: &AppState,
    client: &Client,
    user_id: &str,
    session: &SessionFacts,
    facts: RefreshFacts,
) -> (Signing, NewRefreshToken) {
    let (access_jti, access_expires_at) = access_token::plan(state);
    let token = generate_secret(32);
    let row = NewRefreshToken {
        id: new_id(),
        token_digest: digest_secret(&token),
        family_id: facts.family_id,
        client_id: client.id.clone(),
        user_id: user_id.to_owned(),
        scope: facts.grant.to_string(),
        resources: facts.resources,
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        sid: Some(session.sid.clone()),
        access_jti: access_jti.clone(),
        access_expires_at,
        created_at: state.now(),
        expires_at: facts.expires_at,
    };
    let signing = Signing {
        access_jti,
        access_expires_at,
        refresh_token: Some(token),
    };
    (signing, row)
}

/// Signs the planned access token (with `scopes`, for `audiences`: none is the client itself)
/// and, for `openid`, the ID token.
#[allow(clippy::too_many_arguments)]
pub(super) async fn sign(
    state: &AppState,
    client: &Client,
    user: &User,
    scopes: &Scopes,
    audiences: &[String],
    session: &SessionFacts,
    nonce: Option<String>,
    signing: Signing,
) -> Result<TokenResponse, FlowError> {
    let access = access_token::mint_planned(
        state,
        AccessTokenSubject {
            sub: &user.id,
            client_id: &client.id,
            scopes,
            auth_time: Some(session.auth_time),
            sid: Some(&session.sid),
            amr: Some(&session.amr),
            audiences: Some(audiences),
            act: None,
        },
        signing.access_jti,
        signing.access_expires_at,
    )?;
    let id_token = if scopes.contains("openid") {
        let mut all = user_claims(user);
        all.organizations =
            super::super::orgs::claims::organizations_claim(&state.db, &user.id, scopes).await?;
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
    Ok(TokenResponse {
        access_token: access.token,
        issued_token_type: None,
        token_type: "Bearer",
        expires_in: access.expires_at - state.now(),
        scope: scopes.to_string(),
        id_token,
        refresh_token: signing.refresh_token,
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
        acr: super::super::mfa::acr::acr_for(&session.amr),
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

//! Initial access tokens (RFC 7591 §3): permission to register clients for one organisation
//! (or the platform), minted by the operator (`poort client registration-token`) or by an
//! organisation admin through the admin API, shown once, stored by digest, limited in time and
//! in uses, revocable. Each mint and revocation is audited.

use poort_store::client_registrations::{self, InitialToken, NewInitialToken};
use poort_store::{Db, new_id};
use serde_json::json;

use super::super::FlowError;
use super::super::audit::AuditEntry;
use super::super::orgs::Actor;
use super::{INITIAL_TOKEN_PREFIX, new_token};
use crate::registration_config::RegistrationConfig;

/// What the minter asks for; `None`: the longest lifetime allowed, one use.
#[derive(Debug, Default, Clone, Copy)]
pub struct MintRequest {
    pub lifetime_secs: Option<i64>,
    pub max_uses: Option<i64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MintRefused {
    #[error("the lifetime must be between 60 seconds and {0} seconds")]
    Lifetime(i64),
    #[error("the number of uses must be between 1 and {0}")]
    Uses(i64),
}

/// A new token: the token itself is shown this once.
#[derive(Debug)]
pub struct Minted {
    pub token: String,
    pub row: InitialToken,
}

pub async fn mint(
    db: &Db,
    config: &RegistrationConfig,
    org_id: Option<&str>,
    request: MintRequest,
    actor: &Actor,
    now: i64,
) -> Result<Result<Minted, MintRefused>, FlowError> {
    let max_lifetime = config.initial_token_max_lifetime_secs;
    let lifetime = request.lifetime_secs.unwrap_or(max_lifetime);
    if !(60..=max_lifetime).contains(&lifetime) {
        return Ok(Err(MintRefused::Lifetime(max_lifetime)));
    }
    let max_uses = request.max_uses.unwrap_or(1);
    if !(1..=config.initial_token_max_uses).contains(&max_uses) {
        return Ok(Err(MintRefused::Uses(config.initial_token_max_uses)));
    }
    let (token, token_digest) = new_token(INITIAL_TOKEN_PREFIX);
    let new = NewInitialToken {
        id: new_id(),
        token_digest,
        org_id: org_id.map(str::to_owned),
        created_by: actor.user_id.clone(),
        created_at: now,
        expires_at: now + lifetime,
        max_uses,
    };
    let audit = vec![
        AuditEntry {
            target: Some(new.id.clone()),
            details: json!({ "expires_at": new.expires_at, "max_uses": max_uses }),
            ..actor.entry("registration_token.created", org_id)
        }
        .into_new(now),
    ];
    client_registrations::mint_initial(db, new.clone(), audit).await?;
    let row = InitialToken {
        id: new.id,
        token_digest: new.token_digest,
        org_id: new.org_id,
        created_by: new.created_by,
        created_at: now,
        expires_at: new.expires_at,
        max_uses,
        uses: 0,
        revoked_at: None,
    };
    Ok(Ok(Minted { token, row }))
}

/// Revokes token `id` of `org_id` (`None`: the platform's); `false` when there is no such live
/// token (another organisation's is as missing as an unknown one).
pub async fn revoke(
    db: &Db,
    id: &str,
    org_id: Option<&str>,
    actor: &Actor,
    now: i64,
) -> Result<bool, FlowError> {
    let audit = vec![
        AuditEntry {
            target: Some(id.to_owned()),
            ..actor.entry("registration_token.revoked", org_id)
        }
        .into_new(now),
    ];
    Ok(client_registrations::revoke_initial(db, id, org_id, now, audit).await?)
}

/// Whether the token may still register a client at `now`.
pub fn usable(token: &InitialToken, now: i64) -> bool {
    token.revoked_at.is_none() && token.expires_at > now && token.uses < token.max_uses
}

/// How the API and the CLI show a token (never its digest).
pub fn view(token: &InitialToken, now: i64) -> serde_json::Value {
    let state = match () {
        _ if token.revoked_at.is_some() => "revoked",
        _ if token.expires_at <= now => "expired",
        _ if token.uses >= token.max_uses => "used_up",
        _ => "active",
    };
    json!({
        "id": token.id, "org_id": token.org_id, "created_by": token.created_by,
        "created_at": token.created_at, "expires_at": token.expires_at,
        "max_uses": token.max_uses, "uses": token.uses, "revoked_at": token.revoked_at,
        "state": state,
    })
}

//! Invitations: a link with a 256-bit random secret (only its SHA-256 is stored), valid once
//! and until it expires, for one email address. Joining needs a signed-in account with that
//! address, and the address must still pass the organisation's email-domain allowlist.
//! Until the email issue sends them, the CLI and API show the link to the inviter.

use poort_allowlist::normalise_email;
use poort_credentials::{digest_secret, generate_secret};
use poort_store::entities::organisations::Model as Org;
use poort_store::entities::users::Model as User;
use poort_store::org_invitations::{self, Accepted, Invitation, NewInvitation};
use poort_store::{Db, orgs, users};
use serde_json::json;

use super::Actor;
use super::manage::{Authority, OrgError, check_new_roles};
use super::settings::OrgSettings;
use crate::flows::FlowError;
use crate::flows::audit::AuditEntry;

/// How long an invitation link works unless the inviter says otherwise.
pub const DEFAULT_DAYS: u32 = 7;
/// The longest validity an inviter may choose.
pub const MAX_DAYS: u32 = 30;

/// A new invitation and the link to send.
#[derive(Clone, Debug)]
pub struct Created {
    pub invitation: Invitation,
    pub link: String,
}

/// Invites `email` to `org` with `roles` (default `member`) for `days` days.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    db: &Db,
    now: i64,
    issuer: &str,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    email: &str,
    roles: Vec<String>,
    days: u32,
) -> Result<Result<Created, OrgError>, FlowError> {
    let email = match normalise_email(email) {
        Ok(email) => email.into_string(),
        Err(refusal) => return Ok(Err(OrgError::InvalidEmail(refusal))),
    };
    let settings = OrgSettings::from_stored(&org.settings)?;
    if !settings.email_domains.allows_email(&email) {
        return Ok(Err(OrgError::EmailDomainNotAllowed));
    }
    let roles = match check_new_roles(db, authority, org, roles).await? {
        Ok(roles) => roles,
        Err(e) => return Ok(Err(e)),
    };
    let days = days.clamp(1, MAX_DAYS);
    let secret = generate_secret(32);
    let audit = AuditEntry {
        org_id: Some(org.id.clone()),
        actor: actor.user_id.clone(),
        staff: actor.staff_id(),
        ip: actor.ip,
        user_agent: actor.user_agent.clone(),
        target: Some(email.clone()),
        details: json!({ "roles": roles, "days": days }),
        ..AuditEntry::new("member.invited")
    };
    let invitation = org_invitations::create(
        db,
        NewInvitation {
            org_id: org.id.clone(),
            email,
            roles,
            token_digest: digest_secret(&secret),
            invited_by: actor.user_id.clone(),
            expires_at: now + i64::from(days) * 86_400,
        },
        now,
        audit.into_new(now),
    )
    .await?;
    Ok(Ok(Created {
        invitation,
        link: format!("{}/invite/{secret}", issuer.trim_end_matches('/')),
    }))
}

/// An open invitation and its organisation, for the page that offers to join.
pub async fn open(db: &Db, secret: &str, now: i64) -> Result<Option<(Invitation, Org)>, FlowError> {
    let Some(invitation) = org_invitations::find_open(db, &digest_secret(secret), now).await?
    else {
        return Ok(None);
    };
    Ok(orgs::find(db, &invitation.org_id)
        .await?
        .map(|org| (invitation, org)))
}

/// Why joining did not happen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("this invitation link is not valid: it may have expired or been used already")]
    NotOpen,
    #[error("this invitation is for another email address; sign in with the invited account")]
    WrongAccount,
    #[error("the email address is no longer in one of the organisation's allowed domains")]
    EmailDomainNotAllowed,
    #[error("you are already a member of this organisation")]
    AlreadyMember,
}

/// `user` accepts the invitation behind `secret`.
pub async fn join(
    db: &Db,
    now: i64,
    actor: &Actor,
    secret: &str,
    user: &User,
) -> Result<Result<Org, JoinError>, FlowError> {
    let Some((invitation, org)) = open(db, secret, now).await? else {
        return Ok(Err(JoinError::NotOpen));
    };
    // Both in canonical form (invitations made before it was stored are compared alike).
    if users::email_key(&invitation.email) != users::email_key(&user.email) {
        return Ok(Err(JoinError::WrongAccount));
    }
    if !OrgSettings::from_stored(&org.settings)?
        .email_domains
        .allows_email(&user.email)
    {
        return Ok(Err(JoinError::EmailDomainNotAllowed));
    }
    let audit = AuditEntry {
        org_id: Some(org.id.clone()),
        actor: Some(user.id.clone()),
        subject: Some(user.id.clone()),
        target: Some(user.id.clone()),
        ip: actor.ip,
        user_agent: actor.user_agent.clone(),
        details: json!({ "roles": invitation.roles, "invitation": invitation.id }),
        ..AuditEntry::new("member.joined")
    };
    Ok(
        match org_invitations::accept(db, &invitation.id, &user.id, now, audit.into_new(now))
            .await?
        {
            Accepted::Joined(_) => Ok(org),
            Accepted::NotOpen => Err(JoinError::NotOpen),
            Accepted::AlreadyMember => Err(JoinError::AlreadyMember),
        },
    )
}

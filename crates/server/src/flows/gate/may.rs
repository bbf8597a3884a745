//! [`may`]: the one decision whether a principal may act in an organisation.

use serde_json::json;

use super::Principal;
use crate::flows::FlowError;
use crate::flows::audit::{self, AuditEntry};
use crate::flows::orgs::access::{self, Denied, Membership, Standing};
use crate::flows::orgs::login_policy;
use crate::flows::orgs::{OrgSettings, Permission};
use crate::state::AppState;

/// The principal's membership of `org_id` if it may act there with `permission` (`None`: any
/// membership, e.g. to read the organisation itself). In order:
/// - a token bound to another organisation: [`Denied::NotFound`];
/// - not a member (nor a platform administrator, nor support staff let in): `NotFound`, the
///   same answer as for an organisation that does not exist;
/// - the organisation's IP allowlist does not include the address: [`Denied::IpNotAllowed`]
///   (for everyone, support staff and platform administrators too);
/// - one factor where the organisation requires two, or support staff without a second factor
///   of their own: [`Denied::SecondFactorRequired`];
/// - without the permission: [`Denied::Forbidden`].
///
/// Support staff's passes and refusals are written to the organisation's audit log
/// (`support.access`, `support.access_refused`); a failed write fails the request.
pub async fn may(
    state: &AppState,
    principal: &Principal,
    permission: Option<Permission>,
    org_id: &str,
) -> Result<Result<Membership, Denied>, FlowError> {
    if principal.bound_org().is_some_and(|bound| bound != org_id) {
        return Ok(Err(Denied::NotFound));
    }
    let membership = match access::standing(&state.db, principal.user_id(), org_id).await? {
        Standing::Member(membership) => membership,
        Standing::Outsider => return Ok(Err(Denied::NotFound)),
        Standing::StaffRefused(org) => {
            let details = json!({ "reason": "support_access_disabled" });
            staff_refused(state, principal, &org.id, details).await?;
            return Ok(Err(Denied::NotFound));
        }
    };
    let settings = OrgSettings::from_stored(&membership.org.settings)?;
    let ip_allowed = match principal.seen.ip {
        Some(ip) => settings.ip_allowlist.allows(ip),
        None => settings.ip_allowlist.is_unrestricted(),
    };
    let refusal = if !ip_allowed {
        Some((Denied::IpNotAllowed, json!({ "reason": "ip_not_allowed" })))
    } else if (settings.require_2fa || membership.staff) && !principal.is_multi_factor() {
        let details = json!({ "reason": "second_factor_required" });
        Some((Denied::SecondFactorRequired, details))
    } else if let Some(p) = permission.filter(|p| !membership.has(*p)) {
        let details = json!({ "reason": "permission", "permission": p.as_str() });
        Some((Denied::Forbidden(p), details))
    } else {
        None
    };
    match refusal {
        Some((denied, details)) => {
            match (membership.staff, denied) {
                (true, _) => staff_refused(state, principal, org_id, details).await?,
                (false, Denied::Forbidden(_)) => {}
                (false, _) => refused(state, principal, org_id, details).await?,
            }
            Ok(Err(denied))
        }
        None => {
            if membership.staff {
                let details = json!({
                    "what": principal.seen.what,
                    "permission": permission.map(Permission::as_str),
                });
                record(state, principal, "support.access", org_id, details).await?;
            }
            Ok(Ok(membership))
        }
    }
}

/// Whether the principal may mint an API token that can act in `org_id` (a bound token) or
/// in every organisation of theirs (`None`): a one-factor principal may not mint a token that
/// could act in an organisation requiring two factors, nor from outside its IP allowlist.
pub async fn may_mint_for(
    state: &AppState,
    principal: &Principal,
    org_id: Option<&str>,
) -> Result<Result<(), Denied>, FlowError> {
    if let Some(org_id) = org_id {
        return Ok(may(state, principal, None, org_id).await?.map(|_| ()));
    }
    if principal.is_multi_factor() {
        return Ok(Ok(()));
    }
    let requires_2fa = login_policy::requires_2fa(&state.db, principal.user_id()).await?;
    Ok(match requires_2fa {
        true => Err(Denied::SecondFactorRequired),
        false => Ok(()),
    })
}

/// Whether the principal may act for the whole platform (create organisations): a platform
/// administrator, through a session or a token not bound to one organisation.
pub async fn may_administer_platform(
    state: &AppState,
    principal: &Principal,
) -> Result<bool, FlowError> {
    if principal.bound_org().is_some() {
        return Ok(false);
    }
    Ok(poort_store::platform_admins::is_admin(&state.db, principal.user_id()).await?)
}

/// A member refused by the organisation's policy (not for a missing permission): audited in
/// its chain.
async fn refused(
    state: &AppState,
    principal: &Principal,
    org_id: &str,
    mut details: serde_json::Value,
) -> Result<(), FlowError> {
    details["what"] = json!(principal.seen.what);
    let entry = AuditEntry {
        org_id: Some(org_id.to_owned()),
        actor: Some(principal.user_id().to_owned()),
        ip: principal.seen.ip,
        user_agent: principal.seen.user_agent.clone(),
        ..AuditEntry::new("access.refused")
    };
    let reason = details["reason"].as_str().unwrap_or_default().to_owned();
    audit::record_repeated(state, AuditEntry { details, ..entry }, &reason).await
}

async fn staff_refused(
    state: &AppState,
    principal: &Principal,
    org_id: &str,
    mut details: serde_json::Value,
) -> Result<(), FlowError> {
    details["what"] = json!(principal.seen.what);
    record(state, principal, "support.access_refused", org_id, details).await
}

/// A support-staff entry in the organisation's chain.
async fn record(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    org_id: &str,
    details: serde_json::Value,
) -> Result<(), FlowError> {
    let staff = principal.user_id().to_owned();
    let entry = AuditEntry {
        org_id: Some(org_id.to_owned()),
        actor: Some(staff.clone()),
        staff: Some(staff),
        ip: principal.seen.ip,
        user_agent: principal.seen.user_agent.clone(),
        details,
        ..AuditEntry::new(action)
    };
    audit::record(state, entry).await
}

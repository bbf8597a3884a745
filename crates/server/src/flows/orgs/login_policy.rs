//! What the user's organisations require of a login: the source address must be in the IP
//! allowlist of every organisation that has one, and a second factor is required when any of
//! them requires it.

use std::net::IpAddr;

use poort_store::{Db, orgs};
use serde_json::json;

use super::member_policy::{self, Membership};
use crate::flows::FlowError;
use crate::flows::audit::{self, AuditEntry};
use crate::state::AppState;

/// The login came from outside an organisation's IP allowlist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRefused {
    /// Names of the organisations whose allowlist refused the address.
    pub organisations: Vec<String>,
}

/// What an address is checked for; it decides how a refusal is audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// A sign-in (password, passkey): every refusal is recorded.
    SignIn,
    /// A request of a principal the gate resolves: the first refusal of a window is recorded
    /// (`audit::record_repeated`).
    Request,
}

/// Checks `ip` against the allowlists of the user's organisations; a refusal is audited in
/// each refusing organisation's chain. An unknown address (no connection info) is refused by
/// any allowlist.
pub async fn check_ip(
    state: &AppState,
    user_id: &str,
    ip: Option<IpAddr>,
    user_agent: Option<&str>,
    attempt: Attempt,
) -> Result<Result<(), IpRefused>, FlowError> {
    let loaded = member_policy::load(state, user_id).await?;
    check_ip_of(state, &loaded.memberships, user_id, ip, user_agent, attempt).await
}

/// [`check_ip`] against memberships already loaded (the password login's one lookup).
pub async fn check_ip_of(
    state: &AppState,
    memberships: &[Membership],
    user_id: &str,
    ip: Option<IpAddr>,
    user_agent: Option<&str>,
    attempt: Attempt,
) -> Result<Result<(), IpRefused>, FlowError> {
    let mut refused = Vec::new();
    for org in memberships {
        let settings = &org.settings;
        let allowed = match ip {
            Some(ip) => settings.ip_allowlist.allows(ip),
            None => settings.ip_allowlist.is_unrestricted(),
        };
        if !allowed {
            let entry = AuditEntry {
                org_id: Some(org.org_id.clone()),
                actor: Some(user_id.to_owned()),
                subject: Some(user_id.to_owned()),
                ip,
                user_agent: user_agent.map(str::to_owned),
                details: json!({ "reason": "ip_not_allowed" }),
                ..AuditEntry::new("login.refused")
            };
            match attempt {
                Attempt::SignIn => audit::record(state, entry).await?,
                Attempt::Request => audit::record_repeated(state, entry, "ip_not_allowed").await?,
            }
            refused.push(org.org_name.clone());
        }
    }
    Ok(match refused.is_empty() {
        true => Ok(()),
        false => Err(IpRefused {
            organisations: refused,
        }),
    })
}

/// Whether one of the user's organisations requires a second factor.
pub async fn requires_2fa(db: &Db, user_id: &str) -> Result<bool, FlowError> {
    for (org, _) in orgs::memberships_of(db, user_id).await? {
        if super::OrgSettings::from_stored(&org.settings)?.require_2fa {
            return Ok(true);
        }
    }
    Ok(false)
}

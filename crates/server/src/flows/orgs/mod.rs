//! Organisations: roles and permissions (`permission`), the one authorisation check
//! (`access`), security settings (`settings`), changes by members and by the operator
//! (`manage`), what a login must respect (`login_policy`), and the policy a member's
//! organisations add up to (`member_policy`).

pub mod access;
pub mod claims;
pub mod invitations;
pub mod login_policy;
pub mod manage;
pub mod member_policy;
pub mod overview;
pub mod permission;
pub mod self_signup;
pub mod settings;

use std::net::IpAddr;

use crate::flows::audit::AuditEntry;

pub use permission::{BuiltinRole, Permission};
pub use settings::OrgSettings;

/// Who is making a change, for the audit log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the operator's CLI.
    pub user_id: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// Acting as support staff (`access::Membership::staff`): entries name `user_id` in
    /// their `staff` column too.
    pub staff: bool,
}

impl Actor {
    /// The operator at the command line.
    pub fn operator() -> Self {
        Self::default()
    }

    /// An audit entry of this actor's, in `org_id`'s chain (the platform's for `None`).
    pub fn entry(&self, action: &'static str, org_id: Option<&str>) -> AuditEntry {
        AuditEntry {
            org_id: org_id.map(str::to_owned),
            actor: self.user_id.clone(),
            staff: self.staff_id(),
            ip: self.ip,
            user_agent: self.user_agent.clone(),
            ..AuditEntry::new(action)
        }
    }

    /// The audit log's `staff` column for this actor's changes.
    pub fn staff_id(&self) -> Option<String> {
        match self.staff {
            true => self.user_id.clone(),
            false => None,
        }
    }
}

//! Organisations: roles and permissions (`permission`), the one authorisation check
//! (`access`), security settings (`settings`), changes by members and by the operator
//! (`manage`), and what a login must respect (`login_policy`).

pub mod access;
pub mod claims;
pub mod invitations;
pub mod login_policy;
pub mod manage;
pub mod overview;
pub mod permission;
pub mod settings;

use std::net::IpAddr;

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

    /// The audit log's `staff` column for this actor's changes.
    pub fn staff_id(&self) -> Option<String> {
        match self.staff {
            true => self.user_id.clone(),
            false => None,
        }
    }
}

//! sea-orm entities, one module per table; the schema itself lives in the migrations crate.
//!
//! These are storage rows, never API types: handlers and pages map them to their own structs.

pub mod api_tokens;
pub mod audit_log;
pub mod auth_events;
pub mod client_registrations;
pub mod clients;
pub mod consents;
pub mod mfa_factors;
pub mod mfa_grace;
pub mod org_invitations;
pub mod org_members;
pub mod org_roles;
pub mod organisations;
pub mod password_history;
pub mod platform_admins;
pub mod recovery_codes;
pub mod refresh_tokens;
pub mod signing_keys;
pub mod users;
// Issue 7: mail.
pub mod email_links;
pub mod initial_access_tokens;
pub mod mail_queue;
// Issue 5: support staff.
pub mod support_staff;
// Security state that survives the ephemeral store.
pub mod durable_markers;
pub mod used_codes;
// Issue 15: back-channel logout.
pub mod backchannel_logouts;
pub mod session_clients;

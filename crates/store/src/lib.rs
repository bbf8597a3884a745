//! Poort's storage: durable rows through sea-orm (SQLite or PostgreSQL, same code and
//! migrations) and the ephemeral TTL key/value store (memory now, Redis later).
//!
//! Repository functions are free async functions over a [`Db`]. They never read the system
//! clock: callers pass `now` (unix seconds) from their injected clock.

pub mod api_tokens;
#[cfg(test)]
mod api_tokens_tests;
pub mod audit;
pub mod auth_events;
pub mod backchannel_logouts;
pub mod backup;
mod bulk;
pub mod client_registrations;
pub mod clients;
pub mod consents;
mod db;
pub mod durable_markers;
pub mod entities;
pub mod ephemeral;
mod error;
mod first;
mod id;
mod json_list;
pub mod mfa_factors;
pub mod mfa_grace;
mod migrate;
pub mod org_invitations;
pub mod orgs;
pub mod passwords;
pub mod platform_admins;
pub mod recovery_codes;
pub mod refresh_tokens;
pub mod retention;
pub mod rotations;
pub mod session_clients;
pub mod signing_keys;
pub mod support_staff;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod tx;
pub mod used_codes;
pub mod users;
// Issue 7: mail.
pub mod email_links;
pub mod mail_queue;
// Issue 7: change of email address.
pub mod email_change;

#[cfg(test)]
mod fixtures;

pub use db::{Backend, Db, connect};
pub use error::StoreError;
pub use id::new_id;
pub use migrate::migrate;

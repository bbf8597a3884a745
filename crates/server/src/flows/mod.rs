//! The use cases: plain async functions over the store, the ephemeral store and the pure crates.
//! No HTTP types here; the `http` module adapts them.

pub mod access_token;
pub mod api_tokens;
pub mod audit;
pub mod auth_events;
pub mod authorize;
pub mod backchannel_logout;
pub mod client_assertions;
pub mod client_auth;
pub mod client_auth_settings;
pub mod client_token_exchange;
pub mod client_update;
pub mod clients;
pub mod codes;
pub mod device;
pub mod durable_markers;
pub mod email_change;
pub mod email_link;
pub mod error;
pub mod gate;
pub mod introspect;
pub mod lockout;
pub mod login;
pub mod logout;
pub mod mfa;
pub mod orgs;
pub mod password_reset;
pub mod passwords;
pub mod registration;
pub mod retention;
pub mod revoke;
pub mod session;
pub mod signup;
pub mod token;
pub mod user_admin;
pub mod userinfo;
pub mod users;
pub mod web_origins;

pub use error::FlowError;
pub mod support_staff;

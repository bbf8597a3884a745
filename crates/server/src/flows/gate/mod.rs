//! The gate: who may act, decided in one place.
//!
//! Every request that acts is resolved by [`resolve`] to one [`Principal`]: the account, how it
//! authenticated (`amr`, `auth_time`), through what (browser session, access token, API token)
//! and from where. Resolution refuses, with one rule for every kind of credential, an account
//! that is deleted or disabled, and an address outside the IP allowlist of any of the user's
//! organisations: a principal that would be refused at login is refused everywhere.
//!
//! Inside an organisation, [`may`] decides: membership and permission (`orgs::access`), then
//! the organisation's policies at the time of the request, not only at login: its IP allowlist
//! (members, platform administrators and support staff alike), `require_2fa` (a one-factor
//! principal may not act in it: pages, admin API, or tokens), the organisation a token is bound
//! to, and for support staff a second factor of their own, whatever the organisation requires.
//!
//! The HTTP layer has one extractor per surface built on these two functions: `SignedIn` for
//! pages, `ApiCaller` for the admin API and the token API.

mod may;
pub mod principal;

pub use may::{may, may_administer_platform, may_mint_for};
pub use principal::{Credential, Principal, Refused, Via, resolve};

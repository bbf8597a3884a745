//! Personal API tokens: mint, list, revoke, and authenticate a presented `poort_pat_…` token.
//! The format is the pure `poort-api-tokens` crate; rows are `poort_store::api_tokens`.

mod authenticate;
mod cache;
mod list;
mod mint;
mod profile;
mod revoke;
mod view;

pub use authenticate::{
    ApiTokenPrincipal, ApiTokenRefusal, LiveToken, announce_revocation, authenticate, resolve,
};
pub use cache::TokenCache;
pub use list::{delete_expired, list_all, list_for_org, list_for_user, sweep_expired_forever};
pub use mint::{MintError, MintRequest, MintedToken, mint};
pub use profile::{Profile, profile};
pub use revoke::{revoke, revoke_by, revoke_for_member_of_org, revoke_for_member_of_org_by};
pub use view::{TokenStatus, TokenView};

//! The claims the provider issues: ID tokens, JWT access tokens, user claims by scope,
//! introspection responses and back-channel logout tokens.

mod access_token;
mod actor;
mod audience;
mod id_token;
mod introspection;
mod logout_token;
mod user;

pub use access_token::AccessTokenClaims;
pub use actor::{Actor, MAX_ACTOR_DEPTH};
pub use audience::Audience;
pub use id_token::IdTokenClaims;
pub use introspection::IntrospectionResponse;
pub use logout_token::{
    BACKCHANNEL_LOGOUT_EVENT, LOGOUT_TOKEN_TTL_SECS, LOGOUT_TOKEN_TYPE, LogoutSubject,
    LogoutTokenClaims, LogoutTokenError,
};
pub use user::{OrganizationClaim, UserClaims, user_claims_for_scopes};

//! The claims the provider issues: ID tokens, JWT access tokens, user claims by scope, and
//! introspection responses.

mod access_token;
mod audience;
mod id_token;
mod introspection;
mod user;

pub use access_token::AccessTokenClaims;
pub use audience::Audience;
pub use id_token::IdTokenClaims;
pub use introspection::IntrospectionResponse;
pub use user::{OrganizationClaim, UserClaims, user_claims_for_scopes};

//! The OpenID Connect protocol core of Poort: request validation (authorize, token, logout),
//! PKCE, scopes and claims, JWS signing and verification, JWKS and discovery.
//! Pure: no HTTP framework, no database, no I/O; plain types in, plain types or typed errors out.

pub mod authorize;
pub mod bearer;
pub mod claims;
pub mod client_assertion;
pub mod client_auth;
pub mod device;
pub mod discovery;
pub mod error;
pub mod form;
pub mod jose;
pub mod logout;
pub mod pkce;
pub mod registration;
pub mod resource;
pub mod scope;
pub mod secret;
pub mod token_exchange;
pub mod token_request;
pub mod web_origin;

pub use error::{ErrorCode, OAuthError};
pub use form::ParamsError;
pub use scope::Scopes;
pub use secret::Secret;

//! The authorization endpoint: reading the request, validating it for the client, and
//! building the redirect back.

mod mode;
mod params;
mod prompt;
mod redirect_uri;
mod response;
mod validate;

pub use mode::ResponseMode;
pub use params::AuthorizeParams;
pub use prompt::Prompt;
pub use redirect_uri::{RedirectUriRejected, check_redirect_uri_registration};
pub use response::{AuthorizationResponse, Delivery};
pub use validate::{
    AuthorizeError, AuthorizeRequest, ClientPolicy, RedirectError, validate_authorize,
};

//! The mailed single-use links (password reset, address verification, address change): the one
//! lookup that tells an unknown, used or expired link apart, before each flow checks what its
//! link is bound to.

use poort_credentials::digest_secret;
use poort_store::email_links;
use poort_store::entities::email_links::Model as EmailLink;

use super::FlowError;
use crate::state::AppState;

/// Why a link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Unknown token (mistyped, truncated, tampered with).
    Invalid,
    Expired,
    /// Used already, or what it was bound to changed since it was sent.
    Used,
}

/// Our tokens are 43 base64url characters (256 bits); anything else cannot be one.
const TOKEN_LEN: usize = 43;

/// The unused, unexpired link of `purpose` that `token` names.
pub async fn find_live(
    state: &AppState,
    purpose: &str,
    token: &str,
) -> Result<Result<EmailLink, LinkRefusal>, FlowError> {
    if token.len() != TOKEN_LEN {
        return Ok(Err(LinkRefusal::Invalid));
    }
    let Some(link) = email_links::find(&state.db, purpose, &digest_secret(token)).await? else {
        return Ok(Err(LinkRefusal::Invalid));
    };
    if link.used_at.is_some() {
        return Ok(Err(LinkRefusal::Used));
    }
    if link.expires_at <= state.now() {
        return Ok(Err(LinkRefusal::Expired));
    }
    Ok(Ok(link))
}

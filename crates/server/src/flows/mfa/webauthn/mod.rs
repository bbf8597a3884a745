//! WebAuthn with webauthn-rs: the relying party derived from the issuer, registering security
//! keys and passkeys, and using them as a second factor or (passkeys) instead of a password.
//! Ceremony state waits in the ephemeral store under the browser's session cookie digest, for
//! a few minutes, and is taken (single use) when the browser answers.

pub mod authenticate;
pub mod register;
pub mod rp;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_credentials::digest_secret;

/// How long a browser has to answer a challenge.
pub const CEREMONY_TTL: Duration = Duration::from_secs(5 * 60);

/// Ephemeral key of one kind of ceremony for one browser session.
fn ceremony_key(kind: &str, cookie: &str) -> String {
    format!("webauthn_{kind}:{}", digest_secret(cookie))
}

/// How credential ids are stored and looked up.
pub fn encode_credential_id(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

//! Dynamic client registration (RFC 7591) and its management protocol (RFC 7592), off unless
//! `[registration] enabled`. Who may register is decided by an initial access token
//! (`initial_tokens`: minted by the operator or an organisation admin through the gate, for that
//! organisation, with an expiry and a number of uses); a registered client is managed with the
//! registration access token it got (`registered`). Registrations go through the same checks
//! as the CLI and the admin API (`flows::clients::plan`), and each is audited in the
//! organisation's chain.

pub mod initial_tokens;
mod metadata;
pub mod registered;

/// How initial access tokens and registration access tokens begin (secret scanners key on it).
pub const INITIAL_TOKEN_PREFIX: &str = "poort_iat_";
pub const REGISTRATION_TOKEN_PREFIX: &str = "poort_rat_";

/// A new token with `prefix` and its digest (what is stored).
fn new_token(prefix: &str) -> (String, String) {
    let token = format!("{prefix}{}", poort_credentials::generate_secret(32));
    let digest = poort_credentials::digest_secret(&token);
    (token, digest)
}

/// The digest of a presented token with `prefix`; `None` for anything else (no lookup).
fn digest_of(presented: Option<&str>, prefix: &str) -> Option<String> {
    let token = presented?;
    (token.starts_with(prefix) && token.len() < 200)
        .then(|| poort_credentials::digest_secret(token))
}

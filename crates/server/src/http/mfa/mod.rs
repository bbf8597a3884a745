//! The second-factor pages: the login's second step and passkey login, the account's factor
//! management and enrollment, and the "2FA required" page. Handlers parse, call a flow in
//! `flows::mfa`, and render.

mod account;
mod challenge;
mod enroll_totp;
mod enroll_webauthn;
mod passkey;
mod required;

use axum::Router;
use axum::routing::{get, post};

use super::error::PageError;
use super::session::BrowserSession;
use crate::flows::session::{LiveSession, csrf_matches};
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/login/mfa", get(challenge::show))
        .route("/login/mfa/totp", post(challenge::totp))
        .route("/login/mfa/recovery", post(challenge::recovery))
        .route("/login/mfa/webauthn", post(challenge::webauthn))
        .route("/login/passkey/start", post(passkey::start))
        .route("/login/passkey", post(passkey::finish))
        .route("/account/mfa", get(account::show))
        .route("/account/mfa/rename", post(account::rename))
        .route("/account/mfa/remove", post(account::remove))
        .route("/account/mfa/recovery", post(account::regenerate))
        .route(
            "/account/mfa/totp",
            get(enroll_totp::show).post(enroll_totp::confirm),
        )
        .route(
            "/account/mfa/webauthn",
            get(enroll_webauthn::show).post(enroll_webauthn::finish),
        )
        .route("/account/mfa/required", get(required::show))
        .route("/account/mfa/postpone", post(required::postpone))
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `?tx=…` for a pending authorization request, or nothing.
fn tx_query(tx: &str) -> String {
    match tx.is_empty() {
        true => String::new(),
        false => format!("?tx={}", urlencode(tx)),
    }
}

fn login_url(tx: &str) -> String {
    format!("/login{}", tx_query(tx))
}

/// Where a finished login goes: back to the pending authorization request, or home.
fn after_login(tx: &str) -> String {
    match tx.is_empty() {
        true => "/".into(),
        false => format!("/authorize/resume{}", tx_query(tx)),
    }
}

/// Where a finished enrollment goes: back to the pending request, or the factor list.
fn after_enrollment(tx: &str) -> String {
    match tx.is_empty() {
        true => "/account/mfa".into(),
        false => after_login(tx),
    }
}

/// The session of a form post whose CSRF token matches.
fn checked_session(session: BrowserSession, csrf: Option<&str>) -> Result<LiveSession, PageError> {
    match session.0 {
        Some(live) if csrf_matches(&live.data, csrf) => Ok(live),
        _ => Err(PageError::forbidden_csrf()),
    }
}

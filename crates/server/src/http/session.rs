//! The browser session as an extractor, and the session cookie (HttpOnly, SameSite=Lax; Secure
//! and `__Host-` prefixed over https).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use super::error::PageError;
use crate::flows::session::{self, LiveSession};
use crate::state::{AppState, SharedState};

pub const COOKIE: &str = "poort_session";
/// Its name when cookies are Secure (an https issuer): a browser takes a `__Host-` cookie only
/// from this host over https with `Path=/` and no `Domain`, so no subdomain and no plain-http
/// page can plant or overwrite the session (session fixation through a sibling host).
pub const SECURE_COOKIE: &str = "__Host-poort_session";

/// The session cookie's name in this deployment.
pub fn cookie_name(state: &AppState) -> &'static str {
    match state.config.secure_cookies() {
        true => SECURE_COOKIE,
        false => COOKIE,
    }
}

/// The current session, if the browser has a live one.
pub struct BrowserSession(pub Option<LiveSession>);

impl FromRequestParts<SharedState> for BrowserSession {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(cookie_name(state)) else {
            return Ok(BrowserSession(None));
        };
        Ok(BrowserSession(session::load(state, cookie.value()).await?))
    }
}

impl BrowserSession {
    /// The session, or a fresh anonymous one (to carry a form's CSRF token).
    pub async fn or_create(self, state: &AppState) -> Result<(LiveSession, bool), PageError> {
        match self.0 {
            Some(live) => Ok((live, false)),
            None => Ok((session::create(state).await?, true)),
        }
    }

    /// The session a form was posted from, when the form carries that session's CSRF token;
    /// anything else is refused as a forged or expired form.
    pub fn with_csrf(self, csrf: Option<&str>) -> Result<LiveSession, PageError> {
        match self.0 {
            Some(live) if session::csrf_matches(&live.data, csrf) => Ok(live),
            _ => Err(PageError::forbidden_csrf()),
        }
    }
}

pub fn set_cookie(state: &AppState, response: &mut Response, live: &LiveSession) {
    let cookie = Cookie::build((cookie_name(state), live.cookie.clone()))
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(state.config.session_ttl_secs))
        .build();
    append(response, &cookie);
}

pub fn clear_cookie(state: &AppState, response: &mut Response) {
    let cookie = Cookie::build((cookie_name(state), ""))
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::ZERO)
        .build();
    append(response, &cookie);
}

fn append(response: &mut Response, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

//! The request's language: an explicit choice (the switcher's `?lang=`, remembered in the
//! `poort_lang` cookie) or `Accept-Language`; the page adds what it knows (the user's saved
//! preference, the authorization request's `ui_locales`) and asks `tr`.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::i18n::{Locale, Tr, negotiate};
use crate::state::SharedState;

pub const LANG_COOKIE: &str = "poort_lang";

pub struct RequestLang {
    /// Chosen in this request (`?lang=`): to be remembered in the cookie.
    switched: Option<Locale>,
    /// Chosen earlier (the cookie).
    remembered: Option<Locale>,
    accept_language: Option<String>,
}

impl FromRequestParts<SharedState> for RequestLang {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let switched = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .and_then(|(_, v)| Locale::from_tag(&v))
        });
        let remembered = CookieJar::from_headers(&parts.headers)
            .get(LANG_COOKIE)
            .and_then(|c| Locale::from_tag(c.value()));
        let accept_language = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(Self {
            switched,
            remembered,
            accept_language,
        })
    }
}

impl RequestLang {
    /// The language of this response: the user's saved preference, else the browser's explicit
    /// choice, else `ui_locales`, else `Accept-Language`, else English.
    pub fn tr(&self, saved: Option<&str>, ui_locales: Option<&str>) -> Tr {
        let chosen = saved
            .and_then(Locale::from_tag)
            .or(self.switched)
            .or(self.remembered)
            .map(Locale::code);
        Tr::new(negotiate(
            chosen,
            ui_locales,
            self.accept_language.as_deref(),
        ))
    }

    /// The language this browser chose with the switcher, if it did.
    pub fn explicit(&self) -> Option<Locale> {
        self.switched.or(self.remembered)
    }

    /// Remembers a language chosen with the switcher for the next pages.
    pub fn remember(&self, state: &SharedState, response: &mut Response) {
        let Some(locale) = self.switched else {
            return;
        };
        let cookie = Cookie::build((LANG_COOKIE, locale.code()))
            .path("/")
            .http_only(true)
            .secure(state.config.secure_cookies())
            .same_site(SameSite::Lax)
            .max_age(time::Duration::days(365))
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

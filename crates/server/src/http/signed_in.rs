//! [`SignedIn`]: the one extractor for pages that need a signed-in user. It resolves the
//! browser session through the gate (`flows::gate::resolve`), so every page refuses what every
//! other surface refuses: a deleted or disabled account (the session ends, back to the login
//! page) and an address outside an IP allowlist of the user's organisations (an error page).
//! Decisions inside an organisation are `gate::may`, called with [`SignedIn::principal`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use poort_store::entities::users::Model as User;

use super::client_ip::Reached;
use super::error::PageError;
use super::locale::RequestLang;
use super::see_other;
use super::session::BrowserSession;
use crate::flows::gate::{self, Credential, Principal, Refused};
use crate::flows::orgs::access::Seen;
use crate::flows::session::{self, LiveSession, SessionUser, csrf_matches};
use crate::i18n::Tr;
use crate::state::SharedState;

/// A signed-in session and the principal it resolved to.
pub struct SignedIn {
    pub live: LiveSession,
    pub principal: Principal,
}

impl SignedIn {
    pub fn user(&self) -> &User {
        &self.principal.user
    }

    /// The language of this user's pages: their saved choice, else the browser's.
    pub fn tr(&self, lang: &RequestLang) -> Tr {
        lang.tr(self.user().locale.as_deref(), None)
    }

    /// Who is signed in, as the session holds it.
    pub fn session_user(&self) -> Option<&SessionUser> {
        self.live.data.user.as_ref()
    }

    /// A form posted from this session must carry its CSRF token (constant-time comparison).
    pub fn check_csrf(&self, csrf: Option<&str>) -> Result<(), PageError> {
        match csrf_matches(&self.live.data, csrf) {
            true => Ok(()),
            false => Err(PageError::forbidden_csrf()),
        }
    }
}

impl FromRequestParts<SharedState> for SignedIn {
    /// The login page to go to, or the page that says why not.
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        match MaybeSignedIn::from_request_parts(parts, state).await?.0 {
            Some(signed) => Ok(signed),
            // A form from no session at all cannot carry a valid CSRF token.
            None if parts.method == Method::POST => {
                Err(PageError::forbidden_csrf().into_response())
            }
            None => Err(see_other("/login")),
        }
    }
}

/// For pages that serve everyone but act for a signed-in user (`/authorize`, consent): the
/// session's principal when it resolves; `None` when there is no signed-in session or its
/// account is no longer live (that session ends). An address refused by an IP allowlist of
/// the user's organisations is an error page, not an anonymous visit.
pub struct MaybeSignedIn(pub Option<SignedIn>);

impl MaybeSignedIn {
    /// The language of the page: the signed-in user's saved choice, else the browser's.
    pub fn tr(&self, lang: &RequestLang) -> Tr {
        match &self.0 {
            Some(signed) => signed.tr(lang),
            None => lang.tr(None, None),
        }
    }
}

impl FromRequestParts<SharedState> for MaybeSignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let session = BrowserSession::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(live) = session.0 else {
            return Ok(Self(None));
        };
        let Ok(Reached(seen)) = Reached::from_request_parts(parts, state).await;
        Ok(Self(through_gate(state, live, seen).await?))
    }
}

/// A session through the gate: its principal, `None` when it is anonymous or its account is
/// no longer live (the session then ends), or the page refusing its address.
pub async fn through_gate(
    state: &SharedState,
    live: LiveSession,
    seen: Seen,
) -> Result<Option<SignedIn>, Response> {
    let Some(user) = live.data.user.clone() else {
        return Ok(None);
    };
    let resolved = gate::resolve(state, Credential::Session(&user), seen)
        .await
        .map_err(|e| PageError::from(e).into_response())?;
    match resolved {
        Ok(principal) => Ok(Some(SignedIn { live, principal })),
        Err(Refused::Ip(refused)) => Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error.forbidden_title",
            super::login::ip_refused_message(&refused),
        )
        .into_response()),
        Err(Refused::Inactive | Refused::Credential(_)) => {
            session::destroy(state, &live.cookie)
                .await
                .map_err(|e| PageError::from(e).into_response())?;
            Ok(None)
        }
    }
}

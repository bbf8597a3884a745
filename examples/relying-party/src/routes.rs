//! The web routes: `/`, `/login`, `/callback`, `/refresh` and `/logout`, and how their
//! failures become error pages.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use openidconnect::AuthorizationCode;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::oidc::{OidcError, Provider};
use crate::pages;
use crate::session::{Session, SessionId, SessionStore};

const SESSION_COOKIE: &str = "rp_session";

/// What every handler needs.
pub struct AppState {
    pub provider: Provider,
    pub sessions: SessionStore,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/refresh", post(refresh))
        .route("/logout", get(logout))
        .with_state(state)
}

/// Why a request could not be served; each becomes an error page.
#[derive(Debug, thiserror::Error)]
enum RpError {
    #[error("This browser has no login in progress (or it took too long). Please log in again.")]
    NoPendingLogin,
    #[error("The state returned by the provider does not match this login.")]
    StateMismatch,
    #[error("The response names issuer {0}, not the provider this login was sent to.")]
    IssuerMismatch(String),
    #[error("The provider's response has neither a code nor an error.")]
    MissingCode,
    #[error("{error}: {description}")]
    Provider { error: String, description: String },
    #[error("You are not logged in.")]
    NotSignedIn,
    #[error("{0}")]
    Oidc(#[from] OidcError),
}

impl IntoResponse for RpError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            Self::NoPendingLogin | Self::StateMismatch | Self::IssuerMismatch(_) => {
                (StatusCode::BAD_REQUEST, "Login could not be completed")
            }
            Self::MissingCode => (StatusCode::BAD_REQUEST, "Unexpected response"),
            Self::Provider { .. } => (StatusCode::BAD_REQUEST, "The provider refused the login"),
            Self::NotSignedIn => (StatusCode::UNAUTHORIZED, "Not logged in"),
            Self::Oidc(_) => (StatusCode::BAD_GATEWAY, "Talking to the provider failed"),
        };
        tracing::warn!(error = %self, "request failed");
        (status, pages::error(title, &self.to_string())).into_response()
    }
}

#[derive(Debug, Deserialize)]
struct HomeParams {
    /// Sent back by the provider after RP-initiated logout.
    state: Option<String>,
}

async fn home(
    State(app): State<Arc<AppState>>,
    jar: CookieJar,
    Query(params): Query<HomeParams>,
) -> Response {
    let now = Instant::now();
    let issuer = app.provider.issuer().as_str();
    let page = session_id(&jar).and_then(|id| {
        app.sessions
            .update(&id, now, |session| {
                if let Some(user) = &session.user {
                    return Some(pages::signed_in(issuer, user, now));
                }
                // Coming back from the provider's logout with the state we sent: confirm it.
                let returned = params.state.as_deref()?;
                let expected = session.pending_logout.take()?;
                secrets_equal(expected.secret(), returned).then(|| {
                    pages::signed_out(issuer, Some("You have been logged out at the provider."))
                })
            })
            .flatten()
    });
    page.unwrap_or_else(|| pages::signed_out(issuer, None))
        .into_response()
}

async fn login(State(app): State<Arc<AppState>>, jar: CookieJar) -> Response {
    let now = Instant::now();
    let (authorize_url, pending_login) = app.provider.start_login(now);

    // Reuse this browser's session if it has one, so a logged-in user stays logged in
    // should they abandon the new login.
    let mut pending_login = Some(pending_login);
    if let Some(id) = session_id(&jar) {
        app.sessions.update(&id, now, |session| {
            session.pending_login = pending_login.take();
        });
    }
    let jar = match pending_login {
        None => jar,
        Some(pending_login) => {
            let session = Session {
                pending_login: Some(pending_login),
                ..Session::default()
            };
            let id = app.sessions.create(session, now);
            jar.add(session_cookie(&id))
        }
    };
    (jar, Redirect::to(authorize_url.as_str())).into_response()
}

/// The parameters the provider sends back to the redirect URI.
#[derive(Debug, Deserialize)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    /// RFC 9207: the issuer that sent this response, when the provider says so.
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(app): State<Arc<AppState>>,
    jar: CookieJar,
    Query(params): Query<CallbackParams>,
) -> Result<Redirect, RpError> {
    let now = Instant::now();
    let id = session_id(&jar).ok_or(RpError::NoPendingLogin)?;
    // Taken out, so a code or state can be used only once.
    let pending_login = app
        .sessions
        .update(&id, now, |session| session.pending_login.take())
        .flatten()
        .filter(|pending| !pending.is_expired(now))
        .ok_or(RpError::NoPendingLogin)?;

    let returned_state = params.state.as_deref().unwrap_or_default();
    if !secrets_equal(pending_login.state().secret(), returned_state) {
        return Err(RpError::StateMismatch);
    }
    if let Some(iss) = params.iss
        && iss != app.provider.issuer().as_str()
    {
        return Err(RpError::IssuerMismatch(iss));
    }
    if let Some(error) = params.error {
        let description = params
            .error_description
            .unwrap_or_else(|| "no description given".to_owned());
        return Err(RpError::Provider { error, description });
    }
    let code = params.code.ok_or(RpError::MissingCode)?;

    let user = app
        .provider
        .finish_login(AuthorizationCode::new(code), pending_login, now)
        .await?;
    tracing::info!(subject = user.subject.as_str(), "logged in");
    app.sessions
        .update(&id, Instant::now(), |session| session.user = Some(user));
    Ok(Redirect::to("/"))
}

async fn refresh(State(app): State<Arc<AppState>>, jar: CookieJar) -> Result<Redirect, RpError> {
    let now = Instant::now();
    let id = session_id(&jar).ok_or(RpError::NotSignedIn)?;
    // Cloned out: the session lock must not be held while waiting for the provider.
    let user = app
        .sessions
        .update(&id, now, |session| session.user.clone())
        .flatten()
        .ok_or(RpError::NotSignedIn)?;
    let refreshed = app.provider.refresh(&user, now).await?;
    app.sessions.update(&id, Instant::now(), |session| {
        session.user = Some(refreshed)
    });
    Ok(Redirect::to("/"))
}

async fn logout(State(app): State<Arc<AppState>>, jar: CookieJar) -> Redirect {
    let now = Instant::now();
    let Some(id) = session_id(&jar) else {
        return Redirect::to("/");
    };
    // Forget the user here first; then, if the provider supports it, end its session too.
    let provider_logout = app
        .sessions
        .update(&id, now, |session| {
            let user = session.user.take()?;
            let (url, state) = app.provider.logout_url(&user)?;
            session.pending_logout = Some(state);
            Some(url)
        })
        .flatten();
    match provider_logout {
        Some(url) => Redirect::to(url.as_str()),
        None => Redirect::to("/"),
    }
}

fn session_id(jar: &CookieJar) -> Option<SessionId> {
    jar.get(SESSION_COOKIE)
        .map(|cookie| SessionId::from_cookie(cookie.value()))
}

/// HttpOnly keeps scripts away from it; SameSite=Lax keeps it off cross-site POSTs but
/// still sends it when the provider redirects the browser back to `/callback`. (Not `Secure`:
/// the app serves plain http on its bind address; behind TLS, add `.secure(true)`.)
fn session_cookie(id: &SessionId) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, id.as_str().to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}

/// Compares a secret we issued with what came back, in constant time.
fn secrets_equal(expected: &str, returned: &str) -> bool {
    expected.as_bytes().ct_eq(returned.as_bytes()).into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_by_content_and_length() {
        assert!(secrets_equal("abc123", "abc123"));
        assert!(!secrets_equal("abc123", "abc124"));
        assert!(!secrets_equal("abc123", "abc12"));
        assert!(!secrets_equal("abc123", ""));
    }

    #[test]
    fn session_cookie_is_http_only_and_same_site_lax() {
        let id = SessionId::from_cookie("xyz");
        let cookie = session_cookie(&id).to_string();
        assert!(cookie.starts_with("rp_session=xyz"));
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        assert!(cookie.contains("Path=/"));
    }
}

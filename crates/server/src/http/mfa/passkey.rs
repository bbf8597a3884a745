//! Passkey login from the login page: `/login/passkey/start` hands the browser a challenge
//! (JSON), `/login/passkey` takes the answer and logs in whoever the passkey belongs to.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::super::client_ip::ClientIp;
use super::super::error::{ApiError, PageError};
use super::super::see_other;
use super::super::session::{BrowserSession, set_cookie};
use super::{after_login, checked_session};
use crate::flows::mfa::acr::with_second_factor;
use crate::flows::mfa::webauthn::authenticate;
use crate::flows::orgs::login_policy::{self, Attempt};
use crate::flows::session::{self, SessionUser, csrf_matches};
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct StartForm {
    csrf: Option<String>,
}

fn json_error(status: StatusCode, error: &'static str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": error }))).into_response()
}

pub async fn start(
    State(state): State<SharedState>,
    session: BrowserSession,
    axum::Form(form): axum::Form<StartForm>,
) -> Response {
    let Some(live) = session
        .0
        .filter(|l| csrf_matches(&l.data, form.csrf.as_deref()))
    else {
        return json_error(StatusCode::FORBIDDEN, "csrf");
    };
    match authenticate::start_passwordless(&state, &live.cookie).await {
        Ok(Some(options)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            options,
        )
            .into_response(),
        Ok(None) => json_error(StatusCode::NOT_FOUND, "webauthn_unavailable"),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct FinishForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
    #[serde(default)]
    credential: String,
}

pub async fn finish(
    State(state): State<SharedState>,
    session: BrowserSession,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    axum::Form(form): axum::Form<FinishForm>,
) -> Result<Response, PageError> {
    let live = checked_session(session, form.csrf.as_deref())?;
    let login =
        match authenticate::finish_passwordless(&state, &live.cookie, &form.credential).await? {
            Ok(login) => login,
            Err(_) => {
                return Err(PageError::new(
                    StatusCode::UNAUTHORIZED,
                    "error.passkey_title",
                    "error.passkey",
                ));
            }
        };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    if let Err(refused) =
        login_policy::check_ip(&state, &login.user_id, ip, user_agent, Attempt::SignIn).await?
    {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error.ip_refused_title",
            super::super::login::ip_refused_message(&refused),
        ));
    }
    // A passkey with user verification is two factors in one: the device and its PIN or
    // biometric.
    let amr = with_second_factor(&[], &[login.amr]);
    let user = SessionUser {
        user_id: login.user_id,
        auth_time: state.now(),
        amr,
        sid: poort_store::new_id(),
    };
    let fresh = session::establish(&state, Some(&live), user).await?;
    let mut response = see_other(&after_login(&form.tx));
    set_cookie(&state, &mut response, &fresh);
    Ok(response)
}

//! `/end_session` (RP-Initiated Logout 1.0) and its confirmation form.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use poort_credentials::generate_secret;
use poort_oidc::logout::EndSessionParams;
use serde::Deserialize;

use super::error::PageError;
use super::forms::{PageForm, PageParams};
use super::locale::RequestLang;
use super::session::{BrowserSession, clear_cookie};
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::logout::{self, LogoutRefusal, LogoutRequest};
use crate::flows::session::{self, LiveSession};
use crate::i18n::Tr;
use crate::pages::{LoggedOutPage, LogoutPage};
use crate::state::{AppState, SharedState};

const CONFIRM_TTL: Duration = Duration::from_secs(10 * 60);

/// `/end_session`, GET or POST.
pub async fn end_session(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    PageParams(pairs): PageParams,
) -> Result<Response, PageError> {
    let state: &AppState = &state;
    let params =
        EndSessionParams::from_pairs(&pairs).map_err(|e| PageError::protocol(e.to_string()))?;
    let user = session.0.as_ref().and_then(|s| s.data.user.as_ref());
    let t = lang.tr(None, params.ui_locales.as_deref());
    let request = match logout::validate(state, &params, user).await? {
        Ok(request) => request,
        Err(LogoutRefusal::BadRequest(why)) => return Err(PageError::protocol(why)),
    };
    match session.0 {
        // Nobody is signed in here: nothing to end.
        Some(live) if live.data.user.is_some() => {
            if request.matches_session {
                return finish(state, t, Some(&live), &request).await;
            }
            // Ask first: a cross-site link alone must not sign the user out.
            let lx = generate_secret(32);
            state
                .ephemeral
                .put(
                    &format!("logout:{lx}"),
                    serde_json::to_vec(&request).map_err(FlowError::from)?,
                    CONFIRM_TTL,
                )
                .await
                .map_err(FlowError::from)?;
            let page = LogoutPage {
                t,
                csrf: live.data.csrf.clone(),
                lx,
                client_name: request.client_name,
            };
            Ok(render(StatusCode::OK, &page))
        }
        _ => finish(state, t, None, &request).await,
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    #[serde(default)]
    lx: String,
}

pub async fn confirm(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    PageForm(form): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let request = match form.lx.len() {
        43 => state
            .ephemeral
            .take(&format!("logout:{}", form.lx))
            .await
            .map_err(FlowError::from)?
            .and_then(|bytes| serde_json::from_slice::<LogoutRequest>(&bytes).ok()),
        _ => None,
    };
    let request = request.unwrap_or(LogoutRequest {
        redirect: None,
        client_name: None,
        matches_session: false,
    });
    finish(&state, lang.tr(None, None), Some(&live), &request).await
}

/// Ends the session (its clients are told through the back channel) and answers.
async fn finish(
    state: &AppState,
    t: Tr,
    live: Option<&LiveSession>,
    request: &LogoutRequest,
) -> Result<Response, PageError> {
    if let Some(live) = live {
        session::end(state, &live.cookie, live.data.user.as_ref()).await?;
    }
    let mut response = match &request.redirect {
        Some(url) => see_other(url),
        None => render(StatusCode::OK, &LoggedOutPage { t }),
    };
    if live.is_some() {
        clear_cookie(state, &mut response);
    }
    Ok(response)
}

//! `/account/mfa`: the signed-in user's second factors and recovery codes; renaming, removing
//! and new recovery codes need the password again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::PageError;
use super::super::render;
use super::super::session::BrowserSession;
use super::{SignedIn, signed_in, signed_in_form};
use crate::flows::mfa::factors::{self, ChangeError};
use crate::flows::mfa::recovery;
use crate::pages::mfa::{AccountMfaPage, FactorView, RecoveryCodesPage, date, text_data_url};
use crate::state::{AppState, SharedState};

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    match signed_in(&state, session).await? {
        Ok(signed) => render_account(&state, &signed, None, None, StatusCode::OK).await,
        Err(redirect) => Ok(redirect),
    }
}

async fn render_account(
    state: &AppState,
    signed: &SignedIn,
    message: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let factors = factors::list(state, &signed.user.id)
        .await?
        .iter()
        .map(|f| FactorView {
            id: f.id.clone(),
            name: f.name.clone(),
            kind: factors::describe(f),
            added: date(f.created_at),
            last_used: f.last_used_at.map(date),
        })
        .collect();
    let page = AccountMfaPage {
        csrf: signed.live.data.csrf.clone(),
        email: signed.user.email.clone(),
        factors,
        recovery_remaining: recovery::remaining(state, &signed.user.id).await?,
        webauthn: state.webauthn.is_some(),
        message: message.map(str::to_owned),
        error: error.map(str::to_owned),
    };
    Ok(render(status, &page))
}

fn refusal(error: &ChangeError) -> (&'static str, StatusCode) {
    match error {
        ChangeError::WrongPassword => ("That password is not right.", StatusCode::UNAUTHORIZED),
        ChangeError::Throttled => (
            "Too many wrong attempts. Wait 15 minutes, then try again.",
            StatusCode::TOO_MANY_REQUESTS,
        ),
        ChangeError::NotFound => ("That factor no longer exists.", StatusCode::NOT_FOUND),
        ChangeError::BadName(why) => (why, StatusCode::BAD_REQUEST),
        ChangeError::LastRequired => (
            "Two-step verification is required, so your last second factor cannot be removed. Add another one first.",
            StatusCode::CONFLICT,
        ),
    }
}

#[derive(Deserialize)]
pub struct FactorForm {
    csrf: Option<String>,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

pub async fn rename(
    State(state): State<SharedState>,
    session: BrowserSession,
    axum::Form(form): axum::Form<FactorForm>,
) -> Result<Response, PageError> {
    let signed = match signed_in_form(&state, session, form.csrf.as_deref()).await? {
        Ok(signed) => signed,
        Err(redirect) => return Ok(redirect),
    };
    match factors::rename(
        &state,
        &signed.user.id,
        &form.id,
        &form.name,
        &form.password,
    )
    .await?
    {
        Ok(()) => render_account(&state, &signed, Some("Renamed."), None, StatusCode::OK).await,
        Err(e) => {
            let (message, status) = refusal(&e);
            render_account(&state, &signed, None, Some(message), status).await
        }
    }
}

pub async fn remove(
    State(state): State<SharedState>,
    session: BrowserSession,
    axum::Form(form): axum::Form<FactorForm>,
) -> Result<Response, PageError> {
    let signed = match signed_in_form(&state, session, form.csrf.as_deref()).await? {
        Ok(signed) => signed,
        Err(redirect) => return Ok(redirect),
    };
    match factors::remove(&state, &signed.user.id, &form.id, &form.password).await? {
        Ok(()) => render_account(&state, &signed, Some("Removed."), None, StatusCode::OK).await,
        Err(e) => {
            let (message, status) = refusal(&e);
            render_account(&state, &signed, None, Some(message), status).await
        }
    }
}

pub async fn regenerate(
    State(state): State<SharedState>,
    session: BrowserSession,
    axum::Form(form): axum::Form<FactorForm>,
) -> Result<Response, PageError> {
    let signed = match signed_in_form(&state, session, form.csrf.as_deref()).await? {
        Ok(signed) => signed,
        Err(redirect) => return Ok(redirect),
    };
    match factors::regenerate_recovery_codes(&state, &signed.user.id, &form.password).await? {
        Ok(codes) => Ok(recovery_codes_page(&state, &signed, codes, "/account/mfa")),
        Err(e) => {
            let (message, status) = refusal(&e);
            render_account(&state, &signed, None, Some(message), status).await
        }
    }
}

/// The one time a set of recovery codes is shown.
pub(super) fn recovery_codes_page(
    state: &AppState,
    signed: &SignedIn,
    codes: Vec<String>,
    next: &str,
) -> Response {
    let text = recovery::as_text(state.issuer(), &signed.user.email, &codes);
    let page = RecoveryCodesPage {
        codes,
        download: text_data_url(&text),
        next: next.to_owned(),
    };
    render(StatusCode::OK, &page)
}

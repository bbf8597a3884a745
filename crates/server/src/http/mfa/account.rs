//! `/account/mfa`: the signed-in user's second factors and recovery codes; renaming, removing
//! and new recovery codes need the password again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::PageError;
use super::super::locale::RequestLang;
use super::super::render;
use super::super::signed_in::SignedIn;
use crate::flows::mfa::factors::{self, ChangeError};
use crate::flows::mfa::recovery;
use crate::i18n::Tr;
use crate::pages::mfa::{AccountMfaPage, FactorView, RecoveryCodesPage, date, text_data_url};
use crate::state::{AppState, SharedState};

pub async fn show(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
) -> Result<Response, PageError> {
    let t = signed.tr(&lang);
    render_account(&state, t, &signed, None, None, StatusCode::OK).await
}

async fn render_account(
    state: &AppState,
    t: Tr,
    signed: &SignedIn,
    message: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let factors = factors::list(state, &signed.user().id)
        .await?
        .iter()
        .map(|f| FactorView {
            id: f.id.clone(),
            name: f.name.clone(),
            kind: t.get(factors::describe(f)).to_owned(),
            added: date(f.created_at),
            last_used: f.last_used_at.map(date),
        })
        .collect();
    let page = AccountMfaPage {
        t,
        csrf: signed.live.data.csrf.clone(),
        email: signed.user().email.clone(),
        factors,
        recovery_remaining: recovery::remaining(state, &signed.user().id).await?,
        webauthn: state.webauthn.is_some(),
        message: message.map(str::to_owned),
        error: error.map(str::to_owned),
    };
    Ok(render(status, &page))
}

/// A refusal as a message catalog key and its status.
fn refusal(error: &ChangeError) -> (&'static str, StatusCode) {
    match error {
        ChangeError::WrongPassword => ("mfa_pages.wrong_password", StatusCode::UNAUTHORIZED),
        ChangeError::Throttled => ("mfa_pages.throttled", StatusCode::TOO_MANY_REQUESTS),
        ChangeError::NotFound => ("mfa_pages.factor_gone", StatusCode::NOT_FOUND),
        ChangeError::BadName(why) => (why, StatusCode::BAD_REQUEST),
        ChangeError::LastRequired => ("mfa_pages.last_required", StatusCode::CONFLICT),
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
    signed: SignedIn,
    lang: RequestLang,
    axum::Form(form): axum::Form<FactorForm>,
) -> Result<Response, PageError> {
    signed.check_csrf(form.csrf.as_deref())?;
    let t = signed.tr(&lang);
    match factors::rename(
        &state,
        &signed.user().id,
        &form.id,
        &form.name,
        &form.password,
    )
    .await?
    {
        Ok(()) => {
            render_account(
                &state,
                t,
                &signed,
                Some(t.get("mfa_pages.renamed")),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (message, status) = refusal(&e);
            render_account(&state, t, &signed, None, Some(t.get(message)), status).await
        }
    }
}

pub async fn remove(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    axum::Form(form): axum::Form<FactorForm>,
) -> Result<Response, PageError> {
    signed.check_csrf(form.csrf.as_deref())?;
    let t = signed.tr(&lang);
    match factors::remove(&state, &signed.user().id, &form.id, &form.password).await? {
        Ok(()) => {
            render_account(
                &state,
                t,
                &signed,
                Some(t.get("mfa_pages.removed")),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (message, status) = refusal(&e);
            render_account(&state, t, &signed, None, Some(t.get(message)), status).await
        }
    }
}

pub async fn regenerate(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    axum::Form(form): axum::Form<FactorForm>,
) -> Result<Response, PageError> {
    signed.check_csrf(form.csrf.as_deref())?;
    let t = signed.tr(&lang);
    match factors::regenerate_recovery_codes(&state, &signed.user().id, &form.password).await? {
        Ok(codes) => Ok(recovery_codes_page(
            &state,
            t,
            &signed,
            codes,
            "/account/mfa",
        )),
        Err(e) => {
            let (message, status) = refusal(&e);
            render_account(&state, t, &signed, None, Some(t.get(message)), status).await
        }
    }
}

/// The one time a set of recovery codes is shown.
pub(super) fn recovery_codes_page(
    state: &AppState,
    t: Tr,
    signed: &SignedIn,
    codes: Vec<String>,
    next: &str,
) -> Response {
    let text = recovery::as_text(state.issuer(), &signed.user().email, &codes);
    let page = RecoveryCodesPage {
        t,
        codes,
        download: text_data_url(&text),
        next: next.to_owned(),
    };
    render(StatusCode::OK, &page)
}

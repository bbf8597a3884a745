//! `/account/mfa/webauthn`: registering a security key (second factor) or a passkey (second
//! factor and password-free login). The page carries the challenge; `webauthn.js` asks the
//! browser and posts the answer back.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::PageError;
use super::super::locale::RequestLang;
use super::super::render;
use super::super::signed_in::SignedIn;
use super::enroll_totp::enrolled_response;
use crate::flows::mfa::webauthn::register::{self, CredentialKind, RegisterError};
use crate::pages::mfa::WebauthnEnrollPage;
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tx: String,
}

fn unavailable() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "error.webauthn_unavailable_title",
        "error.webauthn_unavailable",
    )
}

pub async fn show(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    Query(q): Query<KindQuery>,
) -> Result<Response, PageError> {
    let Some(kind) = CredentialKind::parse(&q.kind) else {
        return Err(PageError::bad_request("error.webauthn_kind"));
    };
    let Some(options) = register::start(&state, &signed.live.cookie, signed.user(), kind).await?
    else {
        return Err(unavailable());
    };
    let page = WebauthnEnrollPage {
        t: signed.tr(&lang),
        csrf: signed.live.data.csrf.clone(),
        tx: q.tx,
        passkey: kind == CredentialKind::Passkey,
        options,
        error: None,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct RegisterForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    credential: String,
}

pub async fn finish(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    axum::Form(form): axum::Form<RegisterForm>,
) -> Result<Response, PageError> {
    signed.check_csrf(form.csrf.as_deref())?;
    let outcome = register::finish(
        &state,
        &signed.live.cookie,
        &signed.user().id,
        &form.name,
        &form.credential,
    )
    .await?;
    match outcome {
        Ok(enrolled) => Ok(enrolled_response(
            &state,
            signed.tr(&lang),
            &signed,
            enrolled,
            &form.tx,
        )),
        Err(RegisterError::Expired) => Err(PageError::bad_request("error.webauthn_expired")),
        Err(RegisterError::Rejected) => Err(PageError::bad_request("error.webauthn_rejected")),
        Err(RegisterError::Duplicate) => Err(PageError::new(
            StatusCode::CONFLICT,
            "error.webauthn_duplicate_title",
            "error.webauthn_duplicate",
        )),
        Err(RegisterError::BadName(why)) => Err(PageError::bad_request(why)),
    }
}

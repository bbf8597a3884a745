//! `/account/mfa/required`: a user who must have a second factor and has none chooses one to
//! set up, or (within the grace period) postpones it for this session.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::PageError;
use super::super::locale::RequestLang;
use super::super::signed_in::SignedIn;
use super::super::{render, see_other};
use super::after_login;
use crate::flows::mfa::enforcement::{self, Grace};
use crate::pages::mfa::{PostponeView, RequiredPage, date};
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct TxQuery {
    #[serde(default)]
    tx: String,
}

pub async fn show(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    if !enforcement::must_enroll(&state, &signed.user().id).await? {
        return Ok(see_other(&after_login(&q.tx)));
    }
    let t = signed.tr(&lang);
    let postpone = match enforcement::grace(&state, &signed.user().id).await? {
        Grace::Open { left, until } => {
            let key = match left {
                1 => "mfa_pages.postpone_one",
                _ => "mfa_pages.postpone_many",
            };
            let left = left.to_string();
            let until = date(until);
            Some(PostponeView {
                text: t.fmt(key, &[("left", &left), ("until", &until)]),
            })
        }
        Grace::Closed => None,
    };
    let page = RequiredPage {
        t,
        csrf: signed.live.data.csrf.clone(),
        tx: q.tx,
        webauthn: state.webauthn.is_some(),
        postpone,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct PostponeForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
}

pub async fn postpone(
    State(state): State<SharedState>,
    signed: SignedIn,
    axum::Form(form): axum::Form<PostponeForm>,
) -> Result<Response, PageError> {
    signed.check_csrf(form.csrf.as_deref())?;
    let Some(sid) = signed.session_user().map(|u| u.sid.clone()) else {
        return Ok(see_other("/login"));
    };
    if !enforcement::must_enroll(&state, &signed.user().id).await?
        || enforcement::postpone(&state, &signed.user().id, &sid).await?
    {
        return Ok(see_other(&after_login(&form.tx)));
    }
    Err(PageError::new(
        StatusCode::FORBIDDEN,
        "error.mfa_required_title",
        "error.mfa_required",
    ))
}

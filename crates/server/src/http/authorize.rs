//! `/authorize` (GET and POST), its resumption after login, and the consent page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::client_ip::Reached;
use super::error::PageError;
use super::forms::{PageForm, PageParams};
use super::locale::RequestLang;
use super::session::BrowserSession;
use super::signed_in::{MaybeSignedIn, SignedIn, through_gate};
use super::{redirect, render, see_other};
use crate::flows::authorize::{self, Next, Refusal};
use crate::pages::{ConsentPage, ScopeView, describe_scope};
use crate::state::SharedState;

/// `/authorize`, GET or POST.
pub async fn authorize(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    PageParams(pairs): PageParams,
) -> Result<Response, PageError> {
    let user = signed.0.as_ref().and_then(SignedIn::session_user);
    respond(authorize::start(&state, &pairs, user).await?)
}

#[derive(Deserialize)]
pub struct TxQuery {
    tx: String,
}

pub async fn resume(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    let user = signed.0.as_ref().and_then(SignedIn::session_user);
    respond(authorize::resume(&state, &q.tx, user).await?)
}

pub fn respond(next: Result<Next, Refusal>) -> Result<Response, PageError> {
    match next {
        Ok(Next::Redirect(url)) => Ok(redirect(StatusCode::FOUND, &url)),
        Ok(Next::Login { tx }) => Ok(see_other(&format!("/login?tx={tx}"))),
        Ok(Next::Consent { tx }) => Ok(see_other(&format!("/consent?tx={tx}"))),
        Err(refusal) => Err(refusal_page(refusal)),
    }
}

fn refusal_page(refusal: Refusal) -> PageError {
    match refusal {
        Refusal::UnknownClient => PageError::bad_request("error.unknown_client"),
        Refusal::InvalidRedirectUri => PageError::bad_request("error.invalid_redirect_uri"),
        Refusal::BadRequest(why) => PageError::protocol(why),
        Refusal::UnknownTransaction => PageError::bad_request("error.unknown_transaction"),
    }
}

pub async fn consent_show(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    let Some(signed) = signed.0 else {
        return respond(authorize::resume(&state, &q.tx, None).await?);
    };
    let Some(pending) = authorize::load_pending(&state, &q.tx).await? else {
        return Err(refusal_page(Refusal::UnknownTransaction));
    };
    let user = signed.user();
    let t = lang.tr(
        user.locale.as_deref(),
        pending.request.ui_locales.as_deref(),
    );
    let email = user.email.clone();
    let page = ConsentPage {
        t,
        csrf: signed.live.data.csrf.clone(),
        tx: q.tx,
        client_name: pending.client_name,
        user_email: email,
        scopes: pending
            .request
            .scopes
            .iter()
            .map(|s| ScopeView {
                name: s.to_string(),
                description: describe_scope(t, s),
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: Option<String>,
    tx: String,
    decision: String,
}

pub async fn consent_submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    Reached(seen): Reached,
    PageForm(form): PageForm<ConsentForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let signed = match through_gate(&state, live, seen).await {
        Ok(signed) => signed,
        Err(refused) => return Ok(refused),
    };
    let Some(user) = signed.as_ref().and_then(SignedIn::session_user) else {
        return respond(authorize::resume(&state, &form.tx, None).await?);
    };
    let allow = form.decision == "allow";
    respond(authorize::consent(&state, &form.tx, user, allow).await?)
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refusal_page(self).into_response()
    }
}

//! `prompt=select_account`: the account chooser. "Continue as …" goes on with the signed-in
//! account; "Use another account" signs this browser out and shows the login page for the same
//! authorization request.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::authorize::{Shown, TxQuery, refusal_page, respond, shown_to};
use super::client_ip::Reached;
use super::error::PageError;
use super::forms::PageForm;
use super::locale::RequestLang;
use super::session::{BrowserSession, clear_cookie};
use super::signed_in::{MaybeSignedIn, SignedIn, through_gate};
use super::{render, see_other};
use crate::flows::authorize;
use crate::flows::session;
use crate::pages::SelectAccountPage;
use crate::state::SharedState;

pub async fn show(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    // Nobody signed in: nobody to continue as; the login page chooses the account.
    let (signed, pending, t) = match shown_to(&state, signed, &lang, &q.tx).await? {
        Shown::Page(signed, pending, t) => (signed, pending, t),
        Shown::Elsewhere(response) => return Ok(response),
    };
    let page = SelectAccountPage {
        t,
        csrf: signed.live.data.csrf.clone(),
        tx: q.tx,
        client_name: pending.client_name,
        user_email: signed.user().email.clone(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    csrf: Option<String>,
    tx: String,
    choice: String,
}

pub async fn submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    Reached(seen): Reached,
    lang: RequestLang,
    PageForm(form): PageForm<ChoiceForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let cookie = live.cookie.clone();
    let signed = match through_gate(&state, live, seen).await {
        Ok(signed) => signed,
        Err(refused) => return Ok(refused),
    };
    let t = signed
        .as_ref()
        .map_or_else(|| lang.tr(None, None), |signed| signed.tr(&lang));
    let Some(user) = signed.as_ref().and_then(SignedIn::session_user) else {
        return respond(authorize::resume(&state, &form.tx, None).await?, t);
    };
    match form.choice.as_str() {
        "continue" => respond(authorize::continue_as(&state, &form.tx, user).await?, t),
        "other" => {
            if let Err(refusal) = authorize::choose_another_account(&state, &form.tx).await? {
                return Err(refusal_page(refusal));
            }
            session::end(&state, &cookie, Some(user)).await?;
            let mut response = see_other(&format!(
                "/login?tx={}",
                url::form_urlencoded::byte_serialize(form.tx.as_bytes()).collect::<String>()
            ));
            clear_cookie(&state, &mut response);
            Ok(response)
        }
        _ => Err(PageError::bad_request("error.form")),
    }
}

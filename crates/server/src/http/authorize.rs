//! `/authorize` (GET and POST), its resumption after login, the consent page, and the answer
//! to the client in its response mode (a redirect, or the form_post page).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use poort_oidc::authorize::Delivery;
use serde::Deserialize;

use super::client_ip::Reached;
use super::error::PageError;
use super::form_post;
use super::forms::{PageForm, PageParams};
use super::locale::RequestLang;
use super::session::BrowserSession;
use super::signed_in::{MaybeSignedIn, SignedIn, through_gate};
use super::{redirect, render, see_other};
use crate::flows::authorize::{self, Next, Refusal};
use crate::i18n::Tr;
use crate::pages::{ConsentPage, ScopeView, describe_scope};
use crate::state::SharedState;

/// `/authorize`, GET or POST.
pub async fn authorize(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    lang: RequestLang,
    PageParams(pairs): PageParams,
) -> Result<Response, PageError> {
    let user = signed.0.as_ref().and_then(SignedIn::session_user);
    respond(
        authorize::start(&state, &pairs, user).await?,
        signed.tr(&lang),
    )
}

#[derive(Deserialize)]
pub struct TxQuery {
    pub tx: String,
}

pub async fn resume(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    let user = signed.0.as_ref().and_then(SignedIn::session_user);
    respond(
        authorize::resume(&state, &q.tx, user).await?,
        signed.tr(&lang),
    )
}

/// The browser's next step; `t` is the language of the form_post page.
pub fn respond(next: Result<Next, Refusal>, t: Tr) -> Result<Response, PageError> {
    match next {
        Ok(Next::Respond(response)) => match response.delivery() {
            Ok(Delivery::Redirect(url)) => Ok(redirect(StatusCode::FOUND, url.as_str())),
            Ok(Delivery::FormPost { action, fields }) => Ok(form_post::page(t, &action, fields)),
            // Registered redirect URIs are absolute, so this is a corrupt registration.
            Err(_) => Err(PageError::bad_request("error.bad_redirect")),
        },
        Ok(Next::Redirect(url)) => Ok(redirect(StatusCode::FOUND, &url)),
        Ok(Next::Login { tx }) => Ok(see_other(&format!("/login?tx={tx}"))),
        Ok(Next::SelectAccount { tx }) => Ok(see_other(&format!("/select_account?tx={tx}"))),
        Ok(Next::Consent { tx }) => Ok(see_other(&format!("/consent?tx={tx}"))),
        Err(refusal) => Err(refusal_page(refusal)),
    }
}

pub fn refusal_page(refusal: Refusal) -> PageError {
    match refusal {
        Refusal::UnknownClient => PageError::bad_request("error.unknown_client"),
        Refusal::InvalidRedirectUri => PageError::bad_request("error.invalid_redirect_uri"),
        Refusal::BadRequest(why) => PageError::protocol(why),
        Refusal::UnknownTransaction => PageError::bad_request("error.unknown_transaction"),
    }
}

/// What a page of a pending authorization (consent, account chooser) is shown for.
pub enum Shown {
    /// The signed-in account, the pending request, and the page's language.
    Page(Box<SignedIn>, authorize::Pending, Tr),
    /// Nobody is signed in: where the request goes instead (the login page).
    Elsewhere(Response),
}

/// The signed-in account and pending request `tx` for a page of the authorization; without a
/// sign-in the request resumes (to the login page); an unknown `tx` is the error page.
pub async fn shown_to(
    state: &SharedState,
    signed: MaybeSignedIn,
    lang: &RequestLang,
    tx: &str,
) -> Result<Shown, PageError> {
    let Some(signed) = signed.0 else {
        let next = authorize::resume(state, tx, None).await?;
        return Ok(Shown::Elsewhere(respond(next, lang.tr(None, None))?));
    };
    let Some(pending) = authorize::load_pending(state, tx).await? else {
        return Err(refusal_page(Refusal::UnknownTransaction));
    };
    let user = signed.user();
    let t = lang.tr(
        user.locale.as_deref(),
        pending.request.ui_locales.as_deref(),
    );
    Ok(Shown::Page(Box::new(signed), pending, t))
}

pub async fn consent_show(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    let (signed, pending, t) = match shown_to(&state, signed, &lang, &q.tx).await? {
        Shown::Page(signed, pending, t) => (signed, pending, t),
        Shown::Elsewhere(response) => return Ok(response),
    };
    let email = signed.user().email.clone();
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
    lang: RequestLang,
    PageForm(form): PageForm<ConsentForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
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
    let allow = form.decision == "allow";
    respond(authorize::consent(&state, &form.tx, user, allow).await?, t)
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        refusal_page(self).into_response()
    }
}

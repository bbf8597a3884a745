//! The device flow's pages: `/device` (type the user code; GET prefilled from `?user_code=`,
//! POST with CSRF) and `/device/confirm` (approve or deny, POST with CSRF). A signed-out user
//! goes through the normal login journey (`/login?tx=`), which resumes here through
//! `/authorize/resume`. Handlers parse, call `flows::device::verification`, and render.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::client_ip::{ClientIp, Reached};
use super::error::PageError;
use super::forms::PageForm;
use super::locale::RequestLang;
use super::session::{BrowserSession, set_cookie};
use super::signed_in::{MaybeSignedIn, SignedIn, through_gate};
use super::{redirect, render, see_other};
use crate::flows::device::verification::{self, Entered, Refusal, Step};
use crate::i18n::Tr;
use crate::pages::device::{DeviceConfirmPage, DevicePage};
use crate::pages::reset::NoticePage;
use crate::pages::{ScopeView, describe_scope};
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct EntryQuery {
    #[serde(default)]
    user_code: String,
}

/// The code entry form; `verification_uri_complete` fills it in, the user still submits it.
pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    Query(q): Query<EntryQuery>,
) -> Result<Response, PageError> {
    let (live, created) = session.or_create(&state).await?;
    let page = DevicePage {
        t: lang.tr(None, None),
        csrf: live.data.csrf.clone(),
        user_code: q.user_code.chars().take(64).collect(),
        error: None,
    };
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    lang.remember(&state, &mut response);
    Ok(response)
}

#[derive(Deserialize)]
pub struct EntryForm {
    csrf: Option<String>,
    #[serde(default)]
    user_code: String,
}

pub async fn submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<EntryForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    match verification::enter(&state, &live.cookie, ip, &form.user_code).await? {
        Entered::Found { tx } => Ok(see_other(&verification::confirm_url(&tx))),
        Entered::Throttled => Err(PageError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "device.throttled_title",
            "device.throttled",
        )),
        Entered::Unknown => {
            let t = lang.tr(None, None);
            let page = DevicePage {
                t,
                csrf: live.data.csrf.clone(),
                user_code: form.user_code.chars().take(64).collect(),
                error: Some(t.get("device.unknown_code").to_owned()),
            };
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
    }
}

#[derive(Deserialize)]
pub struct TxQuery {
    tx: String,
}

/// The confirmation page, or the step before it (login, second factor).
pub async fn confirm_show(
    State(state): State<SharedState>,
    signed: MaybeSignedIn,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    let user = signed.0.as_ref().and_then(SignedIn::session_user);
    let t = signed.tr(&lang);
    let step = verification::resume(&state, &q.tx, user).await?;
    respond(step, signed.0.as_ref(), t, &q.tx)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    tx: String,
    decision: String,
}

pub async fn confirm_submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    Reached(seen): Reached,
    lang: RequestLang,
    PageForm(form): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let signed = match through_gate(&state, live, seen).await {
        Ok(signed) => signed,
        Err(refused) => return Ok(refused),
    };
    let t = signed
        .as_ref()
        .map_or_else(|| lang.tr(None, None), |signed| signed.tr(&lang));
    let step = match signed.as_ref().and_then(SignedIn::session_user) {
        Some(user) => {
            let approve = form.decision == "approve";
            verification::answer(&state, &form.tx, user, approve).await?
        }
        // Signed out meanwhile: sign in again, then confirm again.
        None => verification::resume(&state, &form.tx, None).await?,
    };
    respond(step, signed.as_ref(), t, &form.tx)
}

/// The page of each step.
fn respond(
    step: Result<Step, Refusal>,
    signed: Option<&SignedIn>,
    t: Tr,
    tx: &str,
) -> Result<Response, PageError> {
    match step {
        Ok(Step::Login { tx }) => Ok(see_other(&format!("/login?tx={tx}"))),
        Ok(Step::Redirect(url)) => Ok(redirect(StatusCode::FOUND, &url)),
        Ok(Step::Confirm(pending)) => {
            let Some(signed) = signed else {
                // `resume` confirms only for a signed-in user.
                return Err(PageError::bad_request("error.unknown_transaction"));
            };
            let scopes = poort_oidc::Scopes::parse(&pending.grant.scope).unwrap_or_default();
            let page = DeviceConfirmPage {
                t,
                csrf: signed.live.data.csrf.clone(),
                tx: tx.to_owned(),
                client_name: pending.grant.client_name.clone(),
                user_email: signed.user().email.clone(),
                user_code: pending.grant.user_code.display(),
                scopes: scopes
                    .iter()
                    .map(|s| ScopeView {
                        name: s.to_string(),
                        description: describe_scope(t, s),
                    })
                    .collect(),
            };
            Ok(render(StatusCode::OK, &page))
        }
        Ok(Step::Answered { approved }) => {
            let (title, message) = match approved {
                true => ("device.approved_title", "device.approved"),
                false => ("device.denied_title", "device.denied"),
            };
            let page = NoticePage {
                t,
                title: t.get(title).to_owned(),
                message: t.get(message).to_owned(),
                link: None,
            };
            Ok(render(StatusCode::OK, &page))
        }
        Err(Refusal::UnknownTransaction) => {
            Err(PageError::bad_request("error.unknown_transaction"))
        }
        Err(Refusal::NoLongerPending) => Err(PageError::new(
            StatusCode::GONE,
            "device.expired_title",
            "device.expired",
        )),
    }
}

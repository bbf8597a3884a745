//! `/login/mfa`: the second step of a login (or a step-up of a session) with an authenticator
//! app code, a security key or passkey, or a recovery code.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use poort_mfa::Amr;
use poort_policy::AgeStatus;
use poort_store::mfa_factors::{self, KIND_TOTP};
use serde::Deserialize;

use super::super::error::PageError;
use super::super::locale::RequestLang;
use super::super::login::continue_after_proof;
use super::super::session::{BrowserSession, set_cookie};
use super::super::{render, see_other};
use super::{after_login, checked_session, login_url};
use crate::flows::FlowError;
use crate::flows::mfa::pending::{self, SecondStep};
use crate::flows::mfa::recovery::{self, Redeemed};
use crate::flows::mfa::totp::{self, Verified};
use crate::flows::mfa::webauthn::authenticate::{self, AssertionError};
use crate::flows::passwords;
use crate::flows::session::LiveSession;
use crate::i18n::Tr;
use crate::pages::mfa::{ChallengePage, RecoveryUsedPage};
use crate::state::{AppState, SharedState};

const THROTTLED: &str = "mfa_pages.throttled_login";

#[derive(Deserialize)]
pub struct TxQuery {
    #[serde(default)]
    tx: String,
}

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    Query(q): Query<TxQuery>,
) -> Result<Response, PageError> {
    let Some(live) = session.0 else {
        return Ok(see_other(&login_url(&q.tx)));
    };
    let step = match pending::load(&state, &live.cookie).await? {
        Some(step) => step,
        None => match &live.data.user {
            // A step-up: the signed-in user proves a second factor now.
            Some(user) => {
                let step = SecondStep {
                    user_id: user.user_id.clone(),
                    amr: user.amr.clone(),
                    sid: Some(user.sid.clone()),
                };
                pending::begin(&state, &live.cookie, &step).await?;
                step
            }
            None => return Ok(see_other(&login_url(&q.tx))),
        },
    };
    render_challenge(&state, &lang, &live, &step, &q.tx, None, StatusCode::OK).await
}

/// The second-step page; `error` is a message catalog key.
async fn render_challenge(
    state: &AppState,
    lang: &RequestLang,
    live: &LiveSession,
    step: &SecondStep,
    tx: &str,
    error: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let user = poort_store::users::find_by_id(&state.db, &step.user_id)
        .await
        .map_err(FlowError::from)?;
    let factors = mfa_factors::list_for_user(&state.db, &step.user_id)
        .await
        .map_err(FlowError::from)?;
    let (Some(user), false) = (user, factors.is_empty()) else {
        // The account or its factors went away meanwhile: start over.
        return Ok(see_other(&login_url(tx)));
    };
    let t = lang.tr(user.locale.as_deref(), None);
    let page = ChallengePage {
        t,
        csrf: live.data.csrf.clone(),
        tx: tx.to_owned(),
        email: user.email,
        has_totp: factors.iter().any(|f| f.kind == KIND_TOTP),
        webauthn_options: authenticate::start_second_factor(state, &live.cookie, &step.user_id)
            .await?,
        error: error.map(|key| t.get(key).to_owned()),
    };
    Ok(render(status, &page))
}

/// The language of the user in the second step.
async fn user_tr(state: &AppState, lang: &RequestLang, user_id: &str) -> Result<Tr, PageError> {
    let user = poort_store::users::find_by_id(&state.db, user_id)
        .await
        .map_err(FlowError::from)?;
    Ok(lang.tr(user.and_then(|u| u.locale).as_deref(), None))
}

/// The session and pending step of a second-step form, or where to go instead.
async fn pending_step(
    state: &AppState,
    session: BrowserSession,
    csrf: Option<&str>,
    tx: &str,
) -> Result<Result<(LiveSession, SecondStep), Response>, PageError> {
    let live = checked_session(session, csrf)?;
    match pending::load(state, &live.cookie).await? {
        Some(step) => Ok(Ok((live, step))),
        // Expired (10 minutes) or already completed.
        None => Ok(Err(see_other(&login_url(tx)))),
    }
}

/// The second factor checked out. A login (not a step-up) then passes the password-age check,
/// which may ask for a new password before the session is established; otherwise the session
/// is established and the login continues.
async fn complete(
    state: &SharedState,
    live: &LiveSession,
    methods: &[Amr],
    tx: &str,
    page: Option<RecoveryUsedPage>,
) -> Result<Response, PageError> {
    let Some(step) = pending::finish(state, live, methods).await? else {
        return Ok(see_other(&login_url(tx)));
    };
    if step.sid.is_none() {
        let user = poort_store::users::find_by_id(&state.db, &step.user_id)
            .await
            .map_err(FlowError::from)?;
        let Some(user) = user else {
            return Ok(see_other(&login_url(tx)));
        };
        // The expiry warning gives way to the "recovery code used" page; an expired password
        // does not.
        let policy = passwords::policy_for(state, &user).await?;
        let age = passwords::age_status(state, &user, &policy);
        if age == AgeStatus::Expired || (age != AgeStatus::Ok && page.is_none()) {
            return continue_after_proof(state, live, &user, &policy, step.amr, tx).await;
        }
    }
    let fresh = pending::establish(state, live, step).await?;
    let mut response = match page {
        Some(page) => render(StatusCode::OK, &page),
        None => see_other(&after_login(tx)),
    };
    set_cookie(state, &mut response, &fresh);
    Ok(response)
}

#[derive(Deserialize)]
pub struct CodeForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
    #[serde(default)]
    code: String,
}

pub async fn totp(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    axum::Form(form): axum::Form<CodeForm>,
) -> Result<Response, PageError> {
    let (live, step) = match pending_step(&state, session, form.csrf.as_deref(), &form.tx).await? {
        Ok(pair) => pair,
        Err(redirect) => return Ok(redirect),
    };
    let (message, status) = match totp::verify_login(&state, &step.user_id, &form.code).await? {
        Verified::Accepted => return complete(&state, &live, &[Amr::Otp], &form.tx, None).await,
        Verified::Invalid => ("mfa_pages.wrong_code", StatusCode::UNAUTHORIZED),
        Verified::Replayed => ("mfa_pages.replayed", StatusCode::UNAUTHORIZED),
        Verified::Throttled => (THROTTLED, StatusCode::TOO_MANY_REQUESTS),
    };
    render_challenge(&state, &lang, &live, &step, &form.tx, Some(message), status).await
}

pub async fn recovery(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    axum::Form(form): axum::Form<CodeForm>,
) -> Result<Response, PageError> {
    let (live, step) = match pending_step(&state, session, form.csrf.as_deref(), &form.tx).await? {
        Ok(pair) => pair,
        Err(redirect) => return Ok(redirect),
    };
    let (message, status) = match recovery::redeem(&state, &step.user_id, &form.code).await? {
        Redeemed::Accepted { remaining } => {
            let page = RecoveryUsedPage {
                t: user_tr(&state, &lang, &step.user_id).await?,
                remaining,
                next: after_login(&form.tx),
            };
            return complete(&state, &live, &[Amr::Otp], &form.tx, Some(page)).await;
        }
        Redeemed::Invalid => ("mfa_pages.recovery_invalid", StatusCode::UNAUTHORIZED),
        Redeemed::Throttled => (THROTTLED, StatusCode::TOO_MANY_REQUESTS),
    };
    render_challenge(&state, &lang, &live, &step, &form.tx, Some(message), status).await
}

#[derive(Deserialize)]
pub struct AssertionForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
    #[serde(default)]
    credential: String,
}

pub async fn webauthn(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    axum::Form(form): axum::Form<AssertionForm>,
) -> Result<Response, PageError> {
    let (live, step) = match pending_step(&state, session, form.csrf.as_deref(), &form.tx).await? {
        Ok(pair) => pair,
        Err(redirect) => return Ok(redirect),
    };
    let (message, status) = match authenticate::finish_second_factor(
        &state,
        &live.cookie,
        &step.user_id,
        &form.credential,
    )
    .await?
    {
        Ok(amr) => return complete(&state, &live, &[amr], &form.tx, None).await,
        Err(AssertionError::Throttled) => (THROTTLED, StatusCode::TOO_MANY_REQUESTS),
        Err(AssertionError::Expired | AssertionError::Rejected) => {
            ("mfa_pages.webauthn_refused", StatusCode::UNAUTHORIZED)
        }
    };
    render_challenge(&state, &lang, &live, &step, &form.tx, Some(message), status).await
}

//! The password pages: `/account/password` (signed in; the current password, then a new one)
//! and `/login/new-password` (the renewal step after a verified login with an expired or
//! admin-forced password, before the authorization request continues).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use poort_policy::{AgeStatus, PasswordPolicy};
use poort_store::entities::users::Model as User;
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::PageError;
use super::locale::RequestLang;
use super::login::{continue_url, sign_in};
use super::password_reset::refusal_messages_in;
use super::session::{BrowserSession, set_cookie};
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::passwords::{self, PendingRenewal, Proof};
use crate::flows::session::LiveSession;
use crate::i18n::Tr;
use crate::pages::password::{PasswordPage, requirements_in};
use crate::state::{AppState, SharedState};

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    tx: String,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// The warning banner text while the password is in its last `warn_days`, in the language of `t`.
pub fn expiry_notice_in(
    t: Tr,
    state: &AppState,
    user: &User,
    policy: &PasswordPolicy,
) -> Option<String> {
    match passwords::age_status(state, user, policy) {
        AgeStatus::Warn { days_left: 1 } => Some(t.get("password.expires_tomorrow").into()),
        AgeStatus::Warn { days_left } => {
            Some(t.fmt("password.expires_in", &[("days", &days_left.to_string())]))
        }
        AgeStatus::Ok | AgeStatus::Expired => None,
    }
}

async fn user_of(state: &AppState, live: &LiveSession) -> Result<Option<User>, PageError> {
    let Some(session_user) = &live.data.user else {
        return Ok(None);
    };
    Ok(
        poort_store::users::find_by_id(&state.db, &session_user.user_id)
            .await
            .map_err(FlowError::from)?,
    )
}

fn account_page(
    t: Tr,
    state: &AppState,
    csrf: &str,
    user: &User,
    policy: &PasswordPolicy,
    tx: String,
) -> PasswordPage {
    let notice = expiry_notice_in(t, state, user, policy);
    let skip = (notice.is_some() || !tx.is_empty()).then(|| continue_url(&tx));
    PasswordPage {
        t,
        title: t.get("password.change_title"),
        lead: t.get("password.change_lead").into(),
        notice,
        errors: Vec::new(),
        requirements: requirements_in(t, policy),
        csrf: csrf.to_string(),
        action: "/account/password",
        tx,
        ask_current: true,
        email: user.email.clone(),
        skip,
    }
}

pub async fn account_show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let Some(live) = session.0 else {
        return Ok(see_other("/login"));
    };
    let Some(user) = user_of(&state, &live).await? else {
        return Ok(see_other("/login"));
    };
    let t = lang.tr(user.locale.as_deref(), None);
    let policy = passwords::policy_for(&state, &user).await?;
    let page = account_page(t, &state, &live.data.csrf, &user, &policy, q.tx);
    Ok(render(StatusCode::OK, &page))
}

pub async fn account_submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let Some(user) = user_of(&state, &live).await? else {
        return Ok(see_other("/login"));
    };
    let proof = Proof::CurrentPassword(&form.current);
    let keep = Some(live.cookie.as_str());
    match passwords::change(&state, &user.id, proof, &form.new, &form.confirm, ip, keep).await? {
        Ok(()) => Ok(see_other(&continue_url(&form.tx))),
        Err(refusal) => {
            let t = lang.tr(user.locale.as_deref(), None);
            let (status, errors) = refusal_messages_in(t, refusal);
            let policy = passwords::policy_for(&state, &user).await?;
            let page = PasswordPage {
                errors,
                ..account_page(t, &state, &live.data.csrf, &user, &policy, form.tx)
            };
            Ok(render(status, &page))
        }
    }
}

fn renewal_page(
    t: Tr,
    csrf: &str,
    user: &User,
    policy: &PasswordPolicy,
    pending: &PendingRenewal,
) -> PasswordPage {
    let lead = match pending.forced {
        true => "password.renew_forced",
        false => "password.renew_expired",
    };
    PasswordPage {
        t,
        title: t.get("password.renew_title"),
        lead: t.get(lead).into(),
        notice: None,
        errors: Vec::new(),
        requirements: requirements_in(t, policy),
        csrf: csrf.to_string(),
        action: "/login/new-password",
        // The transaction travels in the pending renewal, not in the form.
        tx: String::new(),
        ask_current: false,
        email: user.email.clone(),
        skip: None,
    }
}

/// The pending renewal of this browser and its user; `None` when it expired or never was.
async fn pending_of(
    state: &AppState,
    live: &LiveSession,
) -> Result<Option<(PendingRenewal, User)>, PageError> {
    let Some(pending) = passwords::load_renewal(state, &live.cookie).await? else {
        return Ok(None);
    };
    let user = poort_store::users::find_by_id(&state.db, &pending.user_id)
        .await
        .map_err(FlowError::from)?;
    Ok(user.map(|user| (pending, user)))
}

pub async fn renewal_show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
) -> Result<Response, PageError> {
    let Some(live) = session.0 else {
        return Ok(see_other("/login"));
    };
    let Some((pending, user)) = pending_of(&state, &live).await? else {
        return Ok(see_other("/login"));
    };
    let policy = passwords::policy_for(&state, &user).await?;
    let page = renewal_page(
        lang.tr(user.locale.as_deref(), None),
        &live.data.csrf,
        &user,
        &policy,
        &pending,
    );
    Ok(render(StatusCode::OK, &page))
}

pub async fn renewal_submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    axum::Form(form): axum::Form<PasswordForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let Some((pending, user)) = pending_of(&state, &live).await? else {
        // The step timed out: sign in again (the password was not changed).
        return Ok(see_other("/login"));
    };
    let proof = Proof::JustLoggedIn;
    match passwords::change(&state, &user.id, proof, &form.new, &form.confirm, ip, None).await? {
        Ok(()) => {
            passwords::end_renewal(&state, &live.cookie).await?;
            let fresh = sign_in(&state, Some(&live), user.id, pending.amr).await?;
            let mut response = see_other(&continue_url(&pending.tx));
            set_cookie(&state, &mut response, &fresh);
            Ok(response)
        }
        Err(refusal) => {
            let t = lang.tr(user.locale.as_deref(), None);
            let (status, errors) = refusal_messages_in(t, refusal);
            let policy = passwords::policy_for(&state, &user).await?;
            let page = PasswordPage {
                errors,
                ..renewal_page(t, &live.data.csrf, &user, &policy, &pending)
            };
            Ok(render(status, &page))
        }
    }
}

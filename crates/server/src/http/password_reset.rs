//! `/password/forgot` (ask for a link) and `/password/reset` (the mailed link's form).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::PageError;
use super::forms::PageForm;
use super::locale::RequestLang;
use super::render;
use super::session::{BrowserSession, set_cookie};
use crate::flows::password_reset::{self, LinkRefusal, RequestOutcome, ResetRefusal};
use crate::flows::passwords::{self, ChangeRefusal};
use crate::i18n::Tr;
use crate::pages::password::{describe_in, requirements_in};
use crate::pages::reset::{ForgotPasswordPage, NoticePage, ResetPasswordPage};
use crate::state::SharedState;

pub fn routes() -> axum::Router<SharedState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/password/forgot", get(forgot_show).post(forgot_submit))
        .route("/password/reset", get(reset_show).post(reset_submit))
}

pub async fn forgot_show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
) -> Result<Response, PageError> {
    let (live, created) = session.or_create(&state).await?;
    let page = ForgotPasswordPage {
        t: lang.tr(None, None),
        csrf: live.data.csrf.clone(),
        email: String::new(),
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
pub struct ForgotForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
}

pub async fn forgot_submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<ForgotForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let t = lang.tr(None, None);
    match password_reset::request(&state, &form.email, ip, t.locale).await? {
        RequestOutcome::Accepted => {
            let minutes = ((state.config.mail.reset_link_ttl_secs + 59) / 60).to_string();
            let page = NoticePage {
                t,
                title: t.get("forgot.sent_title").into(),
                message: t.fmt("forgot.sent_lead", &[("minutes", &minutes)]),
                link: Some(back_to_sign_in(t)),
            };
            Ok(render(StatusCode::OK, &page))
        }
        RequestOutcome::TooMany => {
            let page = ForgotPasswordPage {
                t,
                csrf: live.data.csrf.clone(),
                email: form.email,
                error: Some(t.get("forgot.too_many").into()),
            };
            Ok(render(StatusCode::TOO_MANY_REQUESTS, &page))
        }
    }
}

fn back_to_sign_in(t: Tr) -> (String, String) {
    (t.get("common.back_to_sign_in").into(), "/login".into())
}

/// The clear page for a link that does not work, with the way to a new one.
fn refused(t: Tr, refusal: LinkRefusal) -> Response {
    let message = match refusal {
        LinkRefusal::Invalid => "reset.link_invalid",
        LinkRefusal::Expired => "reset.link_expired",
        LinkRefusal::Used => "reset.link_used",
    };
    let page = NoticePage {
        t,
        title: t.get("reset.link_invalid_title").into(),
        message: t.get(message).into(),
        link: Some((t.get("login.forgot").into(), "/password/forgot".into())),
    };
    render(StatusCode::BAD_REQUEST, &page)
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn reset_show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let t = lang.tr(None, None);
    let valid = match password_reset::check_link(&state, &q.token).await? {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refused(t, refusal)),
    };
    let (live, created) = session.or_create(&state).await?;
    let policy = passwords::policy_for(&state, &valid.user).await?;
    let page = ResetPasswordPage {
        t,
        csrf: live.data.csrf.clone(),
        lead: t.fmt("reset.lead", &[("email", &valid.user.email)]),
        requirements: requirements_in(t, &policy),
        email: valid.user.email,
        token: q.token,
        errors: Vec::new(),
    };
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct ResetForm {
    csrf: Option<String>,
    #[serde(default)]
    token: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn reset_submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<ResetForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let t = lang.tr(None, None);
    let outcome =
        password_reset::reset(&state, &form.token, &form.new, &form.confirm, t.locale, ip).await?;
    let refusal = match outcome {
        Ok(_) => {
            let page = NoticePage {
                t,
                title: t.get("reset.done_title").into(),
                message: t.get("reset.done_lead").into(),
                link: Some((t.get("login.submit").into(), "/login".into())),
            };
            return Ok(render(StatusCode::OK, &page));
        }
        Err(ResetRefusal::Link(refusal)) => return Ok(refused(t, refusal)),
        Err(ResetRefusal::Password(refusal)) => refusal,
    };
    // The link still works (a refused password does not use it): show the form again.
    let valid = match password_reset::check_link(&state, &form.token).await? {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refused(t, refusal)),
    };
    let (status, errors) = refusal_messages_in(t, refusal);
    let policy = passwords::policy_for(&state, &valid.user).await?;
    let page = ResetPasswordPage {
        t,
        csrf: live.data.csrf.clone(),
        lead: t.fmt("reset.lead", &[("email", &valid.user.email)]),
        requirements: requirements_in(t, &policy),
        email: valid.user.email,
        token: form.token,
        errors,
    };
    Ok(render(status, &page))
}

/// Why a new password was refused, in the language of `t`: every failed rule.
pub fn refusal_messages_in(t: Tr, refusal: ChangeRefusal) -> (StatusCode, Vec<String>) {
    let one = |key: &'static str| vec![t.get(key).to_string()];
    match refusal {
        ChangeRefusal::WrongCurrent => (StatusCode::BAD_REQUEST, one("password.wrong_current")),
        ChangeRefusal::Locked => (StatusCode::TOO_MANY_REQUESTS, one("password.locked")),
        ChangeRefusal::Throttled => (StatusCode::TOO_MANY_REQUESTS, one("password.throttled")),
        ChangeRefusal::Mismatch => (StatusCode::BAD_REQUEST, one("password.mismatch")),
        ChangeRefusal::Rules(violations) => (
            StatusCode::BAD_REQUEST,
            violations.iter().map(|v| describe_in(t, v)).collect(),
        ),
        ChangeRefusal::Stale => (StatusCode::CONFLICT, one("password.stale")),
    }
}

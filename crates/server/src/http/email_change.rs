//! `/account/email` (signed in: the new address and the current password) and
//! `/account/email/confirm` (the link mailed to the new address: a confirmation button, so a
//! mail scanner fetching the link changes nothing).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use poort_store::entities::users::Model as User;
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::PageError;
use super::forms::PageForm;
use super::locale::RequestLang;
use super::session::{BrowserSession, set_cookie};
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::email_change::{self, LinkRefusal, RequestRefusal};
use crate::flows::session::LiveSession;
use crate::i18n::Tr;
use crate::pages::email_change::{AccountEmailPage, ConfirmEmailPage};
use crate::pages::reset::NoticePage;
use crate::state::{AppState, SharedState};

pub fn routes() -> axum::Router<SharedState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/account/email", get(show).post(submit))
        .route(
            "/account/email/confirm",
            get(confirm_show).post(confirm_submit),
        )
}

/// The signed-in, active user of this session.
async fn user_of(state: &AppState, live: &LiveSession) -> Result<Option<User>, PageError> {
    let Some(session_user) = &live.data.user else {
        return Ok(None);
    };
    let user = poort_store::users::find_by_id(&state.db, &session_user.user_id)
        .await
        .map_err(FlowError::from)?;
    Ok(user.filter(User::is_active))
}

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
) -> Result<Response, PageError> {
    let Some(live) = session.0 else {
        return Ok(see_other("/login"));
    };
    let Some(user) = user_of(&state, &live).await? else {
        return Ok(see_other("/login"));
    };
    let page = AccountEmailPage {
        t: lang.tr(user.locale.as_deref(), None),
        csrf: live.data.csrf.clone(),
        current: user.email,
        email: String::new(),
        error: None,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct EmailForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current: String,
}

fn refusal_message(t: Tr, refusal: &RequestRefusal) -> (StatusCode, String) {
    let one = |status, key: &str| (status, t.get(key).to_string());
    match refusal {
        RequestRefusal::WrongPassword => {
            one(StatusCode::BAD_REQUEST, "email_change.wrong_password")
        }
        RequestRefusal::Throttled => one(StatusCode::TOO_MANY_REQUESTS, "email_change.throttled"),
        RequestRefusal::BadEmail(refusal) if refusal.is_look_alike() => {
            one(StatusCode::BAD_REQUEST, "email_change.lookalike_email")
        }
        RequestRefusal::BadEmail(_) => one(StatusCode::BAD_REQUEST, "email_change.bad_email"),
        RequestRefusal::SameAddress => one(StatusCode::BAD_REQUEST, "email_change.same_address"),
        RequestRefusal::DomainNotAllowed(orgs) => (
            StatusCode::BAD_REQUEST,
            t.fmt1(
                "email_change.domain_not_allowed",
                "organisations",
                &orgs.join(", "),
            ),
        ),
        RequestRefusal::TooMany => one(StatusCode::TOO_MANY_REQUESTS, "email_change.too_many"),
    }
}

pub async fn submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    PageForm(form): PageForm<EmailForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let Some(user) = user_of(&state, &live).await? else {
        return Ok(see_other("/login"));
    };
    let t = lang.tr(user.locale.as_deref(), None);
    match email_change::request(&state, &user, &form.current, &form.email, t.locale).await? {
        Ok(()) => {
            let hours = email_change::link_hours(&state).to_string();
            let email = email_change::normalise(&form.email);
            let page = NoticePage {
                t,
                title: t.get("email_change.sent_title").into(),
                message: t.fmt(
                    "email_change.sent_lead",
                    &[("email", &email), ("hours", &hours)],
                ),
                link: Some((t.get("home.title").into(), "/".into())),
            };
            Ok(render(StatusCode::OK, &page))
        }
        Err(refusal) => {
            let (status, message) = refusal_message(t, &refusal);
            let page = AccountEmailPage {
                t,
                csrf: live.data.csrf.clone(),
                current: user.email,
                email: form.email,
                error: Some(message),
            };
            Ok(render(status, &page))
        }
    }
}

/// The clear page for a link that does not work.
fn refused(t: Tr, refusal: LinkRefusal) -> Response {
    let (status, message) = match refusal {
        LinkRefusal::Invalid => (StatusCode::BAD_REQUEST, "email_change.link_invalid"),
        LinkRefusal::Expired => (StatusCode::BAD_REQUEST, "email_change.link_expired"),
        LinkRefusal::Used => (StatusCode::BAD_REQUEST, "email_change.link_used"),
        LinkRefusal::Taken => (StatusCode::CONFLICT, "email_change.taken"),
    };
    let page = NoticePage {
        t,
        title: t.get("reset.link_invalid_title").into(),
        message: t.get(message).into(),
        link: Some((t.get("email_change.title").into(), "/account/email".into())),
    };
    render(status, &page)
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn confirm_show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let valid = match email_change::check_link(&state, &q.token).await? {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refused(lang.tr(None, None), refusal)),
    };
    let t = lang.tr(valid.user.locale.as_deref(), None);
    let (live, created) = session.or_create(&state).await?;
    let page = ConfirmEmailPage {
        t,
        csrf: live.data.csrf.clone(),
        token: q.token,
        email: valid.new_email,
    };
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: Option<String>,
    #[serde(default)]
    token: String,
}

pub async fn confirm_submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    session.with_csrf(form.csrf.as_deref())?;
    let t = lang.tr(None, None);
    match email_change::confirm(&state, &form.token, t.locale, ip).await? {
        Ok(user) => {
            let t = lang.tr(user.locale.as_deref(), None);
            let page = NoticePage {
                t,
                title: t.get("email_change.done_title").into(),
                message: t.fmt1("email_change.done_lead", "email", &user.email),
                link: Some((t.get("home.title").into(), "/".into())),
            };
            Ok(render(StatusCode::OK, &page))
        }
        Err(refusal) => Ok(refused(t, refusal)),
    }
}

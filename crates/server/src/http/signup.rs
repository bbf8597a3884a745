//! `/signup` (when enabled) and `/signup/verify` (the mailed link).

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
use crate::flows::signup::{self, SignupInput, SignupRefusal, VerifyRefusal};
use crate::i18n::Tr;
use crate::pages::password::{describe_in, requirements_in};
use crate::pages::reset::{NoticePage, SignupPage};
use crate::state::SharedState;

pub fn routes() -> axum::Router<SharedState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/signup", get(show).post(submit))
        .route("/signup/verify", get(verify))
}

/// The catalog key for a refused address: a look-alike is told so.
fn bad_email_key(refusal: poort_allowlist::EmailRefusal) -> &'static str {
    if refusal.is_look_alike() {
        "signup.lookalike_email"
    } else {
        "signup.bad_email"
    }
}

fn disabled() -> PageError {
    PageError::not_found()
}

fn page(state: &SharedState, t: Tr, csrf: String) -> SignupPage {
    SignupPage {
        t,
        csrf,
        email: String::new(),
        name: String::new(),
        errors: Vec::new(),
        requirements: requirements_in(t, &state.passwords.policy),
    }
}

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
) -> Result<Response, PageError> {
    if !signup::offered(&state).await? {
        return Err(disabled());
    }
    let (live, created) = session.or_create(&state).await?;
    let page = page(&state, lang.tr(None, None), live.data.csrf.clone());
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    lang.remember(&state, &mut response);
    Ok(response)
}

#[derive(Deserialize)]
pub struct SignupForm {
    csrf: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<SignupForm>,
) -> Result<Response, PageError> {
    if !signup::offered(&state).await? {
        return Err(disabled());
    }
    let live = session.with_csrf(form.csrf.as_deref())?;
    let t = lang.tr(None, None);
    let input = SignupInput {
        email: form.email.clone(),
        name: form.name.clone(),
        password: form.password,
        confirm: form.confirm,
    };
    let refusal = match signup::sign_up(&state, input, ip, t.locale).await? {
        Ok(()) => {
            let page = NoticePage {
                t,
                title: t.get("signup.sent_title").into(),
                message: t.get("signup.sent_lead").into(),
                link: Some((t.get("common.back_to_sign_in").into(), "/login".into())),
            };
            return Ok(render(StatusCode::OK, &page));
        }
        Err(refusal) => refusal,
    };
    let (status, errors) = match refusal {
        SignupRefusal::Disabled => return Err(disabled()),
        SignupRefusal::BadEmail(refusal) => (
            StatusCode::BAD_REQUEST,
            vec![t.get(bad_email_key(refusal)).into()],
        ),
        SignupRefusal::DomainNotAllowed => (
            StatusCode::FORBIDDEN,
            vec![t.get("signup.domain_not_allowed").into()],
        ),
        SignupRefusal::Mismatch => (
            StatusCode::BAD_REQUEST,
            vec![t.get("password.mismatch").into()],
        ),
        SignupRefusal::Rules(violations) => (
            StatusCode::BAD_REQUEST,
            violations.iter().map(|v| describe_in(t, v)).collect(),
        ),
        SignupRefusal::TooMany => (
            StatusCode::TOO_MANY_REQUESTS,
            vec![t.get("signup.too_many").into()],
        ),
    };
    let page = SignupPage {
        email: form.email,
        name: form.name,
        errors,
        ..page(&state, t, live.data.csrf.clone())
    };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn verify(
    State(state): State<SharedState>,
    lang: RequestLang,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let t = lang.tr(None, None);
    let (status, title, message) = match signup::verify(&state, &q.token).await? {
        Ok(_) => (
            StatusCode::OK,
            "signup.verified_title",
            "signup.verified_lead",
        ),
        Err(refusal) => (
            StatusCode::BAD_REQUEST,
            "reset.link_invalid_title",
            match refusal {
                VerifyRefusal::Invalid => "signup.link_invalid",
                VerifyRefusal::Expired => "signup.link_expired",
                VerifyRefusal::Used => "signup.link_used",
            },
        ),
    };
    let page = NoticePage {
        t,
        title: t.get(title).into(),
        message: t.get(message).into(),
        link: Some((t.get("login.submit").into(), "/login".into())),
    };
    Ok(render(status, &page))
}

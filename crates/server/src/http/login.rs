//! The login page and its form, and what follows a verified password (renewal, expiry
//! warning, or back into the authorization request).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use poort_policy::AgeStatus;
use poort_store::entities::users::Model as User;
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::PageError;
use super::forms::PageForm;
use super::session::{BrowserSession, set_cookie};
use super::{render, see_other};
use crate::flows::authorize;
use crate::flows::login::{self, LoginOutcome};
use crate::flows::orgs::login_policy::IpRefused;
use crate::flows::passwords::{self, PendingRenewal};
use crate::flows::session::{self, LiveSession, SessionUser, csrf_matches};
use crate::pages::LoginPage;
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct LoginQuery {
    tx: Option<String>,
}

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let tx = q.tx.unwrap_or_default();
    let pending = match tx.is_empty() {
        true => None,
        false => authorize::load_pending(&state, &tx).await?,
    };
    let (live, created) = session.or_create(&state).await?;
    let page = LoginPage {
        csrf: live.data.csrf.clone(),
        login: pending
            .as_ref()
            .and_then(|p| p.request.login_hint.clone())
            .unwrap_or_default(),
        client_name: pending.map(|p| p.client_name),
        tx,
        error: None,
    };
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    csrf: Option<String>,
    #[serde(default)]
    tx: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    State(state): State<SharedState>,
    session: BrowserSession,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let Some(live) = session.0 else {
        return Err(PageError::forbidden_csrf());
    };
    if !csrf_matches(&live.data, form.csrf.as_deref()) {
        return Err(PageError::forbidden_csrf());
    }
    let origin = login::Origin {
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    };
    let outcome = login::authenticate(&state, &form.login, &form.password, origin).await?;
    state
        .metrics
        .login(matches!(outcome, LoginOutcome::Success(_)));
    let (status, message) = match outcome {
        LoginOutcome::Success(user) => return after_password(&state, &live, user, &form.tx).await,
        LoginOutcome::Failed => (
            StatusCode::UNAUTHORIZED,
            "The email address or password is incorrect.".to_owned(),
        ),
        LoginOutcome::Locked => (
            StatusCode::TOO_MANY_REQUESTS,
            "This account is temporarily locked after too many failed sign-in attempts. \
             Try again later."
                .to_owned(),
        ),
        LoginOutcome::Throttled => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-in attempts from your network. Wait a few minutes and try again."
                .to_owned(),
        ),
        LoginOutcome::IpRefused(refused) => (StatusCode::FORBIDDEN, ip_refused_message(&refused)),
    };
    let client_name = match form.tx.is_empty() {
        true => None,
        false => authorize::load_pending(&state, &form.tx)
            .await?
            .map(|p| p.client_name),
    };
    let page = LoginPage {
        csrf: live.data.csrf.clone(),
        tx: form.tx,
        login: form.login,
        error: Some(message),
        client_name,
    };
    Ok(render(status, &page))
}

/// What a login refused by an organisation's IP allowlist is told.
pub(super) fn ip_refused_message(refused: &IpRefused) -> String {
    format!(
        "Signing in from your network address is not allowed by {}. Connect from an allowed \
         network, or ask the organisation's administrator.",
        refused.organisations.join(", ")
    )
}

/// The password was right. An expired or admin-forced password must be replaced first (the
/// browser is not signed in until then); a password expiring soon gets the warning page with a
/// "not now" link; otherwise the authorization request continues.
async fn after_password(
    state: &SharedState,
    live: &LiveSession,
    user: User,
    tx: &str,
) -> Result<Response, PageError> {
    // A second factor (or 2FA enrollment) comes before anything else: no later step may sign
    // the user in on the password alone.
    if let Some(response) = super::mfa::after_password(state, live, &user, tx).await? {
        return Ok(response);
    }
    let status = passwords::age_status(state, &user);
    if status == AgeStatus::Expired {
        let pending = PendingRenewal {
            user_id: user.id,
            tx: tx.to_string(),
            forced: user.force_password_change,
        };
        // The renewal gets a new (still anonymous) session: a cookie planted in the browser
        // before the login (session fixation) must not be able to finish it.
        session::destroy(state, &live.cookie).await?;
        let fresh = session::create(state).await?;
        passwords::start_renewal(state, &fresh.cookie, &pending).await?;
        let mut response = see_other("/login/new-password");
        set_cookie(state, &mut response, &fresh);
        return Ok(response);
    }
    let fresh = sign_in(state, Some(live), user.id).await?;
    let target = match status {
        AgeStatus::Warn { .. } => format!("/account/password?tx={}", urlencode(tx)),
        _ => continue_url(tx),
    };
    let mut response = see_other(&target);
    set_cookie(state, &mut response, &fresh);
    Ok(response)
}

/// Starts a signed-in session (a new session id and CSRF token) for a verified password.
pub(super) async fn sign_in(
    state: &SharedState,
    old: Option<&LiveSession>,
    user_id: String,
) -> Result<LiveSession, PageError> {
    let session_user = SessionUser {
        user_id,
        auth_time: state.now(),
        amr: vec!["pwd".into()],
        sid: poort_store::new_id(),
    };
    Ok(session::establish(state, old, session_user).await?)
}

/// Where the browser goes once signed in: back into the authorization request, or home.
pub(super) fn continue_url(tx: &str) -> String {
    match tx.is_empty() {
        true => "/".to_string(),
        false => format!("/authorize/resume?tx={}", urlencode(tx)),
    }
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

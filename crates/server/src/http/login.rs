//! The login page and its form, and what follows a verified proof: the journey's step
//! (`flows::login::journey::next_step`) mapped to its page (second step, enrolment,
//! renewal, expiry warning, or back into the authorization request).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use poort_policy::PasswordPolicy;
use poort_store::entities::users::Model as User;
use poort_store::mfa_factors;
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::PageError;
use super::forms::PageForm;
use super::locale::RequestLang;
use super::session::{BrowserSession, set_cookie};
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::login::interaction;
use crate::flows::login::journey::{Facts, Proved, Step, next_step};
use crate::flows::login::{self, LoginOutcome};
use crate::flows::mfa::enforcement;
use crate::flows::mfa::pending::{self, SecondStep};
use crate::flows::orgs::login_policy::IpRefused;
use crate::flows::orgs::member_policy::EffectivePolicy;
use crate::flows::passwords::{self, PendingRenewal};
use crate::flows::session::{self, LiveSession, SessionUser};
use crate::flows::signup;
use crate::i18n::Locale;
use crate::pages::LoginPage;
use crate::state::SharedState;

#[derive(Deserialize)]
pub struct LoginQuery {
    tx: Option<String>,
}

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let tx = q.tx.unwrap_or_default();
    let pending = interaction::load(&state, &tx).await?;
    let (live, created) = session.or_create(&state).await?;
    let t = lang.tr(None, pending.as_ref().and_then(|p| p.ui_locales.as_deref()));
    let page = LoginPage {
        t,
        languages: languages(&tx),
        signup: state.config.mail.signup_enabled,
        csrf: live.data.csrf.clone(),
        login: pending
            .as_ref()
            .and_then(|p| p.login_hint.clone())
            .unwrap_or_default(),
        client_name: pending.map(|p| p.client_name),
        tx,
        error: None,
    };
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    lang.remember(&state, &mut response);
    Ok(response)
}

/// A language chosen with the switcher becomes the user's saved preference (pages and mails).
async fn remember_language(
    state: &SharedState,
    user: &User,
    lang: &RequestLang,
) -> Result<(), PageError> {
    let Some(chosen) = lang.explicit() else {
        return Ok(());
    };
    if user.locale.as_deref() != Some(chosen.code()) {
        poort_store::users::set_locale(&state.db, &user.id, Some(chosen.code()), state.now())
            .await
            .map_err(crate::flows::FlowError::from)?;
    }
    Ok(())
}

/// The language switcher's links: this login page (and its request) in each language.
fn languages(tx: &str) -> Vec<(&'static str, &'static str, String)> {
    Locale::ALL
        .iter()
        .map(|l| {
            let url = match tx.is_empty() {
                true => format!("/login?lang={}", l.code()),
                false => format!("/login?tx={}&lang={}", urlencode(tx), l.code()),
            };
            (l.code(), l.native_name(), url)
        })
        .collect()
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
    lang: RequestLang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let origin = login::Origin {
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    };
    let outcome = login::authenticate(&state, &form.login, &form.password, origin).await?;
    state
        .metrics
        .login(matches!(outcome, LoginOutcome::Success(..)));
    let (status, message, organisations) = match outcome {
        // A self-service account signs in once its address is confirmed.
        LoginOutcome::Success(user, _)
            if !user.email_verified && signup::awaiting_verification(&state, &user.id).await? =>
        {
            (StatusCode::FORBIDDEN, "login.unverified", None)
        }
        LoginOutcome::Success(user, policy) => {
            remember_language(&state, &user, &lang).await?;
            return after_password(&state, &live, *user, &policy, &form.tx).await;
        }
        LoginOutcome::Failed => (StatusCode::UNAUTHORIZED, "login.failed", None),
        LoginOutcome::Locked => (StatusCode::TOO_MANY_REQUESTS, "login.locked", None),
        LoginOutcome::Throttled => (StatusCode::TOO_MANY_REQUESTS, "login.throttled", None),
        LoginOutcome::IpRefused(refused) => (
            StatusCode::FORBIDDEN,
            "login.ip_refused",
            Some(refused.organisations.join(", ")),
        ),
    };
    let pending = interaction::load(&state, &form.tx).await?;
    let t = lang.tr(None, pending.as_ref().and_then(|p| p.ui_locales.as_deref()));
    let client_name = pending.map(|p| p.client_name);
    let message = match organisations {
        Some(names) => t.fmt1(message, "organisations", &names),
        None => t.get(message).to_owned(),
    };
    let page = LoginPage {
        t,
        languages: languages(&form.tx),
        signup: state.config.mail.signup_enabled,
        csrf: live.data.csrf.clone(),
        tx: form.tx,
        login: form.login,
        error: Some(message),
        client_name,
    };
    Ok(render(status, &page))
}

/// What a passkey login refused by an organisation's IP allowlist is told: the catalog's
/// `login.ip_refused`, as the login form says it, rendered in the request's language.
pub(super) fn ip_refused_message(refused: &IpRefused) -> super::error::Text {
    super::error::PageError::with_arg(
        "login.ip_refused",
        "organisations",
        refused.organisations.join(", "),
    )
}

/// The password was right: the journey decides (`flows::login::journey`) from the account's
/// factors, what its organisations require (the login's one lookup, `policy`) and the
/// password's age.
async fn after_password(
    state: &SharedState,
    live: &LiveSession,
    user: User,
    policy: &EffectivePolicy,
    tx: &str,
) -> Result<Response, PageError> {
    let factors = mfa_factors::count_for_user(&state.db, &user.id)
        .await
        .map_err(FlowError::from)?;
    let facts = Facts {
        factors,
        two_factors_required: enforcement::required_with(state, policy),
        age: passwords::age_status(state, &user, &policy.password),
    };
    let amr = vec!["pwd".to_owned()];
    let step = next_step(Proved::Password, &facts);
    to_step(state, live, &user, amr, step, tx).await
}

/// Everything the login required is proved (`amr`): the password's age under `policy` (the
/// user's effective password policy) decides between renewal, the expiry warning and the
/// authorization request.
pub(super) async fn continue_after_proof(
    state: &SharedState,
    live: &LiveSession,
    user: &User,
    policy: &PasswordPolicy,
    amr: Vec<String>,
    tx: &str,
) -> Result<Response, PageError> {
    let facts = Facts {
        factors: 0,
        two_factors_required: false,
        age: passwords::age_status(state, user, policy),
    };
    let step = next_step(Proved::AllFactors, &facts);
    to_step(state, live, user, amr, step, tx).await
}

/// The page of each step of the journey.
async fn to_step(
    state: &SharedState,
    live: &LiveSession,
    user: &User,
    amr: Vec<String>,
    step: Step,
    tx: &str,
) -> Result<Response, PageError> {
    let tx_query = match tx.is_empty() {
        true => String::new(),
        false => format!("?tx={}", urlencode(tx)),
    };
    match step {
        Step::SecondFactor => {
            let step = SecondStep {
                user_id: user.id.clone(),
                amr,
                sid: None,
            };
            pending::begin(state, &live.cookie, &step).await?;
            Ok(see_other(&format!("/login/mfa{tx_query}")))
        }
        Step::Renew => {
            let pending = PendingRenewal {
                user_id: user.id.clone(),
                tx: tx.to_string(),
                forced: user.force_password_change,
                amr,
            };
            // The renewal gets a new (still anonymous) session: a cookie planted in the
            // browser before the login (session fixation) must not be able to finish it.
            session::destroy(state, &live.cookie).await?;
            let fresh = session::create(state).await?;
            passwords::start_renewal(state, &fresh.cookie, &pending).await?;
            let mut response = see_other("/login/new-password");
            set_cookie(state, &mut response, &fresh);
            Ok(response)
        }
        Step::Enrol | Step::Warn { .. } | Step::SignedIn => {
            let fresh = sign_in(state, Some(live), user.id.clone(), amr).await?;
            let target = match step {
                // Signed in with the password, every client out of reach until enrolment.
                Step::Enrol => format!("/account/mfa/required{tx_query}"),
                Step::Warn { .. } => format!("/account/password?tx={}", urlencode(tx)),
                _ => continue_url(tx),
            };
            let mut response = see_other(&target);
            set_cookie(state, &mut response, &fresh);
            Ok(response)
        }
    }
}

/// Starts a signed-in session (a new session id and CSRF token) for what the login proved.
pub(super) async fn sign_in(
    state: &SharedState,
    old: Option<&LiveSession>,
    user_id: String,
    amr: Vec<String>,
) -> Result<LiveSession, PageError> {
    let session_user = SessionUser {
        user_id,
        auth_time: state.now(),
        amr,
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

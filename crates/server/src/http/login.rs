//! The login page and its form.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::error::PageError;
use super::session::{BrowserSession, set_cookie};
use super::{render, see_other};
use crate::flows::authorize;
use crate::flows::login::{self, LoginOutcome};
use crate::flows::session::{self, SessionUser, csrf_matches};
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
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, PageError> {
    let Some(live) = session.0 else {
        return Err(PageError::forbidden_csrf());
    };
    if !csrf_matches(&live.data, form.csrf.as_deref()) {
        return Err(PageError::forbidden_csrf());
    }
    match login::authenticate(&state, &form.login, &form.password).await? {
        LoginOutcome::Failed => {
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
                error: Some("The email address or password is incorrect.".into()),
                client_name,
            };
            Ok(render(StatusCode::UNAUTHORIZED, &page))
        }
        LoginOutcome::Success(user) => {
            if let Some(response) =
                super::mfa::after_password(&state, &live, &user, &form.tx).await?
            {
                return Ok(response);
            }
            let session_user = SessionUser {
                user_id: user.id,
                auth_time: state.now(),
                amr: vec!["pwd".into()],
                sid: poort_store::new_id(),
            };
            let fresh = session::establish(&state, Some(&live), session_user).await?;
            let target = match form.tx.is_empty() {
                true => "/".to_string(),
                false => format!("/authorize/resume?tx={}", urlencode(&form.tx)),
            };
            let mut response = see_other(&target);
            set_cookie(&state, &mut response, &fresh);
            Ok(response)
        }
    }
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

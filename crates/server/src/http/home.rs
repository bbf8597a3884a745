//! Poort's own front page: who is signed in, and a sign-out button.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::error::PageError;
use super::forms::PageForm;
use super::locale::RequestLang;
use super::session::{BrowserSession, clear_cookie, set_cookie};
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::session::{self, csrf_matches};
use crate::pages::HomePage;
use crate::state::SharedState;

pub async fn home(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
) -> Result<Response, PageError> {
    let (live, created) = session.or_create(&state).await?;
    let user = match &live.data.user {
        Some(u) => poort_store::users::find_by_id(&state.db, &u.user_id)
            .await
            .map_err(FlowError::from)?,
        None => None,
    };
    let t = lang.tr(user.as_ref().and_then(|u| u.locale.as_deref()), None);
    let password_notice = match &user {
        Some(u) => {
            let policy = crate::flows::passwords::policy_for(&state, u).await?;
            super::password::expiry_notice_in(t, &state, u, &policy)
        }
        None => None,
    };
    let page = HomePage {
        t,
        csrf: live.data.csrf.clone(),
        user_email: user.as_ref().map(|u| u.email.clone()),
        password_notice,
        user_name: user.and_then(|u| u.name),
    };
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(
    State(state): State<SharedState>,
    session: BrowserSession,
    PageForm(form): PageForm<CsrfForm>,
) -> Result<Response, PageError> {
    let Some(live) = session.0 else {
        return Ok(see_other("/"));
    };
    if !csrf_matches(&live.data, form.csrf.as_deref()) {
        return Err(PageError::forbidden_csrf());
    }
    session::end(&state, &live.cookie, live.data.user.as_ref()).await?;
    let mut response = see_other("/");
    clear_cookie(&state, &mut response);
    Ok(response)
}

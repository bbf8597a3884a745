//! `/invite/{token}`: the invitation link. GET shows the organisation and a Join button to a
//! signed-in user; POST (CSRF-checked) joins.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::client_ip::ClientIp;
use super::error::PageError;
use super::forms::PageForm;
use super::locale::RequestLang;
use super::session::{BrowserSession, set_cookie};
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::orgs::Actor;
use crate::flows::orgs::invitations::{self, JoinError};
use crate::pages::orgs::InvitePage;
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new().route("/invite/{token}", get(show).post(join))
}

fn not_open() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "error.invitation_title",
        "error.invitation_not_open",
    )
}

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let Some((invitation, org)) = invitations::open(&state.db, &token, state.now()).await? else {
        return Err(not_open());
    };
    let (live, created) = session.or_create(&state).await?;
    let user = match &live.data.user {
        Some(u) => poort_store::users::find_by_id(&state.db, &u.user_id)
            .await
            .map_err(FlowError::from)?,
        None => None,
    };
    let t = lang.tr(user.as_ref().and_then(|u| u.locale.as_deref()), None);
    let user_email = user.map(|u| u.email);
    let page = InvitePage {
        t,
        csrf: live.data.csrf.clone(),
        token,
        org_name: org.name,
        invited_email: invitation.email,
        user_email,
    };
    let mut response = render(StatusCode::OK, &page);
    if created {
        set_cookie(&state, &mut response, &live);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct JoinForm {
    csrf: Option<String>,
}

pub async fn join(
    State(state): State<SharedState>,
    session: BrowserSession,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(token): Path<String>,
    PageForm(form): PageForm<JoinForm>,
) -> Result<Response, PageError> {
    let live = session.with_csrf(form.csrf.as_deref())?;
    let Some(signed_in) = &live.data.user else {
        return Ok(see_other("/login"));
    };
    let Some(user) = poort_store::users::find_by_id(&state.db, &signed_in.user_id)
        .await
        .map_err(FlowError::from)?
    else {
        return Ok(see_other("/login"));
    };
    let actor = Actor {
        user_id: Some(user.id.clone()),
        ip,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        staff: false,
    };
    match invitations::join(&state.db, state.now(), &actor, &token, &user).await? {
        Ok(_) => Ok(see_other("/")),
        Err(JoinError::NotOpen) => Err(not_open()),
        Err(e) => Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error.join_title",
            match e {
                JoinError::NotOpen => "error.invitation_not_open",
                JoinError::WrongAccount => "error.join_wrong_account",
                JoinError::EmailDomainNotAllowed => "error.join_domain_not_allowed",
                JoinError::AlreadyMember => "error.join_already_member",
            },
        )),
    }
}

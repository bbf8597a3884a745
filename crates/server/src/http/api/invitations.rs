//! `POST /api/v1/orgs/{org}/invitations`: invite an email address (`members.write`); the
//! answer carries the single-use link until email delivery sends it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::caller::{ADMIN_WRITE, ApiCaller};
use super::problem::ApiProblem;
use super::{actor, guard, json, parse_body};
use crate::flows::orgs::Permission;
use crate::flows::orgs::invitations::{self, DEFAULT_DAYS};
use crate::flows::orgs::manage::Authority;
use crate::state::SharedState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    email: String,
    #[serde(default)]
    roles: Vec<String>,
    days: Option<u32>,
}

pub async fn create(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::MembersWrite,
    )
    .await?;
    let input: Invite = parse_body(&body)?;
    let org = membership.org.clone();
    let created = invitations::create(
        &state.db,
        state.now(),
        state.issuer(),
        &actor(&caller, &membership),
        &Authority::Member(Box::new(membership)),
        &org,
        &input.email,
        input.roles,
        input.days.unwrap_or(DEFAULT_DAYS),
    )
    .await??;
    let body = json!({
        "email": created.invitation.email,
        "roles": created.invitation.roles,
        "expires_at": created.invitation.expires_at,
        "link": created.link,
    });
    Ok((StatusCode::CREATED, json(body)).into_response())
}

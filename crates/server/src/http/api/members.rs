//! `/api/v1/orgs/{org}/members`: list, add, change roles, remove.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::caller::{ADMIN_READ, ADMIN_WRITE, ApiCaller};
use super::problem::ApiProblem;
use super::{actor, guard, json, parse_body};
use crate::flows::orgs::Permission;
use crate::flows::orgs::manage::{self, Authority};
use crate::state::SharedState;

pub async fn list(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_READ,
        &org_id,
        Permission::MembersRead,
    )
    .await?;
    let members = poort_store::orgs::members(&state.db, &membership.org.id)
        .await
        .map_err(crate::flows::FlowError::from)?;
    let list: Vec<_> = members
        .iter()
        .map(|(member, user)| {
            json!({
                "user_id": user.id, "email": user.email, "name": user.name,
                "roles": member.roles, "since": member.created_at,
            })
        })
        .collect();
    Ok(json(json!({ "members": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    email: String,
    #[serde(default)]
    roles: Vec<String>,
}

pub async fn add(
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
    let input: AddMember = parse_body(&body)?;
    let org = membership.org.clone();
    let (member, user) = manage::add_member(
        &state.db,
        state.now(),
        &actor(&caller, &membership),
        &Authority::Member(Box::new(membership)),
        &org,
        &input.email,
        input.roles,
    )
    .await??;
    let body = json!({ "user_id": user.id, "email": user.email, "roles": member.roles });
    Ok((StatusCode::CREATED, json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetRoles {
    roles: Vec<String>,
}

pub async fn set_roles(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, user_id)): Path<(String, String)>,
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
    let input: SetRoles = parse_body(&body)?;
    let org = membership.org.clone();
    let member = manage::set_roles(
        &state.db,
        state.now(),
        &actor(&caller, &membership),
        &Authority::Member(Box::new(membership)),
        &org,
        &user_id,
        input.roles,
    )
    .await??;
    Ok(json(
        json!({ "user_id": member.user_id, "roles": member.roles }),
    ))
}

pub async fn remove(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, user_id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::MembersWrite,
    )
    .await?;
    let org = membership.org.clone();
    manage::remove_member_and_tokens(
        &state,
        &actor(&caller, &membership),
        &Authority::Member(Box::new(membership)),
        &org,
        &user_id,
    )
    .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

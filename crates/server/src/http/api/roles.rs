//! `/api/v1/orgs/{org}/roles`: the built-in and custom roles; create and delete custom ones.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::caller::{ADMIN_READ, ADMIN_WRITE, ApiCaller};
use super::problem::ApiProblem;
use super::{actor, guard, json, parse_body};
use crate::flows::orgs::access::custom_roles;
use crate::flows::orgs::manage::{self, Authority};
use crate::flows::orgs::{BuiltinRole, Permission};
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
    let builtin: Vec<_> = BuiltinRole::ALL
        .iter()
        .map(|role| {
            let permissions: Vec<&str> = role.permissions().iter().map(|p| p.as_str()).collect();
            json!({ "name": role.as_str(), "builtin": true, "permissions": permissions })
        })
        .collect();
    let custom: Vec<_> = custom_roles(&state.db, &membership.org.id)
        .await?
        .iter()
        .map(|role| {
            let permissions: Vec<&str> = role.permissions.iter().map(|p| p.as_str()).collect();
            json!({ "name": role.name, "builtin": false, "permissions": permissions })
        })
        .collect();
    let roles = [builtin, custom].concat();
    Ok(json(json!({ "roles": roles })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    name: String,
    permissions: Vec<String>,
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
        Permission::RolesWrite,
    )
    .await?;
    let input: CreateRole = parse_body(&body)?;
    let org = membership.org.clone();
    let role = manage::create_role(
        &state.db,
        state.now(),
        &actor(&caller, &membership),
        &Authority::Member(Box::new(membership)),
        &org,
        &input.name,
        input.permissions,
    )
    .await??;
    let body = json!({ "name": role.name, "builtin": false, "permissions": role.permissions });
    Ok((StatusCode::CREATED, json(body)).into_response())
}

pub async fn delete(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, name)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::RolesWrite,
    )
    .await?;
    let org = membership.org.clone();
    manage::delete_role(
        &state.db,
        state.now(),
        &actor(&caller, &membership),
        &Authority::Member(Box::new(membership)),
        &org,
        &name,
    )
    .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

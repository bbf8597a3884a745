//! `/api/v1/orgs`: the organisations the caller can see (all of them for a platform
//! administrator), creating one (platform administrators only), and `GET /api/v1/orgs/{org}`:
//! one organisation and what the caller may do in it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use poort_store::{orgs, platform_admins};
use serde::Deserialize;
use serde_json::json;

use super::caller::{ADMIN_READ, ADMIN_WRITE, ApiCaller};
use super::problem::ApiProblem;
use super::{json, parse_body};
use crate::flows::FlowError;
use crate::flows::gate;
use crate::flows::orgs::Actor;
use crate::flows::orgs::manage::{self, OrgError};
use crate::state::SharedState;

pub async fn show(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
) -> Result<Response, ApiProblem> {
    caller.require_scope(ADMIN_READ)?;
    let membership = gate::may(&state, &caller.0, None, &org_id).await??;
    let permissions: Vec<&str> = match membership.platform_admin {
        true => crate::flows::orgs::Permission::ALL
            .iter()
            .map(|p| p.as_str())
            .collect(),
        false => membership.permissions.iter().map(|p| p.as_str()).collect(),
    };
    Ok(json(json!({
        "id": membership.org.id,
        "name": membership.org.name,
        "created_at": membership.org.created_at,
        "your_roles": membership.roles,
        "your_permissions": permissions,
        "support_staff": membership.staff,
    })))
}

pub async fn list(
    State(state): State<SharedState>,
    caller: ApiCaller,
) -> Result<Response, ApiProblem> {
    caller.require_scope(ADMIN_READ)?;
    let visible = match platform_admins::is_admin(&state.db, caller.user_id())
        .await
        .map_err(FlowError::from)?
    {
        true => orgs::list(&state.db).await.map_err(FlowError::from)?,
        false => orgs::memberships_of(&state.db, caller.user_id())
            .await
            .map_err(FlowError::from)?
            .into_iter()
            .map(|(org, _)| org)
            .collect(),
    };
    let list: Vec<_> = visible
        .iter()
        .filter(|org| caller.0.bound_org().is_none_or(|bound| bound == org.id))
        .map(|org| json!({ "id": org.id, "name": org.name, "created_at": org.created_at }))
        .collect();
    Ok(json(json!({ "organisations": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrgBody {
    name: String,
    /// Email of an existing user who becomes its first owner.
    #[serde(default)]
    owner: Option<String>,
}

pub async fn create(
    State(state): State<SharedState>,
    caller: ApiCaller,
    body: Bytes,
) -> Result<Response, ApiProblem> {
    caller.require_scope(ADMIN_WRITE)?;
    if !gate::may_administer_platform(&state, &caller.0).await? {
        return Err(ApiProblem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only platform administrators create organisations",
        ));
    }
    let body: NewOrgBody = parse_body(&body)?;
    let owner = match &body.owner {
        Some(email) => Some(
            poort_store::users::find_by_login(&state.db, email)
                .await
                .map_err(FlowError::from)?
                .ok_or(OrgError::NoSuchUser)?,
        ),
        None => None,
    };
    let org = manage::create_org(
        &state.db,
        state.now(),
        &Actor {
            user_id: Some(caller.user_id().to_owned()),
            ip: caller.0.seen.ip,
            user_agent: caller.0.seen.user_agent.clone(),
            staff: false,
        },
        &body.name,
        owner.as_ref(),
    )
    .await??;
    let answer = json!({
        "id": org.id, "name": org.name, "created_at": org.created_at,
        "owner": owner.map(|o| o.id),
    });
    Ok((StatusCode::CREATED, json(answer)).into_response())
}

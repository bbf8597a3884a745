//! `GET /api/v1/orgs/{org}`: the organisation and what the caller may do in it.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use super::caller::{ADMIN_READ, ApiCaller};
use super::json;
use super::problem::ApiProblem;
use crate::flows::orgs::access;
use crate::state::SharedState;

pub async fn show(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
) -> Result<Response, ApiProblem> {
    caller.require_scope(ADMIN_READ)?;
    let membership =
        access::require_member_seen(&state, &caller.user_id, &org_id, &caller.seen).await??;
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

//! `/api/v1/orgs/{org}/settings`: read, and replace as a whole (`security.write`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::caller::{ADMIN_READ, ADMIN_WRITE, ApiCaller};
use super::problem::ApiProblem;
use super::{actor, guard, json, parse_body};
use crate::flows::orgs::manage::{self, Authority};
use crate::flows::orgs::{OrgSettings, Permission};
use crate::state::SharedState;

pub async fn show(
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
    let settings = OrgSettings::from_stored(&membership.org.settings)?;
    Ok(json(settings.to_json()))
}

pub async fn replace(
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
        Permission::SecurityWrite,
    )
    .await?;
    let document: serde_json::Value = parse_body(&body)?;
    let settings =
        OrgSettings::from_json(document).map_err(|e| ApiProblem::invalid_request(e.0))?;
    let org = membership.org.clone();
    let stored = manage::update_settings(
        &state.db,
        state.now(),
        &actor(&caller, &membership),
        &Authority::Member(Box::new(membership)),
        &org,
        settings,
    )
    .await??;
    Ok(json(stored.to_json()))
}

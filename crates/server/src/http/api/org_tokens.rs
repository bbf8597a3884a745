//! `/api/v1/orgs/{org}/tokens`: the personal API tokens minted for the organisation, for its
//! admins with `tokens.read` (list) and `tokens.revoke` (revoke, on every node at once).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;

use super::caller::{ApiCaller, TOKENS_READ, TOKENS_WRITE};
use super::problem::ApiProblem;
use super::{guard, json};
use crate::flows::api_tokens;
use crate::flows::orgs::Permission;
use crate::state::SharedState;
use poort_store::api_tokens::RevokeScope;

pub async fn list(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        TOKENS_READ,
        &org_id,
        Permission::TokensRead,
    )
    .await?;
    let tokens = api_tokens::list_for_org(&state, &membership.org.id).await?;
    Ok(json(json!({ "tokens": tokens })))
}

pub async fn revoke(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, token_id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        TOKENS_WRITE,
        &org_id,
        Permission::TokensRevoke,
    )
    .await?;
    // Scoped to the organisation: another organisation's token id is a 404 like a missing one.
    let scope = RevokeScope::Org(&membership.org.id);
    let by = super::actor(&caller, &membership);
    match api_tokens::revoke_by(&state, &token_id, scope, Some(&by)).await? {
        Some(token) => Ok(json(json!({ "token": token }))),
        None => Err(ApiProblem::not_found()),
    }
}

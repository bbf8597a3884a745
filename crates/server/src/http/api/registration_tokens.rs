//! `/api/v1/orgs/{org}/registration_tokens`: initial access tokens for dynamic client
//! registration (RFC 7591 §3) that an organisation's admins with `clients.write` hand to
//! developers; clients registered with one belong to the organisation. The token is in the
//! creation's answer, once.

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
use crate::flows::registration::initial_tokens::{self, MintRequest};
use crate::state::SharedState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRegistrationToken {
    /// Seconds until it expires (default and most: `[registration]
    /// initial_token_max_lifetime_secs`).
    #[serde(default)]
    lifetime_secs: Option<i64>,
    /// How many clients it may register (default 1).
    #[serde(default)]
    max_uses: Option<i64>,
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
        Permission::ClientsWrite,
    )
    .await?;
    let body: NewRegistrationToken = match body.is_empty() {
        true => NewRegistrationToken {
            lifetime_secs: None,
            max_uses: None,
        },
        false => parse_body(&body)?,
    };
    let request = MintRequest {
        lifetime_secs: body.lifetime_secs,
        max_uses: body.max_uses,
    };
    let now = state.now();
    let minted = initial_tokens::mint(
        &state.db,
        &state.config.registration,
        Some(&membership.org.id),
        request,
        &actor(&caller, &membership),
        now,
    )
    .await?
    .map_err(|refused| ApiProblem::invalid_request(refused.to_string()))?;
    let mut answer = initial_tokens::view(&minted.row, now);
    answer["token"] = json!(minted.token);
    Ok((StatusCode::CREATED, json(answer)).into_response())
}

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
        Permission::ClientsWrite,
    )
    .await?;
    let now = state.now();
    let tokens =
        poort_store::client_registrations::list_initial(&state.db, Some(&membership.org.id))
            .await
            .map_err(crate::flows::FlowError::from)?;
    let list: Vec<_> = tokens
        .iter()
        .map(|t| initial_tokens::view(t, now))
        .collect();
    Ok(json(json!({ "registration_tokens": list })))
}

pub async fn revoke(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, token_id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    // Another organisation's token is as missing as an unknown one.
    let revoked = initial_tokens::revoke(
        &state.db,
        &token_id,
        Some(&membership.org.id),
        &actor(&caller, &membership),
        state.now(),
    )
    .await?;
    match revoked {
        true => Ok(StatusCode::NO_CONTENT.into_response()),
        false => Err(ApiProblem::not_found()),
    }
}

//! `/api/v1/orgs/{org}/clients`: the relying parties and service accounts an organisation
//! registers and manages, for members with `clients.write`. An organisation's clients are never
//! first-party: skipping consent for every user of the platform is the operator's call (CLI).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_store::clients::ClientScope;
use serde::Deserialize;
use serde_json::json;

use super::caller::{ADMIN_READ, ADMIN_WRITE, ApiCaller};
use super::problem::ApiProblem;
use super::{actor, guard, json, parse_body};
use crate::flows::clients::{self as flow, ClientInput, CreateClientError};
use crate::flows::orgs::Permission;
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
        Permission::ClientsWrite,
    )
    .await?;
    let clients = poort_store::clients::list_for_org(&state.db, &membership.org.id)
        .await
        .map_err(crate::flows::FlowError::from)?;
    let list: Vec<_> = clients.iter().map(flow::view).collect();
    Ok(json(json!({ "clients": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClientBody {
    name: String,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    id_token_alg: Option<String>,
    #[serde(default)]
    allowed_scopes: Vec<String>,
    #[serde(default)]
    audiences: Vec<String>,
    #[serde(default)]
    web_origins: Vec<String>,
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
    let body: NewClientBody = parse_body(&body)?;
    let grant_types = body
        .grant_types
        .iter()
        .map(|g| g.parse::<GrantType>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiProblem::invalid_request(e.description))?;
    let id_token_alg = match body.id_token_alg.as_deref() {
        None => SigningAlg::RS256,
        Some(alg) => alg.parse().map_err(|_| {
            ApiProblem::invalid_request("id_token_alg must be RS256, ES256 or EdDSA")
        })?,
    };
    let input = ClientInput {
        name: body.name,
        redirect_uris: body.redirect_uris,
        post_logout_redirect_uris: body.post_logout_redirect_uris,
        public: body.public,
        first_party: false,
        grant_types,
        id_token_alg,
        allowed_scopes: body.allowed_scopes,
        audiences: body.audiences,
        org_id: Some(membership.org.id.clone()),
        web_origins: body.web_origins,
    };
    let created =
        match flow::create(&state.db, input, state.now(), &actor(&caller, &membership)).await {
            Ok(created) => {
                state.caches.web_origins.clear();
                created
            }
            Err(CreateClientError::Store(e)) => return Err(crate::flows::FlowError::from(e).into()),
            Err(refused) => return Err(ApiProblem::invalid_request(refused.to_string())),
        };
    let mut answer = flow::view(&created.client);
    answer["client_secret"] = json!(created.secret);
    Ok((StatusCode::CREATED, json(answer)).into_response())
}

pub async fn delete(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, client_id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    // Scoped to the organisation: another's client id is a 404 like a missing one.
    let scope = ClientScope::Org(&membership.org.id);
    match flow::delete(&state, &client_id, scope, &actor(&caller, &membership)).await? {
        true => Ok(StatusCode::NO_CONTENT.into_response()),
        false => Err(ApiProblem::not_found()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientChangesBody {
    web_origins: Vec<String>,
}

/// Replaces the client's web origins (CORS); `[]` goes back to the default.
pub async fn update(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, client_id)): Path<(String, String)>,
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
    let body: ClientChangesBody = parse_body(&body)?;
    let scope = ClientScope::Org(&membership.org.id);
    let actor = actor(&caller, &membership);
    let changed = flow::set_web_origins(
        &state.db,
        state.now(),
        &client_id,
        scope,
        body.web_origins,
        &actor,
    )
    .await;
    crate::flows::web_origins::forget(&state, &client_id);
    match changed {
        Ok(Some(client)) => Ok(json(flow::view(&client))),
        Ok(None) => Err(ApiProblem::not_found()),
        Err(CreateClientError::Store(e)) => Err(crate::flows::FlowError::from(e).into()),
        Err(refused) => Err(ApiProblem::invalid_request(refused.to_string())),
    }
}

pub async fn rotate_secret(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path((org_id, client_id)): Path<(String, String)>,
) -> Result<Response, ApiProblem> {
    let membership = guard(
        &state,
        &caller,
        ADMIN_WRITE,
        &org_id,
        Permission::ClientsWrite,
    )
    .await?;
    let scope = ClientScope::Org(&membership.org.id);
    match flow::rotate_secret(&state, &client_id, scope, &actor(&caller, &membership)).await? {
        Some(secret) => Ok(json(
            json!({ "client_id": client_id, "client_secret": secret }),
        )),
        None => Err(ApiProblem::not_found()),
    }
}

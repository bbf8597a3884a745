//! The admin REST API under `/api/v1` (JSON), authenticated by [`caller::ApiCaller`], and its
//! OpenAPI document at `/api/openapi.json`. Every handler first passes [`guard`]: the token's
//! scope, then the gate's decision (`flows::gate::may`) for the organisation in the URL, so
//! an id of another organisation is a 404 whatever the caller's roles.

pub mod audit;
pub mod caller;
pub mod clients;
pub mod invitations;
pub mod members;
pub mod openapi;
pub mod org_tokens;
pub mod orgs;
pub mod problem;
pub mod registration_tokens;
pub mod roles;
pub mod settings;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use serde::de::DeserializeOwned;

use self::caller::ApiCaller;
use self::problem::ApiProblem;
use crate::flows::gate;
use crate::flows::orgs::Actor;
use crate::flows::orgs::Permission;
use crate::flows::orgs::access::Membership;
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/orgs", get(orgs::list).post(orgs::create))
        .route("/api/v1/orgs/{org}", get(orgs::show))
        .route(
            "/api/v1/orgs/{org}/members",
            get(members::list).post(members::add),
        )
        .route(
            "/api/v1/orgs/{org}/members/{user}",
            put(members::set_roles).delete(members::remove),
        )
        .route(
            "/api/v1/orgs/{org}/roles",
            get(roles::list).post(roles::create),
        )
        .route("/api/v1/orgs/{org}/roles/{name}", delete(roles::delete))
        .route(
            "/api/v1/orgs/{org}/settings",
            get(settings::show).put(settings::replace),
        )
        .route("/api/v1/orgs/{org}/audit", get(audit::list))
        .route("/api/v1/orgs/{org}/tokens", get(org_tokens::list))
        .route("/api/v1/orgs/{org}/tokens/{id}", delete(org_tokens::revoke))
        .route(
            "/api/v1/orgs/{org}/invitations",
            axum::routing::post(invitations::create),
        )
        .route(
            "/api/v1/orgs/{org}/clients",
            get(clients::list).post(clients::create),
        )
        .route(
            "/api/v1/orgs/{org}/clients/{client}",
            delete(clients::delete).patch(clients::update),
        )
        .route(
            "/api/v1/orgs/{org}/clients/{client}/secret",
            axum::routing::post(clients::rotate_secret),
        )
        .route(
            "/api/v1/orgs/{org}/registration_tokens",
            get(registration_tokens::list).post(registration_tokens::create),
        )
        .route(
            "/api/v1/orgs/{org}/registration_tokens/{id}",
            delete(registration_tokens::revoke),
        )
}

/// The token's `scope`, then the caller's `permission` in `org_id`.
pub async fn guard(
    state: &SharedState,
    caller: &ApiCaller,
    scope: &str,
    org_id: &str,
    permission: Permission,
) -> Result<Membership, ApiProblem> {
    caller.require_scope(scope)?;
    Ok(gate::may(state, &caller.0, Some(permission), org_id).await??)
}

/// Who the audit log names for the caller's changes (with the staff column when the caller
/// acts as support staff in this organisation).
pub fn actor(caller: &ApiCaller, membership: &Membership) -> Actor {
    membership.actor(caller.0.seen.ip, caller.0.seen.user_agent.clone())
}

/// A JSON request body, or `invalid_request` naming what is wrong with it.
pub fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiProblem> {
    serde_json::from_slice(body)
        .map_err(|e| ApiProblem::invalid_request(format!("the request body is not valid: {e}")))
}

/// A JSON answer that is never cached.
pub fn json(value: serde_json::Value) -> Response {
    let mut response = axum::Json(value).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

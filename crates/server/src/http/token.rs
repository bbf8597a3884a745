//! `/token`, `/introspect` and `/revoke`: form bodies, client authentication, JSON answers that
//! are never cached.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use poort_oidc::OAuthError;
use poort_oidc::token_request::{
    BodyClientCredentials, PresentedClient, Secret, parse_token_request, presented_client,
};
use poort_store::clients::Client;

use super::cors;
use super::error::ApiError;
use super::forms::{Pairs, form_pairs, single};
use crate::flows::client_auth::{self, ClientAuthOutcome};
use crate::flows::{introspect as introspect_flow, revoke as revoke_flow, token as token_flow};
use crate::state::{AppState, SharedState};

pub(super) fn no_store_json<T: serde::Serialize>(body: &T) -> Response {
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

pub(super) fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

/// 401 with a `WWW-Authenticate` challenge for the scheme clients can use.
pub(super) fn refused(error: OAuthError) -> ApiError {
    ApiError {
        error,
        www_authenticate: Some("Basic realm=\"poort\"".into()),
    }
}

pub(super) async fn authenticate(
    state: &AppState,
    presented: &PresentedClient,
) -> Result<Arc<Client>, ApiError> {
    match client_auth::authenticate(state, presented).await? {
        ClientAuthOutcome::Authenticated(client) => Ok(client),
        ClientAuthOutcome::Refused(error) => Err(refused(error)),
    }
}

fn body_credentials(pairs: &Pairs) -> Result<BodyClientCredentials, ApiError> {
    Ok(BodyClientCredentials {
        client_id: single(pairs, "client_id")?.map(str::to_string),
        client_secret: single(pairs, "client_secret")?.map(|s| Secret::new(s.to_string())),
        client_assertion_type: single(pairs, "client_assertion_type")?.map(str::to_string),
        client_assertion: single(pairs, "client_assertion")?.map(|s| Secret::new(s.to_string())),
    })
}

/// The client a request names (Basic header or `client_id`), authenticated or not: whose web
/// origins decide the CORS headers of the answer.
fn named_client(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let pairs = form_pairs(headers, body).ok()?;
    let credentials = body_credentials(&pairs).ok()?;
    presented_client(authorization(headers), credentials)
        .ok()
        .map(|presented| presented.client_id)
}

/// The answer with CORS headers for the origin, if the named client accepts it.
async fn with_cors(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    answer: Result<Response, ApiError>,
) -> Response {
    let response = answer.into_response();
    let client_id = cors::origin(headers).and_then(|_| named_client(headers, body));
    cors::for_client(state, headers, client_id.as_deref(), response).await
}

pub async fn token(State(state): State<SharedState>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = token_answer(&state, &headers, &body).await;
    with_cors(&state, &headers, &body, answer).await
}

async fn token_answer(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let pairs = form_pairs(headers, body)?;
    let (request, body_creds) = parse_token_request(&pairs)?;
    let presented = presented_client(authorization(headers), body_creds).map_err(refused)?;
    let client = authenticate(state, &presented).await?;
    let response = token_flow::grant(state, &client, request).await??;
    Ok(no_store_json(&response))
}

async fn authenticated_with_token(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Arc<Client>, String), ApiError> {
    let pairs = form_pairs(headers, body)?;
    let presented =
        presented_client(authorization(headers), body_credentials(&pairs)?).map_err(refused)?;
    let client = authenticate(state, &presented).await?;
    let Some(token) = single(&pairs, "token")? else {
        return Err(OAuthError::invalid_request("token is missing").into());
    };
    // token_type_hint is only a hint (RFC 7009 §2.1); we look the token up by its shape.
    single(&pairs, "token_type_hint")?;
    Ok((client, token.to_string()))
}

pub async fn introspect(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (client, token) = authenticated_with_token(&state, &headers, &body).await?;
    // Introspection reveals token contents: only clients that hold a secret may ask.
    if client.public {
        return Err(refused(client_auth::invalid_client()));
    }
    let answer = introspect_flow::introspect(&state, &client, &token).await?;
    Ok(no_store_json(&answer))
}

pub async fn revoke(State(state): State<SharedState>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = revoke_answer(&state, &headers, &body).await;
    with_cors(&state, &headers, &body, answer).await
}

async fn revoke_answer(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let (client, token) = authenticated_with_token(state, headers, body).await?;
    revoke_flow::revoke(state, &client, &token).await?;
    Ok(no_store_json(&serde_json::json!({})))
}

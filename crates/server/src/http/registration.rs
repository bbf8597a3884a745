//! `/register` (RFC 7591) and `/register/{client_id}` (RFC 7592): JSON in, JSON out, never
//! cached. Mounted only with `[registration] enabled`. Parse, call `flows::registration`,
//! render: a refused token is a 401 with an RFC 6750 challenge, refused metadata a 400 with the
//! RFC 7591 error.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use poort_oidc::OAuthError;
use poort_oidc::bearer::{bearer_token, www_authenticate};

use super::client_ip::ClientIp;
use super::error::ApiError;
use crate::flows::registration::registered::{self, Refused};
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new().route("/register", post(register)).route(
        "/register/{client_id}",
        axum::routing::get(read).put(update).delete(delete),
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
}

fn refused(refusal: Refused) -> ApiError {
    match refusal {
        Refused::Token => {
            let error = OAuthError::invalid_token("the token is not valid for this request");
            ApiError {
                www_authenticate: Some(www_authenticate(Some(&error))),
                error,
            }
        }
        Refused::Request(error) => error.into(),
    }
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn register(
    State(state): State<SharedState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let registered = registered::register(&state, bearer(&headers), &body, ip)
        .await?
        .map_err(refused)?;
    Ok(answer(StatusCode::CREATED, registered.metadata))
}

async fn read(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    let metadata = registered::read(&state, bearer(&headers), &client_id)
        .await?
        .map_err(refused)?;
    Ok(answer(StatusCode::OK, metadata))
}

async fn update(
    State(state): State<SharedState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let metadata = registered::update(&state, bearer(&headers), &client_id, &body, ip)
        .await?
        .map_err(refused)?;
    Ok(answer(StatusCode::OK, metadata))
}

async fn delete(
    State(state): State<SharedState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    registered::delete(&state, bearer(&headers), &client_id, ip)
        .await?
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

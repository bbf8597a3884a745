//! `POST /device_authorization` (RFC 8628 §3.1): a form body, the client authenticated exactly
//! as at `/token`, a JSON answer that is never cached.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use poort_oidc::device::parse_device_authorization_request;
use poort_oidc::token_request::presented_client;

use super::error::ApiError;
use super::forms::form_pairs;
use super::token::{authenticate, authorization, no_store_json, refused};
use crate::flows::device::authorization as flow;
use crate::state::SharedState;

pub async fn device_authorization(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let pairs = form_pairs(&headers, &body)?;
    let (request, body_credentials) = parse_device_authorization_request(&pairs)?;
    let presented = presented_client(authorization(&headers), body_credentials).map_err(refused)?;
    let client = authenticate(&state, &presented).await?;
    let response = flow::start(&state, &client, request).await??;
    Ok(no_store_json(&response))
}

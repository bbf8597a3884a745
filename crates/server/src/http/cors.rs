//! CORS for browser apps on `/token`, `/revoke` and `/userinfo` (discovery and JWKS answer `*`
//! themselves; `/introspect` is for confidential clients and stays closed to browsers).
//!
//! A preflight (`OPTIONS`) names no client, so it is allowed when any client accepts the
//! origin; the actual request's answer carries `Access-Control-Allow-Origin` (that origin,
//! never `*`) only when its own client accepts it. Never `Access-Control-Allow-Credentials`:
//! browser apps send tokens, not cookies. Every answer varies by `Origin`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::flows::web_origins;
use crate::state::{AppState, SharedState};

/// Request headers a browser app may send: Bearer or Basic credentials and a form body.
const ALLOW_HEADERS: &str = "authorization, content-type";
/// How long a browser may reuse a preflight's answer (seconds).
const MAX_AGE: &str = "600";

/// The request's `Origin`, when it is readable text.
pub fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// Marks the answer as depending on `Origin` (caches must not hand one origin's answer to
/// another).
pub fn vary(response: &mut Response) {
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Origin"));
}

/// Lets `origin` read the answer.
pub fn allow(response: &mut Response, origin: &str) {
    let Ok(value) = HeaderValue::from_str(origin) else {
        return;
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    // A Bearer refusal says why in its challenge.
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("WWW-Authenticate"),
    );
}

/// Adds the CORS headers to an answer for `client_id` (when known): only if that client
/// accepts the request's origin. A failed lookup leaves them out (the browser then blocks).
pub async fn for_client(
    state: &AppState,
    headers: &HeaderMap,
    client_id: Option<&str>,
    mut response: Response,
) -> Response {
    vary(&mut response);
    let (Some(origin), Some(client_id)) = (origin(headers), client_id) else {
        return response;
    };
    match web_origins::client_id_accepts(state, client_id, origin).await {
        Ok(true) => allow(&mut response, origin),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "web origin check failed"),
    }
    response
}

/// Adds the CORS headers to an answer that belongs to no client (a refused Bearer token): if
/// any client accepts the origin, so the app can read why and refresh.
pub async fn for_any_client(
    state: &AppState,
    headers: &HeaderMap,
    mut response: Response,
) -> Response {
    vary(&mut response);
    let Some(origin) = origin(headers) else {
        return response;
    };
    match web_origins::any_client_accepts(state, origin).await {
        Ok(true) => allow(&mut response, origin),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "web origin check failed"),
    }
    response
}

async fn preflight(
    state: &AppState,
    headers: &HeaderMap,
    methods: &'static str,
) -> Result<Response, ApiError> {
    let mut response = StatusCode::NO_CONTENT.into_response();
    vary(&mut response);
    let Some(origin) = origin(headers) else {
        return Ok(response);
    };
    if !web_origins::any_client_accepts(state, origin).await? {
        return Ok(response);
    }
    allow(&mut response, origin);
    let answer = response.headers_mut();
    answer.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    answer.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    answer.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE),
    );
    Ok(response)
}

/// `OPTIONS /token` and `/revoke`.
pub async fn preflight_post(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    preflight(&state, &headers, "POST").await
}

/// `OPTIONS /userinfo`.
pub async fn preflight_get_post(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    preflight(&state, &headers, "GET, POST").await
}

//! Discovery (OpenID and RFC 8414) and JWKS: constants between key rotations, served from precomputed bytes.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::state::SharedState;

fn json(bytes: axum::body::Bytes, cache: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn openid_configuration(State(state): State<SharedState>) -> Response {
    json(state.discovery_json.clone(), "public, max-age=3600")
}

/// RFC 8414: the same issuer and endpoints as discovery, OAuth members only.
pub async fn oauth_authorization_server(State(state): State<SharedState>) -> Response {
    json(state.oauth_metadata_json.clone(), "public, max-age=3600")
}

pub async fn jwks(State(state): State<SharedState>) -> Response {
    json(state.keys.jwks(), "public, max-age=300")
}

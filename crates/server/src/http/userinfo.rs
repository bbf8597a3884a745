//! `/userinfo` (GET and POST) with RFC 6750 Bearer errors.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use poort_oidc::bearer::{bearer_token, www_authenticate};
use poort_oidc::{ErrorCode, OAuthError};

use super::error::ApiError;
use super::forms::{form_pairs, single};
use crate::flows::userinfo::{UserinfoOutcome, userinfo};
use crate::state::{AppState, SharedState};

fn challenge(error: OAuthError) -> ApiError {
    let header = www_authenticate(Some(&error));
    ApiError {
        error,
        www_authenticate: Some(header),
    }
}

fn no_token() -> Response {
    // RFC 6750 §3.1: a request without credentials gets a bare challenge, no error code.
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    if let Ok(value) = HeaderValue::from_str(&www_authenticate(None)) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

async fn answer(state: &AppState, token: &str) -> Result<Response, ApiError> {
    match userinfo(state, token).await? {
        UserinfoOutcome::Claims(claims) => {
            let mut response = axum::Json(claims).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        UserinfoOutcome::InvalidToken(why) => {
            Err(challenge(OAuthError::new(ErrorCode::InvalidToken, &why)))
        }
        UserinfoOutcome::InsufficientScope => Err(challenge(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token lacks the openid scope",
        ))),
    }
}

pub async fn userinfo_get(
    State(state): State<SharedState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    match headers.get(header::AUTHORIZATION) {
        None => Ok(no_token()),
        Some(value) => {
            let token = value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
                challenge(OAuthError::invalid_request(
                    "the Authorization header is not a Bearer token",
                ))
            })?;
            answer(&state, token).await
        }
    }
}

/// POST also accepts the token in the form body (RFC 6750 §2.2), but not in both places.
pub async fn userinfo_post(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let from_header = headers.get(header::AUTHORIZATION);
    let from_body = if body.is_empty() {
        None
    } else {
        let pairs = form_pairs(&headers, &body).map_err(challenge)?;
        single(&pairs, "access_token")
            .map_err(challenge)?
            .map(str::to_string)
    };
    match (from_header, from_body) {
        (Some(_), Some(_)) => Err(challenge(OAuthError::invalid_request(
            "the token was sent in more than one way",
        ))),
        (Some(value), None) => {
            let token = value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
                challenge(OAuthError::invalid_request(
                    "the Authorization header is not a Bearer token",
                ))
            })?;
            answer(&state, token).await
        }
        (None, Some(token)) => answer(&state, &token).await,
        (None, None) => Ok(no_token()),
    }
}

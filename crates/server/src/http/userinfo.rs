//! `/userinfo` (GET and POST) with RFC 6750 Bearer errors.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use poort_oidc::bearer::{bearer_token, www_authenticate};
use poort_oidc::{ErrorCode, OAuthError};

use super::cors;
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

/// An answer, and the client whose token it answered (whose web origins decide CORS).
type Answer = Result<(Response, Option<String>), ApiError>;

/// Claims go only to origins of the token's client; refusals to any client's origin, so a
/// browser app can read why and refresh.
async fn with_cors(state: &AppState, headers: &HeaderMap, answer: Answer) -> Response {
    match answer {
        Ok((response, Some(client_id))) => {
            cors::for_client(state, headers, Some(&client_id), response).await
        }
        Ok((response, None)) => cors::for_any_client(state, headers, response).await,
        Err(refused) => cors::for_any_client(state, headers, refused.into_response()).await,
    }
}

async fn answer(state: &AppState, token: &str) -> Answer {
    match userinfo(state, token).await? {
        UserinfoOutcome::Claims { claims, client_id } => {
            let mut response = axum::Json(claims).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok((response, Some(client_id)))
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

pub async fn userinfo_get(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let answer = get_answer(&state, &headers).await;
    with_cors(&state, &headers, answer).await
}

async fn get_answer(state: &AppState, headers: &HeaderMap) -> Answer {
    match headers.get(header::AUTHORIZATION) {
        None => Ok((no_token(), None)),
        Some(value) => {
            let token = value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
                challenge(OAuthError::invalid_request(
                    "the Authorization header is not a Bearer token",
                ))
            })?;
            answer(state, token).await
        }
    }
}

/// POST also accepts the token in the form body (RFC 6750 §2.2), but not in both places.
pub async fn userinfo_post(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = post_answer(&state, &headers, &body).await;
    with_cors(&state, &headers, answer).await
}

async fn post_answer(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Answer {
    let from_header = headers.get(header::AUTHORIZATION);
    let from_body = if body.is_empty() {
        None
    } else {
        let pairs = form_pairs(headers, body).map_err(challenge)?;
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
            answer(state, token).await
        }
        (None, Some(token)) => answer(state, &token).await,
        (None, None) => Ok((no_token(), None)),
    }
}

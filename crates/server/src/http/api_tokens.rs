//! The self-service token API, authenticated by an API token (RFC 6750 Bearer):
//! `GET/POST /api/v1/tokens` (`tokens:read` / `tokens:write`), `DELETE /api/v1/tokens/{id}`
//! (`tokens:write`) and `GET /api/v1/me` (`profile:read`). Bad, revoked or expired tokens get
//! 401 `invalid_token`; a missing scope gets 403 `insufficient_scope`. Also mounts the account
//! page (`account_tokens`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use poort_api_tokens::TokenScope;
use poort_oidc::bearer::www_authenticate;
use poort_oidc::{ErrorCode, OAuthError};
use poort_store::api_tokens::RevokeScope;
use serde::Deserialize;

use super::account_tokens;
use super::api::caller::{BearerRefusal, bearer_principal};
use super::error::ApiError;
use crate::flows::api_tokens::{self as flow, MintRequest};
use crate::flows::gate::{self, Principal, Refused, Via};
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/api/v1/tokens", get(list).post(create))
        .route("/api/v1/tokens/{id}", delete(revoke))
        .route("/api/v1/me", get(me))
        .route(
            "/account/tokens",
            get(account_tokens::show).post(account_tokens::create),
        )
        .route("/account/tokens/revoke", post(account_tokens::revoke))
}

/// The caller of the token API: the principal of a valid API token, resolved by the gate
/// (`flows::gate::resolve`) like every other credential.
pub struct ApiTokenCaller(pub Principal);

fn invalid_token(description: &str) -> ApiError {
    let error = OAuthError::new(ErrorCode::InvalidToken, description);
    ApiError {
        www_authenticate: Some(www_authenticate(Some(&error))),
        error,
    }
}

impl FromRequestParts<SharedState> for ApiTokenCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let principal = match bearer_principal(parts, state).await? {
            Ok(principal) => principal,
            // RFC 6750 §3.1: no credentials, so a bare challenge.
            Err(BearerRefusal::Missing) => {
                return Err(ApiError {
                    error: OAuthError::new(ErrorCode::InvalidToken, "an API token is required"),
                    www_authenticate: Some(www_authenticate(None)),
                });
            }
            Err(BearerRefusal::NotBearer) => {
                return Err(invalid_token(
                    "the Authorization header is not a Bearer token",
                ));
            }
            Err(BearerRefusal::Refused(Refused::Credential(why))) => {
                return Err(invalid_token(&why));
            }
            Err(BearerRefusal::Refused(Refused::Inactive)) => {
                return Err(invalid_token(
                    "the API token's owner is disabled or deleted",
                ));
            }
            Err(BearerRefusal::Refused(Refused::Ip(_))) => {
                return Err(OAuthError::new(
                    ErrorCode::AccessDenied,
                    "an organisation's IP allowlist does not include this address",
                )
                .into());
            }
        };
        // The token API takes API tokens only (not access tokens issued to relying parties).
        match principal.via {
            Via::ApiToken { .. } => Ok(ApiTokenCaller(principal)),
            _ => Err(invalid_token("an API token (poort_pat_…) is required")),
        }
    }
}

/// 403 `insufficient_scope` naming the scope needed (RFC 6750 §3.1).
fn insufficient_scope(scope: TokenScope) -> ApiError {
    let error = OAuthError::new(
        ErrorCode::InsufficientScope,
        format!("the API token lacks the {scope} scope"),
    );
    ApiError {
        www_authenticate: Some(format!(
            "{}, scope=\"{scope}\"",
            www_authenticate(Some(&error))
        )),
        error,
    }
}

fn require(caller: &ApiTokenCaller, scope: TokenScope) -> Result<(), ApiError> {
    if caller.0.has_scope(scope.as_str()) {
        Ok(())
    } else {
        Err(insufficient_scope(scope))
    }
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_found() -> Response {
    json(
        StatusCode::NOT_FOUND,
        &serde_json::json!({"error": "not_found", "error_description": "no such token"}),
    )
}

/// The caller's tokens this token may see and revoke: all of the owner's, or for a token
/// bound to an organisation, those bound to the same one (it reaches no other).
async fn reachable_tokens(
    state: &crate::state::AppState,
    caller: &ApiTokenCaller,
) -> Result<Vec<flow::TokenView>, ApiError> {
    let tokens = flow::list_for_user(state, caller.0.user_id()).await?;
    Ok(match caller.0.bound_org() {
        None => tokens,
        Some(org) => tokens
            .into_iter()
            .filter(|token| token.org_id.as_deref() == Some(org))
            .collect(),
    })
}

async fn list(
    State(state): State<SharedState>,
    caller: ApiTokenCaller,
) -> Result<Response, ApiError> {
    require(&caller, TokenScope::TokensRead)?;
    let tokens = reachable_tokens(&state, &caller).await?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({ "tokens": tokens }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    scopes: Vec<String>,
    expires_in_days: u32,
}

async fn create(
    State(state): State<SharedState>,
    caller: ApiTokenCaller,
    body: Bytes,
) -> Result<Response, ApiError> {
    require(&caller, TokenScope::TokensWrite)?;
    let body: CreateBody = serde_json::from_slice(&body).map_err(|_| {
        OAuthError::invalid_request(
            "the body must be JSON: {\"name\", \"scopes\": [...], \"expires_in_days\"}",
        )
    })?;
    // A token cannot mint a token stronger than itself: no scope it lacks, no wider reach.
    for raw in &body.scopes {
        if let Ok(scope) = raw.parse::<TokenScope>()
            && !caller.0.has_scope(scope.as_str())
        {
            return Err(insufficient_scope(scope));
        }
    }
    // Nor one that could act where the caller may not (an organisation requiring 2FA).
    // A token bound to an organisation mints tokens bound to it, never wider ones.
    let org_id = caller.0.bound_org().map(str::to_owned);
    if gate::may_mint_for(&state, &caller.0, org_id.as_deref())
        .await?
        .is_err()
    {
        let error = OAuthError::new(
            ErrorCode::InsufficientUserAuthentication,
            "an organisation of yours requires two-step verification: mint tokens from a \
             session signed in with a second factor",
        );
        return Err(ApiError {
            www_authenticate: Some(www_authenticate(Some(&error))),
            error,
        });
    }
    let request = MintRequest {
        user_id: caller.0.user_id().to_owned(),
        org_id,
        name: body.name,
        scopes: body.scopes,
        expires_in_secs: i64::from(body.expires_in_days) * 86_400,
        amr: caller.0.amr.clone(),
        not_after: caller.0.api_token_expiry(),
    };
    match flow::mint(&state, request).await? {
        Ok(minted) => {
            let mut value =
                serde_json::to_value(&minted.token).map_err(crate::flows::FlowError::from)?;
            if let Some(object) = value.as_object_mut() {
                object.insert("token".into(), minted.secret.into());
            }
            Ok(json(StatusCode::CREATED, &value))
        }
        Err(e) => Err(OAuthError::invalid_request(e.to_string()).into()),
    }
}

async fn revoke(
    State(state): State<SharedState>,
    caller: ApiTokenCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require(&caller, TokenScope::TokensWrite)?;
    if caller.0.bound_org().is_some() {
        let reachable = reachable_tokens(&state, &caller).await?;
        if !reachable.iter().any(|token| token.id == id) {
            return Ok(not_found());
        }
    }
    match flow::revoke(&state, &id, RevokeScope::Owner(caller.0.user_id())).await? {
        Some(_) => Ok(StatusCode::NO_CONTENT.into_response()),
        None => Ok(not_found()),
    }
}

async fn me(
    State(state): State<SharedState>,
    caller: ApiTokenCaller,
) -> Result<Response, ApiError> {
    require(&caller, TokenScope::ProfileRead)?;
    match flow::profile(&state, caller.0.user_id()).await? {
        Some(profile) => Ok(json(StatusCode::OK, &profile)),
        None => Err(invalid_token("the API token's owner no longer exists")),
    }
}

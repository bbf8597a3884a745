//! The admin API's caller: `Authorization: Bearer <token>`, either an RFC 9068 access token
//! this server issued or a personal API token (`poort_pat_…`), resolved by the gate
//! (`flows::gate::resolve`) to the one principal every surface uses: a deleted or disabled
//! owner is refused, and so is an address outside an IP allowlist of the owner's
//! organisations. Decisions inside an organisation are `gate::may` (see [`super::guard`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use poort_oidc::bearer::bearer_token;

use super::super::client_ip::Reached;
use super::problem::ApiProblem;
use crate::flows::gate::{self, Credential, Principal, Refused};
use crate::state::SharedState;

/// The scopes of the admin API (the same strings as `poort_api_tokens::TokenScope`).
pub const ADMIN_READ: &str = "admin:read";
pub const ADMIN_WRITE: &str = "admin:write";
pub const AUDIT_READ: &str = "audit:read";
pub const TOKENS_READ: &str = "tokens:read";
pub const TOKENS_WRITE: &str = "tokens:write";

/// A bearer token's principal.
pub struct ApiCaller(pub Principal);

impl ApiCaller {
    pub fn user_id(&self) -> &str {
        self.0.user_id()
    }

    /// 403 `insufficient_scope` unless the token has `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiProblem> {
        match self.0.has_scope(scope) {
            true => Ok(()),
            false => Err(ApiProblem::insufficient_scope(scope)),
        }
    }
}

/// Why a request's bearer credential does not resolve to a principal; each API answers in its
/// own shape.
pub enum BearerRefusal {
    /// No `Authorization` header: a bare challenge (RFC 6750 §3.1).
    Missing,
    /// An `Authorization` header that is not `Bearer <token>`.
    NotBearer,
    /// The gate refused it.
    Refused(Refused),
}

/// The one path from `Authorization: Bearer …` to the gate, for every API.
pub async fn bearer_principal(
    parts: &mut Parts,
    state: &SharedState,
) -> Result<Result<Principal, BearerRefusal>, crate::flows::FlowError> {
    let Ok(Reached(seen)) = Reached::from_request_parts(parts, state).await;
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(Err(BearerRefusal::Missing));
    };
    let Some(token) = value.to_str().ok().and_then(bearer_token) else {
        return Ok(Err(BearerRefusal::NotBearer));
    };
    Ok(gate::resolve(state, Credential::Bearer(token), seen)
        .await?
        .map_err(BearerRefusal::Refused))
}

impl FromRequestParts<SharedState> for ApiCaller {
    type Rejection = ApiProblem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        match bearer_principal(parts, state).await? {
            Ok(principal) => Ok(Self(principal)),
            Err(BearerRefusal::Missing) => Err(ApiProblem::unauthenticated()),
            Err(BearerRefusal::NotBearer) => Err(ApiProblem::invalid_token(
                "the Authorization header is not a Bearer token",
            )),
            Err(BearerRefusal::Refused(Refused::Credential(why))) => {
                Err(ApiProblem::invalid_token(why))
            }
            Err(BearerRefusal::Refused(Refused::Inactive)) => Err(ApiProblem::invalid_token(
                "the token's owner is disabled or deleted",
            )),
            Err(BearerRefusal::Refused(Refused::Ip(_))) => Err(ApiProblem::new(
                StatusCode::FORBIDDEN,
                "access_denied",
                "an organisation's IP allowlist does not include this address",
            )),
        }
    }
}

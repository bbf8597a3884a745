//! The admin API's caller: `Authorization: Bearer <access token>` (an RFC 9068 JWT this
//! server issued, verified by `flows::access_token::verify`), its user and scopes, and the
//! client address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use poort_oidc::bearer::bearer_token;

use super::problem::ApiProblem;
use crate::flows::access_token;
use crate::state::SharedState;

/// The scopes of the admin API (the same strings as `poort_api_tokens::TokenScope`).
pub const ADMIN_READ: &str = "admin:read";
pub const ADMIN_WRITE: &str = "admin:write";
pub const AUDIT_READ: &str = "audit:read";

pub struct ApiCaller {
    pub user_id: String,
    pub scopes: Vec<String>,
    pub ip: IpAddr,
    /// For the audit log.
    pub user_agent: Option<String>,
}

impl ApiCaller {
    /// 403 `insufficient_scope` unless the token has `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiProblem> {
        match self.scopes.iter().any(|s| s == scope) {
            true => Ok(()),
            false => Err(ApiProblem::insufficient_scope(scope)),
        }
    }
}

impl FromRequestParts<SharedState> for ApiCaller {
    type Rejection = ApiProblem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiProblem::unauthenticated());
        };
        let token = value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
            ApiProblem::invalid_token("the Authorization header is not a Bearer token")
        })?;
        let claims = match access_token::verify(state, token).await? {
            Ok(claims) => claims,
            Err(why) => return Err(ApiProblem::invalid_token(why.to_string())),
        };
        let ip = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => {
                super::super::client_ip::resolve(peer.ip(), &parts.headers, state)
            }
            None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        };
        Ok(Self {
            user_id: claims.sub.clone(),
            scopes: claims.scope.iter().map(str::to_owned).collect(),
            ip,
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        })
    }
}

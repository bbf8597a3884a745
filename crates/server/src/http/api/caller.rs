//! The admin API's caller: `Authorization: Bearer <token>`, either an RFC 9068 access token
//! this server issued (verified by `flows::access_token::verify`) or a personal API token
//! (`poort_pat_…`, `flows::api_tokens::authenticate`); its user and scopes, and the client
//! address. API tokens are held to the IP allowlists of their owner's organisations, as a
//! login is, and an organisation-bound token reaches only that organisation.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use poort_oidc::bearer::bearer_token;

use super::super::client_ip::seen;
use super::problem::ApiProblem;
use crate::flows::orgs::access::Seen;
use crate::flows::orgs::login_policy;
use crate::flows::{access_token, api_tokens};
use crate::state::SharedState;

/// The scopes of the admin API (the same strings as `poort_api_tokens::TokenScope`).
pub const ADMIN_READ: &str = "admin:read";
pub const ADMIN_WRITE: &str = "admin:write";
pub const AUDIT_READ: &str = "audit:read";
pub const TOKENS_READ: &str = "tokens:read";
pub const TOKENS_WRITE: &str = "tokens:write";

pub struct ApiCaller {
    pub user_id: String,
    pub scopes: Vec<String>,
    pub ip: IpAddr,
    /// For the audit log.
    pub user_agent: Option<String>,
    /// The organisation an API token is bound to; `None` for access tokens and unbound tokens.
    pub token_org: Option<String>,
    /// The request, as the audit log names what support staff reached.
    pub seen: Seen,
}

impl ApiCaller {
    /// False when the caller's token is bound to another organisation.
    pub fn may_reach(&self, org_id: &str) -> bool {
        self.token_org
            .as_deref()
            .is_none_or(|bound| bound == org_id)
    }

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
        let ip = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => {
                super::super::client_ip::resolve(peer.ip(), &parts.headers, state)
            }
            None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        };
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if token.starts_with(poort_api_tokens::PREFIX) {
            let principal = match api_tokens::authenticate(state, token, ip).await? {
                Ok(principal) => principal,
                Err(why) => return Err(ApiProblem::invalid_token(why.to_string())),
            };
            let allowed =
                login_policy::check_ip(state, &principal.user_id, Some(ip), user_agent.as_deref())
                    .await?;
            if allowed.is_err() {
                return Err(ApiProblem::new(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    "an organisation's IP allowlist does not include this address",
                ));
            }
            return Ok(Self {
                user_id: principal.user_id,
                scopes: principal
                    .scopes
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect(),
                seen: seen(parts, Some(ip)),
                ip,
                user_agent,
                token_org: principal.org_id,
            });
        }
        let claims = match access_token::verify(state, token).await? {
            Ok(claims) => claims,
            Err(why) => return Err(ApiProblem::invalid_token(why.to_string())),
        };
        Ok(Self {
            user_id: claims.sub.clone(),
            scopes: claims.scope.iter().map(str::to_owned).collect(),
            seen: seen(parts, Some(ip)),
            ip,
            user_agent,
            token_org: None,
        })
    }
}

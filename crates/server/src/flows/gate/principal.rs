//! [`resolve`]: a credential → the one [`Principal`] a request acts as, or why it may not act.

use poort_store::entities::users::Model as User;

use crate::flows::FlowError;
use crate::flows::mfa::acr;
use crate::flows::orgs::access::Seen;
use crate::flows::orgs::login_policy::{self, Attempt, IpRefused};
use crate::flows::session::SessionUser;
use crate::flows::{access_token, api_tokens};
use crate::state::AppState;

/// What a request presents.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    /// A signed-in browser session.
    Session(&'a SessionUser),
    /// `Authorization: Bearer …`: an access token this server issued, or a `poort_pat_` token.
    Bearer(&'a str),
}

/// Through what the principal acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Session {
        sid: String,
    },
    AccessToken {
        client_id: String,
        scopes: Vec<String>,
    },
    ApiToken {
        token_id: String,
        /// The organisation the token is bound to; it reaches no other.
        org_id: Option<String>,
        scopes: Vec<String>,
        expires_at: i64,
    },
}

/// Who acts, how they authenticated, through what and from where.
#[derive(Clone, Debug)]
pub struct Principal {
    /// A live account (neither deleted nor disabled).
    pub user: User,
    /// How the account authenticated: the session's or token's `amr` values (an API token's
    /// are those of the session that minted it; `cli` for the operator's command).
    pub amr: Vec<String>,
    pub auth_time: Option<i64>,
    pub via: Via,
    /// The client address and user agent (and, for support staff, what was reached).
    pub seen: Seen,
}

/// The `amr` value of tokens minted by the operator at the command line.
pub const OPERATOR_AMR: &str = "cli";

impl Principal {
    pub fn user_id(&self) -> &str {
        &self.user.id
    }

    /// More than one factor: a second factor or a passkey, or a token the operator minted
    /// (the operator authenticated to the host, out of band).
    pub fn is_multi_factor(&self) -> bool {
        acr::is_multi_factor(&self.amr) || self.amr.iter().any(|a| a == OPERATOR_AMR)
    }

    /// The scopes of a bearer token; `None` for a browser session (it acts as the user).
    pub fn scopes(&self) -> Option<&[String]> {
        match &self.via {
            Via::Session { .. } => None,
            Via::AccessToken { scopes, .. } | Via::ApiToken { scopes, .. } => Some(scopes),
        }
    }

    /// Whether a bearer token carries `scope` (a session has every scope of its user).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes()
            .is_none_or(|scopes| scopes.iter().any(|s| s == scope))
    }

    /// When the credential stops working, for an API token: what it mints expires no later.
    pub fn api_token_expiry(&self) -> Option<i64> {
        match &self.via {
            Via::ApiToken { expires_at, .. } => Some(*expires_at),
            _ => None,
        }
    }

    /// The organisation an API token is bound to.
    pub fn bound_org(&self) -> Option<&str> {
        match &self.via {
            Via::ApiToken { org_id, .. } => org_id.as_deref(),
            _ => None,
        }
    }
}

/// Why a credential may not act. Each adapter answers in its own shape (the login page, 401
/// `invalid_token`, 403 `access_denied`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not a credential this server accepts now: malformed, unknown, expired or revoked.
    Credential(String),
    /// The account is deleted or disabled (or gone).
    Inactive,
    /// The address is outside an IP allowlist of one of the user's organisations.
    Ip(IpRefused),
}

/// The one resolution of a credential to a principal. The account is read from the database
/// (not a cache), so a deletion or disabling is seen by the next request on every node.
pub async fn resolve(
    state: &AppState,
    credential: Credential<'_>,
    seen: Seen,
) -> Result<Result<Principal, Refused>, FlowError> {
    let (user_id, amr, auth_time, via) = match credential {
        Credential::Session(user) => (
            user.user_id.clone(),
            user.amr.clone(),
            Some(user.auth_time),
            Via::Session {
                sid: user.sid.clone(),
            },
        ),
        Credential::Bearer(token) if token.starts_with(poort_api_tokens::PREFIX) => {
            let ip = seen
                .ip
                .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
            let token = match api_tokens::authenticate(state, token, ip).await? {
                Ok(token) => token,
                Err(why) => return Ok(Err(Refused::Credential(why.to_string()))),
            };
            let scopes = token.scopes.iter().map(|s| s.as_str().to_owned()).collect();
            let via = Via::ApiToken {
                token_id: token.token_id,
                org_id: token.org_id,
                scopes,
                expires_at: token.expires_at,
            };
            (token.user_id, token.amr, None, via)
        }
        Credential::Bearer(token) => {
            let claims = match access_token::verify(state, token).await? {
                Ok(claims) => claims,
                Err(why) => return Ok(Err(Refused::Credential(why.to_string()))),
            };
            let via = Via::AccessToken {
                client_id: claims.client_id.clone(),
                scopes: claims.scope.iter().map(str::to_owned).collect(),
            };
            let amr = claims.amr.clone().unwrap_or_default();
            (claims.sub.clone(), amr, claims.auth_time, via)
        }
    };
    let Some(user) = poort_store::users::find_by_id(&state.db, &user_id).await? else {
        return Ok(Err(Refused::Inactive));
    };
    if !user.is_active() {
        return Ok(Err(Refused::Inactive));
    }
    let ua = seen.user_agent.as_deref();
    if let Err(refused) =
        login_policy::check_ip(state, &user.id, seen.ip, ua, Attempt::Request).await?
    {
        return Ok(Err(Refused::Ip(refused)));
    }
    Ok(Ok(Principal {
        user,
        amr,
        auth_time,
        via,
        seen,
    }))
}

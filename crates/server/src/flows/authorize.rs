//! The authorization endpoint's decisions: validate the request, then send the browser to login,
//! to the account chooser, to consent, or back to the client with a code or an error (in the
//! request's response mode).

use std::time::Duration;

use poort_credentials::generate_secret;
use poort_oidc::authorize::{
    AuthorizationResponse, AuthorizeError, AuthorizeParams, AuthorizeRequest, ClientPolicy,
    validate_authorize,
};
use poort_oidc::scope::Scopes;
use poort_oidc::{ErrorCode, OAuthError};
use poort_store::clients::{self, Client};
use poort_store::consents;
use serde::{Deserialize, Serialize};

use super::FlowError;
use super::codes::{self, CodeGrant};
use super::session::SessionUser;
use crate::state::AppState;

/// Scopes this provider understands; others are ignored (OIDC Core §5.4).
pub const SUPPORTED_SCOPES: [&str; 11] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    // The `organizations` claim (organisations issue).
    "organizations",
    "roles",
    // The admin API (`http/api`).
    "admin:read",
    "admin:write",
    "audit:read",
    "tokens:read",
    "tokens:write",
];

/// A validated request waiting for the user to log in or consent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub request: AuthorizeRequest,
    pub client_name: String,
    pub first_party: bool,
    /// When the request arrived: `prompt=login` needs a login newer than this.
    pub started_at: i64,
    /// The user consented during this very request (so `prompt=consent` is satisfied).
    #[serde(default)]
    pub consent_given: bool,
    /// The account is chosen for `prompt=select_account`: on the chooser, or by sending the
    /// browser to the login page for this request.
    #[serde(default)]
    pub account_chosen: bool,
}

/// Where the browser goes next.
#[derive(Debug)]
pub enum Next {
    /// Back to the client (a code or an error), in the request's response mode.
    Respond(AuthorizationResponse),
    /// To one of our second-factor pages.
    Redirect(String),
    Login {
        tx: String,
    },
    /// `prompt=select_account`: continue as the signed-in user or use another account.
    SelectAccount {
        tx: String,
    },
    Consent {
        tx: String,
    },
}

/// Errors shown on our own error page: the client or redirect URI cannot be trusted.
#[derive(Debug)]
pub enum Refusal {
    UnknownClient,
    InvalidRedirectUri,
    BadRequest(String),
    /// The login transaction expired or never existed.
    UnknownTransaction,
}

const PENDING_TTL: Duration = Duration::from_secs(30 * 60);

fn pending_key(tx: &str) -> String {
    format!("authz:{tx}")
}

pub async fn start(
    state: &AppState,
    pairs: &[(String, String)],
    user: Option<&SessionUser>,
) -> Result<Result<Next, Refusal>, FlowError> {
    let params = match AuthorizeParams::from_pairs(pairs) {
        Ok(params) => params,
        Err(e) => return Ok(Err(Refusal::BadRequest(e.to_string()))),
    };
    let Some(client_id) = params.client_id.as_deref() else {
        return Ok(Err(Refusal::BadRequest("client_id is missing".into())));
    };
    if client_id.len() > 128 {
        return Ok(Err(Refusal::UnknownClient));
    }
    let Some(client) = clients::find(&state.db, client_id).await? else {
        return Ok(Err(Refusal::UnknownClient));
    };
    let policy = ClientPolicy {
        client_id: &client.id,
        redirect_uris: &client.redirect_uris,
        public: client.public,
        pkce_required: client.pkce_required,
        allows_authorization_code: client.grant_types.iter().any(|g| g == "authorization_code"),
        audiences: &client.audiences,
    };
    let mut request = match validate_authorize(&params, &policy) {
        Ok(request) => request,
        Err(AuthorizeError::InvalidRedirectUri) => return Ok(Err(Refusal::InvalidRedirectUri)),
        Err(AuthorizeError::Redirect(e)) => {
            return Ok(Ok(Next::Respond(AuthorizationResponse::error(
                &e.redirect_uri,
                e.mode,
                &e.error,
                e.state.as_deref(),
                state.issuer(),
            ))));
        }
    };
    request.scopes = supported_only(&request.scopes);
    let pending = Pending {
        request,
        client_name: client.name.clone(),
        first_party: client.first_party,
        started_at: state.now(),
        consent_given: false,
        account_chosen: false,
    };
    decide(state, &client, pending, user, None).await.map(Ok)
}

/// Continues a pending request after login or consent. The login journey resumes every
/// interaction here (`flows::login::interaction`): a device's approval goes on to its
/// confirmation page.
pub async fn resume(
    state: &AppState,
    tx: &str,
    user: Option<&SessionUser>,
) -> Result<Result<Next, Refusal>, FlowError> {
    let Some(pending) = load_pending(state, tx).await? else {
        if super::device::verification::load(state, tx)
            .await?
            .is_some()
        {
            return Ok(Ok(Next::Redirect(
                super::device::verification::confirm_url(tx),
            )));
        }
        return Ok(Err(Refusal::UnknownTransaction));
    };
    let Some(client) = clients::find(&state.db, &pending.request.client_id).await? else {
        return Ok(Err(Refusal::UnknownClient));
    };
    decide(state, &client, pending, user, Some(tx))
        .await
        .map(Ok)
}

pub async fn load_pending(state: &AppState, tx: &str) -> Result<Option<Pending>, FlowError> {
    if tx.len() != 43 {
        return Ok(None);
    }
    match state.ephemeral.get(&pending_key(tx)).await? {
        Some(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        None => Ok(None),
    }
}

/// The user answered the consent page.
pub async fn consent(
    state: &AppState,
    tx: &str,
    user: &SessionUser,
    allow: bool,
) -> Result<Result<Next, Refusal>, FlowError> {
    let Some(mut pending) = load_pending(state, tx).await? else {
        return Ok(Err(Refusal::UnknownTransaction));
    };
    let request = &pending.request;
    if !allow {
        state.ephemeral.delete(&pending_key(tx)).await?;
        let error = OAuthError::access_denied("the user denied the request");
        return Ok(Ok(to_client(state, request, &error)));
    }
    consents::upsert(
        &state.db,
        &user.user_id,
        &request.client_id,
        &request.scopes.to_string(),
        state.now(),
    )
    .await?;
    let Some(client) = clients::find(&state.db, &request.client_id).await? else {
        return Ok(Err(Refusal::UnknownClient));
    };
    pending.consent_given = true;
    decide(state, &client, pending, Some(user), Some(tx))
        .await
        .map(Ok)
}

/// The user chose to continue as the signed-in account on the account chooser.
pub async fn continue_as(
    state: &AppState,
    tx: &str,
    user: &SessionUser,
) -> Result<Result<Next, Refusal>, FlowError> {
    let Some(mut pending) = load_pending(state, tx).await? else {
        return Ok(Err(Refusal::UnknownTransaction));
    };
    let Some(client) = clients::find(&state.db, &pending.request.client_id).await? else {
        return Ok(Err(Refusal::UnknownClient));
    };
    pending.account_chosen = true;
    decide(state, &client, pending, Some(user), Some(tx))
        .await
        .map(Ok)
}

/// The user chose "use another account": the login page for this request will choose it.
/// Called before the session is signed out, so an unknown request signs nobody out.
pub async fn choose_another_account(
    state: &AppState,
    tx: &str,
) -> Result<Result<(), Refusal>, FlowError> {
    let Some(mut pending) = load_pending(state, tx).await? else {
        return Ok(Err(Refusal::UnknownTransaction));
    };
    pending.account_chosen = true;
    keep_pending(state, &pending, Some(tx)).await?;
    Ok(Ok(()))
}

async fn decide(
    state: &AppState,
    client: &Client,
    mut pending: Pending,
    user: Option<&SessionUser>,
    tx: Option<&str>,
) -> Result<Next, FlowError> {
    let request = &pending.request;
    let now = state.now();
    let fresh_enough = |u: &SessionUser| {
        let max_age_ok = request
            .max_age
            .is_none_or(|max| now - u.auth_time <= max as i64);
        let prompt_ok = !request.prompt.login || u.auth_time >= pending.started_at;
        max_age_ok && prompt_ok
    };
    let user = match user {
        Some(u) if fresh_enough(u) => u,
        _ if request.prompt.none => {
            let error = OAuthError::new(ErrorCode::LoginRequired, "the user is not logged in");
            return Ok(to_client(state, request, &error));
        }
        _ => {
            // Whoever signs in on the login page is the account chosen.
            pending.account_chosen = true;
            return Ok(Next::Login {
                tx: keep_pending(state, &pending, tx).await?,
            });
        }
    };
    if request.prompt.select_account && !pending.account_chosen {
        return Ok(Next::SelectAccount {
            tx: keep_pending(state, &pending, tx).await?,
        });
    }
    if let Some(gate) = super::mfa::gate::check(state, request, user).await? {
        if request.prompt.none {
            let error = OAuthError::new(
                ErrorCode::InteractionRequired,
                "the user must complete a second factor first",
            );
            return Ok(to_client(state, request, &error));
        }
        return Ok(Next::Redirect(
            gate.url(&keep_pending(state, &pending, tx).await?),
        ));
    }
    if !client.first_party && !pending.consent_given {
        let remembered = !request.prompt.consent
            && consents::find(&state.db, &user.user_id, &client.id)
                .await?
                .and_then(|c| Scopes::parse(&c.scope).ok())
                .is_some_and(|granted| request.scopes.is_subset(&granted));
        if !remembered {
            if request.prompt.none {
                let error =
                    OAuthError::new(ErrorCode::ConsentRequired, "the user has not consented");
                return Ok(to_client(state, request, &error));
            }
            return Ok(Next::Consent {
                tx: keep_pending(state, &pending, tx).await?,
            });
        }
    }
    if let Some(tx) = tx {
        state.ephemeral.delete(&pending_key(tx)).await?;
    }
    let code = codes::issue(
        state,
        &CodeGrant {
            client_id: client.id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            user_id: user.user_id.clone(),
            scope: request.scopes.to_string(),
            nonce: request.nonce.clone(),
            auth_time: user.auth_time,
            amr: user.amr.clone(),
            sid: user.sid.clone(),
            code_challenge: request.code_challenge.clone(),
            expires_at: now + state.config.auth_code_ttl_secs,
            resources: request.resources.clone(),
        },
    )
    .await?;
    super::backchannel_logout::record_sign_in(state, client, &user.user_id, &user.sid).await?;
    Ok(Next::Respond(AuthorizationResponse::success(
        &request.redirect_uri,
        request.response_mode,
        &code,
        request.state.as_deref(),
        state.issuer(),
    )))
}

async fn keep_pending(
    state: &AppState,
    pending: &Pending,
    tx: Option<&str>,
) -> Result<String, FlowError> {
    let tx = tx
        .map(str::to_string)
        .unwrap_or_else(|| generate_secret(32));
    state
        .ephemeral
        .put(&pending_key(&tx), serde_json::to_vec(pending)?, PENDING_TTL)
        .await?;
    Ok(tx)
}

/// The scopes of `scopes` this provider understands (also for device authorization requests).
pub(crate) fn supported_only(scopes: &Scopes) -> Scopes {
    let supported = Scopes::parse(&SUPPORTED_SCOPES.join(" ")).unwrap_or_default();
    scopes.intersection(&supported)
}

/// An error sent back to the client the way the request asked for.
fn to_client(state: &AppState, request: &AuthorizeRequest, error: &OAuthError) -> Next {
    Next::Respond(AuthorizationResponse::error(
        &request.redirect_uri,
        request.response_mode,
        error,
        request.state.as_deref(),
        state.issuer(),
    ))
}

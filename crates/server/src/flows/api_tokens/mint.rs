//! Minting a token: checked name, known scopes, a required expiry within the configured
//! maximum. The secret is returned once and only its digest is stored.

use poort_api_tokens::{ApiToken, TokenScope};
use poort_store::api_tokens::{self as store, NewApiToken};

use super::view::TokenView;
use crate::flows::FlowError;
use crate::state::AppState;

const MAX_NAME_CHARS: usize = 64;

pub struct MintRequest {
    pub user_id: String,
    /// Set only by callers that checked the user's membership (or by an operator).
    pub org_id: Option<String>,
    pub name: String,
    pub scopes: Vec<String>,
    pub expires_in_secs: i64,
    /// How the minting principal authenticated (`gate::Principal::amr`); kept with the token,
    /// which acts with that strength (an organisation's `require_2fa` checks it).
    pub amr: Vec<String>,
    /// The latest expiry allowed: a token minted by a token expires no later than it.
    pub not_after: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    #[error("the name must be 1 to 64 characters, without control characters")]
    BadName,
    #[error("choose at least one scope")]
    NoScopes,
    #[error("unknown scope `{0}`")]
    UnknownScope(String),
    #[error("the token must expire: give a positive lifetime")]
    BadLifetime,
    #[error("a token may live at most {max_days} days")]
    LifetimeTooLong { max_days: u32 },
    #[error("no such organisation")]
    NoSuchOrg,
    #[error("a token cannot outlive the token that mints it: choose at most {max_days} days")]
    OutlivesMinter { max_days: i64 },
}

pub struct MintedToken {
    /// The whole token: show it once, never store or log it.
    pub secret: String,
    pub token: TokenView,
}

pub async fn mint(
    state: &AppState,
    request: MintRequest,
) -> Result<Result<MintedToken, MintError>, FlowError> {
    let name = request.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Ok(Err(MintError::BadName));
    }
    let mut scopes = Vec::new();
    for raw in &request.scopes {
        match raw.parse::<TokenScope>() {
            Ok(scope) => scopes.push(scope),
            Err(_) => return Ok(Err(MintError::UnknownScope(raw.clone()))),
        }
    }
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Ok(Err(MintError::NoScopes));
    }
    if request.expires_in_secs <= 0 {
        return Ok(Err(MintError::BadLifetime));
    }
    let limits = &state.config.api_tokens;
    if request.expires_in_secs > limits.max_lifetime_secs() {
        return Ok(Err(MintError::LifetimeTooLong {
            max_days: limits.max_lifetime_days,
        }));
    }
    // A token is bound to an organisation that exists, and its cap applies.
    if let Some(org_id) = &request.org_id {
        let Some(org) = poort_store::orgs::find(&state.db, org_id).await? else {
            return Ok(Err(MintError::NoSuchOrg));
        };
        let settings = crate::flows::orgs::OrgSettings::from_stored(&org.settings)?;
        if let Some(max_days) = settings.max_token_lifetime_days
            && request.expires_in_secs > i64::from(max_days) * 86_400
        {
            return Ok(Err(MintError::LifetimeTooLong { max_days }));
        }
    }
    let now = state.now();
    if let Some(not_after) = request.not_after
        && now + request.expires_in_secs > not_after
    {
        let max_days = (not_after - now).div_euclid(86_400);
        return Ok(Err(MintError::OutlivesMinter { max_days }));
    }
    let token = ApiToken::generate();
    let row = store::insert(
        &state.db,
        NewApiToken {
            user_id: request.user_id,
            org_id: request.org_id,
            name: name.to_owned(),
            digest: token.digest(),
            hint: token.hint(),
            scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            expires_at: now + request.expires_in_secs,
            amr: request.amr,
        },
        now,
        |row| {
            let mut entry = crate::flows::audit::AuditEntry::about(
                "api_token.minted",
                &row.user_id,
                serde_json::json!({ "token_id": row.id, "scopes": row.scopes }),
            );
            entry.org_id = row.org_id.clone();
            entry.into_new(now)
        },
    )
    .await?;
    tracing::info!(token_id = %row.id, user_id = %row.user_id, "API token minted");
    let notice = crate::mail::MailTemplate::TokenCreated {
        name: row.name.clone(),
        hint: row.hint.clone(),
        days: (request.expires_in_secs + 86_399) / 86_400,
    };
    crate::mail::notify_user_id(state, &row.user_id, notice).await;
    Ok(Ok(MintedToken {
        secret: token.as_str().to_owned(),
        token: TokenView::from_row(row, now)?,
    }))
}

//! `/account/tokens`: the signed-in user's API tokens: list, mint (the secret shown exactly
//! once, on the page that answers the form), revoke. Every form carries the CSRF token.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use poort_api_tokens::TokenScope;
use poort_store::api_tokens::RevokeScope;
use poort_store::entities::users::Model as User;

use super::error::PageError;
use super::forms::{Pairs, form_pairs};
use super::session::BrowserSession;
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::api_tokens::{self as flow, MintRequest, TokenStatus};
use crate::flows::session::{LiveSession, csrf_matches};
use crate::pages::api_tokens::{AccountTokensPage, ScopeChoice, TokenRow, date_time};
use crate::pages::mfa::date;
use crate::state::{AppState, SharedState};

struct SignedIn {
    live: LiveSession,
    user: User,
}

/// The signed-in, active user, or the login page to go to.
async fn signed_in(
    state: &AppState,
    session: BrowserSession,
) -> Result<Result<SignedIn, Response>, PageError> {
    let Some(live) = session.0 else {
        return Ok(Err(see_other("/login")));
    };
    let Some(user_id) = live.data.user.as_ref().map(|u| u.user_id.clone()) else {
        return Ok(Err(see_other("/login")));
    };
    let user = poort_store::users::find_by_id(&state.db, &user_id)
        .await
        .map_err(FlowError::from)?;
    match user {
        Some(user) if !user.disabled => Ok(Ok(SignedIn { live, user })),
        _ => Ok(Err(see_other("/login"))),
    }
}

/// The form's fields (scopes repeat), after the CSRF token matched the session's.
async fn signed_in_form(
    state: &AppState,
    session: BrowserSession,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Result<(SignedIn, Pairs), Response>, PageError> {
    let pairs = form_pairs(headers, body).map_err(|e| PageError::protocol(e.description))?;
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    match &session.0 {
        Some(live) if csrf_matches(&live.data, csrf) => {}
        _ => return Err(PageError::forbidden_csrf()),
    }
    Ok(signed_in(state, session)
        .await?
        .map(|signed| (signed, pairs)))
}

fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

struct Outcome {
    new_secret: Option<String>,
    message: Option<String>,
    error: Option<String>,
    status: StatusCode,
}

impl Outcome {
    fn ok() -> Self {
        Self {
            new_secret: None,
            message: None,
            error: None,
            status: StatusCode::OK,
        }
    }
}

async fn render_page(
    state: &AppState,
    signed: &SignedIn,
    outcome: Outcome,
) -> Result<Response, PageError> {
    let tokens = flow::list_for_user(state, &signed.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            scopes: t.scopes.join(" "),
            created: date(t.created_at),
            expires: date(t.expires_at),
            last_used: t.last_used_at.map(|at| match &t.last_used_ip {
                Some(ip) => format!("{} from {ip}", date_time(at)),
                None => date_time(at),
            }),
            status: t.status.as_str(),
            active: t.status == TokenStatus::Active,
            id: t.id,
            name: t.name,
            hint: t.hint,
        })
        .collect();
    let page = AccountTokensPage {
        csrf: signed.live.data.csrf.clone(),
        email: signed.user.email.clone(),
        tokens,
        scopes: TokenScope::ALL
            .iter()
            .map(|s| ScopeChoice {
                value: s.as_str(),
                description: s.description(),
            })
            .collect(),
        max_days: state.config.api_tokens.max_lifetime_days,
        new_secret: outcome.new_secret,
        message: outcome.message,
        error: outcome.error,
    };
    Ok(render(outcome.status, &page))
}

pub async fn show(
    State(state): State<SharedState>,
    session: BrowserSession,
) -> Result<Response, PageError> {
    match signed_in(&state, session).await? {
        Ok(signed) => render_page(&state, &signed, Outcome::ok()).await,
        Err(redirect) => Ok(redirect),
    }
}

pub async fn create(
    State(state): State<SharedState>,
    session: BrowserSession,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (signed, pairs) = match signed_in_form(&state, session, &headers, &body).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let Ok(days) = field(&pairs, "expires_in_days").trim().parse::<u32>() else {
        let outcome = Outcome {
            error: Some("Give the number of days until the token expires.".into()),
            status: StatusCode::BAD_REQUEST,
            ..Outcome::ok()
        };
        return render_page(&state, &signed, outcome).await;
    };
    let request = MintRequest {
        user_id: signed.user.id.clone(),
        org_id: None,
        name: field(&pairs, "name").to_owned(),
        scopes: pairs
            .iter()
            .filter(|(k, _)| k == "scopes")
            .map(|(_, v)| v.clone())
            .collect(),
        expires_in_secs: i64::from(days) * 86_400,
    };
    let outcome = match flow::mint(&state, request).await? {
        Ok(minted) => Outcome {
            new_secret: Some(minted.secret),
            message: Some(format!("Token “{}” created.", minted.token.name)),
            status: StatusCode::CREATED,
            ..Outcome::ok()
        },
        Err(e) => Outcome {
            error: Some(capitalised(&e.to_string())),
            status: StatusCode::BAD_REQUEST,
            ..Outcome::ok()
        },
    };
    render_page(&state, &signed, outcome).await
}

pub async fn revoke(
    State(state): State<SharedState>,
    session: BrowserSession,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (signed, pairs) = match signed_in_form(&state, session, &headers, &body).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let scope = RevokeScope::Owner(&signed.user.id);
    let outcome = match flow::revoke(&state, field(&pairs, "id"), scope).await? {
        Some(token) => Outcome {
            message: Some(format!("Token “{}” revoked.", token.name)),
            ..Outcome::ok()
        },
        None => Outcome {
            error: Some("That token does not exist.".into()),
            status: StatusCode::NOT_FOUND,
            ..Outcome::ok()
        },
    };
    render_page(&state, &signed, outcome).await
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

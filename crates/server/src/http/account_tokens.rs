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
use super::locale::RequestLang;
use super::session::BrowserSession;
use super::{render, see_other};
use crate::flows::FlowError;
use crate::flows::api_tokens::{self as flow, MintError, MintRequest, TokenStatus};
use crate::flows::session::{LiveSession, csrf_matches};
use crate::i18n::Tr;
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

/// The signed-in user's language.
fn tr_of(lang: &RequestLang, signed: &SignedIn) -> Tr {
    lang.tr(signed.user.locale.as_deref(), None)
}

/// The scope's line on the form, in the page's language.
fn scope_key(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::AdminRead => "tokens_page.scope_admin_read",
        TokenScope::AdminWrite => "tokens_page.scope_admin_write",
        TokenScope::TokensRead => "tokens_page.scope_tokens_read",
        TokenScope::TokensWrite => "tokens_page.scope_tokens_write",
        TokenScope::ProfileRead => "tokens_page.scope_profile_read",
        TokenScope::AuditRead => "tokens_page.scope_audit_read",
    }
}

fn status_key(status: TokenStatus) -> &'static str {
    match status {
        TokenStatus::Active => "tokens_page.status_active",
        TokenStatus::Expired => "tokens_page.status_expired",
        TokenStatus::Revoked => "tokens_page.status_revoked",
    }
}

/// Why the token was not minted, in the page's language.
fn mint_refusal(t: Tr, e: &MintError) -> String {
    match e {
        MintError::BadName => t.get("tokens_page.bad_name").to_owned(),
        MintError::NoScopes => t.get("tokens_page.no_scopes").to_owned(),
        MintError::UnknownScope(scope) => t.fmt1("tokens_page.unknown_scope", "scope", scope),
        MintError::BadLifetime => t.get("tokens_page.bad_lifetime").to_owned(),
        MintError::LifetimeTooLong { max_days } => {
            t.fmt1("tokens_page.too_long", "max", &max_days.to_string())
        }
    }
}

async fn render_page(
    state: &AppState,
    t: Tr,
    signed: &SignedIn,
    outcome: Outcome,
) -> Result<Response, PageError> {
    let tokens = flow::list_for_user(state, &signed.user.id)
        .await?
        .into_iter()
        .map(|token| TokenRow {
            scopes: token.scopes.join(" "),
            created: date(token.created_at),
            expires: date(token.expires_at),
            last_used: token.last_used_at.map(|at| match &token.last_used_ip {
                Some(ip) => t.fmt(
                    "tokens_page.used_from",
                    &[("when", &date_time(at)), ("ip", ip)],
                ),
                None => date_time(at),
            }),
            status: t.get(status_key(token.status)).to_owned(),
            active: token.status == TokenStatus::Active,
            id: token.id,
            name: token.name,
            hint: token.hint,
        })
        .collect();
    let page = AccountTokensPage {
        t,
        csrf: signed.live.data.csrf.clone(),
        email: signed.user.email.clone(),
        tokens,
        scopes: TokenScope::ALL
            .iter()
            .map(|s| ScopeChoice {
                value: s.as_str(),
                description: t.get(scope_key(*s)).to_owned(),
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
    lang: RequestLang,
) -> Result<Response, PageError> {
    match signed_in(&state, session).await? {
        Ok(signed) => render_page(&state, tr_of(&lang, &signed), &signed, Outcome::ok()).await,
        Err(redirect) => Ok(redirect),
    }
}

pub async fn create(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (signed, pairs) = match signed_in_form(&state, session, &headers, &body).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let t = tr_of(&lang, &signed);
    let Ok(days) = field(&pairs, "expires_in_days").trim().parse::<u32>() else {
        let outcome = Outcome {
            error: Some(t.get("tokens_page.days_missing").to_owned()),
            status: StatusCode::BAD_REQUEST,
            ..Outcome::ok()
        };
        return render_page(&state, t, &signed, outcome).await;
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
            message: Some(t.fmt1("tokens_page.created_notice", "name", &minted.token.name)),
            status: StatusCode::CREATED,
            ..Outcome::ok()
        },
        Err(e) => Outcome {
            error: Some(mint_refusal(t, &e)),
            status: StatusCode::BAD_REQUEST,
            ..Outcome::ok()
        },
    };
    render_page(&state, t, &signed, outcome).await
}

pub async fn revoke(
    State(state): State<SharedState>,
    session: BrowserSession,
    lang: RequestLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (signed, pairs) = match signed_in_form(&state, session, &headers, &body).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let t = tr_of(&lang, &signed);
    let scope = RevokeScope::Owner(&signed.user.id);
    let outcome = match flow::revoke(&state, field(&pairs, "id"), scope).await? {
        Some(token) => Outcome {
            message: Some(t.fmt1("tokens_page.revoked_notice", "name", &token.name)),
            ..Outcome::ok()
        },
        None => Outcome {
            error: Some(t.get("tokens_page.no_such_token").to_owned()),
            status: StatusCode::NOT_FOUND,
            ..Outcome::ok()
        },
    };
    render_page(&state, t, &signed, outcome).await
}

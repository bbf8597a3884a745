//! `/account/tokens`: the signed-in user's API tokens: list, mint (the secret shown exactly
//! once, on the page that answers the form), revoke. Every form carries the CSRF token.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use poort_api_tokens::TokenScope;
use poort_store::api_tokens::RevokeScope;

use super::error::PageError;
use super::forms::{Pairs, form_pairs};
use super::locale::RequestLang;
use super::render;
use super::signed_in::SignedIn;
use crate::flows::api_tokens::{self as flow, MintError, MintRequest, TokenStatus};
use crate::flows::gate;
use crate::i18n::Tr;
use crate::pages::api_tokens::{AccountTokensPage, ScopeChoice, TokenRow, date_time};
use crate::pages::mfa::date;
use crate::state::{AppState, SharedState};

/// The form's fields (scopes repeat), after the CSRF token matched the session's.
fn form_of(signed: &SignedIn, headers: &HeaderMap, body: &[u8]) -> Result<Pairs, PageError> {
    let pairs = form_pairs(headers, body).map_err(|e| PageError::protocol(e.description))?;
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    signed.check_csrf(csrf)?;
    Ok(pairs)
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
        // Only a token mints with a limit of its own (the token API); a page has none.
        MintError::OutlivesMinter { max_days } => {
            t.fmt1("tokens_page.too_long", "max", &max_days.to_string())
        }
        MintError::NoSuchOrg => t.get("error.not_found_title").to_owned(),
    }
}

async fn render_page(
    state: &AppState,
    t: Tr,
    signed: &SignedIn,
    outcome: Outcome,
) -> Result<Response, PageError> {
    let tokens = flow::list_for_user(state, &signed.user().id)
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
        email: signed.user().email.clone(),
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
    signed: SignedIn,
    lang: RequestLang,
) -> Result<Response, PageError> {
    render_page(&state, signed.tr(&lang), &signed, Outcome::ok()).await
}

pub async fn create(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = form_of(&signed, &headers, &body)?;
    let t = signed.tr(&lang);
    let Ok(days) = field(&pairs, "expires_in_days").trim().parse::<u32>() else {
        let outcome = Outcome {
            error: Some(t.get("tokens_page.days_missing").to_owned()),
            status: StatusCode::BAD_REQUEST,
            ..Outcome::ok()
        };
        return render_page(&state, t, &signed, outcome).await;
    };
    // A one-factor session may not mint a token that could act in an organisation requiring
    // two factors.
    if gate::may_mint_for(&state, &signed.principal, None)
        .await?
        .is_err()
    {
        let outcome = Outcome {
            error: Some(t.get("error.org_requires_2fa").to_owned()),
            status: StatusCode::FORBIDDEN,
            ..Outcome::ok()
        };
        return render_page(&state, t, &signed, outcome).await;
    }
    let request = MintRequest {
        user_id: signed.user().id.clone(),
        org_id: None,
        name: field(&pairs, "name").to_owned(),
        scopes: pairs
            .iter()
            .filter(|(k, _)| k == "scopes")
            .map(|(_, v)| v.clone())
            .collect(),
        expires_in_secs: i64::from(days) * 86_400,
        amr: signed.principal.amr.clone(),
        not_after: None,
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
    signed: SignedIn,
    lang: RequestLang,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let pairs = form_of(&signed, &headers, &body)?;
    let t = signed.tr(&lang);
    let scope = RevokeScope::Owner(&signed.user().id);
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

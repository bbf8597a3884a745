//! The HTTP adapter: routes, extractors, security headers and rendering. Handlers parse, call a
//! flow, and render; the decisions live in `flows`.

mod account_tokens;
pub mod api;
mod api_tokens;
mod authorize;
mod client_ip;
mod cors;
mod device;
mod device_authorization;
mod discovery;
mod email_change;
pub mod error;
mod form_post;
mod forms;
mod health;
mod home;
mod invite;
mod locale;
mod login;
mod logout;
mod mfa;
mod observe;
mod org_admin;
mod password;
mod password_reset;
mod registration;
mod security;
mod select_account;
mod session;
mod signed_in;
mod signup;
mod static_files;
mod token;
mod userinfo;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::state::SharedState;

pub fn router(state: SharedState) -> Router {
    let body_limit = state.config.max_body_bytes;
    let oauth_metadata = poort_oidc::discovery::oauth_metadata_path(state.issuer());
    let mut router = Router::new();
    if state.config.registration.enabled {
        router = router.merge(registration::routes());
    }
    if oauth_metadata != poort_oidc::discovery::OAUTH_METADATA_PATH {
        // RFC 8414 §3.1 for an issuer with a path, for proxies that pass that path through.
        router = router.route(&oauth_metadata, get(discovery::oauth_authorization_server));
    }
    router
        .route("/", get(home::home))
        .route("/logout", post(home::logout))
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            poort_oidc::discovery::OAUTH_METADATA_PATH,
            get(discovery::oauth_authorization_server),
        )
        .route("/jwks", get(discovery::jwks))
        .route(
            "/authorize",
            get(authorize::authorize).post(authorize::authorize),
        )
        .route("/authorize/resume", get(authorize::resume))
        .route(
            "/select_account",
            get(select_account::show).post(select_account::submit),
        )
        .route("/login", get(login::show).post(login::submit))
        .route(
            "/login/new-password",
            get(password::renewal_show).post(password::renewal_submit),
        )
        .route(
            "/account/password",
            get(password::account_show).post(password::account_submit),
        )
        .route(
            "/consent",
            get(authorize::consent_show).post(authorize::consent_submit),
        )
        .route("/token", post(token::token).options(cors::preflight_post))
        .route(
            poort_oidc::device::DEVICE_AUTHORIZATION_PATH,
            post(device_authorization::device_authorization),
        )
        .route(
            poort_oidc::device::VERIFICATION_PATH,
            get(device::show).post(device::submit),
        )
        .route(
            "/device/confirm",
            get(device::confirm_show).post(device::confirm_submit),
        )
        .route("/introspect", post(token::introspect))
        .route("/revoke", post(token::revoke).options(cors::preflight_post))
        .route(
            "/userinfo",
            get(userinfo::userinfo_get)
                .post(userinfo::userinfo_post)
                .options(cors::preflight_get_post),
        )
        .route(
            "/end_session",
            get(logout::end_session).post(logout::end_session),
        )
        .route("/end_session/confirm", post(logout::confirm))
        .merge(mfa::routes())
        .merge(password_reset::routes())
        .merge(signup::routes())
        .merge(email_change::routes())
        .merge(api_tokens::routes())
        .merge(api::routes())
        .merge(invite::routes())
        .merge(org_admin::routes())
        .route("/static/{file}", get(static_files::serve))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .fallback(not_found)
        // Error pages in the request's language.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::localise,
        ))
        .layer(security::layer(
            state.config.issuer().starts_with("https://"),
        ))
        // Applied per route, so it sees the matched route template; inside the request-id
        // layers, so it sees the id.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

async fn not_found() -> error::PageError {
    error::PageError::not_found()
}

/// Renders a page; a template failure is logged and shown as a plain 500 (a bug, never input).
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A redirect that browsers follow with GET (303) and nobody caches.
pub fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

pub fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (
            status,
            [
                (header::LOCATION, value),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => error::PageError::bad_request("error.bad_redirect").into_response(),
    }
}

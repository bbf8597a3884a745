//! Security headers on every response: a strict CSP (no inline script or style), no framing, no
//! sniffing, no referrer leaks, and no caching of pages.

use axum::http::{HeaderValue, header};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

// `form-action` is left out on purpose (the form_post page, `http/form_post.rs`, sets its own
// policy with it): browsers apply it to the redirect chain after a form
// POST, which would block the redirect back to the relying party after login.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

type SetHeader = SetResponseHeaderLayer<HeaderValue>;

/// The header layers, applied without boxing or cloning anything per request (a `from_fn`
/// middleware costs both; this runs on every request, so it shows in the benchmark).
pub type Headers = Stack<
    SetHeader,
    Stack<SetHeader, Stack<SetHeader, Stack<SetHeader, Stack<SetHeader, Identity>>>>,
>;

pub fn layer() -> ServiceBuilder<Headers> {
    ServiceBuilder::new()
        // Every page gets this policy unless its handler set one of its own (only the
        // form_post page does: one script by its hash, form-action to one redirect URI).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // Pages are never cached unless their handler said otherwise (discovery, JWKS).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

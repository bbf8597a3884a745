//! Security headers on every response: a strict CSP (no inline script or style), no framing, no
//! sniffing, no referrer leaks, no caching of pages, a browsing-context group of its own
//! (COOP), no powerful browser features but WebAuthn, and HSTS when the issuer is https.

use axum::http::{HeaderName, HeaderValue, header};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

// `form-action` is left out on purpose (the form_post page, `http/form_post.rs`, sets its own
// policy with it): browsers apply it to the redirect chain after a form
// POST, which would block the redirect back to the relying party after login.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Everything a page could ask the browser for is off, except WebAuthn on Poort's own origin.
const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), \
    magnetometer=(), microphone=(), payment=(), usb=(), interest-cohort=(), \
    publickey-credentials-create=(self), publickey-credentials-get=(self)";

/// One year (the HSTS preload list's minimum); subdomains are the operator's business.
const HSTS: &str = "max-age=31536000";

type SetHeader = SetResponseHeaderLayer<HeaderValue>;
type SetHeaderIf = SetResponseHeaderLayer<Option<HeaderValue>>;

/// The header layers, applied without boxing or cloning anything per request (a `from_fn`
/// middleware costs both; this runs on every request, so it shows in the benchmark).
pub type Headers = Stack<
    SetHeaderIf,
    Stack<
        SetHeader,
        Stack<
            SetHeader,
            Stack<
                SetHeader,
                Stack<SetHeader, Stack<SetHeader, Stack<SetHeader, Stack<SetHeader, Identity>>>>,
            >,
        >,
    >,
>;

/// `https_issuer`: Strict-Transport-Security is sent (browsers ignore it over plain http, and a
/// development issuer on http://127.0.0.1 must not pin anything).
pub fn layer(https_issuer: bool) -> ServiceBuilder<Headers> {
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
        // Pages opened by another site (a relying party's popup) share no window with it.
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            https_issuer.then(|| HeaderValue::from_static(HSTS)),
        ))
}

//! OAuth 2.0 Form Post Response Mode: the page that POSTs the authorization response to the
//! client's redirect URI. It runs under its own CSP: the one inline script it needs, allowed by
//! its SHA-256 hash, and `form-action` limited to the redirect URI; never cached.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use super::error::PageError;
use super::render;
use crate::i18n::Tr;
use crate::pages::FormPostPage;

/// The page's only script: the whole text of its `<script>` element.
pub const SUBMIT_SCRIPT: &str = "document.getElementById(\"response\").submit();";

/// `'sha256-…'` of [`SUBMIT_SCRIPT`] (CSP Level 3 hash source).
static SCRIPT_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, SUBMIT_SCRIPT.as_bytes());
    format!("'sha256-{}'", STANDARD.encode(digest.as_ref()))
});

/// Renders the page POSTing `fields` to `action`.
pub fn page(t: Tr, action: &Url, fields: Vec<(String, String)>) -> Response {
    let csp = content_security_policy(action);
    let Ok(csp) = HeaderValue::from_str(&csp) else {
        return PageError::bad_request("error.bad_redirect").into_response();
    };
    let page = FormPostPage {
        t,
        action: action.to_string(),
        fields,
        script: SUBMIT_SCRIPT,
    };
    let mut response = render(StatusCode::OK, &page);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Poort's strict policy, with the submit script's hash and `form-action` for the redirect URI.
fn content_security_policy(action: &Url) -> String {
    format!(
        "default-src 'none'; script-src {script}; style-src 'self'; img-src 'self' data:; \
         form-action {target}; frame-ancestors 'none'; base-uri 'none'",
        script = SCRIPT_SOURCE.as_str(),
        target = form_action_source(action),
    )
}

/// The CSP source expression for the redirect URI: scheme, host, port and exact path (a
/// query cannot be part of a source; after a redirect browsers match the origin only). Path
/// bytes outside RFC 3986's unreserved and a few safe delimiters are percent-encoded (CSP
/// matching decodes them), so `;`, `,` and quotes cannot end the directive or the source.
/// A URI that a host source cannot express (another scheme, an IPv6 literal) gets its scheme.
fn form_action_source(action: &Url) -> String {
    let host = match action.host() {
        Some(url::Host::Domain(domain)) => domain.to_owned(),
        Some(url::Host::Ipv4(address)) => address.to_string(),
        Some(url::Host::Ipv6(_)) | None => return format!("{}:", action.scheme()),
    };
    if !matches!(action.scheme(), "https" | "http") {
        return format!("{}:", action.scheme());
    }
    let port = action.port().map(|p| format!(":{p}")).unwrap_or_default();
    let mut path = String::new();
    for byte in action.path().bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'%'
            | b':'
            | b'@'
            | b'!'
            | b'$'
            | b'&'
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b'=' => path.push(char::from(byte)),
            other => path.push_str(&format!("%{other:02X}")),
        }
    }
    format!("{}://{host}{port}{path}", action.scheme())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn source(uri: &str) -> String {
        form_action_source(&Url::parse(uri).unwrap())
    }

    #[test]
    fn the_source_is_the_redirect_uri_without_its_query() {
        assert_eq!(
            source("https://app.example.com/cb?tenant=a"),
            "https://app.example.com/cb"
        );
        assert_eq!(
            source("http://127.0.0.1:9999/callback"),
            "http://127.0.0.1:9999/callback"
        );
        assert_eq!(
            source("https://app.example.com:443/signin-oidc"),
            "https://app.example.com/signin-oidc"
        );
    }

    #[test]
    fn delimiters_cannot_break_out_of_the_source() {
        assert_eq!(
            source("https://app.example.com/a;b,c'd%20e"),
            "https://app.example.com/a%3Bb%2Cc%27d%20e"
        );
    }

    #[test]
    fn other_schemes_and_ipv6_hosts_get_a_scheme_source() {
        assert_eq!(source("com.example.app:/cb"), "com.example.app:");
        assert_eq!(source("http://[::1]:8080/cb"), "http:");
    }

    #[test]
    fn the_policy_allows_exactly_the_submit_script() {
        let csp = content_security_policy(&Url::parse("https://app.example.com/cb").unwrap());
        assert!(csp.contains("script-src 'sha256-"));
        assert!(csp.contains("form-action https://app.example.com/cb;"));
        assert!(!csp.contains("unsafe"));
        assert!(csp.contains("default-src 'none'"));
    }
}

//! Which redirect URIs a client may register (RFC 6749 §3.1.2, RFC 8252 §7, OAuth 2.0
//! Security BCP §4.1): checked when a client is created or edited, not per request.

use url::{Host, Url};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RedirectUriRejected {
    #[error("not an absolute URL")]
    NotAbsolute,
    #[error("a redirect URI may not contain a fragment")]
    Fragment,
    #[error("a redirect URI may not contain user information")]
    UserInfo,
    #[error("plain http is only allowed for loopback addresses")]
    InsecureHttp,
    #[error("a private-use scheme must be a reverse domain name (e.g. com.example.app)")]
    BareCustomScheme,
}

/// Checks a redirect URI before it is registered: absolute, no fragment, no user info;
/// `https`, `http` on a loopback host only, or an RFC 8252 private-use scheme with a dot.
pub fn check_redirect_uri_registration(uri: &str) -> Result<(), RedirectUriRejected> {
    let url = Url::parse(uri).map_err(|_| RedirectUriRejected::NotAbsolute)?;
    // `Url` keeps an empty fragment ("#") as Some(""), which is still a fragment.
    if url.fragment().is_some() {
        return Err(RedirectUriRejected::Fragment);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(RedirectUriRejected::UserInfo);
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => match url.host() {
            Some(Host::Domain("localhost")) => Ok(()),
            Some(Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            Some(_) | None => Err(RedirectUriRejected::InsecureHttp),
        },
        scheme if scheme.contains('.') => Ok(()),
        _ => Err(RedirectUriRejected::BareCustomScheme),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_loopback_http_and_reverse_domain_schemes() {
        for uri in [
            "https://app.example.com/cb",
            "https://app.example.com/cb?tenant=a",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert_eq!(check_redirect_uri_registration(uri), Ok(()), "{uri}");
        }
    }

    #[test]
    fn refuses_unsafe_uris() {
        let cases = [
            ("/cb", RedirectUriRejected::NotAbsolute),
            (
                "https://app.example.com/cb#x",
                RedirectUriRejected::Fragment,
            ),
            ("https://app.example.com/cb#", RedirectUriRejected::Fragment),
            (
                "https://user:pw@app.example.com/cb",
                RedirectUriRejected::UserInfo,
            ),
            (
                "http://app.example.com/cb",
                RedirectUriRejected::InsecureHttp,
            ),
            ("myapp:/cb", RedirectUriRejected::BareCustomScheme),
            ("javascript:alert(1)", RedirectUriRejected::BareCustomScheme),
        ];
        for (uri, expected) in cases {
            assert_eq!(check_redirect_uri_registration(uri), Err(expected), "{uri}");
        }
    }
}

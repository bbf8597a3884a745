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

/// Whether an authorization request's `redirect_uri` is the `registered` one: the same
/// string, or (RFC 8252 §7.3, native apps) the same loopback IP URI with another port, which
/// the app picks when it opens its listener. Only for `127.0.0.1` and `[::1]` over http, never
/// for `localhost` (§8.3: a name can be made to point elsewhere).
pub fn matches_registered(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(known), Ok(asked)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    let loopback_ip = |url: &Url| match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if known.scheme() != "http" || !loopback_ip(&known) || asked.port().is_none() {
        return false;
    }
    // Everything but the port stays the exact string: the registered URI with the asked port
    // must be what was asked, character for character (no case or encoding variants).
    let mut with_port = known;
    with_port.set_port(asked.port()).is_ok() && with_port.as_str() == requested
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_ip_redirect_matches_on_any_port_and_nothing_else_does() {
        let registered = "http://127.0.0.1/callback";
        for asked in [
            "http://127.0.0.1/callback",
            "http://127.0.0.1:53127/callback",
        ] {
            assert!(matches_registered(registered, asked), "{asked}");
        }
        assert!(matches_registered(
            "http://[::1]:8080/cb?x=1",
            "http://[::1]:9/cb?x=1"
        ));
        for asked in [
            "http://127.0.0.1:53127/other",
            "http://127.0.0.2:53127/callback",
            "http://127.0.0.1:53127/callback?x=1",
            "https://127.0.0.1:53127/callback",
            "http://user@127.0.0.1:53127/callback",
        ] {
            assert!(!matches_registered(registered, asked), "{asked}");
        }
        // Only the port: no case, encoding or trailing-slash variants of the rest.
        for asked in [
            "HTTP://127.0.0.1:53127/callback",
            "http://127.0.0.1:53127/callback/",
            "http://127.0.0.1:53127/%63allback",
            "http://127.0.0.1:53127/callback#x",
        ] {
            assert!(!matches_registered(registered, asked), "{asked}");
        }
        // Names, and anything but loopback IPs, match exactly only.
        assert!(!matches_registered(
            "http://localhost/cb",
            "http://localhost:3000/cb"
        ));
        assert!(!matches_registered(
            "https://app.example.com/cb",
            "https://app.example.com:8443/cb"
        ));
    }

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

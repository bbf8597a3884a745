//! Web origins (RFC 6454) a browser app may call the token, userinfo and revocation endpoints
//! from (CORS). A registered origin is exactly what a browser sends in `Origin`:
//! `scheme://host[:port]`, lower case, without a default port, path, query or wildcard; https,
//! or plain http only for loopback hosts.

/// Longest origin accepted.
const MAX_ORIGIN_LEN: usize = 255;

/// Why `origin` cannot be registered (in words for the operator), or `Ok` when it can.
pub fn check_web_origin(origin: &str) -> Result<(), &'static str> {
    if origin.len() > MAX_ORIGIN_LEN {
        return Err("is too long");
    }
    if origin.contains('*') {
        return Err("must not contain a wildcard");
    }
    let Ok(url) = url::Url::parse(origin) else {
        return Err("is not scheme://host[:port]");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user information");
    }
    match (url.scheme(), url.host_str()) {
        ("https", Some(_)) => {}
        ("http", Some(host)) if is_loopback(host) => {}
        ("http", Some(_)) => return Err("may use http only for localhost or 127.0.0.1"),
        _ => return Err("must use https (or http for localhost)"),
    }
    // What a browser sends: no path (not even `/`), query or fragment, the default port left
    // out, the host in lower case.
    if url.origin().ascii_serialization() != origin {
        return Err("must be exactly scheme://host[:port], without a path or trailing slash");
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

/// The origin a redirect URI belongs to, when it is one a browser app could run on (https or
/// loopback http); `None` for private-use schemes of native apps.
pub fn origin_of_redirect_uri(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let origin = url.origin().ascii_serialization();
    check_web_origin(&origin).ok().map(|()| origin)
}

/// The origins a client accepts: those registered, or, when none are and the client is public
/// (a browser app), the origins of its redirect URIs. A confidential client without registered
/// origins accepts none: its secret does not belong in a browser.
pub fn effective_web_origins(
    registered: &[String],
    public: bool,
    redirect_uris: &[String],
) -> Vec<String> {
    if !registered.is_empty() || !public {
        return registered.to_vec();
    }
    let mut origins: Vec<String> = Vec::new();
    for origin in redirect_uris
        .iter()
        .filter_map(|u| origin_of_redirect_uri(u))
    {
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    origins
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn registered_origins_are_exactly_what_browsers_send() {
        for good in [
            "https://app.example.com",
            "https://app.example.com:8443",
            "http://localhost:3000",
            "http://127.0.0.1:5173",
            "http://[::1]:8080",
        ] {
            assert_eq!(check_web_origin(good), Ok(()), "{good}");
        }
        for bad in [
            "https://app.example.com/",
            "https://app.example.com/spa",
            "https://app.example.com?x=1",
            "https://app.example.com#x",
            "https://*.example.com",
            "*",
            "null",
            "https://App.Example.com",
            "https://app.example.com:443",
            "http://app.example.com",
            "http://192.168.1.10",
            "ftp://app.example.com",
            "https://user@app.example.com",
            "app.example.com",
            "",
            "com.example.app:/cb",
        ] {
            assert!(check_web_origin(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_public_client_defaults_to_its_redirect_uris_origins() {
        let uris = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let redirects = uris(&[
            "https://spa.example/cb",
            "https://spa.example:443/other",
            "http://localhost:3000/cb",
            "com.example.app:/cb",
        ]);
        assert_eq!(
            effective_web_origins(&[], true, &redirects),
            uris(&["https://spa.example", "http://localhost:3000"])
        );
        // A confidential client gets none unless registered.
        assert!(effective_web_origins(&[], false, &redirects).is_empty());
        // Registered origins replace the default.
        let registered = uris(&["https://other.example"]);
        assert_eq!(
            effective_web_origins(&registered, true, &redirects),
            registered
        );
        assert_eq!(
            effective_web_origins(&registered, false, &redirects),
            registered
        );
    }
}

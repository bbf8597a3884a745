//! Bearer tokens on protected resources (RFC 6750): reading the `Authorization` header and
//! writing the `WWW-Authenticate` challenge.

use crate::error::OAuthError;

pub const REALM: &str = "poort";

/// The token of `Authorization: Bearer <token>`. The scheme is case-insensitive; the token
/// must be an RFC 6750 `b64token` (`[A-Za-z0-9-._~+/]+` then `=*`). `None` otherwise.
pub fn bearer_token(authorization_header: &str) -> Option<&str> {
    let (scheme, rest) = authorization_header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim_start_matches(' ').trim_end_matches([' ', '\t']);
    let body = token.trim_end_matches('=');
    let well_formed = !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
    well_formed.then_some(token)
}

/// `Bearer realm="poort"`, plus `error` and `error_description` when a token was sent but
/// refused (RFC 6750 §3). The description is reduced to the characters RFC 6750 §3 allows
/// in it (printable ASCII without `"` and `\`), so it cannot break out of its quotes.
pub fn www_authenticate(error: Option<&OAuthError>) -> String {
    let Some(error) = error else {
        return format!("Bearer realm=\"{REALM}\"");
    };
    let mut challenge = format!(
        "Bearer realm=\"{REALM}\", error=\"{}\"",
        error.code.as_str()
    );
    let description: String = error
        .description
        .chars()
        .filter(|c| matches!(*c, ' '..='~') && *c != '"' && *c != '\\')
        .collect();
    if !description.is_empty() {
        challenge.push_str(", error_description=\"");
        challenge.push_str(&description);
        challenge.push('"');
    }
    challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_well_formed_bearer_tokens() {
        assert_eq!(
            bearer_token("Bearer abc.DEF-_~+/=="),
            Some("abc.DEF-_~+/==")
        );
        assert_eq!(bearer_token("bearer x"), Some("x"));
        assert_eq!(bearer_token("BEARER   x  "), Some("x"));
    }

    #[test]
    fn refuses_other_schemes_and_bad_tokens() {
        for header in [
            "Basic abc",
            "Bearer",
            "Bearer ",
            "Bearer ===",
            "Bearer a=b",
            "Bearer a b",
            "Bearer a\"b",
            "Bearer t\u{e9}",
            "Bearerx abc",
            "",
        ] {
            assert_eq!(bearer_token(header), None, "{header:?}");
        }
    }

    #[test]
    fn challenge_without_and_with_error() {
        assert_eq!(www_authenticate(None), r#"Bearer realm="poort""#);
        let error = OAuthError::invalid_token("the token expired");
        assert_eq!(
            www_authenticate(Some(&error)),
            r#"Bearer realm="poort", error="invalid_token", error_description="the token expired""#
        );
        let bare = OAuthError::insufficient_scope("");
        assert_eq!(
            www_authenticate(Some(&bare)),
            r#"Bearer realm="poort", error="insufficient_scope""#
        );
    }

    #[test]
    fn a_description_cannot_escape_its_quotes() {
        let error = OAuthError::invalid_token("bad\", error=\"x\\\r\n\u{e9}");
        assert_eq!(
            www_authenticate(Some(&error)),
            r#"Bearer realm="poort", error="invalid_token", error_description="bad, error=x""#
        );
    }
}

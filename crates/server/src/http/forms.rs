//! Reading `application/x-www-form-urlencoded` bodies and query strings as ordered pairs, so the
//! protocol code can reject repeated parameters.

use axum::http::{HeaderMap, header};
use poort_oidc::OAuthError;

pub type Pairs = Vec<(String, String)>;

pub fn query_pairs(query: Option<&str>) -> Result<Pairs, String> {
    serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|_| "the query string is malformed".into())
}

pub fn form_pairs(headers: &HeaderMap, body: &[u8]) -> Result<Pairs, OAuthError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::invalid_request("the form body is malformed"))
}

/// The value of a parameter that must appear at most once.
pub fn single<'a>(pairs: &'a Pairs, name: &str) -> Result<Option<&'a str>, OAuthError> {
    let mut found = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(OAuthError::invalid_request(format!("{name} is repeated")));
    }
    Ok(first.filter(|v| !v.is_empty()))
}

//! Building the redirect back to the client after an authorization request: the code or
//! the error, `state`, and `iss` (RFC 9207) appended to the registered redirect URI's query.

use url::Url;

use crate::error::OAuthError;

/// The success redirect: `code`, `state` when the request had one, and `iss`.
pub fn authorization_response_url(
    redirect_uri: &str,
    code: &str,
    state: Option<&str>,
    issuer: &str,
) -> Result<Url, url::ParseError> {
    let mut url = Url::parse(redirect_uri)?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("code", code);
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    Ok(url)
}

/// The error redirect: `error`, `error_description` when set, `state`, and `iss`.
pub fn error_response_url(
    redirect_uri: &str,
    error: &OAuthError,
    state: Option<&str>,
    issuer: &str,
) -> Result<Url, url::ParseError> {
    let mut url = Url::parse(redirect_uri)?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("error", error.code.as_str());
        if !error.description.is_empty() {
            query.append_pair("error_description", &error.description);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    Ok(url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://id.example.com/poort";

    #[test]
    fn success_keeps_the_existing_query_and_adds_iss() {
        let url = authorization_response_url(
            "https://app.example.com/cb?tenant=a%20b&x=1",
            "c0de",
            Some("st&ate"),
            ISSUER,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://app.example.com/cb?tenant=a%20b&x=1&code=c0de&state=st%26ate\
             &iss=https%3A%2F%2Fid.example.com%2Fpoort"
        );
    }

    #[test]
    fn success_without_state_or_query() {
        let url =
            authorization_response_url("http://127.0.0.1:8080/cb", "c", None, ISSUER).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![("code".into(), "c".into()), ("iss".into(), ISSUER.into())]
        );
        assert_eq!(url.path(), "/cb");
    }

    #[test]
    fn error_carries_code_description_state_and_iss() {
        let error = OAuthError::invalid_scope("the openid scope is required");
        let url =
            error_response_url("com.example.app:/cb?keep=1", &error, Some("s"), ISSUER).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("keep".into(), "1".into()),
                ("error".into(), "invalid_scope".into()),
                (
                    "error_description".into(),
                    "the openid scope is required".into()
                ),
                ("state".into(), "s".into()),
                ("iss".into(), ISSUER.into()),
            ]
        );
    }

    #[test]
    fn an_empty_description_is_left_out() {
        let url = error_response_url(
            "https://a.example/cb",
            &OAuthError::access_denied(""),
            None,
            ISSUER,
        )
        .unwrap();
        assert_eq!(
            url.query(),
            Some("error=access_denied&iss=https%3A%2F%2Fid.example.com%2Fpoort")
        );
    }

    #[test]
    fn a_relative_uri_is_an_error() {
        assert!(authorization_response_url("/cb", "c", None, ISSUER).is_err());
    }
}

//! The authorization response back to the client: the code or the error, `state`, and `iss`
//! (RFC 9207), delivered in the request's response mode: appended to the registered redirect
//! URI's query, put in its fragment, or POSTed to it by a form (Form Post Response Mode).

use url::Url;

use super::mode::ResponseMode;
use crate::error::OAuthError;

/// What goes back to the client, not yet encoded for its mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    /// The response parameters, in the order they are sent.
    pub params: Vec<(String, String)>,
}

/// How the browser carries the response to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A redirect to this URL (query and fragment modes).
    Redirect(Url),
    /// An auto-submitting form POSTing `fields` to `action` (the redirect URI as registered).
    FormPost {
        action: Url,
        fields: Vec<(String, String)>,
    },
}

impl AuthorizationResponse {
    /// The success response: `code`, `state` when the request had one, and `iss`.
    pub fn success(
        redirect_uri: &str,
        mode: ResponseMode,
        code: &str,
        state: Option<&str>,
        issuer: &str,
    ) -> Self {
        let mut params = vec![("code".to_owned(), code.to_owned())];
        push_state_and_iss(&mut params, state, issuer);
        Self {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            params,
        }
    }

    /// The error response: `error`, `error_description` when set, `state`, and `iss`.
    pub fn error(
        redirect_uri: &str,
        mode: ResponseMode,
        error: &OAuthError,
        state: Option<&str>,
        issuer: &str,
    ) -> Self {
        let mut params = vec![("error".to_owned(), error.code.as_str().to_owned())];
        if !error.description.is_empty() {
            params.push(("error_description".to_owned(), error.description.clone()));
        }
        push_state_and_iss(&mut params, state, issuer);
        Self {
            redirect_uri: redirect_uri.to_owned(),
            mode,
            params,
        }
    }

    /// Encodes the response for its mode. Fails only when the redirect URI is not an
    /// absolute URL (registered URIs always are).
    pub fn delivery(&self) -> Result<Delivery, url::ParseError> {
        let mut url = Url::parse(&self.redirect_uri)?;
        match self.mode {
            ResponseMode::Query => {
                url.query_pairs_mut().extend_pairs(&self.params);
                Ok(Delivery::Redirect(url))
            }
            ResponseMode::Fragment => {
                let fragment = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&self.params)
                    .finish();
                url.set_fragment(Some(&fragment));
                Ok(Delivery::Redirect(url))
            }
            ResponseMode::FormPost => Ok(Delivery::FormPost {
                action: url,
                fields: self.params.clone(),
            }),
        }
    }
}

fn push_state_and_iss(params: &mut Vec<(String, String)>, state: Option<&str>, issuer: &str) {
    if let Some(state) = state {
        params.push(("state".to_owned(), state.to_owned()));
    }
    params.push(("iss".to_owned(), issuer.to_owned()));
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://id.example.com/poort";

    fn redirect(response: &AuthorizationResponse) -> Url {
        match response.delivery().unwrap() {
            Delivery::Redirect(url) => url,
            other => panic!("expected a redirect, got {other:?}"),
        }
    }

    #[test]
    fn success_keeps_the_existing_query_and_adds_iss() {
        let response = AuthorizationResponse::success(
            "https://app.example.com/cb?tenant=a%20b&x=1",
            ResponseMode::Query,
            "c0de",
            Some("st&ate"),
            ISSUER,
        );
        assert_eq!(
            redirect(&response).as_str(),
            "https://app.example.com/cb?tenant=a%20b&x=1&code=c0de&state=st%26ate\
             &iss=https%3A%2F%2Fid.example.com%2Fpoort"
        );
    }

    #[test]
    fn success_without_state_or_query() {
        let response = AuthorizationResponse::success(
            "http://127.0.0.1:8080/cb",
            ResponseMode::Query,
            "c",
            None,
            ISSUER,
        );
        let url = redirect(&response);
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
        let response = AuthorizationResponse::error(
            "com.example.app:/cb?keep=1",
            ResponseMode::Query,
            &error,
            Some("s"),
            ISSUER,
        );
        let pairs: Vec<(String, String)> = redirect(&response).query_pairs().into_owned().collect();
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
        let response = AuthorizationResponse::error(
            "https://a.example/cb",
            ResponseMode::Query,
            &OAuthError::access_denied(""),
            None,
            ISSUER,
        );
        assert_eq!(
            redirect(&response).query(),
            Some("error=access_denied&iss=https%3A%2F%2Fid.example.com%2Fpoort")
        );
    }

    #[test]
    fn fragment_mode_leaves_the_query_alone() {
        let response = AuthorizationResponse::success(
            "https://app.example.com/cb?tenant=a",
            ResponseMode::Fragment,
            "c0de",
            Some("s t"),
            ISSUER,
        );
        let url = redirect(&response);
        assert_eq!(url.query(), Some("tenant=a"));
        assert_eq!(
            url.fragment(),
            Some("code=c0de&state=s+t&iss=https%3A%2F%2Fid.example.com%2Fpoort")
        );
        let error = AuthorizationResponse::error(
            "https://app.example.com/cb",
            ResponseMode::Fragment,
            &OAuthError::access_denied("no"),
            None,
            ISSUER,
        );
        let url = redirect(&error);
        assert_eq!(url.query(), None);
        assert_eq!(
            url.fragment(),
            Some(
                "error=access_denied&error_description=no&iss=https%3A%2F%2Fid.example.com%2Fpoort"
            )
        );
    }

    #[test]
    fn form_post_mode_posts_the_fields_to_the_redirect_uri_as_registered() {
        let response = AuthorizationResponse::success(
            "https://app.example.com/cb?tenant=a",
            ResponseMode::FormPost,
            "c0de",
            Some("<s>"),
            ISSUER,
        );
        assert_eq!(
            response.delivery().unwrap(),
            Delivery::FormPost {
                action: Url::parse("https://app.example.com/cb?tenant=a").unwrap(),
                fields: vec![
                    ("code".into(), "c0de".into()),
                    ("state".into(), "<s>".into()),
                    ("iss".into(), ISSUER.into()),
                ],
            }
        );
    }

    #[test]
    fn a_relative_uri_is_an_error() {
        for mode in ResponseMode::ALL {
            let response = AuthorizationResponse::success("/cb", mode, "c", None, ISSUER);
            assert!(response.delivery().is_err(), "{mode:?}");
        }
    }
}

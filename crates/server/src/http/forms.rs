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

/// `axum::Form` for browser forms, answering malformed bodies with our HTML error page instead of
/// axum's plain-text rejection.
pub struct PageForm<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for PageForm<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = super::error::PageError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(PageForm(value)),
            Err(rejection) => Err(super::error::PageError::new(
                rejection.status(),
                "error.form_title",
                "error.form",
            )),
        }
    }
}

/// Protocol parameters of an endpoint that accepts GET (query) and POST (form body) alike, as
/// `/authorize` and `/end_session` must (OIDC Core §3.1.2.1, RP-Initiated Logout §2).
pub struct PageParams(pub Pairs);

impl<S> axum::extract::FromRequest<S> for PageParams
where
    S: Send + Sync,
{
    type Rejection = super::error::PageError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        use super::error::PageError;
        if request.method() == axum::http::Method::GET {
            return query_pairs(request.uri().query())
                .map(PageParams)
                .map_err(PageError::protocol);
        }
        let headers = request.headers().clone();
        let body = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                PageError::new(rejection.status(), "error.body_title", "error.body")
            })?;
        form_pairs(&headers, &body)
            .map(PageParams)
            .map_err(|e| PageError::protocol(e.description))
    }
}

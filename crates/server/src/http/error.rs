//! Errors as responses: OAuth JSON for the protocol endpoints, an HTML page for browsers.
//! Internals are logged, never sent.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use poort_oidc::OAuthError;

use super::locale::RequestLang;
use crate::flows::FlowError;
use crate::i18n::{Locale, Tr};
use crate::pages::ErrorPage;

/// An OAuth error response (RFC 6749 §5.2), never cached.
#[derive(Debug)]
pub struct ApiError {
    pub error: OAuthError,
    pub www_authenticate: Option<String>,
}

impl From<OAuthError> for ApiError {
    fn from(error: OAuthError) -> Self {
        Self {
            error,
            www_authenticate: None,
        }
    }
}

impl From<FlowError> for ApiError {
    fn from(e: FlowError) -> Self {
        ApiError::from(unavailable(&e))
    }
}

/// Infrastructure failures become a retryable 503, logged with their cause.
pub fn unavailable(e: &FlowError) -> OAuthError {
    match e {
        FlowError::Busy => tracing::warn!("password hashing saturated"),
        other => tracing::error!(error = %other, "request failed"),
    }
    OAuthError::temporarily_unavailable("the service is temporarily unavailable, try again")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, axum::Json(&self.error)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(value) = self
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// A text on an error page: a catalog key (with its `{name}` values), or a detail that has no
/// catalog entry (a protocol validator's description), shown as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    Key(&'static str, Vec<(&'static str, String)>),
    Detail(String),
}

impl Text {
    /// The text in the language of `t`. A key missing from every catalog shows as itself.
    pub fn in_lang(&self, t: Tr) -> String {
        match self {
            Text::Key(key, args) => {
                let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.fmt(key, &args)
            }
            Text::Detail(text) => text.clone(),
        }
    }
}

impl From<&'static str> for Text {
    fn from(key: &'static str) -> Self {
        Text::Key(key, Vec::new())
    }
}

impl From<String> for Text {
    fn from(detail: String) -> Self {
        Text::Detail(detail)
    }
}

/// An HTML error page, as catalog keys: the response carries it as an extension and
/// [`localise`] renders it in the request's language (English until then).
#[derive(Clone, Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: Text,
    pub message: Text,
}

impl PageError {
    /// `title` and `message` are catalog keys (`error.*`), or details without one.
    pub fn new(status: StatusCode, title: impl Into<Text>, message: impl Into<Text>) -> Self {
        Self {
            status,
            title: title.into(),
            message: message.into(),
        }
    }

    /// A key with one `{name}` value.
    pub fn with_arg(key: &'static str, name: &'static str, value: impl Into<String>) -> Text {
        Text::Key(key, vec![(name, value.into())])
    }

    pub fn bad_request(message: impl Into<Text>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "error.bad_request_title", message)
    }

    /// A request a protocol validator refused: a translated sentence around its (English,
    /// technical) description.
    pub fn protocol(detail: impl Into<String>) -> Self {
        Self::bad_request(Self::with_arg("error.protocol_detail", "detail", detail))
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "error.not_found_title",
            "error.not_found",
        )
    }

    pub fn forbidden_csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "error.csrf_title", "error.csrf")
    }

    /// The page in the language of `t`.
    pub fn render_in(&self, t: Tr) -> Response {
        let page = ErrorPage {
            t,
            status_line: t.fmt1("common.error", "status", &self.status.as_u16().to_string()),
            title: self.title.in_lang(t),
            message: self.message.in_lang(t),
        };
        let mut response = super::render(self.status, &page);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<FlowError> for PageError {
    fn from(e: FlowError) -> Self {
        unavailable(&e);
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "error.unavailable_title",
            "error.unavailable",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.render_in(Tr::new(Locale::En));
        response.extensions_mut().insert(self);
        response
    }
}

/// Renders error pages in the request's language (the switcher's choice, else
/// `Accept-Language`): handlers return [`PageError`] without knowing the request.
pub async fn localise(lang: RequestLang, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let Some(error) = response.extensions_mut().remove::<PageError>() else {
        return response;
    };
    let t = lang.tr(None, None);
    if t.locale == Locale::En {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let translated = error.render_in(t);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, translated.into_body())
}

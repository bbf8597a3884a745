//! Errors as responses: OAuth JSON for the protocol endpoints, an HTML page for browsers.
//! Internals are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use poort_oidc::OAuthError;

use crate::flows::FlowError;
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

/// An HTML error page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, title: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            title: title.to_string(),
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "This request cannot be handled",
            message,
        )
    }

    pub fn forbidden_csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form was not submitted from this site or it has expired. Go back, reload the page and try again.",
        )
    }
}

impl From<FlowError> for PageError {
    fn from(e: FlowError) -> Self {
        unavailable(&e);
        PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Temporarily unavailable",
            "The service is busy or briefly unavailable. Please try again in a moment.",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            title: self.title,
            message: self.message,
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

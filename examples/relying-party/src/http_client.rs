//! The HTTP client `openidconnect` uses to talk to the provider (discovery, JWKS, token,
//! userinfo): a thin adapter from its `AsyncHttpClient` trait to reqwest.
//!
//! `openidconnect` is built without default features, so it brings no HTTP client of its
//! own; any type implementing `AsyncHttpClient` (or a closure returning a future) will do.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse, http};

/// How long one call to the provider may take before the page shows an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A reqwest client set up for back-channel calls to the provider.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

/// Why a call to the provider failed below the OAuth layer.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    #[error("request to the provider failed: {0}")]
    Reqwest(#[from] reqwest::Error),
    #[error("provider response could not be read: {0}")]
    Response(#[from] http::Error),
}

impl HttpClient {
    pub fn new() -> Result<Self, HttpClientError> {
        let inner = reqwest::Client::builder()
            // Following redirects would let a provider response steer our requests
            // elsewhere (SSRF); OpenID Connect back-channel calls never need them.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()?;
        Ok(Self { inner })
    }

    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpClientError> {
        let response = self.inner.execute(request.try_into()?).await?;

        let mut builder = http::Response::builder()
            .status(response.status())
            .version(response.version());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let body = response.bytes().await?.to_vec();
        Ok(builder.body(body)?)
    }
}

impl<'c> AsyncHttpClient<'c> for HttpClient {
    type Error = HttpClientError;
    // Boxed and `Send` so the handlers that await it can run on axum's multi-threaded runtime.
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.execute(request))
    }
}

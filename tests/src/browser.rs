//! A scripted browser: a cookie store, redirects followed by hand so tests can see each hop, and
//! helpers to read hidden form fields out of our pages.

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

pub struct Browser {
    pub http: Client,
    base: String,
}

impl Browser {
    pub fn new(base: &str) -> Self {
        #[allow(clippy::expect_used)]
        let http = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("reqwest client builds");
        Self {
            http,
            base: base.to_string(),
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{}", self.base, url)
        } else {
            url.to_string()
        }
    }

    pub async fn get(&self, url: &str) -> anyhow::Result<Response> {
        Ok(self.http.get(self.absolute(url)).send().await?)
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> anyhow::Result<Response> {
        Ok(self.http.post(self.absolute(url)).form(form).send().await?)
    }

    /// Follows redirects while they stay on the provider; returns the first off-site location
    /// (the relying party's redirect URI) or the final on-site response's body.
    pub async fn follow(&self, mut response: Response) -> anyhow::Result<Landing> {
        for _ in 0..10 {
            if !response.status().is_redirection() {
                let status = response.status();
                let url = response.url().to_string();
                return Ok(Landing::Page {
                    status,
                    url,
                    body: response.text().await?,
                });
            }
            let location = location(&response)?;
            if location.starts_with('/') || location.starts_with(&self.base) {
                response = self.get(&location).await?;
            } else {
                return Ok(Landing::Away(location));
            }
        }
        anyhow::bail!("too many redirects")
    }

    /// Opens an authorize URL and, on the login page, signs in; returns where the provider sent us.
    pub async fn login_through(
        &self,
        authorize_url: &str,
        login: &str,
        password: &str,
    ) -> anyhow::Result<Landing> {
        let landing = self.follow(self.get(authorize_url).await?).await?;
        let Landing::Page { body, url, .. } = landing else {
            return Ok(landing);
        };
        anyhow::ensure!(url.contains("/login"), "expected the login page, got {url}");
        let csrf = hidden_field(&body, "csrf")?;
        let tx = hidden_field(&body, "tx")?;
        let response = self
            .post_form(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("tx", &tx),
                    ("login", login),
                    ("password", password),
                ],
            )
            .await?;
        self.follow(response).await
    }
}

/// Where a browser ended up.
#[derive(Debug)]
pub enum Landing {
    /// Redirected off the provider, to this URL.
    Away(String),
    /// Stopped on one of our pages.
    Page {
        status: StatusCode,
        url: String,
        body: String,
    },
}

impl Landing {
    pub fn away(self) -> anyhow::Result<url::Url> {
        match self {
            Landing::Away(url) => Ok(url::Url::parse(&url)?),
            Landing::Page { status, url, body } => {
                anyhow::bail!(
                    "expected a redirect to the client, stayed on {url} ({status}): {body}"
                )
            }
        }
    }

    pub fn query(url: &url::Url, name: &str) -> Option<String> {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

pub fn location(response: &Response) -> anyhow::Result<String> {
    Ok(response
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or_else(|| anyhow::anyhow!("no Location header"))?
        .to_str()?
        .to_string())
}

/// The value of `<input type="hidden" name="NAME" value="...">` in our pages.
pub fn hidden_field(html: &str, name: &str) -> anyhow::Result<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .ok_or_else(|| anyhow::anyhow!("no hidden field {name}"))?
        + marker.len();
    let end = html[start..]
        .find('"')
        .ok_or_else(|| anyhow::anyhow!("unterminated field {name}"))?;
    Ok(html[start..start + end].to_string())
}

//! The device flow (RFC 8628) from both sides: the device asking for codes and polling the
//! token endpoint, and the user's browser typing the code on `/device`, signing in and
//! answering the confirmation page.

use reqwest::StatusCode;
use serde_json::Value;

use crate::browser::{Browser, Landing, hidden_field};
use crate::{TestClient, TestServer};

/// The device flow's grant type at the token endpoint.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the device authorization endpoint answered.
#[derive(Debug, Clone)]
pub struct DeviceCodes {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: i64,
    pub interval: i64,
}

impl TestServer {
    /// POSTs `form` to `/device_authorization` as `client` (HTTP Basic with its secret, else its
    /// `client_id` in the body); returns the status and the JSON body.
    pub async fn device_authorization(
        &self,
        client: &TestClient,
        form: &[(&str, &str)],
    ) -> anyhow::Result<(StatusCode, Value)> {
        let http = reqwest::Client::new();
        let url = self.url("/device_authorization");
        let request = match &client.secret {
            Some(secret) => http
                .post(url)
                .basic_auth(&client.id, Some(secret))
                .form(form),
            None => {
                let mut with_id = form.to_vec();
                with_id.push(("client_id", &client.id));
                http.post(url).form(&with_id)
            }
        };
        let response = request.send().await?;
        let status = response.status();
        Ok((status, response.json().await?))
    }

    /// Starts a device flow for `client` with `scope`; it must succeed.
    pub async fn start_device_flow(
        &self,
        client: &TestClient,
        scope: &str,
    ) -> anyhow::Result<DeviceCodes> {
        let (status, body) = self
            .device_authorization(client, &[("scope", scope)])
            .await?;
        anyhow::ensure!(status == StatusCode::OK, "{status}: {body}");
        let text = |name: &str| {
            body[name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("no {name} in {body}"))
        };
        let number = |name: &str| {
            body[name]
                .as_i64()
                .ok_or_else(|| anyhow::anyhow!("no {name} in {body}"))
        };
        Ok(DeviceCodes {
            device_code: text("device_code")?,
            user_code: text("user_code")?,
            verification_uri: text("verification_uri")?,
            verification_uri_complete: text("verification_uri_complete")?,
            expires_in: number("expires_in")?,
            interval: number("interval")?,
        })
    }

    /// One poll of the token endpoint with `device_code`, as `client`.
    pub async fn poll_device(
        &self,
        client: &TestClient,
        device_code: &str,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let response = self
            .token(
                client,
                &[("grant_type", DEVICE_GRANT), ("device_code", device_code)],
            )
            .await?;
        let status = response.status();
        Ok((status, response.json().await?))
    }
}

/// The OAuth error of a token endpoint answer (empty when there is none).
pub fn error_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

/// Types `user_code` on the browser's `/device` page (opened first for its form) and submits
/// it; returns where the browser ended up.
pub async fn enter_code(browser: &Browser, user_code: &str) -> anyhow::Result<Landing> {
    let page = browser.get("/device").await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let response = browser
        .post_form("/device", &[("csrf", &csrf), ("user_code", user_code)])
        .await?;
    browser.follow(response).await
}

/// Opens `url` (a `verification_uri_complete`), submits its prefilled code, and signs in
/// with `login` and `password` when the login page comes; returns where the browser ended up
/// (the confirmation page when all went well).
pub async fn open_and_sign_in(
    browser: &Browser,
    url: &str,
    login: &str,
    password: &str,
) -> anyhow::Result<Landing> {
    let page = browser.get(url).await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let code = hidden_field(&page, "user_code")?;
    let response = browser
        .post_form("/device", &[("csrf", &csrf), ("user_code", &code)])
        .await?;
    let landing = browser.follow(response).await?;
    let Landing::Page { url, body, .. } = &landing else {
        return Ok(landing);
    };
    if !url.contains("/login") {
        return Ok(landing);
    }
    let form = [
        ("csrf", hidden_field(body, "csrf")?),
        ("tx", hidden_field(body, "tx")?),
        ("login", login.to_owned()),
        ("password", password.to_owned()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser
        .follow(browser.post_form("/login", &form).await?)
        .await
}

/// Answers the confirmation page `body` with `decision` (`approve` or `deny`).
pub async fn answer(
    browser: &Browser,
    body: &str,
    decision: &str,
) -> anyhow::Result<reqwest::Response> {
    let csrf = hidden_field(body, "csrf")?;
    let tx = hidden_field(body, "tx")?;
    browser
        .post_form(
            "/device/confirm",
            &[("csrf", &csrf), ("tx", &tx), ("decision", decision)],
        )
        .await
}

/// The confirmation page's body, or an error naming where the browser was instead.
pub fn confirmation(landing: Landing) -> anyhow::Result<String> {
    match landing {
        Landing::Page { url, body, .. } if url.contains("/device/confirm") => Ok(body),
        other => anyhow::bail!("expected the confirmation page, got {other:?}"),
    }
}

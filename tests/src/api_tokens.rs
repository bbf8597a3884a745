//! API-token helpers: minting on the account page, calling the token API with a Bearer token,
//! and introspecting as a client.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::browser::{Browser, hidden_field};
use crate::mfa::element_text;
use crate::{TestClient, TestServer};

/// A token of `user_id` minted as the flow mints it (bound to `org_id` when given), after a
/// sign-in described by `amr`, living `secs`; returns the secret.
pub async fn mint_token(
    server: &TestServer,
    user_id: &str,
    org_id: Option<&str>,
    scopes: &[&str],
    amr: &[&str],
    secs: i64,
) -> anyhow::Result<String> {
    let minted = poort_server::flows::api_tokens::mint(
        &server.state,
        poort_server::flows::api_tokens::MintRequest {
            user_id: user_id.to_owned(),
            org_id: org_id.map(str::to_owned),
            name: "automation".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_in_secs: secs,
            amr: amr.iter().map(|a| a.to_string()).collect(),
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(minted.secret)
}

/// What the token API answered.
#[derive(Debug)]
pub struct ApiReply {
    pub status: StatusCode,
    pub www_authenticate: Option<String>,
    pub body: Value,
}

/// Calls `path` on `node` with `Authorization: Bearer <token>` (none when `token` is `None`).
pub async fn call(
    node: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> anyhow::Result<ApiReply> {
    let mut request = reqwest::Client::new().request(method, node.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = response.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    };
    Ok(ApiReply {
        status,
        www_authenticate,
        body,
    })
}

/// Mints a token on `/account/tokens` (the browser is signed in); returns the status and the
/// page, whose `#new-token` holds the secret when it worked.
pub async fn mint_on_page(
    browser: &Browser,
    name: &str,
    scopes: &[&str],
    days: &str,
) -> anyhow::Result<(StatusCode, String)> {
    let page = browser.get("/account/tokens").await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", name),
        ("expires_in_days", days),
    ];
    form.extend(scopes.iter().map(|s| ("scopes", *s)));
    let response = browser.post_form("/account/tokens", &form).await?;
    Ok((response.status(), response.text().await?))
}

/// The secret shown on the page answering a successful mint.
pub fn secret_on(page: &str) -> anyhow::Result<String> {
    element_text(page, "new-token")
}

/// Posts the page's revoke form for token `id`.
pub async fn revoke_on_page(browser: &Browser, id: &str) -> anyhow::Result<(StatusCode, String)> {
    let page = browser.get("/account/tokens").await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let response = browser
        .post_form("/account/tokens/revoke", &[("csrf", &csrf), ("id", id)])
        .await?;
    Ok((response.status(), response.text().await?))
}

/// RFC 7662 introspection of `token` by `client` on `node`.
pub async fn introspect(
    node: &TestServer,
    client: &TestClient,
    token: &str,
) -> anyhow::Result<Value> {
    let response = reqwest::Client::new()
        .post(node.url("/introspect"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "introspection: {}",
        response.status()
    );
    Ok(response.json().await?)
}

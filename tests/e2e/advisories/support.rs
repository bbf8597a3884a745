//! What the advisory tests share: token-endpoint calls, introspection as a given client, form
//! posts with forwarding headers, and the variants of a secret an attacker would try.

use poort_tests::forms::Reply;
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, TestClient, TestServer};
use reqwest::StatusCode;
use serde_json::Value;

pub fn text(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_string()
}

/// A refresh grant by `client`; the status and the JSON answer.
pub async fn refresh(
    server: &TestServer,
    client: &TestClient,
    token: &str,
) -> anyhow::Result<(StatusCode, Value)> {
    let response = server
        .token(
            client,
            &[("grant_type", "refresh_token"), ("refresh_token", token)],
        )
        .await?;
    Ok((response.status(), response.json().await?))
}

/// RFC 7662 introspection of `token`, authenticated as the confidential `client`.
pub async fn introspect(
    server: &TestServer,
    client: &TestClient,
    token: &str,
) -> anyhow::Result<Value> {
    let response = reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await?;
    anyhow::ensure!(response.status() == StatusCode::OK, "{}", response.status());
    Ok(response.json().await?)
}

/// RFC 7009 revocation of `token`, authenticated as the confidential `client`.
pub async fn revoke(
    server: &TestServer,
    client: &TestClient,
    token: &str,
) -> anyhow::Result<StatusCode> {
    let response = reqwest::Client::new()
        .post(server.url("/revoke"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await?;
    Ok(response.status())
}

/// Posts the login form with extra request headers (forwarding headers, mostly).
pub async fn login_with_headers(
    browser: &Browser,
    base: &str,
    csrf: &str,
    login: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> anyhow::Result<Reply> {
    let mut request = browser.http.post(format!("{base}/login")).form(&[
        ("csrf", csrf),
        ("tx", ""),
        ("login", login),
        ("password", password),
    ]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Reply::read(request.send().await?).await
}

/// What an attacker makes of a captured secret: cut short at either end, halved, extended,
/// doubled, one character changed at either end, and its case flipped. Never the secret itself.
pub fn variants(secret: &str) -> Vec<String> {
    let n = secret.len();
    let other = |c: Option<char>| if c == Some('A') { 'B' } else { 'A' };
    let mut out = vec![
        secret[..n - 1].to_string(),
        secret[1..].to_string(),
        secret[..n / 2].to_string(),
        format!("{secret}A"),
        format!("{secret}{secret}"),
        format!("{}{}", &secret[..n - 1], other(secret.chars().last())),
        format!("{}{}", other(secret.chars().next()), &secret[1..]),
        secret.to_uppercase(),
        secret.to_lowercase(),
    ];
    out.retain(|v| v != secret && !v.is_empty());
    out.dedup();
    out
}

/// The newest link starting with `prefix` mailed to `to`, waiting up to 10 s for it (other mail,
/// such as notices, may arrive in between).
pub async fn mailed_link(sink: &SmtpSink, to: &str, prefix: &str) -> anyhow::Result<String> {
    for _ in 0..200 {
        let found = sink
            .messages_to(to)
            .iter()
            .rev()
            .find_map(|m| m.link(prefix).ok());
        if let Some(link) = found {
            return Ok(link);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("no link {prefix}… mailed to {to}")
}

/// An API token of `user_id` (bound to `org_id` when given) with `scopes`, living two days;
/// its id and secret.
pub async fn api_token(
    server: &TestServer,
    user_id: &str,
    org_id: Option<&str>,
    scopes: &[&str],
) -> anyhow::Result<(String, String)> {
    use poort_server::flows::api_tokens::{MintRequest, mint};
    let minted = mint(
        &server.state,
        MintRequest {
            user_id: user_id.to_owned(),
            org_id: org_id.map(str::to_owned),
            name: "automation".into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_in_secs: 2 * 86_400,
            amr: vec!["pwd".into()],
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((minted.token.id, minted.secret))
}

/// A browser signed in as `email` (password `PASSWORD`).
pub async fn signed_in(server: &TestServer, email: &str) -> anyhow::Result<Browser> {
    let browser = server.browser();
    let reply = poort_tests::forms::login(&browser, email, poort_tests::PASSWORD).await?;
    anyhow::ensure!(reply.status == StatusCode::SEE_OTHER, "{}", reply.body);
    Ok(browser)
}

/// The roles of `user_id` in `org_id`, `None` when not a member.
pub async fn roles_in(
    server: &TestServer,
    org_id: &str,
    user_id: &str,
) -> anyhow::Result<Option<Vec<String>>> {
    let member = poort_store::orgs::find_member(&server.state.db, org_id, user_id).await?;
    Ok(member.map(|m| m.roles))
}

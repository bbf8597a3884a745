//! The refresh grant as issue 15 wants it: a narrower refresh keeps the original grant
//! (RFC 6749 §6); a retry of a just-rotated token by its client within the grace window gets
//! a working successor and kills the undelivered one, while reuse after the window, by another
//! client, or after the successor was used revokes the family; `offline_access` (OIDC Core
//! §11) decides whether a third-party client gets a refresh token at all.

use std::collections::BTreeSet;

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup};
use reqwest::StatusCode;
use serde_json::Value;

fn text(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap_or_default().to_owned()
}

fn words(text: &str) -> BTreeSet<&str> {
    text.split(' ').filter(|w| !w.is_empty()).collect()
}

/// A code for `scope`, signing in if needed and consenting if asked.
async fn code_for(
    server: &TestServer,
    browser: &Browser,
    client: &TestClient,
    scope: &str,
) -> anyhow::Result<String> {
    let url = server.authorize_url(client, &[("scope", scope)]);
    let mut landing = browser.follow(browser.get(&url).await?).await?;
    if let Landing::Page { url: page, .. } = &landing
        && page.contains("/login")
    {
        landing = browser.login_through(&url, EMAIL, PASSWORD).await?;
    }
    if let Landing::Page { body, url, .. } = &landing
        && url.contains("/consent")
    {
        let csrf = hidden_field(body, "csrf")?;
        let tx = hidden_field(body, "tx")?;
        let response = browser
            .post_form(
                "/consent",
                &[("csrf", &csrf), ("tx", &tx), ("decision", "allow")],
            )
            .await?;
        landing = browser.follow(response).await?;
    }
    let back = landing.away()?;
    Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))
}

/// The token response for `code` (redeemed without PKCE: the test clients opt out).
async fn tokens_for(server: &TestServer, client: &TestClient, code: &str) -> anyhow::Result<Value> {
    let (status, tokens) = server.redeem(client, code, None).await?;
    anyhow::ensure!(status == StatusCode::OK, "{tokens}");
    Ok(tokens)
}

async fn refresh(
    server: &TestServer,
    client: &TestClient,
    token: &str,
    scope: Option<&str>,
) -> anyhow::Result<(StatusCode, Value)> {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let response = server.token(client, &form).await?;
    Ok((response.status(), response.json().await?))
}

async fn introspect(
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
    Ok(response.json().await?)
}

async fn active(server: &TestServer, client: &TestClient, token: &str) -> anyhow::Result<bool> {
    Ok(introspect(server, client, token).await?["active"] == true)
}

/// Refreshes `token` and expects a refusal with `invalid_grant`.
async fn refused(server: &TestServer, client: &TestClient, token: &str) -> anyhow::Result<()> {
    let (status, body) = refresh(server, client, token, None).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(text(&body, "error"), "invalid_grant", "{body}");
    Ok(())
}

/// The case of the issue: `openid profile email` granted, a refresh asks for `openid email`,
/// the next for `openid profile`; each access token gets what was asked, the refresh token
/// keeps the grant.
#[tokio::test]
async fn a_narrower_refresh_keeps_the_original_grant() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = code_for(&server, &browser, &client, "openid profile email").await?;
    let tokens = tokens_for(&server, &client, &code).await?;

    let (status, narrow) = refresh(
        &server,
        &client,
        &text(&tokens, "refresh_token"),
        Some("openid email"),
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{narrow}");
    assert_eq!(words(&text(&narrow, "scope")), words("openid email"));
    let info = introspect(&server, &client, &text(&narrow, "access_token")).await?;
    assert_eq!(
        words(&text(&info, "scope")),
        words("openid email"),
        "{info}"
    );
    // The refresh token still carries the whole grant.
    let info = introspect(&server, &client, &text(&narrow, "refresh_token")).await?;
    assert_eq!(
        words(&text(&info, "scope")),
        words("openid profile email"),
        "{info}"
    );

    let (status, other) = refresh(
        &server,
        &client,
        &text(&narrow, "refresh_token"),
        Some("openid profile"),
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "the original grant again: {other}");
    assert_eq!(words(&text(&other, "scope")), words("openid profile"));

    // No scope asked: the whole grant.
    let (status, whole) = refresh(&server, &client, &text(&other, "refresh_token"), None).await?;
    assert_eq!(status, StatusCode::OK, "{whole}");
    assert_eq!(words(&text(&whole, "scope")), words("openid profile email"));

    // Never more than the grant.
    let (status, body) = refresh(
        &server,
        &client,
        &text(&whole, "refresh_token"),
        Some("openid email roles"),
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(text(&body, "error"), "invalid_scope");
    Ok(())
}

/// The answer to a rotation was lost; the client retries with the same token within the
/// window (5 s by default): it gets a working successor, the one it never received is dead
/// (with its access token), and the family lives on.
#[tokio::test]
async fn a_retry_within_the_window_gets_a_working_successor_and_the_undelivered_one_dies()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let first = text(&tokens_for(&server, &client, &code).await?, "refresh_token");

    let (status, lost) = refresh(&server, &client, &first, None).await?;
    assert_eq!(status, StatusCode::OK, "{lost}");
    server.clock.advance(4);
    let (status, retried) = refresh(&server, &client, &first, None).await?;
    assert_eq!(status, StatusCode::OK, "the retry works: {retried}");
    assert_ne!(
        text(&retried, "refresh_token"),
        text(&lost, "refresh_token")
    );

    // The undelivered successor and its access token are dead...
    assert!(!active(&server, &client, &text(&lost, "refresh_token")).await?);
    assert!(!active(&server, &client, &text(&lost, "access_token")).await?);
    refused(&server, &client, &text(&lost, "refresh_token")).await?;
    // ...and presenting it revoked nothing: the retry's tokens live and rotate on.
    assert!(active(&server, &client, &text(&retried, "access_token")).await?);
    let (status, next) = refresh(&server, &client, &text(&retried, "refresh_token"), None).await?;
    assert_eq!(status, StatusCode::OK, "the family lives: {next}");
    assert!(active(&server, &client, &text(&next, "refresh_token")).await?);
    Ok(())
}

/// Reuse after the window is reuse: the family is revoked, the delivered successor with it.
#[tokio::test]
async fn a_retry_after_the_window_revokes_the_family() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let first = text(&tokens_for(&server, &client, &code).await?, "refresh_token");
    let (status, second) = refresh(&server, &client, &first, None).await?;
    assert_eq!(status, StatusCode::OK, "{second}");

    server.clock.advance(6);
    refused(&server, &client, &first).await?;
    assert!(!active(&server, &client, &text(&second, "access_token")).await?);
    refused(&server, &client, &text(&second, "refresh_token")).await?;
    Ok(())
}

/// Within the window too, a rotated token is reuse when its successor was already used (the
/// client had it) or when another client presents it.
#[tokio::test]
async fn a_rotated_token_within_the_window_is_reuse_after_its_successor_was_used_or_from_another_client()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    // The successor was used: presenting its parent again revokes the family.
    let code = server.obtain_code(&browser, &client, None).await?;
    let first = text(&tokens_for(&server, &client, &code).await?, "refresh_token");
    let (_, second) = refresh(&server, &client, &first, None).await?;
    let (status, third) = refresh(&server, &client, &text(&second, "refresh_token"), None).await?;
    assert_eq!(status, StatusCode::OK, "{third}");
    refused(&server, &client, &first).await?;
    refused(&server, &client, &text(&third, "refresh_token")).await?;
    assert!(!active(&server, &client, &text(&third, "access_token")).await?);

    // Another client presenting a just-rotated token gets no grace.
    let other = server
        .create_client(ClientSpec {
            redirect_uri: "http://127.0.0.1:9999/other-callback".into(),
            ..ClientSpec::default()
        })
        .await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let first = text(&tokens_for(&server, &client, &code).await?, "refresh_token");
    let (_, second) = refresh(&server, &client, &first, None).await?;
    refused(&server, &other, &first).await?;
    refused(&server, &client, &text(&second, "refresh_token")).await?;
    Ok(())
}

/// OIDC Core §11: a third-party client gets a refresh token only for `offline_access`, which
/// the user consented to; `openid` alone gives none. A first-party client gets one by policy.
#[tokio::test]
async fn refresh_tokens_follow_offline_access_for_third_party_clients() -> anyhow::Result<()> {
    let spec = ClientSpec {
        first_party: false,
        ..ClientSpec::default()
    };
    let (server, third_party, browser) = setup(spec, |_| {}).await?;
    let code = code_for(&server, &browser, &third_party, "openid").await?;
    let tokens = tokens_for(&server, &third_party, &code).await?;
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    assert!(tokens.get("id_token").is_some(), "{tokens}");

    // Asking for offline_access shows the consent page again (a scope not yet consented to).
    let url = server.authorize_url(&third_party, &[("scope", "openid offline_access")]);
    let landing = browser.follow(browser.get(&url).await?).await?;
    let Landing::Page { url: page, .. } = &landing else {
        anyhow::bail!("expected the consent page, got {landing:?}");
    };
    assert!(page.contains("/consent"), "{page}");
    let code = code_for(&server, &browser, &third_party, "openid offline_access").await?;
    let tokens = tokens_for(&server, &third_party, &code).await?;
    let first = text(&tokens, "refresh_token");
    assert!(!first.is_empty(), "{tokens}");
    let (status, body) = refresh(&server, &third_party, &first, None).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!text(&body, "refresh_token").is_empty(), "{body}");

    // A first-party client: by policy, also for `openid` alone.
    let first_party = server
        .create_client(ClientSpec {
            redirect_uri: "http://127.0.0.1:9999/first-callback".into(),
            ..ClientSpec::default()
        })
        .await?;
    let code = code_for(&server, &browser, &first_party, "openid").await?;
    let tokens = tokens_for(&server, &first_party, &code).await?;
    assert!(!text(&tokens, "refresh_token").is_empty(), "{tokens}");
    Ok(())
}

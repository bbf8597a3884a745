//! The hot-path caches (server `cache.rs`) never outlive what they must not: a revoked access token
//! is refused at once although its verification is cached, a disabled user and a changed client
//! secret take effect after `cache_ttl_secs` (at once with the cache off).

use poort_oidc::token_request::GrantType;
use poort_store::entities::{clients, users};
use poort_tests::{ClientSpec, TestClient, TestServer, setup};
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

fn spec() -> ClientSpec {
    ClientSpec {
        grants: vec![
            GrantType::AuthorizationCode,
            GrantType::RefreshToken,
            GrantType::ClientCredentials,
        ],
        ..ClientSpec::default()
    }
}

async fn access_token(
    server: &TestServer,
    client: &TestClient,
    browser: &poort_tests::Browser,
) -> anyhow::Result<String> {
    let code = server.obtain_code(browser, client, None).await?;
    let (status, tokens) = server.redeem(client, &code, None).await?;
    anyhow::ensure!(status == StatusCode::OK, "redeem: {status} {tokens}");
    Ok(tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

async fn userinfo(server: &TestServer, token: &str) -> anyhow::Result<StatusCode> {
    Ok(reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await?
        .status())
}

/// POSTs `form` to `path` with the client's Basic credentials.
async fn post_as_client(
    server: &TestServer,
    client: &TestClient,
    path: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<reqwest::Response> {
    Ok(reqwest::Client::new()
        .post(server.url(path))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(form)
        .send()
        .await?)
}

async fn active(server: &TestServer, client: &TestClient, token: &str) -> anyhow::Result<bool> {
    let response = post_as_client(server, client, "/introspect", &[("token", token)]).await?;
    let answer: Value = response.json().await?;
    Ok(answer["active"] == true)
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_at_once_although_its_check_is_cached()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    let token = access_token(&server, &client, &browser).await?;
    // Twice each: the second answer comes from the verified-token cache.
    for _ in 0..2 {
        assert_eq!(userinfo(&server, &token).await?, StatusCode::OK);
        assert!(active(&server, &client, &token).await?);
    }
    assert!(!server.state.caches.tokens.is_empty());

    let revoked = post_as_client(&server, &client, "/revoke", &[("token", &token)]).await?;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(userinfo(&server, &token).await?, StatusCode::UNAUTHORIZED);
    assert!(!active(&server, &client, &token).await?);

    // A token differing only in its signature is not taken for the cached one.
    let mut forged = token.clone().into_bytes();
    let at = forged.len() - 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged)?;
    assert_eq!(userinfo(&server, &forged).await?, StatusCode::UNAUTHORIZED);
    Ok(())
}

async fn disable_user(server: &TestServer) -> anyhow::Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::Disabled, Expr::value(true))
        .filter(users::Column::Email.eq(poort_tests::EMAIL))
        .exec(server.state.db.conn())
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_disabled_user_loses_userinfo_after_the_cache_ttl() -> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    let ttl = server.state.config.cache_ttl_secs;
    assert!(ttl > 0, "the cache is on by default");
    let token = access_token(&server, &client, &browser).await?;
    assert_eq!(userinfo(&server, &token).await?, StatusCode::OK);
    disable_user(&server).await?;
    // Still cached: the documented staleness.
    assert_eq!(userinfo(&server, &token).await?, StatusCode::OK);
    server.clock.advance(ttl);
    assert_eq!(userinfo(&server, &token).await?, StatusCode::UNAUTHORIZED);

    // With the cache off the change shows at once.
    let (server, client, browser) = setup(spec(), |c| c.cache_ttl_secs = 0).await?;
    let token = access_token(&server, &client, &browser).await?;
    assert_eq!(userinfo(&server, &token).await?, StatusCode::OK);
    disable_user(&server).await?;
    assert_eq!(userinfo(&server, &token).await?, StatusCode::UNAUTHORIZED);
    Ok(())
}

async fn client_credentials(
    server: &TestServer,
    client: &TestClient,
) -> anyhow::Result<StatusCode> {
    let form = [("grant_type", "client_credentials")];
    Ok(post_as_client(server, client, "/token", &form)
        .await?
        .status())
}

async fn change_secret(server: &TestServer, client: &TestClient) -> anyhow::Result<()> {
    clients::Entity::update_many()
        .col_expr(
            clients::Column::SecretDigest,
            Expr::value(poort_credentials::digest_secret("a new secret")),
        )
        .filter(clients::Column::Id.eq(client.id.as_str()))
        .exec(server.state.db.conn())
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_changed_client_secret_applies_after_the_cache_ttl() -> anyhow::Result<()> {
    let (server, client, _) = setup(spec(), |_| {}).await?;
    assert_eq!(client_credentials(&server, &client).await?, StatusCode::OK);
    change_secret(&server, &client).await?;
    assert_eq!(client_credentials(&server, &client).await?, StatusCode::OK);
    server.clock.advance(server.state.config.cache_ttl_secs);
    assert_eq!(
        client_credentials(&server, &client).await?,
        StatusCode::UNAUTHORIZED
    );

    let (server, client, _) = setup(spec(), |c| c.cache_ttl_secs = 0).await?;
    assert_eq!(client_credentials(&server, &client).await?, StatusCode::OK);
    change_secret(&server, &client).await?;
    assert_eq!(
        client_credentials(&server, &client).await?,
        StatusCode::UNAUTHORIZED
    );
    Ok(())
}

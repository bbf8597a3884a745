//! The `organizations` and `roles` scopes: the user's organisations (with roles under
//! `roles`) in the ID token and from userinfo; nothing without those scopes.

use poort_tests::browser::Browser;
use poort_tests::mfa::jwt_claims;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup};
use serde_json::{Value, json};

async fn tokens(
    server: &TestServer,
    client: &TestClient,
    browser: &Browser,
    scope: &str,
) -> anyhow::Result<Value> {
    let url = server.authorize_url(client, &[("scope", scope)]);
    let back = browser.login_through(&url, EMAIL, PASSWORD).await?.away()?;
    let code = poort_tests::browser::Landing::query(&back, "code")
        .ok_or_else(|| anyhow::anyhow!("no code in {back}"))?;
    let (status, body) = server.redeem(client, &code, None).await?;
    anyhow::ensure!(status.is_success(), "{body}");
    Ok(body)
}

async fn userinfo(server: &TestServer, access_token: &str) -> anyhow::Result<Value> {
    Ok(reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await?
        .json()
        .await?)
}

#[tokio::test]
async fn organisations_and_roles_are_claims_by_scope() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let acme = server.create_org("Acme", Some(EMAIL)).await?;
    let other = server.create_org("Other", None).await?;
    server.add_member(&other, EMAIL, &["auditor"]).await?;

    let with_roles = tokens(&server, &client, &browser, "openid roles").await?;
    let id_token = jwt_claims(with_roles["id_token"].as_str().unwrap_or_default())?;
    let expected = json!([
        {"id": acme.id, "name": "Acme", "roles": ["owner"]},
        {"id": other.id, "name": "Other", "roles": ["auditor"]},
    ]);
    assert_eq!(id_token["organizations"], expected);
    let info = userinfo(
        &server,
        with_roles["access_token"].as_str().unwrap_or_default(),
    )
    .await?;
    assert_eq!(info["organizations"], expected);

    let names_only = tokens(&server, &client, &server.browser(), "openid organizations").await?;
    let id_token = jwt_claims(names_only["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(
        id_token["organizations"][0],
        json!({"id": acme.id, "name": "Acme"})
    );

    let plain = tokens(&server, &client, &server.browser(), "openid email").await?;
    let id_token = jwt_claims(plain["id_token"].as_str().unwrap_or_default())?;
    assert!(id_token.get("organizations").is_none(), "{id_token}");
    let info = userinfo(&server, plain["access_token"].as_str().unwrap_or_default()).await?;
    assert!(info.get("organizations").is_none(), "{info}");
    Ok(())
}

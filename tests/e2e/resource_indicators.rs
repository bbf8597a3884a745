//! Resource indicators (RFC 8707) in the user grants: an authorization request names the APIs
//! its tokens are for, each one of the client's registered audiences; the token request may
//! narrow them; the refresh token keeps them as its grant (like its scope) and each refresh may
//! ask for any of them. A resource outside what the client may reach is `invalid_target`,
//! sent back the way the request asked (redirect) or as the token endpoint's JSON, and uses
//! nothing up. Without any resource the token is for the client itself, as before.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_tests::browser::Landing;
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup};
use reqwest::StatusCode;
use serde_json::Value;

const REPORTS: &str = "https://reports.example/api";
const BILLING: &str = "https://billing.example/api";
const OTHER: &str = "https://other.example/api";

fn spec() -> ClientSpec {
    ClientSpec {
        audiences: vec![REPORTS.into(), BILLING.into()],
        ..ClientSpec::default()
    }
}

fn audience_of(jwt: &str) -> anyhow::Result<Vec<String>> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("not a JWT"))?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?;
    Ok(match &claims["aud"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        other => anyhow::bail!("aud is {other}"),
    })
}

/// Signs in through an authorization request with `resources` and returns where it lands.
async fn authorize(
    server: &TestServer,
    browser: &Browser,
    client: &TestClient,
    resources: &[&str],
) -> anyhow::Result<url::Url> {
    let mut url = server.authorize_url(client, &[("scope", "openid email")]);
    for resource in resources {
        url.push_str("&resource=");
        url.push_str(
            &url::form_urlencoded::byte_serialize(resource.as_bytes()).collect::<String>(),
        );
    }
    browser.login_through(&url, EMAIL, PASSWORD).await?.away()
}

async fn code_for(
    server: &TestServer,
    browser: &Browser,
    client: &TestClient,
    resources: &[&str],
) -> anyhow::Result<String> {
    let back = authorize(server, browser, client, resources).await?;
    Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))
}

async fn token(
    server: &TestServer,
    client: &TestClient,
    form: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, Value)> {
    let response = server.token(client, form).await?;
    Ok((response.status(), response.json().await?))
}

async fn redeem(
    server: &TestServer,
    client: &TestClient,
    code: &str,
    resources: &[&str],
) -> anyhow::Result<(StatusCode, Value)> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", client.redirect_uri.as_str()),
    ];
    form.extend(resources.iter().map(|r| ("resource", *r)));
    token(server, client, &form).await
}

async fn refresh(
    server: &TestServer,
    client: &TestClient,
    refresh_token: &str,
    resources: &[&str],
) -> anyhow::Result<(StatusCode, Value)> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    form.extend(resources.iter().map(|r| ("resource", *r)));
    token(server, client, &form).await
}

fn text(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_access_token_is_for_the_resources_the_authorization_named() -> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    let code = code_for(&server, &browser, &client, &[REPORTS]).await?;
    let (status, tokens) = redeem(&server, &client, &code, &[]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [REPORTS]);
    // The ID token stays the client's (OIDC Core §2).
    assert_eq!(
        audience_of(&text(&tokens, "id_token"))?,
        [client.id.clone()]
    );
    // Introspection tells the resource server the same.
    let introspected: Value = reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", text(&tokens, "access_token"))])
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["aud"], REPORTS, "{introspected}");
    Ok(())
}

#[tokio::test]
async fn without_any_resource_the_token_is_for_the_client_itself() -> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    let code = code_for(&server, &browser, &client, &[]).await?;
    let (status, tokens) = redeem(&server, &client, &code, &[]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        audience_of(&text(&tokens, "access_token"))?,
        [client.id.clone()]
    );
    // The token request alone may name one of the client's audiences (RFC 8707 §2.2) …
    let code = code_for(&server, &browser, &client, &[]).await?;
    let (status, tokens) = redeem(&server, &client, &code, &[BILLING]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [BILLING]);
    // … but nothing else.
    let code = code_for(&server, &browser, &client, &[]).await?;
    let (status, body) = redeem(&server, &client, &code, &[OTHER]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_target", "{body}");
    Ok(())
}

#[tokio::test]
async fn an_unregistered_resource_at_authorization_goes_back_as_invalid_target()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    for resources in [
        vec![OTHER],
        vec![REPORTS, OTHER],
        vec!["https://reports.example/api#x"],
    ] {
        let back = authorize(&server, &browser, &client, &resources).await?;
        assert_eq!(
            Landing::query(&back, "error").as_deref(),
            Some("invalid_target"),
            "{resources:?}: {back}"
        );
        assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
        assert_eq!(Landing::query(&back, "code"), None);
    }
    Ok(())
}

#[tokio::test]
async fn the_token_request_narrows_within_the_authorized_resources() -> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    let code = code_for(&server, &browser, &client, &[REPORTS]).await?;
    // BILLING is the client's, but this authorization did not name it.
    let (status, body) = redeem(&server, &client, &code, &[BILLING]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_target", "{body}");

    let code = code_for(&server, &browser, &client, &[REPORTS, BILLING]).await?;
    let (status, tokens) = redeem(&server, &client, &code, &[BILLING]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [BILLING]);
    Ok(())
}

#[tokio::test]
async fn refresh_keeps_the_authorized_resources_as_its_grant() -> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    let code = code_for(&server, &browser, &client, &[REPORTS, BILLING]).await?;
    let (status, tokens) = redeem(&server, &client, &code, &[REPORTS]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [REPORTS]);

    // A narrower first token does not narrow the refresh token's grant.
    let (status, tokens) = refresh(
        &server,
        &client,
        &text(&tokens, "refresh_token"),
        &[BILLING],
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [BILLING]);
    let (status, tokens) = refresh(&server, &client, &text(&tokens, "refresh_token"), &[]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        audience_of(&text(&tokens, "access_token"))?,
        [REPORTS, BILLING]
    );

    // Outside the grant: refused, and the refresh token is not used up.
    let current = text(&tokens, "refresh_token");
    let (status, body) = refresh(&server, &client, &current, &[OTHER]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_target", "{body}");
    let (status, body) = refresh(&server, &client, &current, &["not a uri"]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_target", "{body}");
    let (status, tokens) = refresh(&server, &client, &current, &[REPORTS]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [REPORTS]);
    Ok(())
}

#[tokio::test]
async fn a_refresh_without_authorized_resources_may_name_the_clients_audiences()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    let code = code_for(&server, &browser, &client, &[]).await?;
    let (_, tokens) = redeem(&server, &client, &code, &[]).await?;
    let (status, tokens) = refresh(
        &server,
        &client,
        &text(&tokens, "refresh_token"),
        &[REPORTS],
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [REPORTS]);
    let (status, tokens) = refresh(&server, &client, &text(&tokens, "refresh_token"), &[]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(
        audience_of(&text(&tokens, "access_token"))?,
        [client.id.clone()]
    );
    let (status, body) =
        refresh(&server, &client, &text(&tokens, "refresh_token"), &[OTHER]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_target", "{body}");
    Ok(())
}

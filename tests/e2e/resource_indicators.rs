//! Resource indicators (RFC 8707) in the user grants: an authorization request names the APIs
//! its tokens are for, each one of the client's registered audiences; the token request may
//! narrow them; the refresh token keeps them as its grant (like its scope) and each refresh may
//! ask for any of them. A resource outside what the client may reach is `invalid_target`,
//! sent back the way the request asked (redirect) or as the token endpoint's JSON, and uses
//! nothing up. Without any resource the token is for the client itself, as before.

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::jwt::audience_of;
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
    let mut landing = browser.login_through(&url, EMAIL, PASSWORD).await?;
    // A third-party client (registered by an organisation) asks for consent first.
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
    landing.away()
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
        std::slice::from_ref(&client.id)
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
        std::slice::from_ref(&client.id)
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
        std::slice::from_ref(&client.id)
    );
    let (status, body) =
        refresh(&server, &client, &text(&tokens, "refresh_token"), &[OTHER]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_target", "{body}");
    Ok(())
}

#[tokio::test]
async fn an_organisation_changes_a_clients_audiences_and_the_next_authorization_follows()
-> anyhow::Result<()> {
    use poort_tests::orgs::ALL_SCOPES;
    use reqwest::Method;
    use serde_json::json;
    let server = poort_tests::start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let owner = server.create_user("owner@a.example", PASSWORD).await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}/clients", org.id);
    let created = server
        .api(
            Method::POST,
            &base,
            Some(&token),
            Some(json!({
                "name": "Web", "redirect_uris": ["http://127.0.0.1:9999/callback"],
                "audiences": [REPORTS], "pkce_required": false,
            })),
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let client = TestClient {
        id: text(&created.json, "client_id"),
        secret: created.json["client_secret"].as_str().map(str::to_owned),
        redirect_uri: "http://127.0.0.1:9999/callback".into(),
        post_logout_redirect_uri: String::new(),
    };
    let one = format!("{base}/{}", client.id);
    let patch = |body: Value| server.api(Method::PATCH, &one, Some(&token), Some(body));

    // A malformed audience is refused and nothing of the request changes (one transaction).
    let refused = patch(json!({
        "web_origins": ["https://spa.example"], "audiences": [BILLING, "not a uri"],
    }))
    .await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let unchanged = poort_store::clients::find(&server.state.db, &client.id).await?;
    let unchanged = unchanged.ok_or_else(|| anyhow::anyhow!("client gone"))?;
    assert!(
        unchanged.web_origins.is_empty(),
        "{:?}",
        unchanged.web_origins
    );
    assert_eq!(unchanged.audiences, [REPORTS]);
    let browser = server.browser();
    let back = authorize(&server, &browser, &client, &[BILLING]).await?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("invalid_target")
    );

    let changed = patch(json!({ "audiences": [BILLING] })).await?;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["audiences"], json!([BILLING]));
    // The next authorization follows (this node forgot its cached registration).
    server.clock.advance(server.state.config.cache_ttl_secs + 1);
    let code = code_for(&server, &browser, &client, &[BILLING]).await?;
    let (status, tokens) = redeem(&server, &client, &code, &[]).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(audience_of(&text(&tokens, "access_token"))?, [BILLING]);
    let back = authorize(&server, &browser, &client, &[REPORTS]).await?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("invalid_target")
    );
    Ok(())
}

#[tokio::test]
async fn the_operator_changes_audiences_from_the_command_line() -> anyhow::Result<()> {
    use poort_server::client_cli;
    let (server, client, _) = setup(spec(), |_| {}).await?;
    let env = client_cli::ClientCliEnv::of(&server.state);
    let update = |args: &[&str]| {
        let mut all = vec!["update", client.id.as_str()];
        all.extend_from_slice(args);
        let command = client_cli::parse(all);
        let env = &env;
        let now = server.now();
        async move { client_cli::execute(env, now, command?, true).await }
    };
    let audiences = || async {
        let found = poort_store::clients::find(&server.state.db, &client.id).await?;
        anyhow::Ok(found.map(|c| c.audiences).unwrap_or_default())
    };
    assert!(
        update(&["--audience", OTHER, "--audience", "not a uri"])
            .await
            .is_err()
    );
    assert_eq!(audiences().await?, [REPORTS, BILLING]);
    update(&["--audience", OTHER]).await?;
    assert_eq!(audiences().await?, [OTHER]);
    update(&["--no-audiences"]).await?;
    assert!(audiences().await?.is_empty());
    Ok(())
}

//! The token endpoint's refusals and the refresh-token family rules.

use poort_oidc::token_request::GrantType;
use poort_tests::{ClientSpec, Pkce, TestClient, TestServer, setup};
use reqwest::StatusCode;
use serde_json::Value;

async fn introspect(
    server: &TestServer,
    client: &TestClient,
    token: &str,
) -> anyhow::Result<Value> {
    let secret = client.secret.clone().unwrap_or_default();
    Ok(reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth(&client.id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await?
        .json()
        .await?)
}

fn text(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn replayed_code_is_refused_and_revokes_what_it_issued() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, first) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK);
    let access = text(&first, "access_token");
    let refresh = text(&first, "refresh_token");
    assert_eq!(introspect(&server, &client, &access).await?["active"], true);

    let (status, replay) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&replay, "error"), "invalid_grant");
    assert_eq!(
        introspect(&server, &client, &access).await?["active"],
        false
    );
    assert_eq!(
        introspect(&server, &client, &refresh).await?["active"],
        false
    );
    Ok(())
}

#[tokio::test]
async fn pkce_mismatch_is_refused() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let other = Pkce::new();
    let (status, body) = server.redeem(&client, &code, Some(&other.verifier)).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&body, "error"), "invalid_grant");
    // And a missing verifier.
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (_, body) = server.redeem(&client, &code, None).await?;
    assert_eq!(text(&body, "error"), "invalid_grant");
    Ok(())
}

#[tokio::test]
async fn public_client_redeems_with_pkce_and_no_secret() -> anyhow::Result<()> {
    let spec = ClientSpec {
        public: true,
        ..ClientSpec::default()
    };
    let (server, client, browser) = setup(spec, |_| {}).await?;
    assert!(client.secret.is_none());
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, body) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["id_token"].is_string());
    Ok(())
}

#[tokio::test]
async fn wrong_client_secret_gets_401_with_a_challenge() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.id, Some("not-the-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
        ])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("www-authenticate").is_some());
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await?;
    assert_eq!(text(&body, "error"), "invalid_client");
    // The code survived the failed attempt? No: a failed client auth never touches the code.
    let (status, _) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn expired_code_is_refused() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    server.clock.advance(61);
    let (status, body) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&body, "error"), "invalid_grant");
    Ok(())
}

#[tokio::test]
async fn malformed_token_requests_get_oauth_errors() -> anyhow::Result<()> {
    let (server, client, _) = setup(ClientSpec::default(), |_| {}).await?;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("grant_type", "password")], "unsupported_grant_type"),
        (&[], "invalid_request"),
        (&[("grant_type", "authorization_code")], "invalid_request"),
        (
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "garbage"),
            ],
            "invalid_grant",
        ),
    ];
    for (form, expected) in cases {
        let response = server.token(&client, form).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{form:?}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await?;
        assert_eq!(text(&body, "error"), expected, "{form:?}");
    }
    // Not a form at all.
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .header("content-type", "application/json")
        .body("{\"grant_type\":\"client_credentials\"}")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn refresh_token_reuse_revokes_the_family() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let first = text(&tokens, "refresh_token");
    let refresh = |token: String| {
        let server = &server;
        let client = &client;
        async move {
            let response = server
                .token(
                    client,
                    &[("grant_type", "refresh_token"), ("refresh_token", &token)],
                )
                .await?;
            let status = response.status();
            anyhow::Ok((status, response.json::<Value>().await?))
        }
    };
    let (status, second) = refresh(first.clone()).await?;
    assert_eq!(status, StatusCode::OK);
    let second_token = text(&second, "refresh_token");
    let second_access = text(&second, "access_token");
    // Past the default grace window (5 s), reuse of the first: refused, and the whole family
    // dies.
    server.clock.advance(6);
    let (status, body) = refresh(first).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&body, "error"), "invalid_grant");
    let (status, _) = refresh(second_token).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        introspect(&server, &client, &second_access).await?["active"],
        false
    );
    Ok(())
}

#[tokio::test]
async fn with_a_grace_window_two_concurrent_refreshes_both_succeed() -> anyhow::Result<()> {
    let (server, client, browser) =
        setup(ClientSpec::default(), |c| c.refresh_grace_secs = 10).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let first = text(&tokens, "refresh_token");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first.as_str()),
    ];
    let (a, b) = tokio::join!(server.token(&client, &form), server.token(&client, &form));
    assert_eq!(a?.status(), StatusCode::OK);
    assert_eq!(b?.status(), StatusCode::OK);
    // After the window, reuse is reuse again.
    server.clock.advance(11);
    let response = server.token(&client, &form).await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn without_a_grace_window_a_concurrent_pair_gets_one_token() -> anyhow::Result<()> {
    let (server, client, browser) =
        setup(ClientSpec::default(), |c| c.refresh_grace_secs = 0).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let first = text(&tokens, "refresh_token");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", first.as_str()),
    ];
    let (a, b) = tokio::join!(server.token(&client, &form), server.token(&client, &form));
    let ok = [a?.status(), b?.status()]
        .iter()
        .filter(|s| **s == StatusCode::OK)
        .count();
    assert_eq!(ok, 1);
    Ok(())
}

#[tokio::test]
async fn client_credentials_issues_a_jwt_access_token() -> anyhow::Result<()> {
    let spec = ClientSpec {
        grants: vec![GrantType::ClientCredentials],
        allowed_scopes: vec!["reports.read".into()],
        ..ClientSpec::default()
    };
    let (server, client, _) = setup(spec, |_| {}).await?;
    let response = server
        .token(
            &client,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "reports.read"),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await?;
    assert_eq!(text(&body, "token_type"), "Bearer");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    let access = text(&body, "access_token");
    let info = introspect(&server, &client, &access).await?;
    assert_eq!(info["active"], true);
    assert_eq!(text(&info, "scope"), "reports.read");
    // A client without the grant is refused.
    let response = server
        .token(
            &client,
            &[
                ("grant_type", "authorization_code"),
                ("code", "x"),
                ("redirect_uri", "y"),
            ],
        )
        .await?;
    let body: Value = response.json().await?;
    assert_eq!(text(&body, "error"), "unauthorized_client");
    Ok(())
}

#[tokio::test]
async fn public_clients_cannot_introspect() -> anyhow::Result<()> {
    let spec = ClientSpec {
        public: true,
        ..ClientSpec::default()
    };
    let (server, client, _) = setup(spec, |_| {}).await?;
    let response = reqwest::Client::new()
        .post(server.url("/introspect"))
        .form(&[("token", "anything"), ("client_id", client.id.as_str())])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

//! Dynamic client registration (RFC 7591): off by default; with an initial access token minted
//! by the operator, a developer registers clients that then work like any other, under the same
//! rules; every refusal is the RFC's error and stores nothing.

use poort_oidc::jose::SigningAlg;
use poort_server::client_cli;
use poort_tests::browser::{Landing, hidden_field};
use poort_tests::client_assertions;
use poort_tests::{EMAIL, PASSWORD, Pkce, TestClient, TestServer, start_server};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub async fn registering_server() -> anyhow::Result<TestServer> {
    let server = start_server(|config| config.registration.enabled = true).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    Ok(server)
}

/// An initial access token minted by the operator with `poort client registration-token`.
pub async fn initial_token(server: &TestServer, args: &[&str]) -> anyhow::Result<String> {
    let mut all = vec!["registration-token", "create"];
    all.extend_from_slice(args);
    let env = client_cli::ClientCliEnv::of(&server.state);
    let command = client_cli::parse(all)?;
    let minted: Value =
        serde_json::from_str(&client_cli::execute(&env, server.now(), command, true).await?)?;
    Ok(minted["token"].as_str().unwrap_or_default().to_owned())
}

pub async fn register(
    server: &TestServer,
    token: Option<&str>,
    metadata: &Value,
) -> anyhow::Result<(StatusCode, Value, Option<String>)> {
    let mut request = reqwest::Client::new()
        .post(server.url("/register"))
        .json(metadata);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    Ok((status, response.json().await?, challenge))
}

pub fn web_app() -> Value {
    json!({
        "client_name": "Registered web app",
        "redirect_uris": ["https://app.example.com/callback"],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "logo_uri": "https://app.example.com/logo.png",
    })
}

async fn client_count(server: &TestServer) -> anyhow::Result<usize> {
    Ok(poort_store::clients::list(&server.state.db).await?.len())
}

#[tokio::test]
async fn registration_is_off_by_default() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let response = reqwest::Client::new()
        .post(server.url("/register"))
        .json(&web_app())
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let metadata: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
        .await?
        .json()
        .await?;
    assert!(
        metadata.get("registration_endpoint").is_none(),
        "{metadata}"
    );
    Ok(())
}

#[tokio::test]
async fn a_registered_web_app_signs_a_user_in_after_consent() -> anyhow::Result<()> {
    let server = registering_server().await?;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let metadata: Value = reqwest::get(server.url(path)).await?.json().await?;
        assert_eq!(
            metadata["registration_endpoint"],
            server.url("/register"),
            "{path}"
        );
    }
    let token = initial_token(&server, &[]).await?;
    let (status, registered, _) = register(&server, Some(&token), &web_app()).await?;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let client_id = registered["client_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(registered["client_name"], "Registered web app");
    assert_eq!(
        registered["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    assert_eq!(registered["client_secret_expires_at"], 0);
    assert_eq!(registered["response_types"], json!(["code"]));
    assert!(registered["client_id_issued_at"].as_i64().is_some());
    assert!(
        registered["registration_access_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("poort_rat_"))
    );
    assert_eq!(
        registered["registration_client_uri"],
        server.url(&format!("/register/{client_id}"))
    );
    assert!(
        registered.get("logo_uri").is_none(),
        "unknown metadata is ignored"
    );
    let stored = poort_store::clients::find(&server.state.db, &client_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("not stored"))?;
    assert!(!stored.first_party, "a registered client is third-party");
    assert!(stored.pkce_required);

    // The code flow works, through the consent page (third-party), with PKCE.
    let client = TestClient {
        id: client_id,
        secret: registered["client_secret"].as_str().map(str::to_owned),
        redirect_uri: "https://app.example.com/callback".into(),
        post_logout_redirect_uri: String::new(),
    };
    let browser = server.browser();
    let pkce = Pkce::new();
    let url = server.authorize_url(
        &client,
        &[
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let landing = browser.login_through(&url, EMAIL, PASSWORD).await?;
    let Landing::Page {
        body, url: page, ..
    } = landing
    else {
        anyhow::bail!("expected the consent page");
    };
    assert!(page.contains("/consent"), "{page}");
    let response = browser
        .post_form(
            "/consent",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("decision", "allow"),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens["id_token"].is_string());
    Ok(())
}

#[tokio::test]
async fn a_service_registers_with_its_keys_and_scopes() -> anyhow::Result<()> {
    let server = registering_server().await?;
    let token = initial_token(&server, &[]).await?;
    let key = client_assertions::new_key(SigningAlg::ES256)?;
    let (status, registered, _) = register(
        &server,
        Some(&token),
        &json!({
            "client_name": "Report exporter",
            "grant_types": ["client_credentials"],
            "response_types": [],
            "scope": "reports.read",
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": serde_json::from_str::<Value>(&client_assertions::jwks_of(&[&key]))?,
        }),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert!(
        registered.get("client_secret").is_none(),
        "private_key_jwt gets no secret"
    );
    assert_eq!(registered["scope"], "reports.read");
    let client_id = registered["client_id"].as_str().unwrap_or_default();
    let assertion =
        client_assertions::signed(&key, &client_assertions::claims(&server, client_id))?;
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ])
        .send()
        .await?;
    let body: Value = response.json().await?;
    assert_eq!(body["scope"], "reports.read", "{body}");
    Ok(())
}

#[tokio::test]
async fn bad_metadata_gets_the_rfc_7591_error_and_stores_nothing() -> anyhow::Result<()> {
    let server = registering_server().await?;
    // One use: refusals before storing do not use it up.
    let token = initial_token(&server, &["--uses", "1"]).await?;
    let with = |field: &str, value: Value| {
        let mut metadata = web_app();
        metadata[field] = value;
        metadata
    };
    let cases = [
        (
            with("redirect_uris", json!(["http://app.example.com/cb"])),
            "invalid_redirect_uri",
        ),
        (
            with("redirect_uris", json!(["https://app.example.com/cb#frag"])),
            "invalid_redirect_uri",
        ),
        (with("redirect_uris", json!([])), "invalid_redirect_uri"),
        (
            with("redirect_uris", json!(["javascript:alert(1)"])),
            "invalid_redirect_uri",
        ),
        (
            with("grant_types", json!(["password"])),
            "invalid_client_metadata",
        ),
        (
            with(
                "grant_types",
                json!(["urn:ietf:params:oauth:grant-type:token-exchange"]),
            ),
            "invalid_client_metadata",
        ),
        (
            with("response_types", json!(["token"])),
            "invalid_client_metadata",
        ),
        (
            with("token_endpoint_auth_method", json!("tls_client_auth")),
            "invalid_client_metadata",
        ),
        (
            with("client_name", json!("x".repeat(101))),
            "invalid_client_metadata",
        ),
        (
            with("jwks_uri", json!("https://10.0.0.1/jwks")),
            "invalid_client_metadata",
        ),
        (
            with(
                "backchannel_logout_uri",
                json!("https://169.254.169.254/logout"),
            ),
            "invalid_client_metadata",
        ),
        (
            with("software_statement", json!("e30.e30.c2ln")),
            "invalid_software_statement",
        ),
    ];
    for (metadata, code) in cases {
        let (status, body, _) = register(&server, Some(&token), &metadata).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{metadata}: {body}");
        assert_eq!(body["error"], code, "{metadata}: {body}");
    }
    let response = reqwest::Client::new()
        .post(server.url("/register"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(client_count(&server).await?, 0);
    // The token still has its one use.
    let (status, body, _) = register(&server, Some(&token), &web_app()).await?;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Ok(())
}

#[tokio::test]
async fn an_initial_access_token_is_required_live_and_used_up() -> anyhow::Result<()> {
    let server = registering_server().await?;
    // No token, a malformed one, someone's access token, a made-up one.
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let access = server.access_token_for(&user.id, "admin:read admin:write")?;
    for token in [
        None,
        Some("poort_iat_madeup"),
        Some(access.as_str()),
        Some("x"),
    ] {
        let (status, body, challenge) = register(&server, token, &web_app()).await?;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}: {body}");
        assert_eq!(body["error"], "invalid_token");
        assert!(
            challenge.is_some_and(|c| c.starts_with("Bearer")),
            "{token:?}"
        );
    }
    // Used up after its uses.
    let twice = initial_token(&server, &["--uses", "2"]).await?;
    for _ in 0..2 {
        assert_eq!(
            register(&server, Some(&twice), &web_app()).await?.0,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        register(&server, Some(&twice), &web_app()).await?.0,
        StatusCode::UNAUTHORIZED
    );
    // Expired.
    let short = initial_token(&server, &["--lifetime-secs", "60"]).await?;
    server.clock.advance(61);
    assert_eq!(
        register(&server, Some(&short), &web_app()).await?.0,
        StatusCode::UNAUTHORIZED
    );
    // Revoked.
    let env = client_cli::ClientCliEnv::of(&server.state);
    let minted: Value = serde_json::from_str(
        &client_cli::execute(
            &env,
            server.now(),
            client_cli::parse(["registration-token", "create"])?,
            true,
        )
        .await?,
    )?;
    let id = minted["id"].as_str().unwrap_or_default();
    client_cli::execute(
        &env,
        server.now(),
        client_cli::parse(["registration-token", "revoke", id])?,
        true,
    )
    .await?;
    let revoked = minted["token"].as_str().unwrap_or_default();
    assert_eq!(
        register(&server, Some(revoked), &web_app()).await?.0,
        StatusCode::UNAUTHORIZED
    );
    let listed: Value = serde_json::from_str(
        &client_cli::execute(
            &env,
            server.now(),
            client_cli::parse(["registration-token", "list"])?,
            true,
        )
        .await?,
    )?;
    let states: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["state"].as_str())
        .collect();
    assert!(
        states.contains(&"revoked") && states.contains(&"used_up") && states.contains(&"expired")
    );
    assert!(
        !listed.to_string().contains("poort_iat_"),
        "tokens are never listed"
    );
    assert_eq!(client_count(&server).await?, 2);
    Ok(())
}

#[tokio::test]
async fn concurrent_registrations_share_the_uses_of_a_token() -> anyhow::Result<()> {
    let server = registering_server().await?;
    let token = initial_token(&server, &["--uses", "2"]).await?;
    let metadata = web_app();
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let url = server.url("/register");
        let token = token.clone();
        let metadata = metadata.clone();
        attempts.spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&metadata)
                .send()
                .await?;
            anyhow::Ok(response.status())
        });
    }
    let results = attempts.join_all().await;
    let mut created = 0;
    for result in results {
        match result? {
            StatusCode::CREATED => created += 1,
            StatusCode::UNAUTHORIZED => {}
            other => anyhow::bail!("unexpected {other}"),
        }
    }
    assert_eq!(created, 2);
    assert_eq!(client_count(&server).await?, 2);
    Ok(())
}

//! Operations: `/healthz`, `/readyz`, `/metrics` (counted by route template, tokens by grant,
//! logins by result; loopback only by default), the request id on every response and in the
//! logs, and a full flow whose captured log holds none of its secrets.

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::{ClientSpec, Pkce, TestClient, TestServer, setup, start_server};
use reqwest::StatusCode;
use serde_json::Value;

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(server: &TestServer) -> anyhow::Result<String> {
    let response = reqwest::get(server.url("/metrics")).await?;
    anyhow::ensure!(response.status() == StatusCode::OK, "{}", response.status());
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    anyhow::ensure!(content_type.starts_with("text/plain; version=0.0.4"));
    Ok(response.text().await?)
}

async fn post_client(
    server: &TestServer,
    path: &str,
    client: &TestClient,
    form: &[(&str, &str)],
) -> anyhow::Result<reqwest::Response> {
    Ok(reqwest::Client::new()
        .post(server.url(path))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(form)
        .send()
        .await?)
}

#[tokio::test]
async fn health_and_readiness_report_up() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let health = reqwest::get(server.url("/healthz")).await?;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = reqwest::get(server.url("/readyz")).await?;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await?;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "up");
    assert_eq!(body["checks"]["ephemeral_store"], "up");
    Ok(())
}

#[tokio::test]
async fn metrics_count_routes_tokens_and_logins() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    // One failed login, then a successful one through the authorize flow.
    let page = browser.get("/login").await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let failed = browser
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("login", poort_tests::EMAIL),
                ("password", "not the password"),
            ],
        )
        .await?;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success());
    let refresh = tokens["refresh_token"].as_str().unwrap_or_default();
    let refreshed = post_client(
        &server,
        "/token",
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await?;
    assert!(refreshed.status().is_success());
    let bad = post_client(&server, "/token", &client, &[("grant_type", "password")]).await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let missing = reqwest::get(server.url("/no/such/page-4711")).await?;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let asset = reqwest::get(server.url("/static/poort.css")).await?;
    assert_eq!(asset.status(), StatusCode::OK);

    let text = scrape(&server).await?;
    let get = |series: &str| metric(&text, series);
    assert_eq!(
        get("poort_http_requests_total{route=\"/token\",status=\"200\"}"),
        2.0
    );
    assert_eq!(
        get("poort_http_requests_total{route=\"/token\",status=\"400\"}"),
        1.0
    );
    assert_eq!(
        get("poort_http_requests_total{route=\"/login\",status=\"401\"}"),
        1.0
    );
    assert!(get("poort_http_requests_total{route=\"/authorize\",status=\"303\"}") >= 1.0);
    // Templates, not raw paths: the asset counts under its route, the 404 under one label.
    assert_eq!(
        get("poort_http_requests_total{route=\"/static/{file}\",status=\"200\"}"),
        1.0
    );
    assert_eq!(
        get("poort_http_requests_total{route=\"unmatched\",status=\"404\"}"),
        1.0
    );
    assert!(!text.contains("page-4711") && !text.contains("poort.css"));
    assert_eq!(
        get("poort_http_request_duration_seconds_count{route=\"/token\"}"),
        3.0
    );
    assert_eq!(
        get("poort_tokens_issued_total{grant=\"authorization_code\"}"),
        1.0
    );
    assert_eq!(
        get("poort_tokens_issued_total{grant=\"refresh_token\"}"),
        1.0
    );
    assert_eq!(get("poort_logins_total{result=\"ok\"}"), 1.0);
    assert_eq!(get("poort_logins_total{result=\"failed\"}"), 1.0);
    assert!(get("poort_hashing_capacity") >= 1.0);
    assert_eq!(get("poort_hashing_running"), 0.0);
    assert_eq!(get("poort_ephemeral_errors_total{op=\"get\"}"), 0.0);
    Ok(())
}

#[tokio::test]
async fn metrics_are_refused_outside_the_allowlist() -> anyhow::Result<()> {
    let elsewhere = poort_allowlist::IpAllowlist::parse(["10.0.0.0/8"])?;
    let server = start_server(|c| c.metrics_allow = elsewhere).await?;
    let response = reqwest::get(server.url("/metrics")).await?;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn every_response_carries_a_request_id() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let http = reqwest::Client::new();
    let first = http.get(server.url("/jwks")).send().await?;
    let second = http.get(server.url("/nope")).send().await?;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (a, b) = (id(&first), id(&second));
    assert!(
        a.as_deref()
            .is_some_and(|v| uuid::Uuid::parse_str(v).is_ok())
    );
    assert!(b.is_some() && a != b);
    // A proxy's id is kept, so one request can be followed through both logs.
    let given = http
        .get(server.url("/healthz"))
        .header("x-request-id", "proxy-42")
        .send()
        .await?;
    assert_eq!(id(&given).as_deref(), Some("proxy-42"));
    Ok(())
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("poort_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

#[tokio::test]
async fn the_log_of_a_full_flow_holds_no_secrets() -> anyhow::Result<()> {
    let logs = poort_tests::logs::capture();
    let server = start_server(|_| {}).await?;
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let wrong_password = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let email = format!("log-{}@example.com", uuid::Uuid::new_v4().simple());
    server.create_user(&email, &password).await?;
    let client = server.create_client(ClientSpec::default()).await?;
    let client_secret = client.secret.clone().unwrap_or_default();
    let browser = server.browser();
    let mut secrets: Vec<(&str, String)> = vec![
        ("password", password.clone()),
        ("wrong password", wrong_password.clone()),
        ("client secret", client_secret.clone()),
    ];

    // Authorize, a wrong password, then the right one; by hand to see every cookie and token.
    let pkce = Pkce::new();
    let authorize = server.authorize_url(
        &client,
        &[
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let Landing::Page { body, .. } = browser.follow(browser.get(&authorize).await?).await? else {
        anyhow::bail!("expected the login page");
    };
    let csrf = hidden_field(&body, "csrf")?;
    let tx = hidden_field(&body, "tx")?;
    secrets.push(("csrf token", csrf.clone()));
    secrets.push(("authorize transaction", tx.clone()));
    let wrong = browser
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("tx", &tx),
                ("login", &email),
                ("password", &wrong_password),
            ],
        )
        .await?;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let login = browser
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("tx", &tx),
                ("login", &email),
                ("password", &password),
            ],
        )
        .await?;
    secrets.push((
        "session cookie",
        session_cookie(&login).ok_or_else(|| anyhow::anyhow!("no session cookie"))?,
    ));
    let back = browser.follow(login).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    secrets.push(("authorization code", code.clone()));

    // Tokens: exchange, refresh, userinfo, introspection, revocation, a replayed code.
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success());
    let token = |body: &Value, name: &str| body[name].as_str().unwrap_or_default().to_string();
    let access = token(&tokens, "access_token");
    let refresh = token(&tokens, "refresh_token");
    let id_token = token(&tokens, "id_token");
    let refreshed = post_client(
        &server,
        "/token",
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await?;
    let refreshed: Value = refreshed.json().await?;
    let access2 = token(&refreshed, "access_token");
    let refresh2 = token(&refreshed, "refresh_token");
    for (name, value) in [
        ("access token", &access),
        ("refresh token", &refresh),
        ("id token", &id_token),
        ("second access token", &access2),
        ("second refresh token", &refresh2),
        ("PKCE verifier", &pkce.verifier),
    ] {
        anyhow::ensure!(!value.is_empty(), "{name} missing");
        secrets.push((name, value.clone()));
    }
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(&access2)
        .send()
        .await?;
    assert!(userinfo.status().is_success());
    post_client(&server, "/introspect", &client, &[("token", &access2)]).await?;
    post_client(&server, "/revoke", &client, &[("token", &refresh2)]).await?;
    let replay = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(replay.0, StatusCode::BAD_REQUEST);
    // Wrong client secret and a garbage bearer token: failures get logged too.
    let wrong_secret = format!("bad-secret-{}", uuid::Uuid::new_v4().simple());
    let refused = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.id, Some(&wrong_secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
        ])
        .send()
        .await?;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    secrets.push(("wrong client secret", wrong_secret));
    // RP-initiated logout carries the ID token in the query string.
    let logout = browser
        .get(&format!(
            "/end_session?id_token_hint={id_token}&post_logout_redirect_uri={}",
            client.post_logout_redirect_uri
        ))
        .await?;
    let request_id = logout
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    browser.follow(logout).await?;

    let text = logs.text();
    // The capture works and is structured: the logout request's line carries its id and route.
    assert!(
        text.lines().any(|line| line.contains(&request_id)
            && line.contains("\"route\":\"/end_session\"")
            && line.contains("request finished")),
        "no access-log line for request {request_id}"
    );
    for (name, secret) in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "the log contains the {name}"
        );
    }
    Ok(())
}

/// The access-log line of the request with this id (JSON, from the captured log).
async fn access_log_line(
    logs: &poort_tests::logs::LogBuffer,
    request_id: &str,
) -> anyhow::Result<Value> {
    for _ in 0..50 {
        let found = logs.text().lines().find_map(|line| {
            let value: Value = serde_json::from_str(line).ok()?;
            (value["span"]["id"] == request_id && value["fields"]["message"] == "request finished")
                .then_some(value)
        });
        if let Some(line) = found {
            return Ok(line);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    anyhow::bail!("no access-log line for {request_id}")
}

#[tokio::test]
async fn forwarded_client_addresses_are_believed_only_from_trusted_proxies() -> anyhow::Result<()> {
    let logs = poort_tests::logs::capture();
    let proxy = poort_allowlist::TrustedProxies::parse(
        ["127.0.0.1"],
        poort_allowlist::ProxyHeader::XForwardedFor,
    )?;
    let behind_proxy = start_server(|c| c.trusted_proxies = proxy).await?;
    let direct = start_server(|_| {}).await?;
    for (server, expected) in [(&behind_proxy, "203.0.113.7"), (&direct, "127.0.0.1")] {
        let id = format!("xff-{}", uuid::Uuid::new_v4().simple());
        let response = reqwest::Client::new()
            .get(server.url("/healthz"))
            .header("x-request-id", &id)
            .header("x-forwarded-for", "203.0.113.7")
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
        let line = access_log_line(&logs, &id).await?;
        assert_eq!(line["span"]["client"], expected, "{line}");
        assert_eq!(line["span"]["route"], "/healthz");
        assert_eq!(line["fields"]["status"], 200);
    }
    Ok(())
}

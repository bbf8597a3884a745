//! Losing a dependency mid-run: a throwaway Redis killed and restarted under load, the database
//! pool closed, PostgreSQL sessions killed. Requests that need the lost dependency get a clear
//! 503 (OAuth JSON for APIs, a page for browsers), `/readyz` names what is down, nothing else
//! breaks, and service resumes by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use poort_tests::redis_server::RedisServer;
use poort_tests::{Backing, ClientSpec, EMAIL, PASSWORD, Pkce, TestServer, start_node};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;

async fn readiness(server: &TestServer) -> anyhow::Result<(StatusCode, Value)> {
    let response = reqwest::get(server.url("/readyz")).await?;
    Ok((response.status(), response.json().await?))
}

/// Polls `/readyz` until it answers 200, at most `within`.
async fn wait_ready(server: &TestServer, within: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        if readiness(server).await?.0 == StatusCode::OK {
            return Ok(started.elapsed());
        }
        anyhow::ensure!(
            started.elapsed() < within,
            "not ready again within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// Browsers opening the login page (a session write to Redis each) until told to stop; every
/// status seen. Bounded: stops by itself after `limit`.
fn browser_load(
    server: &TestServer,
    stop: Arc<AtomicBool>,
    limit: Duration,
) -> tokio::task::JoinHandle<Vec<u16>> {
    let url = server.url("/login");
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let started = Instant::now();
        let mut seen = Vec::new();
        while !stop.load(Ordering::Relaxed) && started.elapsed() < limit {
            match http.get(&url).send().await {
                Ok(response) => seen.push(response.status().as_u16()),
                // A transport error (hang, reset) is recorded as 0 and fails the test.
                Err(_) => seen.push(0),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        seen
    })
}

#[tokio::test]
async fn losing_redis_gives_503s_and_service_resumes_when_it_returns() -> anyhow::Result<()> {
    let Some(mut redis) = RedisServer::start().await? else {
        return Ok(());
    };
    let backing = Backing {
        redis_url: Some(redis.url()),
        ..Backing::fresh().await?
    };
    let server = start_node(&backing, |_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let client = server.create_client(ClientSpec::default()).await?;
    let browser = server.browser();
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "{tokens}");
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let load = [
        browser_load(&server, stop.clone(), Duration::from_secs(60)),
        browser_load(&server, stop.clone(), Duration::from_secs(60)),
    ];
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.stop().await?;

    // Readiness names Redis, not the database.
    let (status, body) = readiness(&server).await?;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["ephemeral_store"], "down");
    assert_eq!(body["checks"]["database"], "up");

    // API: OAuth JSON `temporarily_unavailable`, retryable.
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "any-code"),
            ("redirect_uri", client.redirect_uri.as_str()),
        ])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await?;
    assert_eq!(body["error"], "temporarily_unavailable");
    // Userinfo needs the deny list.
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(userinfo.status(), StatusCode::SERVICE_UNAVAILABLE);

    // Browser: a friendly page, not an internal error.
    let page = reqwest::get(server.url("/login")).await?;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let html = page.text().await?;
    assert!(html.contains("Temporarily unavailable"), "{html}");
    assert!(!html.contains("redis") && !html.contains("Connection refused"));

    // What needs no Redis keeps working.
    assert_eq!(
        reqwest::get(server.url("/jwks")).await?.status(),
        StatusCode::OK
    );
    assert_eq!(
        reqwest::get(server.url("/healthz")).await?.status(),
        StatusCode::OK
    );
    let metrics = reqwest::get(server.url("/metrics")).await?.text().await?;
    // The code grant reads the code (get), userinfo the deny list with its sentinel (get_many).
    assert!(metric(&metrics, "poort_ephemeral_errors_total{op=\"get\"}") >= 1.0);
    assert!(metric(&metrics, "poort_ephemeral_errors_total{op=\"get_many\"}") >= 1.0);

    // Redis comes back (empty): the node reconnects by itself, no restart.
    tokio::time::sleep(Duration::from_millis(500)).await;
    redis.restart().await?;
    let recovered_in = wait_ready(&server, Duration::from_secs(15)).await?;
    eprintln!("ready again {recovered_in:?} after Redis restarted");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut seen = Vec::new();
    for task in load {
        seen.extend(task.await?);
    }

    // Under load: only 200 or 503, never a 500 or a dropped connection; both were seen.
    assert!(
        seen.iter().all(|s| *s == 200 || *s == 503),
        "unexpected statuses: {seen:?}"
    );
    assert!(seen.contains(&503) && seen.contains(&200));
    assert_eq!(seen.last(), Some(&200), "the load ends served");

    // A whole new login and code exchange works again.
    let browser = server.browser();
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "{tokens}");
    Ok(())
}

#[tokio::test]
async fn losing_the_database_gives_503s_and_readyz_names_it() -> anyhow::Result<()> {
    let server = start_node(&Backing::fresh().await?, |_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let client = server.create_client(ClientSpec::default()).await?;
    let browser = server.browser();
    let page = browser.get("/login").await?.text().await?;
    let csrf = poort_tests::browser::hidden_field(&page, "csrf")?;

    // Closing the shared pool: every later query fails as if the database were gone.
    server.state.db.clone().close().await?;

    let (status, body) = readiness(&server).await?;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["checks"]["database"], "down");
    assert_eq!(body["checks"]["ephemeral_store"], "up");

    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await?;
    assert_eq!(body["error"], "temporarily_unavailable");

    let login = browser
        .post_form(
            "/login",
            &[("csrf", &csrf), ("login", EMAIL), ("password", PASSWORD)],
        )
        .await?;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(login.text().await?.contains("Temporarily unavailable"));
    Ok(())
}

#[tokio::test]
async fn postgres_sessions_killed_mid_run_are_replaced() -> anyhow::Result<()> {
    let backing = Backing::fresh().await?;
    let (Some(url), Ok(admin_url)) = (backing.database_url.clone(), std::env::var("DATABASE_URL"))
    else {
        eprintln!("skipped: needs DATABASE_URL=postgres://…");
        return Ok(());
    };
    let server = start_node(&backing, |_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let client = server.create_client(ClientSpec::default()).await?;
    let name = url::Url::parse(&url)?
        .path()
        .trim_start_matches('/')
        .to_string();

    // What a PostgreSQL restart or failover does to the node's pooled sessions.
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            [name.into()],
        ))
        .await?;
    admin.close().await?;

    // At most a brief 503 while dead sessions are noticed; then served without a restart.
    wait_ready(&server, Duration::from_secs(15)).await?;
    let browser = server.browser();
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "{tokens}");
    Ok(())
}

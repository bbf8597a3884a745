//! Two Poort nodes sharing one PostgreSQL database and one Redis, as behind a load balancer:
//! any node serves any request. Login on A, code redeemed on B, refresh on A, revoke on B,
//! introspection on A; a code replayed on the other node revokes what it gave; one code raced on both nodes has one winner; a key rotated through A's
//! database is served by B's JWKS (and used by B) within a bounded time; failed logins spread
//! over both nodes lock the account on both.
//! Runs only when `DATABASE_URL` is PostgreSQL and `REDIS_URL` is set.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_server::keyring;
use poort_tests::{Backing, ClientSpec, EMAIL, PASSWORD, Pkce, TestClient, TestServer, start_node};
use serde_json::Value;

/// Both nodes answer for one public issuer, as they would behind a proxy.
async fn two_nodes() -> anyhow::Result<Option<(TestServer, TestServer)>> {
    let Some(backing) = Backing::shared().await? else {
        eprintln!("skipped: the two-node test needs DATABASE_URL=postgres://… and REDIS_URL");
        return Ok(None);
    };
    let a = start_node(&backing, |c| c.key_reload_secs = 1).await?;
    let issuer = a.base.clone();
    let b = start_node(&backing, |c| {
        c.key_reload_secs = 1;
        c.issuer = issuer;
    })
    .await?;
    Ok(Some((a, b)))
}

async fn client_post(
    node: &TestServer,
    path: &str,
    client: &TestClient,
    form: &[(&str, &str)],
) -> anyhow::Result<(reqwest::StatusCode, Value)> {
    let response = reqwest::Client::new()
        .post(node.url(path))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(form)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    };
    Ok((status, body))
}

async fn active(node: &TestServer, client: &TestClient, token: &str) -> anyhow::Result<bool> {
    let (status, body) = client_post(node, "/introspect", client, &[("token", token)]).await?;
    anyhow::ensure!(status.is_success(), "introspection: {status} {body}");
    Ok(body["active"] == Value::Bool(true))
}

fn field(body: &Value, name: &str) -> anyhow::Result<String> {
    body[name]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no {name} in {body}"))
}

fn kid_of(jwt: &str) -> anyhow::Result<String> {
    let header = jwt.split('.').next().unwrap_or_default();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header)?)?;
    field(&header, "kid")
}

async fn jwks_kids(node: &TestServer) -> anyhow::Result<Vec<String>> {
    let jwks: Value = reqwest::get(node.url("/jwks")).await?.json().await?;
    Ok(jwks["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test]
async fn any_node_serves_any_step_of_the_flow() -> anyhow::Result<()> {
    let Some((a, b)) = two_nodes().await? else {
        return Ok(());
    };
    a.create_user(EMAIL, PASSWORD).await?;
    let client = a.create_client(ClientSpec::default()).await?;

    // Authorize and log in on A; redeem the code on B.
    let browser = a.browser();
    let pkce = Pkce::new();
    let code = a.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = b.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "redeem on B: {status} {tokens}");

    // The session made on A is valid on B: B issues a code without asking to log in.
    let landing = browser
        .follow(browser.get(&b.authorize_url(&client, &[])).await?)
        .await?
        .away()?;
    assert!(
        poort_tests::browser::Landing::query(&landing, "code").is_some(),
        "B did not recognise A's session: {landing}"
    );

    // Refresh on A.
    let refresh = field(&tokens, "refresh_token")?;
    let (status, refreshed) = client_post(
        &a,
        "/token",
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await?;
    assert!(status.is_success(), "refresh on A: {status} {refreshed}");
    let access = field(&refreshed, "access_token")?;
    let refresh = field(&refreshed, "refresh_token")?;
    assert!(active(&a, &client, &access).await?);

    // Revoke the access token on B: only the shared deny list knows; A must see it.
    let (status, _) = client_post(&b, "/revoke", &client, &[("token", &access)]).await?;
    assert!(status.is_success());
    assert!(!active(&a, &client, &access).await?, "A still accepts it");
    let userinfo = reqwest::Client::new()
        .get(a.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(userinfo.status(), 401);

    // Revoke the refresh token on B; A refuses it.
    assert!(active(&a, &client, &refresh).await?);
    let (status, _) = client_post(&b, "/revoke", &client, &[("token", &refresh)]).await?;
    assert!(status.is_success());
    assert!(!active(&a, &client, &refresh).await?);
    let (status, body) = client_post(
        &a,
        "/token",
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await?;
    assert_eq!(status, 400, "{body}");

    // A code redeemed on B and replayed on A: refused, and what B issued for it is revoked.
    let pkce = Pkce::new();
    let code = a.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = b.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "{tokens}");
    let access = field(&tokens, "access_token")?;
    assert!(active(&a, &client, &access).await?);
    let (status, body) = a.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert!(!active(&b, &client, &access).await?);
    assert!(!active(&b, &client, &field(&tokens, "refresh_token")?).await?);
    Ok(())
}

#[tokio::test]
async fn one_code_raced_on_both_nodes_has_one_winner() -> anyhow::Result<()> {
    let Some((a, b)) = two_nodes().await? else {
        return Ok(());
    };
    a.create_user(EMAIL, PASSWORD).await?;
    let client = a.create_client(ClientSpec::default()).await?;
    let browser = a.browser();
    for round in 0..5 {
        let pkce = Pkce::new();
        let code = a.obtain_code(&browser, &client, Some(&pkce)).await?;
        let (on_a, on_b) = tokio::join!(
            a.redeem(&client, &code, Some(&pkce.verifier)),
            b.redeem(&client, &code, Some(&pkce.verifier)),
        );
        let winners = [on_a?.0, on_b?.0].iter().filter(|s| s.is_success()).count();
        assert_eq!(winners, 1, "round {round}");
    }
    Ok(())
}

#[tokio::test]
async fn a_key_rotated_through_one_node_reaches_the_other() -> anyhow::Result<()> {
    let Some((a, b)) = two_nodes().await? else {
        return Ok(());
    };
    a.create_user(EMAIL, PASSWORD).await?;
    let client = a.create_client(ClientSpec::default()).await?;
    let before = jwks_kids(&b).await?;
    let fresh = keyring::rotate(
        &a.state.db,
        &a.state.master_key,
        a.now(),
        a.state.keep_retired_secs(),
    )
    .await?;
    assert!(fresh.iter().all(|kid| !before.contains(kid)));

    // key_reload_secs = 1: both nodes publish the new keys within a few seconds.
    let started = Instant::now();
    loop {
        let (on_a, on_b) = (jwks_kids(&a).await?, jwks_kids(&b).await?);
        let published = |kids: &[String]| fresh.iter().all(|kid| kids.contains(kid));
        if published(&on_a) && published(&on_b) {
            // The old keys stay published for tokens they signed.
            assert!(before.iter().all(|kid| on_b.contains(kid)));
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(10),
            "the rotation did not reach both nodes within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // B now signs with the new key, and A accepts what B signed.
    let browser = a.browser();
    let pkce = Pkce::new();
    let code = a.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = b.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "{tokens}");
    let access = field(&tokens, "access_token")?;
    assert!(fresh.contains(&kid_of(&access)?));
    assert!(fresh.contains(&kid_of(&field(&tokens, "id_token")?)?));
    assert!(active(&a, &client, &access).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_is_counted_across_both_nodes() -> anyhow::Result<()> {
    let Some((a, b)) = two_nodes().await? else {
        return Ok(());
    };
    let max = a.state.config.lockout.max_failures;
    // Wrong passwords alternate between the nodes: each sees only half of them.
    for attempt in 0..max {
        let node = if attempt % 2 == 0 { &a } else { &b };
        let reply = poort_tests::forms::login(&node.browser(), EMAIL, "wrong password").await?;
        let expected = match attempt + 1 == max {
            // The failure that reaches the limit already answers "locked".
            true => reqwest::StatusCode::TOO_MANY_REQUESTS,
            false => reqwest::StatusCode::UNAUTHORIZED,
        };
        assert_eq!(reply.status, expected, "attempt {attempt}");
    }
    // Locked on both, even for the right password.
    for node in [&a, &b] {
        let reply = poort_tests::forms::login(&node.browser(), EMAIL, PASSWORD).await?;
        assert_eq!(reply.status, reqwest::StatusCode::TOO_MANY_REQUESTS);
        assert!(reply.body.contains("temporarily locked"), "{}", reply.body);
    }
    Ok(())
}

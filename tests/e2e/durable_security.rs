//! Security state that survives the ephemeral store: a revoked access token, a locked account,
//! a used authorization code and a revoked API token stay so after Poort restarts (in-memory
//! store: a new process state) and after Redis is emptied or restored from an older snapshot
//! (Redis: the test's keys deleted, or captured and put back). And an authorization code
//! redeemed twice at once leaves no working token, in every one of 20 trials.

use poort_credentials::digest_secret;
use poort_server::admin;
use poort_server::flows::api_tokens::{self as api_token_flow, MintRequest};
use poort_tests::api_tokens::call;
use poort_tests::browser::hidden_field;
use poort_tests::forms::login;
use poort_tests::redis_keys;
use poort_tests::{
    Backing, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup, start_node,
};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const WRONG: &str = "not the right passphrase";

/// Loses every ephemeral entry of the deployment. Redis: deletes the keys under its prefix, as a
/// Redis restarted empty would. Memory: restarts the node (same database, same public issuer).
async fn lose_ephemeral(node: TestServer, backing: &Backing) -> anyhow::Result<TestServer> {
    match &backing.redis_url {
        Some(url) => {
            let deleted = redis_keys::delete_all(url, &backing.redis_key_prefix).await?;
            anyhow::ensure!(deleted > 0, "the deployment had no keys in Redis");
            Ok(node)
        }
        None => restart(node, backing).await,
    }
}

/// Stops `node` and starts a new one on the same backing, answering for the same issuer.
async fn restart(node: TestServer, backing: &Backing) -> anyhow::Result<TestServer> {
    let issuer = node.state.config.issuer().to_string();
    drop(node);
    start_node(backing, |c| c.issuer = issuer).await
}

async fn userinfo(node: &TestServer, access_token: &str) -> anyhow::Result<StatusCode> {
    Ok(reqwest::Client::new()
        .get(node.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await?
        .status())
}

async fn active(node: &TestServer, client: &TestClient, token: &str) -> anyhow::Result<bool> {
    let response = reqwest::Client::new()
        .post(node.url("/introspect"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await?;
    anyhow::ensure!(response.status().is_success(), "{}", response.status());
    let body: Value = response.json().await?;
    Ok(body["active"] == Value::Bool(true))
}

async fn refresh(
    node: &TestServer,
    client: &TestClient,
    refresh_token: &str,
) -> anyhow::Result<StatusCode> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    Ok(node.token(client, &form).await?.status())
}

fn field(body: &Value, name: &str) -> anyhow::Result<String> {
    body[name]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no {name} in {body}"))
}

/// A signed-in browser's tokens from a fresh code.
async fn tokens(
    node: &TestServer,
    client: &TestClient,
    browser: &poort_tests::Browser,
) -> anyhow::Result<Value> {
    let code = node.obtain_code(browser, client, None).await?;
    let (status, body) = node.redeem(client, &code, None).await?;
    anyhow::ensure!(status == StatusCode::OK, "{status} {body}");
    Ok(body)
}

#[tokio::test]
async fn revoked_token_replayed_after_restart_cve_2026_9802() -> anyhow::Result<()> {
    let backing = Backing::shareable().await?;
    let node = start_node(&backing, |_| {}).await?;
    node.create_user(EMAIL, PASSWORD).await?;
    let client = node.create_client(ClientSpec::default()).await?;
    let body = tokens(&node, &client, &node.browser()).await?;
    let access = field(&body, "access_token")?;
    assert_eq!(userinfo(&node, &access).await?, StatusCode::OK);

    let response = reqwest::Client::new()
        .post(node.url("/revoke"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", access.as_str())])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(userinfo(&node, &access).await?, StatusCode::UNAUTHORIZED);

    let node = lose_ephemeral(node, &backing).await?;
    assert_eq!(userinfo(&node, &access).await?, StatusCode::UNAUTHORIZED);
    assert!(!active(&node, &client, &access).await?);
    // And again on a node that starts after the loss (its caches start empty).
    let node = restart(node, &backing).await?;
    assert_eq!(userinfo(&node, &access).await?, StatusCode::UNAUTHORIZED);
    assert!(!active(&node, &client, &access).await?);
    Ok(())
}

#[tokio::test]
async fn a_revoked_token_stays_revoked_when_redis_is_restored_from_before() -> anyhow::Result<()> {
    let (node, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let config = &node.state.config;
    let Some(url) = config.redis_url.clone() else {
        eprintln!("skipped: restoring a snapshot needs REDIS_URL");
        return Ok(());
    };
    let prefix = config.redis_key_prefix.clone();
    let body = tokens(&node, &client, &browser).await?;
    let access = field(&body, "access_token")?;
    // The store has been loaded once (its sentinel exists) before the snapshot is taken.
    assert_eq!(userinfo(&node, &access).await?, StatusCode::OK);
    let before = redis_keys::snapshot(&url, &prefix).await?;

    let response = reqwest::Client::new()
        .post(node.url("/revoke"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", access.as_str())])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    redis_keys::restore(&url, &prefix, &before).await?;

    // The restored sentinel is behind what this node wrote: it reloads before answering.
    assert_eq!(userinfo(&node, &access).await?, StatusCode::UNAUTHORIZED);
    assert!(!active(&node, &client, &access).await?);
    Ok(())
}

#[tokio::test]
async fn a_locked_account_stays_locked_when_the_ephemeral_store_is_lost() -> anyhow::Result<()> {
    let backing = Backing::shareable().await?;
    let node = start_node(&backing, |_| {}).await?;
    node.create_user(EMAIL, PASSWORD).await?;
    let browser = node.browser();
    for _ in 0..4 {
        assert_eq!(
            login(&browser, EMAIL, WRONG).await?.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&browser, EMAIL, WRONG).await?.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    let node = lose_ephemeral(node, &backing).await?;
    let reply = login(&node.browser(), EMAIL, PASSWORD).await?;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );

    // The operator's unlock still lifts it.
    admin::unlock(&node.state.config, EMAIL, node.now()).await?;
    let reply = login(&node.browser(), EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    Ok(())
}

#[tokio::test]
async fn a_code_cannot_be_redeemed_again_from_a_store_restored_from_before() -> anyhow::Result<()> {
    let (node, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = node.obtain_code(&browser, &client, None).await?;
    let config = &node.state.config;
    let code_key = format!("code:{}", digest_secret(&code));
    // The store as it was before the redemption.
    let before = match &config.redis_url {
        Some(url) => Some(redis_keys::snapshot(url, &config.redis_key_prefix).await?),
        None => None,
    };
    let saved_code = node.state.ephemeral.get(&code_key).await?;
    anyhow::ensure!(saved_code.is_some(), "the code is not where it is expected");

    let (status, first) = node.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "{first}");
    match (&config.redis_url, &before) {
        (Some(url), Some(before)) => {
            assert!(!before.is_empty());
            redis_keys::restore(url, &config.redis_key_prefix, before).await?;
        }
        _ => {
            let value = saved_code.unwrap_or_default();
            let ttl = std::time::Duration::from_secs(60);
            node.state.ephemeral.put(&code_key, value, ttl).await?;
        }
    }

    let (status, second) = node.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{second}");
    assert_eq!(second["error"], "invalid_grant");
    // The replay revoked what the first redemption produced.
    let access = field(&first, "access_token")?;
    assert_eq!(userinfo(&node, &access).await?, StatusCode::UNAUTHORIZED);
    let refresh_token = field(&first, "refresh_token")?;
    assert_eq!(
        refresh(&node, &client, &refresh_token).await?,
        StatusCode::BAD_REQUEST
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_code_redeemed_twice_at_once_leaves_no_working_token() -> anyhow::Result<()> {
    const TRIALS: usize = 20;
    let (node, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let mut won = Vec::new();
    for trial in 0..TRIALS {
        let code = node.obtain_code(&browser, &client, None).await?;
        let (a, b) = tokio::join!(
            node.redeem(&client, &code, None),
            node.redeem(&client, &code, None)
        );
        let answers = [a?, b?];
        for (status, body) in &answers {
            match *status {
                StatusCode::OK => won.push((trial, body.clone())),
                StatusCode::BAD_REQUEST => assert_eq!(body["error"], "invalid_grant", "{body}"),
                other => anyhow::bail!("trial {trial}: {other} {body}"),
            }
        }
        let winners = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert!(winners <= 1, "trial {trial}: {winners} redemptions won");
    }
    let mut working = Vec::new();
    for (trial, body) in &won {
        let access = field(body, "access_token")?;
        if userinfo(&node, &access).await? != StatusCode::UNAUTHORIZED {
            working.push(format!("trial {trial}: access token"));
        }
        let refresh_token = field(body, "refresh_token")?;
        if refresh(&node, &client, &refresh_token).await? != StatusCode::BAD_REQUEST {
            working.push(format!("trial {trial}: refresh token"));
        }
    }
    assert!(
        working.is_empty(),
        "{} of {TRIALS} trials had a winner; still working: {working:?}",
        won.len()
    );
    Ok(())
}

#[tokio::test]
async fn a_revoked_api_token_is_refused_on_every_node_after_the_store_is_lost() -> anyhow::Result<()>
{
    let backing = Backing::shareable().await?;
    // Both nodes keep a checked token for five minutes.
    let a = start_node(&backing, |c| c.cache_ttl_secs = 300).await?;
    let b = start_node(&backing, |c| c.cache_ttl_secs = 300).await?;
    let user = a.create_user(EMAIL, PASSWORD).await?;
    let minted = api_token_flow::mint(
        &a.state,
        MintRequest {
            user_id: user.clone(),
            org_id: None,
            name: "durable".into(),
            scopes: vec!["tokens:write".into(), "profile:read".into()],
            expires_in_secs: 86_400,
            amr: vec!["pwd".into()],
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let secret = minted.secret;
    for node in [&a, &b] {
        let reply = call(node, Method::GET, "/api/v1/me", Some(&secret), None).await?;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(node.state.api_tokens.len(), 1);
    }
    let listed = api_token_flow::list_for_user(&a.state, &user).await?;
    let path = format!("/api/v1/tokens/{}", listed[0].id);
    let reply = call(&a, Method::DELETE, &path, Some(&secret), None).await?;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    match &backing.redis_url {
        Some(url) => {
            // Redis emptied: both nodes still hold the token in their caches.
            redis_keys::delete_all(url, &backing.redis_key_prefix).await?;
            for (name, node) in [("a", &a), ("b", &b)] {
                let reply = call(node, Method::GET, "/api/v1/me", Some(&secret), None).await?;
                assert_eq!(
                    reply.status,
                    StatusCode::UNAUTHORIZED,
                    "node {name}: {reply:?}"
                );
            }
        }
        None => {
            // In memory the nodes share no store: B hears of the revocation from the database,
            // within a second or two, not after its five-minute cache.
            let reply = call(&a, Method::GET, "/api/v1/me", Some(&secret), None).await?;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "node a: {reply:?}");
            let started = std::time::Instant::now();
            loop {
                let reply = call(&b, Method::GET, "/api/v1/me", Some(&secret), None).await?;
                if reply.status == StatusCode::UNAUTHORIZED {
                    break;
                }
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(3),
                    "node b still accepts the revoked token: {reply:?}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    Ok(())
}

/// The second-factor limit too: once five wrong codes used up the window, an emptied store
/// (or a restarted node) does not hand out five more guesses.
#[tokio::test]
async fn a_used_up_second_factor_window_survives_a_lost_store() -> anyhow::Result<()> {
    let backing = Backing::shareable().await?;
    let node = start_node(&backing, |_| {}).await?;
    node.create_user(EMAIL, PASSWORD).await?;
    let enrolled = node.browser_with_two_factors(EMAIL, PASSWORD).await?;
    node.sign_out(&enrolled).await?;
    let second_step = |node: TestServer| async move {
        let browser = node.browser();
        let landing = node.sign_in(&browser, EMAIL, PASSWORD).await?;
        let (_, body) = poort_tests::mfa::page(landing).await?;
        let csrf = hidden_field(&body, "csrf")?;
        anyhow::Ok((node, browser, csrf))
    };
    let (node, browser, csrf) = second_step(node).await?;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let form = [("csrf", csrf.as_str()), ("tx", ""), ("code", "000000")];
        statuses.push(browser.post_form("/login/mfa/totp", &form).await?.status());
    }
    assert_eq!(statuses[4], StatusCode::UNAUTHORIZED, "{statuses:?}");
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");

    let node = lose_ephemeral(node, &backing).await?;
    let (_node, browser, csrf) = second_step(node).await?;
    let form = [("csrf", csrf.as_str()), ("tx", ""), ("code", "000000")];
    let status = browser.post_form("/login/mfa/totp", &form).await?.status();
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the window stays used up"
    );
    Ok(())
}

//! OpenID Connect Back-Channel Logout 1.0: when a session ends (RP-initiated logout, the user
//! signing out, a password change, an account disabled), every client it signed in to that
//! registered a `backchannel_logout_uri` gets a signed logout token, through a durable queue
//! that retries a receiver that is down.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::JsonWebKey;
use openidconnect::core::{CoreJsonWebKeySet, CoreJwsSigningAlgorithm};
use poort_server::flows::retention;
use poort_server::metrics::{Gauges, render};
use poort_store::backchannel_logouts;
use poort_tests::backchannel::{Answer, LogoutReceiver};
use poort_tests::forms::submit_password;
use poort_tests::{
    Backing, Browser, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, start_node, start_server,
};
use reqwest::StatusCode;
use serde_json::Value;

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A client whose logout tokens go to `receiver` (or nowhere).
async fn client(
    server: &TestServer,
    receiver: Option<&LogoutReceiver>,
) -> anyhow::Result<TestClient> {
    server
        .create_client(ClientSpec {
            backchannel_logout_uri: receiver.map(|r| r.uri.clone()),
            ..ClientSpec::default()
        })
        .await
}

/// Signs `browser` in to `client` (logging in if needed) and redeems the code: the token
/// response.
async fn sign_in(
    server: &TestServer,
    browser: &Browser,
    client: &TestClient,
) -> anyhow::Result<Value> {
    let code = server.obtain_code(browser, client, None).await?;
    let (status, tokens) = server.redeem(client, &code, None).await?;
    anyhow::ensure!(status == StatusCode::OK, "redeem: {tokens}");
    Ok(tokens)
}

fn part(token: &str, index: usize) -> anyhow::Result<Value> {
    let encoded = token
        .split('.')
        .nth(index)
        .ok_or_else(|| anyhow::anyhow!("not a JWS"))?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded)?)?)
}

fn claims(token: &str) -> anyhow::Result<Value> {
    part(token, 1)
}

/// Checks the signature of an RS256 token against the provider's published JWKS.
async fn verify_with_jwks(server: &TestServer, token: &str) -> anyhow::Result<()> {
    let jwks: CoreJsonWebKeySet = reqwest::get(server.url("/jwks")).await?.json().await?;
    let header = part(token, 0)?;
    anyhow::ensure!(header["alg"] == "RS256", "{header}");
    let kid = header["kid"].as_str().unwrap_or_default();
    let key = jwks
        .keys()
        .iter()
        .find(|key| key.key_id().is_some_and(|id| id.as_str() == kid))
        .ok_or_else(|| anyhow::anyhow!("kid {kid} is not in the JWKS"))?;
    let (input, signature) = token
        .rsplit_once('.')
        .ok_or_else(|| anyhow::anyhow!("not a JWS"))?;
    key.verify_signature(
        &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        input.as_bytes(),
        &URL_SAFE_NO_PAD.decode(signature)?,
    )
    .map_err(|e| anyhow::anyhow!("signature: {e}"))
}

/// The checks every logout token must pass (§2.4), for `client` about the ID token `id_token`.
async fn check_logout_token(
    server: &TestServer,
    token: &str,
    client: &TestClient,
    id_token: &str,
) -> anyhow::Result<Value> {
    verify_with_jwks(server, token).await?;
    assert_eq!(part(token, 0)?["typ"], "logout+jwt");
    let logout = claims(token)?;
    let id = claims(id_token)?;
    assert_eq!(logout["iss"], server.base.as_str());
    assert_eq!(logout["aud"], client.id.as_str());
    assert_eq!(logout["events"], serde_json::json!({ EVENT: {} }));
    assert_eq!(logout["sub"], id["sub"]);
    assert!(id["sid"].is_string(), "ID tokens carry sid: {id}");
    assert_eq!(logout["sid"], id["sid"]);
    assert!(logout.get("nonce").is_none(), "never a nonce: {logout}");
    assert!(logout["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let (iat, exp) = (logout["iat"].as_i64(), logout["exp"].as_i64());
    let (Some(iat), Some(exp)) = (iat, exp) else {
        anyhow::bail!("iat and exp: {logout}");
    };
    assert!(
        iat <= server.now() + 1 && exp > iat && exp - iat <= 120,
        "{logout}"
    );
    Ok(logout)
}

/// RP-initiated logout with a hint that names this session: ends it at once.
async fn end_session(browser: &Browser, client: &TestClient, id_token: &str) -> anyhow::Result<()> {
    let url = format!(
        "/end_session?id_token_hint={id_token}&post_logout_redirect_uri={}",
        client.post_logout_redirect_uri
    );
    let back = browser.follow(browser.get(&url).await?).await?.away()?;
    assert!(back.as_str().starts_with(&client.post_logout_redirect_uri));
    Ok(())
}

/// Waits until every queued logout token was delivered (the worker deletes a row after the
/// client's answer, and counts it first).
async fn wait_for_empty_queue(server: &TestServer) -> anyhow::Result<()> {
    let mut queue = Vec::new();
    for _ in 0..100 {
        queue = backchannel_logouts::list(&server.state.db).await?;
        if queue.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("delivered rows leave the queue: {queue:?}")
}

#[tokio::test]
async fn ending_a_session_tells_every_client_it_signed_in_to() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let (rp_a, rp_b) = (
        LogoutReceiver::start().await?,
        LogoutReceiver::start().await?,
    );
    let a = client(&server, Some(&rp_a)).await?;
    let b = client(&server, Some(&rp_b)).await?;
    let silent = client(&server, None).await?;
    let browser = server.browser();
    let tokens_a = sign_in(&server, &browser, &a).await?;
    let tokens_b = sign_in(&server, &browser, &b).await?;
    sign_in(&server, &browser, &silent).await?;
    let id_a = tokens_a["id_token"].as_str().unwrap_or_default().to_owned();
    let id_b = tokens_b["id_token"].as_str().unwrap_or_default().to_owned();
    // One browser session: one sid in every ID token, also after a refresh.
    assert_eq!(claims(&id_a)?["sid"], claims(&id_b)?["sid"]);
    let refresh = tokens_a["refresh_token"].as_str().unwrap_or_default();
    let refreshed = server
        .token(
            &a,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await?;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: Value = refreshed.json().await?;
    let id_refreshed = refreshed["id_token"].as_str().unwrap_or_default();
    assert_eq!(claims(id_refreshed)?["sid"], claims(&id_a)?["sid"]);
    assert!(rp_a.received().is_empty(), "nothing before the logout");

    end_session(&browser, &a, &id_a).await?;
    let to_a = rp_a.wait_accepted(1).await?;
    let to_b = rp_b.wait_accepted(1).await?;
    let logout_a = check_logout_token(&server, &to_a[0], &a, &id_a).await?;
    let logout_b = check_logout_token(&server, &to_b[0], &b, &id_b).await?;
    assert_ne!(logout_a["jti"], logout_b["jti"]);
    // The client without a URI got nothing queued; everything queued was delivered.
    wait_for_empty_queue(&server).await?;
    // The refresh token the session started (no offline_access) ended with it.
    let successor = refreshed["refresh_token"].as_str().unwrap_or_default();
    let after = server
        .token(
            &a,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", successor),
            ],
        )
        .await?;
    assert_eq!(after.status(), StatusCode::BAD_REQUEST);
    // Nothing more arrives: one token per client per session.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!((rp_a.received().len(), rp_b.received().len()), (1, 1));
    let metrics = render(&server.state.metrics, Gauges::default());
    assert!(
        metrics.contains("poort_backchannel_logouts_total{result=\"delivered\"} 2"),
        "{metrics}"
    );
    Ok(())
}

#[tokio::test]
async fn signing_out_on_the_home_page_tells_the_clients_too() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let rp = LogoutReceiver::start().await?;
    let a = client(&server, Some(&rp)).await?;
    let browser = server.browser();
    let tokens = sign_in(&server, &browser, &a).await?;
    let home = browser.get("/").await?.text().await?;
    let csrf = poort_tests::browser::hidden_field(&home, "csrf")?;
    let response = browser.post_form("/logout", &[("csrf", &csrf)]).await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let received = rp.wait_accepted(1).await?;
    check_logout_token(
        &server,
        &received[0],
        &a,
        tokens["id_token"].as_str().unwrap_or_default(),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_the_token_after_the_backoff() -> anyhow::Result<()> {
    let server = start_server(|config| {
        config.backchannel_logout.retry_base_secs = 60;
    })
    .await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let rp = LogoutReceiver::start().await?;
    rp.answer_with(Answer::Status(500));
    let a = client(&server, Some(&rp)).await?;
    let browser = server.browser();
    let tokens = sign_in(&server, &browser, &a).await?;
    let id_token = tokens["id_token"].as_str().unwrap_or_default();
    end_session(&browser, &a, id_token).await?;

    // The first attempt is answered 500: retried later, not given up.
    rp.wait_received(1).await?;
    let mut row = None;
    for _ in 0..100 {
        row = backchannel_logouts::list(&server.state.db)
            .await?
            .into_iter()
            .find(|r| r.attempts >= 1);
        if row.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let row = row.ok_or_else(|| anyhow::anyhow!("the failure was never recorded"))?;
    assert!(
        row.failed_at.is_none() && row.last_error.is_some(),
        "{row:?}"
    );
    assert!(row.next_attempt_at >= server.now() + 50, "backoff: {row:?}");
    assert!(rp.accepted().is_empty());

    // Back up, but the backoff holds until it has passed.
    rp.answer_with(Answer::Status(204));
    server.state.backchannel.wake.notify_one();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rp.received().len(), 1, "not before the backoff");
    server.clock.advance(61);
    server.state.backchannel.wake.notify_one();
    let accepted = rp.wait_accepted(1).await?;
    // Signed at delivery: valid now, not two minutes after the first attempt.
    let logout = check_logout_token(&server, &accepted[0], &a, id_token).await?;
    assert!(logout["iat"].as_i64() >= Some(server.now() - 5));
    wait_for_empty_queue(&server).await?;
    let metrics = render(&server.state.metrics, Gauges::default());
    assert!(
        metrics.contains("poort_backchannel_logouts_total{result=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("poort_backchannel_logouts_total{result=\"delivered\"} 1"),
        "{metrics}"
    );
    Ok(())
}

#[tokio::test]
async fn a_token_that_keeps_failing_is_given_up_and_kept_for_the_operator() -> anyhow::Result<()> {
    let server = start_server(|config| {
        config.backchannel_logout.retry_base_secs = 10;
        config.backchannel_logout.max_attempts = 2;
    })
    .await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let rp = LogoutReceiver::start().await?;
    rp.answer_with(Answer::Hangup);
    let a = client(&server, Some(&rp)).await?;
    let browser = server.browser();
    let tokens = sign_in(&server, &browser, &a).await?;
    end_session(
        &browser,
        &a,
        tokens["id_token"].as_str().unwrap_or_default(),
    )
    .await?;
    rp.wait_received(1).await?;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    server.clock.advance(11);
    server.state.backchannel.wake.notify_one();
    rp.wait_received(2).await?;
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = backchannel_logouts::list(&server.state.db).await?;
        if rows.iter().any(|r| r.failed_at.is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(rows.len(), 1, "kept: {rows:?}");
    assert_eq!((rows[0].attempts, rows[0].failed_at.is_some()), (2, true));
    assert_eq!(
        backchannel_logouts::pending_count(&server.state.db).await?,
        0
    );
    // Given up: no third attempt, however long we wait.
    server.clock.advance(3600);
    server.state.backchannel.wake.notify_one();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(rp.received().len(), 2);
    let metrics = render(&server.state.metrics, Gauges::default());
    assert!(
        metrics.contains("poort_backchannel_logouts_total{result=\"given_up\"} 1"),
        "{metrics}"
    );
    Ok(())
}

#[tokio::test]
async fn a_password_change_tells_the_clients_of_the_other_sessions_only() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let rp = LogoutReceiver::start().await?;
    let a = client(&server, Some(&rp)).await?;
    let (elsewhere, here) = (server.browser(), server.browser());
    let old = sign_in(&server, &elsewhere, &a).await?;
    let kept = sign_in(&server, &here, &a).await?;
    let old_id = old["id_token"].as_str().unwrap_or_default();
    let kept_id = kept["id_token"].as_str().unwrap_or_default();
    assert_ne!(claims(old_id)?["sid"], claims(kept_id)?["sid"]);
    let new = "a different long passphrase";
    let reply = submit_password(&here, "/account/password", PASSWORD, new, new).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let received = rp.wait_accepted(1).await?;
    check_logout_token(&server, &received[0], &a, old_id).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        rp.received().len(),
        1,
        "the browser that changed it stays signed in"
    );
    Ok(())
}

#[tokio::test]
async fn disabling_an_account_tells_the_clients_of_its_sessions() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let rp = LogoutReceiver::start().await?;
    let a = client(&server, Some(&rp)).await?;
    let (one, two) = (server.browser(), server.browser());
    let first = sign_in(&server, &one, &a).await?;
    let second = sign_in(&server, &two, &a).await?;
    assert_eq!(
        retention::disable_account(&server.state, EMAIL).await?,
        retention::Change::Done
    );
    let received = rp.wait_accepted(2).await?;
    let mut sids: Vec<Value> = received
        .iter()
        .map(|token| claims(token).map(|c| c["sid"].clone()))
        .collect::<Result<_, _>>()?;
    sids.sort_by_key(|v| v.to_string());
    let mut expected = vec![
        claims(first["id_token"].as_str().unwrap_or_default())?["sid"].clone(),
        claims(second["id_token"].as_str().unwrap_or_default())?["sid"].clone(),
    ];
    expected.sort_by_key(|v| v.to_string());
    assert_eq!(
        sids, expected,
        "one token per session (sid required by default)"
    );
    Ok(())
}

#[tokio::test]
async fn two_nodes_polling_one_queue_deliver_each_token_once() -> anyhow::Result<()> {
    let backing = Backing::shareable().await?;
    let fast = |config: &mut poort_server::Config| config.backchannel_logout.poll_interval_ms = 10;
    let node_a = start_node(&backing, fast).await?;
    let node_b = start_node(&backing, fast).await?;
    node_a.create_user(EMAIL, PASSWORD).await?;
    let rp = LogoutReceiver::start().await?;
    let a = client(&node_a, Some(&rp)).await?;
    let mut sids = Vec::new();
    for _ in 0..4 {
        let tokens = sign_in(&node_a, &node_a.browser(), &a).await?;
        sids.push(claims(tokens["id_token"].as_str().unwrap_or_default())?["sid"].clone());
    }
    retention::disable_account(&node_a.state, EMAIL).await?;
    node_b.state.backchannel.wake.notify_one();
    rp.wait_accepted(4).await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut got: Vec<Value> = rp
        .received()
        .iter()
        .map(|token| claims(token).map(|c| c["sid"].clone()))
        .collect::<Result<_, _>>()?;
    got.sort_by_key(|v| v.to_string());
    sids.sort_by_key(|v| v.to_string());
    assert_eq!(got, sids, "each session's token exactly once");
    Ok(())
}

//! The Device Authorization Grant (RFC 8628), the device's side: the device authorization
//! endpoint and its refusals, and every answer of the token endpoint while the device polls
//! (authorization_pending, slow_down, expired_token, access_denied, invalid_grant for another
//! client's or a redeemed code, unauthorized_client) and the tokens an approval gives: an ID
//! token for `openid` with the session's amr/auth_time/sid, a refresh token for
//! `offline_access`, resources as audiences, the session's back-channel logout.

use poort_oidc::token_request::GrantType;
use poort_server::flows::retention;
use poort_tests::backchannel::LogoutReceiver;
use poort_tests::device::{
    DEVICE_GRANT, DeviceCodes, answer, confirmation, error_of, open_and_sign_in,
};
use poort_tests::mfa::{amr, jwt_claims};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, start_server};
use reqwest::StatusCode;
use serde_json::Value;

const API: &str = "https://api.example.com";

/// A third-party public client (a CLI or a TV app) with the device and refresh grants.
fn device_app() -> ClientSpec {
    ClientSpec {
        public: true,
        first_party: false,
        grants: vec![GrantType::DeviceCode, GrantType::RefreshToken],
        audiences: vec![API.into()],
        ..ClientSpec::default()
    }
}

/// A server with the test user (its id returned) and the device app.
async fn server_with_device_app() -> anyhow::Result<(TestServer, TestClient, String)> {
    let server = start_server(|_| {}).await?;
    let user_id = server.create_user(EMAIL, PASSWORD).await?;
    let client = server.create_client(device_app()).await?;
    Ok((server, client, user_id))
}

/// The user approves (or denies) `codes` in `browser`, signing in first if needed.
async fn user_answers(
    browser: &Browser,
    codes: &DeviceCodes,
    decision: &str,
) -> anyhow::Result<()> {
    let landing =
        open_and_sign_in(browser, &codes.verification_uri_complete, EMAIL, PASSWORD).await?;
    let body = confirmation(landing)?;
    let answered = answer(browser, &body, decision).await?;
    anyhow::ensure!(answered.status() == StatusCode::OK, "{}", answered.status());
    Ok(())
}

/// Polls once after waiting the interval (the harness clock moves instead of the test sleeping).
async fn poll_after(
    server: &TestServer,
    client: &TestClient,
    codes: &DeviceCodes,
    wait: i64,
) -> anyhow::Result<(StatusCode, Value)> {
    server.clock.advance(wait);
    server.poll_device(client, &codes.device_code).await
}

#[tokio::test]
async fn discovery_advertises_the_device_endpoint_and_grant() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let doc: Value = reqwest::get(server.url(path)).await?.json().await?;
        assert_eq!(
            doc["device_authorization_endpoint"],
            server.url("/device_authorization").as_str(),
            "{path}"
        );
        let grants = doc["grant_types_supported"].to_string();
        assert!(grants.contains(DEVICE_GRANT), "{path}: {grants}");
    }
    Ok(())
}

#[tokio::test]
async fn a_device_polls_until_the_user_approves_then_gets_tokens_once() -> anyhow::Result<()> {
    let (server, client, user_id) = server_with_device_app().await?;
    let codes = server
        .start_device_flow(&client, "openid email offline_access unknown_scope")
        .await?;
    assert_eq!(codes.verification_uri, server.url("/device"));
    assert_eq!(
        codes.verification_uri_complete,
        format!("{}?user_code={}", server.url("/device"), codes.user_code)
    );
    assert_eq!((codes.expires_in, codes.interval), (600, 5));
    assert_eq!(codes.device_code.len(), 43, "256 bits, base64url");
    let shape = codes.user_code.split('-').map(str::len).collect::<Vec<_>>();
    assert_eq!(shape, [4, 4], "{}", codes.user_code);
    assert!(
        codes
            .user_code
            .chars()
            .all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c)),
        "{}",
        codes.user_code
    );

    // Nobody has answered yet.
    let (status, body) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "authorization_pending", "{body}");

    // The confirmation names the client and the scopes and shows the code again.
    let browser = server.browser();
    let landing =
        open_and_sign_in(&browser, &codes.verification_uri_complete, EMAIL, PASSWORD).await?;
    let page = confirmation(landing)?;
    assert!(page.contains(&codes.user_code), "the code, to compare");
    assert!(page.contains("Test app") && page.contains("offline_access"));
    assert!(
        !page.contains("unknown_scope"),
        "unknown scopes are left out"
    );
    assert!(page.contains(EMAIL));
    let (status, body) = poll_after(&server, &client, &codes, 5).await?;
    assert_eq!(error_of(&body), "authorization_pending", "{status} {body}");
    let done = answer(&browser, &page, "approve").await?;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await?.contains("Device connected"));

    let (status, tokens) = poll_after(&server, &client, &codes, 5).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "email offline_access openid");
    let id = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(id["sub"], user_id.as_str());
    assert_eq!(id["aud"], client.id.as_str());
    assert_eq!(id["email"], EMAIL);
    assert_eq!(amr(&id), ["pwd"]);
    assert!(id["auth_time"].as_i64().is_some() && id["sid"].as_str().is_some());
    assert!(id.get("nonce").is_none());
    let access = jwt_claims(tokens["access_token"].as_str().unwrap_or_default())?;
    assert_eq!(access["client_id"], client.id.as_str());
    assert_eq!(access["sid"], id["sid"]);

    // The approval is taken once: the same code again is refused.
    let (status, again) = poll_after(&server, &client, &codes, 5).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&again), "invalid_grant", "{again}");

    // offline_access gave a refresh token, which works like any other.
    let refresh = tokens["refresh_token"].as_str().unwrap_or_default();
    let refreshed = server
        .token(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await?;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let metrics = reqwest::get(server.url("/metrics")).await?.text().await?;
    assert!(
        metrics.contains(&format!(
            "poort_tokens_issued_total{{grant=\"{DEVICE_GRANT}\"}} 1"
        )),
        "{metrics}"
    );
    Ok(())
}

#[tokio::test]
async fn without_offline_access_there_is_no_refresh_token_and_resources_become_the_audience()
-> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let (status, body) = server
        .device_authorization(&client, &[("scope", "openid"), ("resource", API)])
        .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = DeviceCodes {
        device_code: body["device_code"].as_str().unwrap_or_default().into(),
        verification_uri_complete: body["verification_uri_complete"]
            .as_str()
            .unwrap_or_default()
            .into(),
        user_code: String::new(),
        verification_uri: String::new(),
        expires_in: 0,
        interval: 5,
    };
    user_answers(&server.browser(), &codes, "approve").await?;
    let (status, tokens) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    let access = jwt_claims(tokens["access_token"].as_str().unwrap_or_default())?;
    assert_eq!(access["aud"], API);
    Ok(())
}

#[tokio::test]
async fn polling_faster_than_the_interval_is_slow_down_and_raises_it() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let (_, first) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(error_of(&first), "authorization_pending");
    // At once again: too soon.
    let (status, body) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "slow_down", "{body}");
    // The interval is now 10 s: 5 s later is still too soon (and raises it to 15 s)…
    let (_, body) = poll_after(&server, &client, &codes, 5).await?;
    assert_eq!(error_of(&body), "slow_down", "{body}");
    // …and waiting 15 s is fine.
    let (_, body) = poll_after(&server, &client, &codes, 15).await?;
    assert_eq!(error_of(&body), "authorization_pending", "{body}");
    Ok(())
}

#[tokio::test]
async fn an_expired_device_code_is_expired_token_and_its_user_code_is_gone() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let (_, body) = poll_after(&server, &client, &codes, 600).await?;
    assert_eq!(error_of(&body), "expired_token", "{body}");
    let (_, body) = poll_after(&server, &client, &codes, 5).await?;
    assert_eq!(error_of(&body), "invalid_grant", "{body}");
    // Nobody can approve it any more.
    let browser = server.browser();
    let page = poort_tests::device::enter_code(&browser, &codes.user_code).await?;
    let poort_tests::browser::Landing::Page { status, body, .. } = page else {
        anyhow::bail!("expected the code page again");
    };
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("That code is not valid"), "{body}");
    Ok(())
}

#[tokio::test]
async fn an_approval_that_outlives_the_code_gives_nothing() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let browser = server.browser();
    let landing =
        open_and_sign_in(&browser, &codes.verification_uri_complete, EMAIL, PASSWORD).await?;
    let page = confirmation(landing)?;
    server.clock.advance(600);
    let late = answer(&browser, &page, "approve").await?;
    assert_eq!(late.status(), StatusCode::GONE);
    let (_, body) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(error_of(&body), "expired_token", "{body}");
    Ok(())
}

#[tokio::test]
async fn a_denial_is_access_denied() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    user_answers(&server.browser(), &codes, "deny").await?;
    let (status, body) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "access_denied", "{body}");
    let (_, body) = poll_after(&server, &client, &codes, 5).await?;
    assert_eq!(error_of(&body), "invalid_grant", "the flow is over: {body}");
    Ok(())
}

#[tokio::test]
async fn another_clients_device_code_is_invalid_grant_and_left_alone() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let other = server.create_client(device_app()).await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    user_answers(&server.browser(), &codes, "approve").await?;
    let (status, body) = server.poll_device(&other, &codes.device_code).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "invalid_grant", "{body}");
    // The right client still gets its tokens.
    let (status, tokens) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (_, body) = server.poll_device(&client, "not-a-device-code").await?;
    assert_eq!(error_of(&body), "invalid_grant", "{body}");
    Ok(())
}

#[tokio::test]
async fn a_client_without_the_grant_is_unauthorized_client() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let web = server.create_client(ClientSpec::default()).await?;
    let (status, body) = server
        .device_authorization(&web, &[("scope", "openid")])
        .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "unauthorized_client", "{body}");
    // Nor may it poll with a code it got hold of.
    let codes = server.start_device_flow(&client, "openid").await?;
    let (_, body) = server.poll_device(&web, &codes.device_code).await?;
    assert_eq!(error_of(&body), "unauthorized_client", "{body}");
    Ok(())
}

#[tokio::test]
async fn the_device_authorization_endpoint_refuses_bad_requests() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("scope", "openid \"x\"")], "invalid_scope"),
        (
            &[("resource", "https://elsewhere.example.com")],
            "invalid_target",
        ),
        (
            &[("scope", "openid"), ("scope", "email")],
            "invalid_request",
        ),
    ];
    for (form, error) in cases {
        let (status, body) = server.device_authorization(&client, form).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form:?}");
        assert_eq!(error_of(&body), error, "{form:?}: {body}");
    }
    // A confidential client authenticates as at /token.
    let confidential = server
        .create_client(ClientSpec {
            grants: vec![GrantType::DeviceCode],
            ..ClientSpec::default()
        })
        .await?;
    let wrong = TestClient {
        secret: Some("not the secret".into()),
        id: confidential.id.clone(),
        redirect_uri: String::new(),
        post_logout_redirect_uri: String::new(),
    };
    let (status, body) = server.device_authorization(&wrong, &[]).await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(&body), "invalid_client", "{body}");
    let (status, body) = server.device_authorization(&confidential, &[]).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn of_concurrent_polls_after_an_approval_one_gets_tokens() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    user_answers(&server.browser(), &codes, "approve").await?;
    let mut polls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let url = server.url("/token");
        let form = [
            ("grant_type", DEVICE_GRANT.to_owned()),
            ("device_code", codes.device_code.clone()),
            ("client_id", client.id.clone()),
        ];
        polls.spawn(async move {
            let response = reqwest::Client::new().post(url).form(&form).send().await?;
            let status = response.status();
            anyhow::Ok((status, response.json::<Value>().await?))
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = polls.join_next().await {
        answers.push(joined??);
    }
    let winners = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(winners, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST);
        assert_eq!(error_of(body), "invalid_grant", "{body}");
    }
    Ok(())
}

#[tokio::test]
async fn a_disabled_account_after_approval_gets_no_tokens() -> anyhow::Result<()> {
    let (server, client, _) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    user_answers(&server.browser(), &codes, "approve").await?;
    retention::disable_account(&server.state, EMAIL).await?;
    let (status, body) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "invalid_grant", "{body}");
    Ok(())
}

#[tokio::test]
async fn signing_out_in_the_browser_logs_the_device_out_through_the_back_channel()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let receiver = LogoutReceiver::start().await?;
    let client = server
        .create_client(ClientSpec {
            backchannel_logout_uri: Some(receiver.uri.clone()),
            ..device_app()
        })
        .await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let browser = server.browser();
    user_answers(&browser, &codes, "approve").await?;
    let (_, tokens) = server.poll_device(&client, &codes.device_code).await?;
    let id = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    server.sign_out(&browser).await?;
    let received = receiver.wait_accepted(1).await?;
    let logout = jwt_claims(&received[0])?;
    assert_eq!(logout["aud"], client.id.as_str());
    assert_eq!(logout["sid"], id["sid"]);
    Ok(())
}

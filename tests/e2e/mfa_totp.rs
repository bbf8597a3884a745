//! Authenticator apps end to end: enrollment from the account page (the test reads the key off
//! the page and computes codes with totp-rs), the second login step, the ID token's `amr`/`acr`
//! checked by the `openidconnect` RP, replay refusal, the per-user throttle, and step-up when a
//! client asks for multi-factor with `acr_values`.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use poort_tests::browser::{Landing, hidden_field};
use poort_tests::mfa::{amr, jwt_claims, page, recovery_codes, totp_code};
use poort_tests::rp::{Metadata, http_client};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::StatusCode;

const MFA_ACR: &str = "urn:poort:loa:2fa";

#[tokio::test]
async fn enroll_then_log_in_with_password_and_code() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;

    // Enroll from the account page: the QR page carries the key; a valid code confirms it.
    let landing = server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (url, _) = page(landing).await?;
    assert!(url.ends_with('/'), "a plain login lands home: {url}");
    let (secret, confirmed) = server.enroll_totp(&browser, "My phone", "").await?;
    assert_eq!(confirmed.status(), StatusCode::OK);
    let shown = confirmed.text().await?;
    let codes = recovery_codes(&shown);
    assert_eq!(
        codes.len(),
        10,
        "ten recovery codes at the first enrollment"
    );
    assert!(
        shown.contains("href=\"data:text/plain;charset=utf-8,"),
        "downloadable"
    );
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(account.contains("My phone") && account.contains("Authenticator app"));
    server.sign_out(&browser).await?;

    // The relying party starts a login; the password alone is not enough any more.
    let http = http_client();
    let metadata = Metadata::discover_async(IssuerUrl::new(server.base.clone())?, &http).await?;
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone())?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _state, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let landing = browser
        .login_through(auth_url.as_str(), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    assert!(url.contains("/login/mfa?tx="), "second step: {url}");
    assert!(body.contains("Code from your authenticator app"));
    let csrf = hidden_field(&body, "csrf")?;
    let tx = hidden_field(&body, "tx")?;

    // The enrollment's code is spent; the next step's code logs in.
    server.clock.advance(30);
    let code = totp_code(&secret, server.now())?;
    let response = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &code)],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;

    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))?
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| anyhow::anyhow!("no id_token"))?;
    let claims = id_token.claims(&rp.id_token_verifier(), &nonce)?;
    let methods: Vec<String> = claims
        .auth_method_refs()
        .map(|a| a.iter().map(|m| m.to_string()).collect())
        .unwrap_or_default();
    assert_eq!(methods, ["pwd", "otp", "mfa"]);
    assert_eq!(
        claims.auth_context_ref(),
        Some(&AuthenticationContextClass::new(MFA_ACR.into()))
    );
    Ok(())
}

/// Logs in to the second step through an authorize request; returns (csrf, tx).
async fn second_step(
    server: &poort_tests::TestServer,
    client: &poort_tests::TestClient,
    browser: &poort_tests::Browser,
) -> anyhow::Result<(String, String)> {
    let landing = browser
        .login_through(&server.authorize_url(client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    anyhow::ensure!(
        url.contains("/login/mfa"),
        "expected the second step, got {url}"
    );
    Ok((hidden_field(&body, "csrf")?, hidden_field(&body, "tx")?))
}

#[tokio::test]
async fn a_code_is_refused_the_second_time_and_wrong_codes_are_throttled() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (secret, _) = server.enroll_totp(&browser, "", "").await?;
    server.sign_out(&browser).await?;

    server.clock.advance(30);
    let code = totp_code(&secret, server.now())?;
    let (csrf, tx) = second_step(&server, &client, &browser).await?;
    let ok = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &code)],
        )
        .await?;
    browser.follow(ok).await?.away()?;
    server.sign_out(&browser).await?;

    // Same code, same 30 seconds, another login: refused as a replay.
    let (csrf, tx) = second_step(&server, &client, &browser).await?;
    let replay = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &code)],
        )
        .await?;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert!(replay.text().await?.contains("already used"));
    // The page still works with the next code.
    server.clock.advance(30);
    let next = totp_code(&secret, server.now())?;
    let ok = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &next)],
        )
        .await?;
    browser.follow(ok).await?.away()?;
    server.sign_out(&browser).await?;

    // Five wrong answers lock the user out, even of the right code. The replay above was one:
    // the successes since gave back only their own attempts.
    let (csrf, tx) = second_step(&server, &client, &browser).await?;
    for _ in 0..4 {
        let wrong = browser
            .post_form(
                "/login/mfa/totp",
                &[("csrf", &csrf), ("tx", &tx), ("code", "000000")],
            )
            .await?;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    server.clock.advance(30);
    let right = totp_code(&secret, server.now())?;
    let locked = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &right)],
        )
        .await?;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.text().await?.contains("Too many wrong attempts"));
    Ok(())
}

#[tokio::test]
async fn enrollment_needs_a_valid_code_and_the_second_step_its_form() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let first = browser.get("/account/mfa/totp").await?.text().await?;
    let key = poort_tests::mfa::element_text(&first, "totp-secret")?;
    let csrf = hidden_field(&first, "csrf")?;
    let wrong = browser
        .post_form(
            "/account/mfa/totp",
            &[
                ("csrf", &csrf),
                ("tx", ""),
                ("name", ""),
                ("code", "123456x"),
            ],
        )
        .await?;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let again = wrong.text().await?;
    assert_eq!(
        poort_tests::mfa::element_text(&again, "totp-secret")?,
        key,
        "the same key is shown again after a wrong code"
    );
    // Nothing was enrolled: the password alone still logs in.
    server.sign_out(&browser).await?;
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    landing.away()?;

    // The second step's forms need the session's CSRF token.
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    server.enroll_totp(&browser, "", "").await?;
    server.sign_out(&browser).await?;
    let (_, tx) = second_step(&server, &client, &browser).await?;
    let forged = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", "forged"), ("tx", &tx), ("code", "123456")],
        )
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // Another browser cannot finish this browser's login.
    let other = server.browser();
    let page = other.get(&format!("/login/mfa?tx={tx}")).await?;
    assert!(
        page.status().is_redirection(),
        "no second step without the password step"
    );
    Ok(())
}

#[tokio::test]
async fn acr_values_asking_for_mfa_trigger_a_step_up() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    // Logged in with the password before enrolling: the session has one factor.
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (secret, _) = server.enroll_totp(&browser, "", "").await?;

    // Without acr_values the session is good enough.
    let plain = browser
        .follow(browser.get(&server.authorize_url(&client, &[])).await?)
        .await?
        .away()?;
    let code = Landing::query(&plain, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(amr(&claims), ["pwd"]);
    assert_eq!(claims["acr"], "urn:poort:loa:1fa");

    // prompt=none cannot show the second step: interaction_required.
    let silent = server.authorize_url(&client, &[("acr_values", MFA_ACR), ("prompt", "none")]);
    let back = browser.follow(browser.get(&silent).await?).await?.away()?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("interaction_required")
    );

    // A client asking for multi-factor gets the second step, without the password again.
    let url = server.authorize_url(&client, &[("acr_values", MFA_ACR)]);
    let (url, body) = page(browser.follow(browser.get(&url).await?).await?).await?;
    assert!(url.contains("/login/mfa?tx="), "step-up: {url}");
    server.clock.advance(30);
    let code = totp_code(&secret, server.now())?;
    let response = browser
        .post_form(
            "/login/mfa/totp",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("code", &code),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(amr(&claims), ["pwd", "otp", "mfa"]);
    assert_eq!(claims["acr"], MFA_ACR);
    Ok(())
}

#[tokio::test]
async fn max_age_asks_for_both_factors_again() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (secret, _) = server.enroll_totp(&browser, "", "").await?;
    server.sign_out(&browser).await?;
    let (csrf, tx) = second_step(&server, &client, &browser).await?;
    server.clock.advance(30);
    let code = totp_code(&secret, server.now())?;
    let ok = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &code)],
        )
        .await?;
    browser.follow(ok).await?.away()?;

    // Ten minutes later a client wants a login at most five minutes old: password, then code.
    server.clock.advance(600);
    let url = server.authorize_url(&client, &[("max_age", "300")]);
    let landing = browser.login_through(&url, EMAIL, PASSWORD).await?;
    let (page_url, body) = page(landing).await?;
    assert!(page_url.contains("/login/mfa"), "{page_url}");
    let code = totp_code(&secret, server.now())?;
    let response = browser
        .post_form(
            "/login/mfa/totp",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("code", &code),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(amr(&claims), ["pwd", "otp", "mfa"]);
    let auth_time = claims["auth_time"].as_i64().unwrap_or_default();
    assert!(server.now() - auth_time < 5, "auth_time is the new login");
    Ok(())
}

#[tokio::test]
async fn discovery_lists_the_acr_values_and_claim() -> anyhow::Result<()> {
    let (server, _client, _browser) = setup(ClientSpec::default(), |_| {}).await?;
    let doc: serde_json::Value = reqwest::get(server.url("/.well-known/openid-configuration"))
        .await?
        .json()
        .await?;
    assert_eq!(
        doc["acr_values_supported"],
        serde_json::json!(["urn:poort:loa:1fa", MFA_ACR])
    );
    assert!(
        doc["claims_supported"]
            .as_array()
            .is_some_and(|c| c.contains(&serde_json::json!("acr")))
    );
    Ok(())
}

#[tokio::test]
async fn an_operator_reset_turns_the_second_step_off() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    server.enroll_totp(&browser, "Lost phone", "").await?;
    server.sign_out(&browser).await?;
    let reset = poort_server::flows::mfa::factors::reset_for_login(&server.state.db, EMAIL).await?;
    assert_eq!(reset.map(|(_, removed)| removed), Some(1));
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    landing.away()?;
    assert!(
        poort_server::flows::mfa::factors::reset_for_login(&server.state.db, "nobody@example.com")
            .await?
            .is_none()
    );
    Ok(())
}

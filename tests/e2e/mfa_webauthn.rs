//! WebAuthn end to end with a software authenticator (tests/src/authenticator.rs) speaking the
//! browser's JSON: a security key as second factor, a passkey that logs in without a password,
//! single-use ceremonies, a cloned authenticator refused, and the server's WebAuthn switched
//! off (or refusing to start) when the issuer is an IP address.

use poort_tests::authenticator::SoftAuthenticator;
use poort_tests::browser::{Landing, hidden_field};
use poort_tests::mfa::{amr, data_options, jwt_claims, page, recovery_codes};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestServer, setup, start_server};
use reqwest::StatusCode;

/// WebAuthn needs a domain: these servers' issuer is `http://localhost:{port}`.
fn on_localhost(config: &mut poort_server::Config) {
    config.issuer = format!("http://localhost:{}", config.bind.port());
}

/// Registers a credential of `kind` from the account page; returns the page that follows.
async fn register(
    browser: &Browser,
    authenticator: &mut SoftAuthenticator,
    kind: &str,
    name: &str,
) -> anyhow::Result<reqwest::Response> {
    let page = browser
        .get(&format!("/account/mfa/webauthn?kind={kind}"))
        .await?;
    anyhow::ensure!(page.status() == StatusCode::OK, "{kind}: {}", page.status());
    let body = page.text().await?;
    let credential = authenticator.register(&data_options(&body)?)?;
    browser
        .post_form(
            "/account/mfa/webauthn",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", ""),
                ("name", name),
                ("credential", &credential),
            ],
        )
        .await
}

#[tokio::test]
async fn a_security_key_is_a_second_factor() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), on_localhost).await?;
    // A key without a PIN: user presence only.
    let mut key = SoftAuthenticator::new(&server.base);
    key.user_verification = false;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let registered = register(&browser, &mut key, "security_key", "YubiKey").await?;
    assert_eq!(registered.status(), StatusCode::OK);
    assert_eq!(recovery_codes(&registered.text().await?).len(), 10);
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(account.contains("YubiKey") && account.contains("Security key"));
    // The same authenticator cannot register twice (it is in excludeCredentials).
    let page_again = browser
        .get("/account/mfa/webauthn?kind=security_key")
        .await?
        .text()
        .await?;
    assert!(key.register(&data_options(&page_again)?).is_err());
    server.sign_out(&browser).await?;

    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    assert!(url.contains("/login/mfa"), "{url}");
    assert!(
        !body.contains("Code from your authenticator app"),
        "no TOTP factor"
    );
    let assertion = key.authenticate(&data_options(&body)?)?;
    let form = [
        ("csrf", hidden_field(&body, "csrf")?),
        ("tx", hidden_field(&body, "tx")?),
        ("credential", assertion),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = browser.post_form("/login/mfa/webauthn", &form).await?;
    let back = browser.follow(response).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(amr(&claims), ["pwd", "hwk", "mfa"]);
    assert_eq!(claims["acr"], "urn:poort:loa:2fa");

    // The same answer again: the ceremony was used up.
    server.sign_out(&browser).await?;
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (_, body) = page(landing).await?;
    let replayed = browser
        .post_form(
            "/login/mfa/webauthn",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("credential", form[2].1),
            ],
        )
        .await?;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

/// The login page's passkey button: start (JSON), the authenticator, finish.
async fn passkey_login(
    server: &TestServer,
    client: &poort_tests::TestClient,
    browser: &Browser,
    authenticator: &mut SoftAuthenticator,
) -> anyhow::Result<reqwest::Response> {
    let landing = browser
        .follow(browser.get(&server.authorize_url(client, &[])).await?)
        .await?;
    let (url, body) = page(landing).await?;
    anyhow::ensure!(url.contains("/login"), "login page expected: {url}");
    assert!(body.contains("id=\"passkey-login\""));
    assert!(body.contains("/static/webauthn.js"));
    let csrf = hidden_field(&body, "csrf")?;
    let tx = hidden_field(&body, "tx")?;
    let start = browser
        .post_form("/login/passkey/start", &[("csrf", &csrf)])
        .await?;
    anyhow::ensure!(
        start.status() == StatusCode::OK,
        "start: {}",
        start.status()
    );
    let options = start.text().await?;
    let assertion = authenticator.authenticate(&options)?;
    browser
        .post_form(
            "/login/passkey",
            &[("csrf", &csrf), ("tx", &tx), ("credential", &assertion)],
        )
        .await
}

/// The same flow with kanidm's `SoftPasskey` (webauthn-authenticator-rs) as the security key:
/// an independent implementation of the client and authenticator side.
#[tokio::test]
async fn kanidms_soft_security_key_interoperates() -> anyhow::Result<()> {
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    use webauthn_authenticator_rs::softpasskey::SoftPasskey;
    use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

    let (server, client, browser) = setup(ClientSpec::default(), on_localhost).await?;
    let origin = url::Url::parse(&server.base)?;
    let mut key = SoftPasskey::new(false);
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let body = browser
        .get("/account/mfa/webauthn?kind=security_key")
        .await?
        .text()
        .await?;
    let options: CreationChallengeResponse = serde_json::from_str(&data_options(&body)?)?;
    let credential = key
        .do_registration(origin.clone(), options)
        .map_err(|e| anyhow::anyhow!("registration: {e:?}"))?;
    let registered = browser
        .post_form(
            "/account/mfa/webauthn",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", ""),
                ("name", "Soft key"),
                ("credential", &serde_json::to_string(&credential)?),
            ],
        )
        .await?;
    assert_eq!(registered.status(), StatusCode::OK);
    server.sign_out(&browser).await?;

    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (_, body) = page(landing).await?;
    let options: RequestChallengeResponse = serde_json::from_str(&data_options(&body)?)?;
    let assertion = key
        .do_authentication(origin, options)
        .map_err(|e| anyhow::anyhow!("authentication: {e:?}"))?;
    let response = browser
        .post_form(
            "/login/mfa/webauthn",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("credential", &serde_json::to_string(&assertion)?),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(amr(&claims), ["pwd", "hwk", "mfa"]);
    Ok(())
}

#[tokio::test]
async fn a_passkey_logs_in_without_a_password() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), on_localhost).await?;
    // A synced passkey (backup eligible) with user verification.
    let mut phone = SoftAuthenticator::new(&server.base);
    phone.backup_eligible = true;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let registered = register(&browser, &mut phone, "passkey", "Phone").await?;
    assert_eq!(registered.status(), StatusCode::OK);
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(account.contains("Passkey"));
    server.sign_out(&browser).await?;

    // No email, no password: the passkey names the account.
    let finished = passkey_login(&server, &client, &browser, &mut phone).await?;
    let back = browser.follow(finished).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(amr(&claims), ["swk", "mfa"]);
    assert_eq!(claims["acr"], "urn:poort:loa:2fa");
    server.sign_out(&browser).await?;

    // A clone of the authenticator (its signature counter went backwards) is refused.
    phone.rewind_counters();
    let cloned = passkey_login(&server, &client, &browser, &mut phone).await?;
    assert_eq!(cloned.status(), StatusCode::UNAUTHORIZED);

    // A passkey also serves as the second step after a password.
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    assert!(url.contains("/login/mfa"), "{url}");
    let assertion = phone.authenticate(&data_options(&body)?)?;
    let response = browser
        .post_form(
            "/login/mfa/webauthn",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("credential", &assertion),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert!(Landing::query(&back, "code").is_some());
    Ok(())
}

#[tokio::test]
async fn a_security_key_without_residency_cannot_log_in_alone() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), on_localhost).await?;
    let mut key = SoftAuthenticator::new(&server.base);
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let registered = register(&browser, &mut key, "security_key", "Key").await?;
    assert_eq!(registered.status(), StatusCode::OK);
    server.sign_out(&browser).await?;
    // The authenticator has no discoverable credential for an empty allow list.
    let attempt = passkey_login(&server, &client, &browser, &mut key).await;
    assert!(attempt.is_err(), "no passkey to offer");
    Ok(())
}

#[tokio::test]
async fn an_ip_issuer_has_no_webauthn_and_on_refuses_to_start() -> anyhow::Result<()> {
    // Default test servers run on http://127.0.0.1:PORT: WebAuthn is off (auto).
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(!account.contains("kind=passkey"), "no passkey button");
    let page = browser.get("/account/mfa/webauthn?kind=passkey").await?;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let login = server.browser();
    let form = login.get("/login").await?.text().await?;
    let start = login
        .post_form(
            "/login/passkey/start",
            &[("csrf", &hidden_field(&form, "csrf")?)],
        )
        .await?;
    assert_eq!(start.status(), StatusCode::NOT_FOUND);

    let refused = start_server(|c| c.webauthn = "on".into()).await;
    let Err(error) = refused else {
        anyhow::bail!("webauthn = on with an IP issuer must not start");
    };
    let message = error.to_string();
    assert!(message.contains("IP address"), "{message}");
    Ok(())
}

//! Recovery codes end to end: shown once at the first enrollment, each logs in once and says how
//! many remain, and a new set (after the password) makes the old one useless.

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::mfa::{amr, jwt_claims, page, recovery_codes};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup};
use reqwest::StatusCode;

/// Logs in with the password through an authorize request and answers the second step with
/// a recovery code; returns the response.
async fn with_recovery_code(
    server: &TestServer,
    client: &TestClient,
    browser: &poort_tests::Browser,
    code: &str,
) -> anyhow::Result<reqwest::Response> {
    let landing = browser
        .login_through(&server.authorize_url(client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    anyhow::ensure!(url.contains("/login/mfa"), "second step expected: {url}");
    browser
        .post_form(
            "/login/mfa/recovery",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("code", code),
            ],
        )
        .await
}

#[tokio::test]
async fn a_recovery_code_logs_in_once_and_tells_how_many_remain() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (_, shown) = server.enroll_totp(&browser, "", "").await?;
    let codes = recovery_codes(&shown.text().await?);
    assert_eq!(codes.len(), 10);
    // Shown once: the account page has only the count.
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(account.contains("<strong>10</strong> unused recovery codes"));
    assert!(!account.contains(&codes[0]));
    server.sign_out(&browser).await?;

    // Typed loosely (upper case, spaces instead of dashes), it still works.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let used = with_recovery_code(&server, &client, &browser, &typed).await?;
    assert_eq!(used.status(), StatusCode::OK);
    let body = used.text().await?;
    assert!(
        body.contains("<strong>9</strong> recovery codes left"),
        "{body}"
    );
    let next = body
        .split("class=\"button primary\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("no continue link"))?
        .replace("&amp;", "&");
    assert!(next.starts_with("/authorize/resume?tx="), "{next}");
    let back = browser.follow(browser.get(&next).await?).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let claims = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert_eq!(amr(&claims), ["pwd", "otp", "mfa"]);
    server.sign_out(&browser).await?;

    // The same code again: refused.
    let again = with_recovery_code(&server, &client, &browser, &codes[0]).await?;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(
        again
            .text()
            .await?
            .contains("not valid, or it was already used")
    );
    Ok(())
}

#[tokio::test]
async fn a_new_set_replaces_the_old_one_after_the_password() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (_, shown) = server.enroll_totp(&browser, "", "").await?;
    let old = recovery_codes(&shown.text().await?);

    let account = browser.get("/account/mfa").await?.text().await?;
    let csrf = hidden_field(&account, "csrf")?;
    let refused = browser
        .post_form(
            "/account/mfa/recovery",
            &[("csrf", &csrf), ("password", "not my password")],
        )
        .await?;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let made = browser
        .post_form(
            "/account/mfa/recovery",
            &[("csrf", &csrf), ("password", PASSWORD)],
        )
        .await?;
    assert_eq!(made.status(), StatusCode::OK);
    let new = recovery_codes(&made.text().await?);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    server.sign_out(&browser).await?;

    let stale = with_recovery_code(&server, &client, &browser, &old[1]).await?;
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let fresh = with_recovery_code(&server, &client, &browser, &new[1]).await?;
    assert_eq!(fresh.status(), StatusCode::OK);
    Ok(())
}

//! "2FA required" end to end: a user without a second factor is sent to enrollment at login and
//! gets no authorization code until enrolled; the optional grace period allows a limited number
//! of postponements; the last factor cannot be removed while 2FA is required.

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::mfa::page;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::StatusCode;

/// The pending request's `tx` in a page URL.
fn tx_of(url: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(url)?;
    Landing::query(&url, "tx").ok_or_else(|| anyhow::anyhow!("no tx in {url}"))
}

/// The session's CSRF token, from the home page's sign-out form.
async fn session_csrf(browser: &poort_tests::Browser) -> anyhow::Result<String> {
    hidden_field(&browser.get("/").await?.text().await?, "csrf")
}

#[tokio::test]
async fn no_code_until_a_second_factor_is_enrolled() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |c| c.require_2fa = true).await?;
    let authorize = server.authorize_url(&client, &[]);
    let landing = browser.login_through(&authorize, EMAIL, PASSWORD).await?;
    let (url, body) = page(landing).await?;
    assert!(url.contains("/account/mfa/required?tx="), "{url}");
    assert!(body.contains("Set up two-step verification"));
    assert!(
        !body.contains("Remind me later"),
        "no grace period configured"
    );
    let tx = tx_of(&url)?;
    let csrf = session_csrf(&browser).await?;

    // Resuming or starting over does not produce a code.
    let resumed = browser
        .follow(browser.get(&format!("/authorize/resume?tx={tx}")).await?)
        .await?;
    let (url, _) = page(resumed).await?;
    assert!(url.contains("/account/mfa/required"), "{url}");
    let again = browser.follow(browser.get(&authorize).await?).await?;
    let (url, _) = page(again).await?;
    assert!(url.contains("/account/mfa/required"), "{url}");
    // prompt=none gets an error, not a code.
    let silent = server.authorize_url(&client, &[("prompt", "none")]);
    let back = browser.follow(browser.get(&silent).await?).await?.away()?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("interaction_required")
    );
    // Postponing is not possible without a grace period.
    let postpone = browser
        .post_form("/account/mfa/postpone", &[("csrf", &csrf), ("tx", &tx)])
        .await?;
    assert_eq!(postpone.status(), StatusCode::FORBIDDEN);

    // Enroll (continuing the request), save the codes, continue: the client gets its code.
    let (_, shown) = server.enroll_totp(&browser, "", &tx).await?;
    let body = shown.text().await?;
    let next = format!("/authorize/resume?tx={tx}");
    assert!(body.contains(&format!("href=\"{next}\"")), "continue link");
    let back = browser.follow(browser.get(&next).await?).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let (status, _) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::OK);

    // The only factor cannot be removed while 2FA is required.
    let account = browser.get("/account/mfa").await?.text().await?;
    let removal = browser
        .post_form(
            "/account/mfa/remove",
            &[
                ("csrf", &hidden_field(&account, "csrf")?),
                ("id", &hidden_field(&account, "id")?),
                ("password", PASSWORD),
            ],
        )
        .await?;
    assert_eq!(removal.status(), StatusCode::CONFLICT);
    Ok(())
}

#[tokio::test]
async fn the_grace_period_allows_limited_postponements() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |c| {
        c.require_2fa = true;
        c.require_2fa_grace_days = 7;
        c.require_2fa_max_postponements = 1;
    })
    .await?;
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    assert!(url.contains("/account/mfa/required"), "{url}");
    assert!(body.contains("put this off 1 more time"), "{body}");
    let postponed = browser
        .post_form(
            "/account/mfa/postpone",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
            ],
        )
        .await?;
    let back = browser.follow(postponed).await?.away()?;
    assert!(
        Landing::query(&back, "code").is_some(),
        "postponed: the code"
    );
    // The pass lasts for this session.
    let back = browser
        .follow(browser.get(&server.authorize_url(&client, &[])).await?)
        .await?
        .away()?;
    assert!(Landing::query(&back, "code").is_some());

    // Next session: no postponements left.
    server.sign_out(&browser).await?;
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    assert!(url.contains("/account/mfa/required"), "{url}");
    assert!(!body.contains("Remind me later"));
    let refused = browser
        .post_form(
            "/account/mfa/postpone",
            &[
                ("csrf", &session_csrf(&browser).await?),
                ("tx", &tx_of(&url)?),
            ],
        )
        .await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn the_grace_period_ends_after_its_days() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |c| {
        c.require_2fa = true;
        c.require_2fa_grace_days = 2;
        c.require_2fa_max_postponements = 5;
    })
    .await?;
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (_, body) = page(landing).await?;
    assert!(
        body.contains("Remind me later"),
        "the grace period starts now"
    );
    server.clock.advance(2 * 86_400 + 1);
    let later = browser.get("/account/mfa/required").await?.text().await?;
    assert!(
        !later.contains("Remind me later"),
        "two days later it is over"
    );
    Ok(())
}

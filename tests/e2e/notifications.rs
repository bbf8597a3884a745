//! Notices by mail, in the user's language: password changed, second factor added, account
//! locked, API token created; and a reset never skips the second factor at the next login.

use poort_tests::forms::{login, submit_password};
use poort_tests::mfa::page;
use poort_tests::smtp::SmtpSink;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::StatusCode;

use crate::password_reset::{request_reset, smtp_to, submit_reset};

const NEW_PASSWORD: &str = "tulip orchard under a copper moon";

fn subject(mail: &poort_tests::smtp::Received) -> String {
    mail.header("subject").unwrap_or_default()
}

#[tokio::test]
async fn password_change_factor_added_and_lockout_are_notified() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), |config| {
        smtp_to(sink.port)(config);
        config.lockout.max_failures = 3;
    })
    .await?;
    // The user chose Dutch once: their notices come in Dutch.
    browser.get("/login?lang=nl").await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let changed = submit_password(
        &browser,
        "/account/password",
        PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD,
    )
    .await?;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let notice = sink.wait_for(EMAIL, 1).await?;
    assert!(
        subject(&notice).contains("gewijzigd"),
        "{}",
        subject(&notice)
    );

    let (_, enrolled) = server.enroll_totp(&browser, "Telefoon", "").await?;
    assert_eq!(enrolled.status(), StatusCode::OK);
    let notice = sink.wait_for(EMAIL, 2).await?;
    assert!(notice.text()?.contains("Telefoon"), "{}", notice.text()?);

    let other = server.browser();
    for _ in 0..3 {
        login(&other, EMAIL, "wrong password").await?;
    }
    let notice = sink.wait_for(EMAIL, 3).await?;
    assert!(
        subject(&notice).contains("geblokkeerd"),
        "{}",
        subject(&notice)
    );
    Ok(())
}

#[tokio::test]
async fn a_reset_does_not_skip_the_second_factor() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    server.enroll_totp(&browser, "Phone", "").await?;
    let fresh = server.browser();
    request_reset(&fresh, EMAIL).await?;
    let mail = sink.wait_for(EMAIL, 2).await?;
    let link = mail.link(&server.url("/password/reset?token="))?;
    let done = submit_reset(&fresh, &link, NEW_PASSWORD, NEW_PASSWORD).await?;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let landing = fresh
        .login_through(&server.authorize_url(&client, &[]), EMAIL, NEW_PASSWORD)
        .await?;
    let (url, _) = page(landing).await?;
    assert!(
        url.contains("/login/mfa"),
        "the second factor is still asked: {url}"
    );
    Ok(())
}

#[tokio::test]
async fn a_new_api_token_is_notified_with_its_name_and_hint() -> anyhow::Result<()> {
    use poort_server::flows::api_tokens::{self as tokens, MintRequest};
    let sink = SmtpSink::start()?;
    let (server, _client, _browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let minted = tokens::mint(
        &server.state,
        MintRequest {
            user_id: user.id,
            org_id: None,
            name: "deploy bot".into(),
            scopes: vec!["profile:read".into()],
            expires_in_secs: 30 * 86_400,
            amr: vec!["pwd".into()],
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let notice = sink.wait_for(EMAIL, 1).await?;
    let text = notice.text()?;
    assert!(
        subject(&notice).contains("API token"),
        "{}",
        subject(&notice)
    );
    assert!(text.contains("deploy bot"), "{text}");
    assert!(text.contains("30 days"), "{text}");
    let last4 = &minted.secret[minted.secret.len() - 4..];
    assert!(text.contains(last4), "the hint names the token: {text}");
    assert!(
        !text.contains(&minted.secret),
        "the secret itself is never mailed"
    );
    Ok(())
}

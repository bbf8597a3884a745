//! Password reset by mail, against a real SMTP server in the test: request → the mail arrives
//! → its link → a new password → the old session and refresh token are dead → the new password
//! signs in. Unknown addresses get the same answer and no mail; expired, reused and tampered
//! links are refused with a clear page; requests are rate-limited.

use std::time::Duration;

use poort_server::Config;
use poort_server::mail::SmtpTls;
use poort_tests::browser::hidden_field;
use poort_tests::forms::{Reply, csrf_of, login};
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, Pkce, TestServer, setup};
use reqwest::StatusCode;

const NEW_PASSWORD: &str = "tulip orchard under a copper moon";

/// Sends mail to `port` over plain SMTP and polls the queue often.
pub fn smtp_to(port: u16) -> impl FnOnce(&mut Config) {
    move |config| {
        config.mail.smtp_host = Some("127.0.0.1".into());
        config.mail.smtp_port = Some(port);
        config.mail.smtp_tls = SmtpTls::None;
        config.mail.poll_interval_ms = 50;
    }
}

pub async fn request_reset(browser: &Browser, email: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/password/forgot").await?;
    let response = browser
        .post_form("/password/forgot", &[("csrf", &csrf), ("email", email)])
        .await?;
    Reply::read(response).await
}

/// Opens the link's page and submits the form on it.
pub async fn submit_reset(
    browser: &Browser,
    link: &str,
    new: &str,
    confirm: &str,
) -> anyhow::Result<Reply> {
    let page = browser.get(link).await?;
    anyhow::ensure!(
        page.status() == StatusCode::OK,
        "link page: {}",
        page.status()
    );
    let body = page.text().await?;
    let csrf = hidden_field(&body, "csrf")?;
    let token = hidden_field(&body, "token")?;
    let response = browser
        .post_form(
            "/password/reset",
            &[
                ("csrf", &csrf),
                ("token", &token),
                ("new", new),
                ("confirm", confirm),
            ],
        )
        .await?;
    Reply::read(response).await
}

async fn reset_link(server: &TestServer, sink: &SmtpSink, nth: usize) -> anyhow::Result<String> {
    let mail = sink.wait_for(EMAIL, nth).await?;
    mail.link(&server.url("/password/reset?token="))
}

#[tokio::test]
async fn reset_by_mail_ends_sessions_and_tokens_and_the_new_password_works() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, client, old_browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    // Someone holds a session and a refresh token from the old password.
    let pkce = Pkce::new();
    let code = server
        .obtain_code(&old_browser, &client, Some(&pkce))
        .await?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "{tokens}");
    let refresh = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let home = old_browser.get("/").await?.text().await?;
    assert!(home.contains(EMAIL), "signed in before the reset");

    let browser = server.browser();
    let login_page = browser.get("/login").await?.text().await?;
    assert!(
        login_page.contains("href=\"/password/forgot\""),
        "the login page links to it"
    );
    let reply = request_reset(&browser, EMAIL).await?;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Check your email"), "{}", reply.body);

    let mail = sink.wait_for(EMAIL, 1).await?;
    assert!(mail.header("subject").unwrap_or_default().contains("Reset"));
    let link = mail.link(&server.url("/password/reset?token="))?;
    let token = link.rsplit('=').next().unwrap_or_default();
    assert_eq!(token.len(), 43, "256 bits, base64url");
    assert!(
        mail.html()?.contains(&link),
        "the HTML part has the link too"
    );

    let done = submit_reset(&browser, &link, NEW_PASSWORD, NEW_PASSWORD).await?;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Your password was changed"),
        "{}",
        done.body
    );

    // The old session and tokens are dead.
    let home = old_browser.get("/").await?.text().await?;
    assert!(!home.contains(EMAIL), "the old session ended: {home}");
    let refreshed = server
        .token(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await?;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(
        userinfo.status(),
        StatusCode::UNAUTHORIZED,
        "access token deny-listed"
    );

    // Only the new password works; the link does not work twice.
    let fresh = server.browser();
    assert_eq!(
        login(&fresh, EMAIL, PASSWORD).await?.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&fresh, EMAIL, NEW_PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    let again = browser.get(&link).await?;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await?.contains("already used"));

    let notice = sink.wait_for(EMAIL, 2).await?;
    assert!(
        notice
            .header("subject")
            .unwrap_or_default()
            .contains("changed"),
        "{:?}",
        notice.header("subject")
    );
    Ok(())
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let known = request_reset(&browser, EMAIL).await?;
    let unknown = request_reset(&browser, "nobody@example.com").await?;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body, "the same page, word for word");
    sink.wait_for(EMAIL, 1).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sink.messages_to("nobody@example.com").is_empty());
    assert_eq!(sink.messages().len(), 1);
    drop(server);
    Ok(())
}

#[tokio::test]
async fn expired_tampered_and_superseded_links_are_refused_clearly() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    request_reset(&browser, EMAIL).await?;
    let link = reset_link(&server, &sink, 1).await?;

    let mut tampered = link.clone();
    let last = tampered.pop().unwrap_or('A');
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let page = browser.get(&tampered).await?;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await?.contains("This link is not valid"));
    let garbage = browser.get("/password/reset?token=short").await?;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);

    // A refused new password does not use the link up.
    let weak = submit_reset(&browser, &link, "short", "short").await?;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert!(
        weak.body.contains("This password cannot be used"),
        "{}",
        weak.body
    );
    assert_eq!(browser.get(&link).await?.status(), StatusCode::OK);

    server.clock.advance(31 * 60);
    let expired = browser.get(&link).await?;
    assert_eq!(expired.status(), StatusCode::BAD_REQUEST);
    assert!(expired.text().await?.contains("expired"));

    // A link dies when the password changes another way (it is bound to the old hash).
    request_reset(&browser, EMAIL).await?;
    let second = reset_link(&server, &sink, 2).await?;
    let signed_in = server.browser();
    assert_eq!(
        login(&signed_in, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    let changed = poort_tests::forms::submit_password(
        &signed_in,
        "/account/password",
        PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD,
    )
    .await?;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let dead = browser.get(&second).await?;
    assert_eq!(dead.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn reset_requests_are_limited_per_address_whether_or_not_it_exists() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (_server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    for email in [EMAIL, "nobody@example.com"] {
        for _ in 0..3 {
            assert_eq!(request_reset(&browser, email).await?.status, StatusCode::OK);
        }
        let refused = request_reset(&browser, email).await?;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(refused.body.contains("Too many requests"));
    }
    sink.wait_for(EMAIL, 3).await?;
    Ok(())
}

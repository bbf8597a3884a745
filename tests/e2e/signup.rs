//! Self-service sign-up with email verification, against a real SMTP server: the account cannot
//! sign in until the mailed link is used; a disallowed domain is refused; an address that has an
//! account gets the same answer (and a mail saying so); sign-up is off unless enabled.

use poort_allowlist::DomainAllowlist;
use poort_tests::browser::hidden_field;
use poort_tests::forms::{Reply, csrf_of, login};
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, ClientSpec, EMAIL, setup};
use reqwest::StatusCode;

use crate::password_reset::smtp_to;

const PASSWORD: &str = "a brand new and unguessable passphrase";

fn enabled(port: u16) -> impl FnOnce(&mut poort_server::Config) {
    move |config| {
        smtp_to(port)(config);
        config.mail.signup_enabled = true;
        config.mail.signup_domains =
            DomainAllowlist::parse(["example.org", "example.com"]).unwrap_or_default();
    }
}

async fn sign_up(browser: &Browser, email: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/signup").await?;
    let response = browser
        .post_form(
            "/signup",
            &[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("name", "New Person"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await?;
    Reply::read(response).await
}

#[tokio::test]
async fn sign_up_then_verify_then_sign_in() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), enabled(sink.port)).await?;
    let login_page = browser.get("/login").await?.text().await?;
    assert!(login_page.contains("href=\"/signup\""));
    let form = browser.get("/signup").await?.text().await?;
    assert!(hidden_field(&form, "csrf").is_ok());

    let new = "new.person@example.org";
    let reply = sign_up(&browser, new).await?;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Check your email"));
    let mail = sink.wait_for(new, 1).await?;
    let link = mail.link(&server.url("/signup/verify?token="))?;

    let early = login(&server.browser(), new, PASSWORD).await?;
    assert_eq!(
        early.status,
        StatusCode::FORBIDDEN,
        "unverified: {}",
        early.body
    );
    assert!(early.body.contains("Confirm your email address first"));

    let verified = browser.get(&link).await?;
    assert_eq!(verified.status(), StatusCode::OK);
    assert!(verified.text().await?.contains("confirmed"));
    let user = poort_store::users::find_by_login(&server.state.db, new)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account"))?;
    assert!(user.email_verified);
    assert_eq!(
        login(&server.browser(), new, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        browser.get(&link).await?.status(),
        StatusCode::BAD_REQUEST,
        "single use"
    );
    Ok(())
}

#[tokio::test]
async fn a_disallowed_domain_is_refused_and_an_existing_address_is_not_revealed()
-> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), enabled(sink.port)).await?;
    let refused = sign_up(&browser, "someone@elsewhere.net").await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("cannot be created"),
        "{}",
        refused.body
    );

    let fresh = sign_up(&browser, "another@example.org").await?;
    let existing = sign_up(&browser, EMAIL).await?;
    assert_eq!(fresh.status, existing.status);
    assert_eq!(
        fresh.body, existing.body,
        "the same answer for an existing address"
    );
    let notice = sink.wait_for(EMAIL, 1).await?;
    assert!(
        notice.text()?.contains("already has one"),
        "{}",
        notice.text()?
    );
    sink.wait_for("another@example.org", 1).await?;
    assert!(sink.messages_to("someone@elsewhere.net").is_empty());
    drop(server);
    Ok(())
}

#[tokio::test]
async fn sign_up_is_off_unless_enabled() -> anyhow::Result<()> {
    let (_server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    assert_eq!(
        browser.get("/signup").await?.status(),
        StatusCode::NOT_FOUND
    );
    let login_page = browser.get("/login").await?.text().await?;
    assert!(!login_page.contains("href=\"/signup\""));
    Ok(())
}

//! Changing the email address from the account page, against a real SMTP server: the link goes
//! to the new address and the change waits for it; the old address is told; the current
//! password and the organisations' domain allowlists are enforced; a taken address gets the
//! same answer and changes nothing; reused, expired and tampered links and forms without the
//! CSRF token are refused.

use poort_store::audit::AuditQuery;
use poort_tests::browser::hidden_field;
use poort_tests::forms::{Reply, csrf_of, login};
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::StatusCode;

use crate::password_reset::smtp_to;

const NEW: &str = "nora@example.net";

async fn request_change(browser: &Browser, email: &str, password: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/account/email").await?;
    let response = browser
        .post_form(
            "/account/email",
            &[("csrf", &csrf), ("email", email), ("current", password)],
        )
        .await?;
    Reply::read(response).await
}

/// Opens the mailed link's page and presses its button.
async fn follow(browser: &Browser, link: &str) -> anyhow::Result<Reply> {
    let page = browser.get(link).await?;
    let status = page.status();
    let body = page.text().await?;
    if status != StatusCode::OK {
        return Ok(Reply {
            status,
            location: None,
            retry_after: None,
            new_session: false,
            body,
        });
    }
    let csrf = hidden_field(&body, "csrf")?;
    let token = hidden_field(&body, "token")?;
    let response = browser
        .post_form(
            "/account/email/confirm",
            &[("csrf", &csrf), ("token", &token)],
        )
        .await?;
    Reply::read(response).await
}

async fn link_to(
    server: &TestServer,
    sink: &SmtpSink,
    to: &str,
    nth: usize,
) -> anyhow::Result<String> {
    let mail = sink.wait_for(to, nth).await?;
    mail.link(&server.url("/account/email/confirm?token="))
}

async fn email_of(server: &TestServer, user_id: &str) -> anyhow::Result<String> {
    let user = poort_store::users::find_by_id(&server.state.db, user_id).await?;
    Ok(user.map(|u| u.email).unwrap_or_default())
}

async fn user_id(server: &TestServer, email: &str) -> anyhow::Result<String> {
    let user = poort_store::users::find_by_login(&server.state.db, email).await?;
    user.map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("no user {email}"))
}

#[tokio::test]
async fn the_new_address_works_after_its_link_and_the_old_one_is_told() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let id = user_id(&server, EMAIL).await?;
    assert_eq!(
        login(&browser, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    let home = browser.get("/").await?.text().await?;
    assert!(home.contains("href=\"/account/email\""), "{home}");

    let reply = request_change(&browser, "  Nora@Example.NET ", PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("Check the new inbox"), "{}", reply.body);
    assert!(reply.body.contains(NEW));

    let mail = sink.wait_for(NEW, 1).await?;
    assert!(
        mail.header("subject")
            .unwrap_or_default()
            .contains("Confirm")
    );
    let link = link_to(&server, &sink, NEW, 1).await?;
    assert_eq!(
        email_of(&server, &id).await?,
        EMAIL,
        "nothing changes before the link"
    );

    // The link works in any browser (the new inbox may be on a phone).
    let phone = server.browser();
    let page = phone.get(&link).await?.text().await?;
    assert!(
        page.contains(NEW),
        "the confirmation names the address: {page}"
    );
    assert_eq!(
        email_of(&server, &id).await?,
        EMAIL,
        "opening the link changes nothing"
    );
    let done = follow(&phone, &link).await?;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Your email address was changed"),
        "{}",
        done.body
    );
    let user = poort_store::users::find_by_id(&server.state.db, &id).await?;
    let user = user.ok_or_else(|| anyhow::anyhow!("user gone"))?;
    assert_eq!(user.email, NEW);
    assert!(user.email_verified);

    let fresh = server.browser();
    assert_eq!(
        login(&fresh, EMAIL, PASSWORD).await?.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&fresh, NEW, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );

    // The old address is told, with the new one masked.
    let notice = sink.wait_for(EMAIL, 1).await?;
    assert!(
        notice
            .header("subject")
            .unwrap_or_default()
            .contains("changed"),
        "{:?}",
        notice.header("subject")
    );
    let text = notice.text()?;
    assert!(text.contains("n***@example.net"), "{text}");
    assert!(!text.contains(NEW), "{text}");

    // Audited, without the addresses.
    let entries =
        poort_store::audit::list(&server.state.db, "platform", &AuditQuery::default(), 100).await?;
    let changed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "email.changed")
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].subject.as_deref(), Some(id.as_str()));
    assert!(
        !changed[0].details.contains("example"),
        "{}",
        changed[0].details
    );

    // Followed twice: refused.
    let again = follow(&phone, &link).await?;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("already used"), "{}", again.body);
    Ok(())
}

#[tokio::test]
async fn a_wrong_password_and_an_address_outside_an_orgs_domains_are_refused() -> anyhow::Result<()>
{
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let id = user_id(&server, EMAIL).await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server
        .set_org(&org.id, &["email_domains=example.com"])
        .await?;
    login(&browser, EMAIL, PASSWORD).await?;

    let wrong = request_change(&browser, "grace@example.com.evil", "not my password").await?;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong.body.contains("current password is not correct"),
        "{}",
        wrong.body
    );

    let outside = request_change(&browser, "grace@example.net", PASSWORD).await?;
    assert_eq!(outside.status, StatusCode::BAD_REQUEST);
    assert!(
        outside.body.contains("not in a domain allowed by: Acme"),
        "{}",
        outside.body
    );

    let invalid = request_change(&browser, "not an address", PASSWORD).await?;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert!(
        invalid.body.contains("valid email address"),
        "{}",
        invalid.body
    );

    let inside = request_change(&browser, "grace.hopper@example.com", PASSWORD).await?;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.body);
    sink.wait_for("grace.hopper@example.com", 1).await?;
    assert_eq!(
        sink.messages().len(),
        1,
        "the refused requests sent nothing"
    );
    assert_eq!(email_of(&server, &id).await?, EMAIL);
    Ok(())
}

#[tokio::test]
async fn a_taken_address_gets_the_same_answer_and_changes_nothing() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let id = user_id(&server, EMAIL).await?;
    server.create_user("taken@example.com", PASSWORD).await?;
    login(&browser, EMAIL, PASSWORD).await?;

    let taken = request_change(&browser, "taken@example.com", PASSWORD).await?;
    let free = request_change(&browser, "free@example.com", PASSWORD).await?;
    assert_eq!(taken.status, StatusCode::OK);
    assert_eq!(taken.status, free.status);
    assert_eq!(
        taken.body.replace("taken@example.com", "ADDRESS"),
        free.body.replace("free@example.com", "ADDRESS"),
        "the same page but for the typed address"
    );

    // The owner of the taken address is told someone tried; no link goes there.
    let tried = sink.wait_for("taken@example.com", 1).await?;
    assert!(
        tried
            .header("subject")
            .unwrap_or_default()
            .contains("tried")
    );
    assert!(!tried.text()?.contains("/account/email/confirm"));
    let link = link_to(&server, &sink, "free@example.com", 1).await?;
    assert_eq!(email_of(&server, &id).await?, EMAIL);

    // The free address is taken before the link is followed: a clear refusal, no change.
    server.create_user("free@example.com", PASSWORD).await?;
    let late = follow(&browser, &link).await?;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(
        late.body.contains("belongs to another account"),
        "{}",
        late.body
    );
    assert_eq!(email_of(&server, &id).await?, EMAIL);
    assert!(sink.messages_to(EMAIL).is_empty(), "no change notice");
    Ok(())
}

#[tokio::test]
async fn reused_expired_tampered_links_and_forms_without_csrf_are_refused() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let id = user_id(&server, EMAIL).await?;
    login(&browser, EMAIL, PASSWORD).await?;

    // No CSRF token: refused, nothing sent.
    let no_csrf = browser
        .post_form("/account/email", &[("email", NEW), ("current", PASSWORD)])
        .await?;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);

    request_change(&browser, NEW, PASSWORD).await?;
    let first = link_to(&server, &sink, NEW, 1).await?;
    let token = first.rsplit('=').next().unwrap_or_default().to_string();
    assert_eq!(token.len(), 43, "256 bits, base64url");
    let no_csrf = browser
        .post_form("/account/email/confirm", &[("token", &token)])
        .await?;
    assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
    assert_eq!(email_of(&server, &id).await?, EMAIL);

    let mut tampered = first.clone();
    let last = tampered.pop().unwrap_or('A');
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let page = browser.get(&tampered).await?;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await?.contains("This link is not valid"));
    let garbage = browser.get("/account/email/confirm?token=short").await?;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);

    // A newer request supersedes the older link.
    request_change(&browser, "other@example.net", PASSWORD).await?;
    let second = link_to(&server, &sink, "other@example.net", 1).await?;
    let superseded = follow(&browser, &first).await?;
    assert_eq!(superseded.status, StatusCode::BAD_REQUEST);
    assert!(
        superseded.body.contains("no longer valid"),
        "{}",
        superseded.body
    );

    // Expired.
    server.clock.advance(24 * 3600 + 60);
    let expired = follow(&browser, &second).await?;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert!(expired.body.contains("expired"), "{}", expired.body);
    assert_eq!(email_of(&server, &id).await?, EMAIL);
    Ok(())
}

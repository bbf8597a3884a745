//! Mailed links after an address change (Pocket ID CVE-2026-115770, a verification link for an
//! old address confirming a new one): once the address changed, no link mailed before the
//! change does anything, even when the address later changes back to the one the link was
//! bound to. (A sign-up's own verification link is bound to the address digest as well; an
//! unverified sign-up cannot sign in, so it cannot change its address first. `email_change`
//! holds a link superseded by a newer request.)

use poort_tests::browser::hidden_field;
use poort_tests::forms::{Reply, csrf_of, login};
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::StatusCode;

use super::support::mailed_link;
use crate::password_reset::{request_reset, smtp_to};

pub(super) const CONFIRM: &str = "/account/email/confirm?token=";

pub(super) async fn request_change(browser: &Browser, email: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/account/email").await?;
    let response = browser
        .post_form(
            "/account/email",
            &[("csrf", &csrf), ("email", email), ("current", PASSWORD)],
        )
        .await?;
    Reply::read(response).await
}

/// Opens a change link and presses its button; the status of the last step.
pub(super) async fn follow(browser: &Browser, link: &str) -> anyhow::Result<StatusCode> {
    let page = browser.get(link).await?;
    if page.status() != StatusCode::OK {
        return Ok(page.status());
    }
    let body = page.text().await?;
    let csrf = hidden_field(&body, "csrf")?;
    let token = hidden_field(&body, "token")?;
    let response = browser
        .post_form(
            "/account/email/confirm",
            &[("csrf", &csrf), ("token", &token)],
        )
        .await?;
    Ok(response.status())
}

/// Requests a change to `to` and follows the link mailed there; the link.
pub(super) async fn change_to(
    server: &TestServer,
    sink: &SmtpSink,
    browser: &Browser,
    to: &str,
) -> anyhow::Result<String> {
    let before = sink.messages_to(to).len();
    let reply = request_change(browser, to).await?;
    anyhow::ensure!(reply.status == StatusCode::OK, "{}", reply.body);
    sink.wait_for(to, before + 1).await?;
    let link = mailed_link(sink, to, &server.url(CONFIRM)).await?;
    anyhow::ensure!(follow(browser, &link).await? == StatusCode::OK, "{to}");
    Ok(link)
}

async fn address(server: &TestServer, user_id: &str) -> anyhow::Result<String> {
    let user = poort_store::users::find_by_id(&server.state.db, user_id).await?;
    Ok(user.map(|u| u.email).unwrap_or_default())
}

async fn user_id(server: &TestServer) -> anyhow::Result<String> {
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL).await?;
    user.map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("no test user"))
}

#[tokio::test]
async fn verification_link_after_address_change_pocket_id_cve_2026_115770_old_links_stay_dead()
-> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let id = user_id(&server).await?;
    login(&browser, EMAIL, PASSWORD).await?;

    // A link to B is mailed from A; then the address moves to C by another link.
    let reply = request_change(&browser, "b@example.net").await?;
    assert_eq!(reply.status, StatusCode::OK);
    let to_b = mailed_link(&sink, "b@example.net", &server.url(CONFIRM)).await?;
    let to_c = change_to(&server, &sink, &browser, "c@example.net").await?;
    assert_eq!(address(&server, &id).await?, "c@example.net");
    assert_ne!(follow(&browser, &to_b).await?, StatusCode::OK);
    assert_eq!(address(&server, &id).await?, "c@example.net");

    // Back to A: the link to B was bound to "from A", which is true again, and still dead.
    change_to(&server, &sink, &browser, EMAIL).await?;
    assert_eq!(address(&server, &id).await?, EMAIL);
    for link in [&to_b, &to_c] {
        assert_ne!(follow(&browser, link).await?, StatusCode::OK, "{link}");
        assert_eq!(address(&server, &id).await?, EMAIL);
    }
    let user = poort_store::users::find_by_id(&server.state.db, &id).await?;
    assert!(user.is_some_and(|u| u.email_verified));
    Ok(())
}

#[tokio::test]
async fn verification_link_after_address_change_pocket_id_cve_2026_115770_old_reset_links_die()
-> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let id = user_id(&server).await?;
    // A reset link sits in the old inbox.
    let reply = request_reset(&server.browser(), EMAIL).await?;
    assert_eq!(reply.status, StatusCode::OK);
    let reset = mailed_link(&sink, EMAIL, &server.url("/password/reset?token=")).await?;

    login(&browser, EMAIL, PASSWORD).await?;
    change_to(&server, &sink, &browser, "moved@example.net").await?;
    assert_eq!(address(&server, &id).await?, "moved@example.net");

    let page = server.browser().get(&reset).await?;
    assert_eq!(
        page.status(),
        StatusCode::BAD_REQUEST,
        "the old inbox's link is dead"
    );
    // The password is the one it was: the link changed nothing.
    let fresh = server.browser();
    assert_eq!(
        login(&fresh, "moved@example.net", PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    Ok(())
}

//! Sign-up into an organisation: with `self_signup` and `email_domains` set, people of those
//! domains create their own account (even with sign-up off platform-wide) and join as members
//! once the mailed link verifies the address; anyone else is refused.

use poort_tests::forms::{Reply, csrf_of};
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, ClientSpec, setup};
use reqwest::StatusCode;

use crate::password_reset::smtp_to;

pub(crate) const PASSWORD: &str = "a brand new and unguessable passphrase";

pub(crate) async fn sign_up(browser: &Browser, email: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/signup").await?;
    let form = [
        ("csrf", csrf.as_str()),
        ("email", email),
        ("name", "New Person"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    Reply::read(browser.post_form("/signup", &form).await?).await
}

#[tokio::test]
async fn people_of_an_open_organisations_domains_sign_up_and_join_it() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    // Sign-up is off platform-wide (the default).
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    assert_eq!(
        browser.get("/signup").await?.status(),
        StatusCode::NOT_FOUND,
        "closed while no organisation is open"
    );
    let org = server.create_org("Acme", Some(poort_tests::EMAIL)).await?;
    assert!(
        server
            .set_org(&org.id, &["self_signup=true"])
            .await
            .is_err(),
        "self sign-up needs email domains"
    );
    server
        .set_org(&org.id, &["email_domains=acme.example", "self_signup=true"])
        .await?;

    let outsider = sign_up(&browser, "someone@elsewhere.example").await?;
    assert_eq!(outsider.status, StatusCode::FORBIDDEN, "{}", outsider.body);
    let outsider_account =
        poort_store::users::find_by_login(&server.state.db, "someone@elsewhere.example").await?;
    assert!(outsider_account.is_none());

    let new = "new.person@acme.example";
    let reply = sign_up(&browser, new).await?;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mail = sink.wait_for(new, 1).await?;
    let link = mail.link(&server.url("/signup/verify?token="))?;
    let user = poort_store::users::find_by_login(&server.state.db, new)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account"))?;
    assert!(
        poort_store::orgs::find_member(&server.state.db, &org.id, &user.id)
            .await?
            .is_none(),
        "not a member before the address is verified"
    );

    assert_eq!(browser.get(&link).await?.status(), StatusCode::OK);
    let member = poort_store::orgs::find_member(&server.state.db, &org.id, &user.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("did not join"))?;
    assert_eq!(member.roles, ["member"]);
    let query = poort_store::audit::AuditQuery {
        action: Some("member.added".into()),
        ..Default::default()
    };
    let entries = poort_store::audit::list(&server.state.db, &org.id, &query, 10).await?;
    assert!(
        entries
            .iter()
            .any(|e| e.subject.as_deref() == Some(user.id.as_str())
                && e.actor.as_deref() == Some(user.id.as_str())),
        "the join is audited with the new member as actor"
    );
    Ok(())
}

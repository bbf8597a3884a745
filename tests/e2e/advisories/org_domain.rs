//! Membership by unverified email domain (Keycloak CVE-2025-1391, an account joining an
//! organisation because its unverified address is in the organisation's domain): an address
//! joins through `self_signup` only once its mailed link proves it, and an existing account
//! that moves its address into the domain joins nothing, neither while the change waits for
//! its link nor after (joining by domain happens at sign-up; everyone else is invited).

use poort_tests::forms::login;
use poort_tests::smtp::SmtpSink;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::StatusCode;

use super::email_links::{CONFIRM, follow, request_change};
use super::support::{mailed_link, roles_in};
use crate::org_signup::{PASSWORD as NEW_PASSWORD, sign_up};
use crate::password_reset::smtp_to;

#[tokio::test]
async fn membership_by_unverified_email_domain_keycloak_cve_2025_1391_joins_nothing()
-> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let org = server.create_org("Acme", None).await?;
    server
        .set_org(&org.id, &["email_domains=acme.example", "self_signup=true"])
        .await?;

    // A sign-up in the domain: no member, no sign-in, until the link proves the address.
    let newcomer = "new.person@acme.example";
    let signup = server.browser();
    let reply = sign_up(&signup, newcomer).await?;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    sink.wait_for(newcomer, 1).await?;
    let account = poort_store::users::find_by_login(&server.state.db, newcomer)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account"))?;
    assert_eq!(roles_in(&server, &org.id, &account.id).await?, None);
    let early = login(&server.browser(), newcomer, NEW_PASSWORD).await?;
    assert_ne!(
        early.status,
        StatusCode::SEE_OTHER,
        "unverified: {}",
        early.body
    );

    // An existing account moves its address into the domain.
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no test user"))?;
    login(&browser, EMAIL, PASSWORD).await?;
    let pending = request_change(&browser, "mover@acme.example").await?;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
    assert_eq!(roles_in(&server, &org.id, &user.id).await?, None, "pending");
    sink.wait_for("mover@acme.example", 1).await?;
    let link = mailed_link(&sink, "mover@acme.example", &server.url(CONFIRM)).await?;
    assert_eq!(follow(&browser, &link).await?, StatusCode::OK);
    let moved = poort_store::users::find_by_id(&server.state.db, &user.id).await?;
    assert_eq!(
        moved.map(|u| u.email).as_deref(),
        Some("mover@acme.example")
    );
    assert_eq!(roles_in(&server, &org.id, &user.id).await?, None, "moved");
    let members = poort_store::orgs::members(&server.state.db, &org.id).await?;
    assert!(members.is_empty(), "nobody joined: {members:?}");
    Ok(())
}

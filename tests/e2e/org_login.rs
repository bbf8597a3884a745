//! Organisation rules at login: the IP allowlist (socket address, X-Forwarded-For only from a
//! trusted proxy, a spoofed header from anyone else ignored), refusals said clearly and
//! audited in the organisation's chain, logins audited, and an organisation's require_2fa
//! sending its members to enrollment.

use poort_allowlist::{ProxyHeader, TrustedProxies};
use poort_store::audit::{self, AuditQuery, PLATFORM_CHAIN};
use poort_tests::browser::Browser;
use poort_tests::forms::{Reply, csrf_of, login};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::StatusCode;

const REFUSED_TEXT: &str = "not allowed by Acme";

/// Logs in with an `X-Forwarded-For` header.
async fn login_forwarded(
    browser: &Browser,
    base: &str,
    forwarded_for: &str,
) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/login").await?;
    let response = browser
        .http
        .post(format!("{base}/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("csrf", csrf.as_str()),
            ("tx", ""),
            ("login", EMAIL),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    Reply::read(response).await
}

async fn actions(server: &TestServer, chain: &str) -> anyhow::Result<Vec<String>> {
    let entries = audit::list(&server.state.db, chain, &AuditQuery::default(), 100).await?;
    Ok(entries.into_iter().map(|e| e.action).collect())
}

#[tokio::test]
async fn login_outside_the_allowlist_is_refused_clearly_and_audited() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server
        .set_org(&org.id, &["ip_allowlist=10.0.0.0/8, 2001:db8::/32"])
        .await?;

    let reply = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(reply.body.contains(REFUSED_TEXT), "{}", reply.body);
    assert!(!reply.new_session, "no session for a refused login");
    let refused = audit::list(&server.state.db, &org.id, &AuditQuery::default(), 10).await?;
    assert_eq!(refused[0].action, "login.refused");
    assert_eq!(refused[0].ip.as_deref(), Some("127.0.0.1"));

    // A header from a peer that is not a trusted proxy changes nothing.
    let spoofed = login_forwarded(&browser, &server.base, "10.1.2.3").await?;
    assert_eq!(spoofed.status, StatusCode::FORBIDDEN);
    assert!(spoofed.body.contains(REFUSED_TEXT));

    // A wrong password says "incorrect", not "refused": nothing about the allowlist leaks.
    let wrong = login(&browser, EMAIL, "not the right passphrase").await?;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(!wrong.body.contains(REFUSED_TEXT));

    // Adding the socket's range lets the member in.
    server
        .set_org(&org.id, &["ip_allowlist=10.0.0.0/8,127.0.0.0/8"])
        .await?;
    let allowed = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(allowed.status, StatusCode::SEE_OTHER, "{}", allowed.body);

    let platform = actions(&server, PLATFORM_CHAIN).await?;
    assert!(
        platform.contains(&"login.succeeded".to_owned()),
        "{platform:?}"
    );
    assert!(
        platform.contains(&"login.failed".to_owned()),
        "{platform:?}"
    );
    for chain in audit::chains(&server.state.db).await? {
        assert_eq!(
            audit::verify_chain(&server.state.db, &chain).await?.broken,
            None
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_trusted_proxy_forwards_the_client_address() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |config| {
        config.trusted_proxies =
            TrustedProxies::parse(["127.0.0.1/32"], ProxyHeader::XForwardedFor).unwrap_or_default();
    })
    .await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server
        .set_org(&org.id, &["ip_allowlist=10.0.0.0/8"])
        .await?;

    let outside = login_forwarded(&browser, &server.base, "192.0.2.7").await?;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert!(outside.body.contains(REFUSED_TEXT));
    let entry = &audit::list(&server.state.db, &org.id, &AuditQuery::default(), 1).await?[0];
    assert_eq!(
        entry.ip.as_deref(),
        Some("192.0.2.7"),
        "the forwarded address is recorded"
    );

    // The proxy itself (127.0.0.1) is not in the list: without the header it is refused.
    let direct = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(direct.status, StatusCode::FORBIDDEN);

    let inside = login_forwarded(&browser, &server.base, "10.20.30.40").await?;
    assert_eq!(inside.status, StatusCode::SEE_OTHER, "{}", inside.body);
    Ok(())
}

#[tokio::test]
async fn users_outside_any_organisation_are_not_restricted() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let org = server.create_org("Acme", None).await?;
    server
        .set_org(&org.id, &["ip_allowlist=10.0.0.0/8"])
        .await?;
    let reply = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    Ok(())
}

#[tokio::test]
async fn an_organisation_requiring_2fa_sends_its_members_to_enrollment() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let before = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(before.location.as_deref(), Some("/"), "no requirement yet");

    server.set_org(&org.id, &["require_2fa=true"]).await?;
    let fresh = server.browser();
    let reply = login(&fresh, EMAIL, PASSWORD).await?;
    let location = reply.location.unwrap_or_default();
    assert!(location.contains("/account/mfa/required"), "{location}");
    Ok(())
}

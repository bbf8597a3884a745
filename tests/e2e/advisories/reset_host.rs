//! Reset-link host poisoning (Zitadel GHSA-2wmj-46rj-qm2w): a request carrying a hostile
//! `Host`, `X-Forwarded-Host`, `Forwarded: host=` (and the other headers proxies use for the
//! public host) gets mailed links on the configured issuer only; so do sign-up, address
//! change and invitation links, and discovery. The server even trusts the sending peer as a
//! proxy, for client addresses: that never extends to the host.

use poort_allowlist::{DomainAllowlist, ProxyHeader, TrustedProxies};
use poort_tests::forms::{Reply, csrf_of, login};
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::smtp::{Received, SmtpSink};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::{Method, StatusCode};

use crate::password_reset::smtp_to;

const POISONS: [&[(&str, &str)]; 3] = [
    &[("host", "evil.example")],
    &[
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-port", "8443"),
        ("x-forwarded-prefix", "/evil"),
    ],
    &[
        ("forwarded", "for=192.0.2.1;host=evil.example;proto=https"),
        ("x-original-host", "evil.example"),
        ("x-host", "evil.example"),
        ("x-forwarded-server", "evil.example"),
        ("x-original-url", "https://evil.example/"),
    ],
];

fn all_poisons() -> Vec<(&'static str, &'static str)> {
    POISONS.iter().flat_map(|p| p.iter().copied()).collect()
}

/// Posts `form` to `path` with the session's CSRF token and `headers`.
async fn post_poisoned(
    server: &TestServer,
    browser: &Browser,
    path: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, path).await?;
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(form);
    let mut request = browser.http.post(server.url(path)).form(&fields);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Reply::read(request.send().await?).await
}

/// The mail's link on `path` is on the issuer, and nothing in it names the hostile host.
fn assert_on_issuer(server: &TestServer, mail: &Received, path: &str) -> anyhow::Result<()> {
    let link = mail.link(&server.url(path))?;
    assert!(!link.contains("evil"), "{link}");
    for part in [mail.text()?, mail.html()?] {
        assert!(!part.contains("evil.example"), "{part}");
        assert!(!part.contains("/evil"), "{part}");
    }
    Ok(())
}

#[tokio::test]
async fn reset_link_host_poisoning_zitadel_ghsa_2wmj_46rj_qm2w_links_use_the_issuer()
-> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), |config| {
        smtp_to(sink.port)(config);
        config.mail.signup_enabled = true;
        config.mail.signup_domains = DomainAllowlist::parse(["example.org"]).unwrap_or_default();
        config.trusted_proxies =
            TrustedProxies::parse(["127.0.0.1/32"], ProxyHeader::Forwarded).unwrap_or_default();
    })
    .await?;

    // Three reset requests (the per-address limit), one set of hostile headers each.
    for headers in POISONS {
        let reply = post_poisoned(
            &server,
            &browser,
            "/password/forgot",
            &[("email", EMAIL)],
            headers,
        )
        .await?;
        assert_eq!(reply.status, StatusCode::OK, "{headers:?}: {}", reply.body);
        assert!(!reply.body.contains("evil.example"));
    }
    sink.wait_for(EMAIL, POISONS.len()).await?;
    for mail in sink.messages_to(EMAIL) {
        assert_on_issuer(&server, &mail, "/password/reset?token=")?;
    }

    // Sign-up verification.
    let newcomer = "new.person@example.org";
    let form = [
        ("email", newcomer),
        ("name", "New Person"),
        ("password", "a brand new and unguessable passphrase"),
        ("confirm", "a brand new and unguessable passphrase"),
    ];
    let reply = post_poisoned(&server, &server.browser(), "/signup", &form, &all_poisons()).await?;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mail = sink.wait_for(newcomer, 1).await?;
    assert_on_issuer(&server, &mail, "/signup/verify?token=")?;

    // Address change.
    login(&browser, EMAIL, PASSWORD).await?;
    let form = [("email", "grace.new@example.net"), ("current", PASSWORD)];
    let reply = post_poisoned(&server, &browser, "/account/email", &form, &all_poisons()).await?;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mail = sink.wait_for("grace.new@example.net", 1).await?;
    assert_on_issuer(&server, &mail, "/account/email/confirm?token=")?;

    // Invitation links (answered to the inviter) and discovery.
    let owner = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .map(|u| u.id)
        .unwrap_or_default();
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let mut request = reqwest::Client::new()
        .request(
            Method::POST,
            server.url(&format!("/api/v1/orgs/{}/invitations", org.id)),
        )
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "bob@example.com"}));
    let mut discovery = reqwest::Client::new().get(server.url("/.well-known/openid-configuration"));
    for (name, value) in all_poisons() {
        request = request.header(name, value);
        discovery = discovery.header(name, value);
    }
    let invited = request.send().await?;
    assert_eq!(invited.status(), StatusCode::CREATED);
    let invited: serde_json::Value = invited.json().await?;
    let link = invited["link"].as_str().unwrap_or_default();
    assert!(link.starts_with(&server.url("/invite/")), "{link}");
    let discovery = discovery.send().await?.text().await?;
    assert!(!discovery.contains("evil"), "{discovery}");
    assert!(discovery.contains(&server.url("/token")), "{discovery}");
    Ok(())
}

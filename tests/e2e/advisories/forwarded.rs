//! Spoofed client addresses (authentik CVE-2024-47070): from a peer that is not a trusted
//! proxy, `X-Forwarded-For`, `Forwarded` and their cousins neither pass an organisation's IP
//! allowlist (login and API tokens), nor dodge the per-address throttle, nor show up as the
//! client in the audit log. Behind a trusted proxy, only the entry the proxy wrote counts, not
//! what the client put in front of it. (`org_login` holds a single spoofed
//! `X-Forwarded-For` at login and a single forwarded address from a trusted proxy.)

use poort_allowlist::{ProxyHeader, TrustedProxies};
use poort_server::flows::api_tokens::{MintRequest, mint};
use poort_store::audit::{self, AuditQuery, PLATFORM_CHAIN};
use poort_tests::forms::csrf_of;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::StatusCode;

use super::support::login_with_headers;

const INSIDE: &str = "10.1.2.3";
const REFUSED_TEXT: &str = "not allowed by Acme";

/// Every header some proxy uses for the client address, claiming `address`.
fn spoofs(address: &str) -> Vec<Vec<(&'static str, String)>> {
    let names = [
        "x-forwarded-for",
        "x-real-ip",
        "true-client-ip",
        "cf-connecting-ip",
        "x-client-ip",
        "client-ip",
        "x-cluster-client-ip",
        "fastly-client-ip",
    ];
    let mut sets: Vec<Vec<(&'static str, String)>> = names
        .iter()
        .map(|name| vec![(*name, address.to_owned())])
        .collect();
    sets.push(vec![("forwarded", format!("for={address}"))]);
    sets.push(vec![(
        "forwarded",
        format!("for=\"{address}:443\";proto=https"),
    )]);
    let mut everything: Vec<(&'static str, String)> = sets.iter().flatten().cloned().collect();
    everything.push(("x-forwarded-for", format!("{address}, {address}")));
    sets.push(everything);
    sets
}

async fn login_spoofed(
    server: &TestServer,
    browser: &poort_tests::Browser,
    login: &str,
    password: &str,
    headers: &[(&'static str, String)],
) -> anyhow::Result<poort_tests::forms::Reply> {
    let csrf = csrf_of(browser, "/login").await?;
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    login_with_headers(browser, &server.base, &csrf, login, password, &headers).await
}

#[tokio::test]
async fn spoofed_forwarded_for_authentik_cve_2024_47070_cannot_pass_an_org_ip_allowlist()
-> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server
        .set_org(&org.id, &[&format!("ip_allowlist={INSIDE}/32")])
        .await?;
    for headers in spoofs(INSIDE) {
        let reply = login_spoofed(&server, &browser, EMAIL, PASSWORD, &headers).await?;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(reply.body.contains(REFUSED_TEXT), "{headers:?}");
        assert!(!reply.new_session, "{headers:?}");
    }
    let refusals = audit::list(&server.state.db, &org.id, &AuditQuery::default(), 100).await?;
    let refusals: Vec<_> = refusals
        .iter()
        .filter(|e| e.action == "login.refused")
        .collect();
    assert_eq!(refusals.len(), spoofs(INSIDE).len());
    assert!(
        refusals
            .iter()
            .all(|e| e.ip.as_deref() == Some("127.0.0.1"))
    );

    // An API token of the member, spoofing its way in: refused, and its use not recorded as
    // coming from the claimed address.
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no test user"))?;
    let minted = mint(
        &server.state,
        MintRequest {
            user_id: user.id.clone(),
            org_id: None,
            name: "ci".into(),
            scopes: vec!["admin:read".into()],
            expires_in_secs: 86_400,
            amr: vec!["pwd".into()],
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    for headers in spoofs(INSIDE) {
        let mut request = reqwest::Client::new()
            .get(server.url(&format!("/api/v1/orgs/{}/members", org.id)))
            .bearer_auth(&minted.secret);
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        let response = request.send().await?;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    let tokens = poort_store::api_tokens::list_for_user(&server.state.db, &user.id).await?;
    assert!(
        tokens
            .iter()
            .all(|t| t.last_used_ip.as_deref().is_none_or(|ip| ip == "127.0.0.1")),
        "{tokens:?}"
    );
    Ok(())
}

#[tokio::test]
async fn spoofed_forwarded_for_authentik_cve_2024_47070_cannot_dodge_the_address_throttle()
-> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |config| {
        config.lockout.ip_max_failures = 3;
    })
    .await?;
    // Three failures, each claiming another address.
    for n in 0..3 {
        let headers = &spoofs(&format!("203.0.113.{n}"))[n * 4];
        let reply = login_spoofed(
            &server,
            &browser,
            &format!("spray{n}@example.com"),
            "wrong",
            headers,
        )
        .await?;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{headers:?}");
    }
    // The socket's address is throttled, whatever the next request claims.
    for headers in spoofs("198.51.100.77") {
        let reply = login_spoofed(&server, &browser, EMAIL, PASSWORD, &headers).await?;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{headers:?}");
        assert!(reply.body.contains("your network"), "{}", reply.body);
    }
    let entries = audit::list(
        &server.state.db,
        PLATFORM_CHAIN,
        &AuditQuery::default(),
        100,
    )
    .await?;
    let failed: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "login.failed")
        .collect();
    assert!(failed.len() >= 3);
    assert!(
        failed.iter().all(|e| e.ip.as_deref() == Some("127.0.0.1")),
        "{failed:?}"
    );
    Ok(())
}

#[tokio::test]
async fn spoofed_forwarded_for_authentik_cve_2024_47070_behind_a_proxy_only_its_entry_counts()
-> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |config| {
        config.trusted_proxies =
            TrustedProxies::parse(["127.0.0.1/32"], ProxyHeader::XForwardedFor).unwrap_or_default();
    })
    .await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server
        .set_org(&org.id, &["ip_allowlist=10.0.0.0/8"])
        .await?;
    let xff = |value: &str| ("x-forwarded-for", value.to_owned());
    let cases: [(Vec<(&'static str, String)>, &str); 4] = [
        // The client wrote the first entry, the proxy appended the real address.
        (vec![xff(&format!("{INSIDE}, 192.0.2.7"))], "192.0.2.7"),
        // The same as two header lines.
        (vec![xff(INSIDE), xff("192.0.2.7")], "192.0.2.7"),
        // The header the proxy does not use is the client's own.
        (
            vec![("forwarded", format!("for={INSIDE}")), xff("192.0.2.7")],
            "192.0.2.7",
        ),
        // An entry that is not an address: the proxy's peer address stands.
        (vec![xff(&format!("{INSIDE}, not-an-address"))], "127.0.0.1"),
    ];
    for (headers, client) in cases {
        let reply = login_spoofed(&server, &browser, EMAIL, PASSWORD, &headers).await?;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}");
        let newest = &audit::list(&server.state.db, &org.id, &AuditQuery::default(), 1).await?[0];
        assert_eq!(newest.action, "login.refused");
        assert_eq!(newest.ip.as_deref(), Some(client), "{headers:?}");
    }
    // What the proxy itself says is believed.
    let inside = login_spoofed(&server, &browser, EMAIL, PASSWORD, &[xff("10.20.30.40")]).await?;
    assert_eq!(inside.status, StatusCode::SEE_OTHER, "{}", inside.body);
    Ok(())
}

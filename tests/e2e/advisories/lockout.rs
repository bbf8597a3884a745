//! Lockout bypasses: guesses sent in parallel from two addresses (Zitadel GHSA-7h8m-vrxx-vr4m)
//! and one account reached by several spellings of its login (Authelia CVE-2025-24806).

use std::sync::Arc;

use poort_allowlist::{ProxyHeader, TrustedProxies};
use poort_server::flows::users::{self, UserInput};
use poort_store::auth_events::{self, Kind};
use poort_tests::forms::{csrf_of, login};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::StatusCode;

use super::support::login_with_headers;

const WRONG: &str = "not the right passphrase";
const ADDRESSES: [&str; 2] = ["192.0.2.10", "198.51.100.20"];

/// `count` wrong passwords for `login` at once, alternating between the two client addresses
/// (forwarded by the trusted proxy); the statuses.
async fn burst(
    server: &TestServer,
    browser: &Arc<Browser>,
    login: &str,
    count: usize,
) -> anyhow::Result<Vec<StatusCode>> {
    let csrf = csrf_of(browser, "/login").await?;
    let tasks: Vec<_> = (0..count)
        .map(|n| {
            let (browser, csrf) = (browser.clone(), csrf.clone());
            let (base, login) = (server.base.clone(), login.to_owned());
            tokio::spawn(async move {
                let from = [("x-forwarded-for", ADDRESSES[n % 2])];
                login_with_headers(&browser, &base, &csrf, &login, WRONG, &from).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await??.status);
    }
    Ok(statuses)
}

fn tally(statuses: &[StatusCode]) -> (usize, usize) {
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    (
        count(StatusCode::UNAUTHORIZED),
        count(StatusCode::TOO_MANY_REQUESTS),
    )
}

/// `login_protection` proves 50 parallel guesses from one address reach 5 verifications; this
/// one spreads them over two addresses (the lock is per account, not per account and address)
/// and repeats it for a login name no account has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_lockout_bypass_zitadel_ghsa_7h8m_vrxx_vr4m_two_addresses_and_unknown_logins()
-> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |config| {
        config.trusted_proxies =
            TrustedProxies::parse(["127.0.0.1/32"], ProxyHeader::XForwardedFor).unwrap_or_default();
    })
    .await?;
    let browser = Arc::new(browser);
    let db = &server.state.db;
    let id = poort_store::users::find_by_login(db, EMAIL)
        .await?
        .map(|u| u.id)
        .unwrap_or_default();

    let before = server.state.hashing.completed();
    let statuses = burst(&server, &browser, EMAIL, 24).await?;
    assert_eq!(
        server.state.hashing.completed() - before,
        5,
        "at most max_failures guesses verified"
    );
    assert_eq!(tally(&statuses), (4, 20), "{statuses:?}");
    let events = auth_events::for_subject(db, &id, 100).await?;
    for address in ADDRESSES {
        assert!(
            events.iter().any(|e| e.ip.as_deref() == Some(address)),
            "attempts came from {address}"
        );
    }
    let reply = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "still locked");

    let nobody = "Nobody@Example.com";
    let before = server.state.hashing.completed();
    let statuses = burst(&server, &browser, nobody, 24).await?;
    assert_eq!(
        server.state.hashing.completed() - before,
        5,
        "unknown logins verify (a dummy hash) no more often than real ones"
    );
    assert_eq!(tally(&statuses), (4, 20), "{statuses:?}");
    let subject = format!(
        "login:{}",
        poort_credentials::digest_secret(&nobody.to_lowercase())
    );
    assert_eq!(
        auth_events::count(db, &subject, Kind::AccountLocked).await?,
        1
    );
    Ok(())
}

/// Every spelling that reaches the account (e-mail in any case, with spaces around it, or the
/// username) counts against the one account, so alternating them buys no extra guesses.
#[tokio::test]
async fn alternating_login_names_authelia_cve_2025_24806_share_one_lockout_counter()
-> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let db = &server.state.db;
    let user = users::create(
        db,
        &server.state.hashing,
        UserInput {
            email: "ada@example.com".into(),
            username: Some("ada.l".into()),
            name: None,
            password: PASSWORD.into(),
        },
        server.now(),
    )
    .await?;
    // Each spelling does reach the account: the username signs in (which also resets the count).
    let reply = login(&browser, "ada.l", PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let browser = server.browser();

    let spellings = [
        "ada@example.com",
        "ADA@EXAMPLE.COM",
        "  Ada@Example.Com  ",
        "ada.l",
        "\tada@example.COM\n",
    ];
    let before = server.state.hashing.completed();
    for (n, spelling) in spellings.iter().enumerate() {
        let reply = login(&browser, spelling, WRONG).await?;
        let expected = match n {
            4 => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::UNAUTHORIZED,
        };
        assert_eq!(reply.status, expected, "attempt {n} as {spelling:?}");
    }
    assert_eq!(server.state.hashing.completed() - before, 5);

    // Locked for every spelling, the right password included, and none verifies it.
    let before = server.state.hashing.completed();
    for spelling in spellings.iter().chain(&[" ada.l "]) {
        let reply = login(&browser, spelling, PASSWORD).await?;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{spelling:?}: {}",
            reply.body
        );
    }
    assert_eq!(server.state.hashing.completed(), before);
    // A spelling that is not the account (the username is case-sensitive) does not sign in.
    let other = login(&browser, "ADA.L", PASSWORD).await?;
    assert_ne!(other.status, StatusCode::SEE_OTHER, "{}", other.body);

    let events = auth_events::for_subject(db, &user.id, 100).await?;
    let verified = events
        .iter()
        .filter(|e| e.details.contains("\"wrong_password\""))
        .count();
    assert_eq!(verified, 5, "one counter: five verified guesses in all");
    assert_eq!(
        auth_events::count(db, &user.id, Kind::AccountLocked).await?,
        1
    );
    Ok(())
}

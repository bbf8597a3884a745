//! The per-organisation security settings take effect for members: lockout thresholds, the
//! password preset, the renewal period and the session lifetime. Each test compares a member
//! with a non-member under the same global configuration, and a member of two organisations
//! gets the stricter value of each.

use poort_tests::forms::{Reply, login, submit_password};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::StatusCode;

const DAY: i64 = 86_400;
/// Someone in no organisation, with the same password.
const OUTSIDER: &str = "outsider@example.com";
const WRONG: &str = "certainly not the password";
/// Accepted by the global (NIST) policy: long, strong, not common; but it has neither an
/// upper-case letter nor a digit, which the `strict` preset requires.
const WEAK_FOR_STRICT: &str = "violet harbour lantern breeze";

async fn with_outsider() -> anyhow::Result<(TestServer, Browser, Browser)> {
    let (server, _, member) = setup(ClientSpec::default(), |_| {}).await?;
    server.create_user(OUTSIDER, PASSWORD).await?;
    let outsider = server.browser();
    Ok((server, member, outsider))
}

/// Fails `n` logins, returning the last reply.
async fn fail(browser: &Browser, email: &str, n: usize) -> anyhow::Result<Reply> {
    let mut last = None;
    for _ in 0..n {
        last = Some(login(browser, email, WRONG).await?);
    }
    last.ok_or_else(|| anyhow::anyhow!("no attempt"))
}

/// Whether the browser's session is still signed in (the account page answers, rather than
/// sending it to the login page).
async fn signed_in(browser: &Browser) -> anyhow::Result<bool> {
    let response = browser.get("/account/password").await?;
    Ok(response.status() == StatusCode::OK)
}

#[tokio::test]
async fn members_are_locked_after_the_organisations_failures_and_for_its_duration()
-> anyhow::Result<()> {
    let (server, member, outsider) = with_outsider().await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server
        .set_org(
            &org.id,
            &["lockout_max_failures=2", "lockout_duration_secs=600"],
        )
        .await?;

    // Two failures lock the member (the global policy allows five).
    let second = fail(&member, EMAIL, 2).await?;
    assert_eq!(
        second.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        second.body
    );
    let locked = login(&member, EMAIL, PASSWORD).await?;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked.body.contains("temporarily locked"),
        "{}",
        locked.body
    );

    let outsider_failed = fail(&outsider, OUTSIDER, 2).await?;
    assert_eq!(outsider_failed.status, StatusCode::UNAUTHORIZED);
    let outsider_in = login(&outsider, OUTSIDER, PASSWORD).await?;
    assert_eq!(
        outsider_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        outsider_in.body
    );

    // The global first lock is one minute; the organisation's is ten.
    server.clock.advance(61);
    let still = login(&member, EMAIL, PASSWORD).await?;
    assert_eq!(still.status, StatusCode::TOO_MANY_REQUESTS);
    server.clock.advance(600);
    let back = login(&member, EMAIL, PASSWORD).await?;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    Ok(())
}

#[tokio::test]
async fn a_strict_organisation_refuses_a_password_the_global_policy_accepts() -> anyhow::Result<()>
{
    let (server, member, outsider) = with_outsider().await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server.set_org(&org.id, &["password_preset=strict"]).await?;

    assert_eq!(
        login(&member, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    // The account page lists the strict rules to the member.
    let page = member.get("/account/password").await?.text().await?;
    assert!(page.contains("an upper-case letter"), "{page}");
    let refused = submit_password(
        &member,
        "/account/password",
        PASSWORD,
        WEAK_FOR_STRICT,
        WEAK_FOR_STRICT,
    )
    .await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    // Every failed rule, in words from the catalog.
    assert!(
        refused.body.contains("Include an upper-case letter."),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Include a digit."),
        "{}",
        refused.body
    );
    // Still the old password.
    let again = server.browser();
    assert_eq!(
        login(&again, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );

    assert_eq!(
        login(&outsider, OUTSIDER, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    let accepted = submit_password(
        &outsider,
        "/account/password",
        PASSWORD,
        WEAK_FOR_STRICT,
        WEAK_FOR_STRICT,
    )
    .await?;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    Ok(())
}

#[tokio::test]
async fn members_past_the_organisations_renewal_period_must_renew() -> anyhow::Result<()> {
    let (server, member, outsider) = with_outsider().await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server
        .set_org(&org.id, &["password_renewal_days=30"])
        .await?;

    server.clock.advance(20 * DAY);
    // Within the last 14 days: the warning page, not yet the renewal.
    let warned = login(&member, EMAIL, PASSWORD).await?;
    assert_eq!(warned.location.as_deref(), Some("/account/password?tx="));

    server.clock.advance(11 * DAY);
    let fresh = server.browser();
    let renew = login(&fresh, EMAIL, PASSWORD).await?;
    assert_eq!(renew.location.as_deref(), Some("/login/new-password"));
    let page = fresh.get("/login/new-password").await?.text().await?;
    assert!(page.contains("Your password has expired"), "{page}");
    let done = submit_password(
        &fresh,
        "/login/new-password",
        "",
        "Tulip Orchard under a copper moon 7",
        "Tulip Orchard under a copper moon 7",
    )
    .await?;
    assert_eq!(done.location.as_deref(), Some("/"), "{}", done.body);

    let outsider_in = login(&outsider, OUTSIDER, PASSWORD).await?;
    assert_eq!(outsider_in.location.as_deref(), Some("/"));
    Ok(())
}

#[tokio::test]
async fn sessions_older_than_the_organisations_lifetime_are_refused() -> anyhow::Result<()> {
    let (server, member, outsider) = with_outsider().await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    // Signed in before the organisation limits sessions: the limit still applies.
    assert_eq!(
        login(&member, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        login(&outsider, OUTSIDER, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    server
        .set_org(&org.id, &["session_lifetime_secs=600"])
        .await?;

    server.clock.advance(590);
    assert!(signed_in(&member).await?, "within the lifetime");
    server.clock.advance(11);
    assert!(
        !signed_in(&member).await?,
        "past the organisation's lifetime"
    );
    assert!(
        signed_in(&outsider).await?,
        "the global session TTL is longer"
    );

    // A new login gets a new session, again for at most ten minutes.
    assert_eq!(
        login(&member, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    assert!(signed_in(&member).await?);
    server.clock.advance(601);
    assert!(!signed_in(&member).await?);
    Ok(())
}

#[tokio::test]
async fn a_member_of_two_organisations_gets_the_stricter_of_each() -> anyhow::Result<()> {
    let (server, member, _) = with_outsider().await?;
    let lenient = server.create_org("Lenient", Some(EMAIL)).await?;
    let tight = server.create_org("Tight", Some(OUTSIDER)).await?;
    server.add_member(&tight, EMAIL, &["member"]).await?;
    server
        .set_org(
            &lenient.id,
            &[
                "lockout_max_failures=4",
                "password_renewal_days=90",
                "session_lifetime_secs=7200",
            ],
        )
        .await?;
    server
        .set_org(
            &tight.id,
            &[
                "lockout_max_failures=2",
                "password_renewal_days=30",
                "session_lifetime_secs=900",
            ],
        )
        .await?;

    // Sessions: Tight's 15 minutes, not Lenient's two hours.
    assert_eq!(
        login(&member, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    server.clock.advance(901);
    assert!(!signed_in(&member).await?);

    // Lockout: two failures, not four.
    let second = fail(&member, EMAIL, 2).await?;
    assert_eq!(
        second.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        second.body
    );
    server.clock.advance(3600);

    // Renewal: after 30 days, not 90.
    server.clock.advance(31 * DAY);
    let renew = login(&server.browser(), EMAIL, PASSWORD).await?;
    assert_eq!(renew.location.as_deref(), Some("/login/new-password"));
    Ok(())
}

//! Login protection: lockout counted before verification (50 concurrent guesses, at most 5
//! verifications), growing lock durations, reset on success, admin unlock through the CLI
//! function, unknown accounts treated alike, per-IP throttling, and 503 + Retry-After when the
//! hashing queue is full.

use std::sync::Arc;

use poort_server::admin;
use poort_store::auth_events::{self, Kind};
use poort_tests::forms::{Reply, csrf_of, login, submit_login};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestServer, setup, start_server};
use reqwest::StatusCode;

const WRONG: &str = "not the right passphrase";
const LOCKED_TEXT: &str = "temporarily locked";

async fn user_id(server: &TestServer) -> anyhow::Result<String> {
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL).await?;
    user.map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("test user missing"))
}

/// The lock durations recorded so far for `subject`, oldest first.
async fn lock_durations(server: &TestServer, subject: &str) -> anyhow::Result<Vec<u64>> {
    let events = auth_events::for_subject(&server.state.db, subject, 100).await?;
    let mut durations: Vec<u64> = events
        .iter()
        .filter(|e| e.kind == Kind::AccountLocked.as_str())
        .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.details).ok())
        .filter_map(|d| d["duration_secs"].as_u64())
        .collect();
    durations.reverse();
    Ok(durations)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_wrong_passwords_reach_at_most_five_verifications() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let id = user_id(&server).await?;
    let csrf = csrf_of(&browser, "/login").await?;
    let browser = Arc::new(browser);
    let before = server.state.hashing.completed();
    let attempts: Vec<_> = (0..50)
        .map(|_| {
            let (browser, csrf) = (browser.clone(), csrf.clone());
            tokio::spawn(async move { submit_login(&browser, &csrf, "", EMAIL, WRONG).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await??.status);
    }
    // Exactly the allowed five reached the (slow) verification; the rest were refused first.
    assert_eq!(server.state.hashing.completed() - before, 5);
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // The fifth failure locks, so it already answers "locked".
    assert_eq!((wrong, locked), (4, 46), "{statuses:?}");

    let db = &server.state.db;
    assert_eq!(auth_events::count(db, &id, Kind::LoginFailed).await?, 50);
    assert_eq!(auth_events::count(db, &id, Kind::AccountLocked).await?, 1);
    let events = auth_events::for_subject(db, &id, 100).await?;
    let verified = events
        .iter()
        .filter(|e| e.details.contains("\"wrong_password\""))
        .count();
    assert_eq!(verified, 5);
    assert!(events.iter().all(|e| e.ip.as_deref() == Some("127.0.0.1")));

    // Still locked for the right password, without a verification.
    let before = server.state.hashing.completed();
    let reply = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(server.state.hashing.completed(), before);
    Ok(())
}

#[tokio::test]
async fn locked_account_says_so_for_right_and_wrong_passwords_until_unlocked() -> anyhow::Result<()>
{
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let id = user_id(&server).await?;
    for _ in 0..4 {
        let reply = login(&browser, EMAIL, WRONG).await?;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains("incorrect"));
    }
    let fifth = login(&browser, EMAIL, WRONG).await?;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(fifth.body.contains(LOCKED_TEXT), "{}", fifth.body);

    // While locked, the right and a wrong password get the very same page.
    let right = login(&browser, EMAIL, PASSWORD).await?;
    let wrong = login(&browser, EMAIL, WRONG).await?;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(right.body, wrong.body);
    assert!(right.body.contains(LOCKED_TEXT));

    // The operator's `poort user unlock` clears it.
    let unlocked = admin::unlock(&server.state.config, EMAIL, server.now()).await?;
    assert_eq!(unlocked.id, id);
    let reply = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        auth_events::count(&server.state.db, &id, Kind::AccountUnlocked).await?,
        1
    );
    assert!(
        admin::unlock(&server.state.config, "nobody@example.com", server.now())
            .await
            .is_err()
    );
    Ok(())
}

#[tokio::test]
async fn locks_grow_1_5_15_minutes_and_expire_on_their_own() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let id = user_id(&server).await?;
    for (round, minutes) in [(1, 1), (2, 5), (3, 15)] {
        for _ in 0..5 {
            login(&browser, EMAIL, WRONG).await?;
        }
        let durations = lock_durations(&server, &id).await?;
        assert_eq!(durations.len(), round);
        assert_eq!(durations.last().copied(), Some(minutes * 60));
        // Just before the end it is still locked; just after, the password works again.
        server.clock.advance((minutes * 60 - 2) as i64);
        let reply = login(&browser, EMAIL, PASSWORD).await?;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        server.clock.advance(3);
        let reply = login(&browser, EMAIL, PASSWORD).await?;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "round {round}");
    }
    Ok(())
}

#[tokio::test]
async fn a_successful_login_resets_the_count() -> anyhow::Result<()> {
    let (_server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    for _ in 0..4 {
        assert_eq!(
            login(&browser, EMAIL, WRONG).await?.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&browser, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    for _ in 0..4 {
        assert_eq!(
            login(&browser, EMAIL, WRONG).await?.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&browser, EMAIL, WRONG).await?.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    Ok(())
}

#[tokio::test]
async fn unknown_accounts_cost_a_verification_and_lock_the_same_way() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let nobody = "nobody@example.com";
    let mut replies: Vec<(Reply, Reply)> = Vec::new();
    for _ in 0..5 {
        let before = server.state.hashing.completed();
        let unknown = login(&browser, nobody, WRONG).await?;
        assert_eq!(
            server.state.hashing.completed() - before,
            1,
            "dummy verification"
        );
        let known = login(&browser, EMAIL, WRONG).await?;
        replies.push((unknown, known));
    }
    for (unknown, known) in &replies {
        assert_eq!(unknown.status, known.status);
        assert_eq!(
            unknown.body.replace(nobody, ""),
            known.body.replace(EMAIL, "")
        );
    }
    assert_eq!(replies[4].0.status, StatusCode::TOO_MANY_REQUESTS);
    // Recorded under the digest of the login, not the typed text.
    let subject = format!("login:{}", poort_credentials::digest_secret(nobody));
    let events = auth_events::for_subject(&server.state.db, &subject, 10).await?;
    assert_eq!(events.len(), 6, "five failures and one lock");
    assert!(
        events
            .iter()
            .all(|e| e.user_id.is_none() && !e.details.contains(nobody))
    );
    Ok(())
}

#[tokio::test]
async fn many_failures_from_one_address_throttle_it_across_accounts() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |config| {
        config.lockout.ip_max_failures = 3;
    })
    .await?;
    for n in 0..3 {
        let reply = login(&browser, &format!("spray{n}@example.com"), WRONG).await?;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password of another account is refused from this address now.
    let reply = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.body.contains("your network"), "{}", reply.body);
    // The next window starts clean.
    server
        .clock
        .advance(server.state.config.lockout.ip_window_secs as i64);
    let reply = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_hashing_queue_answers_503_with_retry_after() -> anyhow::Result<()> {
    let server = start_server(|config| {
        config.hashing_concurrency = 1;
        config.hashing_queue = 0;
        // Slow enough that the burst overlaps the first verification.
        config.argon2_memory_kib = 32 * 1024;
        config.argon2_iterations = 2;
    })
    .await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let mut ready = Vec::new();
    for _ in 0..10 {
        let browser = server.browser();
        let csrf = csrf_of(&browser, "/login").await?;
        ready.push((browser, csrf));
    }
    let before = server.state.hashing.completed();
    let burst: Vec<_> = ready
        .into_iter()
        .map(|(browser, csrf)| {
            tokio::spawn(async move { submit_login(&browser, &csrf, "", EMAIL, PASSWORD).await })
        })
        .collect();
    let mut replies = Vec::new();
    for reply in burst {
        replies.push(reply.await??);
    }
    let busy: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let signed_in = replies
        .iter()
        .filter(|r| r.status == StatusCode::SEE_OTHER)
        .count();
    assert!(!busy.is_empty(), "no 503 in the burst");
    assert!(signed_in >= 1, "nobody got through");
    assert_eq!(busy.len() + signed_in, replies.len(), "only 303s and 503s");
    for reply in &busy {
        assert_eq!(reply.retry_after.as_deref(), Some("1"));
        assert!(reply.body.contains("try again"), "{}", reply.body);
    }
    // Refused requests did no hashing work, and were not counted as failed attempts.
    assert_eq!(server.state.hashing.completed() - before, signed_in as u64);
    let reply = login(&server.browser(), EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    Ok(())
}

//! The refresh-rotation race (Keycloak CVE-2026-1035): one refresh token presented many times
//! at once, on two nodes sharing one database, must not fork its family into several live
//! chains. `token_errors` proves a concurrent pair on one node gets one token; here ten
//! requests race across nodes and the stored family is read back.

use poort_store::entities::refresh_tokens::{self, Column, Entity};
use poort_tests::{Backing, ClientSpec, EMAIL, TestClient, TestServer, start_node};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use tokio::task::JoinSet;

use super::support::{introspect, refresh, text};

const RACERS: usize = 10;

/// Two nodes on one database (PostgreSQL, or one SQLite file), one public issuer; the test
/// user, a confidential client and its first refresh token.
async fn two_nodes(
    grace_secs: i64,
) -> anyhow::Result<(TestServer, TestServer, TestClient, String)> {
    let backing = Backing::shareable().await?;
    let a = start_node(&backing, |c| c.refresh_grace_secs = grace_secs).await?;
    let issuer = a.base.clone();
    let b = start_node(&backing, |c| {
        c.refresh_grace_secs = grace_secs;
        c.issuer = issuer;
    })
    .await?;
    a.create_user(EMAIL, poort_tests::PASSWORD).await?;
    let client = a.create_client(ClientSpec::default()).await?;
    let code = a.obtain_code(&a.browser(), &client, None).await?;
    let (status, tokens) = a.redeem(&client, &code, None).await?;
    anyhow::ensure!(status == StatusCode::OK, "{tokens}");
    Ok((a, b, client, text(&tokens, "refresh_token")))
}

/// Presents `token` RACERS times at once, alternating nodes; the answers.
async fn race(
    nodes: [&TestServer; 2],
    client: &TestClient,
    token: &str,
) -> anyhow::Result<Vec<(StatusCode, Value)>> {
    let mut tasks = JoinSet::new();
    for n in 0..RACERS {
        let url = nodes[n % 2].url("/token");
        let (id, secret) = (client.id.clone(), client.secret.clone());
        let token = token.to_owned();
        tasks.spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .basic_auth(id, secret)
                .form(&[("grant_type", "refresh_token"), ("refresh_token", &token)])
                .send()
                .await?;
            anyhow::Ok((response.status(), response.json::<Value>().await?))
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.push(done??);
    }
    Ok(answers)
}

async fn family_rows(
    node: &TestServer,
    client: &TestClient,
) -> anyhow::Result<Vec<refresh_tokens::Model>> {
    Ok(Entity::find()
        .filter(Column::ClientId.eq(client.id.as_str()))
        .all(node.state.db.conn())
        .await?)
}

/// Without a grace window the race has one winner. The losers present a token that is used by
/// then, which is what theft looks like, so they revoke the family: the one token handed out
/// dies with it and the client signs in again. What must never happen: two live successors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotation_race_keycloak_cve_2026_1035_one_winner_and_no_second_chain()
-> anyhow::Result<()> {
    let (a, b, client, first) = two_nodes(0).await?;
    let answers = race([&a, &b], &client, &first).await?;
    let winners: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::OK) {
        assert_eq!(*status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(text(body, "error"), "invalid_grant");
    }

    let rows = family_rows(&a, &client).await?;
    assert_eq!(rows.len(), 2, "the first token and one successor, no fork");
    assert!(rows.iter().all(|r| r.family_id == rows[0].family_id));
    assert!(
        rows.iter().all(|r| r.revoked_at.is_some()),
        "the reuse revoked the whole family: {rows:?}"
    );
    let successor = text(winners[0], "refresh_token");
    for node in [&a, &b] {
        assert_eq!(
            introspect(node, &client, &successor).await?["active"],
            false
        );
        let (status, body) = refresh(node, &client, &successor).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    Ok(())
}

/// With a grace window every racer gets an answer, but the family never forks: each late
/// racer is a retry that replaces the successor the one before it got, so one live token is
/// left, the family is not revoked, and when the first token is reused after the window, the
/// whole family dies together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotation_race_keycloak_cve_2026_1035_grace_window_retries_leave_one_live_token()
-> anyhow::Result<()> {
    let (a, b, client, first) = two_nodes(10).await?;
    let answers = race([&a, &b], &client, &first).await?;
    let mut issued = Vec::new();
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        issued.push(text(body, "refresh_token"));
    }
    issued.sort();
    issued.dedup();
    assert_eq!(issued.len(), RACERS, "each racer got its own answer");
    let rows = family_rows(&a, &client).await?;
    assert_eq!(rows.len(), RACERS + 1);
    assert!(rows.iter().all(|r| r.family_id == rows[0].family_id));
    let live = rows
        .iter()
        .filter(|r| r.used_at.is_none() && r.revoked_at.is_none())
        .count();
    assert_eq!(live, 1, "one head, no fork: {rows:?}");
    let replaced = rows.iter().filter(|r| r.revoked_at.is_some()).count();
    assert_eq!(replaced, RACERS - 1, "the undelivered successors: {rows:?}");

    // Exactly one of the answers works; presenting a replaced one revokes nothing.
    let mut working = Vec::new();
    for (n, token) in issued.iter().enumerate() {
        let node = [&a, &b][n % 2];
        let (status, body) = refresh(node, &client, token).await?;
        if status == StatusCode::OK {
            working.push(text(&body, "refresh_token"));
        } else {
            assert_eq!(text(&body, "error"), "invalid_grant", "{body}");
        }
    }
    assert_eq!(working.len(), 1, "{working:?}");

    // After the window, presenting the first token again is reuse: the family goes, all of it.
    for node in [&a, &b] {
        node.clock.advance(11);
    }
    let (status, body) = refresh(&b, &client, &first).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = refresh(&a, &client, &working[0]).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the head died too: {body}");
    let rows = family_rows(&a, &client).await?;
    assert!(rows.iter().all(|r| r.revoked_at.is_some()), "{rows:?}");
    Ok(())
}

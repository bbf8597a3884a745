//! Refresh grants arriving together are committed as one group (store `rotations`); each
//! caller must still get the successor of its own token, and every successor must be stored.

use poort_tests::{ClientSpec, setup};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::task::JoinSet;

const FAMILIES: usize = 12;

struct Refresher {
    http: reqwest::Client,
    url: String,
    client_id: String,
    secret: String,
}

impl Refresher {
    async fn refresh(&self, token: &str) -> anyhow::Result<(StatusCode, Value)> {
        let response = self
            .http
            .post(&self.url)
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
            .send()
            .await?;
        Ok((response.status(), response.json().await?))
    }
}

/// Refreshes every token at once; the answers in the order of `tokens`.
async fn refresh_all(
    refresher: &std::sync::Arc<Refresher>,
    tokens: &[String],
) -> anyhow::Result<Vec<(StatusCode, Value)>> {
    let mut tasks = JoinSet::new();
    for (n, token) in tokens.iter().cloned().enumerate() {
        let refresher = refresher.clone();
        tasks.spawn(async move { (n, refresher.refresh(&token).await) });
    }
    let mut answers = vec![None; tokens.len()];
    while let Some(done) = tasks.join_next().await {
        let (n, answer) = done?;
        answers[n] = Some(answer?);
    }
    answers
        .into_iter()
        .map(|a| a.ok_or_else(|| anyhow::anyhow!("a refresh did not answer")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_of_many_families_each_get_their_own_successor() -> anyhow::Result<()>
{
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let mut firsts = Vec::new();
    for _ in 0..FAMILIES {
        let code = server.obtain_code(&browser, &client, None).await?;
        let (_, tokens) = server.redeem(&client, &code, None).await?;
        firsts.push(
            tokens["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let refresher = std::sync::Arc::new(Refresher {
        http: reqwest::Client::new(),
        url: server.url("/token"),
        client_id: client.id.clone(),
        secret: client.secret.clone().unwrap_or_default(),
    });

    let answers = refresh_all(&refresher, &firsts).await?;
    let mut seconds = Vec::new();
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        seconds.push(
            body["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let mut distinct = seconds.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        FAMILIES,
        "every caller got a successor of its own"
    );

    // Each successor was stored: it refreshes in turn (again all at once).
    for (status, body) in refresh_all(&refresher, &seconds).await? {
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // And each first token is used up: presenting it again after the grace window (5 s by
    // default) is reuse.
    server.clock.advance(6);
    for (status, body) in refresh_all(&refresher, &firsts).await? {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "invalid_grant");
    }
    Ok(())
}

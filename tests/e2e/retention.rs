//! Deleted accounts: deactivated at once (login refused like a wrong password, refresh and
//! access tokens dead), restorable within the retention period, purged after it (with what
//! belongs to them), and not restorable any more.

use poort_server::flows::retention::{self, Change};
use poort_store::{refresh_tokens, users};
use poort_tests::forms::login;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, Pkce, TestClient, TestServer, setup};
use reqwest::StatusCode;
use serde_json::Value;

const DAY: i64 = 86_400;

async fn introspect(server: &TestServer, client: &TestClient, token: &str) -> anyhow::Result<bool> {
    let body: Value = reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await?
        .json()
        .await?;
    Ok(body["active"] == Value::Bool(true))
}

fn field(body: &Value, name: &str) -> anyhow::Result<String> {
    body[name]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no {name} in {body}"))
}

#[tokio::test]
async fn a_deleted_account_stops_at_once_is_restorable_then_purged() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |config| {
        config.deleted_account_retention_days = 30;
    })
    .await?;
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = field(&tokens, "access_token")?;
    let refresh = field(&tokens, "refresh_token")?;
    assert!(introspect(&server, &client, &access).await?);

    assert_eq!(
        retention::delete_account(&server.state, EMAIL).await?,
        Change::Done
    );
    assert_eq!(
        retention::delete_account(&server.state, EMAIL).await?,
        Change::NotApplicable,
        "deleting twice"
    );
    // Dead at once: tokens, refresh, and a login says what a wrong password says.
    assert!(!introspect(&server, &client, &access).await?);
    assert!(!introspect(&server, &client, &refresh).await?);
    let refreshed = server
        .token(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await?;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    let refused = login(&server.browser(), EMAIL, PASSWORD).await?;
    let wrong = login(&server.browser(), EMAIL, "not the password").await?;
    assert_eq!(refused.status, wrong.status);
    let message = "The email address or password is incorrect.";
    assert!(refused.body.contains(message) && wrong.body.contains(message));

    // Restorable within the period; signing in works again (tokens stay revoked).
    server.clock.advance(29 * DAY);
    assert_eq!(
        retention::restore_account(&server.state, EMAIL).await?,
        Change::Done
    );
    assert_eq!(
        login(&server.browser(), EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    assert!(!introspect(&server, &client, &refresh).await?);

    // Deleted again and left past the period: purged with its rows, not restorable.
    server.sign_in(&server.browser(), EMAIL, PASSWORD).await?;
    let id = users::find_by_login(&server.state.db, EMAIL)
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("user missing"))?;
    retention::delete_account(&server.state, EMAIL).await?;
    let early = retention::purge(&server.state).await?;
    assert_eq!(
        early.map(|p| p.accounts),
        Some(0),
        "still within the period"
    );
    server.clock.advance(31 * DAY);
    let purged = retention::purge(&server.state).await?;
    assert_eq!(purged.map(|p| p.accounts), Some(1));
    assert!(users::find_by_id(&server.state.db, &id).await?.is_none());
    let digest = poort_credentials::digest_secret(&refresh);
    assert!(
        refresh_tokens::find_by_digest(&server.state.db, &digest)
            .await?
            .is_none(),
        "the account's refresh tokens went with it"
    );
    assert_eq!(
        retention::restore_account(&server.state, EMAIL).await?,
        Change::NoSuchUser
    );
    // The audit log stays, naming the account only by pseudonyms: its id, or a digest of a
    // typed login name; never the address (there were wrong-password logins above).
    let db = &server.state.db;
    let mut entries = 0;
    for chain in poort_store::audit::chains(db).await? {
        for entry in poort_store::audit::list(db, &chain, &Default::default(), 1_000).await? {
            entries += 1;
            let text = serde_json::to_string(&entry)?;
            assert!(!text.contains(EMAIL), "{text}");
        }
    }
    assert!(entries > 0, "the login attempts were audited");
    Ok(())
}

//! Starting several nodes: at once on a fresh database they migrate once and agree on one set
//! of signing keys (a token signed by one verifies on the other at once); a node refuses a
//! database that a newer Poort has migrated.

use poort_oidc::token_request::GrantType;
use poort_tests::{Backing, ClientSpec, TestServer, start_node};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::Value;

async fn kids(node: &TestServer) -> anyhow::Result<Vec<String>> {
    let jwks: Value = reqwest::get(node.url("/jwks")).await?.json().await?;
    let mut kids: Vec<String> = jwks["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    kids.sort();
    Ok(kids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_at_once_on_a_fresh_database_agree() -> anyhow::Result<()> {
    for round in 0..3 {
        let backing = Backing::shareable().await?;
        // No periodic reload to paper over a disagreement; one public issuer.
        let tweak = |c: &mut poort_server::Config| {
            c.key_reload_secs = 3600;
            c.issuer = "http://poort.test".into();
        };
        let (a, b) = tokio::join!(start_node(&backing, tweak), start_node(&backing, tweak));
        let (a, b) = (a?, b?);
        let on_a = kids(&a).await?;
        assert_eq!(
            on_a.len(),
            3,
            "round {round}: one key per algorithm: {on_a:?}"
        );
        assert_eq!(on_a, kids(&b).await?, "round {round}");

        let client = a
            .create_client(ClientSpec {
                grants: vec![GrantType::ClientCredentials],
                ..ClientSpec::default()
            })
            .await?;
        let response = a
            .token(&client, &[("grant_type", "client_credentials")])
            .await?;
        let body: Value = response.json().await?;
        let access = body["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let introspected: Value = reqwest::Client::new()
            .post(b.url("/introspect"))
            .basic_auth(&client.id, client.secret.as_deref())
            .form(&[("token", access.as_str())])
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(
            introspected["active"], true,
            "round {round}: {introspected}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_node_refuses_a_database_migrated_by_a_newer_version() -> anyhow::Result<()> {
    let backing = Backing::shareable().await?;
    let url = backing.database_url.clone().unwrap_or_default();
    let first = start_node(&backing, |_| {}).await?;
    drop(first);

    // What a newer Poort's migration leaves behind.
    let db = Database::connect(&url).await?;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "INSERT INTO seaql_migrations (version, applied_at) VALUES ($1, $2)",
        _ => "INSERT INTO seaql_migrations (version, applied_at) VALUES (?, ?)",
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        ["m29991231_000001_add_the_future".into(), 0_i64.into()],
    ))
    .await?;
    db.close().await?;

    let Err(err) = start_node(&backing, |_| {}).await else {
        anyhow::bail!("a node started on a schema newer than it knows");
    };
    let message = err.to_string();
    assert!(message.contains("newer than this version"), "{message}");
    assert!(
        message.contains("m29991231_000001_add_the_future"),
        "{message}"
    );
    Ok(())
}

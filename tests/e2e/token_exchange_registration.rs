//! Registering a client for token exchange (RFC 8693): the CLI and the admin API, with the
//! same checks, and discovery advertising the grant.

use poort_server::client_cli;
use poort_tests::{EMAIL, PASSWORD};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ORDERS: &str = "https://orders.example/api";
const STOCK: &str = "https://stock.example/api";
const BILLING: &str = "https://billing.example/api";
const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

#[tokio::test]
async fn the_cli_registers_changes_and_removes_token_exchange_and_refuses_bad_settings()
-> anyhow::Result<()> {
    let server = poort_tests::start_server(|_| {}).await?;
    let env = client_cli::ClientCliEnv::of(&server.state);
    let run = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let now = server.now();
        let env = &env;
        async move {
            let command = client_cli::parse(args)?;
            client_cli::execute(env, now, command, true).await
        }
    };
    let created: Value = serde_json::from_str(
        &run(&[
            "create",
            "--name",
            "orders",
            "--grant",
            "client_credentials",
            "--grant",
            EXCHANGE,
            "--exchange-audience",
            STOCK,
            "--exchange-subject-audience",
            ORDERS,
        ])
        .await?,
    )?;
    let id = created["client_id"].as_str().unwrap_or_default().to_owned();
    let listed: Value = serde_json::from_str(&run(&["list"]).await?)?;
    assert_eq!(
        listed[0]["token_exchange"],
        json!({"subject_audiences": [ORDERS], "audiences": [STOCK], "impersonation": false})
    );
    let updated: Value = serde_json::from_str(
        &run(&[
            "update",
            &id,
            "--exchange-audience",
            BILLING,
            "--exchange-impersonation",
        ])
        .await?,
    )?;
    assert_eq!(
        updated["token_exchange"],
        json!({"subject_audiences": [], "audiences": [BILLING], "impersonation": true})
    );
    let removed: Value =
        serde_json::from_str(&run(&["update", &id, "--no-token-exchange"]).await?)?;
    assert_eq!(removed["token_exchange"], Value::Null);

    // Refused: without the grant, for a public client, a malformed audience; nothing stored.
    for args in [
        vec![
            "create",
            "--name",
            "x",
            "--grant",
            "client_credentials",
            "--exchange-audience",
            STOCK,
        ],
        vec![
            "create",
            "--name",
            "x",
            "--public",
            "--redirect-uri",
            "https://x.example/cb",
            "--grant",
            EXCHANGE,
            "--exchange-audience",
            STOCK,
        ],
        vec![
            "create",
            "--name",
            "x",
            "--grant",
            EXCHANGE,
            "--exchange-audience",
            "not a uri",
        ],
        vec!["create", "--name", "x", "--grant", "password"],
    ] {
        assert!(run(&args).await.is_err(), "{args:?} was accepted");
    }
    assert_eq!(poort_store::clients::list(&server.state.db).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn an_organisation_registers_token_exchange_through_the_admin_api() -> anyhow::Result<()> {
    use reqwest::Method;
    let server = poort_tests::start_server(|_| {}).await?;
    let owner = server.create_user(EMAIL, PASSWORD).await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let token = server.access_token_for(&owner, "admin:read admin:write")?;
    let path = format!("/api/v1/orgs/{}/clients", org.id);
    let created = server
        .api(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({
                "name": "orders",
                "grant_types": ["client_credentials", EXCHANGE],
                "token_exchange": {"subject_audiences": [ORDERS], "audiences": [STOCK]},
            })),
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["token_exchange"]["audiences"], json!([STOCK]));
    let id = created.json["client_id"].as_str().unwrap_or_default();
    let refused = server
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(&token),
            Some(json!({"token_exchange": {"audiences": ["not a uri"]}})),
        )
        .await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let removed = server
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(&token),
            Some(json!({"token_exchange": null})),
        )
        .await?;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.json["token_exchange"], Value::Null);
    // Another organisation's member cannot touch it (the gate: 404 like a missing client).
    let stranger = server.create_user("mallory@example.com", PASSWORD).await?;
    server
        .create_org("Other", Some("mallory@example.com"))
        .await?;
    let theirs = server.access_token_for(&stranger, "admin:read admin:write")?;
    let denied = server
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(&theirs),
            Some(json!({"token_exchange": {"audiences": [STOCK]}})),
        )
        .await?;
    assert_eq!(denied.status, StatusCode::NOT_FOUND, "{}", denied.text);
    Ok(())
}

#[tokio::test]
async fn discovery_advertises_the_grant() -> anyhow::Result<()> {
    let server = poort_tests::start_server(|_| {}).await?;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let metadata: Value = reqwest::get(server.url(path)).await?.json().await?;
        let grants = metadata["grant_types_supported"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(grants.contains(&json!(EXCHANGE)), "{path}: {grants:?}");
    }
    Ok(())
}

//! Registering where back-channel logout tokens go: the outbound policy refuses private,
//! link-local and plain-http URIs at registration (CLI and admin API alike, nothing stored),
//! the CLI and an organisation's admin API set, show and remove the URI, and discovery says
//! back-channel logout with sessions is supported. Delivery itself: `backchannel_logout`.

use poort_server::client_cli;
use poort_server::flows::clients::{BackchannelLogout, CreateClientError};
use poort_tests::backchannel::LogoutReceiver;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{PASSWORD, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn logout_uris_the_outbound_policy_refuses_are_not_registered() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let outbound = &server.state.outbound;
    for bad in [
        "https://10.0.0.7/logout",
        "https://192.168.1.20/logout",
        "https://169.254.169.254/latest",
        "http://rp.example/logout",
        "https://rp.example/logout#frag",
        "https://user:pw@rp.example/logout",
        "/relative",
        "ftp://rp.example/logout",
    ] {
        assert!(
            matches!(
                BackchannelLogout::check(outbound, bad, true),
                Err(CreateClientError::BadBackchannelLogoutUri(..))
            ),
            "{bad} was accepted"
        );
    }
    // The harness allows loopback (a receiver on 127.0.0.1).
    assert!(BackchannelLogout::check(outbound, "http://127.0.0.1:9/logout", true).is_ok());
    // The CLI refuses it too, and nothing is stored.
    let command = client_cli::parse([
        "create",
        "--name",
        "web",
        "--redirect-uri",
        "https://rp.example/cb",
        "--backchannel-logout-uri",
        "https://10.1.2.3/logout",
    ])?;
    let env = client_cli::ClientCliEnv::of(&server.state);
    let refused = client_cli::execute(&env, server.now(), command, true).await;
    assert!(refused.is_err());
    assert!(
        poort_store::clients::list(&server.state.db)
            .await?
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn the_cli_sets_shows_and_removes_a_logout_uri() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let rp = LogoutReceiver::start().await?;
    let env = client_cli::ClientCliEnv::of(&server.state);
    let run = |args: Vec<String>| {
        let now = server.now();
        let env = &env;
        async move {
            let command = client_cli::parse(args)?;
            client_cli::execute(env, now, command, true).await
        }
    };
    let created: Value = serde_json::from_str(
        &run(vec![
            "create".into(),
            "--name".into(),
            "web".into(),
            "--redirect-uri".into(),
            "https://rp.example/cb".into(),
            "--backchannel-logout-uri".into(),
            rp.uri.clone(),
        ])
        .await?,
    )?;
    let id = created["client_id"].as_str().unwrap_or_default().to_owned();
    let listed: Value = serde_json::from_str(&run(vec!["list".into()]).await?)?;
    assert_eq!(listed[0]["backchannel_logout_uri"], rp.uri.as_str());
    assert_eq!(listed[0]["backchannel_logout_session_required"], true);
    let updated: Value = serde_json::from_str(
        &run(vec![
            "update".into(),
            id.clone(),
            "--backchannel-logout-session-required".into(),
            "false".into(),
        ])
        .await?,
    )?;
    assert_eq!(updated["backchannel_logout_uri"], rp.uri.as_str());
    assert_eq!(updated["backchannel_logout_session_required"], false);
    let refused = run(vec![
        "update".into(),
        id.clone(),
        "--backchannel-logout-uri".into(),
        "https://172.16.0.1/logout".into(),
    ])
    .await;
    assert!(
        refused.is_err(),
        "a private address is refused on update too"
    );
    let removed: Value = serde_json::from_str(
        &run(vec![
            "update".into(),
            id,
            "--backchannel-logout-uri".into(),
            String::new(),
        ])
        .await?,
    )?;
    assert_eq!(removed["backchannel_logout_uri"], Value::Null);
    Ok(())
}

#[tokio::test]
async fn discovery_advertises_back_channel_logout_with_sessions() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let metadata: Value = reqwest::get(server.url("/.well-known/openid-configuration"))
        .await?
        .json()
        .await?;
    assert_eq!(metadata["backchannel_logout_supported"], true);
    assert_eq!(metadata["backchannel_logout_session_supported"], true);
    assert!(
        metadata["claims_supported"]
            .as_array()
            .is_some_and(|claims| claims.iter().any(|c| c == "sid"))
    );
    Ok(())
}

#[tokio::test]
async fn an_organisation_registers_changes_and_removes_a_logout_uri_through_the_api()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@a.example", PASSWORD).await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}/clients", org.id);
    let rp = LogoutReceiver::start().await?;
    let web = |uri: &str| {
        json!({
            "name": "Web", "redirect_uris": ["https://rp.example/cb"],
            "backchannel_logout_uri": uri,
        })
    };
    // A private address is refused, and nothing is stored.
    let refused = server
        .api(
            Method::POST,
            &base,
            Some(&token),
            Some(web("https://10.9.8.7/logout")),
        )
        .await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.json["error"], "invalid_request");
    assert!(
        poort_store::clients::list(&server.state.db)
            .await?
            .is_empty()
    );

    let created = server
        .api(Method::POST, &base, Some(&token), Some(web(&rp.uri)))
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["backchannel_logout_uri"], rp.uri.as_str());
    assert_eq!(created.json["backchannel_logout_session_required"], true);
    let id = created.json["client_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let one = format!("{base}/{id}");
    let patch = |body: Value| server.api(Method::PATCH, &one, Some(&token), Some(body));
    let changed = patch(json!({"backchannel_logout_session_required": false})).await?;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["backchannel_logout_uri"], rp.uri.as_str());
    assert_eq!(changed.json["backchannel_logout_session_required"], false);
    let refused = patch(json!({"backchannel_logout_uri": "http://rp.example/logout"})).await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let removed = patch(json!({"backchannel_logout_uri": ""})).await?;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.json["backchannel_logout_uri"], Value::Null);
    // Another organisation's member cannot touch it.
    let stranger = server.create_user("x@b.example", PASSWORD).await?;
    server.create_org("B", Some("x@b.example")).await?;
    let theirs = server.access_token_for(&stranger, ALL_SCOPES)?;
    let denied = server
        .api(
            Method::PATCH,
            &one,
            Some(&theirs),
            Some(json!({"backchannel_logout_uri": rp.uri})),
        )
        .await?;
    assert_eq!(denied.status, StatusCode::NOT_FOUND, "{}", denied.text);
    Ok(())
}

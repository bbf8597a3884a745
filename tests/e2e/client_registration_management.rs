//! Managing a dynamically registered client (RFC 7592) with its registration access token, and
//! initial access tokens minted by an organisation's admins through the admin API (the gate).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::client_registration::{initial_token, register, registering_server, web_app};
use poort_tests::{EMAIL, PASSWORD, TestServer};

struct Registered {
    client_id: String,
    uri: String,
    token: String,
}

async fn registered(server: &TestServer) -> anyhow::Result<Registered> {
    let initial = initial_token(server, &[]).await?;
    let (status, body, _) = register(server, Some(&initial), &web_app()).await?;
    anyhow::ensure!(status == StatusCode::CREATED, "{body}");
    Ok(Registered {
        client_id: body["client_id"].as_str().unwrap_or_default().to_owned(),
        uri: body["registration_client_uri"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        token: body["registration_access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    })
}

async fn call(
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<(StatusCode, Value)> {
    let mut request = reqwest::Client::new().request(method, uri);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[tokio::test]
async fn the_registration_access_token_reads_updates_and_deletes_its_client() -> anyhow::Result<()>
{
    let server = registering_server().await?;
    let mine = registered(&server).await?;
    let (status, read) = call(Method::GET, &mine.uri, Some(&mine.token), None).await?;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["client_id"], mine.client_id.as_str());
    assert!(read.get("client_secret").is_none() && read.get("registration_access_token").is_none());

    let mut changed = web_app();
    changed["client_id"] = json!(mine.client_id);
    changed["client_name"] = json!("Renamed app");
    changed["redirect_uris"] = json!(["https://app.example.com/new-callback"]);
    let (status, updated) = call(Method::PUT, &mine.uri, Some(&mine.token), Some(&changed)).await?;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["client_name"], "Renamed app");
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://app.example.com/new-callback"])
    );
    let stored = poort_store::clients::find(&server.state.db, &mine.client_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("gone"))?;
    assert_eq!(
        stored.redirect_uris,
        vec!["https://app.example.com/new-callback"]
    );

    // Refused updates change nothing.
    let mut other_grants = changed.clone();
    other_grants["grant_types"] = json!(["authorization_code", "client_credentials"]);
    let mut bad_uri = changed.clone();
    bad_uri["redirect_uris"] = json!(["http://evil.example.com/cb"]);
    let mut no_id = changed.clone();
    no_id.as_object_mut().map(|m| m.remove("client_id"));
    let mut server_field = changed.clone();
    server_field["registration_access_token"] = json!(mine.token);
    for (body, code) in [
        (other_grants, "invalid_client_metadata"),
        (bad_uri, "invalid_redirect_uri"),
        (no_id, "invalid_request"),
        (server_field, "invalid_request"),
    ] {
        let (status, refused) =
            call(Method::PUT, &mine.uri, Some(&mine.token), Some(&body)).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {refused}");
        assert_eq!(refused["error"], code, "{body}: {refused}");
    }
    let (_, still) = call(Method::GET, &mine.uri, Some(&mine.token), None).await?;
    assert_eq!(
        still["redirect_uris"],
        json!(["https://app.example.com/new-callback"])
    );

    let (status, _) = call(Method::DELETE, &mine.uri, Some(&mine.token), None).await?;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        poort_store::clients::find(&server.state.db, &mine.client_id)
            .await?
            .is_none()
    );
    let (status, _) = call(Method::GET, &mine.uri, Some(&mine.token), None).await?;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the token died with the client"
    );
    Ok(())
}

#[tokio::test]
async fn only_the_clients_own_registration_access_token_is_accepted() -> anyhow::Result<()> {
    let server = registering_server().await?;
    let mine = registered(&server).await?;
    let theirs = registered(&server).await?;
    let initial = initial_token(&server, &[]).await?;
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let admin = server.access_token_for(&user.id, "admin:read admin:write")?;
    for token in [
        None,
        Some(theirs.token.as_str()),
        Some(initial.as_str()),
        Some(admin.as_str()),
        Some("poort_rat_madeup"),
    ] {
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            let body =
                json!({"client_id": mine.client_id, "redirect_uris": ["https://x.example/cb"]});
            let (status, refused) = call(method.clone(), &mine.uri, token, Some(&body)).await?;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} with {token:?}: {refused}"
            );
        }
    }
    assert!(
        poort_store::clients::find(&server.state.db, &mine.client_id)
            .await?
            .is_some()
    );
    Ok(())
}

#[tokio::test]
async fn organisation_admins_mint_tokens_whose_clients_belong_to_the_organisation()
-> anyhow::Result<()> {
    let server = registering_server().await?;
    let owner = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let admin = server.access_token_for(&owner.id, poort_tests::orgs::ALL_SCOPES)?;
    let path = format!("/api/v1/orgs/{}/registration_tokens", org.id);
    let minted = server
        .api(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({"max_uses": 2})),
        )
        .await?;
    assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.text);
    let token = minted.json["token"].as_str().unwrap_or_default().to_owned();
    let (status, body, _) = register(&server, Some(&token), &web_app()).await?;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let client_id = body["client_id"].as_str().unwrap_or_default();
    let clients = server
        .api(
            Method::GET,
            &format!("/api/v1/orgs/{}/clients", org.id),
            Some(&admin),
            None,
        )
        .await?;
    assert!(clients.text.contains(client_id), "{}", clients.text);
    let listed = server.api(Method::GET, &path, Some(&admin), None).await?;
    assert_eq!(
        listed.json["registration_tokens"][0]["uses"], 1,
        "{}",
        listed.text
    );
    assert!(!listed.text.contains("poort_iat_"));
    let audit = server
        .api(
            Method::GET,
            &format!("/api/v1/orgs/{}/audit", org.id),
            Some(&admin),
            None,
        )
        .await?;
    assert!(
        audit.text.contains("registration_token.created"),
        "{}",
        audit.text
    );
    assert!(audit.text.contains("client.created"), "{}", audit.text);

    // Revoked through the API: refused at /register.
    let id = minted.json["id"].as_str().unwrap_or_default();
    let revoked = server
        .api(Method::DELETE, &format!("{path}/{id}"), Some(&admin), None)
        .await?;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        register(&server, Some(&token), &web_app()).await?.0,
        StatusCode::UNAUTHORIZED
    );

    // The gate: an outsider gets 404, a member without clients.write 403, a token without
    // admin:write 403; none of them mints anything.
    let outsider_id = server.create_user("mallory@example.com", PASSWORD).await?;
    let outsider = server.access_token_for(&outsider_id, "admin:read admin:write")?;
    let member_id = server.create_user("member@example.com", PASSWORD).await?;
    server
        .add_member(&org, "member@example.com", &["member"])
        .await?;
    let member = server.access_token_for(&member_id, "admin:read admin:write")?;
    let read_only = server.access_token_for(&owner.id, "admin:read")?;
    for (who, token, expected) in [
        ("outsider", outsider.as_str(), StatusCode::NOT_FOUND),
        ("member", member.as_str(), StatusCode::FORBIDDEN),
        ("read-only token", read_only.as_str(), StatusCode::FORBIDDEN),
    ] {
        let refused = server.api(Method::POST, &path, Some(token), None).await?;
        assert_eq!(refused.status, expected, "{who}: {}", refused.text);
    }
    let none = server.api(Method::POST, &path, None, None).await?;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    // An owner who signed in with one factor, once the organisation requires two (RFC 9470).
    server.set_org(&org.id, &["require_2fa=true"]).await?;
    let one_factor =
        server.access_token_with(&owner.id, poort_tests::orgs::ALL_SCOPES, &["pwd"])?;
    let refused = server
        .api(Method::POST, &path, Some(&one_factor), None)
        .await?;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    assert!(
        refused.text.contains("insufficient_user_authentication"),
        "{}",
        refused.text
    );
    let all =
        poort_store::client_registrations::list_initial(&server.state.db, Some(&org.id)).await?;
    assert_eq!(all.len(), 1);
    Ok(())
}

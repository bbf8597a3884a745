//! Organisations manage their own clients through the admin API (`clients.write`): register,
//! use, rotate the secret, delete, each audited in the organisation's chain; platform
//! administrators create organisations through it; and every documented operation is routed.

use poort_server::flows::audit::AuditEntry;
use poort_store::{audit, platform_admins};
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "a long and unguessable passphrase";

/// A `client_credentials` request with HTTP Basic client authentication; the status and body.
async fn service_token(
    server: &TestServer,
    id: &str,
    secret: &str,
    scope: &str,
) -> anyhow::Result<(StatusCode, Value)> {
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await?;
    Ok((response.status(), response.json().await?))
}

fn text(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn an_owner_registers_rotates_and_deletes_a_service_client() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@a.example", PASSWORD).await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}/clients", org.id);

    let body = json!({
        "name": "Exporter", "grant_types": ["client_credentials"],
        "allowed_scopes": ["reports.read"], "audiences": ["https://reports.example/api"],
    });
    let created = server
        .api(Method::POST, &base, Some(&token), Some(body))
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = text(&created.json, "client_id");
    let secret = text(&created.json, "client_secret");
    assert_eq!(created.json["first_party"], false);
    assert_eq!(created.json["org_id"], org.id.as_str());
    let (status, issued) = service_token(&server, &id, &secret, "reports.read").await?;
    assert_eq!(status, StatusCode::OK, "{issued}");

    let listed = server.api(Method::GET, &base, Some(&token), None).await?;
    assert_eq!(listed.json["clients"][0]["client_id"], id.as_str());
    assert!(
        !listed.text.contains(&secret),
        "a listing never shows the secret"
    );

    let rotated = server
        .api(
            Method::POST,
            &format!("{base}/{id}/secret"),
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new_secret = text(&rotated.json, "client_secret");
    let (status, _) = service_token(&server, &id, &secret, "reports.read").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old secret is dead");
    let (status, _) = service_token(&server, &id, &new_secret, "reports.read").await?;
    assert_eq!(status, StatusCode::OK);

    let deleted = server
        .api(Method::DELETE, &format!("{base}/{id}"), Some(&token), None)
        .await?;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let (status, _) = service_token(&server, &id, &new_secret, "reports.read").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a deleted client is gone");
    let again = server
        .api(Method::DELETE, &format!("{base}/{id}"), Some(&token), None)
        .await?;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    let query = audit::AuditQuery::default();
    let entries = audit::list(&server.state.db, &org.id, &query, 50).await?;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for action in ["client.created", "client.secret_rotated", "client.deleted"] {
        let entry = entries
            .iter()
            .find(|e| e.action == action)
            .ok_or_else(|| anyhow::anyhow!("no {action} in {actions:?}"))?;
        assert_eq!(entry.actor.as_deref(), Some(owner.as_str()), "{action}");
        assert_eq!(entry.target.as_deref(), Some(id.as_str()), "{action}");
    }
    let report = audit::verify_chain(&server.state.db, &org.id).await?;
    assert!(report.broken.is_none());
    Ok(())
}

#[tokio::test]
async fn a_bad_registration_is_refused_and_stores_nothing() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@a.example", PASSWORD).await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}/clients", org.id);
    for body in [
        // Skipping consent for everyone is the operator's decision, not an organisation's.
        json!({"name": "x", "first_party": true, "redirect_uris": ["https://a.example/cb"]}),
        json!({"name": "x", "redirect_uris": ["http://a.example/cb"]}),
        json!({"name": "x", "grant_types": ["password"]}),
        json!({"name": "x", "grant_types": ["client_credentials"], "allowed_scopes": ["openid"]}),
        json!({"name": "x", "grant_types": ["client_credentials"], "id_token_alg": "none"}),
        json!({"name": "", "grant_types": ["client_credentials"]}),
        json!({"name": "x", "public": true, "grant_types": ["client_credentials"]}),
        json!("not an object"),
    ] {
        let reply = server
            .api(Method::POST, &base, Some(&token), Some(body.clone()))
            .await?;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert_eq!(reply.json["error"], "invalid_request");
    }
    assert!(
        poort_store::clients::list_for_org(&server.state.db, &org.id)
            .await?
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn only_platform_administrators_create_organisations() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let admin = server
        .create_user("admin@platform.example", PASSWORD)
        .await?;
    let someone = server.create_user("someone@a.example", PASSWORD).await?;
    let now = server.now();
    let grant = AuditEntry::new("platform_admin.granted").into_new(now);
    platform_admins::grant(&server.state.db, &admin, now, grant).await?;

    let body = json!({"name": "Acme", "owner": "someone@a.example"});
    let refused = server
        .api(
            Method::POST,
            "/api/v1/orgs",
            Some(&server.access_token_for(&someone, ALL_SCOPES)?),
            Some(body.clone()),
        )
        .await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(poort_store::orgs::list(&server.state.db).await?.is_empty());

    let admin_token = server.access_token_for(&admin, ALL_SCOPES)?;
    let created = server
        .api(
            Method::POST,
            "/api/v1/orgs",
            Some(&admin_token),
            Some(body.clone()),
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["owner"], someone.as_str());
    let taken = server
        .api(Method::POST, "/api/v1/orgs", Some(&admin_token), Some(body))
        .await?;
    assert_eq!(taken.status, StatusCode::CONFLICT);

    // The new owner sees it among their organisations; the administrator sees every one.
    let theirs = server
        .api(
            Method::GET,
            "/api/v1/orgs",
            Some(&server.access_token_for(&someone, ALL_SCOPES)?),
            None,
        )
        .await?;
    assert_eq!(theirs.json["organisations"][0]["name"], "Acme");
    let all = server
        .api(Method::GET, "/api/v1/orgs", Some(&admin_token), None)
        .await?;
    assert_eq!(all.json["organisations"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn every_documented_operation_is_served_and_asks_for_a_token() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let document = server
        .api(Method::GET, "/api/openapi.json", None, None)
        .await?;
    let paths = document.json["paths"]
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("no paths"))?;
    let mut operations = 0;
    for (path, methods) in paths {
        let concrete = path
            .replace("{org}", "o")
            .replace("{user}", "u")
            .replace("{name}", "n")
            .replace("{id}", "i")
            .replace("{client}", "c");
        for method in methods
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let method = Method::from_bytes(method.to_uppercase().as_bytes())?;
            let reply = server.api(method.clone(), &concrete, None, None).await?;
            assert_eq!(
                reply.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} is documented but not served as such"
            );
            operations += 1;
        }
    }
    assert_eq!(
        operations,
        poort_server::http::api::openapi::OPERATIONS.len()
    );
    Ok(())
}

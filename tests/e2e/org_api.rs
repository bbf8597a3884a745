//! The admin REST API: authentication and scopes, the owner's happy path with audit entries,
//! filters, pages and exports (the IDOR and permission suites are in `org_api_access`).

use poort_store::{audit, orgs};
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "a long and unguessable passphrase";

pub(crate) async fn user(server: &TestServer, email: &str) -> anyhow::Result<String> {
    server.create_user(email, PASSWORD).await
}

/// Everything of an organisation an API call could change.
pub(crate) async fn snapshot(server: &TestServer, org_id: &str) -> anyhow::Result<Value> {
    let db = &server.state.db;
    let members: Vec<Value> = orgs::members(db, org_id)
        .await?
        .into_iter()
        .map(|(m, u)| json!([u.email, m.roles]))
        .collect();
    let roles: Vec<Value> = orgs::roles(db, org_id)
        .await?
        .into_iter()
        .map(|r| json!([r.name, r.permissions]))
        .collect();
    let settings = orgs::find(db, org_id).await?.map(|o| o.settings);
    let entries = audit::verify_chain(db, org_id).await?.entries;
    let tokens: Vec<Value> = poort_store::api_tokens::list_for_org(db, org_id)
        .await?
        .into_iter()
        .map(|t| json!([t.id, t.revoked_at]))
        .collect();
    let clients: Vec<Value> = poort_store::clients::list_for_org(db, org_id)
        .await?
        .into_iter()
        .map(|c| json!([c.id, c.secret_digest]))
        .collect();
    Ok(
        json!({"members": members, "roles": roles, "settings": settings, "audit": entries,
              "tokens": tokens, "clients": clients}),
    )
}

#[tokio::test]
async fn tokens_and_scopes_are_checked_first() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = user(&server, "owner@a.example").await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let path = format!("/api/v1/orgs/{}/members", org.id);

    let none = server.api(Method::GET, &path, None, None).await?;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert!(
        none.challenge
            .as_deref()
            .unwrap_or_default()
            .starts_with("Bearer")
    );

    let forged = server
        .api(Method::GET, &path, Some("not.a.jwt"), None)
        .await?;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    assert_eq!(forged.json["error"], "invalid_token");
    assert!(
        forged
            .challenge
            .unwrap_or_default()
            .contains("invalid_token")
    );

    let read_only = server.access_token_for(&owner, "admin:read")?;
    let ok = server
        .api(Method::GET, &path, Some(&read_only), None)
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let write = server
        .api(
            Method::POST,
            &path,
            Some(&read_only),
            Some(json!({"email": "owner@a.example"})),
        )
        .await?;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    assert_eq!(write.json["error"], "insufficient_scope");
    assert!(write.challenge.unwrap_or_default().contains("admin:write"));
    let audit = server
        .api(
            Method::GET,
            &format!("/api/v1/orgs/{}/audit", org.id),
            Some(&read_only),
            None,
        )
        .await?;
    assert_eq!(audit.json["error"], "insufficient_scope");

    let bad_body = server
        .api(
            Method::POST,
            &path,
            Some(&server.access_token_for(&owner, ALL_SCOPES)?),
            Some(json!({"mail": "x"})),
        )
        .await?;
    assert_eq!(bad_body.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_body.json["error"], "invalid_request");

    let openapi = server
        .api(Method::GET, "/api/openapi.json", None, None)
        .await?;
    assert_eq!(openapi.status, StatusCode::OK);
    assert_eq!(openapi.json["openapi"], "3.1.0");
    assert!(openapi.json["paths"]["/api/v1/orgs/{org}/members/{user}"]["put"].is_object());
    Ok(())
}

#[tokio::test]
async fn owners_manage_members_roles_and_settings_and_it_is_all_audited() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = user(&server, "owner@a.example").await?;
    let bob = user(&server, "bob@a.example").await?;
    user(&server, "eve@elsewhere.example").await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}", org.id);
    let call = |method: Method, path: String, body: Option<Value>| {
        let token = token.clone();
        let server = &server;
        async move { server.api(method, &path, Some(&token), body).await }
    };

    let shown = call(Method::GET, base.clone(), None).await?;
    assert_eq!(shown.json["name"], "A");
    assert_eq!(shown.json["your_roles"], json!(["owner"]));

    // An owner invites; adding an existing account without asking them is the platform's.
    for email in ["Bob@A.example", "nobody@a.example"] {
        let direct = call(
            Method::POST,
            format!("{base}/members"),
            Some(json!({"email": email, "roles": ["auditor"]})),
        )
        .await?;
        assert_eq!(
            (direct.status, direct.json["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("invitation_required")),
            "the same answer whether {email} has an account or not"
        );
    }
    let admin = user(&server, "admin@platform.example").await?;
    server.make_platform_admin(&admin).await?;
    let admin_token = server.access_token_for(&admin, ALL_SCOPES)?;
    let as_platform = |body: Value| {
        let token = admin_token.clone();
        let server = &server;
        let path = format!("{base}/members");
        async move {
            server
                .api(Method::POST, &path, Some(&token), Some(body))
                .await
        }
    };
    let added = as_platform(json!({"email": "Bob@A.example", "roles": ["auditor"]})).await?;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.json["user_id"], bob.as_str());
    let again = as_platform(json!({"email": "bob@a.example"})).await?;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let role = call(
        Method::POST,
        format!("{base}/roles"),
        Some(json!({"name": "token-keeper", "permissions": ["tokens.read", "tokens.revoke"]})),
    )
    .await?;
    assert_eq!(role.status, StatusCode::CREATED, "{}", role.text);
    let unknown = call(
        Method::POST,
        format!("{base}/roles"),
        Some(json!({"name": "x", "permissions": ["tokens.mint"]})),
    )
    .await?;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let changed = call(
        Method::PUT,
        format!("{base}/members/{bob}"),
        Some(json!({"roles": ["token-keeper", "admin"]})),
    )
    .await?;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let listed = call(Method::GET, format!("{base}/roles"), None).await?;
    let names: Vec<&str> = listed.json["roles"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["owner", "admin", "member", "auditor", "token-keeper"]
    );

    // The last owner stays.
    let demote = call(
        Method::PUT,
        format!("{base}/members/{owner}"),
        Some(json!({"roles": ["admin"]})),
    )
    .await?;
    assert_eq!(
        (demote.status, demote.json["error"].as_str()),
        (StatusCode::CONFLICT, Some("last_owner"))
    );
    let leave = call(Method::DELETE, format!("{base}/members/{owner}"), None).await?;
    assert_eq!(leave.status, StatusCode::CONFLICT);

    // Settings: validated, and the email-domain allowlist applies to new members.
    let bad = call(
        Method::PUT,
        format!("{base}/settings"),
        Some(json!({"ip_allowlist": ["10.0.0.0/33"]})),
    )
    .await?;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let put = call(
        Method::PUT,
        format!("{base}/settings"),
        Some(json!({"email_domains": ["*.A.example", "a.example"], "max_token_lifetime_days": 30})),
    )
    .await?;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    assert_eq!(
        put.json["email_domains"],
        json!(["*.a.example", "a.example"])
    );
    let outsider = as_platform(json!({"email": "eve@elsewhere.example"})).await?;
    assert_eq!(
        (outsider.status, outsider.json["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("email_domain_not_allowed"))
    );

    let deleted = call(Method::DELETE, format!("{base}/roles/token-keeper"), None).await?;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let removed = call(Method::DELETE, format!("{base}/members/{bob}"), None).await?;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);

    // The audit log has every change, by the owner, newest first, with filters and pages.
    let log = call(Method::GET, format!("{base}/audit"), None).await?;
    let actions: Vec<&str> = log.json["entries"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        actions,
        [
            "member.removed",
            "role.deleted",
            "settings.changed",
            "member.roles_changed",
            "role.created",
            "member.added",
            "member.added",
            "org.created"
        ]
    );
    assert_eq!(log.json["entries"][0]["actor"], owner.as_str());
    assert_eq!(log.json["entries"][0]["ip"], "127.0.0.1");
    let filtered = call(
        Method::GET,
        format!("{base}/audit?action=member.added&actor={admin}"),
        None,
    )
    .await?;
    assert_eq!(filtered.json["entries"].as_array().map(Vec::len), Some(1));
    let page = call(Method::GET, format!("{base}/audit?limit=3"), None).await?;
    let next = page.json["next"].as_i64().unwrap_or_default();
    let rest = call(
        Method::GET,
        format!("{base}/audit?limit=3&before={next}"),
        None,
    )
    .await?;
    assert_eq!(rest.json["entries"][0]["action"], "member.roles_changed");
    let future = call(
        Method::GET,
        format!("{base}/audit?from={}", server.now() + 10),
        None,
    )
    .await?;
    assert_eq!(future.json["entries"], json!([]));

    let csv = call(Method::GET, format!("{base}/audit?format=csv"), None).await?;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 9, "{}", csv.text);
    assert!(lines[0].starts_with("id,seq,at,org_id,actor"));
    let jsonl = call(
        Method::GET,
        format!("{base}/audit?format=jsonl&action=role.created"),
        None,
    )
    .await?;
    let rows: Vec<Value> = jsonl
        .text
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["details"]["permissions"],
        json!(["tokens.read", "tokens.revoke"])
    );
    assert_eq!(
        audit::verify_chain(&server.state.db, &org.id).await?.broken,
        None
    );
    Ok(())
}

#[tokio::test]
async fn admins_cannot_hand_out_more_than_they_hold() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    user(&server, "owner@a.example").await?;
    let admin = user(&server, "admin@a.example").await?;
    let bob = user(&server, "bob@a.example").await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    server
        .add_member(&org, "admin@a.example", &["admin"])
        .await?;
    server
        .add_member(&org, "bob@a.example", &["member"])
        .await?;
    let token = server.access_token_for(&admin, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}", org.id);
    let before = snapshot(&server, &org.id).await?;

    for (method, path, body) in [
        (
            Method::PUT,
            format!("{base}/members/{bob}"),
            json!({"roles": ["owner"]}),
        ),
        (
            Method::POST,
            format!("{base}/roles"),
            json!({"name": "escalate", "permissions": ["security.write"]}),
        ),
        (
            Method::PUT,
            format!("{base}/settings"),
            json!({"require_2fa": true}),
        ),
    ] {
        let reply = server.api(method, &path, Some(&token), Some(body)).await?;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.text
        );
    }
    assert_eq!(snapshot(&server, &org.id).await?, before);
    let ok = server
        .api(
            Method::PUT,
            &format!("{base}/members/{bob}"),
            Some(&token),
            Some(json!({"roles": ["auditor"]})),
        )
        .await?;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    Ok(())
}

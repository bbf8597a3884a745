//! Delegated admin escalation (Keycloak CVE-2026-3121): an organisation admin, or a member with a
//! custom role that may manage members and roles, cannot make themselves (or anyone) owner,
//! cannot hand out or define a role with a permission they do not hold, not through the API,
//! the invitations or the pages; and an API token cannot mint a token with more scopes, or for
//! more organisations, than it has itself. (`org_api` holds an admin granting owner to someone
//! else and defining a role with `security.write`.)

use poort_tests::api_tokens::call;
use poort_tests::browser::hidden_field;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::start_server;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{api_token, roles_in, signed_in, text};
use crate::org_api::{snapshot, user};

#[tokio::test]
async fn delegated_admin_escalation_keycloak_cve_2026_3121_admins_and_managers_stay_below_owner()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = user(&server, "owner@a.example").await?;
    let admin = user(&server, "admin@a.example").await?;
    let manager = user(&server, "manager@a.example").await?;
    let bob = user(&server, "bob@a.example").await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let base = format!("/api/v1/orgs/{}", org.id);
    let owner_token = server.access_token_for(&owner, ALL_SCOPES)?;
    for (name, permissions) in [
        (
            "manager",
            json!(["members.read", "members.write", "roles.write"]),
        ),
        (
            "everything",
            json!([
                "members.read",
                "members.write",
                "roles.write",
                "security.write",
                "audit.read",
                "tokens.read",
                "tokens.revoke",
                "clients.write"
            ]),
        ),
    ] {
        let reply = server
            .api(
                Method::POST,
                &format!("{base}/roles"),
                Some(&owner_token),
                Some(json!({"name": name, "permissions": permissions})),
            )
            .await?;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    server
        .add_member(&org, "admin@a.example", &["admin"])
        .await?;
    server
        .add_member(&org, "manager@a.example", &["manager"])
        .await?;
    server
        .add_member(&org, "bob@a.example", &["member"])
        .await?;
    let before = snapshot(&server, &org.id).await?;

    let admin_token = server.access_token_for(&admin, ALL_SCOPES)?;
    let manager_token = server.access_token_for(&manager, ALL_SCOPES)?;
    let attempts = [
        (
            &admin_token,
            Method::PUT,
            format!("{base}/members/{admin}"),
            json!({"roles": ["owner"]}),
        ),
        (
            &admin_token,
            Method::PUT,
            format!("{base}/members/{admin}"),
            json!({"roles": ["admin", "owner"]}),
        ),
        (
            &admin_token,
            Method::PUT,
            format!("{base}/members/{admin}"),
            json!({"roles": ["everything"]}),
        ),
        (
            &admin_token,
            Method::POST,
            format!("{base}/invitations"),
            json!({"email": "new@a.example", "roles": ["owner"]}),
        ),
        (
            &admin_token,
            Method::DELETE,
            format!("{base}/members/{owner}"),
            json!(null),
        ),
        (
            &admin_token,
            Method::PUT,
            format!("{base}/members/{owner}"),
            json!({"roles": ["member"]}),
        ),
        (
            &manager_token,
            Method::POST,
            format!("{base}/roles"),
            json!({"name": "more", "permissions": ["tokens.revoke"]}),
        ),
        (
            &manager_token,
            Method::PUT,
            format!("{base}/members/{manager}"),
            json!({"roles": ["admin"]}),
        ),
        (
            &manager_token,
            Method::PUT,
            format!("{base}/members/{manager}"),
            json!({"roles": ["manager", "everything"]}),
        ),
        (
            &manager_token,
            Method::PUT,
            format!("{base}/members/{bob}"),
            json!({"roles": ["admin"]}),
        ),
        (
            &manager_token,
            Method::PUT,
            format!("{base}/members/{admin}"),
            json!({"roles": ["member"]}),
        ),
        (
            &manager_token,
            Method::POST,
            format!("{base}/invitations"),
            json!({"email": "new@a.example", "roles": ["everything"]}),
        ),
        (
            &manager_token,
            Method::POST,
            format!("{base}/members"),
            json!({"email": "owner@a.example", "roles": ["owner"]}),
        ),
    ];
    for (token, method, path, body) in attempts {
        let body = (!body.is_null()).then_some(body.clone());
        let reply = server.api(method.clone(), &path, Some(token), body).await?;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            reply.text
        );
    }
    assert_eq!(snapshot(&server, &org.id).await?, before, "nothing changed");

    // The pages refuse the same.
    let browser = signed_in(&server, "admin@a.example").await?;
    let page = browser
        .get(&format!("/admin/orgs/{}", org.id))
        .await?
        .text()
        .await?;
    let csrf = hidden_field(&page, "csrf")?;
    let pages = format!("/admin/orgs/{}", org.id);
    for (path, fields) in [
        (
            format!("{pages}/members/{admin}/roles"),
            vec![("roles", "owner")],
        ),
        (
            format!("{pages}/members/{admin}/roles"),
            vec![("roles", "admin, everything")],
        ),
        (
            format!("{pages}/members/{bob}/roles"),
            vec![("roles", "owner")],
        ),
        (
            format!("{pages}/roles"),
            vec![("name", "up"), ("permissions", "security.write")],
        ),
        (
            format!("{pages}/invitations"),
            vec![("email", "new@a.example"), ("roles", "owner")],
        ),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let status = browser.post_form(&path, &form).await?.status();
        assert_eq!(status, StatusCode::FORBIDDEN, "POST {path}");
    }
    assert_eq!(snapshot(&server, &org.id).await?, before, "nothing changed");

    // What they hold, they may hand out: the refusals were about rights.
    let helper = server
        .api(
            Method::POST,
            &format!("{base}/roles"),
            Some(&manager_token),
            Some(json!({"name": "helper", "permissions": ["members.read"]})),
        )
        .await?;
    assert_eq!(helper.status, StatusCode::CREATED, "{}", helper.text);
    let given = server
        .api(
            Method::PUT,
            &format!("{base}/members/{bob}"),
            Some(&manager_token),
            Some(json!({"roles": ["helper"]})),
        )
        .await?;
    assert_eq!(given.status, StatusCode::OK, "{}", given.text);
    assert_eq!(
        roles_in(&server, &org.id, &admin).await?,
        Some(vec!["admin".to_owned()])
    );
    Ok(())
}

#[tokio::test]
async fn delegated_admin_escalation_keycloak_cve_2026_3121_tokens_mint_nothing_stronger()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    user(&server, "owner@a.example").await?;
    user(&server, "owner@b.example").await?;
    let bob = user(&server, "bob@both.example").await?;
    let a = server.create_org("A", Some("owner@a.example")).await?;
    let b = server.create_org("B", Some("owner@b.example")).await?;
    for org in [&a, &b] {
        server
            .add_member(org, "bob@both.example", &["admin"])
            .await?;
    }
    let reach = |token: String, org_id: String| {
        let server = &server;
        async move {
            let path = format!("/api/v1/orgs/{org_id}/members");
            anyhow::Ok(
                call(server, Method::GET, &path, Some(&token), None)
                    .await?
                    .status,
            )
        }
    };
    let mint_with = |token: String, body: serde_json::Value| {
        let server = &server;
        async move {
            call(
                server,
                Method::POST,
                "/api/v1/tokens",
                Some(&token),
                Some(body),
            )
            .await
        }
    };

    // A token bound to A, which may mint tokens.
    let (_, bound) = api_token(&server, &bob, Some(&a.id), &["tokens:write", "admin:read"]).await?;
    assert_eq!(reach(bound.clone(), a.id.clone()).await?, StatusCode::OK);
    assert_eq!(
        reach(bound.clone(), b.id.clone()).await?,
        StatusCode::NOT_FOUND
    );

    // Scopes it lacks: refused.
    let stronger = json!({"name": "x", "scopes": ["admin:write"], "expires_in_days": 1});
    let reply = mint_with(bound.clone(), stronger).await?;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
    // Naming another organisation: refused.
    let other_org = json!({"name": "x", "scopes": ["admin:read"], "expires_in_days": 1,
        "org_id": b.id});
    let reply = mint_with(bound.clone(), other_org).await?;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);

    // What it mints is bound as it is: it reaches A, and B no more than its parent does.
    let same = json!({"name": "child", "scopes": ["admin:read"], "expires_in_days": 1});
    let reply = mint_with(bound.clone(), same).await?;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let child = text(&reply.body, "token");
    assert_eq!(reach(child.clone(), a.id.clone()).await?, StatusCode::OK);
    assert_eq!(
        reach(child.clone(), b.id.clone()).await?,
        StatusCode::NOT_FOUND,
        "a token minted by a token bound to A reaches only A"
    );
    let stored = poort_store::api_tokens::list_for_user(&server.state.db, &bob).await?;
    let child_row = stored.iter().find(|t| t.name == "child");
    assert_eq!(child_row.and_then(|t| t.org_id.clone()), Some(a.id.clone()));

    // An unbound token mints unbound tokens, within its own scopes only.
    let (_, unbound) = api_token(&server, &bob, None, &["tokens:write"]).await?;
    let reply = mint_with(
        unbound,
        json!({"name": "y", "scopes": ["admin:read"], "expires_in_days": 1}),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
    Ok(())
}

/// A token reaches no wider than it is, in time and in organisations: one bound to A lists
/// and revokes only the owner's tokens bound to A (not the unbound ones that reach every
/// organisation, nor B's), and nothing it mints outlives it.
#[tokio::test]
async fn delegated_admin_escalation_keycloak_cve_2026_3121_a_bound_token_reaches_only_its_own()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    user(&server, "owner@a.example").await?;
    user(&server, "owner@b.example").await?;
    let bob = user(&server, "bob@both.example").await?;
    let a = server.create_org("A", Some("owner@a.example")).await?;
    let b = server.create_org("B", Some("owner@b.example")).await?;
    for org in [&a, &b] {
        server
            .add_member(org, "bob@both.example", &["admin"])
            .await?;
    }
    let write = ["tokens:read", "tokens:write", "admin:read"];
    let (unbound_id, unbound) = api_token(&server, &bob, None, &write).await?;
    let (b_id, _) = api_token(&server, &bob, Some(&b.id), &write).await?;
    let (sibling_id, _) = api_token(&server, &bob, Some(&a.id), &write).await?;
    let (a_id, bound) = api_token(&server, &bob, Some(&a.id), &write).await?;

    let listed = call(&server, Method::GET, "/api/v1/tokens", Some(&bound), None).await?;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let mut ids: Vec<String> = listed.body["tokens"]
        .as_array()
        .map(|t| t.iter().map(|t| text(t, "id")).collect())
        .unwrap_or_default();
    ids.sort();
    let mut expected = vec![a_id.clone(), sibling_id.clone()];
    expected.sort();
    assert_eq!(ids, expected, "only the tokens bound to A");
    let all = call(&server, Method::GET, "/api/v1/tokens", Some(&unbound), None).await?;
    assert_eq!(all.body["tokens"].as_array().map(Vec::len), Some(4));

    for other in [&unbound_id, &b_id] {
        let path = format!("/api/v1/tokens/{other}");
        let revoked = call(&server, Method::DELETE, &path, Some(&bound), None).await?;
        assert_eq!(revoked.status, StatusCode::NOT_FOUND, "{other}");
    }
    let me = call(&server, Method::GET, "/api/v1/tokens", Some(&unbound), None).await?;
    assert_eq!(me.status, StatusCode::OK, "the unbound token still works");
    let path = format!("/api/v1/tokens/{sibling_id}");
    let revoked = call(&server, Method::DELETE, &path, Some(&bound), None).await?;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);

    // The token lives two days: a child of three is refused, one of a day is not.
    let longer = json!({"name": "longer", "scopes": ["admin:read"], "expires_in_days": 3});
    let reply = call(
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(&bound),
        Some(longer),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{:?}", reply.body);
    assert!(
        text(&reply.body, "error_description").contains("outlive"),
        "{:?}",
        reply.body
    );
    let shorter = json!({"name": "shorter", "scopes": ["admin:read"], "expires_in_days": 1});
    let reply = call(
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(&bound),
        Some(shorter),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let stored = poort_store::api_tokens::list_for_user(&server.state.db, &bob).await?;
    assert!(!stored.iter().any(|t| t.name == "longer"));
    Ok(())
}

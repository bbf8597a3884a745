//! The id in the path against the id in the body (Zitadel CVE-2025-27507): every admin API route
//! that takes an id in its path acts on that id alone. A body naming another organisation,
//! user, role, client or token is refused (bodies are closed: unknown fields are an error) or
//! ignored (routes without a body); nothing of organisation B changes, and a user who is a
//! member of both keeps their B membership and B tokens whatever happens to them in A.

use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{api_token, roles_in, signed_in};
use crate::org_api::{snapshot, user};

/// Whether `token_id` is revoked.
async fn revoked(server: &TestServer, user_id: &str, token_id: &str) -> anyhow::Result<bool> {
    let tokens = poort_store::api_tokens::list_for_user(&server.state.db, user_id).await?;
    Ok(tokens
        .iter()
        .find(|t| t.id == token_id)
        .is_some_and(|t| t.revoked_at.is_some()))
}

/// The stored secret digest of `client_id`.
async fn client_secret(server: &TestServer, client_id: &str) -> anyhow::Result<Option<String>> {
    let client = poort_store::clients::find(&server.state.db, client_id).await?;
    Ok(client.and_then(|c| c.secret_digest))
}

#[tokio::test]
async fn path_vs_body_ids_zitadel_cve_2025_27507_bodies_naming_other_ids_change_nothing_else()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let a_owner = user(&server, "owner@a.example").await?;
    let b_owner = user(&server, "owner@b.example").await?;
    let carol = user(&server, "carol@both.example").await?;
    user(&server, "dave@a.example").await?;
    let a = server.create_org("A", Some("owner@a.example")).await?;
    let b = server.create_org("B", Some("owner@b.example")).await?;
    for org in [&a, &b] {
        server
            .add_member(org, "carol@both.example", &["member"])
            .await?;
    }
    let (carol_a, _) = api_token(&server, &carol, Some(&a.id), &["admin:read"]).await?;
    let (carol_b, _) = api_token(&server, &carol, Some(&b.id), &["admin:read"]).await?;
    let (a_client, _) = server.create_org_client(&a.id).await?;
    let (b_client, _) = server.create_org_client(&b.id).await?;
    let token = server.access_token_for(&a_owner, ALL_SCOPES)?;
    let b_token = server.access_token_for(&b_owner, ALL_SCOPES)?;
    for (org, token, role) in [(&a, &token, "a-role"), (&b, &b_token, "b-role")] {
        let created = server
            .api(
                Method::POST,
                &format!("/api/v1/orgs/{}/roles", org.id),
                Some(token),
                Some(json!({"name": role, "permissions": ["members.read"]})),
            )
            .await?;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    let b_before = snapshot(&server, &b.id).await?;
    let a_before = snapshot(&server, &a.id).await?;
    let base = format!("/api/v1/orgs/{}", a.id);
    let call = |method: Method, path: String, body: Option<Value>| {
        let (server, token) = (&server, token.clone());
        async move { server.api(method, &path, Some(&token), body).await }
    };

    // Bodies with an extra id: refused as a whole, A unchanged too.
    let b_id = b.id.as_str();
    let refused = [
        (
            Method::POST,
            format!("{base}/members"),
            json!({"email": "dave@a.example", "roles": ["member"], "org_id": b_id}),
        ),
        (
            Method::PUT,
            format!("{base}/members/{carol}"),
            json!({"roles": ["auditor"], "org_id": b_id}),
        ),
        (
            Method::PUT,
            format!("{base}/members/{carol}"),
            json!({"roles": ["auditor"], "user_id": b_owner}),
        ),
        (
            Method::POST,
            format!("{base}/roles"),
            json!({"name": "x", "permissions": ["members.read"], "org": b_id}),
        ),
        (
            Method::PUT,
            format!("{base}/settings"),
            json!({"require_2fa": true, "org_id": b_id}),
        ),
        (
            Method::POST,
            format!("{base}/invitations"),
            json!({"email": "dave@a.example", "organisation": b_id}),
        ),
        (
            Method::POST,
            format!("{base}/clients"),
            json!({"name": "x", "grant_types": ["client_credentials"],
                   "allowed_scopes": ["r"], "org_id": b_id}),
        ),
    ];
    for (method, path, body) in refused {
        let reply = call(method.clone(), path.clone(), Some(body)).await?;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{method} {path}: {}",
            reply.text
        );
        assert_eq!(reply.json["error"], "invalid_request");
    }
    assert_eq!(snapshot(&server, &a.id).await?, a_before, "A is unchanged");

    // Routes that act on the path alone: the body is not read, only A's object changes.
    let b_digest = client_secret(&server, &b_client).await?;
    let ignored = [
        (
            Method::POST,
            format!("{base}/clients/{a_client}/secret"),
            json!({"client_id": b_client, "org_id": b_id}),
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            format!("{base}/tokens/{carol_a}"),
            json!({"id": carol_b, "org_id": b_id}),
            StatusCode::OK,
        ),
        (
            Method::PUT,
            format!("{base}/members/{carol}"),
            json!({"roles": ["auditor"]}),
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            format!("{base}/roles/a-role"),
            json!({"name": "b-role"}),
            StatusCode::NO_CONTENT,
        ),
        (
            Method::DELETE,
            format!("{base}/members/{carol}"),
            json!({"user_id": b_owner, "org_id": b_id}),
            StatusCode::NO_CONTENT,
        ),
    ];
    for (method, path, body, expected) in ignored {
        let reply = call(method.clone(), path.clone(), Some(body)).await?;
        assert_eq!(reply.status, expected, "{method} {path}: {}", reply.text);
    }
    assert_eq!(
        client_secret(&server, &b_client).await?,
        b_digest,
        "B's client kept its secret"
    );
    assert!(
        revoked(&server, &carol, &carol_a).await?,
        "A's token of carol is revoked"
    );
    assert!(
        !revoked(&server, &carol, &carol_b).await?,
        "her B token is not"
    );
    assert_eq!(
        roles_in(&server, &a.id, &carol).await?,
        None,
        "carol left A"
    );
    assert_eq!(
        roles_in(&server, &b.id, &carol).await?,
        Some(vec!["member".to_owned()])
    );

    // A path naming B's owner in A: not A's member, nothing happens.
    let reply = call(
        Method::PUT,
        format!("{base}/members/{b_owner}"),
        Some(json!({"roles": ["member"]})),
    )
    .await?;
    assert!(reply.status.is_client_error(), "{}", reply.text);
    assert_eq!(snapshot(&server, &b.id).await?, b_before, "B is unchanged");
    Ok(())
}

/// The admin pages: a form naming another organisation or user changes the path's member only.
#[tokio::test]
async fn path_vs_body_ids_zitadel_cve_2025_27507_page_forms_naming_other_ids() -> anyhow::Result<()>
{
    let server = start_server(|_| {}).await?;
    user(&server, "owner@a.example").await?;
    let b_owner = user(&server, "owner@b.example").await?;
    let carol = user(&server, "carol@both.example").await?;
    let a = server.create_org("A", Some("owner@a.example")).await?;
    let b = server.create_org("B", Some("owner@b.example")).await?;
    for org in [&a, &b] {
        server
            .add_member(org, "carol@both.example", &["member"])
            .await?;
    }
    let b_before = snapshot(&server, &b.id).await?;
    let browser = signed_in(&server, "owner@a.example").await?;
    let page = browser
        .get(&format!("/admin/orgs/{}", a.id))
        .await?
        .text()
        .await?;
    let csrf = poort_tests::browser::hidden_field(&page, "csrf")?;
    let response = browser
        .post_form(
            &format!("/admin/orgs/{}/members/{carol}/roles", a.id),
            &[
                ("csrf", csrf.as_str()),
                ("roles", "auditor"),
                ("org", b.id.as_str()),
                ("org_id", b.id.as_str()),
                ("user", b_owner.as_str()),
                ("user_id", b_owner.as_str()),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        roles_in(&server, &a.id, &carol).await?,
        Some(vec!["auditor".to_owned()])
    );
    assert_eq!(
        roles_in(&server, &b.id, &carol).await?,
        Some(vec!["member".to_owned()])
    );
    assert_eq!(
        roles_in(&server, &b.id, &b_owner).await?,
        Some(vec!["owner".to_owned()])
    );
    assert_eq!(snapshot(&server, &b.id).await?, b_before, "B is unchanged");
    Ok(())
}

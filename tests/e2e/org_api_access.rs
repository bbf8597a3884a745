//! The admin API's authorisation on every object: the IDOR suite (a member of org A, whatever
//! the role, gets 404 for everything of org B and changes nothing) and the permission suite
//! (each permission missing: 403 and nothing changed), over every endpoint.

use poort_server::flows::orgs::manage::{self, Authority};
use poort_server::flows::orgs::{Actor, Permission};
use poort_store::entities::organisations::Model as Org;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::org_api::{snapshot, user};

async fn custom_role(
    server: &TestServer,
    org: &Org,
    name: &str,
    perms: &[Permission],
) -> anyhow::Result<()> {
    let perms = perms.iter().map(|p| p.as_str().to_owned()).collect();
    manage::create_role(
        &server.state.db,
        server.now(),
        &Actor::operator(),
        &Authority::Operator,
        org,
        name,
        perms,
    )
    .await??;
    Ok(())
}

/// The id of an API token `user_id` minted for `org_id`.
async fn org_token(server: &TestServer, user_id: &str, org_id: &str) -> anyhow::Result<String> {
    let minted = poort_server::flows::api_tokens::mint(
        &server.state,
        poort_server::flows::api_tokens::MintRequest {
            user_id: user_id.to_owned(),
            org_id: Some(org_id.to_owned()),
            name: "ci".into(),
            scopes: vec!["admin:read".into()],
            expires_in_secs: 86_400,
            amr: vec!["pwd".into()],
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(minted.token.id)
}

/// One call of every endpoint against `org_id`, with bodies that would change something.
fn every_endpoint(
    org_id: &str,
    member_id: &str,
    role: &str,
    new_email: &str,
    token_id: &str,
    client_id: &str,
) -> Vec<(Method, String, Option<Value>, Permission)> {
    let base = format!("/api/v1/orgs/{org_id}");
    vec![
        (
            Method::GET,
            format!("{base}/members"),
            None,
            Permission::MembersRead,
        ),
        (
            Method::POST,
            format!("{base}/members"),
            Some(json!({"email": new_email, "roles": ["member"]})),
            Permission::MembersWrite,
        ),
        (
            Method::PUT,
            format!("{base}/members/{member_id}"),
            Some(json!({"roles": ["auditor"]})),
            Permission::MembersWrite,
        ),
        (
            Method::DELETE,
            format!("{base}/members/{member_id}"),
            None,
            Permission::MembersWrite,
        ),
        (
            Method::GET,
            format!("{base}/roles"),
            None,
            Permission::MembersRead,
        ),
        (
            Method::POST,
            format!("{base}/roles"),
            Some(json!({"name": "sneaky", "permissions": ["members.read"]})),
            Permission::RolesWrite,
        ),
        (
            Method::DELETE,
            format!("{base}/roles/{role}"),
            None,
            Permission::RolesWrite,
        ),
        (
            Method::GET,
            format!("{base}/settings"),
            None,
            Permission::MembersRead,
        ),
        (
            Method::PUT,
            format!("{base}/settings"),
            Some(json!({"require_2fa": true, "ip_allowlist": ["192.0.2.0/24"]})),
            Permission::SecurityWrite,
        ),
        (
            Method::POST,
            format!("{base}/invitations"),
            Some(json!({"email": new_email})),
            Permission::MembersWrite,
        ),
        (
            Method::GET,
            format!("{base}/audit"),
            None,
            Permission::AuditRead,
        ),
        (
            Method::GET,
            format!("{base}/audit?format=csv"),
            None,
            Permission::AuditRead,
        ),
        (
            Method::GET,
            format!("{base}/audit?format=jsonl"),
            None,
            Permission::AuditRead,
        ),
        (
            Method::GET,
            format!("{base}/tokens"),
            None,
            Permission::TokensRead,
        ),
        (
            Method::DELETE,
            format!("{base}/tokens/{token_id}"),
            None,
            Permission::TokensRevoke,
        ),
        (
            Method::GET,
            format!("{base}/clients"),
            None,
            Permission::ClientsWrite,
        ),
        (
            Method::POST,
            format!("{base}/clients"),
            Some(json!({"name": "sneaky", "grant_types": ["client_credentials"]})),
            Permission::ClientsWrite,
        ),
        (
            Method::POST,
            format!("{base}/clients/{client_id}/secret"),
            None,
            Permission::ClientsWrite,
        ),
        (
            Method::DELETE,
            format!("{base}/clients/{client_id}"),
            None,
            Permission::ClientsWrite,
        ),
    ]
}

#[tokio::test]
async fn members_of_one_organisation_reach_nothing_of_another() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    user(&server, "owner@a.example").await?;
    let org_a = server.create_org("A", Some("owner@a.example")).await?;
    custom_role(&server, &org_a, "everything", &Permission::ALL).await?;
    let mut attackers = vec![];
    for role in ["owner", "admin", "member", "auditor", "everything"] {
        let email = format!("{role}-member@a.example");
        let id = user(&server, &email).await?;
        server.add_member(&org_a, &email, &[role]).await?;
        attackers.push((role, id));
    }
    user(&server, "owner@b.example").await?;
    let b_member = user(&server, "member@b.example").await?;
    user(&server, "newbie@b.example").await?;
    let org_b = server.create_org("B", Some("owner@b.example")).await?;
    server
        .add_member(&org_b, "member@b.example", &["member"])
        .await?;
    custom_role(&server, &org_b, "b-role", &[Permission::MembersRead]).await?;
    let b_token = org_token(&server, &b_member, &org_b.id).await?;
    let (b_client, _) = server.create_org_client(&org_b.id).await?;
    server
        .set_org(&org_b.id, &["ip_allowlist=10.0.0.0/8"])
        .await?;
    let before = snapshot(&server, &org_b.id).await?;

    for (role, attacker) in &attackers {
        let token = server.access_token_for(attacker, ALL_SCOPES)?;
        let show = server
            .api(
                Method::GET,
                &format!("/api/v1/orgs/{}", org_b.id),
                Some(&token),
                None,
            )
            .await?;
        assert_eq!(show.status, StatusCode::NOT_FOUND, "{role}");
        for (method, path, body, _) in every_endpoint(
            &org_b.id,
            &b_member,
            "b-role",
            "newbie@b.example",
            &b_token,
            &b_client,
        ) {
            let reply = server
                .api(method.clone(), &path, Some(&token), body)
                .await?;
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{role} {method} {path}: {}",
                reply.text
            );
            assert_eq!(reply.json["error"], "not_found");
        }
        // B's objects through A's URLs are not found either.
        let a = format!("/api/v1/orgs/{}", org_a.id);
        for (method, path, body) in [
            (
                Method::PUT,
                format!("{a}/members/{b_member}"),
                Some(json!({"roles": ["member"]})),
            ),
            (Method::DELETE, format!("{a}/members/{b_member}"), None),
            (Method::DELETE, format!("{a}/roles/b-role"), None),
            (Method::DELETE, format!("{a}/tokens/{b_token}"), None),
            (Method::DELETE, format!("{a}/clients/{b_client}"), None),
            (Method::POST, format!("{a}/clients/{b_client}/secret"), None),
        ] {
            let reply = server
                .api(method.clone(), &path, Some(&token), body)
                .await?;
            let status = reply.status;
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
                "{role} {method} {path}: {status}"
            );
        }
    }
    // Unknown organisations look the same as other people's.
    let (_, owner) = &attackers[0];
    let token = server.access_token_for(owner, ALL_SCOPES)?;
    let missing = server
        .api(
            Method::GET,
            "/api/v1/orgs/no-such-org/members",
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        snapshot(&server, &org_b.id).await?,
        before,
        "org B is unchanged"
    );
    Ok(())
}

#[tokio::test]
async fn every_missing_permission_is_a_403_that_changes_nothing() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    user(&server, "owner@a.example").await?;
    let target = user(&server, "target@a.example").await?;
    user(&server, "newbie@a.example").await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    server
        .add_member(&org, "target@a.example", &["member"])
        .await?;
    custom_role(&server, &org, "spare", &[Permission::MembersRead]).await?;
    let target_token = org_token(&server, &target, &org.id).await?;
    let (client, _) = server.create_org_client(&org.id).await?;

    for missing in Permission::ALL {
        let role = format!("all-but-{}", missing.as_str().replace('.', "-"));
        let perms: Vec<Permission> = Permission::ALL
            .into_iter()
            .filter(|p| *p != missing)
            .collect();
        custom_role(&server, &org, &role, &perms).await?;
        let email = format!("{role}@a.example");
        let caller = user(&server, &email).await?;
        server.add_member(&org, &email, &[&role]).await?;
        let token = server.access_token_for(&caller, ALL_SCOPES)?;
        let before = snapshot(&server, &org.id).await?;
        for (method, path, body, needs) in every_endpoint(
            &org.id,
            &target,
            "spare",
            "newbie@a.example",
            &target_token,
            &client,
        ) {
            if needs != missing {
                continue;
            }
            let reply = server
                .api(method.clone(), &path, Some(&token), body)
                .await?;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{missing} {method} {path}: {}",
                reply.text
            );
            assert_eq!(reply.json["error"], "forbidden");
        }
        assert_eq!(snapshot(&server, &org.id).await?, before, "{missing}");
    }

    // The built-in roles, as the permission matrix says.
    for (role, path, expected) in [
        ("member", "members", StatusCode::FORBIDDEN),
        ("member", "audit", StatusCode::FORBIDDEN),
        ("auditor", "members", StatusCode::OK),
        ("auditor", "audit", StatusCode::OK),
        ("admin", "audit", StatusCode::OK),
    ] {
        let email = format!("builtin-{role}-{path}@a.example");
        let caller = user(&server, &email).await?;
        server.add_member(&org, &email, &[role]).await?;
        let token = server.access_token_for(&caller, ALL_SCOPES)?;
        let reply = server
            .api(
                Method::GET,
                &format!("/api/v1/orgs/{}/{path}", org.id),
                Some(&token),
                None,
            )
            .await?;
        assert_eq!(reply.status, expected, "{role} {path}");
    }
    Ok(())
}

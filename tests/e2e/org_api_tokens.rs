//! Personal API tokens on the admin API: limited to their scopes AND to their owner's current
//! permissions (a lost role is refused at once), bound to their organisation when minted for
//! one, and held to the organisations' IP allowlists.

use poort_server::flows::api_tokens::{self as flow, MintRequest};
use poort_server::flows::orgs::Actor;
use poort_server::flows::orgs::manage::{self, Authority};
use poort_tests::api_tokens::{ApiReply, call, mint_token};
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};

const PASSWORD: &str = "a long and unguessable passphrase";

async fn mint(
    server: &TestServer,
    user_id: &str,
    org_id: Option<&str>,
    scopes: &[&str],
) -> anyhow::Result<String> {
    mint_token(server, user_id, org_id, scopes, &["pwd"], 86_400).await
}

async fn members(server: &TestServer, org: &str, token: &str) -> anyhow::Result<ApiReply> {
    let path = format!("/api/v1/orgs/{org}/members");
    call(server, Method::GET, &path, Some(token), None).await
}

#[tokio::test]
async fn api_tokens_act_within_scope_role_organisation_and_allowlist() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@a.example", PASSWORD).await?;
    let admin = server.create_user("admin@a.example", PASSWORD).await?;
    server.create_user("owner@b.example", PASSWORD).await?;
    let a = server.create_org("Org A", Some("owner@a.example")).await?;
    let b = server.create_org("Org B", Some("owner@b.example")).await?;
    server.add_member(&a, "admin@a.example", &["admin"]).await?;

    // Within its scopes and the owner's permissions.
    let reader = mint(&server, &admin, None, &["admin:read"]).await?;
    assert_eq!(
        members(&server, &a.id, &reader).await?.status,
        StatusCode::OK
    );
    assert_eq!(
        members(&server, &b.id, &reader).await?.status,
        StatusCode::NOT_FOUND,
        "another organisation does not exist for it"
    );
    let profile_only = mint(&server, &admin, None, &["profile:read"]).await?;
    assert_eq!(
        members(&server, &a.id, &profile_only).await?.status,
        StatusCode::FORBIDDEN,
        "scope missing"
    );

    // Bound to an organisation: nothing of any other, even one its owner manages.
    let bound_to_b = mint(&server, &owner, Some(&b.id), &["admin:read"]).await?;
    assert_eq!(
        members(&server, &a.id, &bound_to_b).await?.status,
        StatusCode::NOT_FOUND
    );

    // The owner demotes the admin: the token does not outlive the role.
    manage::set_roles(
        &server.state.db,
        server.now(),
        &Actor::operator(),
        &Authority::Operator,
        &a,
        &admin,
        vec!["member".into()],
    )
    .await??;
    assert_eq!(
        members(&server, &a.id, &reader).await?.status,
        StatusCode::FORBIDDEN,
        "lost role"
    );

    // A member who leaves takes their tokens for the organisation along (revoked, audited).
    server.create_user("leaver@a.example", PASSWORD).await?;
    server
        .add_member(&a, "leaver@a.example", &["admin"])
        .await?;
    let leaver = poort_store::users::find_by_login(&server.state.db, "leaver@a.example")
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("no leaver"))?;
    let leavers_token = mint(&server, &leaver, Some(&a.id), &["admin:read"]).await?;
    assert_eq!(
        members(&server, &a.id, &leavers_token).await?.status,
        StatusCode::OK
    );
    let owner_access = server.access_token_for(&owner, poort_tests::orgs::ALL_SCOPES)?;
    let path = format!("/api/v1/orgs/{}/members/{leaver}", a.id);
    let removed = call(&server, Method::DELETE, &path, Some(&owner_access), None).await?;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{:?}", removed.body);
    let after = call(
        &server,
        Method::GET,
        "/api/v1/me",
        Some(&leavers_token),
        None,
    )
    .await?;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "revoked on leaving");
    let query = poort_store::audit::AuditQuery {
        action: Some("api_token.revoked".into()),
        ..Default::default()
    };
    let revoked = poort_store::audit::list(&server.state.db, &a.id, &query, 10).await?;
    assert_eq!(
        revoked.len(),
        1,
        "the revocation is in the organisation's audit chain"
    );

    // The organisation's IP allowlist applies to its members' tokens.
    let owner_reader = mint(&server, &owner, None, &["admin:read"]).await?;
    assert_eq!(
        members(&server, &a.id, &owner_reader).await?.status,
        StatusCode::OK
    );
    server.set_org(&a.id, &["ip_allowlist=10.0.0.0/8"]).await?;
    let refused = members(&server, &a.id, &owner_reader).await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    Ok(())
}

#[tokio::test]
async fn an_organisation_caps_the_lifetime_of_its_tokens() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@a.example", PASSWORD).await?;
    let a = server.create_org("Org A", Some("owner@a.example")).await?;
    server
        .set_org(&a.id, &["max_token_lifetime_days=30"])
        .await?;
    let request = |org: Option<&str>, days: i64| MintRequest {
        user_id: owner.clone(),
        org_id: org.map(str::to_owned),
        name: "ci".into(),
        scopes: vec!["admin:read".into()],
        expires_in_secs: days * 86_400,
        amr: vec!["pwd".into()],
        not_after: None,
    };
    let too_long = flow::mint(&server.state, request(Some(&a.id), 31)).await?;
    assert!(
        matches!(
            too_long,
            Err(flow::MintError::LifetimeTooLong { max_days: 30 })
        ),
        "capped by the organisation"
    );
    assert!(
        flow::mint(&server.state, request(Some(&a.id), 30))
            .await?
            .is_ok()
    );
    assert!(
        flow::mint(&server.state, request(None, 31)).await?.is_ok(),
        "a token for no organisation has only the server's cap"
    );
    Ok(())
}

#[tokio::test]
async fn the_cli_removing_a_member_revokes_their_organisation_tokens() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user("owner@a.example", PASSWORD).await?;
    let leaver = server.create_user("leaver@a.example", PASSWORD).await?;
    let a = server.create_org("Org A", Some("owner@a.example")).await?;
    server
        .add_member(&a, "leaver@a.example", &["admin"])
        .await?;
    let org_token = mint(&server, &leaver, Some(&a.id), &["admin:read"]).await?;
    let personal = mint(&server, &leaver, None, &["profile:read"]).await?;
    assert_eq!(
        members(&server, &a.id, &org_token).await?.status,
        StatusCode::OK
    );

    let (printed, _) =
        poort_server::org_cli::remove_member(&server.state, "Org A", "leaver@a.example").await?;
    assert_eq!(printed["removed"], true);
    let me = |token: String| {
        let server = &server;
        async move { call(server, Method::GET, "/api/v1/me", Some(&token), None).await }
    };
    assert_eq!(
        me(org_token).await?.status,
        StatusCode::UNAUTHORIZED,
        "the organisation's token is revoked"
    );
    assert_eq!(
        me(personal).await?.status,
        StatusCode::OK,
        "a token not minted for the organisation stays"
    );
    Ok(())
}

//! The gate (`flows::gate`): one principal per request and one decision per organisation,
//! replayed as the attacks. Deleted or disabled accounts lose every token at once;
//! an organisation's `require_2fa` and IP allowlist hold at the time of each request, for
//! sessions, access tokens, API tokens and support staff alike; `poort token create --org`
//! binds by id; organisation admins see and revoke every token that can act on them.

use poort_server::flows::retention;
use poort_server::{support_cli, token_cli};
use poort_tests::api_tokens::{call, introspect, mint_on_page, mint_token};
use poort_tests::forms::login;
use poort_tests::{ClientSpec, TestServer, setup, start_server};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = "a long and unguessable passphrase";
const MFA: &[&str] = &["pwd", "otp", "mfa"];

async fn mint(
    server: &TestServer,
    user_id: &str,
    org_id: Option<&str>,
    scopes: &[&str],
    amr: &[&str],
) -> anyhow::Result<String> {
    mint_token(server, user_id, org_id, scopes, amr, 86_400).await
}

async fn token_cli(server: &TestServer, args: &[&str]) -> anyhow::Result<String> {
    let command = token_cli::parse(args.iter().copied())?;
    token_cli::execute(&server.state, command, true).await
}

/// Item 1 (and Pocket ID CVE-2026-43983): a deleted organisation admin's API tokens, access
/// tokens, refresh tokens and sessions stop at once, and a restore brings none of them back.
#[tokio::test]
async fn a_deleted_admin_loses_every_token_and_session_at_once() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let admin = server.create_user("admin@acme.example", PASSWORD).await?;
    server.create_user("new@acme.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("admin@acme.example"))
        .await?;
    let all = [
        "admin:read",
        "admin:write",
        "tokens:read",
        "tokens:write",
        "profile:read",
    ];
    let pat = mint(&server, &admin, None, &all, MFA).await?;
    assert_eq!(
        call(&server, Method::GET, "/api/v1/me", Some(&pat), None)
            .await?
            .status,
        StatusCode::OK
    );
    let signed = server.browser();
    let reply = login(&signed, "admin@acme.example", PASSWORD).await?;
    anyhow::ensure!(reply.status == StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        signed.get("/account/tokens").await?.status(),
        StatusCode::OK
    );

    let done = retention::delete_account(&server.state, "admin@acme.example").await?;
    assert_eq!(done, retention::Change::Done);

    let me = call(&server, Method::GET, "/api/v1/me", Some(&pat), None).await?;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.body);
    assert_eq!(introspect(&server, &client, &pat).await?["active"], false);
    let add = server
        .api(
            Method::POST,
            &format!("/api/v1/orgs/{}/members", org.id),
            Some(&pat),
            Some(json!({ "email": "new@acme.example", "roles": ["admin"] })),
        )
        .await?;
    assert_eq!(add.status, StatusCode::UNAUTHORIZED, "{}", add.text);
    let body = json!({ "name": "more", "scopes": ["profile:read"], "expires_in_days": 1 });
    let more = call(
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(&pat),
        Some(body),
    )
    .await?;
    assert_eq!(more.status, StatusCode::UNAUTHORIZED);
    let page = signed.get("/account/tokens").await?;
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "the session ended");
    let members = poort_store::orgs::members(&server.state.db, &org.id).await?;
    assert_eq!(members.len(), 1, "nobody was added");

    // Restored within the retention period: the old token stays dead.
    retention::restore_account(&server.state, "admin@acme.example").await?;
    let me = call(&server, Method::GET, "/api/v1/me", Some(&pat), None).await?;
    assert_eq!(
        me.status,
        StatusCode::UNAUTHORIZED,
        "restore brings no token back"
    );

    // The standard user's refresh token dies with a disabling, as do its access tokens.
    let pkce = poort_tests::Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (_, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    let refresh = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let done = retention::disable_account(&server.state, poort_tests::EMAIL).await?;
    assert_eq!(done, retention::Change::Done);
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let refreshed = server.token(&client, &form).await?;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST);
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

/// Item 2: with `require_2fa`, a one-factor principal may not use the organisation's pages
/// or API, nor mint a token that could act on it; a token minted with two factors may.
#[tokio::test]
async fn require_2fa_holds_for_pages_tokens_and_the_api() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@acme.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    let one_factor = mint(
        &server,
        &owner,
        None,
        &["admin:read", "admin:write", "tokens:write"],
        &["pwd"],
    )
    .await?;
    let two_factors = mint(&server, &owner, None, &["admin:read", "admin:write"], MFA).await?;
    let browser = server.browser();
    let reply = login(&browser, "owner@acme.example", PASSWORD).await?;
    anyhow::ensure!(reply.status == StatusCode::SEE_OTHER, "{}", reply.body);
    server.set_org(&org.id, &["require_2fa=true"]).await?;

    // The page, the token page's minting, the API with a one-factor token or access token.
    let page = browser.get(&format!("/admin/orgs/{}", org.id)).await?;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let (status, _) = mint_on_page(&browser, "escape", &["admin:write"], "7").await?;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no token minted by one factor"
    );
    let settings = format!("/api/v1/orgs/{}/settings", org.id);
    let off = json!({ "require_2fa": false });
    let put = server
        .api(Method::PUT, &settings, Some(&one_factor), Some(off.clone()))
        .await?;
    assert_eq!(put.status, StatusCode::UNAUTHORIZED, "{}", put.text);
    assert_eq!(put.json["error"], "insufficient_user_authentication");
    let body = json!({ "name": "more", "scopes": ["admin:write"], "expires_in_days": 1 });
    let more = call(
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(&one_factor),
        Some(body),
    )
    .await?;
    assert_eq!(more.status, StatusCode::UNAUTHORIZED, "{}", more.body);
    let challenge = more.www_authenticate.unwrap_or_default();
    assert!(
        challenge.contains("insufficient_user_authentication"),
        "{challenge}"
    );
    let access = server.access_token_for(&owner, "admin:read admin:write")?;
    let get = server
        .api(Method::GET, &settings, Some(&access), None)
        .await?;
    assert_eq!(get.status, StatusCode::UNAUTHORIZED);
    let org_row = poort_store::orgs::find(&server.state.db, &org.id).await?;
    assert!(org_row.is_some_and(|o| o.settings.contains("\"require_2fa\":true")));

    // Two factors: allowed (an access token after a second factor too).
    let get = server
        .api(Method::GET, &settings, Some(&two_factors), None)
        .await?;
    assert_eq!(get.status, StatusCode::OK, "{}", get.text);
    let access = server.access_token_with(&owner, "admin:read", MFA)?;
    let get = server
        .api(Method::GET, &settings, Some(&access), None)
        .await?;
    assert_eq!(get.status, StatusCode::OK, "{}", get.text);
    Ok(())
}

/// Item 3: `poort token create --org` takes a name or an id, stores the id (so the
/// organisation's lifetime cap and its admins' list apply), and refuses an unknown one.
#[tokio::test]
async fn the_token_cli_binds_by_organisation_id_and_refuses_unknown_ones() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@acme.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    server
        .set_org(&org.id, &["max_token_lifetime_days=7"])
        .await?;
    let create = |org: &'static str, days: &'static str| {
        [
            "create",
            "--user",
            "owner@acme.example",
            "--name",
            "ci",
            "--scope",
            "admin:read",
            "--expires-in",
            days,
            "--org",
            org,
        ]
    };
    let too_long = token_cli(&server, &create("Acme", "30d")).await;
    assert!(
        too_long.is_err(),
        "the organisation's 7-day cap applies to its name"
    );
    let unknown = token_cli(&server, &create("NoSuchOrg", "1d")).await;
    assert!(unknown.is_err(), "an unknown organisation is refused");
    let made: serde_json::Value =
        serde_json::from_str(&token_cli(&server, &create("Acme", "7d")).await?)?;
    let id = made["id"].as_str().unwrap_or_default();
    let row = poort_store::api_tokens::find_by_id(&server.state.db, id).await?;
    assert_eq!(row.and_then(|r| r.org_id), Some(org.id.clone()));
    let chains = poort_store::audit::chains(&server.state.db).await?;
    assert!(
        !chains.iter().any(|c| c == "NoSuchOrg" || c == "Acme"),
        "{chains:?}"
    );
    // The admins' list of the organisation shows it.
    let admin_token = server.access_token_with(&owner, "tokens:read", MFA)?;
    let list = server
        .api(
            Method::GET,
            &format!("/api/v1/orgs/{}/tokens", org.id),
            Some(&admin_token),
            None,
        )
        .await?;
    assert!(list.text.contains(id), "{}", list.text);
    Ok(())
}

/// Item 4: the IP allowlist holds for a browser session opened before it was set (no code
/// from a refused address), and support staff are held to it and need a second factor.
#[tokio::test]
async fn allowlists_hold_for_old_sessions_and_support_staff() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.create_user("owner@acme.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    server
        .add_member(&org, poort_tests::EMAIL, &["member"])
        .await?;
    let code = server.obtain_code(&browser, &client, None).await;
    assert!(code.is_ok(), "signed in and allowed: {code:?}");
    server
        .set_org(&org.id, &["ip_allowlist=10.0.0.0/8", "support_access=true"])
        .await?;
    let again = browser.get(&server.authorize_url(&client, &[])).await?;
    assert_eq!(
        again.status(),
        StatusCode::FORBIDDEN,
        "no code from a refused address"
    );
    assert!(again.headers().get("location").is_none());

    let staff = server.create_user("helper@poort.example", PASSWORD).await?;
    let command = support_cli::parse(["add", "--email", "helper@poort.example"])?;
    support_cli::execute(&server.state.db, server.now(), command, true).await?;
    let members = format!("/api/v1/orgs/{}/members", org.id);
    let with_mfa = server.access_token_with(&staff, "admin:read", MFA)?;
    let outside = server
        .api(Method::GET, &members, Some(&with_mfa), None)
        .await?;
    assert_eq!(
        outside.status,
        StatusCode::FORBIDDEN,
        "staff outside the allowlist"
    );
    server
        .set_org(&org.id, &["ip_allowlist=127.0.0.0/8"])
        .await?;
    let inside = server
        .api(Method::GET, &members, Some(&with_mfa), None)
        .await?;
    assert_eq!(inside.status, StatusCode::OK, "{}", inside.text);
    let one_factor = server.access_token_for(&staff, "admin:read")?;
    let refused = server
        .api(Method::GET, &members, Some(&one_factor), None)
        .await?;
    assert_eq!(
        refused.status,
        StatusCode::UNAUTHORIZED,
        "staff need a second factor of their own"
    );
    Ok(())
}

/// Item 5: organisation admins list and revoke their members' unbound tokens, which can act
/// on the organisation; not tokens bound to another organisation.
#[tokio::test]
async fn org_admins_see_and_revoke_members_unbound_tokens() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@acme.example", PASSWORD).await?;
    let bob = server.create_user("bob@acme.example", PASSWORD).await?;
    server.create_user("owner@other.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    let other = server
        .create_org("Other", Some("owner@other.example"))
        .await?;
    server
        .add_member(&org, "bob@acme.example", &["admin"])
        .await?;
    server
        .add_member(&other, "bob@acme.example", &["member"])
        .await?;
    let personal = mint(&server, &bob, None, &["admin:read", "profile:read"], MFA).await?;
    let elsewhere = mint(&server, &bob, Some(&other.id), &["admin:read"], MFA).await?;
    let admin = server.access_token_with(&owner, "tokens:read tokens:write", MFA)?;
    let list = server
        .api(
            Method::GET,
            &format!("/api/v1/orgs/{}/tokens", org.id),
            Some(&admin),
            None,
        )
        .await?;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let listed = list.json["tokens"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let id = listed[0]["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/api/v1/orgs/{}/tokens/{id}", org.id);
    let revoked = server
        .api(Method::DELETE, &path, Some(&admin), None)
        .await?;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let me = call(&server, Method::GET, "/api/v1/me", Some(&personal), None).await?;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let other_org = format!("/api/v1/orgs/{}", other.id);
    let still = server
        .api(Method::GET, &other_org, Some(&elsewhere), None)
        .await?;
    assert_eq!(
        still.status,
        StatusCode::OK,
        "not theirs to revoke: {}",
        still.text
    );
    Ok(())
}

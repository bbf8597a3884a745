//! Personal API tokens end to end: minted on the account page (secret shown once), used on the
//! token API (last use recorded), revoked (API refuses, introspection says inactive), expiry
//! with the injected clock, scope enforcement, no access to another user's tokens, the CLI,
//! and a revocation on one node seen by a second node at once.

use poort_server::flows::api_tokens as flow;
use poort_server::token_cli;
use poort_store::entities::users;
use poort_tests::api_tokens::{
    ApiReply, call, introspect, mint_on_page, mint_token, revoke_on_page, secret_on,
};
use poort_tests::forms::login;
use poort_tests::{Backing, ClientSpec, EMAIL, PASSWORD, TestServer, setup, start_node};
use reqwest::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

async fn mint(
    server: &TestServer,
    user_id: &str,
    scopes: &[&str],
    secs: i64,
) -> anyhow::Result<String> {
    mint_token(server, user_id, None, scopes, &["pwd"], secs).await
}

fn assert_invalid_token(reply: &ApiReply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(reply.body["error"], "invalid_token", "{reply:?}");
    let challenge = reply.www_authenticate.as_deref().unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains("error=\"invalid_token\""),
        "{challenge}"
    );
}

fn assert_insufficient_scope(reply: &ApiReply, scope: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    assert_eq!(reply.body["error"], "insufficient_scope", "{reply:?}");
    let challenge = reply.www_authenticate.as_deref().unwrap_or_default();
    assert!(
        challenge.contains("error=\"insufficient_scope\"")
            && challenge.contains(&format!("scope=\"{scope}\"")),
        "{challenge}"
    );
}

#[tokio::test]
async fn mint_use_list_revoke_and_introspect() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    login(&browser, EMAIL, PASSWORD).await?;

    let (status, page) = mint_on_page(
        &browser,
        "deploy <script>",
        &["tokens:read", "tokens:write", "profile:read"],
        "30",
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{page}");
    let secret = secret_on(&page)?;
    assert!(
        secret.starts_with("poort_pat_") && secret.len() == 59,
        "{secret}"
    );
    assert!(
        page.contains("deploy &#60;script&#62;") && !page.contains("deploy <script>"),
        "the name is escaped"
    );
    // Shown once: the list afterwards has only the hint.
    let again = browser.get("/account/tokens").await?.text().await?;
    assert!(!again.contains(&secret));
    assert!(again.contains(&format!("poort_pat_...{}", &secret[55..])));
    assert!(again.contains("never used"));

    let me = call(&server, Method::GET, "/api/v1/me", Some(&secret), None).await?;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    assert_eq!(me.body["email"], EMAIL);

    let list = call(&server, Method::GET, "/api/v1/tokens", Some(&secret), None).await?;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let tokens = list.body["tokens"].as_array().cloned().unwrap_or_default();
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    assert_eq!(token["status"], "active");
    // Recorded at the use (a second may have passed since, on a busy machine).
    let used_at = token["last_used_at"].as_i64().unwrap_or_default();
    assert!(
        (server.now() - 2..=server.now()).contains(&used_at),
        "{token}"
    );
    assert_eq!(token["last_used_ip"], "127.0.0.1");
    assert_eq!(
        token["scopes"],
        json!(["tokens:read", "tokens:write", "profile:read"])
    );
    assert!(token.get("token").is_none() && !list.body.to_string().contains(&secret));
    let id = token["id"].as_str().unwrap_or_default().to_owned();
    let shown = browser.get("/account/tokens").await?.text().await?;
    assert!(shown.contains("from 127.0.0.1"), "last use on the page");

    let active = introspect(&server, &client, &secret).await?;
    assert_eq!(active["active"], true, "{active}");
    assert_eq!(active["token_type"], "api_token");
    assert_eq!(active["client_id"], client.id.as_str());
    assert_eq!(active["scope"], "profile:read tokens:read tokens:write");
    assert_eq!(active["sub"], token["user_id"]);
    assert_eq!(active["exp"], token["expires_at"]);
    assert_eq!(active["iat"], token["created_at"]);
    assert!(active.get("org_id").is_none());

    let (status, page) = revoke_on_page(&browser, &id).await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("revoked"));

    assert_invalid_token(&call(&server, Method::GET, "/api/v1/me", Some(&secret), None).await?);
    assert_eq!(
        introspect(&server, &client, &secret).await?,
        json!({"active": false})
    );
    Ok(())
}

#[tokio::test]
async fn expired_tokens_are_refused_and_listed_as_expired() -> anyhow::Result<()> {
    let (server, client, _browser) = setup(ClientSpec::default(), |_| {}).await?;
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let secret = mint(&server, &user.id, &["tokens:read"], 3_600).await?;
    let ok = call(&server, Method::GET, "/api/v1/tokens", Some(&secret), None).await?;
    assert_eq!(ok.status, StatusCode::OK);

    server.clock.advance(3_600);
    assert_invalid_token(&call(&server, Method::GET, "/api/v1/tokens", Some(&secret), None).await?);
    assert_eq!(
        introspect(&server, &client, &secret).await?,
        json!({"active": false})
    );
    let listed = flow::list_for_user(&server.state, &user.id).await?;
    assert_eq!(listed[0].status.as_str(), "expired");

    // Kept listed for `keep_expired_days`, then deleted by the sweep.
    assert_eq!(flow::delete_expired(&server.state).await?, 0);
    server.clock.advance(31 * 86_400);
    assert_eq!(flow::delete_expired(&server.state).await?, 1);
    assert!(
        flow::list_for_user(&server.state, &user.id)
            .await?
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn scopes_are_enforced_and_bad_tokens_refused() -> anyhow::Result<()> {
    let (server, _client, _browser) = setup(ClientSpec::default(), |_| {}).await?;
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let profile_only = mint(&server, &user.id, &["profile:read"], 86_400).await?;
    let reply = call(
        &server,
        Method::GET,
        "/api/v1/tokens",
        Some(&profile_only),
        None,
    )
    .await?;
    assert_insufficient_scope(&reply, "tokens:read");
    let create = json!({"name": "x", "scopes": ["profile:read"], "expires_in_days": 1});
    let reply = call(
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(&profile_only),
        Some(create.clone()),
    )
    .await?;
    assert_insufficient_scope(&reply, "tokens:write");
    let reply = call(
        &server,
        Method::DELETE,
        "/api/v1/tokens/some-id",
        Some(&profile_only),
        None,
    )
    .await?;
    assert_insufficient_scope(&reply, "tokens:write");

    let writer = mint(
        &server,
        &user.id,
        &["tokens:write", "profile:read"],
        2 * 86_400,
    )
    .await?;
    let reply = call(&server, Method::GET, "/api/v1/me", Some(&writer), None).await?;
    assert_insufficient_scope(
        &call(&server, Method::GET, "/api/v1/tokens", Some(&writer), None).await?,
        "tokens:read",
    );
    assert_eq!(reply.status, StatusCode::OK);
    // A token cannot mint a stronger one.
    let stronger = json!({"name": "x", "scopes": ["admin:write"], "expires_in_days": 1});
    let reply = call(
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(&writer),
        Some(stronger),
    )
    .await?;
    assert_insufficient_scope(&reply, "admin:write");
    // Expiry is capped and required.
    for days in [366, 0] {
        let body = json!({"name": "x", "scopes": ["profile:read"], "expires_in_days": days});
        let reply = call(
            &server,
            Method::POST,
            "/api/v1/tokens",
            Some(&writer),
            Some(body),
        )
        .await?;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{days}: {reply:?}");
        assert_eq!(reply.body["error"], "invalid_request");
    }
    let reply = call(
        &server,
        Method::POST,
        "/api/v1/tokens",
        Some(&writer),
        Some(create),
    )
    .await?;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let minted = reply.body["token"].as_str().unwrap_or_default().to_owned();
    let me = call(&server, Method::GET, "/api/v1/me", Some(&minted), None).await?;
    assert_eq!(me.status, StatusCode::OK, "the minted token works");

    // Malformed, mistyped and unknown tokens, and none at all.
    let mut typo = writer.clone().into_bytes();
    typo[20] = if typo[20] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo)?;
    let unknown = poort_api_tokens_like(&writer);
    for bad in [typo.as_str(), &writer[..40], "poort_pat_", unknown.as_str()] {
        assert_invalid_token(&call(&server, Method::GET, "/api/v1/me", Some(bad), None).await?);
    }
    let none = call(&server, Method::GET, "/api/v1/me", None, None).await?;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.www_authenticate.as_deref(),
        Some("Bearer realm=\"poort\"")
    );

    // A disabled owner's tokens stop working.
    users::Entity::update_many()
        .col_expr(users::Column::Disabled, Expr::value(true))
        .filter(users::Column::Id.eq(user.id.as_str()))
        .exec(server.state.db.conn())
        .await?;
    server.clock.advance(10); // past the per-node cache
    assert_invalid_token(&call(&server, Method::GET, "/api/v1/me", Some(&minted), None).await?);
    Ok(())
}

/// A well-formed token (valid checksum) that was never minted.
fn poort_api_tokens_like(_template: &str) -> String {
    poort_api_tokens::ApiToken::generate().as_str().to_owned()
}

#[tokio::test]
async fn another_user_cannot_see_or_revoke_a_token() -> anyhow::Result<()> {
    let (server, client, alice_browser) = setup(ClientSpec::default(), |_| {}).await?;
    let bob_password = "bob's own long passphrase";
    let bob_id = server.create_user("bob@example.com", bob_password).await?;
    login(&alice_browser, EMAIL, PASSWORD).await?;
    let (_, page) = mint_on_page(
        &alice_browser,
        "alice",
        &["tokens:read", "profile:read"],
        "7",
    )
    .await?;
    let alice_secret = secret_on(&page)?;
    let alice_tokens = call(
        &server,
        Method::GET,
        "/api/v1/tokens",
        Some(&alice_secret),
        None,
    )
    .await?;
    let alice_id = alice_tokens.body["tokens"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    let bob = mint(&server, &bob_id, &["tokens:read", "tokens:write"], 86_400).await?;
    let listed = call(&server, Method::GET, "/api/v1/tokens", Some(&bob), None).await?;
    let ids: Vec<&str> = listed.body["tokens"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 1);
    assert!(!ids.contains(&alice_id.as_str()));
    let reply = call(
        &server,
        Method::DELETE,
        &format!("/api/v1/tokens/{alice_id}"),
        Some(&bob),
        None,
    )
    .await?;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    let missing = call(
        &server,
        Method::DELETE,
        "/api/v1/tokens/no-such-id",
        Some(&bob),
        None,
    )
    .await?;
    assert_eq!(
        (missing.status, &missing.body),
        (reply.status, &reply.body),
        "same answer"
    );

    let bob_browser = server.browser();
    login(&bob_browser, "bob@example.com", bob_password).await?;
    let (status, page) = revoke_on_page(&bob_browser, &alice_id).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("alice"));

    assert_eq!(
        introspect(&server, &client, &alice_secret).await?["active"],
        true
    );
    let me = call(
        &server,
        Method::GET,
        "/api/v1/me",
        Some(&alice_secret),
        None,
    )
    .await?;
    assert_eq!(me.status, StatusCode::OK);
    // Alice revokes her own through the API.
    let alice_writer = mint(
        &server,
        alice_tokens.body["tokens"][0]["user_id"]
            .as_str()
            .unwrap_or_default(),
        &["tokens:write"],
        600,
    )
    .await?;
    let reply = call(
        &server,
        Method::DELETE,
        &format!("/api/v1/tokens/{alice_id}"),
        Some(&alice_writer),
        None,
    )
    .await?;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_invalid_token(
        &call(
            &server,
            Method::GET,
            "/api/v1/me",
            Some(&alice_secret),
            None,
        )
        .await?,
    );
    Ok(())
}

#[tokio::test]
async fn the_cli_creates_lists_and_revokes() -> anyhow::Result<()> {
    let (server, client, _browser) = setup(ClientSpec::default(), |_| {}).await?;
    // `--org` takes a name (as here) or an id; the token is bound by id.
    let org = server.create_org("Org One", None).await?;
    server.create_org("Org Two", None).await?;
    let run = |args: &[&str]| {
        let command = token_cli::parse(args.iter().copied());
        let state = server.state.clone();
        async move { token_cli::execute(&state, command?, true).await }
    };
    let created: Value = serde_json::from_str(
        &run(&[
            "create",
            "--user",
            EMAIL,
            "--name",
            "ci",
            "--scope",
            "admin:read",
            "--scope",
            "profile:read",
            "--expires-in",
            "30d",
            "--org",
            "Org One",
        ])
        .await?,
    )?;
    let secret = created["token"].as_str().unwrap_or_default().to_owned();
    let id = created["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(created["expires_at"], json!(server.now() + 30 * 86_400));
    assert_eq!(created["org_id"], org.id.as_str());

    let introspected = introspect(&server, &client, &secret).await?;
    assert_eq!(introspected["org_id"], org.id.as_str());
    assert_eq!(introspected["scope"], "admin:read profile:read");

    for filter in [
        &["list", "--user", EMAIL][..],
        &["list", "--org", org.id.as_str()],
        &["list"],
    ] {
        let listed: Value = serde_json::from_str(&run(filter).await?)?;
        assert_eq!(listed[0]["id"], id.as_str(), "{filter:?}");
        assert!(!listed.to_string().contains(&secret));
    }
    let listed: Value = serde_json::from_str(&run(&["list", "--org", "Org Two"]).await?)?;
    assert_eq!(listed, json!([]));

    for bad in [
        &[
            "create",
            "--user",
            EMAIL,
            "--name",
            "x",
            "--scope",
            "nope",
            "--expires-in",
            "1d",
        ][..],
        &[
            "create",
            "--user",
            EMAIL,
            "--name",
            "x",
            "--scope",
            "admin:read",
            "--expires-in",
            "400d",
        ],
        &[
            "create",
            "--user",
            EMAIL,
            "--name",
            "x",
            "--scope",
            "admin:read",
            "--expires-in",
            "soon",
        ],
        &[
            "create",
            "--user",
            "nobody@example.com",
            "--name",
            "x",
            "--scope",
            "admin:read",
            "--expires-in",
            "1d",
        ],
        &["revoke", "no-such-id"],
    ] {
        assert!(run(bad).await.is_err(), "{bad:?}");
    }

    let revoked: Value = serde_json::from_str(&run(&["revoke", &id]).await?)?;
    assert_eq!(revoked["revoked_at"], json!(server.now()));
    assert_eq!(
        introspect(&server, &client, &secret).await?,
        json!({"active": false})
    );
    Ok(())
}

#[tokio::test]
async fn a_revocation_on_one_node_is_seen_by_another_at_once() -> anyhow::Result<()> {
    let Some(backing) = Backing::shared().await? else {
        eprintln!("skipped: needs DATABASE_URL=postgres://… and REDIS_URL");
        return Ok(());
    };
    let a = start_node(&backing, |_| {}).await?;
    let b = start_node(&backing, |c| c.cache_ttl_secs = 300).await?;
    let user = a.create_user(EMAIL, PASSWORD).await?;
    let client = b.create_client(ClientSpec::default()).await?;
    let secret = mint(&a, &user, &["tokens:write", "profile:read"], 86_400).await?;

    // B checks it once and keeps it in its cache (for up to five minutes here).
    assert_eq!(
        call(&b, Method::GET, "/api/v1/me", Some(&secret), None)
            .await?
            .status,
        StatusCode::OK
    );
    assert_eq!(b.state.api_tokens.len(), 1);
    assert_eq!(introspect(&b, &client, &secret).await?["active"], true);

    let listed = flow::list_for_user(&a.state, &user).await?;
    let reply = call(
        &a,
        Method::DELETE,
        &format!("/api/v1/tokens/{}", listed[0].id),
        Some(&secret),
        None,
    )
    .await?;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    assert_invalid_token(&call(&b, Method::GET, "/api/v1/me", Some(&secret), None).await?);
    assert_eq!(
        introspect(&b, &client, &secret).await?,
        json!({"active": false})
    );
    Ok(())
}

//! Token exchange (RFC 8693): a service that received a user's access token trades it for one
//! for a downstream API, as a delegate (`act` names it) or, only when allowed, as the user.

use poort_oidc::token_request::GrantType;
use poort_server::client_cli;
use poort_server::flows::retention;
use poort_store::clients::TokenExchange;
use poort_tests::jwt::claims_of;
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ORDERS: &str = "https://orders.example/api";
const STOCK: &str = "https://stock.example/api";
const BILLING: &str = "https://billing.example/api";
const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The web app the user signs in to: its tokens may be for the orders API.
fn web_app() -> ClientSpec {
    ClientSpec {
        audiences: vec![ORDERS.into()],
        ..ClientSpec::default()
    }
}

/// The orders API: it exchanges users' tokens for its own audience into tokens for the stock API.
fn orders_service(impersonation: bool) -> ClientSpec {
    ClientSpec {
        grants: vec![GrantType::ClientCredentials, GrantType::TokenExchange],
        token_exchange: Some(TokenExchange {
            subject_audiences: vec![ORDERS.into()],
            audiences: vec![STOCK.into()],
            impersonation,
        }),
        ..ClientSpec::default()
    }
}

struct World {
    server: TestServer,
    web: TestClient,
    browser: Browser,
    orders: TestClient,
}

async fn world() -> anyhow::Result<World> {
    let (server, web, browser) = setup(web_app(), |_| {}).await?;
    let orders = server.create_client(orders_service(false)).await?;
    Ok(World {
        server,
        web,
        browser,
        orders,
    })
}

/// The user's access token, for the orders API (`resource` on the authorization request).
async fn user_token(world: &World, scope: &str) -> anyhow::Result<Value> {
    let url = world
        .server
        .authorize_url(&world.web, &[("scope", scope), ("resource", ORDERS)]);
    let back = world
        .browser
        .login_through(&url, EMAIL, PASSWORD)
        .await?
        .away()?;
    let code = poort_tests::browser::Landing::query(&back, "code")
        .ok_or_else(|| anyhow::anyhow!("no code in {back}"))?;
    let (status, body) = world.server.redeem(&world.web, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    Ok(body)
}

/// The service's own token (client_credentials): what it sends as `actor_token`.
async fn service_token(server: &TestServer, service: &TestClient) -> anyhow::Result<String> {
    let response = server
        .token(service, &[("grant_type", "client_credentials")])
        .await?;
    let body: Value = response.json().await?;
    Ok(body["access_token"].as_str().unwrap_or_default().to_owned())
}

async fn exchange(
    server: &TestServer,
    client: &TestClient,
    form: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, Value)> {
    let mut all = vec![("grant_type", EXCHANGE)];
    all.extend_from_slice(form);
    let response = server.token(client, &all).await?;
    Ok((response.status(), response.json().await?))
}

fn access(body: &Value) -> &str {
    body["access_token"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_service_exchanges_a_users_token_as_a_delegate_for_a_downstream_api() -> anyhow::Result<()>
{
    let world = world().await?;
    let user = user_token(&world, "openid email").await?;
    let subject = claims_of(access(&user))?;
    assert_eq!(subject["aud"], ORDERS);
    let actor = service_token(&world.server, &world.orders).await?;

    let (status, body) = exchange(
        &world.server,
        &world.orders,
        &[
            ("subject_token", access(&user)),
            ("subject_token_type", ACCESS_TOKEN),
            ("actor_token", &actor),
            ("actor_token_type", ACCESS_TOKEN),
            ("audience", STOCK),
            ("scope", "email"),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["issued_token_type"], ACCESS_TOKEN);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "email");
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let claims = claims_of(access(&body))?;
    assert_eq!(
        claims["sub"], subject["sub"],
        "the token is still the user's"
    );
    assert_eq!(claims["aud"], STOCK);
    assert_eq!(claims["client_id"], world.orders.id.as_str());
    assert_eq!(
        claims["act"],
        json!({"sub": world.orders.id, "client_id": world.orders.id})
    );
    assert_eq!(
        claims["amr"], subject["amr"],
        "how the user signed in is kept"
    );
    assert!(
        claims["exp"].as_i64() <= subject["exp"].as_i64(),
        "never outlives the subject"
    );

    // A resource server introspecting it sees who acts.
    let response = reqwest::Client::new()
        .post(world.server.url("/introspect"))
        .basic_auth(&world.orders.id, world.orders.secret.as_deref())
        .form(&[("token", access(&body))])
        .send()
        .await?;
    let introspected: Value = response.json().await?;
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["act"]["sub"], world.orders.id.as_str());

    // Exchanging the exchanged token again nests the actors: the stock API may exchange it
    // only if it is registered for it; here the orders service exchanges its own delegated
    // token (aud = STOCK is not one of its subject audiences): refused.
    let (status, again) = exchange(
        &world.server,
        &world.orders,
        &[
            ("subject_token", access(&body)),
            ("subject_token_type", ACCESS_TOKEN),
            ("actor_token", &actor),
            ("actor_token_type", ACCESS_TOKEN),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["error"], "invalid_request", "{again}");
    Ok(())
}

#[tokio::test]
async fn delegation_chains_nest_the_earlier_actor() -> anyhow::Result<()> {
    let world = world().await?;
    // The stock API may in turn exchange tokens for its audience into billing tokens.
    let stock = world
        .server
        .create_client(ClientSpec {
            grants: vec![GrantType::ClientCredentials, GrantType::TokenExchange],
            token_exchange: Some(TokenExchange {
                subject_audiences: vec![STOCK.into()],
                audiences: vec![BILLING.into()],
                impersonation: false,
            }),
            ..ClientSpec::default()
        })
        .await?;
    let user = user_token(&world, "openid email").await?;
    let orders_actor = service_token(&world.server, &world.orders).await?;
    let (_, first) = exchange(
        &world.server,
        &world.orders,
        &[
            ("subject_token", access(&user)),
            ("subject_token_type", ACCESS_TOKEN),
            ("actor_token", &orders_actor),
            ("actor_token_type", ACCESS_TOKEN),
        ],
    )
    .await?;
    let stock_actor = service_token(&world.server, &stock).await?;
    let (status, second) = exchange(
        &world.server,
        &stock,
        &[
            ("subject_token", access(&first)),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
            ("actor_token", &stock_actor),
            ("actor_token_type", ACCESS_TOKEN),
            ("resource", BILLING),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{second}");
    let claims = claims_of(access(&second))?;
    assert_eq!(claims["aud"], BILLING);
    assert_eq!(claims["act"]["sub"], stock.id.as_str());
    assert_eq!(claims["act"]["act"]["sub"], world.orders.id.as_str());
    Ok(())
}

#[tokio::test]
async fn impersonation_is_refused_unless_the_client_is_allowed_and_never_hides_an_actor()
-> anyhow::Result<()> {
    let world = world().await?;
    let user = user_token(&world, "openid email").await?;
    let without_actor = [
        ("subject_token", access(&user)),
        ("subject_token_type", ACCESS_TOKEN),
    ];
    let (status, refused) = exchange(&world.server, &world.orders, &without_actor).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"], "invalid_request", "{refused}");

    let trusted = world.server.create_client(orders_service(true)).await?;
    let (status, body) = exchange(&world.server, &trusted, &without_actor).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = claims_of(access(&body))?;
    assert!(claims.get("act").is_none(), "{claims}");
    assert_eq!(
        claims["aud"], STOCK,
        "every registered audience when none is named"
    );
    Ok(())
}

#[tokio::test]
async fn refusals_follow_rfc_8693() -> anyhow::Result<()> {
    let world = world().await?;
    let user = user_token(&world, "openid email").await?;
    let actor = service_token(&world.server, &world.orders).await?;
    let other_service = world.server.create_client(orders_service(false)).await?;
    let others_actor = service_token(&world.server, &other_service).await?;
    // A token of the web app for itself (no resource): not for the orders API.
    let own = world
        .server
        .redeem(
            &world.web,
            &world
                .server
                .obtain_code(&world.browser, &world.web, None)
                .await?,
            None,
        )
        .await?
        .1;
    let subject = access(&user);
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut form: Form = vec![
            ("subject_token", subject.to_owned()),
            ("subject_token_type", ACCESS_TOKEN.to_owned()),
            ("actor_token", actor.clone()),
            ("actor_token_type", ACCESS_TOKEN.to_owned()),
        ];
        for (name, value) in extra {
            form.retain(|(n, _)| n != name);
            if !value.is_empty() {
                form.push((name, value.to_string()));
            }
        }
        form
    };
    let cases: Vec<(&str, Form, &str)> = vec![
        (
            "audience not registered",
            with(&[("audience", BILLING)]),
            "invalid_target",
        ),
        (
            "resource not registered",
            with(&[("resource", ORDERS)]),
            "invalid_target",
        ),
        (
            "wider scope",
            with(&[("scope", "openid email profile")]),
            "invalid_scope",
        ),
        (
            "no subject token",
            with(&[("subject_token", "")]),
            "invalid_request",
        ),
        (
            "no subject token type",
            with(&[("subject_token_type", "")]),
            "invalid_request",
        ),
        (
            "a refresh token type",
            with(&[(
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token",
            )]),
            "invalid_request",
        ),
        (
            "an unknown token type",
            with(&[(
                "subject_token_type",
                "urn:ietf:params:oauth:token-type:saml2",
            )]),
            "invalid_request",
        ),
        (
            "actor token without type",
            with(&[("actor_token_type", "")]),
            "invalid_request",
        ),
        (
            "a forged subject",
            with(&[("subject_token", "a.b.c")]),
            "invalid_request",
        ),
        (
            "an id token asked for",
            with(&[(
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:id_token",
            )]),
            "invalid_request",
        ),
    ];
    for (why, form, code) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let (status, body) = exchange(&world.server, &world.orders, &form).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(body["error"], code, "{why}: {body}");
    }
    // Tokens that are not acceptable by policy: another client's actor token, a subject token
    // for another audience.
    for (why, subject, actor) in [
        ("another client's actor", subject, others_actor.as_str()),
        ("a token not for this service", access(&own), actor.as_str()),
    ] {
        let form = [
            ("subject_token", subject),
            ("subject_token_type", ACCESS_TOKEN),
            ("actor_token", actor),
            ("actor_token_type", ACCESS_TOKEN),
        ];
        let (status, body) = exchange(&world.server, &world.orders, &form).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(body["error"], "invalid_request", "{why}: {body}");
    }
    // The web app has no such grant; a client with the grant but no registration is refused.
    let form = [
        ("subject_token", subject),
        ("subject_token_type", ACCESS_TOKEN),
    ];
    let (status, body) = exchange(&world.server, &world.web, &form).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unauthorized_client", "{body}");
    let unregistered = world
        .server
        .create_client(ClientSpec {
            grants: vec![GrantType::TokenExchange],
            ..ClientSpec::default()
        })
        .await?;
    let (status, body) = exchange(&world.server, &unregistered, &form).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unauthorized_client", "{body}");
    Ok(())
}

/// Token request parameters with owned values.
type Form = Vec<(&'static str, String)>;

/// A delegated exchange of `subject` by the orders service.
async fn delegate(
    world: &World,
    subject: &str,
    actor: &str,
) -> anyhow::Result<(StatusCode, Value)> {
    let form = [
        ("subject_token", subject),
        ("subject_token_type", ACCESS_TOKEN),
        ("actor_token", actor),
        ("actor_token_type", ACCESS_TOKEN),
    ];
    exchange(&world.server, &world.orders, &form).await
}

#[tokio::test]
async fn a_revoked_subject_token_or_a_disabled_account_exchanges_nothing() -> anyhow::Result<()> {
    let world = world().await?;
    let actor = service_token(&world.server, &world.orders).await?;
    let user = user_token(&world, "openid email").await?;
    let revoked = reqwest::Client::new()
        .post(world.server.url("/revoke"))
        .basic_auth(&world.web.id, world.web.secret.as_deref())
        .form(&[("token", access(&user))])
        .send()
        .await?;
    assert_eq!(revoked.status(), StatusCode::OK);
    let (status, body) = delegate(&world, access(&user), &actor).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request", "{body}");

    let user = user_token(&world, "openid email").await?;
    let (status, _) = delegate(&world, access(&user), &actor).await?;
    assert_eq!(status, StatusCode::OK, "before the account is disabled");
    retention::disable_account(&world.server.state, EMAIL).await?;
    let (status, body) = delegate(&world, access(&user), &actor).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request", "{body}");
    Ok(())
}

#[tokio::test]
async fn the_cli_registers_changes_and_removes_token_exchange_and_refuses_bad_settings()
-> anyhow::Result<()> {
    let server = poort_tests::start_server(|_| {}).await?;
    let env = client_cli::ClientCliEnv::of(&server.state);
    let run = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let now = server.now();
        let env = &env;
        async move {
            let command = client_cli::parse(args)?;
            client_cli::execute(env, now, command, true).await
        }
    };
    let created: Value = serde_json::from_str(
        &run(&[
            "create",
            "--name",
            "orders",
            "--grant",
            "client_credentials",
            "--grant",
            EXCHANGE,
            "--exchange-audience",
            STOCK,
            "--exchange-subject-audience",
            ORDERS,
        ])
        .await?,
    )?;
    let id = created["client_id"].as_str().unwrap_or_default().to_owned();
    let listed: Value = serde_json::from_str(&run(&["list"]).await?)?;
    assert_eq!(
        listed[0]["token_exchange"],
        json!({"subject_audiences": [ORDERS], "audiences": [STOCK], "impersonation": false})
    );
    let updated: Value = serde_json::from_str(
        &run(&[
            "update",
            &id,
            "--exchange-audience",
            BILLING,
            "--exchange-impersonation",
        ])
        .await?,
    )?;
    assert_eq!(
        updated["token_exchange"],
        json!({"subject_audiences": [], "audiences": [BILLING], "impersonation": true})
    );
    let removed: Value =
        serde_json::from_str(&run(&["update", &id, "--no-token-exchange"]).await?)?;
    assert_eq!(removed["token_exchange"], Value::Null);

    // Refused: without the grant, for a public client, a malformed audience; nothing stored.
    for args in [
        vec![
            "create",
            "--name",
            "x",
            "--grant",
            "client_credentials",
            "--exchange-audience",
            STOCK,
        ],
        vec![
            "create",
            "--name",
            "x",
            "--public",
            "--redirect-uri",
            "https://x.example/cb",
            "--grant",
            EXCHANGE,
            "--exchange-audience",
            STOCK,
        ],
        vec![
            "create",
            "--name",
            "x",
            "--grant",
            EXCHANGE,
            "--exchange-audience",
            "not a uri",
        ],
        vec!["create", "--name", "x", "--grant", "password"],
    ] {
        assert!(run(&args).await.is_err(), "{args:?} was accepted");
    }
    assert_eq!(poort_store::clients::list(&server.state.db).await?.len(), 1);
    Ok(())
}

#[tokio::test]
async fn an_organisation_registers_token_exchange_through_the_admin_api() -> anyhow::Result<()> {
    use reqwest::Method;
    let server = poort_tests::start_server(|_| {}).await?;
    let owner = server.create_user(EMAIL, PASSWORD).await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let token = server.access_token_for(&owner, "admin:read admin:write")?;
    let path = format!("/api/v1/orgs/{}/clients", org.id);
    let created = server
        .api(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({
                "name": "orders",
                "grant_types": ["client_credentials", EXCHANGE],
                "token_exchange": {"subject_audiences": [ORDERS], "audiences": [STOCK]},
            })),
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["token_exchange"]["audiences"], json!([STOCK]));
    let id = created.json["client_id"].as_str().unwrap_or_default();
    let refused = server
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(&token),
            Some(json!({"token_exchange": {"audiences": ["not a uri"]}})),
        )
        .await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    let removed = server
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(&token),
            Some(json!({"token_exchange": null})),
        )
        .await?;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.json["token_exchange"], Value::Null);
    // Another organisation's member cannot touch it (the gate: 404 like a missing client).
    let stranger = server.create_user("mallory@example.com", PASSWORD).await?;
    server
        .create_org("Other", Some("mallory@example.com"))
        .await?;
    let theirs = server.access_token_for(&stranger, "admin:read admin:write")?;
    let denied = server
        .api(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(&theirs),
            Some(json!({"token_exchange": {"audiences": [STOCK]}})),
        )
        .await?;
    assert_eq!(denied.status, StatusCode::NOT_FOUND, "{}", denied.text);
    Ok(())
}

#[tokio::test]
async fn discovery_advertises_the_grant() -> anyhow::Result<()> {
    let server = poort_tests::start_server(|_| {}).await?;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let metadata: Value = reqwest::get(server.url(path)).await?.json().await?;
        let grants = metadata["grant_types_supported"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(grants.contains(&json!(EXCHANGE)), "{path}: {grants:?}");
    }
    Ok(())
}

//! Token exchange (RFC 8693): a service that received a user's access token trades it for one
//! for a downstream API, as a delegate (`act` names it) or, only when allowed, as the user.

use poort_oidc::token_request::GrantType;
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

    // The new token is for the stock API, not for the orders service: the orders service
    // cannot exchange it again.
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

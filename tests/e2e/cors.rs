//! CORS for browser apps: preflights on `/token`, `/revoke` and `/userinfo` for origins some
//! client accepts, answers that carry the origin only for their own client (never `*`, never
//! credentials), `/introspect` closed to browsers, and web origins set through the admin API.

use poort_oidc::token_request::GrantType;
use poort_server::client_cli;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{ClientSpec, Pkce, TestClient, TestServer, setup, start_server};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The origin of `ClientSpec::default()`'s redirect URI (`http://127.0.0.1:9999/callback`).
const APP: &str = "http://127.0.0.1:9999";
const EVIL: &str = "https://evil.example";

fn public() -> ClientSpec {
    ClientSpec {
        public: true,
        ..ClientSpec::default()
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn allowed_origin(headers: &HeaderMap) -> Option<String> {
    header(headers, "access-control-allow-origin")
}

fn varies_by_origin(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case("origin"))
        })
}

async fn preflight(
    server: &TestServer,
    path: &str,
    origin: &str,
    method: &str,
) -> anyhow::Result<(StatusCode, HeaderMap)> {
    let response = reqwest::Client::new()
        .request(Method::OPTIONS, server.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "content-type")
        .send()
        .await?;
    Ok((response.status(), response.headers().clone()))
}

/// A form POST from `origin` (client id in the body, as a public client sends it).
async fn post_from(
    server: &TestServer,
    path: &str,
    origin: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, HeaderMap, Value)> {
    let response = reqwest::Client::new()
        .post(server.url(path))
        .header("origin", origin)
        .form(form)
        .send()
        .await?;
    let (status, headers) = (response.status(), response.headers().clone());
    Ok((
        status,
        headers,
        response.json().await.unwrap_or(Value::Null),
    ))
}

async fn userinfo_from(
    server: &TestServer,
    origin: &str,
    token: &str,
) -> anyhow::Result<(StatusCode, HeaderMap)> {
    let response = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .header("origin", origin)
        .bearer_auth(token)
        .send()
        .await?;
    Ok((response.status(), response.headers().clone()))
}

fn text(v: &Value, field: &str) -> String {
    v[field].as_str().unwrap_or_default().to_owned()
}

/// Signs in through the real pages and redeems the code from `origin`.
async fn tokens_from(
    server: &TestServer,
    browser: &poort_tests::browser::Browser,
    client: &TestClient,
    origin: &str,
) -> anyhow::Result<(StatusCode, HeaderMap, Value)> {
    let pkce = Pkce::new();
    let code = server.obtain_code(browser, client, Some(&pkce)).await?;
    post_from(
        server,
        "/token",
        origin,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &client.redirect_uri),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client.id),
        ],
    )
    .await
}

#[tokio::test]
async fn preflights_answer_only_origins_a_client_accepts() -> anyhow::Result<()> {
    let (server, _client, _browser) = setup(public(), |_| {}).await?;
    for (path, methods) in [
        ("/token", "POST"),
        ("/revoke", "POST"),
        ("/userinfo", "GET, POST"),
    ] {
        let (status, headers) = preflight(&server, path, APP, "POST").await?;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(allowed_origin(&headers).as_deref(), Some(APP), "{path}");
        assert_eq!(
            header(&headers, "access-control-allow-methods").as_deref(),
            Some(methods)
        );
        let allowed_headers = header(&headers, "access-control-allow-headers").unwrap_or_default();
        assert!(
            allowed_headers.contains("authorization") && allowed_headers.contains("content-type")
        );
        assert_eq!(
            header(&headers, "access-control-max-age").as_deref(),
            Some("600")
        );
        assert!(varies_by_origin(&headers), "{path}");
        assert!(headers.get("access-control-allow-credentials").is_none());

        // An origin no client lists: no CORS headers at all, so the browser blocks.
        let (status, headers) = preflight(&server, path, EVIL, "POST").await?;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for name in [
            "access-control-allow-origin",
            "access-control-allow-methods",
            "access-control-allow-headers",
        ] {
            assert!(headers.get(name).is_none(), "{path}: {name} for {EVIL}");
        }
        assert!(varies_by_origin(&headers));
        // Almost the app's origin is not the app's origin.
        for near in [
            "http://127.0.0.1:9998",
            "https://127.0.0.1:9999",
            "http://127.0.0.1:9999/",
            "null",
        ] {
            let (_, headers) = preflight(&server, path, near, "POST").await?;
            assert!(allowed_origin(&headers).is_none(), "{path}: {near}");
        }
    }
    // Introspection is for confidential clients: closed to browsers.
    let (status, headers) = preflight(&server, "/introspect", APP, "POST").await?;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(allowed_origin(&headers).is_none());
    Ok(())
}

#[tokio::test]
async fn answers_carry_the_origin_only_for_their_own_client() -> anyhow::Result<()> {
    let (server, spa, browser) = setup(public(), |_| {}).await?;
    // A confidential client with the same redirect URI: its secret does not belong in a
    // browser, so it accepts no origin unless one is registered.
    let backend = server.create_client(ClientSpec::default()).await?;

    let (status, headers, tokens) = tokens_from(&server, &browser, &spa, APP).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(allowed_origin(&headers).as_deref(), Some(APP), "never *");
    assert!(headers.get("access-control-allow-credentials").is_none());
    assert!(varies_by_origin(&headers));
    let access = text(&tokens, "access_token");
    let refresh = text(&tokens, "refresh_token");

    // Userinfo: the access token's client accepts the origin.
    let (status, headers) = userinfo_from(&server, APP, &access).await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(allowed_origin(&headers).as_deref(), Some(APP));
    let (status, headers) = userinfo_from(&server, EVIL, &access).await?;
    assert_eq!(status, StatusCode::OK, "CORS is the browser's check");
    assert!(allowed_origin(&headers).is_none());
    // A refused token: readable by an origin some client accepts (the app learns why), with
    // the challenge exposed; not by others.
    let (status, headers) = userinfo_from(&server, APP, "not-a-token").await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(allowed_origin(&headers).as_deref(), Some(APP));
    assert_eq!(
        header(&headers, "access-control-expose-headers").as_deref(),
        Some("WWW-Authenticate")
    );
    let (_, headers) = userinfo_from(&server, EVIL, "not-a-token").await?;
    assert!(allowed_origin(&headers).is_none());

    // Refresh from another origin: answered (the browser would block reading it), no header.
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", spa.id.as_str()),
    ];
    let (status, headers, refreshed) = post_from(&server, "/token", EVIL, &refresh_form).await?;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert!(allowed_origin(&headers).is_none());
    // A refusal for the app's own client is readable by the app (invalid_grant: reused,
    // past the retry window of 5 s).
    server.clock.advance(6);
    let (status, headers, refused) = post_from(&server, "/token", APP, &refresh_form).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&refused, "error"), "invalid_grant");
    assert_eq!(allowed_origin(&headers).as_deref(), Some(APP));

    // The confidential client's requests from the same origin carry nothing.
    let (status, headers, _) = post_from(
        &server,
        "/token",
        APP,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "unknown"),
            ("client_id", backend.id.as_str()),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(allowed_origin(&headers).is_none());
    // Unknown clients and requests without a client neither.
    for form in [
        vec![("grant_type", "refresh_token"), ("client_id", "nobody")],
        vec![("grant_type", "refresh_token")],
    ] {
        let (_, headers, _) = post_from(&server, "/token", APP, &form).await?;
        assert!(allowed_origin(&headers).is_none(), "{form:?}");
    }

    // Revocation by the app, from its origin.
    let new_access = text(&refreshed, "access_token");
    let (status, headers, _) = post_from(
        &server,
        "/revoke",
        APP,
        &[
            ("token", new_access.as_str()),
            ("client_id", spa.id.as_str()),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(allowed_origin(&headers).as_deref(), Some(APP));
    let (_, headers, _) = post_from(
        &server,
        "/revoke",
        EVIL,
        &[("token", "x"), ("client_id", spa.id.as_str())],
    )
    .await?;
    assert!(allowed_origin(&headers).is_none());

    // Introspection never answers browsers, whoever asks.
    let (_, headers, _) = post_from(
        &server,
        "/introspect",
        APP,
        &[("token", access.as_str()), ("client_id", spa.id.as_str())],
    )
    .await?;
    assert!(allowed_origin(&headers).is_none());
    Ok(())
}

#[tokio::test]
async fn registered_origins_replace_the_default() -> anyhow::Result<()> {
    let (server, _spa, _browser) = setup(
        ClientSpec {
            web_origins: vec!["https://spa.example".into()],
            ..public()
        },
        |_| {},
    )
    .await?;
    let (_, headers) = preflight(&server, "/token", "https://spa.example", "POST").await?;
    assert_eq!(
        allowed_origin(&headers).as_deref(),
        Some("https://spa.example")
    );
    let (_, headers) = preflight(&server, "/token", APP, "POST").await?;
    assert!(
        allowed_origin(&headers).is_none(),
        "the default no longer applies"
    );
    Ok(())
}

#[tokio::test]
async fn an_organisation_sets_its_clients_web_origins_through_the_api() -> anyhow::Result<()> {
    let (server, _spa, _browser) = setup(
        ClientSpec {
            grants: vec![GrantType::AuthorizationCode],
            ..ClientSpec::default()
        },
        |_| {},
    )
    .await?;
    let owner = server
        .create_user("owner@a.example", "a long and unguessable passphrase")
        .await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let other = server.create_org("B", None).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}/clients", org.id);

    for bad in [
        "https://spa.example/",
        "https://spa.example/app",
        "https://*.example",
        "*",
        "http://spa.example",
        "spa.example",
    ] {
        let body = json!({"name": "SPA", "public": true,
                          "redirect_uris": ["https://spa.example/cb"], "web_origins": [bad]});
        let reply = server
            .api(Method::POST, &base, Some(&token), Some(body))
            .await?;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.text
        );
        assert_eq!(reply.json["error"], "invalid_request");
    }

    let body = json!({"name": "SPA", "public": true, "redirect_uris": ["https://spa.example/cb"]});
    let created = server
        .api(Method::POST, &base, Some(&token), Some(body))
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = text(&created.json, "client_id");
    assert_eq!(created.json["web_origins"], json!([]));
    assert_eq!(
        created.json["effective_web_origins"],
        json!(["https://spa.example"])
    );
    let (_, headers) = preflight(&server, "/token", "https://spa.example", "POST").await?;
    assert_eq!(
        allowed_origin(&headers).as_deref(),
        Some("https://spa.example")
    );

    let path = format!("{base}/{id}");
    let change = json!({"web_origins": ["https://app.a.example", "http://localhost:5173"]});
    let changed = server
        .api(Method::PATCH, &path, Some(&token), Some(change.clone()))
        .await?;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json["web_origins"], change["web_origins"]);
    // Seen at once on this node (its cached copy is dropped).
    let (_, headers) = preflight(&server, "/token", "https://app.a.example", "POST").await?;
    assert_eq!(
        allowed_origin(&headers).as_deref(),
        Some("https://app.a.example")
    );
    let (_, headers) = preflight(&server, "/token", "https://spa.example", "POST").await?;
    assert!(allowed_origin(&headers).is_none());

    // Refusals: a bad origin, an unknown field, another organisation's client.
    let reply = server
        .api(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"web_origins": ["https://a.example/path"]})),
        )
        .await?;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = server
        .api(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"web_origins": [], "public": false})),
        )
        .await?;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let (platform_client, _) = server.create_org_client(&other.id).await?;
    let reply = server
        .api(
            Method::PATCH,
            &format!("{base}/{platform_client}"),
            Some(&token),
            Some(json!({"web_origins": []})),
        )
        .await?;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Back to the default, audited in the organisation's chain.
    let reset = server
        .api(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"web_origins": []})),
        )
        .await?;
    assert_eq!(
        reset.json["effective_web_origins"],
        json!(["https://spa.example"])
    );
    let audit = server
        .api(
            Method::GET,
            &format!(
                "/api/v1/orgs/{}/audit?action=client.web_origins_changed",
                org.id
            ),
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    assert_eq!(
        audit.json["entries"].as_array().map(Vec::len),
        Some(2),
        "{}",
        audit.text
    );
    Ok(())
}

/// Runs `poort client ARGS --json` against the server's database.
async fn client_command(server: &TestServer, args: &[&str]) -> anyhow::Result<Value> {
    let command = client_cli::parse(args.iter().copied())?;
    let env = client_cli::ClientCliEnv::of(&server.state);
    let output = client_cli::execute(&env, server.now(), command, true).await?;
    Ok(serde_json::from_str(&output)?)
}

#[tokio::test]
async fn the_operator_sets_web_origins_from_the_command_line() -> anyhow::Result<()> {
    // No cache: what the CLI process writes is seen by the next request.
    let server = start_server(|config| config.cache_ttl_secs = 0).await?;
    let create = |origin: &'static str| {
        [
            "create",
            "--name",
            "SPA",
            "--public",
            "--redirect-uri",
            "https://spa.example/cb",
            "--web-origin",
            origin,
        ]
    };
    for bad in [
        "https://spa.example/",
        "https://*.example",
        "http://spa.example",
    ] {
        let refused = client_command(&server, &create(bad)).await;
        assert!(refused.is_err(), "{bad} was accepted");
    }
    let created = client_command(&server, &create("https://app.example")).await?;
    let id = text(&created, "client_id");
    let allowed = |origin: &'static str| {
        let server = &server;
        async move {
            let (_, headers) = preflight(server, "/token", origin, "POST").await?;
            anyhow::Ok(allowed_origin(&headers).is_some())
        }
    };
    assert!(allowed("https://app.example").await?);
    assert!(
        !allowed("https://spa.example").await?,
        "registered origins replace the default"
    );

    let updated = client_command(
        &server,
        &["update", &id, "--web-origin", "https://other.example"],
    )
    .await?;
    assert_eq!(updated["web_origins"], json!(["https://other.example"]));
    assert!(allowed("https://other.example").await?);
    assert!(!allowed("https://app.example").await?);

    let reset = client_command(&server, &["update", &id, "--default-web-origins"]).await?;
    assert_eq!(
        reset["effective_web_origins"],
        json!(["https://spa.example"])
    );
    assert!(allowed("https://spa.example").await?);
    assert!(!allowed("https://other.example").await?);

    let listed = client_command(&server, &["list"]).await?;
    assert_eq!(listed[0]["web_origins"], json!([]));
    assert!(
        client_command(
            &server,
            &[
                "update",
                "no-such-client",
                "--web-origin",
                "https://a.example"
            ]
        )
        .await
        .is_err()
    );
    assert!(
        client_command(
            &server,
            &["update", &id, "--web-origin", "https://a.example/x"]
        )
        .await
        .is_err()
    );
    Ok(())
}

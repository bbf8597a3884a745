//! Key-based client authentication (RFC 7523, OpenID Connect Core §9): `private_key_jwt` with
//! RS256, ES256 and EdDSA keys generated here, registered inline or served at a `jwks_uri` (a
//! rotated key is picked up), `client_secret_jwt` with the client secret (rotation keeps
//! working), and every refusal answered with the OAuth error, never a 500.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_oidc::client_assertion::JWT_BEARER_ASSERTION_TYPE;
use poort_oidc::client_auth::ClientAuthMethod;
use poort_oidc::jose::{SigningAlg, SigningKey, sign_jwt};
use poort_oidc::token_request::GrantType;
use poort_server::client_cli;
use poort_server::flows::client_auth_settings::{self, AuthSettings};
use poort_server::flows::orgs::Actor;
use poort_store::clients::ClientScope;
use poort_tests::static_site::StaticSite;
use poort_tests::{ClientSpec, TestClient, TestServer, start_server};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn jwks_of(keys: &[&SigningKey]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|key| serde_json::to_value(key.public_jwk()).unwrap_or_default())
        .collect();
    json!({ "keys": keys }).to_string()
}

fn service(method: ClientAuthMethod) -> ClientSpec {
    ClientSpec {
        grants: vec![GrantType::ClientCredentials],
        allowed_scopes: vec!["reports.read".into()],
        auth_method: Some(method),
        ..ClientSpec::default()
    }
}

fn new_key(alg: SigningAlg) -> anyhow::Result<SigningKey> {
    Ok(SigningKey::generate(alg)?.0)
}

/// The claims of a good assertion for `client` at `server`, now.
fn claims(server: &TestServer, client_id: &str) -> Value {
    let now = server.now();
    json!({
        "iss": client_id, "sub": client_id, "aud": server.url("/token"),
        "iat": now, "exp": now + 60, "jti": uuid::Uuid::new_v4().to_string(),
    })
}

fn signed(key: &SigningKey, claims: &Value) -> anyhow::Result<String> {
    Ok(sign_jwt(key, "JWT", claims)?)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// An HMAC-signed assertion (`client_secret_jwt`) with `key` as the HMAC key.
fn hmac_signed(alg: &str, key: &[u8], claims: &Value) -> String {
    let algorithm = match alg {
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    };
    let input = format!(
        "{}.{}",
        b64(&json!({"alg": alg, "typ": "JWT"})),
        b64(claims)
    );
    let tag = hmac::sign(&hmac::Key::new(algorithm, key), input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// POSTs `form` to `path` with the assertion; the status and the JSON answer.
async fn post(
    server: &TestServer,
    path: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, Value)> {
    let response = reqwest::Client::new()
        .post(server.url(path))
        .form(form)
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.json().await?))
}

async fn token_with(server: &TestServer, assertion: &str) -> anyhow::Result<(StatusCode, Value)> {
    post(
        server,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", assertion),
        ],
    )
    .await
}

fn assert_refused(answer: &(StatusCode, Value), code: &str, case: &str) {
    let status = match code {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    assert_eq!(answer.0, status, "{case}: {}", answer.1);
    assert_eq!(answer.1["error"], code, "{case}: {}", answer.1);
}

fn assert_token(answer: &(StatusCode, Value), case: &str) {
    assert_eq!(answer.0, StatusCode::OK, "{case}: {}", answer.1);
    assert!(answer.1["access_token"].is_string(), "{case}: {}", answer.1);
}

async fn private_key_client(server: &TestServer, key: &SigningKey) -> anyhow::Result<TestClient> {
    server
        .create_client(ClientSpec {
            jwks: Some(jwks_of(&[key])),
            ..service(ClientAuthMethod::PrivateKeyJwt)
        })
        .await
}

#[tokio::test]
async fn private_key_jwt_with_rs256_es256_and_eddsa_keys_registered_inline() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    for alg in SigningAlg::ALL {
        let key = new_key(alg)?;
        let client = private_key_client(&server, &key).await?;
        assert_eq!(
            client.secret, None,
            "{alg}: a private_key_jwt client has no secret"
        );
        let answer = token_with(&server, &signed(&key, &claims(&server, &client.id))?).await?;
        assert_token(&answer, alg.as_str());
        // The issuer is an accepted audience too, and client_id may repeat the issuer.
        let mut to_issuer = claims(&server, &client.id);
        to_issuer["aud"] = json!([server.base.clone()]);
        let answer = post(
            &server,
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client.id.as_str()),
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
                ("client_assertion", &signed(&key, &to_issuer)?),
            ],
        )
        .await?;
        assert_token(&answer, &format!("{alg}, aud = issuer"));
        // Introspection and revocation authenticate the same way.
        let access_token = answer.1["access_token"].as_str().unwrap_or_default();
        let introspected = post(
            &server,
            "/introspect",
            &[
                ("token", access_token),
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
                (
                    "client_assertion",
                    &signed(&key, &claims(&server, &client.id))?,
                ),
            ],
        )
        .await?;
        assert_eq!(introspected.0, StatusCode::OK, "{}", introspected.1);
        assert_eq!(introspected.1["active"], true);
        let revoked = post(
            &server,
            "/revoke",
            &[
                ("token", access_token),
                ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
                (
                    "client_assertion",
                    &signed(&key, &claims(&server, &client.id))?,
                ),
            ],
        )
        .await?;
        assert_eq!(revoked.0, StatusCode::OK, "{}", revoked.1);
    }
    Ok(())
}

#[tokio::test]
async fn private_key_jwt_through_a_jwks_uri_picks_up_a_rotated_key() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let site = StaticSite::start().await?;
    let old = new_key(SigningAlg::ES256)?;
    let new = new_key(SigningAlg::RS256)?;
    site.put("/jwks", "application/json", jwks_of(&[&old]));
    let client = server
        .create_client(ClientSpec {
            jwks_uri: Some(site.url("/jwks")),
            ..service(ClientAuthMethod::PrivateKeyJwt)
        })
        .await?;
    let answer = token_with(&server, &signed(&old, &claims(&server, &client.id))?).await?;
    assert_token(&answer, "the registered key");

    // The client rotates: its jwks_uri now serves the new key only.
    site.put("/jwks", "application/json", jwks_of(&[&new]));
    // Fetched a moment ago: an unknown kid does not fetch again at once (no proxying on demand)...
    let answer = token_with(&server, &signed(&new, &claims(&server, &client.id))?).await?;
    assert_refused(&answer, "invalid_client", "refetch within 30 s");
    // ...but does once the last fetch is 30 s old, long before the 5-minute cache expires.
    server.clock.advance(31);
    let answer = token_with(&server, &signed(&new, &claims(&server, &client.id))?).await?;
    assert_token(&answer, "the rotated key");
    // The old key is gone from the set.
    let answer = token_with(&server, &signed(&old, &claims(&server, &client.id))?).await?;
    assert_refused(&answer, "invalid_client", "the retired key");
    Ok(())
}

#[tokio::test]
async fn client_secret_jwt_signs_with_the_secret_and_survives_rotation() -> anyhow::Result<()> {
    let server = start_server(|config| config.cache_ttl_secs = 0).await?;
    let client = server
        .create_client(service(ClientAuthMethod::ClientSecretJwt))
        .await?;
    let secret = client
        .secret
        .clone()
        .ok_or_else(|| anyhow::anyhow!("client_secret_jwt needs a secret"))?;
    for alg in ["HS256", "HS384", "HS512"] {
        let jwt = hmac_signed(alg, secret.as_bytes(), &claims(&server, &client.id));
        assert_token(&token_with(&server, &jwt).await?, alg);
    }
    // Its secret is only an HMAC key: Basic and POST are refused.
    let basic = server
        .token(&client, &[("grant_type", "client_credentials")])
        .await?;
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
    let wrong = hmac_signed("HS256", b"not the secret", &claims(&server, &client.id));
    assert_refused(
        &token_with(&server, &wrong).await?,
        "invalid_client",
        "wrong key",
    );

    let rotated = poort_server::flows::clients::rotate_secret(
        &server.state,
        &client.id,
        ClientScope::Any,
        &Actor::operator(),
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("not rotated"))?;
    let jwt = hmac_signed("HS256", rotated.as_bytes(), &claims(&server, &client.id));
    assert_token(&token_with(&server, &jwt).await?, "the rotated secret");
    let jwt = hmac_signed("HS256", secret.as_bytes(), &claims(&server, &client.id));
    assert_refused(
        &token_with(&server, &jwt).await?,
        "invalid_client",
        "old secret",
    );
    Ok(())
}

#[tokio::test]
async fn bad_assertions_are_refused_with_the_oauth_error() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let key = new_key(SigningAlg::RS256)?;
    let client = private_key_client(&server, &key).await?;
    let id = client.id.as_str();

    let once = signed(&key, &claims(&server, id))?;
    assert_token(&token_with(&server, &once).await?, "first use");
    assert_refused(
        &token_with(&server, &once).await?,
        "invalid_client",
        "replayed jti",
    );

    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut changed = |case, name: &str, value: Value| {
        let mut all = claims(&server, id);
        match value {
            Value::Null => {
                if let Some(claims) = all.as_object_mut() {
                    claims.remove(name);
                }
            }
            value => all[name] = value,
        }
        cases.push((case, all));
    };
    changed("wrong aud", "aud", json!("https://elsewhere.example/token"));
    changed(
        "introspection endpoint as aud",
        "aud",
        json!(server.url("/introspect")),
    );
    changed("expired", "exp", json!(server.now() - 120));
    changed("no exp", "exp", Value::Null);
    changed("an hour long", "exp", json!(server.now() + 3600));
    changed("not yet valid", "nbf", json!(server.now() + 300));
    changed("iss is not sub", "sub", json!("someone-else"));
    changed("no jti", "jti", Value::Null);
    for (case, claims) in &cases {
        let answer = token_with(&server, &signed(&key, claims)?).await?;
        assert_refused(&answer, "invalid_client", case);
    }

    // Unsigned.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none"})),
        b64(&claims(&server, id))
    );
    assert_refused(
        &token_with(&server, &none).await?,
        "invalid_client",
        "alg none",
    );
    // Algorithm confusion: HS256 keyed with the registered public key.
    let jwks = jwks_of(&[&key]);
    let confused = hmac_signed("HS256", jwks.as_bytes(), &claims(&server, id));
    assert_refused(
        &token_with(&server, &confused).await?,
        "invalid_client",
        "HS256 with public key",
    );
    // Another key claiming the client.
    let stranger = signed(&new_key(SigningAlg::RS256)?, &claims(&server, id))?;
    assert_refused(
        &token_with(&server, &stranger).await?,
        "invalid_client",
        "foreign key",
    );
    // Too large to read.
    let huge = "a".repeat(9 * 1024);
    assert_refused(
        &token_with(&server, &huge).await?,
        "invalid_client",
        "oversized",
    );
    assert_refused(
        &token_with(&server, "not.a.jwt").await?,
        "invalid_client",
        "garbage",
    );

    // Request shape: a secret besides the assertion, another client_id, a foreign type.
    let good = signed(&key, &claims(&server, id))?;
    for (extra, case) in [
        (("client_secret", "s"), "with a secret"),
        (("client_id", "other"), "another client_id"),
    ] {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", good.as_str()),
            extra,
        ];
        assert_refused(
            &post(&server, "/token", &form).await?,
            "invalid_request",
            case,
        );
    }
    let basic_too = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(id, Some("s"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", good.as_str()),
        ])
        .send()
        .await?;
    assert_eq!(
        basic_too.status(),
        StatusCode::BAD_REQUEST,
        "Basic and an assertion"
    );
    let saml = post(
        &server,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
            ),
            ("client_assertion", &good),
        ],
    )
    .await?;
    assert_refused(&saml, "invalid_request", "saml2-bearer");
    Ok(())
}

#[tokio::test]
async fn a_client_authenticates_only_by_the_method_it_registered() -> anyhow::Result<()> {
    let server = start_server(|config| config.cache_ttl_secs = 0).await?;
    // Registered for secrets: a signed assertion, even with its own secret, is refused.
    let secret_client = server
        .create_client(service(ClientAuthMethod::ClientSecretBasic))
        .await?;
    let secret = secret_client.secret.clone().unwrap_or_default();
    let jwt = hmac_signed(
        "HS256",
        secret.as_bytes(),
        &claims(&server, &secret_client.id),
    );
    assert_refused(
        &token_with(&server, &jwt).await?,
        "invalid_client",
        "assertion for secret client",
    );
    let basic = server
        .token(&secret_client, &[("grant_type", "client_credentials")])
        .await?;
    assert_eq!(basic.status(), StatusCode::OK, "Basic still works");

    // The operator moves it to private_key_jwt: its old secret stops working.
    let key = new_key(SigningAlg::EdDSA)?;
    let changed = client_auth_settings::change(
        &server.state.db,
        &server.state.master_key,
        &secret_client.id,
        ClientScope::Any,
        AuthSettings {
            method: Some(ClientAuthMethod::PrivateKeyJwt),
            jwks: Some(jwks_of(&[&key])),
            jwks_uri: None,
        },
        server.now(),
        &Actor::operator(),
    )
    .await?;
    assert!(changed.is_some_and(|changed| changed.secret.is_none()));
    let basic = server
        .token(&secret_client, &[("grant_type", "client_credentials")])
        .await?;
    assert_eq!(
        basic.status(),
        StatusCode::UNAUTHORIZED,
        "secret for private_key_jwt"
    );
    let post_secret = post(
        &server,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", secret_client.id.as_str()),
            ("client_secret", secret.as_str()),
        ],
    )
    .await?;
    assert_refused(
        &post_secret,
        "invalid_client",
        "client_secret_post for private_key_jwt",
    );
    let jwt = signed(&key, &claims(&server, &secret_client.id))?;
    assert_token(&token_with(&server, &jwt).await?, "its registered key");
    Ok(())
}

/// Runs `poort client ARGS --json` against the server.
async fn client_command(server: &TestServer, args: &[&str]) -> anyhow::Result<Value> {
    let command = client_cli::parse(args.iter().copied())?;
    let env = client_cli::ClientCliEnv::of(&server.state);
    let output = client_cli::execute(&env, server.now(), command, true).await?;
    Ok(serde_json::from_str(&output)?)
}

#[tokio::test]
async fn the_operator_registers_keys_and_methods_from_the_command_line() -> anyhow::Result<()> {
    let server = start_server(|config| config.cache_ttl_secs = 0).await?;
    let key = new_key(SigningAlg::ES256)?;
    let dir = std::env::temp_dir().join(format!("poort-jwks-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let jwks_file = dir.join("jwks.json");
    std::fs::write(&jwks_file, jwks_of(&[&key]))?;
    let path = jwks_file.to_string_lossy().to_string();
    let base = [
        "create",
        "--name",
        "signer",
        "--grant",
        "client_credentials",
        "--scope",
        "reports.read",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--auth-method",
        "private_key_jwt",
        "--jwks-file",
        path.as_str(),
    ]);
    let created = client_command(&server, &args).await?;
    let id = created["client_id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(created["client_secret"], Value::Null);
    let jwt = signed(&key, &claims(&server, &id))?;
    assert_token(&token_with(&server, &jwt).await?, "CLI-registered key");
    let listed = client_command(&server, &["list"]).await?;
    let shown = listed
        .as_array()
        .and_then(|all| all.iter().find(|c| c["client_id"] == id.as_str()).cloned())
        .unwrap_or_default();
    assert_eq!(shown["token_endpoint_auth_method"], "private_key_jwt");

    // Moving to client_secret_jwt issues a secret, shown once, that signs its assertions.
    let updated = client_command(
        &server,
        &["update", &id, "--auth-method", "client_secret_jwt"],
    )
    .await?;
    assert_eq!(updated["token_endpoint_auth_method"], "client_secret_jwt");
    let secret = updated["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!secret.is_empty(), "{updated}");
    let jwt = hmac_signed("HS256", secret.as_bytes(), &claims(&server, &id));
    assert_token(
        &token_with(&server, &jwt).await?,
        "client_secret_jwt after update",
    );
    let jwt = signed(&key, &claims(&server, &id))?;
    assert_refused(
        &token_with(&server, &jwt).await?,
        "invalid_client",
        "old method",
    );

    // Refused at registration: private key material, private and link-local addresses.
    std::fs::write(&jwks_file, r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#)?;
    let mut args = base.to_vec();
    args.extend([
        "--auth-method",
        "private_key_jwt",
        "--jwks-file",
        path.as_str(),
    ]);
    assert!(
        client_command(&server, &args).await.is_err(),
        "symmetric key"
    );
    for uri in [
        "https://10.0.0.8/jwks",
        "https://169.254.169.254/latest/meta-data",
        "https://192.168.1.20/jwks",
        "http://app.example/jwks",
    ] {
        let mut args = base.to_vec();
        args.extend(["--auth-method", "private_key_jwt", "--jwks-uri", uri]);
        assert!(
            client_command(&server, &args).await.is_err(),
            "{uri} was accepted"
        );
    }
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test]
async fn discovery_lists_exactly_the_accepted_methods_and_algorithms() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let document: Value = reqwest::get(server.url(path)).await?.json().await?;
        assert_eq!(
            document["token_endpoint_auth_methods_supported"],
            json!([
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
                "client_secret_jwt",
                "none"
            ]),
            "{path}"
        );
        assert_eq!(
            document["token_endpoint_auth_signing_alg_values_supported"],
            json!([
                "RS256", "PS256", "ES256", "EdDSA", "HS256", "HS384", "HS512"
            ]),
            "{path}"
        );
        let introspection = document["introspection_endpoint_auth_methods_supported"].to_string();
        assert!(introspection.contains("private_key_jwt") && !introspection.contains("none"));
    }
    Ok(())
}

#[tokio::test]
async fn an_organisation_registers_and_changes_key_based_clients_through_the_api()
-> anyhow::Result<()> {
    use poort_tests::orgs::ALL_SCOPES;
    use reqwest::Method;
    let server = start_server(|config| config.cache_ttl_secs = 0).await?;
    let owner = server
        .create_user("owner@a.example", poort_tests::PASSWORD)
        .await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}/clients", org.id);
    let key = new_key(SigningAlg::EdDSA)?;
    let jwks: Value = serde_json::from_str(&jwks_of(&[&key]))?;
    let service = |extra: Value| {
        let mut body = json!({"name": "Signer", "grant_types": ["client_credentials"],
            "allowed_scopes": ["reports.read"]});
        for (name, value) in extra.as_object().cloned().unwrap_or_default() {
            body[name] = value;
        }
        body
    };

    let created = server
        .api(
            Method::POST,
            &base,
            Some(&token),
            Some(service(json!({
                "token_endpoint_auth_method": "private_key_jwt", "jwks": jwks,
            }))),
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["client_secret"], Value::Null);
    assert_eq!(
        created.json["token_endpoint_auth_method"],
        "private_key_jwt"
    );
    let id = created.json["client_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let jwt = signed(&key, &claims(&server, &id))?;
    assert_token(&token_with(&server, &jwt).await?, "API-registered key");

    // Refused at registration, nothing written: private addresses, private keys, a
    // confidential client without authentication, keys for a secret method.
    let mut private_jwks = jwks.clone();
    private_jwks["keys"][0]["d"] = json!("AAAA");
    for (body, case) in [
        (
            json!({"token_endpoint_auth_method": "private_key_jwt",
                "jwks_uri": "https://10.1.2.3/jwks"}),
            "private address",
        ),
        (
            json!({"token_endpoint_auth_method": "private_key_jwt",
                "jwks_uri": "https://169.254.169.254/jwks"}),
            "link-local address",
        ),
        (
            json!({"token_endpoint_auth_method": "private_key_jwt", "jwks": private_jwks}),
            "private key",
        ),
        (
            json!({"token_endpoint_auth_method": "private_key_jwt"}),
            "no keys",
        ),
        (
            json!({"token_endpoint_auth_method": "none"}),
            "confidential without auth",
        ),
        (json!({"jwks": jwks}), "keys for client_secret_basic"),
        (
            json!({"token_endpoint_auth_method": "tls_client_auth"}),
            "unknown method",
        ),
    ] {
        let refused = server
            .api(Method::POST, &base, Some(&token), Some(service(body)))
            .await?;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{case}: {}",
            refused.text
        );
    }
    let listed = server.api(Method::GET, &base, Some(&token), None).await?;
    assert_eq!(listed.json["clients"].as_array().map(Vec::len), Some(1));

    // PATCH to client_secret_jwt: a secret, once, that signs its assertions.
    let changed = server
        .api(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&token),
            Some(json!({"token_endpoint_auth_method": "client_secret_jwt"})),
        )
        .await?;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let secret = changed.json["client_secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let jwt = hmac_signed("HS256", secret.as_bytes(), &claims(&server, &id));
    assert_token(
        &token_with(&server, &jwt).await?,
        "client_secret_jwt after PATCH",
    );
    let jwt = signed(&key, &claims(&server, &id))?;
    assert_refused(
        &token_with(&server, &jwt).await?,
        "invalid_client",
        "key after PATCH",
    );
    let refused = server
        .api(
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(&token),
            Some(json!({"jwks_uri": "https://10.1.2.3/jwks"})),
        )
        .await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    Ok(())
}

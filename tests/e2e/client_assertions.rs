//! Key-based client authentication (RFC 7523, OpenID Connect Core §9): `private_key_jwt` with
//! RS256, ES256 and EdDSA keys generated here, registered inline or served at a `jwks_uri` (a
//! rotated key is picked up), `client_secret_jwt` with the client secret (rotation keeps
//! working), and every refusal answered with the OAuth error, never a 500.

use poort_oidc::client_assertion::JWT_BEARER_ASSERTION_TYPE;
use poort_oidc::client_auth::ClientAuthMethod;
use poort_oidc::jose::SigningAlg;
use poort_server::flows::client_auth_settings::{self, AuthSettings};
use poort_server::flows::orgs::Actor;
use poort_store::clients::ClientScope;
use poort_tests::client_assertions::{
    assert_refused, assert_token, b64, claims, hmac_signed, jwks_of, new_key, post,
    private_key_client, service, signed, token_with,
};
use poort_tests::static_site::StaticSite;
use poort_tests::{ClientSpec, start_server};
use reqwest::StatusCode;
use serde_json::{Value, json};

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

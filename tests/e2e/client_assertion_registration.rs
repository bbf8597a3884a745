//! Registering key-based client authentication: the CLI (`--auth-method`, `--jwks-file`,
//! `--jwks-uri`), the admin API (`token_endpoint_auth_method`, `jwks`, `jwks_uri`), what each
//! refuses (private key material, private addresses), and discovery advertising exactly the
//! accepted methods and algorithms.

use poort_oidc::jose::SigningAlg;
use poort_server::client_cli;
use poort_tests::client_assertions::{
    assert_refused, assert_token, claims, hmac_signed, jwks_of, new_key, signed, token_with,
};
use poort_tests::{TestServer, start_server};
use reqwest::StatusCode;
use serde_json::{Value, json};

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
                "RS256", "PS256", "ES256", "EdDSA", "Ed25519", "HS256", "HS384", "HS512"
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

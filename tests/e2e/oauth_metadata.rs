//! RFC 8414 authorization server metadata: the same issuer and endpoints as OpenID discovery.

use poort_tests::{ClientSpec, setup, start_server};
use reqwest::StatusCode;

async fn document(url: &str) -> anyhow::Result<serde_json::Value> {
    let response = reqwest::get(url).await?;
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(response.headers()["content-type"], "application/json");
    Ok(response.json().await?)
}

#[tokio::test]
async fn oauth_metadata_agrees_with_openid_discovery() -> anyhow::Result<()> {
    let (server, _, _) = setup(ClientSpec::default(), |_| {}).await?;
    let oidc = document(&server.url("/.well-known/openid-configuration")).await?;
    let oauth = document(&server.url("/.well-known/oauth-authorization-server")).await?;
    assert_eq!(oauth["issuer"], server.base.as_str());
    // RFC 8414 §2: required, and required here because we have the endpoints.
    for name in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "response_types_supported",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint",
        "introspection_endpoint",
        "code_challenge_methods_supported",
    ] {
        assert!(oauth.get(name).is_some(), "{name} missing");
    }
    let members = oauth
        .as_object()
        .ok_or_else(|| anyhow::anyhow!("not an object"))?;
    for (name, value) in members {
        assert_eq!(&oidc[name], value, "{name} differs from discovery");
    }
    assert_eq!(
        oauth["token_endpoint"],
        format!("{}/token", server.base).as_str()
    );
    assert_eq!(
        oauth["authorization_response_iss_parameter_supported"],
        true
    );
    // OpenID-only members are not part of the OAuth document.
    assert!(oauth.get("userinfo_endpoint").is_none());
    assert!(oauth.get("id_token_signing_alg_values_supported").is_none());
    Ok(())
}

#[tokio::test]
async fn an_issuer_with_a_path_has_its_metadata_after_the_well_known_name() -> anyhow::Result<()> {
    let server = start_server(|config| {
        config.issuer = "https://id.example.com/poort".into();
    })
    .await?;
    let inserted = document(&server.url("/.well-known/oauth-authorization-server/poort")).await?;
    assert_eq!(inserted["issuer"], "https://id.example.com/poort");
    assert_eq!(
        inserted["authorization_endpoint"],
        "https://id.example.com/poort/authorize"
    );
    let oidc = document(&server.url("/.well-known/openid-configuration")).await?;
    assert_eq!(inserted["jwks_uri"], oidc["jwks_uri"]);
    // The plain name still answers (for proxies that strip the issuer's path).
    let plain = document(&server.url("/.well-known/oauth-authorization-server")).await?;
    assert_eq!(plain, inserted);
    let other = reqwest::get(server.url("/.well-known/oauth-authorization-server/other")).await?;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    Ok(())
}

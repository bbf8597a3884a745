//! Interop with an unmodified JavaScript relying party: the npm `openid-client` package (6.x,
//! `tests/interop/openid-client/rp.mjs`, run by node) against a test server, this test playing
//! the user's browser. Every check the library makes (issuer, `iss` in the response, state,
//! nonce, PKCE, ID token signature and algorithm, userinfo `sub`) runs on our answers; the test
//! asserts each step's result by name and the provider's errors where a step must fail.
//! Needs `npm ci` in tests/interop/openid-client (scripts/test runs it).

use poort_oidc::discovery;
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_tests::browser::Landing;
use poort_tests::openid_client::{Interop, web_app};
use poort_tests::{ClientSpec, EMAIL, Pkce, TestClient};
use serde_json::json;

const OFFLINE: &str = "openid email profile offline_access";

#[tokio::test]
async fn openid_client_discovers_the_provider_with_oidc_and_rfc8414_metadata() -> anyhow::Result<()>
{
    let mut it = Interop::start().await?;
    let base = it.server.base.clone();
    let (client, oidc) = it
        .register("web", web_app(SigningAlg::RS256), "client_secret_basic")
        .await?;
    assert_eq!(oidc["issuer"], base.as_str(), "{oidc}");
    for (field, path) in [
        ("authorization_endpoint", discovery::AUTHORIZE_PATH),
        ("token_endpoint", discovery::TOKEN_PATH),
        ("userinfo_endpoint", discovery::USERINFO_PATH),
        ("jwks_uri", discovery::JWKS_PATH),
        ("end_session_endpoint", discovery::END_SESSION_PATH),
    ] {
        assert_eq!(oidc[field], format!("{base}{path}"), "{field}: {oidc}");
    }
    assert_eq!(oidc["supports_pkce"], true, "{oidc}");
    assert_eq!(
        oidc["authorization_response_iss_parameter_supported"], true,
        "{oidc}"
    );
    let modes = oidc["response_modes_supported"].to_string();
    assert!(
        modes.contains("form_post") && modes.contains("fragment"),
        "{oidc}"
    );

    // RFC 8414 (`/.well-known/oauth-authorization-server`): the same issuer and endpoints.
    let oauth = it
        .discover(
            "web-oauth",
            &client,
            "client_secret_basic",
            "RS256",
            "oauth2",
            json!({}),
        )
        .await?;
    for field in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "supports_pkce",
    ] {
        assert_eq!(oauth[field], oidc[field], "{field}: {oauth} vs {oidc}");
    }
    // A code flow configured from the OAuth metadata alone works too.
    it.sign_in("web-oauth", SigningAlg::RS256, json!({}))
        .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_signs_in_with_basic_and_post_and_every_id_token_algorithm()
-> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    for (name, alg, auth) in [
        ("rs256-basic", SigningAlg::RS256, "client_secret_basic"),
        ("es256-post", SigningAlg::ES256, "client_secret_post"),
        ("eddsa-basic", SigningAlg::EdDSA, "client_secret_basic"),
    ] {
        it.register(name, web_app(alg), auth).await?;
        // Code + PKCE + state + nonce; the library verifies the ID token with the JWKS.
        it.sign_in(name, alg, json!({})).await?;
        let info = it.ok("userinfo", name, json!({})).await?;
        assert_eq!(info["sub"], it.user_id.as_str(), "{name}: {info}");
        assert_eq!(info["email"], EMAIL, "{name}: {info}");
        assert_eq!(info["name"], "Test User", "{name}: {info}");
    }

    // The provider checks PKCE: a code redeemed with another verifier is refused.
    it.fails(
        "code",
        "es256-post",
        json!({ "wrong_verifier": true }),
        "invalid_grant",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_accepts_a_form_post_response() -> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    it.register("form", web_app(SigningAlg::EdDSA), "client_secret_post")
        .await?;
    // The library reads the POSTed form (a `Request`) and checks state and iss in it.
    it.sign_in(
        "form",
        SigningAlg::EdDSA,
        json!({ "response_mode": "form_post" }),
    )
    .await?;
    let info = it.ok("userinfo", "form", json!({})).await?;
    assert_eq!(info["sub"], it.user_id.as_str(), "{info}");
    // Signed in already: the form_post page comes at once, and works again.
    it.sign_in(
        "form",
        SigningAlg::EdDSA,
        json!({ "response_mode": "form_post" }),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_refresh_rotates_and_the_replaced_token_then_fails() -> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    it.register("web", web_app(SigningAlg::ES256), "client_secret_basic")
        .await?;
    let signed_in = it
        .sign_in("web", SigningAlg::ES256, json!({ "scope": OFFLINE }))
        .await?;
    assert_eq!(signed_in["refresh_token"], true, "{signed_in}");

    let refreshed = it.ok("refresh", "web", json!({})).await?;
    assert_eq!(refreshed["rotated"], true, "{refreshed}");
    assert_eq!(refreshed["new_access_token"], true, "{refreshed}");
    // The new access token works at userinfo.
    let info = it.ok("userinfo", "web", json!({})).await?;
    assert_eq!(info["sub"], it.user_id.as_str(), "{info}");

    // Past the retry window, the replaced refresh token is reuse: refused, and the family
    // (with the token that replaced it) is revoked.
    let grace = it.server.state.config.refresh_grace_secs;
    it.server.clock.advance(grace + 1);
    it.fails(
        "refresh",
        "web",
        json!({ "use": "previous" }),
        "invalid_grant",
    )
    .await?;
    it.fails("refresh", "web", json!({}), "invalid_grant")
        .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_introspects_and_revokes_tokens() -> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    let (client, _) = it
        .register("web", web_app(SigningAlg::RS256), "client_secret_post")
        .await?;
    it.sign_in("web", SigningAlg::RS256, json!({ "scope": OFFLINE }))
        .await?;

    let access = it
        .ok("introspect", "web", json!({ "token": "access" }))
        .await?;
    assert_eq!(access["active"], true, "{access}");
    assert_eq!(access["client_id"], client.id.as_str(), "{access}");
    assert_eq!(access["sub"], it.user_id.as_str(), "{access}");
    let refresh = it
        .ok("introspect", "web", json!({ "token": "refresh" }))
        .await?;
    assert_eq!(refresh["active"], true, "{refresh}");

    // Revoking the refresh token ends the grant: refreshing is refused.
    it.ok("revoke", "web", json!({ "token": "refresh" }))
        .await?;
    it.fails("refresh", "web", json!({}), "invalid_grant")
        .await?;

    // A revoked access token is inactive and refused at userinfo.
    it.sign_in("web", SigningAlg::RS256, json!({})).await?;
    it.ok("userinfo", "web", json!({})).await?;
    it.ok("revoke", "web", json!({ "token": "access" })).await?;
    let revoked = it
        .ok("introspect", "web", json!({ "token": "access" }))
        .await?;
    assert_eq!(revoked, json!({ "active": false }));
    it.fails("userinfo", "web", json!({}), "invalid_token")
        .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_as_a_public_client_uses_pkce_without_a_secret() -> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    let spec = ClientSpec {
        public: true,
        ..web_app(SigningAlg::RS256)
    };
    let (client, _) = it.register("spa", spec, "none").await?;
    assert!(client.secret.is_none());
    it.sign_in("spa", SigningAlg::RS256, json!({ "scope": OFFLINE }))
        .await?;
    it.ok("userinfo", "spa", json!({})).await?;
    let refreshed = it.ok("refresh", "spa", json!({})).await?;
    assert_eq!(refreshed["rotated"], true, "{refreshed}");
    // A public client may revoke its own refresh token (RFC 7009 §2.1)...
    it.ok("revoke", "spa", json!({ "token": "refresh" }))
        .await?;
    it.fails("refresh", "spa", json!({}), "invalid_grant")
        .await?;
    // ...but not introspect, and without the right verifier its code is worthless.
    it.fails(
        "introspect",
        "spa",
        json!({ "token": "access" }),
        "invalid_client",
    )
    .await?;
    it.fails(
        "code",
        "spa",
        json!({ "wrong_verifier": true }),
        "invalid_grant",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_end_session_url_signs_the_browser_out() -> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    let (client, _) = it
        .register("web", web_app(SigningAlg::RS256), "client_secret_basic")
        .await?;
    it.sign_in("web", SigningAlg::RS256, json!({})).await?;
    let ended = it.ok("end_session", "web", json!({})).await?;
    assert_eq!(
        ended["returned_to"],
        client.post_logout_redirect_uri.as_str(),
        "{ended}"
    );
    assert_eq!(ended["state_matches"], true, "{ended}");
    // Signed out: authorize shows the login page again.
    let pkce = Pkce::new();
    let authorize = it.server.authorize_url(
        &client,
        &[
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let landing = it.browser.follow(it.browser.get(&authorize).await?).await?;
    assert!(
        matches!(&landing, Landing::Page { url, .. } if url.contains("/login")),
        "{landing:?}"
    );
    Ok(())
}

#[tokio::test]
async fn openid_client_client_credentials_for_a_service() -> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    let spec = ClientSpec {
        grants: vec![GrantType::ClientCredentials],
        allowed_scopes: vec!["reports.read".into()],
        ..ClientSpec::default()
    };
    let (client, _) = it.register("svc", spec, "client_secret_basic").await?;
    let tokens = it
        .ok(
            "client_credentials",
            "svc",
            json!({ "scope": "reports.read" }),
        )
        .await?;
    assert_eq!(tokens["scope"], "reports.read", "{tokens}");
    assert_eq!(tokens["refresh_token"], false, "{tokens}");
    let seen = it
        .ok("introspect", "svc", json!({ "token": "access" }))
        .await?;
    assert_eq!(seen["active"], true, "{seen}");
    assert_eq!(seen["client_id"], client.id.as_str(), "{seen}");

    // A scope it was not given, and a wrong secret, are refused.
    it.fails(
        "client_credentials",
        "svc",
        json!({ "scope": "reports.write" }),
        "invalid_scope",
    )
    .await?;
    let impostor = TestClient {
        secret: Some("not-the-secret".into()),
        ..client
    };
    it.discover(
        "impostor",
        &impostor,
        "client_secret_basic",
        "RS256",
        "oidc",
        json!({}),
    )
    .await?;
    it.fails(
        "client_credentials",
        "impostor",
        json!({}),
        "invalid_client",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_asks_for_resource_indicators() -> anyhow::Result<()> {
    const REPORTS: &str = "https://reports.example/api";
    const BILLING: &str = "https://billing.example/api";
    let mut it = Interop::start().await?;
    let spec = ClientSpec {
        audiences: vec![REPORTS.into(), BILLING.into()],
        ..web_app(SigningAlg::RS256)
    };
    it.register("api", spec, "client_secret_basic").await?;
    let signed_in = it
        .sign_in(
            "api",
            SigningAlg::RS256,
            json!({ "scope": OFFLINE, "resource": [REPORTS, BILLING], "token_resource": [REPORTS] }),
        )
        .await?;
    assert_eq!(
        signed_in["access_token_aud"],
        json!([REPORTS]),
        "{signed_in}"
    );
    let refreshed = it
        .ok("refresh", "api", json!({ "resource": [BILLING] }))
        .await?;
    assert_eq!(
        refreshed["access_token_aud"],
        json!([BILLING]),
        "{refreshed}"
    );
    let refreshed = it.ok("refresh", "api", json!({})).await?;
    assert_eq!(
        refreshed["access_token_aud"],
        json!([REPORTS, BILLING]),
        "{refreshed}"
    );
    it.fails(
        "refresh",
        "api",
        json!({ "resource": ["https://other.example/api"] }),
        "invalid_target",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_receives_and_validates_back_channel_logout_tokens() -> anyhow::Result<()> {
    let mut it = Interop::start().await?;
    let listening = it.ok("backchannel_listen", "-", json!({})).await?;
    let receiver = listening["url"].as_str().unwrap_or_default().to_owned();
    let with_logout = |name: &str, alg| ClientSpec {
        backchannel_logout_uri: Some(format!("{receiver}/{name}")),
        ..web_app(alg)
    };
    it.register(
        "one",
        with_logout("one", SigningAlg::ES256),
        "client_secret_basic",
    )
    .await?;
    it.register(
        "two",
        with_logout("two", SigningAlg::RS256),
        "client_secret_post",
    )
    .await?;
    it.sign_in("one", SigningAlg::ES256, json!({})).await?;
    // The same browser session signs in to the second app without a new login.
    it.sign_in("two", SigningAlg::RS256, json!({})).await?;

    // Logging out of one app tells both; each validates its own token.
    it.ok("end_session", "one", json!({})).await?;
    for (name, alg) in [("one", "ES256"), ("two", "RS256")] {
        let token = it.ok("backchannel_received", name, json!({})).await?;
        assert_eq!(token["typ"], "logout+jwt", "{token}");
        assert_eq!(token["alg"], *alg, "{token}");
        assert_eq!(token["sub"], it.user_id.as_str(), "{token}");
        assert!(token["sid"].is_string(), "{token}");
        assert_eq!(token["sid"], token["id_token_sid"], "{token}");
    }
    Ok(())
}

#[tokio::test]
async fn openid_client_authenticates_with_private_key_jwt_and_client_secret_jwt()
-> anyhow::Result<()> {
    use poort_oidc::client_auth::ClientAuthMethod;
    let mut it = Interop::start().await?;
    for (name, alg) in [("es", "ES256"), ("rs", "RS256"), ("ed", "EdDSA")] {
        let made = it.ok("new_key", name, json!({ "alg": alg })).await?;
        let spec = ClientSpec {
            auth_method: Some(ClientAuthMethod::PrivateKeyJwt),
            jwks: Some(json!({ "keys": [made["jwk"]] }).to_string()),
            ..web_app(SigningAlg::RS256)
        };
        let client = it.server.create_client(spec).await?;
        anyhow::ensure!(
            client.secret.is_none(),
            "a private_key_jwt client has no secret"
        );
        it.discover(
            name,
            &client,
            "private_key_jwt",
            "RS256",
            "oidc",
            json!({ "key": name }),
        )
        .await?;
        // Every call to the token, introspection and revocation endpoints is a signed assertion.
        let signed_in = it
            .sign_in(name, SigningAlg::RS256, json!({ "scope": OFFLINE }))
            .await?;
        assert_eq!(signed_in["refresh_token"], true, "{signed_in}");
        it.ok("refresh", name, json!({})).await?;
        let active = it
            .ok("introspect", name, json!({ "token": "access" }))
            .await?;
        assert_eq!(active["active"], true, "{active}");
        it.ok("revoke", name, json!({ "token": "refresh" })).await?;
        it.fails("refresh", name, json!({}), "invalid_grant")
            .await?;
    }

    // client_secret_jwt: the secret is the HMAC key of the assertion.
    let spec = ClientSpec {
        auth_method: Some(ClientAuthMethod::ClientSecretJwt),
        ..web_app(SigningAlg::ES256)
    };
    let client = it.server.create_client(spec).await?;
    it.discover(
        "hs",
        &client,
        "client_secret_jwt",
        "ES256",
        "oidc",
        json!({}),
    )
    .await?;
    it.sign_in("hs", SigningAlg::ES256, json!({})).await?;
    let active = it
        .ok("introspect", "hs", json!({ "token": "access" }))
        .await?;
    assert_eq!(active["active"], true, "{active}");

    // A key the client did not register is refused as the client's authentication.
    it.ok("new_key", "stranger", json!({ "alg": "ES256" }))
        .await?;
    let registered = it
        .ok("new_key", "registered", json!({ "alg": "ES256" }))
        .await?;
    let es = it
        .server
        .create_client(ClientSpec {
            auth_method: Some(ClientAuthMethod::PrivateKeyJwt),
            jwks: Some(json!({ "keys": [registered["jwk"]] }).to_string()),
            ..web_app(SigningAlg::RS256)
        })
        .await?;
    it.discover(
        "impostor",
        &es,
        "private_key_jwt",
        "RS256",
        "oidc",
        json!({ "key": "stranger" }),
    )
    .await?;
    it.fails("code", "impostor", json!({}), "invalid_client")
        .await?;
    Ok(())
}

#[tokio::test]
async fn openid_client_runs_the_device_flow_while_the_user_approves_in_a_browser()
-> anyhow::Result<()> {
    // A one-second interval keeps the library's own polling loop short.
    let mut it = Interop::start_with(|config| config.device.poll_interval_secs = 1).await?;
    for (name, auth, public) in [("tv", "none", true), ("cli", "client_secret_basic", false)] {
        let spec = ClientSpec {
            public,
            first_party: false,
            grants: vec![GrantType::DeviceCode, GrantType::RefreshToken],
            ..ClientSpec::default()
        };
        it.register(name, spec, auth).await?;
        let result = it.ok("device", name, json!({ "scope": OFFLINE })).await?;
        assert_eq!(result["sub"], it.user_id.as_str(), "{result}");
        assert_eq!(result["email"], EMAIL, "{result}");
        assert_eq!(result["interval"], 1, "{result}");
        assert_eq!(
            result["verification_uri"],
            format!("{}/device", it.server.base).as_str(),
            "{result}"
        );
        assert_eq!(result["amr"], json!(["pwd"]), "{result}");
        assert_eq!(result["refresh_token"], true, "{result}");
        // The device's tokens are ordinary ones: userinfo and refresh work.
        it.ok("userinfo", name, json!({})).await?;
        let refreshed = it.ok("refresh", name, json!({})).await?;
        assert_eq!(refreshed["rotated"], true, "{refreshed}");
    }
    // A denial ends the library's polling with access_denied.
    it.fails(
        "device",
        "tv",
        json!({ "decision": "deny" }),
        "access_denied",
    )
    .await?;
    Ok(())
}

//! Pages and browser security: CSRF on every form, session cookie flags and rotation, one answer
//! for unknown accounts and wrong passwords, security headers, discovery and JWKS shape.

use poort_tests::browser::hidden_field;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::StatusCode;
use serde_json::Value;

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("poort_session="))
        .map(str::to_string)
}

#[tokio::test]
async fn login_form_requires_the_sessions_csrf_token() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let page = browser.get(&server.authorize_url(&client, &[])).await?;
    let page = browser.follow(page).await?;
    let poort_tests::browser::Landing::Page { body, .. } = page else {
        anyhow::bail!("expected the login page");
    };
    let tx = hidden_field(&body, "tx")?;
    let without = browser
        .post_form(
            "/login",
            &[("tx", &tx), ("login", EMAIL), ("password", PASSWORD)],
        )
        .await?;
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let wrong = browser
        .post_form(
            "/login",
            &[
                ("csrf", "forged"),
                ("tx", &tx),
                ("login", EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await?;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    // A token from another browser's session does not work either.
    let other = server.browser();
    let other_page = other.get("/login").await?.text().await?;
    let foreign = hidden_field(&other_page, "csrf")?;
    let response = browser
        .post_form(
            "/login",
            &[
                ("csrf", &foreign),
                ("tx", &tx),
                ("login", EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn failed_login_says_the_same_for_unknown_and_wrong_password() -> anyhow::Result<()> {
    let (_server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let page = browser.get("/login").await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let mut bodies = vec![];
    for (login, password) in [(EMAIL, "wrong password!"), ("nobody@example.com", PASSWORD)] {
        let response = browser
            .post_form(
                "/login",
                &[("csrf", &csrf), ("login", login), ("password", password)],
            )
            .await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = response.text().await?;
        // Remove the echoed login so only the message is compared.
        bodies.push(body.replace(login, ""));
    }
    assert_eq!(bodies[0], bodies[1]);
    assert!(bodies[0].contains("incorrect"));
    Ok(())
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_rotated_at_login() -> anyhow::Result<()> {
    let (_server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let response = browser.get("/login").await?;
    let before = session_cookie(&response).ok_or_else(|| anyhow::anyhow!("no cookie"))?;
    assert!(before.contains("HttpOnly") && before.contains("SameSite=Lax"));
    assert!(
        !before.contains("Secure"),
        "plain http issuer: no Secure flag"
    );
    let csrf = hidden_field(&response.text().await?, "csrf")?;
    let response = browser
        .post_form(
            "/login",
            &[("csrf", &csrf), ("login", EMAIL), ("password", PASSWORD)],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = session_cookie(&response).ok_or_else(|| anyhow::anyhow!("no new cookie"))?;
    let value = |c: &str| c.split(';').next().unwrap_or_default().to_string();
    assert_ne!(value(&before), value(&after));
    // The signed-in home page shows the account.
    let home = browser.get("/").await?.text().await?;
    assert!(home.contains(EMAIL));
    Ok(())
}

#[tokio::test]
async fn pages_carry_strict_security_headers() -> anyhow::Result<()> {
    let (_server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let response = browser.get("/login").await?;
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str()?;
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cross-origin-opener-policy"], "same-origin");
    let permissions = headers["permissions-policy"].to_str()?;
    assert!(permissions.contains("camera=()") && permissions.contains("geolocation=()"));
    assert!(
        permissions.contains("publickey-credentials-get=(self)"),
        "{permissions}"
    );
    // A plain-http issuer (development) pins nothing.
    assert!(headers.get("strict-transport-security").is_none());
    let body = response.text().await?;
    assert!(!body.contains("<script>") && !body.contains("style=\""));
    let css = browser.get("/static/poort.css").await?;
    assert_eq!(css.status(), StatusCode::OK);
    let missing = browser.get("/no/such/page").await?;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn an_https_issuer_uses_a_host_only_secure_session_cookie() -> anyhow::Result<()> {
    let server = poort_tests::start_server(|c| c.issuer = "https://id.example.test".into()).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let first = http.get(server.url("/login")).send().await?;
    let set = first
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-poort_session="))
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no __Host- session cookie"))?;
    assert!(
        set.contains("Secure") && set.contains("Path=/") && set.contains("HttpOnly"),
        "{set}"
    );
    assert!(!set.to_ascii_lowercase().contains("domain="), "{set}");
    // The server reads it back under that name: the same session, no new cookie.
    let pair = set.split(';').next().unwrap_or_default().to_owned();
    let again = http
        .get(server.url("/login"))
        .header("cookie", &pair)
        .send()
        .await?;
    assert!(
        again.headers().get("set-cookie").is_none(),
        "a new session was started"
    );
    // The unprefixed name means nothing here (a sibling host could have planted it).
    let value = pair.split_once('=').map(|(_, v)| v).unwrap_or_default();
    let planted = http
        .get(server.url("/login"))
        .header("cookie", format!("poort_session={value}"))
        .send()
        .await?;
    assert!(planted.headers().get("set-cookie").is_some());
    Ok(())
}

#[tokio::test]
async fn an_https_issuer_sends_strict_transport_security_everywhere() -> anyhow::Result<()> {
    // The issuer is what browsers see (TLS may end at a proxy in front of Poort).
    let server = poort_tests::start_server(|c| c.issuer = "https://id.example.test".into()).await?;
    for path in [
        "/login",
        "/.well-known/openid-configuration",
        "/jwks",
        "/no/such/page",
    ] {
        let response = reqwest::get(server.url(path)).await?;
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn hostile_input_is_escaped_not_executed() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let url = server.authorize_url(&client, &[("login_hint", "\"><script>alert(1)</script>")]);
    let landing = browser.follow(browser.get(&url).await?).await?;
    let poort_tests::browser::Landing::Page { body, .. } = landing else {
        anyhow::bail!("expected the login page");
    };
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(body.contains("&lt;script&gt;") || body.contains("&#60;script&#62;"));
    Ok(())
}

#[tokio::test]
async fn discovery_and_jwks_are_complete() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let meta: Value = browser
        .get("/.well-known/openid-configuration")
        .await?
        .json()
        .await?;
    for field in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "scopes_supported",
        "response_types_supported",
        "subject_types_supported",
        "id_token_signing_alg_values_supported",
        "claims_supported",
        "grant_types_supported",
        "token_endpoint_auth_methods_supported",
        "end_session_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ] {
        assert!(meta.get(field).is_some(), "discovery lacks {field}");
    }
    assert_eq!(meta["issuer"], server.base.as_str());
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let algs = meta["id_token_signing_alg_values_supported"].to_string();
    assert!(algs.contains("RS256") && algs.contains("ES256") && algs.contains("EdDSA"));
    let jwks_uri = meta["jwks_uri"].as_str().unwrap_or_default();
    let jwks: Value = browser.get(jwks_uri).await?.json().await?;
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    assert_eq!(keys.len(), 3);
    for key in keys {
        for field in ["kid", "alg", "use", "kty"] {
            assert!(key.get(field).is_some(), "jwk lacks {field}: {key}");
        }
        assert_eq!(key["use"], "sig");
        assert!(key.get("d").is_none(), "a private member leaked: {key}");
    }
    Ok(())
}

//! `response_mode` query, fragment and form_post: the code and the errors go back the way the
//! client asked, with `state` and `iss`; the form_post page runs under a CSP that allows its
//! one script by hash and posts only to the redirect URI.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poort_tests::browser::{Browser, Landing, hidden_field, location};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::{Response, StatusCode};

/// The parameters in a URL's fragment.
fn fragment(url: &url::Url) -> Vec<(String, String)> {
    url::form_urlencoded::parse(url.fragment().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// Signs in on the login page the authorize URL leads to and follows the redirects that stay on
/// the provider; returns the last response (not read).
async fn sign_in_and_stop(browser: &Browser, authorize_url: &str) -> anyhow::Result<Response> {
    let landing = browser.follow(browser.get(authorize_url).await?).await?;
    let Landing::Page { body, url, .. } = landing else {
        anyhow::bail!("expected the login page, got {landing:?}");
    };
    anyhow::ensure!(url.contains("/login"), "expected the login page, got {url}");
    let mut response = browser
        .post_form(
            "/login",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("login", EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await?;
    while response.status().is_redirection() {
        response = browser.get(&location(&response)?).await?;
    }
    Ok(response)
}

/// Undoes askama's attribute escaping.
fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
}

/// What a form_post page holds, checked against its own headers.
struct FormPost {
    action: String,
    fields: Vec<(String, String)>,
}

/// Reads a form_post page and checks it: 200, never cached, and a CSP that allows exactly
/// the page's one inline script (by its SHA-256) and form submission only to `redirect_uri`.
async fn form_post_page(response: Response, redirect_uri: &str) -> anyhow::Result<FormPost> {
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["cache-control"], "no-store");
    let csp = headers["content-security-policy"].to_str()?.to_owned();
    let body = response.text().await?;

    assert_eq!(body.matches("<script").count(), 1, "{body}");
    let start = body
        .find("<script>")
        .ok_or_else(|| anyhow::anyhow!("no script"))?
        + 8;
    let end = start
        + body[start..]
            .find("</script>")
            .ok_or_else(|| anyhow::anyhow!("unterminated script"))?;
    let script = &body[start..end];
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, script.as_bytes());
    let hash = format!("'sha256-{}'", STANDARD.encode(digest.as_ref()));
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    assert!(
        directives.contains(&format!("script-src {hash}").as_str()),
        "{csp}"
    );
    assert!(directives.contains(&"default-src 'none'"), "{csp}");
    assert!(directives.contains(&"frame-ancestors 'none'"), "{csp}");
    let without_query = redirect_uri.split('?').next().unwrap_or_default();
    assert!(
        directives.contains(&format!("form-action {without_query}").as_str()),
        "{csp}"
    );
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(body.contains("<noscript>") && body.contains("<button type=\"submit\""));

    let marker = "<form method=\"post\" action=\"";
    let start = body
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no form"))?
        + marker.len();
    let end = start + body[start..].find('"').unwrap_or_default();
    let action = unescape(&body[start..end]);
    let mut fields = Vec::new();
    for name in ["code", "error", "error_description", "state", "iss"] {
        if let Ok(value) = hidden_field(&body, name) {
            fields.push((name.to_owned(), unescape(&value)));
        }
    }
    Ok(FormPost { action, fields })
}

async fn redeems(
    server: &TestServer,
    client: &poort_tests::TestClient,
    code: &str,
) -> anyhow::Result<()> {
    let (status, body) = server.redeem(client, code, None).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["id_token"].is_string());
    Ok(())
}

#[tokio::test]
async fn query_mode_named_explicitly_returns_the_code_in_the_query() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let url = server.authorize_url(&client, &[("response_mode", "query")]);
    let back = browser.login_through(&url, EMAIL, PASSWORD).await?.away()?;
    assert_eq!(back.fragment(), None);
    assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
    assert_eq!(
        Landing::query(&back, "iss").as_deref(),
        Some(server.base.as_str())
    );
    let code = Landing::query(&back, "code").unwrap_or_default();
    redeems(&server, &client, &code).await
}

#[tokio::test]
async fn fragment_mode_returns_the_code_in_the_fragment() -> anyhow::Result<()> {
    let spec = ClientSpec {
        redirect_uri: "http://127.0.0.1:9999/callback?tenant=a".into(),
        ..ClientSpec::default()
    };
    let (server, client, browser) = setup(spec, |_| {}).await?;
    let url = server.authorize_url(&client, &[("response_mode", "fragment")]);
    let back = browser.login_through(&url, EMAIL, PASSWORD).await?.away()?;
    // The registered query stays; the response is in the fragment only.
    assert_eq!(back.query(), Some("tenant=a"));
    let pairs = fragment(&back);
    assert_eq!(value(&pairs, "state").as_deref(), Some("st4te"));
    assert_eq!(value(&pairs, "iss").as_deref(), Some(server.base.as_str()));
    let code = value(&pairs, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))?;
    redeems(&server, &client, &code).await
}

#[tokio::test]
async fn fragment_mode_errors_come_back_in_the_fragment() -> anyhow::Result<()> {
    let spec = ClientSpec {
        first_party: false,
        ..ClientSpec::default()
    };
    let (server, client, browser) = setup(spec, |_| {}).await?;
    // Refused by validation, before any login.
    let url = server.authorize_url(
        &client,
        &[("response_mode", "fragment"), ("scope", "profile")],
    );
    let back = browser.follow(browser.get(&url).await?).await?.away()?;
    assert_eq!(back.query(), None);
    let pairs = fragment(&back);
    assert_eq!(value(&pairs, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(value(&pairs, "state").as_deref(), Some("st4te"));
    assert_eq!(value(&pairs, "iss").as_deref(), Some(server.base.as_str()));

    // Refused by the user on the consent page, after login.
    let url = server.authorize_url(&client, &[("response_mode", "fragment")]);
    let landing = browser.login_through(&url, EMAIL, PASSWORD).await?;
    let Landing::Page { body, url, .. } = landing else {
        anyhow::bail!("expected the consent page, got {landing:?}");
    };
    assert!(url.contains("/consent"), "{url}");
    let response = browser
        .post_form(
            "/consent",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("decision", "deny"),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert_eq!(back.query(), None);
    let pairs = fragment(&back);
    assert_eq!(value(&pairs, "error").as_deref(), Some("access_denied"));
    assert_eq!(value(&pairs, "state").as_deref(), Some("st4te"));
    assert_eq!(value(&pairs, "iss").as_deref(), Some(server.base.as_str()));
    assert_eq!(value(&pairs, "code"), None);
    Ok(())
}

#[tokio::test]
async fn form_post_mode_posts_the_code_from_a_page_under_a_strict_csp() -> anyhow::Result<()> {
    let spec = ClientSpec {
        redirect_uri: "http://127.0.0.1:9999/signin-oidc?tenant=a".into(),
        ..ClientSpec::default()
    };
    let (server, client, browser) = setup(spec, |_| {}).await?;
    let url = server.authorize_url(
        &client,
        &[("response_mode", "form_post"), ("state", "a&b\"<c>")],
    );
    let response = sign_in_and_stop(&browser, &url).await?;
    let page = form_post_page(response, &client.redirect_uri).await?;
    assert_eq!(page.action, client.redirect_uri);
    assert_eq!(value(&page.fields, "state").as_deref(), Some("a&b\"<c>"));
    assert_eq!(
        value(&page.fields, "iss").as_deref(),
        Some(server.base.as_str())
    );
    assert_eq!(value(&page.fields, "error"), None);
    let code = value(&page.fields, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    redeems(&server, &client, &code).await?;

    // Other pages keep the strict policy: no inline script, no form-action.
    let login = browser.get("/login").await?;
    let csp = login.headers()["content-security-policy"].to_str()?;
    assert!(
        !csp.contains("sha256-") && !csp.contains("form-action"),
        "{csp}"
    );
    Ok(())
}

#[tokio::test]
async fn form_post_mode_posts_errors_too() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    // Refused by validation.
    let url = server.authorize_url(
        &client,
        &[("response_mode", "form_post"), ("scope", "profile")],
    );
    let page = form_post_page(browser.get(&url).await?, &client.redirect_uri).await?;
    assert_eq!(page.action, client.redirect_uri);
    assert_eq!(
        value(&page.fields, "error").as_deref(),
        Some("invalid_scope")
    );
    assert!(value(&page.fields, "error_description").is_some());
    assert_eq!(value(&page.fields, "state").as_deref(), Some("st4te"));
    assert_eq!(
        value(&page.fields, "iss").as_deref(),
        Some(server.base.as_str())
    );
    assert_eq!(value(&page.fields, "code"), None);

    // Refused by the flow: prompt=none without a session.
    let url = server.authorize_url(
        &client,
        &[("response_mode", "form_post"), ("prompt", "none")],
    );
    let page = form_post_page(browser.get(&url).await?, &client.redirect_uri).await?;
    assert_eq!(
        value(&page.fields, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(value(&page.fields, "state").as_deref(), Some("st4te"));
    Ok(())
}

#[tokio::test]
async fn an_unknown_response_mode_is_invalid_request_in_the_query() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    for mode in ["web_message", "form_post.jwt", "FRAGMENT"] {
        let url = server.authorize_url(&client, &[("response_mode", mode)]);
        let back = browser.follow(browser.get(&url).await?).await?.away()?;
        assert_eq!(back.fragment(), None, "{mode}");
        assert_eq!(
            Landing::query(&back, "error").as_deref(),
            Some("invalid_request"),
            "{mode}"
        );
        assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
        assert_eq!(
            Landing::query(&back, "iss").as_deref(),
            Some(server.base.as_str())
        );
    }
    Ok(())
}

#[tokio::test]
async fn no_mode_reaches_an_unregistered_redirect_uri() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    for mode in ["form_post", "fragment", "web_message"] {
        let url = server.authorize_url(
            &client,
            &[
                ("response_mode", mode),
                ("redirect_uri", "https://evil.example/cb"),
            ],
        );
        let response = browser.get(&url).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{mode}");
        assert!(response.headers().get("location").is_none(), "{mode}");
        let csp = response.headers()["content-security-policy"].to_str()?;
        assert!(!csp.contains("form-action"), "{mode}: {csp}");
        let body = response.text().await?;
        assert!(!body.contains("evil.example"), "{mode}");
    }
    Ok(())
}

#[tokio::test]
async fn discovery_and_oauth_metadata_advertise_the_three_modes() -> anyhow::Result<()> {
    let (server, _, _) = setup(ClientSpec::default(), |_| {}).await?;
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let doc: serde_json::Value = reqwest::get(server.url(path)).await?.json().await?;
        assert_eq!(
            doc["response_modes_supported"],
            serde_json::json!(["query", "fragment", "form_post"]),
            "{path}"
        );
    }
    Ok(())
}

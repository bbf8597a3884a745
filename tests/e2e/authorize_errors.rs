//! The authorization endpoint's refusals: never redirect to an unregistered URI; everything after
//! that goes back to the client with `error`, `state` and `iss`.

use poort_tests::browser::Landing;
use poort_tests::{ClientSpec, Pkce, setup};
use reqwest::StatusCode;

#[tokio::test]
async fn unregistered_redirect_uri_shows_an_error_page_and_never_redirects() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    for uri in [
        "https://evil.example/callback",
        "http://127.0.0.1:9999/callback/",
        "http://127.0.0.1:9999/callback?x=1",
        "HTTP://127.0.0.1:9999/callback",
    ] {
        let url = server.authorize_url(&client, &[("redirect_uri", uri)]);
        let response = browser.get(&url).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        assert!(response.headers().get("location").is_none(), "{uri}");
        let body = response.text().await?;
        assert!(body.contains("not registered"), "{body}");
    }
    // An unknown client too.
    let url = server.authorize_url(&client, &[("client_id", "no-such-client")]);
    let response = browser.get(&url).await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    Ok(())
}

async fn error_redirect(
    params: &[(&str, &str)],
    spec: ClientSpec,
) -> anyhow::Result<(String, url::Url)> {
    let (server, client, browser) = setup(spec, |_| {}).await?;
    let url = server.authorize_url(&client, params);
    let back = browser.follow(browser.get(&url).await?).await?.away()?;
    assert!(back.as_str().starts_with(&client.redirect_uri));
    assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
    assert_eq!(
        Landing::query(&back, "iss").as_deref(),
        Some(server.base.as_str())
    );
    assert!(Landing::query(&back, "error_description").is_some());
    let error = Landing::query(&back, "error").unwrap_or_default();
    Ok((error, back))
}

#[tokio::test]
async fn unsupported_response_type_is_sent_back() -> anyhow::Result<()> {
    let (error, _) = error_redirect(&[("response_type", "token")], ClientSpec::default()).await?;
    assert_eq!(error, "unsupported_response_type");
    Ok(())
}

#[tokio::test]
async fn plain_pkce_is_refused() -> anyhow::Result<()> {
    let (error, _) = error_redirect(
        &[
            (
                "code_challenge",
                "abcdefghijabcdefghijabcdefghijabcdefghij123",
            ),
            ("code_challenge_method", "plain"),
        ],
        ClientSpec::default(),
    )
    .await?;
    assert_eq!(error, "invalid_request");
    Ok(())
}

#[tokio::test]
async fn public_client_without_pkce_is_refused() -> anyhow::Result<()> {
    let spec = ClientSpec {
        public: true,
        ..ClientSpec::default()
    };
    let (error, _) = error_redirect(&[], spec).await?;
    assert_eq!(error, "invalid_request");
    Ok(())
}

#[tokio::test]
async fn missing_openid_scope_is_refused() -> anyhow::Result<()> {
    let (error, _) = error_redirect(&[("scope", "email")], ClientSpec::default()).await?;
    assert_eq!(error, "invalid_scope");
    Ok(())
}

#[tokio::test]
async fn prompt_none_without_a_session_answers_login_required() -> anyhow::Result<()> {
    let pkce = Pkce::new();
    let (error, _) = error_redirect(
        &[
            ("prompt", "none"),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
        ClientSpec::default(),
    )
    .await?;
    assert_eq!(error, "login_required");
    Ok(())
}

#[tokio::test]
async fn repeated_parameters_are_refused() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let url = format!("{}&state=again", server.authorize_url(&client, &[]));
    let response = browser.get(&url).await?;
    // Either a page (we cannot trust anything yet) or a redirect with invalid_request: never a code.
    match response.status() {
        StatusCode::BAD_REQUEST => {}
        status if status.is_redirection() => {
            let location = poort_tests::browser::location(&response)?;
            assert!(location.contains("error=invalid_request"), "{location}");
        }
        other => anyhow::bail!("unexpected status {other}"),
    }
    Ok(())
}

#[tokio::test]
async fn third_party_client_asks_consent_and_remembers_it() -> anyhow::Result<()> {
    let spec = ClientSpec {
        first_party: false,
        ..ClientSpec::default()
    };
    let (server, client, browser) = setup(spec, |_| {}).await?;
    let url = server.authorize_url(&client, &[]);
    let landing = browser
        .login_through(&url, poort_tests::EMAIL, poort_tests::PASSWORD)
        .await?;
    let Landing::Page {
        body, url: page, ..
    } = landing
    else {
        anyhow::bail!("expected the consent page");
    };
    assert!(page.contains("/consent"), "{page}");
    let csrf = poort_tests::browser::hidden_field(&body, "csrf")?;
    let tx = poort_tests::browser::hidden_field(&body, "tx")?;
    let response = browser
        .post_form(
            "/consent",
            &[("csrf", &csrf), ("tx", &tx), ("decision", "allow")],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert!(Landing::query(&back, "code").is_some());
    // Remembered: the next request goes straight back with a code.
    let back = browser.follow(browser.get(&url).await?).await?.away()?;
    assert!(Landing::query(&back, "code").is_some());
    // prompt=consent asks again; denying sends access_denied.
    let url = server.authorize_url(&client, &[("prompt", "consent")]);
    let Landing::Page { body, .. } = browser.follow(browser.get(&url).await?).await? else {
        anyhow::bail!("expected the consent page again");
    };
    let csrf = poort_tests::browser::hidden_field(&body, "csrf")?;
    let tx = poort_tests::browser::hidden_field(&body, "tx")?;
    let response = browser
        .post_form(
            "/consent",
            &[("csrf", &csrf), ("tx", &tx), ("decision", "deny")],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("access_denied")
    );
    Ok(())
}

#[tokio::test]
async fn authorize_accepts_post_like_get() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let url = url::Url::parse(&server.authorize_url(&client, &[]))?;
    let form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = browser.post_form("/authorize", &form).await?;
    let location = poort_tests::browser::location(&response)?;
    assert!(location.starts_with("/login?tx="), "{location}");
    // A POST that is not a form is refused with a page, not a crash.
    let response = browser
        .http
        .post(server.url("/authorize"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

//! RP-Initiated Logout without a matching hint asks first; unregistered post-logout URIs are refused.

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::{ClientSpec, setup};
use reqwest::StatusCode;

#[tokio::test]
async fn logout_without_hint_asks_for_confirmation() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.obtain_code(&browser, &client, None).await?;
    let url = format!(
        "/end_session?client_id={}&post_logout_redirect_uri={}&state=bye",
        client.id, client.post_logout_redirect_uri
    );
    let Landing::Page { body, status, .. } = browser.follow(browser.get(&url).await?).await? else {
        anyhow::bail!("expected the confirmation page");
    };
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden_field(&body, "csrf")?;
    let lx = hidden_field(&body, "lx")?;
    // Without the CSRF token nothing happens.
    let response = browser
        .post_form("/end_session/confirm", &[("lx", &lx)])
        .await?;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = browser
        .post_form("/end_session/confirm", &[("csrf", &csrf), ("lx", &lx)])
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert!(back.as_str().starts_with(&client.post_logout_redirect_uri));
    assert_eq!(Landing::query(&back, "state").as_deref(), Some("bye"));
    // Signed out: authorize goes to the login page again.
    let landing = browser
        .follow(browser.get(&server.authorize_url(&client, &[])).await?)
        .await?;
    assert!(matches!(landing, Landing::Page { url, .. } if url.contains("/login")));
    Ok(())
}

#[tokio::test]
async fn unregistered_post_logout_redirect_uri_is_refused() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let url = format!(
        "{}/end_session?client_id={}&post_logout_redirect_uri=https://evil.example/",
        server.base, client.id
    );
    let response = browser.get(&url).await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    let response = browser
        .get(&format!(
            "{}/end_session?id_token_hint=garbage",
            server.base
        ))
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

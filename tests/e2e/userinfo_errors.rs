//! UserInfo with bad bearer tokens: RFC 6750 errors and challenges.

use poort_tests::{ClientSpec, setup};
use reqwest::StatusCode;
use serde_json::Value;

fn challenge(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn garbage_and_missing_bearer_tokens_are_refused() -> anyhow::Result<()> {
    let (server, _, _) = setup(ClientSpec::default(), |_| {}).await?;
    let http = reqwest::Client::new();
    let response = http.get(server.url("/userinfo")).send().await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&response).starts_with("Bearer"));
    assert!(!challenge(&response).contains("error="));

    for token in [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.e30.",
        &"x".repeat(20_000),
    ] {
        let response = http
            .get(server.url("/userinfo"))
            .bearer_auth(token)
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(challenge(&response).contains("error=\"invalid_token\""));
    }
    let response = http
        .get(server.url("/userinfo"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn expired_access_token_is_refused_and_fresh_one_works_by_get_and_post() -> anyhow::Result<()>
{
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let http = reqwest::Client::new();

    let response = http
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let claims: Value = response.json().await?;
    assert_eq!(claims["email"], poort_tests::EMAIL);
    let response = http
        .post(server.url("/userinfo"))
        .form(&[("access_token", access.as_str())])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let response = http
        .post(server.url("/userinfo"))
        .bearer_auth(&access)
        .form(&[("access_token", access.as_str())])
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    server
        .clock
        .advance(server.state.config.access_token_ttl_secs + 1);
    let response = http
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(challenge(&response).contains("invalid_token"));
    Ok(())
}

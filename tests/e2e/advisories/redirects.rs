//! Redirect and post-logout URI bypasses (Keycloak CVE-2024-1132, authentik CVE-2024-52289):
//! only the registered string itself is accepted, at `/authorize`, at `/token` and at
//! `/end_session`; every near miss gets a page without a `Location`, and unsafe URIs cannot be
//! registered through the organisation API. (`authorize_errors` and `logout` hold four
//! near misses and one foreign host; this is the full list.)

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::forms::login;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::text;

const CALLBACK: &str = "https://app.example.com/callback";
const SIGNED_OUT: &str = "https://app.example.com/signed-out";

fn spec() -> ClientSpec {
    ClientSpec {
        redirect_uri: CALLBACK.into(),
        post_logout_redirect_uri: SIGNED_OUT.into(),
        ..ClientSpec::default()
    }
}

/// Near misses of `registered` (an `https://app.example.com/<path>` URI).
fn near_misses(registered: &str) -> Vec<String> {
    let path = registered.trim_start_matches("https://app.example.com");
    let mut list: Vec<String> = [
        "https://app.example.com{p}/../evil",
        "https://app.example.com{p}/..%2Fevil",
        "https://app.example.com{p}%2F..%2Fevil",
        "https://app.example.com{p}/extra",
        "https://app.example.com{p}x",
        "https://app.example.com{p}/",
        "https://app.example.com{p}?next=https://evil.example/",
        "https://app.example.com{p}#fragment",
        "https://app.example.com{p}#",
        "https://app.example.com{p};jsessionid=x",
        "https://app.example.com@evil.example{p}",
        "https://evil.example@app.example.com{p}",
        "https://app.example.com:443@evil.example{p}",
        "https://app.example.com\\@evil.example{p}",
        "https://app.example.com\\{p}",
        "https://APP.example.com{p}",
        "HTTPS://app.example.com{p}",
        "https://app.example.com{P}",
        "https://app.example.com:443{p}",
        "https://app.example.com:8443{p}",
        "http://app.example.com{p}",
        "https://app.example.com.evil.example{p}",
        "https://evil.example/https://app.example.com{p}",
        "https://*.example.com{p}",
        "https://%61pp.example.com{p}",
        "https://app.example.com/%2e%2e{p}",
        "https://app%2Eexample.com{p}",
        "//app.example.com{p}",
        " https://app.example.com{p}",
        "https://app.example.com{p} ",
        "https://app.example.com{p}%00",
        "https://app.example.com{p}\t",
    ]
    .iter()
    .map(|t| t.replace("{p}", path).replace("{P}", &path.to_uppercase()))
    .collect();
    list.retain(|uri| uri != registered);
    list
}

#[tokio::test]
async fn redirect_uri_bypass_keycloak_cve_2024_1132_only_the_registered_string_gets_a_code()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(spec(), |_| {}).await?;
    // Signed in, so an accepted URI would get a code at once.
    login(&browser, EMAIL, PASSWORD).await?;
    for uri in near_misses(CALLBACK) {
        let url = server.authorize_url(&client, &[("redirect_uri", &uri)]);
        let response = browser.get(&url).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri:?}");
        assert!(response.headers().get("location").is_none(), "{uri:?}");
        let body = response.text().await?;
        assert!(!body.contains("code="), "{uri:?}");
    }
    let back = browser
        .follow(browser.get(&server.authorize_url(&client, &[])).await?)
        .await?
        .away()?;
    assert!(back.as_str().starts_with(CALLBACK), "{back}");

    // At the token endpoint the redirect_uri must repeat the authorization request's exactly.
    for uri in near_misses(CALLBACK).iter().step_by(3) {
        let code = server.obtain_code(&browser, &client, None).await?;
        let response = server
            .token(
                &client,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", uri),
                ],
            )
            .await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri:?}");
        let body: serde_json::Value = response.json().await?;
        assert_eq!(text(&body, "error"), "invalid_grant", "{uri:?}");
    }
    Ok(())
}

#[tokio::test]
async fn post_logout_redirect_bypass_authentik_cve_2024_52289_only_the_registered_string()
-> anyhow::Result<()> {
    let (_server, client, browser) = setup(spec(), |_| {}).await?;
    login(&browser, EMAIL, PASSWORD).await?;
    let end_session = |uri: &str| {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("client_id", client.id.as_str()),
                ("post_logout_redirect_uri", uri),
            ])
            .finish();
        format!("/end_session?{query}")
    };
    for uri in near_misses(SIGNED_OUT) {
        let response = browser.get(&end_session(&uri)).await?;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri:?}");
        assert!(response.headers().get("location").is_none(), "{uri:?}");
    }
    // A refused request signs nobody out.
    assert!(browser.get("/").await?.text().await?.contains(EMAIL));

    let page = browser.get(&end_session(SIGNED_OUT)).await?;
    assert_eq!(page.status(), StatusCode::OK, "asks first");
    let body = page.text().await?;
    let csrf = hidden_field(&body, "csrf")?;
    let lx = hidden_field(&body, "lx")?;
    let response = browser
        .post_form("/end_session/confirm", &[("csrf", &csrf), ("lx", &lx)])
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert_eq!(back.as_str(), SIGNED_OUT);
    assert_eq!(Landing::query(&back, "state"), None);
    Ok(())
}

#[tokio::test]
async fn redirect_uri_bypass_keycloak_cve_2024_1132_unsafe_uris_cannot_be_registered()
-> anyhow::Result<()> {
    let (server, _, _) = setup(spec(), |_| {}).await?;
    let owner = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .map(|u| u.id)
        .unwrap_or_default();
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let path = format!("/api/v1/orgs/{}/clients", org.id);
    for uri in [
        "https://app.example.com/callback#fragment",
        "https://app.example.com/callback#",
        "https://user@app.example.com/callback",
        "https://user:secret@app.example.com/callback",
        "http://app.example.com/callback",
        "/callback",
        "//app.example.com/callback",
        "javascript:alert(1)",
        "data:text/html,hi",
        "myapp:/callback",
    ] {
        for (field, other) in [
            ("redirect_uris", "post_logout_redirect_uris"),
            ("post_logout_redirect_uris", "redirect_uris"),
        ] {
            let mut body = json!({"name": "sneaky", "grant_types": ["authorization_code"]});
            body[field] = json!([uri]);
            if field == "post_logout_redirect_uris" {
                body[other] = json!([CALLBACK]);
            }
            let reply = server
                .api(Method::POST, &path, Some(&token), Some(body))
                .await?;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{field} {uri}: {}",
                reply.text
            );
        }
    }
    let listed = server.api(Method::GET, &path, Some(&token), None).await?;
    assert_eq!(listed.json["clients"], json!([]), "nothing was registered");
    // The same body with a safe URI registers: the refusals were about the URIs.
    let body = json!({"name": "fine", "redirect_uris": [CALLBACK], "post_logout_redirect_uris": [SIGNED_OUT]});
    let reply = server
        .api(Method::POST, &path, Some(&token), Some(body))
        .await?;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    Ok(())
}

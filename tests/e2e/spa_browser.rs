//! A real browser signs in to a single-page app: headless Chromium loads a page served on an
//! origin of its own (not Poort's), which runs authorization code + PKCE S256 by redirect,
//! with Poort's real login page filled in by the browser, then `fetch`es the token, userinfo,
//! refresh and revocation endpoints across origins (CORS). A page on an origin no client lists
//! cannot read a token even with a valid code. Needs Debian's `chromium` and `chromium-driver`.
//!
//! `POORT_SCREENSHOTS=/some/dir` saves a screenshot of the app's result page there.

use std::time::Duration;

use poort_tests::chromium::Chromium;
use poort_tests::static_site::StaticSite;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, Pkce, TestClient, TestServer, setup};
use serde_json::Value;

const INDEX: &str = include_str!("spa/index.html");
const APP_JS: &str = include_str!("spa/app.js");
const WAIT: Duration = Duration::from_secs(60);
/// The page's JSON report, once it has finished.
const RESULT: &str = "return document.body && document.body.dataset.done === '1' \
                      ? document.getElementById('result').textContent : null;";

/// The app's page for `mode` (`app`, or `foreign` holding a code and its verifier).
fn page(
    server: &TestServer,
    client: &TestClient,
    mode: &str,
    code: &str,
    verifier: &str,
) -> String {
    INDEX
        .replace("{issuer}", &server.base)
        .replace("{client_id}", &client.id)
        .replace("{mode}", mode)
        .replace("{redirect_uri}", &client.redirect_uri)
        .replace("{code}", code)
        .replace("{verifier}", verifier)
}

/// Poort, its test user, and a site on another origin with a public client whose redirect URI
/// is the site's `/callback` (so the site's origin is the client's default web origin).
async fn app_and_site() -> anyhow::Result<(TestServer, TestClient, StaticSite)> {
    let site = StaticSite::start().await?;
    let (server, client, _) = setup(
        ClientSpec {
            public: true,
            redirect_uri: site.url("/callback"),
            ..ClientSpec::default()
        },
        |_| {},
    )
    .await?;
    anyhow::ensure!(
        site.origin != server.base,
        "the app needs an origin of its own"
    );
    site.put(
        "/app.js",
        "text/javascript; charset=utf-8",
        APP_JS.to_owned(),
    );
    Ok((server, client, site))
}

async fn report(browser: &Chromium) -> anyhow::Result<Value> {
    let text = browser.wait_for(RESULT, WAIT).await?;
    Ok(serde_json::from_str(text.as_str().unwrap_or_default())?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_page_app_signs_in_refreshes_and_revokes_from_its_own_origin() -> anyhow::Result<()>
{
    let (server, client, site) = app_and_site().await?;
    let html = page(&server, &client, "app", "", "");
    site.put("/", "text/html; charset=utf-8", html.clone());
    site.put("/callback", "text/html; charset=utf-8", html);

    let browser = Chromium::start().await?;
    browser.goto(&site.url("/")).await?;
    // The app sends the browser to Poort, whose login page the browser fills in.
    browser.wait_for_url(&server.url("/login"), WAIT).await?;
    browser.type_into("#login", EMAIL).await?;
    browser.type_into("#password", PASSWORD).await?;
    browser
        .click("form[action='/login'] button[type='submit']")
        .await?;
    let result = report(&browser).await?;
    let landed = browser.current_url().await?;
    if let Some(folder) = std::env::var_os("POORT_SCREENSHOTS") {
        let path = std::path::Path::new(&folder).join("spa-result.png");
        browser.save_screenshot(&path).await?;
    }

    assert!(landed.starts_with(&site.url("/callback?")), "{landed}");
    assert_eq!(result["token_status"], 200, "{result}");
    assert_eq!(result["token_type"], "Bearer", "{result}");
    assert_eq!(result["id_token"], true, "{result}");
    assert_eq!(result["userinfo_status"], 200, "{result}");
    assert_eq!(result["email"], EMAIL, "{result}");
    assert_eq!(result["refresh_status"], 200, "{result}");
    assert_eq!(result["rotated"], true, "{result}");
    assert_eq!(result["revoke_status"], 200, "{result}");
    assert_eq!(result["refresh_after_revoke"], "invalid_grant", "{result}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_on_an_unlisted_origin_gets_no_token() -> anyhow::Result<()> {
    let (server, client, _site) = app_and_site().await?;
    // A real code and its verifier, handed to a page on a third origin.
    let pkce = Pkce::new();
    let code = server
        .obtain_code(&server.browser(), &client, Some(&pkce))
        .await?;
    let foreign = StaticSite::start().await?;
    foreign.put(
        "/app.js",
        "text/javascript; charset=utf-8",
        APP_JS.to_owned(),
    );
    foreign.put(
        "/",
        "text/html; charset=utf-8",
        page(&server, &client, "foreign", &code, &pkce.verifier),
    );

    let browser = Chromium::start().await?;
    browser.goto(&foreign.url("/")).await?;
    let result = report(&browser).await?;

    // Poort is reachable from the page (discovery is public)…
    assert_eq!(result["discovery_status"], 200, "{result}");
    // …but the browser refuses it the token endpoint's and userinfo's answers.
    assert!(result.get("access_token").is_none(), "{result}");
    let refused = |field: &str| {
        result[field]
            .as_str()
            .is_some_and(|e| e.starts_with("TypeError"))
    };
    assert!(refused("token_error"), "{result}");
    assert!(refused("userinfo_error"), "{result}");
    Ok(())
}

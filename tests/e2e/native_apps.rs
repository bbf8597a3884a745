//! Native apps (RFC 8252): a public client with PKCE, redirected to a loopback IP on the port
//! the app opened just now (any port matches the registered loopback URI, §7.3), or to a
//! private-use scheme (§7.1). Nothing else is relaxed: another path, host or scheme, or a
//! `localhost` name on another port, is not the registered URI.

use poort_tests::browser::Landing;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, Pkce, setup};
use reqwest::StatusCode;

fn native(redirect_uri: &str) -> ClientSpec {
    ClientSpec {
        public: true,
        pkce_required: true,
        redirect_uri: redirect_uri.into(),
        ..ClientSpec::default()
    }
}

#[tokio::test]
async fn a_loopback_redirect_takes_the_port_the_app_opened() -> anyhow::Result<()> {
    let (server, client, browser) = setup(native("http://127.0.0.1/callback"), |_| {}).await?;
    let pkce = Pkce::new();
    let ephemeral = "http://127.0.0.1:53127/callback";
    let url = server.authorize_url(
        &client,
        &[
            ("redirect_uri", ephemeral),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let back = browser.login_through(&url, EMAIL, PASSWORD).await?.away()?;
    assert_eq!(back.port(), Some(53127), "{back}");
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))?;

    // The token request names the redirect URI the authorization used, port included.
    let redeem = |redirect_uri: &'static str, code: String| {
        let (server, client, verifier) = (&server, &client, pkce.verifier.clone());
        async move {
            let response = server
                .token(
                    client,
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("redirect_uri", redirect_uri),
                        ("code_verifier", &verifier),
                    ],
                )
                .await?;
            anyhow::Ok((
                response.status(),
                response.json::<serde_json::Value>().await?,
            ))
        }
    };
    let (status, body) = redeem("http://127.0.0.1/callback", code.clone()).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    let url = server.authorize_url(
        &client,
        &[
            ("redirect_uri", ephemeral),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let back = browser.follow(browser.get(&url).await?).await?.away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))?;
    let (status, body) = redeem(ephemeral, code).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["id_token"].is_string());
    Ok(())
}

#[tokio::test]
async fn only_the_port_of_a_loopback_ip_may_differ() -> anyhow::Result<()> {
    let (server, client, browser) = setup(native("http://127.0.0.1/callback"), |_| {}).await?;
    let pkce = Pkce::new();
    for wrong in [
        "http://127.0.0.1:53127/other",
        "http://127.0.0.2:53127/callback",
        "http://localhost:53127/callback",
        "https://127.0.0.1:53127/callback",
    ] {
        let url = server.authorize_url(
            &client,
            &[
                ("redirect_uri", wrong),
                ("code_challenge", &pkce.challenge),
                ("code_challenge_method", "S256"),
            ],
        );
        // An unregistered redirect URI is never redirected to: the user gets an error page.
        let landing = browser.follow(browser.get(&url).await?).await?;
        match landing {
            Landing::Page { status, .. } => assert_eq!(status, StatusCode::BAD_REQUEST, "{wrong}"),
            Landing::Away(to) => anyhow::bail!("{wrong} was redirected to {to}"),
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_private_use_scheme_redirect_gets_the_code() -> anyhow::Result<()> {
    let (server, client, browser) =
        setup(native("com.example.app:/oauth2redirect"), |_| {}).await?;
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, body) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    Ok(())
}

//! `prompt=select_account`: a signed-in browser is asked to continue as its account or use
//! another one (signed out, then the login page for the same request).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_tests::browser::{Browser, Landing, hidden_field, location};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup, start_server};
use reqwest::StatusCode;

const OTHER_EMAIL: &str = "hopper@example.com";
const OTHER_PASSWORD: &str = "another long and unguessable passphrase";

/// The `sub` of the ID token the code redeems for.
async fn subject(
    server: &TestServer,
    client: &TestClient,
    back: &url::Url,
) -> anyhow::Result<String> {
    let code = Landing::query(back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))?;
    let (status, body) = server.redeem(client, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id_token = body["id_token"].as_str().unwrap_or_default();
    let payload = id_token.split('.').nth(1).unwrap_or_default();
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?;
    Ok(claims["sub"].as_str().unwrap_or_default().to_owned())
}

/// Signs in as the standard user, then opens an authorize URL with `prompt=select_account`;
/// returns the chooser page's body.
async fn chooser(
    server: &TestServer,
    client: &TestClient,
    browser: &Browser,
) -> anyhow::Result<String> {
    server.obtain_code(browser, client, None).await?;
    let url = server.authorize_url(client, &[("prompt", "select_account")]);
    let landing = browser.follow(browser.get(&url).await?).await?;
    let Landing::Page { status, url, body } = landing else {
        anyhow::bail!("expected the account chooser, got {landing:?}");
    };
    assert_eq!(status, StatusCode::OK);
    assert!(url.contains("/select_account?tx="), "{url}");
    Ok(body)
}

#[tokio::test]
async fn continue_as_the_signed_in_account() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let user_id = server.create_user(EMAIL, PASSWORD).await?;
    let client = server.create_client(ClientSpec::default()).await?;
    let browser = server.browser();
    let body = chooser(&server, &client, &browser).await?;
    assert!(body.contains(&format!("Continue as {EMAIL}")), "{body}");
    assert!(body.contains("Use another account"));
    let response = browser
        .post_form(
            "/select_account",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("choice", "continue"),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
    assert_eq!(
        Landing::query(&back, "iss").as_deref(),
        Some(server.base.as_str())
    );
    assert_eq!(subject(&server, &client, &back).await?, user_id);
    Ok(())
}

#[tokio::test]
async fn use_another_account_signs_out_and_continues_the_same_request() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let other_id = server.create_user(OTHER_EMAIL, OTHER_PASSWORD).await?;
    let body = chooser(&server, &client, &browser).await?;
    let tx = hidden_field(&body, "tx")?;
    let response = browser
        .post_form(
            "/select_account",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &tx),
                ("choice", "other"),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response)?, format!("/login?tx={tx}"));
    // Signed out: the front page no longer knows the account.
    let home = browser.get("/").await?.text().await?;
    assert!(!home.contains(EMAIL), "{home}");

    let login = browser
        .get(&format!("/login?tx={tx}"))
        .await?
        .text()
        .await?;
    let response = browser
        .post_form(
            "/login",
            &[
                ("csrf", &hidden_field(&login, "csrf")?),
                ("tx", &hidden_field(&login, "tx")?),
                ("login", OTHER_EMAIL),
                ("password", OTHER_PASSWORD),
            ],
        )
        .await?;
    // The same request goes on, without asking again.
    let back = browser.follow(response).await?.away()?;
    assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
    assert_eq!(subject(&server, &client, &back).await?, other_id);
    Ok(())
}

#[tokio::test]
async fn the_chooser_refuses_a_forged_form() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let body = chooser(&server, &client, &browser).await?;
    let tx = hidden_field(&body, "tx")?;
    for choice in ["continue", "other"] {
        let response = browser
            .post_form(
                "/select_account",
                &[("csrf", "forged"), ("tx", &tx), ("choice", choice)],
            )
            .await?;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{choice}");
        assert!(response.headers().get("location").is_none());
    }
    // Still signed in, and a choice that is neither is refused.
    let home = browser.get("/").await?.text().await?;
    assert!(home.contains(EMAIL));
    let response = browser
        .post_form(
            "/select_account",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &tx),
                ("choice", "both"),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // An unknown transaction signs nobody out.
    let response = browser
        .post_form(
            "/select_account",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", "x".repeat(43).as_str()),
                ("choice", "other"),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let home = browser.get("/").await?.text().await?;
    assert!(home.contains(EMAIL));
    Ok(())
}

#[tokio::test]
async fn the_chooser_speaks_the_three_languages() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let body = chooser(&server, &client, &browser).await?;
    let tx = hidden_field(&body, "tx")?;
    for (lang, text) in [
        ("en", "Use another account"),
        ("nl", "Een ander account gebruiken"),
        ("fr", "Utiliser un autre compte"),
    ] {
        let page = browser
            .get(&format!("/select_account?tx={tx}&lang={lang}"))
            .await?
            .text()
            .await?;
        assert!(page.contains(text), "{lang}: {page}");
        assert!(page.contains(&format!("lang=\"{lang}\"")), "{lang}");
    }
    Ok(())
}

#[tokio::test]
async fn without_a_session_the_login_page_chooses_the_account() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let url = server.authorize_url(&client, &[("prompt", "select_account")]);
    let back = browser.login_through(&url, EMAIL, PASSWORD).await?.away()?;
    assert!(Landing::query(&back, "code").is_some(), "{back}");
    Ok(())
}

#[tokio::test]
async fn select_account_with_none_is_invalid_request() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.obtain_code(&browser, &client, None).await?;
    let url = server.authorize_url(&client, &[("prompt", "none select_account")]);
    let back = browser.follow(browser.get(&url).await?).await?.away()?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(Landing::query(&back, "code"), None);
    assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
    Ok(())
}

#[tokio::test]
async fn the_chosen_account_answers_in_the_requested_response_mode() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.obtain_code(&browser, &client, None).await?;
    let url = server.authorize_url(
        &client,
        &[("prompt", "select_account"), ("response_mode", "fragment")],
    );
    let landing = browser.follow(browser.get(&url).await?).await?;
    let Landing::Page { body, .. } = landing else {
        anyhow::bail!("expected the account chooser, got {landing:?}");
    };
    let response = browser
        .post_form(
            "/select_account",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", &hidden_field(&body, "tx")?),
                ("choice", "continue"),
            ],
        )
        .await?;
    let back = browser.follow(response).await?.away()?;
    assert_eq!(back.query(), None);
    let fragment: Vec<(String, String)> =
        url::form_urlencoded::parse(back.fragment().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    assert!(fragment.iter().any(|(k, _)| k == "code"), "{back}");
    assert!(fragment.iter().any(|(k, v)| k == "state" && v == "st4te"));
    Ok(())
}

/// The chooser asks the gate: an account deleted, or outside its organisation's IP allowlist,
/// after the chooser was shown cannot continue to a code, and is not offered again.
#[tokio::test]
async fn a_principal_the_gate_refuses_cannot_continue() -> anyhow::Result<()> {
    for refusal in ["deleted", "outside the IP allowlist"] {
        let server = start_server(|_| {}).await?;
        server.create_user(EMAIL, PASSWORD).await?;
        let client = server.create_client(ClientSpec::default()).await?;
        let browser = server.browser();
        let body = chooser(&server, &client, &browser).await?;
        let tx = hidden_field(&body, "tx")?;
        if refusal == "deleted" {
            poort_server::flows::retention::delete_account(&server.state, EMAIL).await?;
        } else {
            let org = server.create_org("Acme", Some(EMAIL)).await?;
            server
                .set_org(&org.id, &["ip_allowlist=192.0.2.0/24"])
                .await?;
        }
        let form = [
            ("csrf", hidden_field(&body, "csrf")?),
            ("tx", tx.clone()),
            ("choice", "continue".to_owned()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let landing = browser
            .follow(browser.post_form("/select_account", &form).await?)
            .await?;
        if let Landing::Away(url) = &landing {
            let url = url::Url::parse(url)?;
            assert!(Landing::query(&url, "code").is_none(), "{refusal}: {url}");
        }
        let again = browser.get(&format!("/select_account?tx={tx}")).await?;
        let again = again.text().await?;
        assert!(
            !again.contains(&format!("Continue as {EMAIL}")),
            "{refusal}: {again}"
        );
    }
    Ok(())
}

/// A one-factor session when the user's organisation starts requiring 2FA after the chooser
/// was shown: "Continue" gets no code; the browser is sent to set up a second factor.
#[tokio::test]
async fn a_one_factor_session_where_2fa_is_required_cannot_continue() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let client = server.create_client(ClientSpec::default()).await?;
    let browser = server.browser();
    let body = chooser(&server, &client, &browser).await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server.set_org(&org.id, &["require_2fa=true"]).await?;
    let form = [
        ("csrf", hidden_field(&body, "csrf")?),
        ("tx", hidden_field(&body, "tx")?),
        ("choice", "continue".to_owned()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = browser.post_form("/select_account", &form).await?;
    let to = location(&response).unwrap_or_default();
    assert!(!to.contains("code="), "{to}");
    let landing = browser.follow(response).await?;
    match landing {
        Landing::Page { url, .. } => assert!(url.contains("/account/mfa"), "{url}"),
        Landing::Away(url) => anyhow::bail!("left for {url} with a one-factor session"),
    }
    Ok(())
}

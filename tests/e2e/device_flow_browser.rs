//! A device flow completed in a real browser (headless Chromium): the device asks for codes and
//! polls the token endpoint while the browser opens `verification_uri_complete`, submits the
//! prefilled code, signs in on Poort's login page and approves on the confirmation page, in
//! English, Dutch and French. The device hears `authorization_pending` until the approval,
//! then gets its tokens. Needs Debian's `chromium` and `chromium-driver`.
//!
//! `POORT_SCREENSHOTS=/some/dir` saves the code page and the confirmation page of each
//! language there (`device-LANG.png`, `device-confirm-LANG.png`).

use std::time::Duration;

use poort_oidc::token_request::GrantType;
use poort_tests::chromium::Chromium;
use poort_tests::device::error_of;
use poort_tests::mfa::jwt_claims;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, start_server};
use reqwest::StatusCode;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

async fn screenshot(browser: &Chromium, name: &str) -> anyhow::Result<()> {
    if let Some(folder) = std::env::var_os("POORT_SCREENSHOTS") {
        let path = std::path::Path::new(&folder).join(format!("{name}.png"));
        browser.save_screenshot(&path).await?;
    }
    Ok(())
}

async fn text_of(browser: &Chromium, css: &str) -> anyhow::Result<String> {
    let script =
        format!("const e = document.querySelector({css:?}); return e ? e.textContent : null;");
    let value = browser.wait_for(&script, WAIT).await?;
    Ok(value.as_str().unwrap_or_default().trim().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_is_approved_in_a_real_browser_while_it_polls() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let user_id = server.create_user(EMAIL, PASSWORD).await?;
    let client = server
        .create_client(ClientSpec {
            public: true,
            first_party: false,
            grants: vec![GrantType::DeviceCode],
            ..ClientSpec::default()
        })
        .await?;
    for (lang, title, heading, approved) in [
        (
            "en",
            "Connect a device",
            "Connect a device?",
            "Device connected",
        ),
        (
            "nl",
            "Een apparaat koppelen",
            "Apparaat koppelen?",
            "Apparaat gekoppeld",
        ),
        (
            "fr",
            "Connecter un appareil",
            "Connecter un appareil\u{a0}?",
            "Appareil connecté",
        ),
    ] {
        let codes = server.start_device_flow(&client, "openid email").await?;
        let (status, body) = server.poll_device(&client, &codes.device_code).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(error_of(&body), "authorization_pending", "{body}");

        // A fresh browser (no session) opens the link the device shows, in `lang`.
        let browser = Chromium::start().await?;
        browser
            .goto(&format!("{}&lang={lang}", codes.verification_uri_complete))
            .await?;
        assert_eq!(text_of(&browser, "h1").await?, title, "{lang}");
        let prefilled = browser
            .execute(
                "return document.getElementById('user_code').value;",
                Vec::new(),
            )
            .await?;
        assert_eq!(prefilled, Value::from(codes.user_code.as_str()));
        screenshot(&browser, &format!("device-{lang}")).await?;
        browser
            .click("form[action='/device'] button[type='submit']")
            .await?;

        browser
            .wait_for_url(&server.url("/login?tx="), WAIT)
            .await?;
        browser.type_into("#login", EMAIL).await?;
        browser.type_into("#password", PASSWORD).await?;
        browser
            .click("form[action='/login'] button[type='submit']")
            .await?;

        browser
            .wait_for_url(&server.url("/device/confirm?tx="), WAIT)
            .await?;
        assert_eq!(text_of(&browser, "h1").await?, heading, "{lang}");
        assert_eq!(text_of(&browser, "#user-code").await?, codes.user_code);
        screenshot(&browser, &format!("device-confirm-{lang}")).await?;
        // The page waits for the user; the device keeps polling at its interval.
        server.clock.advance(codes.interval);
        let (_, body) = server.poll_device(&client, &codes.device_code).await?;
        assert_eq!(error_of(&body), "authorization_pending", "{body}");

        browser.click("button[value='approve']").await?;
        let done = browser
            .wait_for(
                "return document.getElementById('user-code') ? null \
                 : document.querySelector('h1').textContent;",
                WAIT,
            )
            .await?;
        assert_eq!(done.as_str().map(str::trim), Some(approved), "{lang}");

        server.clock.advance(codes.interval);
        let (status, tokens) = server.poll_device(&client, &codes.device_code).await?;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        let id = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
        assert_eq!(id["sub"], user_id.as_str());
        assert_eq!(id["email"], EMAIL);
    }
    Ok(())
}

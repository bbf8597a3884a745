//! The Device Authorization Grant (RFC 8628), the user's side: typing the code on `/device`
//! (any case, with or without the dash; wrong, expired and used codes get one answer; guesses
//! throttled per session and per address), CSRF on both forms, the normal login journey for
//! a signed-out user (an organisation's require_2fa sends them to enrolment, a second factor
//! is asked for), a signed-in user going straight to the confirmation, and one answer per code.

use poort_oidc::token_request::GrantType;
use poort_server::flows::device::throttle::{PER_ADDRESS, PER_SESSION};
use poort_tests::browser::{Landing, hidden_field};
use poort_tests::device::{answer, confirmation, enter_code, error_of, open_and_sign_in};
use poort_tests::mfa::{amr, jwt_claims, page, totp_code};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, start_server};
use reqwest::StatusCode;

const UNKNOWN: &str = "That code is not valid";

async fn server_with_device_app() -> anyhow::Result<(TestServer, TestClient)> {
    let server = start_server(|_| {}).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let client = server
        .create_client(ClientSpec {
            public: true,
            first_party: false,
            grants: vec![GrantType::DeviceCode],
            ..ClientSpec::default()
        })
        .await?;
    Ok((server, client))
}

/// The status and body of a page the browser stopped on.
fn stopped(landing: Landing) -> anyhow::Result<(StatusCode, String, String)> {
    match landing {
        Landing::Page { status, url, body } => Ok((status, url, body)),
        Landing::Away(to) => anyhow::bail!("sent away to {to}"),
    }
}

/// A well-formed code that is (almost certainly) nobody's.
fn some_code(n: usize) -> String {
    let letters = b"BCDFGHJKLMNPQRSTVWXZ";
    (0..8)
        .map(|i| char::from(letters[(n * 7 + i * 3) % letters.len()]))
        .collect()
}

#[tokio::test]
async fn a_typed_code_ignores_case_and_dashes_and_a_signed_in_user_goes_straight_to_confirming()
-> anyhow::Result<()> {
    let (server, client) = server_with_device_app().await?;
    let browser = server.browser();
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let typed = codes.user_code.replace('-', " ").to_lowercase();
    let body = confirmation(enter_code(&browser, &typed).await?)?;
    assert!(body.contains(&codes.user_code));
    // The prefilled link shows the code in the form and acts only when submitted.
    let prefilled = browser
        .get(&codes.verification_uri_complete)
        .await?
        .text()
        .await?;
    assert_eq!(hidden_field(&prefilled, "user_code")?, codes.user_code);
    let (_, body) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(error_of(&body), "authorization_pending");
    Ok(())
}

#[tokio::test]
async fn wrong_expired_and_used_codes_get_the_same_answer() -> anyhow::Result<()> {
    let (server, client) = server_with_device_app().await?;
    let browser = server.browser();
    let used = server.start_device_flow(&client, "openid").await?;
    let landing =
        open_and_sign_in(&browser, &used.verification_uri_complete, EMAIL, PASSWORD).await?;
    let body = confirmation(landing)?;
    answer(&browser, &body, "approve").await?;
    for typed in [
        some_code(1).as_str(),
        "nonsense",
        "",
        used.user_code.as_str(),
    ] {
        let (status, url, body) = stopped(enter_code(&browser, typed).await?)?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{typed}");
        assert!(url.ends_with("/device"), "{url}");
        assert!(body.contains(UNKNOWN), "{typed}: {body}");
    }
    // A confirmation page answered once cannot answer again (here: deny after approve).
    let again = answer(&browser, &body, "deny").await?;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    let (status, _) = server.poll_device(&client, &used.device_code).await?;
    assert_eq!(status, StatusCode::OK, "the approval stands");
    Ok(())
}

#[tokio::test]
async fn guesses_are_throttled_per_browser_session() -> anyhow::Result<()> {
    let (server, client) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let browser = server.browser();
    for n in 0..PER_SESSION as usize {
        let (status, _, body) = stopped(enter_code(&browser, &some_code(n)).await?)?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "guess {n}");
        assert!(body.contains(UNKNOWN));
    }
    // Now even the right code is refused, and said so.
    let (status, _, body) = stopped(enter_code(&browser, &codes.user_code).await?)?;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("Too many attempts"), "{body}");
    // Another browser (session) still may.
    let other = server.browser();
    let (status, url, _) = stopped(enter_code(&other, &codes.user_code).await?)?;
    assert_eq!(status, StatusCode::OK);
    assert!(url.contains("/login?tx="), "{url}");
    Ok(())
}

#[tokio::test]
async fn guesses_are_throttled_per_address_across_sessions() -> anyhow::Result<()> {
    let (server, client) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let mut allowed = 0;
    'browsers: for _ in 0..PER_ADDRESS {
        let browser = server.browser();
        for _ in 0..PER_SESSION {
            let (status, _, _) = stopped(enter_code(&browser, &some_code(allowed)).await?)?;
            if status == StatusCode::TOO_MANY_REQUESTS {
                break 'browsers;
            }
            assert_eq!(status, StatusCode::BAD_REQUEST);
            allowed += 1;
        }
    }
    assert_eq!(allowed as u64, PER_ADDRESS);
    let fresh = server.browser();
    let (status, _, _) = stopped(enter_code(&fresh, &codes.user_code).await?)?;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    Ok(())
}

#[tokio::test]
async fn both_forms_need_their_csrf_token() -> anyhow::Result<()> {
    let (server, client) = server_with_device_app().await?;
    let codes = server.start_device_flow(&client, "openid").await?;
    let browser = server.browser();
    browser.get("/device").await?;
    let forged = browser
        .post_form("/device", &[("user_code", &codes.user_code)])
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let forged = browser
        .post_form(
            "/device",
            &[("csrf", "not-the-token"), ("user_code", &codes.user_code)],
        )
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let landing =
        open_and_sign_in(&browser, &codes.verification_uri_complete, EMAIL, PASSWORD).await?;
    let body = confirmation(landing)?;
    let tx = hidden_field(&body, "tx")?;
    let forged = browser
        .post_form(
            "/device/confirm",
            &[("tx", tx.as_str()), ("decision", "approve")],
        )
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (_, polled) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(
        error_of(&polled),
        "authorization_pending",
        "nothing approved"
    );
    Ok(())
}

/// Signs in on the login page `body` (of the approval), returning where the browser landed.
async fn submit_login(browser: &Browser, body: &str) -> anyhow::Result<Landing> {
    let csrf = hidden_field(body, "csrf")?;
    let tx = hidden_field(body, "tx")?;
    let response = browser
        .post_form(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("tx", tx.as_str()),
                ("login", EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await?;
    browser.follow(response).await
}

#[tokio::test]
async fn an_organisation_requiring_2fa_sends_the_user_through_a_second_factor() -> anyhow::Result<()>
{
    let (server, client) = server_with_device_app().await?;
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    server.set_org(&org.id, &["require_2fa=true"]).await?;

    // No factor yet: the login names the client, then sends the user to enrol, and the
    // enrolment continues the approval.
    let codes = server.start_device_flow(&client, "openid").await?;
    let browser = server.browser();
    let (_, url, body) = stopped(enter_code(&browser, &codes.user_code).await?)?;
    assert!(url.contains("/login?tx="), "{url}");
    assert!(body.contains("Test app"), "the login page names the client");
    let (url, _) = page(submit_login(&browser, &body).await?).await?;
    assert!(url.contains("/account/mfa/required?tx="), "{url}");
    let tx = Landing::query(&url::Url::parse(&url)?, "tx").unwrap_or_default();
    let (secret, enrolled) = server.enroll_totp(&browser, "Phone", &tx).await?;
    assert!(enrolled.status().is_success());
    let resumed = browser
        .follow(browser.get(&format!("/authorize/resume?tx={tx}")).await?)
        .await?;
    let body = confirmation(resumed)?;
    answer(&browser, &body, "approve").await?;
    let (status, tokens) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    server.sign_out(&browser).await?;

    // With a factor: the password alone signs nobody in; the code does, then the confirmation.
    let codes = server.start_device_flow(&client, "openid").await?;
    let (_, _, body) = stopped(enter_code(&browser, &codes.user_code).await?)?;
    let (url, body) = page(submit_login(&browser, &body).await?).await?;
    assert!(url.contains("/login/mfa?tx="), "{url}");
    let (_, polled) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(error_of(&polled), "authorization_pending");
    server.clock.advance(30);
    let code = totp_code(&secret, server.now())?;
    let response = browser
        .post_form(
            "/login/mfa/totp",
            &[
                ("csrf", hidden_field(&body, "csrf")?.as_str()),
                ("tx", hidden_field(&body, "tx")?.as_str()),
                ("code", code.as_str()),
            ],
        )
        .await?;
    let body = confirmation(browser.follow(response).await?)?;
    answer(&browser, &body, "approve").await?;
    let (status, tokens) = server.poll_device(&client, &codes.device_code).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id = jwt_claims(tokens["id_token"].as_str().unwrap_or_default())?;
    assert!(amr(&id).contains(&"mfa".to_owned()), "{id}");
    assert_eq!(id["acr"], "urn:poort:loa:2fa", "{id}");
    Ok(())
}

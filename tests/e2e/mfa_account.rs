//! The account's second factors: login required, several authenticators, rename and remove
//! only after the password (and with the session's CSRF token); removing the last factor turns
//! the second step off and deletes the recovery codes.

use poort_tests::browser::hidden_field;
use poort_tests::mfa::{page, unescape};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::StatusCode;

#[tokio::test]
async fn the_account_page_needs_a_login() -> anyhow::Result<()> {
    let (_server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    for path in ["/account/mfa", "/account/mfa/totp", "/account/mfa/required"] {
        let response = browser.get(path).await?;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            poort_tests::browser::location(&response)?,
            "/login",
            "{path}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn rename_and_remove_need_the_password() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    server.enroll_totp(&browser, "Phone", "").await?;
    // A second authenticator: no new recovery codes, straight back to the list.
    let (_, second) = server.enroll_totp(&browser, "Tablet", "").await?;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(account.contains("Phone") && account.contains("Tablet"));
    let csrf = hidden_field(&account, "csrf")?;
    let first_id = hidden_field(&account, "id")?;

    let forged = browser
        .post_form(
            "/account/mfa/remove",
            &[
                ("csrf", "forged"),
                ("id", &first_id),
                ("password", PASSWORD),
            ],
        )
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let wrong = browser
        .post_form(
            "/account/mfa/rename",
            &[
                ("csrf", &csrf),
                ("id", &first_id),
                ("name", "Stolen"),
                ("password", "wrong password"),
            ],
        )
        .await?;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let renamed = browser
        .post_form(
            "/account/mfa/rename",
            &[
                ("csrf", &csrf),
                ("id", &first_id),
                ("name", "Work phone <b>"),
                ("password", PASSWORD),
            ],
        )
        .await?;
    assert_eq!(renamed.status(), StatusCode::OK);
    let body = renamed.text().await?;
    assert!(!body.contains("Work phone <b>"), "escaped");
    assert!(unescape(&body).contains("Work phone <b>"));
    assert!(!body.contains("Stolen"));

    // Remove both; the second step and the recovery codes go with the last one.
    let account = browser.get("/account/mfa").await?.text().await?;
    let ids: Vec<String> = account
        .split("name=\"id\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), 2);
    for id in &unique {
        let removed = browser
            .post_form(
                "/account/mfa/remove",
                &[("csrf", &csrf), ("id", id), ("password", PASSWORD)],
            )
            .await?;
        assert_eq!(removed.status(), StatusCode::OK);
    }
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(account.contains("None yet"));
    assert!(!account.contains("Recovery codes"));
    server.sign_out(&browser).await?;
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    landing.away()?;
    Ok(())
}

#[tokio::test]
async fn another_users_factor_cannot_be_touched() -> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    server.enroll_totp(&browser, "Grace's phone", "").await?;
    let account = browser.get("/account/mfa").await?.text().await?;
    let victim_factor = hidden_field(&account, "id")?;

    let other_email = "mallory@example.com";
    let other_password = "mallory's own long passphrase";
    server.create_user(other_email, other_password).await?;
    let mallory = server.browser();
    let landing = server
        .sign_in(&mallory, other_email, other_password)
        .await?;
    page(landing).await?;
    let home = mallory.get("/").await?.text().await?;
    let csrf = hidden_field(&home, "csrf")?;
    let attempt = mallory
        .post_form(
            "/account/mfa/remove",
            &[
                ("csrf", &csrf),
                ("id", &victim_factor),
                ("password", other_password),
            ],
        )
        .await?;
    assert_eq!(attempt.status(), StatusCode::NOT_FOUND);
    let still = browser.get("/account/mfa").await?.text().await?;
    assert!(unescape(&still).contains("Grace's phone"));
    Ok(())
}

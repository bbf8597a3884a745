//! Password change and renewal: an expired or admin-forced password leads to "choose a new
//! password" before the authorization request continues; the expiry warning page; refusals
//! list every failed rule; history refuses reuse; the change updates age and history.

use poort_server::admin;
use poort_server::password_settings::{PolicyRules, PolicySetting, Preset};
use poort_store::auth_events::{self, Kind};
use poort_store::{passwords, users};
use poort_tests::browser::{Landing, hidden_field};
use poort_tests::forms::{csrf_of, login, submit_login, submit_password};
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup};
use reqwest::StatusCode;

const DAY: i64 = 86_400;
const NEW_PASSWORD: &str = "tulip orchard under a copper moon";

fn expiring(max_age_days: u32, warn_days: u32) -> PolicySetting {
    PolicySetting::Rules(PolicyRules {
        max_age_days: Some(max_age_days),
        warn_days: Some(warn_days),
        ..PolicyRules::default()
    })
}

async fn user(server: &TestServer) -> anyhow::Result<poort_store::entities::users::Model> {
    users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("test user missing"))
}

/// Opens the client's authorize URL and submits the login form; returns the reply and `tx`.
async fn authorize_and_login(
    server: &TestServer,
    client: &TestClient,
    browser: &poort_tests::Browser,
    password: &str,
) -> anyhow::Result<(poort_tests::forms::Reply, String)> {
    let landing = browser
        .follow(browser.get(&server.authorize_url(client, &[])).await?)
        .await?;
    let Landing::Page { body, .. } = landing else {
        anyhow::bail!("expected the login page");
    };
    let csrf = hidden_field(&body, "csrf")?;
    let tx = hidden_field(&body, "tx")?;
    let reply = submit_login(browser, &csrf, &tx, EMAIL, password).await?;
    Ok((reply, tx))
}

/// Follows `location` to the client and returns the authorization code.
async fn code_from(browser: &poort_tests::Browser, location: &str) -> anyhow::Result<String> {
    let back = browser.follow(browser.get(location).await?).await?.away()?;
    Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))
}

#[tokio::test]
async fn expired_password_must_be_replaced_before_the_flow_continues() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |config| {
        config.password_policy = expiring(30, 7);
    })
    .await?;
    let before = user(&server).await?;
    server.clock.advance(31 * DAY);

    let (reply, tx) = authorize_and_login(&server, &client, &browser, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location.as_deref(), Some("/login/new-password"));
    // Not signed in yet: the pending request cannot be resumed around the renewal.
    let resumed = browser.get(&format!("/authorize/resume?tx={tx}")).await?;
    let location = resumed
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(location.starts_with("/login?tx="), "{location}");

    let page = browser.get("/login/new-password").await?.text().await?;
    assert!(page.contains("Your password has expired"), "{page}");
    assert!(
        !page.contains("name=\"current\""),
        "no current password asked"
    );

    let mismatch =
        submit_password(&browser, "/login/new-password", "", NEW_PASSWORD, "other").await?;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    assert!(mismatch.body.contains("not the same"));
    // The expired password itself is not a new one (even though NIST keeps no history).
    let same = submit_password(&browser, "/login/new-password", "", PASSWORD, PASSWORD).await?;
    assert_eq!(same.status, StatusCode::BAD_REQUEST);
    assert!(
        same.body.contains("used this password before"),
        "{}",
        same.body
    );

    let done = submit_password(
        &browser,
        "/login/new-password",
        "",
        NEW_PASSWORD,
        NEW_PASSWORD,
    )
    .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.location.unwrap_or_default();
    assert_eq!(location, format!("/authorize/resume?tx={tx}"));
    let code = code_from(&browser, &location).await?;
    let (status, tokens) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    // Stored: a new hash, its date, the old hash in the history, an event.
    let after = user(&server).await?;
    assert_ne!(after.password_hash, before.password_hash);
    assert!(after.password_changed_at.unwrap_or(0) >= server.now() - 5);
    let history = passwords::history(&server.state.db, &after.id, 10).await?;
    assert_eq!(
        history,
        before.password_hash.into_iter().collect::<Vec<_>>()
    );
    let changed = auth_events::count(&server.state.db, &after.id, Kind::PasswordChanged).await?;
    assert_eq!(changed, 1);
    // The old password no longer works; the new one does, with no renewal step.
    let fresh = server.browser();
    assert_eq!(
        login(&fresh, EMAIL, PASSWORD).await?.status,
        StatusCode::UNAUTHORIZED
    );
    let reply = login(&fresh, EMAIL, NEW_PASSWORD).await?;
    assert_eq!(reply.location.as_deref(), Some("/"));
    Ok(())
}

#[tokio::test]
async fn admin_forced_change_is_asked_at_the_next_login() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    admin::force_password_change(&server.state.config, EMAIL, server.now()).await?;
    assert!(user(&server).await?.force_password_change);

    let (reply, tx) = authorize_and_login(&server, &client, &browser, PASSWORD).await?;
    assert_eq!(reply.location.as_deref(), Some("/login/new-password"));
    let page = browser.get("/login/new-password").await?.text().await?;
    assert!(page.contains("administrator asks you"), "{page}");
    let done = submit_password(
        &browser,
        "/login/new-password",
        "",
        NEW_PASSWORD,
        NEW_PASSWORD,
    )
    .await?;
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/authorize/resume?tx={tx}").as_str())
    );
    assert!(!user(&server).await?.force_password_change);
    let id = user(&server).await?.id;
    let forced = auth_events::count(&server.state.db, &id, Kind::PasswordChangeForced).await?;
    assert_eq!(forced, 1);
    Ok(())
}

#[tokio::test]
async fn the_renewal_step_needs_its_own_browser_and_csrf() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |config| {
        config.password_policy = expiring(30, 7);
    })
    .await?;
    server.clock.advance(31 * DAY);
    let old_csrf = csrf_of(&browser, "/login").await?;
    let reply = submit_login(&browser, &old_csrf, "", EMAIL, PASSWORD).await?;
    assert_eq!(reply.location.as_deref(), Some("/login/new-password"));
    // The step runs in a new session (no fixation): the old session's token is dead.
    assert!(reply.new_session);
    let stale = browser
        .post_form(
            "/login/new-password",
            &[
                ("csrf", old_csrf.as_str()),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await?;
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    // Another browser has no pending renewal: it is sent to the login page.
    let other = server.browser();
    let response = other.get("/login/new-password").await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // A forged form is refused and changes nothing.
    let forged = browser
        .post_form(
            "/login/new-password",
            &[
                ("csrf", "forged"),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await?;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        passwords::history(&server.state.db, &user(&server).await?.id, 5)
            .await?
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn expiry_warning_shows_a_banner_with_a_way_on_to_the_client() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |config| {
        config.password_policy = expiring(30, 14);
    })
    .await?;
    server.clock.advance(20 * DAY);
    let (reply, tx) = authorize_and_login(&server, &client, &browser, PASSWORD).await?;
    let location = reply.location.unwrap_or_default();
    assert_eq!(location, format!("/account/password?tx={tx}"));
    let page = browser.get(&location).await?.text().await?;
    assert!(page.contains("Your password expires in 10 days."), "{page}");
    let skip = format!("/authorize/resume?tx={tx}");
    assert!(page.contains(&format!("href=\"{skip}\"")), "{page}");
    code_from(&browser, &skip).await?;
    // The account home page shows the banner too.
    let home = browser.get("/").await?.text().await?;
    assert!(home.contains("expires in 10 days"));
    Ok(())
}

#[tokio::test]
async fn a_refused_password_lists_every_failed_rule() -> anyhow::Result<()> {
    let (_server, _, browser) = setup(ClientSpec::default(), |config| {
        config.password_policy = PolicySetting::Preset(Preset::Strict);
    })
    .await?;
    login(&browser, EMAIL, PASSWORD).await?;
    let page = "/account/password";
    let reply = submit_password(&browser, page, PASSWORD, "abc", "abc").await?;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    for rule in [
        "Use at least 10 characters.",
        "Include an upper-case letter.",
        "Include a digit.",
        "Include a special character",
    ] {
        assert!(
            reply.body.contains(rule),
            "missing {rule:?} in {}",
            reply.body
        );
    }
    assert!(!reply.body.contains("Include a lower-case letter."));
    // The user's own email (local part "grace") is refused, and only that here.
    let personal =
        submit_password(&browser, page, PASSWORD, "Grace!2024xyz", "Grace!2024xyz").await?;
    assert_eq!(personal.status, StatusCode::BAD_REQUEST);
    assert!(
        personal.body.contains("Do not use your email address"),
        "{}",
        personal.body
    );
    assert_eq!(
        personal.body.matches("<li>").count(),
        rules_listed(&personal.body) + 1
    );
    // A wrong current password is refused before any rule is looked at.
    let wrong = submit_password(&browser, page, "not it", "Kx9!mPq2wLz7", "Kx9!mPq2wLz7").await?;
    assert!(wrong.body.contains("current password is not correct"));
    Ok(())
}

/// Number of requirement lines shown above the form (`<ul class="rules">`).
fn rules_listed(body: &str) -> usize {
    body.split("<ul class=\"rules\">")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .map_or(0, |list| list.matches("<li>").count())
}

#[tokio::test]
async fn history_refuses_the_last_passwords_and_a_change_updates_it() -> anyhow::Result<()> {
    let (server, _, browser) = setup(ClientSpec::default(), |config| {
        config.password_policy = PolicySetting::Preset(Preset::Strict);
    })
    .await?;
    login(&browser, EMAIL, PASSWORD).await?;
    let page = "/account/password";
    let (second, third) = ("Kx9!mPq2wLz7", "Tr4%vBn8sQe1");
    let reply = submit_password(&browser, page, PASSWORD, second, second).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = submit_password(&browser, page, second, third, third).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    for old in [PASSWORD, second, third] {
        let reply = submit_password(&browser, page, third, old, old).await?;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.body.contains("used this password before"), "{old}");
    }
    let fresh = "Mw7&yHc3jRt5";
    let reply = submit_password(&browser, page, third, fresh, fresh).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let id = user(&server).await?.id;
    assert_eq!(
        passwords::history(&server.state.db, &id, 10).await?.len(),
        3
    );
    assert_eq!(
        login(&server.browser(), EMAIL, fresh).await?.status,
        StatusCode::SEE_OTHER
    );
    Ok(())
}

#[tokio::test]
async fn the_account_page_needs_a_signed_in_session() -> anyhow::Result<()> {
    let (_server, _, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let response = browser.get("/account/password").await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let csrf = csrf_of(&browser, "/login").await?;
    let response = browser
        .post_form(
            "/account/password",
            &[
                ("csrf", csrf.as_str()),
                ("current", PASSWORD),
                ("new", NEW_PASSWORD),
                ("confirm", NEW_PASSWORD),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        login(&browser, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER,
        "the password did not change"
    );
    Ok(())
}

#[tokio::test]
async fn an_expired_password_is_renewed_after_the_second_factor_and_keeps_its_amr()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |config| {
        config.password_policy = expiring(30, 7);
    })
    .await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (secret, _) = server.enroll_totp(&browser, "Phone", "").await?;
    server.sign_out(&browser).await?;
    server.clock.advance(31 * DAY);

    // The password is still right but old; the second factor is asked first, then the renewal.
    let (reply, tx) = authorize_and_login(&server, &client, &browser, PASSWORD).await?;
    let location = reply.location.unwrap_or_default();
    assert!(location.starts_with("/login/mfa"), "{location}");
    let step = browser.get(&location).await?.text().await?;
    let csrf = hidden_field(&step, "csrf")?;
    let code = poort_tests::mfa::totp_code(&secret, server.now())?;
    let response = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &code)],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(location, "/login/new-password", "renewal after the code");
    // Not signed in until the password is replaced.
    let resumed = browser.get(&format!("/authorize/resume?tx={tx}")).await?;
    let to = resumed
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(to.starts_with("/login?tx="), "{to}");

    let done = submit_password(
        &browser,
        "/login/new-password",
        "",
        NEW_PASSWORD,
        NEW_PASSWORD,
    )
    .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let code = code_from(&browser, &done.location.unwrap_or_default()).await?;
    let (status, tokens) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap_or_default();
    let amr = poort_tests::mfa::amr(&poort_tests::mfa::jwt_claims(id_token)?);
    assert!(
        amr.contains(&"pwd".to_string()) && amr.contains(&"otp".to_string()),
        "the session keeps both factors: {amr:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_password_change_ends_other_sessions_and_tokens_but_keeps_this_one() -> anyhow::Result<()>
{
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    // Another browser holds a session and the relying party a refresh token from it.
    let other = server.browser();
    let pkce = poort_tests::Pkce::new();
    let code = server.obtain_code(&other, &client, Some(&pkce)).await?;
    let (status, tokens) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let refresh = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        other.get("/account/password").await?.status(),
        StatusCode::OK,
        "signed in"
    );

    login(&browser, EMAIL, PASSWORD).await?;
    let reply = submit_password(
        &browser,
        "/account/password",
        PASSWORD,
        NEW_PASSWORD,
        NEW_PASSWORD,
    )
    .await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);

    assert_eq!(
        browser.get("/account/password").await?.status(),
        StatusCode::OK,
        "the browser that made the change stays signed in"
    );
    assert_eq!(
        other.get("/account/password").await?.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    let refreshed = server
        .token(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await?;
    assert_eq!(
        refreshed.status(),
        StatusCode::BAD_REQUEST,
        "refresh revoked"
    );
    Ok(())
}

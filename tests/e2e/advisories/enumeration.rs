//! Account enumeration (Zitadel CVE-2026-23511): whether an address or login name has an
//! account (active, deleted, with a second factor, reached by username) must not show in the
//! status, the redirect, the headers or the page of the login, forgot-password, sign-up,
//! address-change and invitation answers. The existing tests compare the pages of some of these
//! pairs; this one compares whole answers, headers included, over more kinds of account.
//! (Timing is not asserted.)

use std::collections::BTreeMap;

use poort_allowlist::DomainAllowlist;
use poort_server::flows::retention;
use poort_server::flows::users::{self, UserInput};
use poort_tests::forms::{csrf_of, login};
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::password_reset::smtp_to;

const WRONG: &str = "not the right passphrase";

/// An answer as a client could tell answers apart: status, redirect, headers (request ids and
/// dates excepted; cookies by name) and the page with the typed value blanked out.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: StatusCode,
    headers: BTreeMap<String, Vec<String>>,
    body: String,
}

async fn answer(response: reqwest::Response, typed: &str) -> anyhow::Result<Answer> {
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in response.headers() {
        let value = value.to_str().unwrap_or_default();
        let value = match name.as_str() {
            "date" | "x-request-id" | "content-length" => continue,
            "set-cookie" => value.split('=').next().unwrap_or_default().to_owned(),
            _ => value.replace(typed, "TYPED"),
        };
        headers
            .entry(name.as_str().to_owned())
            .or_default()
            .push(value);
    }
    let status = response.status();
    let body = response.text().await?;
    Ok(Answer {
        status,
        headers,
        body: body.replace(typed, "TYPED"),
    })
}

/// Posts `form` (plus the page's CSRF token, the typed value under `field`) to `path`.
async fn post(
    browser: &Browser,
    path: &str,
    field: &str,
    typed: &str,
    rest: &[(&str, &str)],
) -> anyhow::Result<Answer> {
    let csrf = csrf_of(browser, path).await?;
    let mut form = vec![("csrf", csrf.as_str()), (field, typed)];
    form.extend_from_slice(rest);
    answer(browser.post_form(path, &form).await?, typed).await
}

/// Every answer equals the first one.
fn all_alike(what: &str, answers: &[(&str, Answer)]) {
    let (first_name, first) = &answers[0];
    for (name, other) in &answers[1..] {
        assert_eq!(first, other, "{what}: {first_name} and {name} differ");
    }
}

async fn accounts(server: &TestServer, browser: &Browser) -> anyhow::Result<()> {
    users::create(
        &server.state.db,
        &server.state.hashing,
        UserInput {
            email: "ada@example.com".into(),
            username: Some("ada.l".into()),
            name: None,
            password: PASSWORD.into(),
        },
        server.now(),
    )
    .await?;
    server.create_user("gone@example.com", PASSWORD).await?;
    retention::delete_account(&server.state, "gone@example.com").await?;
    server.create_user("mfa@example.com", PASSWORD).await?;
    login(browser, "mfa@example.com", PASSWORD).await?;
    let (_, enrolled) = server.enroll_totp(browser, "phone", "").await?;
    anyhow::ensure!(enrolled.status().is_redirection() || enrolled.status().is_success());
    server.sign_out(browser).await
}

#[tokio::test]
async fn enumeration_zitadel_cve_2026_23511_known_and_unknown_accounts_get_the_same_answers()
-> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), |config| {
        smtp_to(sink.port)(config);
        config.mail.signup_enabled = true;
        config.mail.signup_domains = DomainAllowlist::parse(["example.com"]).unwrap_or_default();
    })
    .await?;
    accounts(&server, &browser).await?;

    let mut logins = Vec::new();
    for login in [
        "nobody@example.com",
        EMAIL,
        "ada.l",
        "nobody.l",
        "gone@example.com",
        "mfa@example.com",
    ] {
        let rest = [("tx", ""), ("password", WRONG)];
        logins.push((
            login,
            post(&browser, "/login", "login", login, &rest).await?,
        ));
    }
    // A deleted account with its right password answers like a wrong one.
    let rest = [("tx", ""), ("password", PASSWORD)];
    let gone = post(&browser, "/login", "login", "gone@example.com", &rest).await?;
    logins.push(("gone@example.com, right password", gone));
    assert_eq!(logins[0].1.status, StatusCode::UNAUTHORIZED);
    all_alike("login", &logins);

    let mut forgot = Vec::new();
    for email in [
        "nobody@example.com",
        EMAIL,
        "gone@example.com",
        "mfa@example.com",
    ] {
        forgot.push((
            email,
            post(&browser, "/password/forgot", "email", email, &[]).await?,
        ));
    }
    all_alike("forgot password", &forgot);

    let password = "a brand new and unguessable passphrase";
    let rest = [("name", "N"), ("password", password), ("confirm", password)];
    let mut signups = Vec::new();
    for email in [
        "fresh@example.com",
        EMAIL,
        "gone@example.com",
        "mfa@example.com",
    ] {
        signups.push((
            email,
            post(&browser, "/signup", "email", email, &rest).await?,
        ));
    }
    all_alike("sign-up", &signups);

    login(&browser, "ada@example.com", PASSWORD).await?;
    let rest = [("current", PASSWORD)];
    let mut changes = Vec::new();
    for email in [
        "free@example.com",
        EMAIL,
        "gone@example.com",
        "mfa@example.com",
    ] {
        changes.push((
            email,
            post(&browser, "/account/email", "email", email, &rest).await?,
        ));
    }
    assert_eq!(changes[0].1.status, StatusCode::OK);
    all_alike("address change", &changes);

    // Invitations (an organisation's admin API) answer alike for addresses with and without
    // an account.
    let owner = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .map(|u| u.id)
        .unwrap_or_default();
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let mut invitations = Vec::new();
    for email in ["nobody@example.com", "ada@example.com", "gone@example.com"] {
        let reply = server
            .api(
                Method::POST,
                &format!("/api/v1/orgs/{}/invitations", org.id),
                Some(&token),
                Some(json!({"email": email})),
            )
            .await?;
        let mut fields = reply.json.clone();
        for varying in ["email", "link", "expires_at"] {
            fields[varying] = json!("VARIES");
        }
        invitations.push((reply.status, fields));
    }
    assert_eq!(invitations[0].0, StatusCode::CREATED);
    assert!(
        invitations.iter().all(|i| *i == invitations[0]),
        "{invitations:?}"
    );
    Ok(())
}

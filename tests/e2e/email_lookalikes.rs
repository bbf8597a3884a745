//! Email addresses in canonical form, look-alikes refused (NFKC, lower case, IDNA; UTS 39):
//! with `fuzz@example.com` (and `zoë@example.com`) existing, another spelling of the address
//! (upper case, full-width letters, a decomposed accent) reaches that account, and a look-alike
//! (Cyrillic letters in the domain, an overlay or invisible combining mark) is refused, at
//! sign-up, `poort user create`, import, email change, invitation and adding a member. Never a
//! second account. Sign-in and "forgot password" find the account by any spelling.

use poort_server::admin;
use poort_server::flows::users::CreateUserError;
use poort_tests::browser::hidden_field;
use poort_tests::forms::{Reply, csrf_of, login};
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::smtp::SmtpSink;
use poort_tests::{Browser, EMAIL, PASSWORD, TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::password_reset::{request_reset, smtp_to};

const FUZZ: &str = "fuzz@example.com";
/// Stored precomposed (U+00EB).
const ZOE: &str = "zo\u{eb}@example.com";
/// Cyrillic е, х, а in the domain.
const CYRILLIC: &str = "fuzz@\u{435}\u{445}\u{430}mple.com";
/// Other spellings of `FUZZ`: the same address.
const SAME_AS_FUZZ: [&str; 3] = [
    "FUZZ@EXAMPLE.COM",
    "\u{ff46}\u{ff55}\u{ff5a}\u{ff5a}@example.com",
    "\u{ff46}\u{ff55}\u{ff5a}\u{ff5a}\u{ff20}\u{ff45}\u{ff58}\u{ff41}\u{ff4d}\u{ff50}\u{ff4c}\u{ff45}\u{ff0e}\u{ff43}\u{ff4f}\u{ff4d}",
];
/// Other spellings of `ZOE`: e + combining diaeresis.
const SAME_AS_ZOE: [&str; 2] = ["zoe\u{308}@example.com", "ZOE\u{308}@Example.COM"];
/// Look-alikes of `FUZZ`: refused.
const LOOK_ALIKES: [&str; 3] = [
    CYRILLIC,
    // Combining short stroke overlay: f-u-z-z with a line through the u.
    "fu\u{336}zz@example.com",
    // Combining grapheme joiner: invisible.
    "fuzz\u{34f}@example.com",
];
/// What a page says about `CYRILLIC`.
const LOOK_ALIKE_TEXT: &str = "mixes letters of different alphabets";

/// Every stored address, sorted.
async fn addresses(server: &TestServer) -> anyhow::Result<Vec<String>> {
    let mut emails: Vec<String> = poort_store::users::list(&server.state.db, 1000, 0)
        .await?
        .into_iter()
        .map(|user| user.email)
        .collect();
    emails.sort();
    Ok(emails)
}

fn sorted(emails: &[&str]) -> Vec<String> {
    let mut emails: Vec<String> = emails.iter().map(|e| (*e).to_owned()).collect();
    emails.sort();
    emails
}

async fn sign_up(browser: &Browser, email: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/signup").await?;
    let response = browser
        .post_form(
            "/signup",
            &[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("name", "Someone"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await?;
    Reply::read(response).await
}

#[tokio::test]
async fn sign_up_by_another_spelling_or_a_look_alike_makes_no_second_account() -> anyhow::Result<()>
{
    let sink = SmtpSink::start()?;
    // Open to every domain: the domain allowlist does not stand in for the address check.
    let server = start_server(|config| {
        smtp_to(sink.port)(config);
        config.mail.signup_enabled = true;
    })
    .await?;
    server.create_user(FUZZ, PASSWORD).await?;
    let browser = server.browser();

    for look_alike in LOOK_ALIKES {
        let reply = sign_up(&browser, look_alike).await?;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{look_alike:?}: {}",
            reply.body
        );
    }
    let reply = sign_up(&browser, CYRILLIC).await?;
    assert!(reply.body.contains(LOOK_ALIKE_TEXT), "{}", reply.body);

    // The same answer as for any address; the owner is told someone tried.
    for (n, spelling) in SAME_AS_FUZZ.iter().enumerate() {
        let reply = sign_up(&browser, spelling).await?;
        assert_eq!(reply.status, StatusCode::OK, "{spelling:?}: {}", reply.body);
        let notice = sink.wait_for(FUZZ, n + 1).await?;
        assert!(notice.text()?.contains("already has one"), "{spelling:?}");
    }
    assert_eq!(addresses(&server).await?, [FUZZ]);
    let recipients: Vec<Vec<String>> = sink.messages().into_iter().map(|m| m.to).collect();
    assert!(recipients.iter().all(|to| to == &[FUZZ]), "{recipients:?}");
    Ok(())
}

#[tokio::test]
async fn user_create_and_import_find_the_existing_address_or_refuse() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user(FUZZ, PASSWORD).await?;
    server.create_user(ZOE, PASSWORD).await?;

    for spelling in SAME_AS_FUZZ.iter().chain(&SAME_AS_ZOE) {
        let err = server.create_user(spelling, PASSWORD).await.err();
        let err = err.ok_or_else(|| anyhow::anyhow!("{spelling:?} made a second account"))?;
        assert!(
            matches!(
                err.downcast_ref::<CreateUserError>(),
                Some(CreateUserError::Exists)
            ),
            "{spelling:?}: {err}"
        );
    }
    for look_alike in LOOK_ALIKES {
        let err = server.create_user(look_alike, PASSWORD).await.err();
        let err = err.ok_or_else(|| anyhow::anyhow!("{look_alike:?} was accepted"))?;
        assert!(
            matches!(
                err.downcast_ref::<CreateUserError>(),
                Some(CreateUserError::BadEmail { .. })
            ),
            "{look_alike:?}: {err}"
        );
    }
    let err = server.create_user(CYRILLIC, PASSWORD).await.err();
    assert!(
        err.is_some_and(|e| e.to_string().contains("different scripts")),
        "the CLI says why"
    );

    let hash = poort_store::users::find_by_login(&server.state.db, FUZZ)
        .await?
        .and_then(|u| u.password_hash)
        .unwrap_or_default();
    let mut lines: Vec<String> = SAME_AS_FUZZ
        .iter()
        .chain(&SAME_AS_ZOE)
        .chain(&LOOK_ALIKES)
        .map(|email| json!({"email": email, "password_hash": hash}).to_string())
        .collect();
    lines.push(json!({"email": "Ｎｅｗ@Example.com", "password_hash": hash}).to_string());
    let path =
        std::env::temp_dir().join(format!("poort-lookalikes-{}.jsonl", uuid::Uuid::new_v4()));
    std::fs::write(&path, lines.join("\n"))?;
    let report = admin::import_file(&server.state.config, &path, server.now()).await;
    std::fs::remove_file(&path)?;
    let report = report?;
    let imported: Vec<&str> = report.imported.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(imported, ["new@example.com"]);
    assert_eq!(report.failed.len(), lines.len() - 1, "{:?}", report.failed);
    assert_eq!(
        addresses(&server).await?,
        sorted(&[FUZZ, ZOE, "new@example.com"])
    );
    Ok(())
}

#[tokio::test]
async fn sign_in_and_forgot_password_find_the_account_by_any_spelling() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let server = start_server(smtp_to(sink.port)).await?;
    server.create_user(FUZZ, PASSWORD).await?;
    server.create_user(ZOE, PASSWORD).await?;

    for spelling in SAME_AS_FUZZ.iter().chain(&SAME_AS_ZOE) {
        let reply = login(&server.browser(), spelling, PASSWORD).await?;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{spelling:?}: {}",
            reply.body
        );
    }
    for look_alike in LOOK_ALIKES {
        let reply = login(&server.browser(), look_alike, PASSWORD).await?;
        assert_ne!(reply.status, StatusCode::SEE_OTHER, "{look_alike:?}");
    }

    let reply = request_reset(&server.browser(), SAME_AS_FUZZ[2]).await?;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mail = sink.wait_for(FUZZ, 1).await?;
    assert!(mail.link(&server.url("/password/reset?token=")).is_ok());
    Ok(())
}

async fn request_change(browser: &Browser, email: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/account/email").await?;
    let response = browser
        .post_form(
            "/account/email",
            &[("csrf", &csrf), ("email", email), ("current", PASSWORD)],
        )
        .await?;
    Reply::read(response).await
}

#[tokio::test]
async fn an_email_change_to_another_spelling_or_a_look_alike_changes_nothing() -> anyhow::Result<()>
{
    let sink = SmtpSink::start()?;
    let server = start_server(smtp_to(sink.port)).await?;
    server.create_user(FUZZ, PASSWORD).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let browser = server.browser();
    let signed_in = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );

    for look_alike in LOOK_ALIKES {
        let reply = request_change(&browser, look_alike).await?;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{look_alike:?}: {}",
            reply.body
        );
    }
    let reply = request_change(&browser, CYRILLIC).await?;
    assert!(reply.body.contains(LOOK_ALIKE_TEXT), "{}", reply.body);

    // "We sent a link" as for any address; no link goes out, the owner gets a notice.
    for (n, spelling) in SAME_AS_FUZZ.iter().enumerate() {
        let reply = request_change(&browser, spelling).await?;
        assert_eq!(reply.status, StatusCode::OK, "{spelling:?}: {}", reply.body);
        assert!(reply.body.contains(FUZZ), "the canonical form is shown");
        sink.wait_for(FUZZ, n + 1).await?;
    }
    let recipients: Vec<Vec<String>> = sink.messages().into_iter().map(|m| m.to).collect();
    assert!(recipients.iter().all(|to| to == &[FUZZ]), "{recipients:?}");
    assert_eq!(addresses(&server).await?, sorted(&[FUZZ, EMAIL]));
    Ok(())
}

/// Opens `link` in a browser signed in as `email` and presses Join.
async fn join(server: &TestServer, email: &str, link: &str) -> anyhow::Result<StatusCode> {
    let browser = server.browser();
    let signed_in = login(&browser, email, PASSWORD).await?;
    anyhow::ensure!(
        signed_in.status == StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    let page = browser.get(link).await?;
    anyhow::ensure!(page.status() == StatusCode::OK, "{}", page.text().await?);
    let csrf = hidden_field(&page.text().await?, "csrf")?;
    let path = link
        .split_once("/invite/")
        .map(|(_, t)| format!("/invite/{t}"))
        .unwrap_or_default();
    let response = browser.post_form(&path, &[("csrf", csrf.as_str())]).await?;
    Ok(response.status())
}

#[tokio::test]
async fn invitations_and_added_members_reach_the_existing_account() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@example.com", PASSWORD).await?;
    let fuzz = server.create_user(FUZZ, PASSWORD).await?;
    let zoe = server.create_user(ZOE, PASSWORD).await?;
    // No email-domain allowlist: the address check stands on its own.
    let org = server.create_org("Acme", Some("owner@example.com")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    // Members are added directly by the platform; organisation owners invite.
    let admin = server.create_user("admin@example.com", PASSWORD).await?;
    server.make_platform_admin(&admin).await?;
    let platform = server.access_token_for(&admin, ALL_SCOPES)?;
    let invitations = format!("/api/v1/orgs/{}/invitations", org.id);
    let members = format!("/api/v1/orgs/{}/members", org.id);

    for look_alike in LOOK_ALIKES {
        for (path, token) in [(&invitations, &token), (&members, &platform)] {
            let body = json!({"email": look_alike, "roles": ["member"]});
            let reply = server
                .api(Method::POST, path, Some(token), Some(body))
                .await?;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{path} {look_alike:?}"
            );
            assert_eq!(reply.json["error"], "invalid_email", "{}", reply.text);
        }
    }

    let body = json!({"email": SAME_AS_FUZZ[1], "roles": ["member"]});
    let reply = server
        .api(Method::POST, &invitations, Some(&token), Some(body))
        .await?;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["email"], FUZZ);
    let link = reply.json["link"].as_str().unwrap_or_default().to_owned();
    assert_eq!(join(&server, FUZZ, &link).await?, StatusCode::SEE_OTHER);
    let member = poort_store::orgs::find_member(&server.state.db, &org.id, &fuzz).await?;
    assert!(member.is_some(), "fuzz joined");

    let body = json!({"email": SAME_AS_ZOE[1], "roles": ["member"]});
    let reply = server
        .api(Method::POST, &members, Some(&platform), Some(body))
        .await?;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["user_id"], zoe.as_str());

    assert_eq!(
        addresses(&server).await?,
        sorted(&["admin@example.com", "owner@example.com", FUZZ, ZOE])
    );
    Ok(())
}

//! The organisation admin pages: the owner adds a member, changes roles, saves settings and
//! reads the audit log and its export; forms need the CSRF token; members without the
//! permission get 403, outsiders 404, and signed-out visitors go to the login page.

use poort_tests::browser::{Browser, hidden_field};
use poort_tests::forms::login;
use poort_tests::{TestServer, start_server};
use reqwest::StatusCode;

const PASSWORD: &str = "a long and unguessable passphrase";

async fn signed_in(server: &TestServer, email: &str) -> anyhow::Result<Browser> {
    let browser = server.browser();
    let reply = login(&browser, email, PASSWORD).await?;
    anyhow::ensure!(reply.status == StatusCode::SEE_OTHER, "{}", reply.body);
    Ok(browser)
}

#[tokio::test]
async fn owners_manage_their_organisation_in_the_admin_pages() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user("owner@acme.example", PASSWORD).await?;
    let bob = server.create_user("bob@acme.example", PASSWORD).await?;
    server
        .create_user("outsider@other.example", PASSWORD)
        .await?;
    let org = server
        .create_org("Acme <Corp>", Some("owner@acme.example"))
        .await?;
    let other = server
        .create_org("Other", Some("outsider@other.example"))
        .await?;
    let base = format!("/admin/orgs/{}", org.id);

    let anonymous = server.browser().get(&base).await?;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);

    let owner = signed_in(&server, "owner@acme.example").await?;
    let list = owner.get("/admin/orgs").await?.text().await?;
    assert!(
        list.contains("Acme &#60;Corp&#62;") && !list.contains("<Corp>"),
        "escaped: {list}"
    );
    assert!(!list.contains("Other"));
    let page = owner.get(&base).await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;

    let refused = owner
        .post_form(&format!("{base}/members"), &[("email", "bob@acme.example")])
        .await?;
    let status = refused.status();
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no CSRF token: {}",
        refused.text().await?
    );

    // An owner invites: the page offers no direct add, and the route refuses it.
    assert!(page.contains("/invitations\""), "the invitation form");
    assert!(
        !page.contains(&format!("action=\"{base}/members\"")),
        "{page}"
    );
    let direct = owner
        .post_form(
            &format!("{base}/members"),
            &[
                ("csrf", &csrf),
                ("email", "bob@acme.example"),
                ("roles", "member"),
            ],
        )
        .await?;
    assert_eq!(direct.status(), StatusCode::FORBIDDEN);
    assert!(
        direct
            .text()
            .await?
            .contains("join by accepting the invitation")
    );
    assert_eq!(
        poort_store::orgs::find_member(&server.state.db, &org.id, &bob).await?,
        None
    );
    server
        .add_member(&org, "bob@acme.example", &["member"])
        .await?;
    let roles = owner
        .post_form(
            &format!("{base}/members/{bob}/roles"),
            &[("csrf", &csrf), ("roles", "auditor, member")],
        )
        .await?;
    assert_eq!(roles.status(), StatusCode::SEE_OTHER);
    let member = poort_store::orgs::find_member(&server.state.db, &org.id, &bob).await?;
    assert_eq!(
        member.map(|m| m.roles),
        Some(vec!["auditor".to_owned(), "member".to_owned()])
    );

    let saved = owner
        .post_form(
            &format!("{base}/settings"),
            &[
                ("csrf", &csrf),
                ("support_access", "true"),
                ("ip_allowlist", "127.0.0.0/8, 10.0.0.0/8"),
                ("max_token_lifetime_days", "30"),
            ],
        )
        .await?;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let bad = owner
        .post_form(
            &format!("{base}/settings"),
            &[("csrf", &csrf), ("ip_allowlist", "not-an-ip")],
        )
        .await?;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let shown = owner
        .get(&format!("{base}?done=settings_saved"))
        .await?
        .text()
        .await?;
    assert!(shown.contains("The settings were saved."));
    assert!(shown.contains("127.0.0.0/8, 10.0.0.0/8"), "{shown}");

    let audit = owner
        .get(&format!("{base}/audit?action=member.roles_changed"))
        .await?
        .text()
        .await?;
    assert!(audit.contains("member.roles_changed"));
    assert!(!audit.contains("settings.changed"), "filtered");
    let csv = owner
        .get(&format!("{base}/audit/export?format=csv"))
        .await?;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await?;
    assert!(csv.contains("settings.changed") && csv.contains("member.added"));

    // An auditor reads the log but cannot change members; an outsider sees nothing.
    let auditor = signed_in(&server, "bob@acme.example").await?;
    assert_eq!(
        auditor.get(&format!("{base}/audit")).await?.status(),
        StatusCode::OK
    );
    // The auditor's page has no forms; the session's token is on the account page.
    let csrf_bob = hidden_field(&auditor.get("/").await?.text().await?, "csrf")?;
    let denied = auditor
        .post_form(
            &format!("{base}/members/{bob}/remove"),
            &[("csrf", &csrf_bob)],
        )
        .await?;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let outsider = signed_in(&server, "outsider@other.example").await?;
    assert_eq!(outsider.get(&base).await?.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        outsider.get(&format!("{base}/audit")).await?.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        owner
            .get(&format!("/admin/orgs/{}", other.id))
            .await?
            .status(),
        StatusCode::NOT_FOUND
    );
    Ok(())
}

//! Support staff: refused (an outsider's 404, the refusal audited) where the organisation does
//! not allow support access; where it does, a fixed set of permissions, every access recorded
//! as `support.access` and every change with the staff column set; never security settings or
//! roles; removing a staff user ends their access at once; the chains still verify; and the
//! `poort support` commands.

use poort_server::flows::api_tokens::{self as tokens, MintRequest};
use poort_server::flows::audit;
use poort_server::support_cli;
use poort_store::audit::{AuditQuery, chain_of, list};
use poort_store::entities::audit_log::Model as Entry;
use poort_tests::browser::Browser;
use poort_tests::forms::login;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "a long and unguessable passphrase";
const STAFF: &str = "helper@poort.example";
/// How staff authenticate: password and an authenticator app.
const MFA: &[&str] = &["pwd", "otp", "mfa"];

/// Runs `poort support ARGS --json` against the server's database.
async fn support(server: &TestServer, args: &[&str]) -> anyhow::Result<String> {
    let command = support_cli::parse(args.iter().copied())?;
    support_cli::execute(&server.state.db, server.now(), command, true).await
}

/// The entries of `chain` with `action`, newest first.
async fn entries(server: &TestServer, chain: &str, action: &str) -> anyhow::Result<Vec<Entry>> {
    let query = AuditQuery {
        action: Some(action.to_owned()),
        ..Default::default()
    };
    Ok(list(&server.state.db, chain, &query, 100).await?)
}

fn details(entry: &Entry) -> Value {
    serde_json::from_str(&entry.details).unwrap_or_default()
}

/// Staff act with a second factor of their own (the gate refuses them without).
async fn staff_signed_in(server: &TestServer) -> anyhow::Result<Browser> {
    server.browser_with_two_factors(STAFF, PASSWORD).await
}

async fn signed_in(server: &TestServer, email: &str) -> anyhow::Result<Browser> {
    let browser = server.browser();
    let reply = login(&browser, email, PASSWORD).await?;
    anyhow::ensure!(reply.status == StatusCode::SEE_OTHER, "{}", reply.body);
    Ok(browser)
}

/// An organisation "Acme" owned by owner@acme.example with bob@acme.example as a member, and
/// a support-staff user (made through the CLI); returns (org id, owner, bob, staff) ids.
async fn acme(server: &TestServer) -> anyhow::Result<(String, String, String, String)> {
    let owner = server.create_user("owner@acme.example", PASSWORD).await?;
    let bob = server.create_user("bob@acme.example", PASSWORD).await?;
    let staff = server.create_user(STAFF, PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    server
        .add_member(&org, "bob@acme.example", &["member"])
        .await?;
    support(server, &["add", "--email", STAFF]).await?;
    Ok((org.id, owner, bob, staff))
}

#[tokio::test]
async fn staff_are_outsiders_where_support_access_is_off() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let (org, _owner, bob, staff) = acme(&server).await?;
    let token = server.access_token_with(&staff, ALL_SCOPES, MFA)?;
    let members = format!("/api/v1/orgs/{org}/members");
    let listed = server
        .api(Method::GET, &members, Some(&token), None)
        .await?;
    assert_eq!(listed.status, StatusCode::NOT_FOUND, "{}", listed.text);
    let missing = server
        .api(
            Method::GET,
            "/api/v1/orgs/no-such-org/members",
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(
        listed.json, missing.json,
        "the same answer as for no organisation"
    );
    let removed = server
        .api(
            Method::DELETE,
            &format!("{members}/{bob}"),
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    assert!(
        poort_store::orgs::find_member(&server.state.db, &org, &bob)
            .await?
            .is_some(),
        "nothing changed"
    );
    let page = staff_signed_in(&server)
        .await?
        .get(&format!("/admin/orgs/{org}"))
        .await?;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);

    let refused = entries(&server, &org, "support.access_refused").await?;
    assert_eq!(
        refused.len(),
        3,
        "API read, API change and page, each audited"
    );
    for entry in &refused {
        assert_eq!(entry.actor.as_deref(), Some(staff.as_str()));
        assert_eq!(entry.staff.as_deref(), Some(staff.as_str()));
        assert_eq!(details(entry)["reason"], "support_access_disabled");
    }
    assert_eq!(
        details(&refused[2])["what"],
        json!(format!("GET /api/v1/orgs/{org}/members"))
    );
    assert!(entries(&server, &org, "support.access").await?.is_empty());
    assert!(entries(&server, &org, "member.removed").await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn staff_help_where_allowed_and_every_use_is_audited() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let (org, owner, bob, staff) = acme(&server).await?;
    server.set_org(&org, &["support_access=true"]).await?;
    let switched = entries(&server, &org, "settings.changed").await?;
    assert_eq!(
        details(&switched[0])["support_access"],
        json!({"before": false, "after": true}),
        "turning support access on is audited with the old and new value"
    );

    let token = server.access_token_with(&staff, ALL_SCOPES, MFA)?;
    let base = format!("/api/v1/orgs/{org}");
    let shown = server.api(Method::GET, &base, Some(&token), None).await?;
    assert_eq!(shown.json["support_staff"], true, "{}", shown.text);
    let listed = server
        .api(Method::GET, &format!("{base}/members"), Some(&token), None)
        .await?;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert!(listed.text.contains("bob@acme.example"));
    let accesses = entries(&server, &org, "support.access").await?;
    let read = &accesses[0];
    assert_eq!(read.actor.as_deref(), Some(staff.as_str()));
    assert_eq!(read.staff.as_deref(), Some(staff.as_str()));
    assert_eq!(details(read)["what"], json!(format!("GET {base}/members")));
    assert_eq!(details(read)["permission"], "members.read");

    // Reading through the admin pages is recorded too, and the org is in staff's list.
    let browser = staff_signed_in(&server).await?;
    let orgs = browser.get("/admin/orgs").await?.text().await?;
    assert!(orgs.contains("Acme"), "{orgs}");
    let page = browser.get(&format!("/admin/orgs/{org}/audit")).await?;
    assert_eq!(page.status(), StatusCode::OK);
    let accesses = entries(&server, &org, "support.access").await?;
    assert_eq!(
        details(&accesses[0])["what"],
        json!(format!("GET /admin/orgs/{org}/audit"))
    );

    // Not security settings, not roles: 403, nothing changed, the refusal recorded.
    let settings = server
        .api(
            Method::PUT,
            &format!("{base}/settings"),
            Some(&token),
            Some(json!({"support_access": true, "require_2fa": true})),
        )
        .await?;
    assert_eq!(settings.status, StatusCode::FORBIDDEN, "{}", settings.text);
    let role = server
        .api(
            Method::POST,
            &format!("{base}/roles"),
            Some(&token),
            Some(json!({"name": "helpers", "permissions": ["members.read"]})),
        )
        .await?;
    assert_eq!(role.status, StatusCode::FORBIDDEN, "{}", role.text);
    let promote = server
        .api(
            Method::PUT,
            &format!("{base}/members/{bob}"),
            Some(&token),
            Some(json!({"roles": ["owner"]})),
        )
        .await?;
    assert_eq!(promote.status, StatusCode::FORBIDDEN, "{}", promote.text);
    let stored = poort_store::orgs::find(&server.state.db, &org)
        .await?
        .ok_or_else(|| anyhow::anyhow!("org gone"))?;
    assert!(!stored.settings.contains("\"require_2fa\":true"));
    assert!(
        poort_store::orgs::roles(&server.state.db, &org)
            .await?
            .is_empty()
    );
    let refused = entries(&server, &org, "support.access_refused").await?;
    assert_eq!(details(&refused[0])["permission"], "roles.write");
    assert_eq!(details(&refused[1])["permission"], "security.write");

    // A revoked token and a removed member: the usual entries, with the staff column set.
    let minted = tokens::mint(
        &server.state,
        MintRequest {
            user_id: owner.clone(),
            org_id: Some(org.clone()),
            name: "ci".into(),
            scopes: vec!["admin:read".into()],
            expires_in_secs: 86_400,
            amr: vec!["pwd".into()],
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let revoked = server
        .api(
            Method::DELETE,
            &format!("{base}/tokens/{}", minted.token.id),
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let entry = &entries(&server, &org, "api_token.revoked").await?[0];
    assert_eq!(entry.actor.as_deref(), Some(staff.as_str()));
    assert_eq!(entry.staff.as_deref(), Some(staff.as_str()));
    assert_eq!(entry.subject.as_deref(), Some(owner.as_str()));

    let removed = server
        .api(
            Method::DELETE,
            &format!("{base}/members/{bob}"),
            Some(&token),
            None,
        )
        .await?;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let entry = &entries(&server, &org, "member.removed").await?[0];
    assert_eq!(entry.actor.as_deref(), Some(staff.as_str()));
    assert_eq!(entry.staff.as_deref(), Some(staff.as_str()));
    assert_eq!(entry.subject.as_deref(), Some(bob.as_str()));

    // The owner sees it in their audit log: the page's staff column and the API.
    let owner_page = signed_in(&server, "owner@acme.example")
        .await?
        .get(&format!("/admin/orgs/{org}/audit?action=member.removed"))
        .await?
        .text()
        .await?;
    assert!(owner_page.contains("Support staff"));
    assert_eq!(
        owner_page.matches(staff.as_str()).count(),
        2,
        "actor and staff"
    );
    let owner_token = server.access_token_for(&owner, ALL_SCOPES)?;
    let audit_api = server
        .api(
            Method::GET,
            &format!("{base}/audit?action=support.access"),
            Some(&owner_token),
            None,
        )
        .await?;
    assert_eq!(audit_api.json["entries"][0]["staff"], json!(staff));

    let report = audit::verify(&server.state.db, None).await?;
    assert!(report.first_broken().is_none(), "{report:?}");
    Ok(())
}

#[tokio::test]
async fn removing_staff_or_support_access_ends_it_at_once() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let (org, _owner, _bob, staff) = acme(&server).await?;
    server.set_org(&org, &["support_access=true"]).await?;
    let token = server.access_token_with(&staff, ALL_SCOPES, MFA)?;
    let members = format!("/api/v1/orgs/{org}/members");
    let reply = server
        .api(Method::GET, &members, Some(&token), None)
        .await?;
    assert_eq!(reply.status, StatusCode::OK);

    server.set_org(&org, &["support_access=false"]).await?;
    let reply = server
        .api(Method::GET, &members, Some(&token), None)
        .await?;
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "the owner turned it off"
    );
    server.set_org(&org, &["support_access=true"]).await?;

    support(&server, &["remove", "--email", STAFF]).await?;
    let reply = server
        .api(Method::GET, &members, Some(&token), None)
        .await?;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "no longer staff");
    assert_eq!(
        entries(&server, &org, "support.access").await?.len(),
        1,
        "only the one allowed read"
    );
    let report = audit::verify(&server.state.db, None).await?;
    assert!(report.first_broken().is_none(), "{report:?}");
    Ok(())
}

#[tokio::test]
async fn the_cli_adds_lists_and_removes_staff() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let ann = server.create_user("ann@poort.example", PASSWORD).await?;
    let ben = server.create_user("ben@poort.example", PASSWORD).await?;
    let added: Value =
        serde_json::from_str(&support(&server, &["add", "--email", "Ann@poort.example"]).await?)?;
    assert_eq!(added["changed"], true);
    let again: Value =
        serde_json::from_str(&support(&server, &["add", "--email", "ann@poort.example"]).await?)?;
    assert_eq!(again["changed"], false, "adding twice changes nothing");
    support(&server, &["add", "--email", "ben@poort.example"]).await?;
    assert!(
        support(&server, &["add", "--email", "nobody@poort.example"])
            .await
            .is_err()
    );

    let listed: Value = serde_json::from_str(&support(&server, &["list"]).await?)?;
    let ids: Vec<&str> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["user_id"].as_str())
        .collect();
    assert_eq!(ids, [ann.as_str(), ben.as_str()], "by email");
    assert_eq!(listed[0]["email"], "ann@poort.example");

    support(&server, &["remove", "--email", "ann@poort.example"]).await?;
    assert!(
        support(&server, &["remove", "--email", "ann@poort.example"])
            .await
            .is_err(),
        "not staff any more"
    );
    let listed: Value = serde_json::from_str(&support(&server, &["list"]).await?)?;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["user_id"], json!(ben));

    let platform = chain_of(None);
    let added = entries(&server, platform, "support_staff.added").await?;
    assert_eq!(added.len(), 2, "one entry per change");
    let removed = entries(&server, platform, "support_staff.removed").await?;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].subject.as_deref(), Some(ann.as_str()));
    assert!(support_cli::parse(["promote"]).is_err());
    let report = audit::verify(&server.state.db, None).await?;
    assert!(report.first_broken().is_none(), "{report:?}");
    Ok(())
}

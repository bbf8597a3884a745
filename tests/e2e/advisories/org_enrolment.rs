//! Cross-organisation enrolment (Zitadel CVE-2026-105209): an invitation of organisation A
//! joins A only, with the invited roles, whatever else the acceptance form says; an admin of A
//! reaches nothing of organisation B through the admin pages (`org_api_access` holds the same
//! for every admin API route).

use poort_tests::browser::hidden_field;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::start_server;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{roles_in, signed_in, text};
use crate::org_api::{snapshot, user};

#[tokio::test]
async fn cross_org_enrolment_zitadel_cve_2026_105209_an_invitation_joins_only_its_organisation()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let a_owner = user(&server, "owner@a.example").await?;
    user(&server, "owner@b.example").await?;
    let bob = user(&server, "bob@b.example").await?;
    let a = server.create_org("A", Some("owner@a.example")).await?;
    let b = server.create_org("B", Some("owner@b.example")).await?;
    server.add_member(&b, "bob@b.example", &["member"]).await?;
    let token = server.access_token_for(&a_owner, ALL_SCOPES)?;
    let invited = server
        .api(
            Method::POST,
            &format!("/api/v1/orgs/{}/invitations", a.id),
            Some(&token),
            Some(json!({"email": "bob@b.example", "roles": ["auditor"]})),
        )
        .await?;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
    let link = text(&invited.json, "link");
    let path = link
        .split_once("/invite/")
        .map(|(_, t)| format!("/invite/{t}"))
        .unwrap_or_default();
    let b_before = snapshot(&server, &b.id).await?;

    // Bob joins, with a form that names organisation B and the owner role.
    let browser = signed_in(&server, "bob@b.example").await?;
    let page = browser.get(&path).await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let response = browser
        .post_form(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("org", b.id.as_str()),
                ("org_id", b.id.as_str()),
                ("organisation", b.id.as_str()),
                ("roles", "owner"),
                ("role", "owner"),
                ("user_id", &a_owner),
            ],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        roles_in(&server, &a.id, &bob).await?,
        Some(vec!["auditor".to_owned()]),
        "joined A with the invited roles"
    );
    assert_eq!(
        roles_in(&server, &b.id, &bob).await?,
        Some(vec!["member".to_owned()])
    );
    assert_eq!(
        roles_in(&server, &a.id, &a_owner).await?,
        Some(vec!["owner".to_owned()])
    );
    assert_eq!(snapshot(&server, &b.id).await?, b_before, "B is unchanged");
    Ok(())
}

#[tokio::test]
async fn cross_org_enrolment_zitadel_cve_2026_105209_admin_pages_of_one_org_reach_nothing_of_another()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    user(&server, "owner@a.example").await?;
    let admin = user(&server, "admin@a.example").await?;
    let b_owner = user(&server, "owner@b.example").await?;
    let bob = user(&server, "bob@b.example").await?;
    user(&server, "newbie@b.example").await?;
    let a = server.create_org("A", Some("owner@a.example")).await?;
    let b = server.create_org("B", Some("owner@b.example")).await?;
    server.add_member(&a, "admin@a.example", &["admin"]).await?;
    server.add_member(&b, "bob@b.example", &["member"]).await?;
    let b_token = server.access_token_for(&b_owner, ALL_SCOPES)?;
    let role = server
        .api(
            Method::POST,
            &format!("/api/v1/orgs/{}/roles", b.id),
            Some(&b_token),
            Some(json!({"name": "b-role", "permissions": ["members.read"]})),
        )
        .await?;
    assert_eq!(role.status, StatusCode::CREATED, "{}", role.text);
    let before = snapshot(&server, &b.id).await?;

    let browser = signed_in(&server, "admin@a.example").await?;
    let a_page = browser.get(&format!("/admin/orgs/{}", a.id)).await?;
    assert_eq!(a_page.status(), StatusCode::OK);
    let csrf = hidden_field(&a_page.text().await?, "csrf")?;
    let (a_base, b_base) = (
        format!("/admin/orgs/{}", a.id),
        format!("/admin/orgs/{}", b.id),
    );
    for path in [
        b_base.clone(),
        format!("{b_base}/audit"),
        format!("{b_base}/audit/export?format=csv"),
    ] {
        let status = browser.get(&path).await?.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {path}");
    }
    let b_posts: [(String, Vec<(&str, &str)>); 7] = [
        (
            format!("{b_base}/members"),
            vec![("email", "newbie@b.example"), ("roles", "member")],
        ),
        (
            format!("{b_base}/invitations"),
            vec![("email", "newbie@b.example"), ("roles", "member")],
        ),
        (
            format!("{b_base}/roles"),
            vec![("name", "sneaky"), ("permissions", "members.read")],
        ),
        (format!("{b_base}/roles/b-role/delete"), vec![]),
        (
            format!("{b_base}/settings"),
            vec![("require_2fa", "true"), ("ip_allowlist", "192.0.2.0/24")],
        ),
        (
            format!("{b_base}/members/{bob}/roles"),
            vec![("roles", "auditor")],
        ),
        (format!("{b_base}/members/{bob}/remove"), vec![]),
    ];
    for (path, fields) in b_posts {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let status = browser.post_form(&path, &form).await?.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "POST {path}");
    }
    // B's people and roles named in A's URLs: refused, since they are not A's.
    for (path, fields) in [
        (
            format!("{a_base}/members/{bob}/roles"),
            vec![("roles", "member")],
        ),
        (format!("{a_base}/members/{bob}/remove"), vec![]),
        (
            format!("{a_base}/members/{b_owner}/roles"),
            vec![("roles", "member")],
        ),
        (format!("{a_base}/roles/b-role/delete"), vec![]),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let status = browser.post_form(&path, &form).await?.status();
        assert!(status.is_client_error(), "POST {path}: {status}");
    }
    assert_eq!(snapshot(&server, &b.id).await?, before, "B is unchanged");
    assert_eq!(roles_in(&server, &a.id, &bob).await?, None);
    assert_eq!(
        roles_in(&server, &a.id, &admin).await?,
        Some(vec!["admin".to_owned()])
    );
    Ok(())
}

/// Forced enrolment: membership puts a person under the organisation's rules (its IP allowlist
/// applies to every sign-in of theirs), so the owner of a hostile organisation must not be
/// able to enrol an existing account without its holder saying yes, through the API, the
/// admin pages or self sign-up for the victim's mail domain. The refusal says nothing about
/// whether the account exists; an invitation changes nothing until it is accepted.
#[tokio::test]
async fn forced_enrolment_an_organisation_cannot_put_an_outsider_under_its_rules()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let mallory = user(&server, "mallory@evil.example").await?;
    let victim = user(&server, "victim@mail.example").await?;
    let evil = server
        .create_org("Evil", Some("mallory@evil.example"))
        .await?;
    let token = server.access_token_for(&mallory, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}", evil.id);
    let before = snapshot(&server, &evil.id).await?;

    // The API: the same refusal for an account that exists and one that does not.
    let mut answers = Vec::new();
    for email in ["victim@mail.example", "nobody@mail.example"] {
        let added = server
            .api(
                Method::POST,
                &format!("{base}/members"),
                Some(&token),
                Some(json!({"email": email, "roles": ["member"]})),
            )
            .await?;
        assert_eq!(added.status, StatusCode::FORBIDDEN, "{}", added.text);
        answers.push(added.text);
    }
    assert_eq!(answers[0], answers[1], "no enumeration");
    assert!(answers[0].contains("invitation_required"), "{}", answers[0]);

    // The admin page: no form, and the route refuses.
    let browser = signed_in(&server, "mallory@evil.example").await?;
    let page_path = format!("/admin/orgs/{}", evil.id);
    let page = browser.get(&page_path).await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let form = [
        ("csrf", csrf.as_str()),
        ("email", "victim@mail.example"),
        ("roles", "member"),
    ];
    let posted = browser
        .post_form(&format!("{page_path}/members"), &form)
        .await?;
    assert_eq!(posted.status(), StatusCode::FORBIDDEN);

    // Self sign-up for the victim's domain: opening it, or moving it, is the platform's.
    let open = json!({"self_signup": true, "email_domains": ["mail.example"]});
    let opened = server
        .api(
            Method::PUT,
            &format!("{base}/settings"),
            Some(&token),
            Some(open),
        )
        .await?;
    assert_eq!(opened.status, StatusCode::FORBIDDEN, "{}", opened.text);
    let form = [
        ("csrf", csrf.as_str()),
        ("self_signup", "true"),
        ("email_domains", "mail.example"),
    ];
    let posted = browser
        .post_form(&format!("{page_path}/settings"), &form)
        .await?;
    assert_eq!(posted.status(), StatusCode::FORBIDDEN);
    server
        .set_org(
            &evil.id,
            &["email_domains=evil.example", "self_signup=true"],
        )
        .await?;
    let moved = json!({"self_signup": true, "email_domains": ["evil.example", "mail.example"]});
    let moved = server
        .api(
            Method::PUT,
            &format!("{base}/settings"),
            Some(&token),
            Some(moved),
        )
        .await?;
    assert_eq!(moved.status, StatusCode::FORBIDDEN, "{}", moved.text);
    let closed = json!({"self_signup": false, "email_domains": []});
    let closed = server
        .api(
            Method::PUT,
            &format!("{base}/settings"),
            Some(&token),
            Some(closed),
        )
        .await?;
    assert_eq!(
        closed.status,
        StatusCode::OK,
        "closing is the owner's: {}",
        closed.text
    );

    // An invitation is allowed, and changes nothing until the victim accepts it.
    let invited = server
        .api(
            Method::POST,
            &format!("{base}/invitations"),
            Some(&token),
            Some(json!({"email": "victim@mail.example"})),
        )
        .await?;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
    assert_eq!(roles_in(&server, &evil.id, &victim).await?, None);
    let after = snapshot(&server, &evil.id).await?;
    assert_eq!(after["members"], before["members"], "nobody joined");

    // Evil's rules then shut out every address but 192.0.2.0/24 (its owner's last act; set
    // as the operator, since it shuts the owner out too): they bind Evil's members only, so
    // the victim still signs in from 127.0.0.1 and acts.
    server
        .set_org(&evil.id, &["ip_allowlist=192.0.2.0/24"])
        .await?;
    assert!(
        signed_in(&server, "mallory@evil.example").await.is_err(),
        "the rule works"
    );
    let theirs = signed_in(&server, "victim@mail.example").await?;
    assert_eq!(
        theirs.get("/account/tokens").await?.status(),
        StatusCode::OK
    );
    let own = server.access_token_for(&victim, "admin:read")?;
    let orgs = server
        .api(Method::GET, "/api/v1/orgs", Some(&own), None)
        .await?;
    assert_eq!(orgs.status, StatusCode::OK, "{}", orgs.text);
    Ok(())
}

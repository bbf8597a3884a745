//! Invitations: the link works once, only for the invited account, only until it expires,
//! and only for addresses in the organisation's email domains (when inviting and joining).

use poort_tests::browser::hidden_field;
use poort_tests::forms::login;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = "a long and unguessable passphrase";

async fn invite(
    server: &TestServer,
    token: &str,
    org_id: &str,
    email: &str,
) -> anyhow::Result<(StatusCode, String)> {
    let reply = server
        .api(
            Method::POST,
            &format!("/api/v1/orgs/{org_id}/invitations"),
            Some(token),
            Some(json!({"email": email, "roles": ["auditor"]})),
        )
        .await?;
    let link = reply.json["link"].as_str().unwrap_or_default().to_owned();
    Ok((reply.status, link))
}

/// Opens `link` in a browser signed in as `email` and presses Join.
async fn join(
    server: &TestServer,
    email: &str,
    link: &str,
) -> anyhow::Result<(StatusCode, String)> {
    let browser = server.browser();
    let signed_in = login(&browser, email, PASSWORD).await?;
    anyhow::ensure!(
        signed_in.status == StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    let page = browser.get(link).await?;
    if page.status() != StatusCode::OK {
        return Ok((page.status(), page.text().await?));
    }
    let body = page.text().await?;
    let csrf = hidden_field(&body, "csrf")?;
    let path = link
        .split_once("/invite/")
        .map(|(_, t)| format!("/invite/{t}"))
        .unwrap_or_default();
    let response = browser.post_form(&path, &[("csrf", csrf.as_str())]).await?;
    Ok((response.status(), response.text().await?))
}

#[tokio::test]
async fn an_invitation_link_joins_the_invited_account_once() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@acme.example", PASSWORD).await?;
    let bob = server.create_user("bob@acme.example", PASSWORD).await?;
    server.create_user("eve@acme.example", PASSWORD).await?;
    server.create_user("mallory@evil.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    server
        .set_org(&org.id, &["email_domains=acme.example"])
        .await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;

    let (status, _) = invite(&server, &token, &org.id, "mallory@evil.example").await?;
    assert_eq!(status, StatusCode::FORBIDDEN, "outside the email domains");

    let (status, link) = invite(&server, &token, &org.id, "Bob@Acme.example").await?;
    assert_eq!(status, StatusCode::CREATED);
    assert!(
        link.starts_with(&format!("{}/invite/", server.base)),
        "{link}"
    );

    // Signed out: the page says to sign in; nothing is joined.
    let anonymous = server.browser().get(&link).await?.text().await?;
    assert!(
        anonymous.contains("Sign in with the invited account"),
        "{anonymous}"
    );

    let (status, body) = join(&server, "eve@acme.example", &link).await?;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("another email address"));

    let (status, _) = join(&server, "bob@acme.example", &link).await?;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let member = poort_store::orgs::find_member(&server.state.db, &org.id, &bob).await?;
    assert_eq!(member.map(|m| m.roles), Some(vec!["auditor".to_owned()]));

    let (status, _) = join(&server, "bob@acme.example", &link).await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "single use");

    // Expired links and domains removed after inviting are refused at joining.
    let (_, late) = invite(&server, &token, &org.id, "eve@acme.example").await?;
    server.clock.advance(8 * 86_400);
    let (status, _) = join(&server, "eve@acme.example", &late).await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "expired");
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let (_, fresh) = invite(&server, &token, &org.id, "eve@acme.example").await?;
    server
        .set_org(&org.id, &["email_domains=other.example"])
        .await?;
    let (status, body) = join(&server, "eve@acme.example", &fresh).await?;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let actions: Vec<String> =
        poort_store::audit::list(&server.state.db, &org.id, &Default::default(), 100)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect();
    assert!(actions.contains(&"member.invited".to_owned()));
    assert!(actions.contains(&"member.joined".to_owned()));
    Ok(())
}

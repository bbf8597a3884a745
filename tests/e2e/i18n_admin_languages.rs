//! The organisation admin pages, the invitation page and the API-tokens page in Dutch and
//! French: titles, labels, notices and refusals come from the catalogs, chosen by
//! `Accept-Language`.

use poort_tests::browser::{Browser, hidden_field};
use poort_tests::forms::login;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{TestServer, start_server};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = "a long and unguessable passphrase";

async fn signed_in(server: &TestServer, email: &str) -> anyhow::Result<Browser> {
    let browser = server.browser();
    let reply = login(&browser, email, PASSWORD).await?;
    anyhow::ensure!(reply.status == StatusCode::SEE_OTHER, "{}", reply.body);
    Ok(browser)
}

async fn get(browser: &Browser, url: &str, lang: &str) -> anyhow::Result<(StatusCode, String)> {
    let response = browser
        .http
        .get(url)
        .header("accept-language", lang)
        .send()
        .await?;
    Ok((response.status(), response.text().await?))
}

async fn post(
    browser: &Browser,
    url: &str,
    lang: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, String)> {
    let response = browser
        .http
        .post(url)
        .header("accept-language", lang)
        .form(form)
        .send()
        .await?;
    Ok((response.status(), response.text().await?))
}

#[tokio::test]
async fn organisation_admin_pages_speak_dutch_and_french() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user("owner@acme.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    let base = format!("/admin/orgs/{}", org.id);
    let owner = signed_in(&server, "owner@acme.example").await?;

    let (status, nl) = get(&owner, &server.url("/admin/orgs"), "nl-NL,nl;q=0.9").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(nl.contains("<html lang=\"nl\">"), "{nl}");
    assert!(
        nl.contains("<h1>Organisaties</h1>") && nl.contains("Jouw rollen"),
        "{nl}"
    );
    assert!(!nl.contains("Your roles") && !nl.contains("Secured by Poort"));

    let (status, nl) = get(&owner, &server.url(&base), "nl").await?;
    assert_eq!(status, StatusCode::OK);
    for dutch in [
        "Beveiligingsinstellingen",
        "Uitnodigingslink maken",
        "Instellingen opslaan",
        "Auditlogboek",
    ] {
        assert!(nl.contains(dutch), "{dutch}: {nl}");
    }
    assert!(!nl.contains("Security settings") && !nl.contains("Add member"));

    // A change's notice, and a refusal built from the flow's error.
    let csrf = hidden_field(&nl, "csrf")?;
    let saved = owner
        .post_form(
            &format!("{base}/settings"),
            &[("csrf", &csrf), ("support_access", "true")],
        )
        .await?;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, fr) = get(
        &owner,
        &server.url(&format!("{base}?done=settings_saved")),
        "fr",
    )
    .await?;
    assert!(
        fr.contains("<html lang=\"fr\">") && fr.contains("Les paramètres ont été enregistrés."),
        "{fr}"
    );
    assert!(fr.contains("Paramètres de sécurité") && !fr.contains("Security settings"));
    let (status, fr) = post(
        &owner,
        &server.url(&format!("{base}/members")),
        "fr",
        &[
            ("csrf", &csrf),
            ("email", "nobody@acme.example"),
            ("roles", "member"),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        fr.contains("Les administrateurs d&#39;une organisation invitent"),
        "{fr}"
    );
    assert!(!fr.contains("join by accepting"));

    let (status, fr) = post(
        &owner,
        &server.url(&format!("{base}/invitations")),
        "fr",
        &[
            ("csrf", &csrf),
            ("email", "carol@acme.example"),
            ("roles", "member"),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        fr.contains("Invitation pour carol@acme.example :") && fr.contains("valable une fois"),
        "{fr}"
    );
    assert!(!fr.contains("works once"));

    let (status, fr) = get(&owner, &server.url(&format!("{base}/audit")), "fr").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(fr.contains("Journal d&#39;audit"), "{fr}");
    assert!(fr.contains("Filtrer") && fr.contains("Auteur"), "{fr}");
    assert!(!fr.contains("Audit log") && !fr.contains("Time (UTC)"));
    Ok(())
}

#[tokio::test]
async fn invitation_page_speaks_dutch_and_french() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let owner = server.create_user("owner@acme.example", PASSWORD).await?;
    server.create_user("bob@acme.example", PASSWORD).await?;
    let org = server
        .create_org("Acme", Some("owner@acme.example"))
        .await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let reply = server
        .api(
            Method::POST,
            &format!("/api/v1/orgs/{}/invitations", org.id),
            Some(&token),
            Some(json!({"email": "bob@acme.example", "roles": ["member"]})),
        )
        .await?;
    assert_eq!(reply.status, StatusCode::CREATED);
    let link = reply.json["link"].as_str().unwrap_or_default().to_owned();

    let (status, nl) = get(&server.browser(), &link, "nl").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        nl.contains("Word lid van Acme") && nl.contains("Meld je eerst aan"),
        "{nl}"
    );
    assert!(!nl.contains("Join Acme") && !nl.contains("Sign in with the invited account"));

    let bob = signed_in(&server, "bob@acme.example").await?;
    let (status, fr) = get(&bob, &link, "fr").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        fr.contains("<title>Rejoindre Acme · Poort</title>")
            && fr.contains("Connecté en tant que bob@acme.example."),
        "{fr}"
    );
    assert!(!fr.contains("Join Acme") && !fr.contains("Signed in as"));
    Ok(())
}

#[tokio::test]
async fn api_tokens_page_speaks_dutch_and_french() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    server.create_user("owner@acme.example", PASSWORD).await?;
    let owner = signed_in(&server, "owner@acme.example").await?;

    let (status, nl) = get(&owner, &server.url("/account/tokens"), "nl").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        nl.contains("<h1>API-tokens</h1>")
            && nl.contains("Token maken")
            && nl.contains("Het auditlogboek lezen en exporteren"),
        "{nl}"
    );
    assert!(!nl.contains("API tokens") && !nl.contains("Create token"));
    let csrf = hidden_field(&nl, "csrf")?;

    // A refusal, then a token: notice, status and dates in French.
    let (status, fr) = post(
        &owner,
        &server.url("/account/tokens"),
        "fr",
        &[
            ("csrf", &csrf),
            ("name", "deploy"),
            ("expires_in_days", "7"),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(fr.contains("Choisissez au moins une portée."), "{fr}");
    assert!(!fr.contains("choose at least one scope"));
    let (status, fr) = post(
        &owner,
        &server.url("/account/tokens"),
        "fr",
        &[
            ("csrf", &csrf),
            ("name", "deploy"),
            ("scopes", "profile:read"),
            ("expires_in_days", "7"),
        ],
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED);
    for french in [
        "Jeton « deploy » créé.",
        "Copiez votre nouveau jeton maintenant.",
        "actif",
        "jamais utilisé",
        "Révoquer deploy",
    ] {
        assert!(fr.contains(french), "{french}: {fr}");
    }
    assert!(!fr.contains("never used") && !fr.contains("Revoke deploy"));
    Ok(())
}

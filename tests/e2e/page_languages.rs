//! Error pages in the request's language: handlers return catalog keys and the `localise`
//! middleware renders them from `Accept-Language` (or the switcher's cookie). The
//! authenticator-app enrolment page in Dutch and French.

use poort_tests::forms::login;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, setup};
use reqwest::StatusCode;

async fn get(
    browser: &poort_tests::Browser,
    url: &str,
    accept_language: &str,
) -> anyhow::Result<(StatusCode, String)> {
    let response = browser
        .http
        .get(url)
        .header("accept-language", accept_language)
        .send()
        .await?;
    Ok((response.status(), response.text().await?))
}

#[tokio::test]
async fn error_pages_speak_the_readers_language() -> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;

    let (status, nl) = get(&browser, &server.url("/nowhere"), "nl-NL,nl;q=0.9").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(nl.contains("<html lang=\"nl\">"), "{nl}");
    assert!(
        nl.contains("Pagina niet gevonden") && nl.contains("Fout 404"),
        "{nl}"
    );
    assert!(!nl.contains("Page not found"));

    let unknown_client = server.url("/authorize?client_id=nobody&response_type=code");
    let (status, nl) = get(&browser, &unknown_client, "nl").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(nl.contains("Dit verzoek kan niet worden verwerkt"), "{nl}");
    assert!(
        nl.contains("niet bij deze inlogdienst geregistreerd"),
        "{nl}"
    );

    let (status, fr) = get(&browser, &server.url("/nowhere"), "fr-CA, fr;q=0.8").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        fr.contains("<html lang=\"fr\">") && fr.contains("Page introuvable"),
        "{fr}"
    );

    // A form without its CSRF token, in Dutch.
    let refused = browser
        .http
        .post(server.url("/account/email"))
        .header("accept-language", "nl")
        .form(&[("email", "x@example.com")])
        .send()
        .await?;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await?.contains("Dit formulier is verlopen"));

    // No preference: English.
    let (_, en) = get(&browser, &server.url("/nowhere"), "de-DE").await?;
    assert!(
        en.contains("Page not found") && en.contains("Error 404"),
        "{en}"
    );
    Ok(())
}

#[tokio::test]
async fn the_authenticator_app_page_speaks_dutch_and_french() -> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    assert_eq!(
        login(&browser, EMAIL, PASSWORD).await?.status,
        StatusCode::SEE_OTHER
    );
    let page = server.url("/account/mfa/totp");
    let (status, nl) = get(&browser, &page, "nl").await?;
    assert_eq!(status, StatusCode::OK, "{nl}");
    assert!(nl.contains("<html lang=\"nl\">"), "{nl}");
    assert!(nl.contains("Voeg een authenticator-app toe") && nl.contains("Code uit de app"));
    let (_, fr) = get(&browser, &page, "fr").await?;
    assert!(
        fr.contains("Ajouter une application d&#39;authentification")
            || fr.contains("Ajouter une application d'authentification"),
        "{fr}"
    );
    assert!(fr.contains("Code de l"), "{fr}");
    let (_, en) = get(&browser, &page, "en").await?;
    assert!(en.contains("Add an authenticator app"));
    Ok(())
}

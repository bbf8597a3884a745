//! The two-step verification pages in Dutch and French: the account's factor list (and its
//! refusals), the login's second step and the "2FA required" page follow `Accept-Language`;
//! without a preference they stay English.

use poort_tests::browser::hidden_field;
use poort_tests::mfa::{page, recovery_codes, unescape};
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
    Ok((response.status(), unescape(&response.text().await?)))
}

#[tokio::test]
async fn the_factor_list_speaks_dutch_and_french() -> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;

    let (status, nl) = get(&browser, &server.url("/account/mfa"), "nl-NL,nl;q=0.9").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(nl.contains("<html lang=\"nl\">"), "{nl}");
    assert!(
        nl.contains("Verificatie in twee stappen") && nl.contains("Nog geen"),
        "{nl}"
    );
    assert!(!nl.contains("Two-step verification") && !nl.contains("None yet"));

    // After an authenticator app: its kind, the date and the recovery codes in French.
    let (_, codes) = server.enroll_totp(&browser, "Phone", "").await?;
    assert_eq!(codes.status(), StatusCode::OK);
    let (_, fr) = get(&browser, &server.url("/account/mfa"), "fr").await?;
    assert!(fr.contains("<html lang=\"fr\">"), "{fr}");
    assert!(fr.contains("Validation en deux étapes"), "{fr}");
    assert!(
        fr.contains("Application d'authentification · ajouté le"),
        "{fr}"
    );
    assert!(
        fr.contains("Vous avez <strong>10</strong> codes de récupération inutilisés."),
        "{fr}"
    );
    assert!(fr.contains("Supprimer Phone"), "{fr}");
    assert!(!fr.contains("Two-step verification") && !fr.contains("Authenticator app"));

    // A refusal built by the handler, in Dutch.
    let csrf = hidden_field(&fr, "csrf")?;
    let id = hidden_field(&fr, "id")?;
    let refused = browser
        .http
        .post(server.url("/account/mfa/rename"))
        .header("accept-language", "nl")
        .form(&[
            ("csrf", csrf.as_str()),
            ("id", id.as_str()),
            ("name", "Telefoon"),
            ("password", "not the password"),
        ])
        .send()
        .await?;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let body = refused.text().await?;
    assert!(body.contains("Dat wachtwoord klopt niet."), "{body}");

    // The recovery codes page, in Dutch.
    let regenerated = browser
        .http
        .post(server.url("/account/mfa/recovery"))
        .header("accept-language", "nl")
        .form(&[("csrf", csrf.as_str()), ("password", PASSWORD)])
        .send()
        .await?;
    assert_eq!(regenerated.status(), StatusCode::OK);
    let body = regenerated.text().await?;
    assert!(
        body.contains("Bewaar je herstelcodes") && !body.contains("Save your recovery codes"),
        "{body}"
    );
    let codes = recovery_codes(&body);
    assert_eq!(codes.len(), 10);

    // The login's second step, in French, then in English without a preference.
    server.sign_out(&browser).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (status, fr) = get(&browser, &server.url("/login/mfa"), "fr-CA, fr;q=0.8").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        fr.contains("Code de votre application d'authentification")
            && fr.contains("Utiliser un code de récupération"),
        "{fr}"
    );
    assert!(!fr.contains("Two-step verification"), "{fr}");
    let (_, en) = get(&browser, &server.url("/login/mfa"), "de").await?;
    assert!(
        en.contains("Two-step verification") && en.contains("Code from your authenticator app")
    );

    // A recovery code instead: the "code used" page in French.
    let used = browser
        .http
        .post(server.url("/login/mfa/recovery"))
        .header("accept-language", "fr")
        .form(&[
            ("csrf", hidden_field(&en, "csrf")?.as_str()),
            ("tx", ""),
            ("code", codes[0].as_str()),
        ])
        .send()
        .await?;
    assert_eq!(used.status(), StatusCode::OK);
    let body = unescape(&used.text().await?);
    assert!(
        body.contains("Code de récupération accepté")
            && body.contains("Il vous reste <strong>9</strong> codes de récupération."),
        "{body}"
    );
    assert!(!body.contains("Recovery code accepted"));
    Ok(())
}

#[tokio::test]
async fn the_required_page_speaks_dutch_and_french() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |c| {
        c.require_2fa = true;
        c.require_2fa_grace_days = 7;
        c.require_2fa_max_postponements = 2;
    })
    .await?;
    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, en) = page(landing).await?;
    assert!(url.contains("/account/mfa/required?tx="), "{url}");
    assert!(en.contains("Set up two-step verification"), "{en}");

    let (status, nl) = get(&browser, &url, "nl").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        nl.contains("Stel verificatie in twee stappen in")
            && nl.contains("Je kunt dit nog 2 keer uitstellen, tot ")
            && nl.contains("Herinner me later"),
        "{nl}"
    );
    assert!(!nl.contains("Set up two-step verification") && !nl.contains("Remind me later"));

    let (_, fr) = get(&browser, &url, "fr").await?;
    assert!(
        fr.contains("Configurer la validation en deux étapes")
            && fr.contains("Vous pouvez encore reporter ceci 2 fois")
            && fr.contains("Utiliser une application d'authentification"),
        "{fr}"
    );
    assert!(!fr.contains("Set up two-step verification"));
    Ok(())
}

#[tokio::test]
async fn security_key_and_passkey_texts_speak_dutch_and_french() -> anyhow::Result<()> {
    // WebAuthn needs a domain: the issuer is `http://localhost:{port}`.
    let (server, _client, browser) = setup(ClientSpec::default(), |c| {
        c.issuer = format!("http://localhost:{}", c.bind.port());
    })
    .await?;
    // The passkey login's error texts (shown by webauthn.js) come with the login page.
    let (_, login) = get(&browser, &server.url("/login"), "fr").await?;
    assert!(
        login.contains("data-cancelled=\"La demande a été annulée ou a expiré. Réessayez.\""),
        "{login}"
    );
    server.sign_in(&browser, EMAIL, PASSWORD).await?;

    let passkey = server.url("/account/mfa/webauthn?kind=passkey");
    let (status, nl) = get(&browser, &passkey, "nl").await?;
    assert_eq!(status, StatusCode::OK);
    assert!(
        nl.contains("Voeg een passkey toe")
            && nl.contains("Naam (om je apparaten uit elkaar te houden)")
            && nl.contains("data-failed=\"Je browser of authenticator kon dit niet afronden."),
        "{nl}"
    );
    assert!(!nl.contains("Add a passkey"));

    let key = server.url("/account/mfa/webauthn?kind=security_key");
    let (_, fr) = get(&browser, &key, "fr").await?;
    assert!(
        fr.contains("Ajouter une clé de sécurité")
            && fr.contains("placeholder=\"Clé de sécurité\""),
        "{fr}"
    );
    assert!(!fr.contains("Add a security key"));
    let (_, en) = get(&browser, &key, "").await?;
    assert!(en.contains("Add a security key"), "{en}");
    Ok(())
}

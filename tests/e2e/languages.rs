//! Languages: the login page in Dutch and French from `Accept-Language`, `ui_locales` of the
//! authorization request winning over it, the switcher remembering a choice, and password
//! rules refused in the reader's language (every failed rule listed).

use poort_tests::browser::{Landing, hidden_field};
use poort_tests::smtp::SmtpSink;
use poort_tests::{ClientSpec, EMAIL, setup};
use reqwest::StatusCode;

use crate::password_reset::{smtp_to, submit_reset};

async fn login_page(
    browser: &poort_tests::Browser,
    url: &str,
    accept_language: &str,
) -> anyhow::Result<String> {
    let response = browser
        .http
        .get(url)
        .header("accept-language", accept_language)
        .send()
        .await?;
    let landing = browser.follow(response).await?;
    let Landing::Page { status, body, .. } = landing else {
        anyhow::bail!("expected a page");
    };
    anyhow::ensure!(status == StatusCode::OK, "{status}");
    Ok(body)
}

#[tokio::test]
async fn the_login_page_speaks_dutch_and_french_from_accept_language() -> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let nl = login_page(&browser, &server.url("/login"), "nl-BE,nl;q=0.9,en;q=0.5").await?;
    assert!(nl.contains("<html lang=\"nl\">"), "{nl}");
    assert!(nl.contains("Wachtwoord vergeten?") && nl.contains("Inloggen"));
    let fr = login_page(&browser, &server.url("/login"), "fr-CH, fr;q=0.9").await?;
    assert!(fr.contains("<html lang=\"fr\">"));
    assert!(fr.contains("Mot de passe oublié ?") && fr.contains("Se connecter"));
    let other = login_page(&browser, &server.url("/login"), "de-DE").await?;
    assert!(other.contains("<html lang=\"en\">") && other.contains("Forgot your password?"));
    // A failed login answers in the same language.
    let csrf = hidden_field(&fr, "csrf")?;
    let failed = browser
        .http
        .post(server.url("/login"))
        .header("accept-language", "fr")
        .form(&[
            ("csrf", csrf.as_str()),
            ("tx", ""),
            ("login", EMAIL),
            ("password", "wrong"),
        ])
        .send()
        .await?;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    assert!(failed.text().await?.contains("mot de passe est incorrect"));
    Ok(())
}

#[tokio::test]
async fn ui_locales_of_the_request_wins_over_accept_language() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let url = server.authorize_url(&client, &[("ui_locales", "de fr-FR")]);
    let page = login_page(&browser, &url, "nl").await?;
    assert!(page.contains("<html lang=\"fr\">"), "{page}");
    assert!(page.contains("pour continuer vers"));
    Ok(())
}

#[tokio::test]
async fn the_language_switcher_is_remembered() -> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let first = login_page(&browser, &server.url("/login"), "en").await?;
    assert!(
        first.contains("href=\"/login?lang=nl\""),
        "the switcher links each language"
    );
    let switched = login_page(&browser, &server.url("/login?lang=nl"), "en").await?;
    assert!(switched.contains("<html lang=\"nl\">"));
    let later = login_page(&browser, &server.url("/login"), "fr").await?;
    assert!(
        later.contains("<html lang=\"nl\">"),
        "the cookie beats Accept-Language"
    );
    Ok(())
}

#[tokio::test]
async fn refused_passwords_and_the_reset_mail_are_in_the_readers_language() -> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, _) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let browser = server.browser();
    let form = login_page(&browser, &server.url("/password/forgot?lang=nl"), "en").await?;
    assert!(form.contains("Wachtwoord opnieuw instellen"), "{form}");
    let csrf = hidden_field(&form, "csrf")?;
    let sent = browser
        .post_form("/password/forgot", &[("csrf", &csrf), ("email", EMAIL)])
        .await?
        .text()
        .await?;
    assert!(sent.contains("Kijk in je e-mail"), "{sent}");
    let mail = sink.wait_for(EMAIL, 1).await?;
    let text = mail.text()?;
    assert!(
        text.contains("Hallo") && text.contains("30 minuten"),
        "{text}"
    );
    let link = mail.link(&server.url("/password/reset?token="))?;
    // Too short and the user's own email address: both rules, in Dutch.
    let weak = submit_reset(&browser, &link, "grace", "grace").await?;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert!(
        weak.body
            .contains("Dit wachtwoord kan niet worden gebruikt"),
        "{}",
        weak.body
    );
    assert!(weak.body.contains("Gebruik minstens"), "{}", weak.body);
    Ok(())
}

//! Second-factor limits (the class of Zitadel CVE-2025-64102): every TOTP code, recovery code,
//! WebAuthn assertion and re-entered password reserves its place in the user's window before it
//! is checked, so however many arrive at once at most five wrong ones are checked per window,
//! the right answer is refused unchecked once they are used up, and a right answer gives back
//! only its own place.

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_tests::authenticator::SoftAuthenticator;
use poort_tests::browser::hidden_field;
use poort_tests::mfa::{data_options, page, recovery_codes, totp_code};
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, setup};
use reqwest::StatusCode;

/// Wrong attempts per user and window.
const LIMIT: usize = 5;
/// Simultaneous guesses in the brute-force tests.
const BURST: usize = 300;
const WRONG_CODE: &str = "That code is not right";
const WRONG_RECOVERY: &str = "That recovery code is not valid";
const WRONG_PASSWORD: &str = "That password is not right";
const REFUSED_KEY: &str = "was not accepted";
const THROTTLED: &str = "Too many wrong attempts";
const MFA_ACR: &str = "urn:poort:loa:2fa";

/// Logs in with the password through an authorize request; returns the second step's (csrf, tx).
async fn second_step(
    server: &TestServer,
    client: &TestClient,
    browser: &Browser,
) -> anyhow::Result<(String, String)> {
    let landing = browser
        .login_through(&server.authorize_url(client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, body) = page(landing).await?;
    anyhow::ensure!(
        url.contains("/login/mfa"),
        "expected the second step: {url}"
    );
    Ok((hidden_field(&body, "csrf")?, hidden_field(&body, "tx")?))
}

/// Posts every form at once from one browser; the (status, body) of each, in order.
async fn burst(
    server: &TestServer,
    browser: &Browser,
    path: &str,
    forms: Vec<Vec<(&'static str, String)>>,
) -> anyhow::Result<Vec<(StatusCode, String)>> {
    let url = server.url(path);
    let tasks: Vec<_> = forms
        .into_iter()
        .map(|form| {
            let (http, url) = (browser.http.clone(), url.clone());
            tokio::spawn(async move {
                let response = http.post(url).form(&form).send().await?;
                let status = response.status();
                anyhow::Ok((status, response.text().await?))
            })
        })
        .collect();
    let mut replies = Vec::with_capacity(tasks.len());
    for task in tasks {
        replies.push(task.await??);
    }
    Ok(replies)
}

/// How many replies said "wrong" (the answer was checked) and how many "too many attempts";
/// fails on any other reply.
fn tally(replies: &[(StatusCode, String)], wrong_text: &str) -> anyhow::Result<(usize, usize)> {
    let (mut wrong, mut throttled) = (0, 0);
    for (status, body) in replies {
        match *status {
            StatusCode::UNAUTHORIZED if body.contains(wrong_text) => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS if body.contains(THROTTLED) => throttled += 1,
            other => anyhow::bail!("unexpected reply {other}: {body}"),
        }
    }
    Ok((wrong, throttled))
}

/// `count` six-digit codes that are none of the codes valid around `now` (±1 step).
fn wrong_totp_codes(secret: &str, now: i64, count: usize) -> anyhow::Result<Vec<String>> {
    let valid = [
        totp_code(secret, now - 30)?,
        totp_code(secret, now)?,
        totp_code(secret, now + 30)?,
    ];
    Ok((0..)
        .map(|n: u32| format!("{n:06}"))
        .filter(|code| !valid.contains(code))
        .take(count)
        .collect())
}

async fn user_id(server: &TestServer) -> anyhow::Result<String> {
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL).await?;
    user.map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("test user missing"))
}

/// The TOTP factor's last used step (advanced by every accepted code).
async fn last_used_step(server: &TestServer) -> anyhow::Result<Option<i64>> {
    let factors =
        poort_store::mfa_factors::list_for_user(&server.state.db, &user_id(server).await?).await?;
    Ok(factors.first().and_then(|f| f.last_used_step))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_factor_brute_force_cve_2025_64102_totp() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (secret, _) = server.enroll_totp(&browser, "", "").await?;
    server.sign_out(&browser).await?;
    let (csrf, tx) = second_step(&server, &client, &browser).await?;

    let forms = wrong_totp_codes(&secret, server.now(), BURST)?
        .into_iter()
        .map(|code| vec![("csrf", csrf.clone()), ("tx", tx.clone()), ("code", code)])
        .collect();
    let replies = burst(&server, &browser, "/login/mfa/totp", forms).await?;
    // Only the five reserved attempts were checked; the rest were refused before.
    assert_eq!(tally(&replies, WRONG_CODE)?, (LIMIT, BURST - LIMIT));

    // The right code is refused unchecked, with the very page a wrong one gets.
    let step = last_used_step(&server).await?;
    server.clock.advance(30);
    let right = totp_code(&secret, server.now())?;
    let wrong = wrong_totp_codes(&secret, server.now(), 1)?.remove(0);
    let mut pages = Vec::new();
    for code in [&right, &wrong] {
        let reply = browser
            .post_form(
                "/login/mfa/totp",
                &[("csrf", &csrf), ("tx", &tx), ("code", code)],
            )
            .await?;
        assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
        pages.push(reply.text().await?);
    }
    assert_eq!(pages[0], pages[1]);
    assert!(pages[0].contains(THROTTLED));
    assert_eq!(
        last_used_step(&server).await?,
        step,
        "the code was not used"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_factor_brute_force_cve_2025_64102_recovery_codes() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (_, shown) = server.enroll_totp(&browser, "", "").await?;
    let codes = recovery_codes(&shown.text().await?);
    assert_eq!(codes.len(), 10);
    server.sign_out(&browser).await?;
    let (csrf, tx) = second_step(&server, &client, &browser).await?;

    // Well-formed codes (20 symbols of the alphabet) that are not the user's.
    let forms = (0..BURST)
        .map(|n| format!("{n:020}"))
        .map(|code| vec![("csrf", csrf.clone()), ("tx", tx.clone()), ("code", code)])
        .collect();
    let replies = burst(&server, &browser, "/login/mfa/recovery", forms).await?;
    assert_eq!(tally(&replies, WRONG_RECOVERY)?, (LIMIT, BURST - LIMIT));

    let right = browser
        .post_form(
            "/login/mfa/recovery",
            &[("csrf", &csrf), ("tx", &tx), ("code", &codes[0])],
        )
        .await?;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(right.text().await?.contains(THROTTLED));
    let id = user_id(&server).await?;
    assert_eq!(
        poort_store::recovery_codes::count_unused(&server.state.db, &id).await?,
        10,
        "the refused code was not used up"
    );
    Ok(())
}

/// Re-signs `assertion` (the JSON a browser posts) with a fresh key: a well-formed answer from
/// the right credential id that the registered public key does not verify.
fn signed_by_another_key(assertion: &str) -> anyhow::Result<String> {
    let mut json: serde_json::Value = serde_json::from_str(assertion)?;
    let field = |name: &str| -> anyhow::Result<Vec<u8>> {
        let text = json["response"][name]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no {name}"))?;
        Ok(URL_SAFE_NO_PAD.decode(text)?)
    };
    let mut signed = field("authenticatorData")?;
    signed.extend_from_slice(digest(&SHA256, &field("clientDataJSON")?).as_ref());
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
        .map_err(|_| anyhow::anyhow!("key generation failed"))?;
    let other = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
        .map_err(|_| anyhow::anyhow!("key parsing failed"))?;
    let signature = other
        .sign(&rng, &signed)
        .map_err(|_| anyhow::anyhow!("signing failed"))?;
    json["response"]["signature"] = URL_SAFE_NO_PAD.encode(signature.as_ref()).into();
    Ok(json.to_string())
}

#[tokio::test]
async fn wrong_webauthn_assertions_count_towards_the_limit() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |config| {
        // WebAuthn needs a domain.
        config.issuer = format!("http://localhost:{}", config.bind.port());
    })
    .await?;
    let mut key = SoftAuthenticator::new(&server.base);
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let body = browser
        .get("/account/mfa/webauthn?kind=security_key")
        .await?
        .text()
        .await?;
    let registered = browser
        .post_form(
            "/account/mfa/webauthn",
            &[
                ("csrf", &hidden_field(&body, "csrf")?),
                ("tx", ""),
                ("name", "Key"),
                ("credential", &key.register(&data_options(&body)?)?),
            ],
        )
        .await?;
    assert_eq!(registered.status(), StatusCode::OK);
    server.sign_out(&browser).await?;

    let landing = browser
        .login_through(&server.authorize_url(&client, &[]), EMAIL, PASSWORD)
        .await?;
    let (url, mut body) = page(landing).await?;
    assert!(url.contains("/login/mfa"), "{url}");
    let (csrf, tx) = (hidden_field(&body, "csrf")?, hidden_field(&body, "tx")?);
    let post = async |credential: &str| {
        browser
            .post_form(
                "/login/mfa/webauthn",
                &[("csrf", &csrf), ("tx", &tx), ("credential", credential)],
            )
            .await
    };
    for _ in 0..LIMIT {
        let forged = signed_by_another_key(&key.authenticate(&data_options(&body)?)?)?;
        let reply = post(&forged).await?;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
        // Each refusal renders the page again with a new challenge.
        body = reply.text().await?;
        assert!(body.contains(REFUSED_KEY), "{body}");
    }
    // The key's own, valid answer to the newest challenge: refused unchecked.
    let right = post(&key.authenticate(&data_options(&body)?)?).await?;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(right.text().await?.contains(THROTTLED));
    Ok(())
}

#[tokio::test]
async fn a_right_code_gives_back_only_its_own_attempt() -> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    // Signed in with the password before enrolling: a step-up asks for the code.
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    let (secret, _) = server.enroll_totp(&browser, "", "").await?;
    let url = server.authorize_url(&client, &[("acr_values", MFA_ACR)]);
    let (url, body) = page(browser.follow(browser.get(&url).await?).await?).await?;
    assert!(url.contains("/login/mfa?tx="), "step-up: {url}");
    let (csrf, tx) = (hidden_field(&body, "csrf")?, hidden_field(&body, "tx")?);
    server.clock.advance(30);
    let wrong = wrong_totp_codes(&secret, server.now(), LIMIT)?;
    for code in &wrong[..LIMIT - 1] {
        let reply = browser
            .post_form(
                "/login/mfa/totp",
                &[("csrf", &csrf), ("tx", &tx), ("code", code)],
            )
            .await?;
        assert_eq!(reply.status(), StatusCode::UNAUTHORIZED);
    }
    let right = totp_code(&secret, server.now())?;
    let reply = browser
        .post_form(
            "/login/mfa/totp",
            &[("csrf", &csrf), ("tx", &tx), ("code", &right)],
        )
        .await?;
    browser.follow(reply).await?.away()?;
    server.sign_out(&browser).await?;

    // The success did not wipe the four failures: one more wrong code is checked, then the
    // window is used up, for the right code too.
    let (csrf, tx) = second_step(&server, &client, &browser).await?;
    server.clock.advance(30);
    let wrong = wrong_totp_codes(&secret, server.now(), 2)?;
    let right = totp_code(&secret, server.now())?;
    let mut statuses = Vec::new();
    for code in [&wrong[0], &wrong[1], &right] {
        let reply = browser
            .post_form(
                "/login/mfa/totp",
                &[("csrf", &csrf), ("tx", &tx), ("code", code)],
            )
            .await?;
        statuses.push(reply.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_wrong_passwords_when_reauthenticating_reach_five_hashes()
-> anyhow::Result<()> {
    let (server, _client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    server.sign_in(&browser, EMAIL, PASSWORD).await?;
    server.enroll_totp(&browser, "Phone", "").await?;
    let account = browser.get("/account/mfa").await?.text().await?;
    let (csrf, id) = (
        hidden_field(&account, "csrf")?,
        hidden_field(&account, "id")?,
    );

    let before = server.state.hashing.completed();
    let forms = (0..50)
        .map(|n| {
            vec![
                ("csrf", csrf.clone()),
                ("id", id.clone()),
                ("name", format!("Stolen {n}")),
                ("password", format!("wrong password {n}")),
            ]
        })
        .collect();
    let replies = burst(&server, &browser, "/account/mfa/rename", forms).await?;
    assert_eq!(tally(&replies, WRONG_PASSWORD)?, (LIMIT, 50 - LIMIT));
    assert_eq!(server.state.hashing.completed() - before, LIMIT as u64);

    // The right password is refused without a hash, and nothing was renamed.
    let before = server.state.hashing.completed();
    let right = browser
        .post_form(
            "/account/mfa/rename",
            &[
                ("csrf", &csrf),
                ("id", &id),
                ("name", "Stolen"),
                ("password", PASSWORD),
            ],
        )
        .await?;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(server.state.hashing.completed(), before);
    let account = browser.get("/account/mfa").await?.text().await?;
    assert!(account.contains("Phone") && !account.contains("Stolen"));
    Ok(())
}

//! Truncated, extended and altered secrets (Zitadel CVE-2026-27840, a token accepted by its
//! prefix): every kind of secret Poort hands out is refused in every variant of
//! `support::variants`, and the genuine one still works afterwards, so a refused variant neither
//! matched nor used it up.

use poort_api_tokens::{PREFIX, RANDOM_LEN, parse};
use poort_server::flows::api_tokens::{MintRequest, mint};
use poort_tests::browser::hidden_field;
use poort_tests::forms::login;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::smtp::SmtpSink;
use poort_tests::{ClientSpec, EMAIL, PASSWORD, TestServer, setup};
use reqwest::redirect::Policy;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{mailed_link, refresh, text, variants};
use crate::password_reset::{request_reset, smtp_to};

async fn userinfo(server: &TestServer, token: &str) -> anyhow::Result<StatusCode> {
    let response = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await?;
    Ok(response.status())
}

#[tokio::test]
async fn truncated_tokens_zitadel_cve_2026_27840_codes_access_and_refresh_tokens()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let code = server.obtain_code(&browser, &client, None).await?;
    for variant in variants(&code) {
        let (status, body) = server.redeem(&client, &variant, None).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "code {variant}: {body}");
        assert_eq!(text(&body, "error"), "invalid_grant");
    }
    let (status, tokens) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "the real code is intact: {tokens}");

    let access = text(&tokens, "access_token");
    let unsigned = format!("{}.", &access[..access.rfind('.').unwrap_or_default()]);
    for variant in variants(&access).into_iter().chain([unsigned]) {
        assert_eq!(
            userinfo(&server, &variant).await?,
            StatusCode::UNAUTHORIZED,
            "access token {variant}"
        );
    }
    assert_eq!(userinfo(&server, &access).await?, StatusCode::OK);

    let token = text(&tokens, "refresh_token");
    for variant in variants(&token) {
        let (status, body) = refresh(&server, &client, &variant).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "refresh {variant}: {body}");
        assert_eq!(text(&body, "error"), "invalid_grant");
    }
    let (status, body) = refresh(&server, &client, &token).await?;
    assert_eq!(
        status,
        StatusCode::OK,
        "the real refresh token is intact: {body}"
    );
    Ok(())
}

/// CRC32 (IEEE), as the API-token checksum uses it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = match crc & 1 {
                1 => (crc >> 1) ^ 0xEDB8_8320,
                _ => crc >> 1,
            };
        }
    }
    !crc
}

/// A well-formed API token (valid checksum) that shares all but the last random character with
/// `real`: it passes the offline checks, so only the exact digest lookup can refuse it.
fn sibling_api_token(real: &str) -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut random = real[PREFIX.len()..PREFIX.len() + RANDOM_LEN].to_string();
    let last = random.pop().unwrap_or('0');
    random.push(if last == 'x' { 'y' } else { 'x' });
    let mut value = u64::from(crc32(random.as_bytes()));
    let mut checksum = [b'0'; 6];
    for digit in checksum.iter_mut().rev() {
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    format!("{PREFIX}{random}{}", String::from_utf8_lossy(&checksum))
}

/// The `poort_session` value a response set, if any.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("poort_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .find(|v| !v.is_empty())
}

#[tokio::test]
async fn truncated_tokens_zitadel_cve_2026_27840_api_tokens_sessions_csrf_and_mailed_links()
-> anyhow::Result<()> {
    let sink = SmtpSink::start()?;
    let (server, _client, browser) = setup(ClientSpec::default(), smtp_to(sink.port)).await?;
    let user = poort_store::users::find_by_login(&server.state.db, EMAIL)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no test user"))?;

    // API tokens: malformed variants fail the format check, a well-formed sibling the lookup.
    let minted = mint(
        &server.state,
        MintRequest {
            user_id: user.id.clone(),
            org_id: None,
            name: "ci".into(),
            scopes: vec!["profile:read".into(), "admin:read".into()],
            expires_in_secs: 86_400,
            amr: vec!["pwd".into()],
            not_after: None,
        },
    )
    .await?
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let real = minted.secret;
    let sibling = sibling_api_token(&real);
    assert!(parse(&sibling).is_ok(), "the sibling is well-formed");
    let unknown = poort_api_tokens::ApiToken::generate().as_str().to_owned();
    for variant in variants(&real).into_iter().chain([sibling, unknown]) {
        for path in ["/api/v1/me", "/api/v1/orgs"] {
            let reply = server.api(Method::GET, path, Some(&variant), None).await?;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path} {variant}");
        }
    }
    let me = server
        .api(Method::GET, "/api/v1/me", Some(&real), None)
        .await?;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);

    // Session cookies.
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()?;
    let page = http.get(server.url("/login")).send().await?;
    let anonymous = session_cookie(&page).unwrap_or_default();
    let csrf = hidden_field(&page.text().await?, "csrf")?;
    let signed_in = http
        .post(server.url("/login"))
        .header("cookie", format!("poort_session={anonymous}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("tx", ""),
            ("login", EMAIL),
            ("password", PASSWORD),
        ])
        .send()
        .await?;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&signed_in).unwrap_or_default();
    let home = |value: String| {
        let http = http.clone();
        let url = server.url("/");
        async move {
            let response = http
                .get(url)
                .header("cookie", format!("poort_session={value}"))
                .send()
                .await?;
            anyhow::Ok((response.status(), response.text().await?))
        }
    };
    for variant in variants(&cookie) {
        let (status, body) = home(variant.clone()).await?;
        assert!(status.is_success() || status.is_redirection(), "{status}");
        assert!(!body.contains(EMAIL), "signed in with cookie {variant}");
    }
    assert!(
        home(cookie).await?.1.contains(EMAIL),
        "the real cookie works"
    );

    // CSRF tokens: a variant does not sign the browser out; the real one does.
    login(&browser, EMAIL, PASSWORD).await?;
    let csrf = hidden_field(&browser.get("/").await?.text().await?, "csrf")?;
    for variant in variants(&csrf) {
        let response = browser.post_form("/logout", &[("csrf", &variant)]).await?;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "csrf {variant}");
    }
    assert!(browser.get("/").await?.text().await?.contains(EMAIL));
    let response = browser.post_form("/logout", &[("csrf", &csrf)]).await?;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(!browser.get("/").await?.text().await?.contains(EMAIL));

    // Reset links.
    request_reset(&browser, EMAIL).await?;
    let link = mailed_link(&sink, EMAIL, &server.url("/password/reset?token=")).await?;
    let token = link.rsplit('=').next().unwrap_or_default().to_string();
    for variant in variants(&token) {
        let url = server.url(&format!("/password/reset?token={variant}"));
        let page = browser.get(&url).await?;
        assert_eq!(page.status(), StatusCode::BAD_REQUEST, "reset {variant}");
    }
    assert_eq!(browser.get(&link).await?.status(), StatusCode::OK);

    // Invitation links.
    let org = server.create_org("Acme", Some(EMAIL)).await?;
    let owner_token = server.access_token_for(&user.id, ALL_SCOPES)?;
    let invited = server
        .api(
            Method::POST,
            &format!("/api/v1/orgs/{}/invitations", org.id),
            Some(&owner_token),
            Some(json!({"email": "bob@example.com"})),
        )
        .await?;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
    let link = text(&invited.json, "link");
    let secret = link.rsplit('/').next().unwrap_or_default().to_string();
    for variant in variants(&secret) {
        let page = browser.get(&format!("/invite/{variant}")).await?;
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "invitation {variant}");
    }
    assert_eq!(browser.get(&link).await?.status(), StatusCode::OK);
    Ok(())
}

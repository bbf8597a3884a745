//! PKCE downgrades (authentik CVE-2023-48228, CVE-2024-23647): a code bound to an S256
//! challenge is redeemed only with its verifier, `plain` (or no method, RFC 7636's `plain`
//! default) is never accepted, and a public client gets no code without PKCE, even for a
//! signed-in user. A failed verifier uses the code up: a stolen code allows one guess.

use poort_tests::browser::Landing;
use poort_tests::forms::login;
use poort_tests::{Browser, ClientSpec, EMAIL, PASSWORD, Pkce, TestClient, TestServer, setup};
use reqwest::StatusCode;

use super::support::text;

/// Follows an authorization request of the signed-in `browser`; the `error` and `code` the
/// client got back.
async fn authorize(
    server: &TestServer,
    browser: &Browser,
    client: &TestClient,
    params: &[(&str, &str)],
) -> anyhow::Result<(Option<String>, Option<String>)> {
    let url = server.authorize_url(client, params);
    let back = browser.follow(browser.get(&url).await?).await?.away()?;
    Ok((
        Landing::query(&back, "error"),
        Landing::query(&back, "code"),
    ))
}

#[tokio::test]
async fn pkce_downgrade_authentik_cve_2023_48228_a_challenged_code_needs_its_s256_verifier()
-> anyhow::Result<()> {
    let (server, client, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let pkce = Pkce::new();
    let other = Pkce::new();
    let too_short = pkce.verifier[..42].to_string();
    let too_long = format!("{}{}{}", pkce.verifier, pkce.verifier, pkce.verifier);
    let odd_characters = format!("{}+/=", &pkce.verifier[..40]);
    let attempts: [(&str, Option<&str>); 7] = [
        ("the challenge as a plain verifier", Some(&pkce.challenge)),
        ("no verifier", None),
        ("an empty verifier", Some("")),
        ("another verifier", Some(&other.verifier)),
        ("42 characters", Some(&too_short)),
        ("129 or more characters", Some(&too_long)),
        ("characters outside the alphabet", Some(&odd_characters)),
    ];
    for (what, verifier) in attempts {
        let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
        let (status, body) = server.redeem(&client, &code, verifier).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
        let error = text(&body, "error");
        assert!(
            error == "invalid_grant" || error == "invalid_request",
            "{what}: {body}"
        );
        assert!(body.get("access_token").is_none(), "{what}");
        // The failed attempt used the code: the right verifier comes too late.
        let (status, body) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{what}, then the verifier: {body}"
        );
    }
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, body) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "the verifier itself works: {body}");

    // A code issued without a challenge does not take a verifier either: no mix-and-match.
    let code = server.obtain_code(&browser, &client, None).await?;
    let (status, body) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(text(&body, "error"), "invalid_grant");
    Ok(())
}

#[tokio::test]
async fn pkce_downgrade_authentik_cve_2024_23647_plain_missing_method_and_public_clients_get_no_code()
-> anyhow::Result<()> {
    let (server, confidential, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let public = server
        .create_client(ClientSpec {
            public: true,
            ..ClientSpec::default()
        })
        .await?;
    let signed_in = login(&browser, EMAIL, PASSWORD).await?;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let pkce = Pkce::new();
    let challenge = pkce.challenge.as_str();

    // Methods other than exactly `S256`, or none at all, are refused for every client.
    let methods: [&[(&str, &str)]; 5] = [
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "plain"),
        ],
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "PLAIN"),
        ],
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "s256"),
        ],
        &[
            ("code_challenge", challenge),
            ("code_challenge_method", "S512"),
        ],
        &[("code_challenge", challenge)],
    ];
    for client in [&confidential, &public] {
        for params in methods {
            let (error, code) = authorize(&server, &browser, client, params).await?;
            assert_eq!(error.as_deref(), Some("invalid_request"), "{params:?}");
            assert_eq!(code, None, "{params:?}");
        }
    }
    // A public client without PKCE: no code for a signed-in user, silently or not.
    for params in [&[][..], &[("prompt", "none")][..]] {
        let (error, code) = authorize(&server, &browser, &public, params).await?;
        assert_eq!(error.as_deref(), Some("invalid_request"), "{params:?}");
        assert_eq!(code, None);
    }

    // The public client's code needs the verifier; with it, it works.
    let s256 = [
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    for verifier in [None, Some(challenge)] {
        let (_, code) = authorize(&server, &browser, &public, &s256).await?;
        let code = code.unwrap_or_default();
        let (status, body) = server.redeem(&public, &code, verifier).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{verifier:?}: {body}");
        assert_eq!(text(&body, "error"), "invalid_grant");
    }
    let (_, code) = authorize(&server, &browser, &public, &s256).await?;
    let code = code.unwrap_or_default();
    let (status, body) = server.redeem(&public, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "{body}");

    let discovery: serde_json::Value = reqwest::Client::new()
        .get(server.url("/.well-known/openid-configuration"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    Ok(())
}

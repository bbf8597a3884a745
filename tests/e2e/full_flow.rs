//! The whole authorization code flow with the `openidconnect` crate as relying party: discovery,
//! PKCE + nonce + state, login, code exchange, ID token verification, userinfo, refresh (and the
//! rotated token refused), introspection, revocation and RP-initiated logout; once per ID-token alg.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreGenderClaim};
use openidconnect::{
    AccessToken, AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EmptyAdditionalClaims, EndSessionUrl, IntrospectionUrl, IssuerUrl, LogoutRequest, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PostLogoutRedirectUrl, RedirectUrl, Scope,
    TokenIntrospectionResponse, TokenResponse, UserInfoClaims,
};
use poort_oidc::jose::SigningAlg;
use poort_tests::browser::Landing;
use poort_tests::rp::{Metadata, http_client};
use poort_tests::{ClientSpec, TestClient, start_server};

/// RFC 7009 revocation. The `oauth2` crate refuses a non-https revocation URL, and the test
/// server is plain http on loopback, so this one call is made by hand (same form, same auth).
async fn revoke(endpoint: &str, client: &TestClient, token: &str) -> anyhow::Result<()> {
    let response = reqwest::Client::new()
        .post(endpoint)
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "revocation failed: {}",
        response.status()
    );
    Ok(())
}

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";

async fn full_flow(alg: SigningAlg) -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let user_id = server.create_user(EMAIL, PASSWORD).await?;
    let client = server
        .create_client(ClientSpec {
            id_token_alg: alg,
            ..ClientSpec::default()
        })
        .await?;
    let http = http_client();

    // Discovery, exactly as an RP does it.
    let metadata = Metadata::discover_async(IssuerUrl::new(server.base.clone())?, &http).await?;
    let extra = metadata.additional_metadata().clone();
    assert_eq!(extra.code_challenge_methods_supported, vec!["S256"]);
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone())?)
    .set_introspection_url(IntrospectionUrl::new(extra.introspection_endpoint.clone())?);

    // Authorize with PKCE, nonce and state; log in through the real form.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser = server.browser();
    let back = browser
        .login_through(auth_url.as_str(), EMAIL, PASSWORD)
        .await?
        .away()?;
    assert!(back.as_str().starts_with(&client.redirect_uri));
    assert_eq!(
        Landing::query(&back, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(
        Landing::query(&back, "iss").as_deref(),
        Some(server.base.as_str())
    );
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;

    // Code exchange and ID token verification with openidconnect's own verifier.
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))?
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| anyhow::anyhow!("no id_token"))?;
    let verifier = rp.id_token_verifier();
    let claims = id_token.claims(&verifier, &nonce)?;
    assert_eq!(claims.subject().as_str(), user_id);
    assert_eq!(claims.email().map(|e| e.as_str()), Some(EMAIL));
    let signing_alg = id_token.signing_alg()?;
    let expected_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        signing_alg,
        id_token.signing_key(&verifier)?,
    )?;
    assert_eq!(claims.access_token_hash(), Some(&expected_hash));
    assert!(claims.auth_time().is_some());
    let amr: Vec<String> = claims
        .auth_method_refs()
        .map(|a| a.iter().map(|m| m.to_string()).collect())
        .unwrap_or_default();
    assert_eq!(amr, vec!["pwd"]);

    // Userinfo.
    let info: UserInfoClaims<EmptyAdditionalClaims, CoreGenderClaim> = rp
        .user_info(tokens.access_token().clone(), None)?
        .request_async(&http)
        .await?;
    assert_eq!(info.subject().as_str(), user_id);
    assert_eq!(info.email().map(|e| e.as_str()), Some(EMAIL));

    // Refresh rotates; the rotated token is then refused.
    let first_refresh = tokens
        .refresh_token()
        .ok_or_else(|| anyhow::anyhow!("no refresh token"))?
        .clone();
    let refreshed = rp
        .exchange_refresh_token(&first_refresh)?
        .request_async(&http)
        .await?;
    let second_refresh = refreshed
        .refresh_token()
        .ok_or_else(|| anyhow::anyhow!("no rotated refresh token"))?
        .clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    // Past the grace window for retries (5 s by default).
    server.clock.advance(6);
    assert!(
        rp.exchange_refresh_token(&first_refresh)?
            .request_async(&http)
            .await
            .is_err(),
        "a rotated refresh token must be refused"
    );

    // That reuse revoked the family: the newer token is dead too.
    let introspected = rp
        .introspect(&AccessToken::new(second_refresh.secret().clone()))
        .request_async(&http)
        .await?;
    assert!(!introspected.active());

    // A fresh login gives a live access token: introspect it, revoke it, introspect again.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    // Already signed in: the provider answers at once.
    let back = browser
        .follow(browser.get(auth_url.as_str()).await?)
        .await?
        .away()?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code"))?;
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))?
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| anyhow::anyhow!("no id_token"))?
        .clone();
    id_token.claims(&rp.id_token_verifier(), &nonce)?;
    let live = rp
        .introspect(tokens.access_token())
        .request_async(&http)
        .await?;
    assert!(live.active());
    assert_eq!(live.sub(), Some(user_id.as_str()));
    assert_eq!(
        live.client_id().map(|c| c.as_str()),
        Some(client.id.as_str())
    );
    revoke(
        &extra.revocation_endpoint,
        &client,
        tokens.access_token().secret(),
    )
    .await?;
    let dead = rp
        .introspect(tokens.access_token())
        .request_async(&http)
        .await?;
    assert!(
        !dead.active(),
        "a revoked access token reports active: false"
    );
    let refresh = tokens
        .refresh_token()
        .ok_or_else(|| anyhow::anyhow!("no refresh"))?;
    revoke(&extra.revocation_endpoint, &client, refresh.secret()).await?;
    assert!(
        rp.exchange_refresh_token(refresh)?
            .request_async(&http)
            .await
            .is_err()
    );

    // RP-initiated logout with id_token_hint, a registered post-logout URI and state.
    let logout_state = CsrfToken::new_random();
    let logout_url = LogoutRequest::from(EndSessionUrl::new(extra.end_session_endpoint.clone())?)
        .set_id_token_hint(&id_token)
        .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(
            client.post_logout_redirect_uri.clone(),
        )?)
        .set_state(logout_state.clone())
        .http_get_url();
    let after = browser
        .follow(browser.get(logout_url.as_str()).await?)
        .await?
        .away()?;
    assert!(after.as_str().starts_with(&client.post_logout_redirect_uri));
    assert_eq!(
        Landing::query(&after, "state").as_deref(),
        Some(logout_state.secret().as_str())
    );

    // The session is gone: prompt=none now answers login_required.
    let (auth_url, _, _) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(PkceCodeChallenge::new_random_sha256().0)
        .add_prompt(openidconnect::core::CoreAuthPrompt::None)
        .url();
    let back = browser
        .follow(browser.get(auth_url.as_str()).await?)
        .await?
        .away()?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("login_required")
    );
    Ok(())
}

#[tokio::test]
async fn full_flow_rs256() -> anyhow::Result<()> {
    full_flow(SigningAlg::RS256).await
}

#[tokio::test]
async fn full_flow_es256() -> anyhow::Result<()> {
    full_flow(SigningAlg::ES256).await
}

#[tokio::test]
async fn full_flow_eddsa() -> anyhow::Result<()> {
    full_flow(SigningAlg::EdDSA).await
}

//! Codes and refresh tokens are bound to the client they were issued to (Zitadel
//! CVE-2026-55672).
//!
//! What Poort does, and these tests hold it to:
//! - A code presented by another client (authenticated or public) is `invalid_grant` and no
//!   token is issued. The code is taken (single use) before the client is compared, so the
//!   attempt burns it: the rightful client's later redemption fails too, and the user signs in
//!   again. A code in a second client's hands has leaked; burning it is the safe side (RFC 6749
//!   §4.1.2: a code is used once), and the "denial of service" needs the leaked code.
//! - A code already redeemed by its client and then presented by another is a replay: refused,
//!   and the tokens it produced are revoked (RFC 6749 §4.1.2 SHOULD).
//! - Another client's refresh token is `invalid_grant` and is left as it was (not used, not
//!   revoked), unless it was already rotated: a used token in another client's hands is reuse,
//!   and revokes its family (no grace window for another client).
//! - Introspection (RFC 7662 leaves the policy to the server): access tokens are answered for
//!   any authenticated confidential client (resource servers introspect tokens issued to
//!   others); refresh tokens only for their own client, `active: false` for anyone else.
//! - Revocation (RFC 7009 §2.1): another client's token is not revoked; the answer is 200 as
//!   for an unknown token, so it tells the caller nothing.

use poort_tests::{ClientSpec, Pkce, TestClient, TestServer, setup};
use reqwest::StatusCode;
use serde_json::Value;

use super::support::{introspect, refresh, revoke, text};

fn other_client(public: bool) -> ClientSpec {
    ClientSpec {
        public,
        redirect_uri: "http://127.0.0.1:9999/other-callback".into(),
        ..ClientSpec::default()
    }
}

/// The refresh tokens stored for `client`.
async fn refresh_rows(server: &TestServer, client: &TestClient) -> anyhow::Result<usize> {
    use poort_store::entities::refresh_tokens::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    Ok(Entity::find()
        .filter(Column::ClientId.eq(client.id.as_str()))
        .count(server.state.db.conn())
        .await? as usize)
}

async fn redeem_as(
    server: &TestServer,
    client: &TestClient,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> anyhow::Result<(StatusCode, Value)> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    let response = server.token(client, &form).await?;
    Ok((response.status(), response.json().await?))
}

#[tokio::test]
async fn client_binding_zitadel_cve_2026_55672_a_code_is_refused_to_any_other_client()
-> anyhow::Result<()> {
    let (server, a, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let b = server.create_client(other_client(false)).await?;
    let public = server.create_client(other_client(true)).await?;

    // B, authenticated with its own secret, with A's redirect URI and with its own.
    for redirect_uri in [a.redirect_uri.as_str(), b.redirect_uri.as_str()] {
        let code = server.obtain_code(&browser, &a, None).await?;
        let (status, body) = redeem_as(&server, &b, &code, redirect_uri, None).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(text(&body, "error"), "invalid_grant");
        // The attempt used the code up: A cannot redeem it afterwards.
        let (status, body) = server.redeem(&a, &code, None).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    // A public client naming itself, with PKCE it never sent.
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &a, Some(&pkce)).await?;
    let (status, body) = redeem_as(
        &server,
        &public,
        &code,
        &a.redirect_uri,
        Some(&pkce.verifier),
    )
    .await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(text(&body, "error"), "invalid_grant");
    assert_eq!(refresh_rows(&server, &b).await?, 0, "nothing issued to B");
    assert_eq!(refresh_rows(&server, &public).await?, 0);
    assert_eq!(refresh_rows(&server, &a).await?, 0, "nor to A");

    // A code A redeemed, replayed by B: refused, and what A got is revoked.
    let code = server.obtain_code(&browser, &a, None).await?;
    let (status, tokens) = server.redeem(&a, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (status, body) = redeem_as(&server, &b, &code, &b.redirect_uri, None).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(refresh_rows(&server, &b).await?, 0);
    let (status, _) = refresh(&server, &a, &text(&tokens, "refresh_token")).await?;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the replay revoked A's tokens"
    );
    let info = introspect(&server, &a, &text(&tokens, "access_token")).await?;
    assert_eq!(info["active"], false);
    Ok(())
}

#[tokio::test]
async fn client_binding_zitadel_cve_2026_55672_refresh_introspection_and_revocation_stay_with_their_client()
-> anyhow::Result<()> {
    let (server, a, browser) = setup(ClientSpec::default(), |_| {}).await?;
    let b = server.create_client(other_client(false)).await?;
    let code = server.obtain_code(&browser, &a, None).await?;
    let (_, tokens) = server.redeem(&a, &code, None).await?;
    let first = text(&tokens, "refresh_token");

    // B refreshing A's token: refused, and the token is untouched.
    let (status, body) = refresh(&server, &b, &first).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(text(&body, "error"), "invalid_grant");
    assert_eq!(refresh_rows(&server, &b).await?, 0);
    let (status, body) = refresh(&server, &a, &first).await?;
    assert_eq!(status, StatusCode::OK, "A's token still works: {body}");
    let (access, current) = (text(&body, "access_token"), text(&body, "refresh_token"));

    // Introspection: A's refresh token is not B's to look at; access tokens are.
    assert_eq!(introspect(&server, &b, &current).await?["active"], false);
    assert_eq!(introspect(&server, &a, &current).await?["active"], true);
    let seen_by_b = introspect(&server, &b, &access).await?;
    assert_eq!(seen_by_b["active"], true);
    assert_eq!(seen_by_b["client_id"], a.id.as_str(), "{seen_by_b}");

    // Revocation by B: answered like an unknown token, and nothing is revoked.
    assert_eq!(revoke(&server, &b, &current).await?, StatusCode::OK);
    assert_eq!(revoke(&server, &b, &access).await?, StatusCode::OK);
    assert_eq!(introspect(&server, &a, &current).await?["active"], true);
    assert_eq!(introspect(&server, &a, &access).await?["active"], true);
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await?;
    assert_eq!(userinfo.status(), StatusCode::OK);

    // The same calls by A do revoke: the endpoint works, B was refused.
    assert_eq!(revoke(&server, &a, &current).await?, StatusCode::OK);
    assert_eq!(introspect(&server, &a, &current).await?["active"], false);
    let (status, _) = refresh(&server, &a, &current).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    Ok(())
}

//! PKCE for every client by default (OAuth 2.1, RFC 9700 §2.1.1): a confidential client's
//! authorization request without `code_challenge` is sent back with `invalid_request`; a
//! legacy confidential client the operator opted out (`pkce_required = false`) still gets a
//! code; a public client cannot be opted out; the admin API registers clients with PKCE
//! required unless told otherwise, shows the setting, and changes it (PATCH).

use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_server::flows::client_update;
use poort_server::flows::clients::{self, ClientInput, CreateClientError};
use poort_server::flows::orgs::Actor;
use poort_store::clients::ClientScope;
use poort_tests::browser::Landing;
use poort_tests::orgs::ALL_SCOPES;
use poort_tests::{ClientSpec, Pkce, TestClient, TestServer, setup, start_server};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Where the provider sends the browser for an authorize request without PKCE.
async fn without_pkce(
    server: &TestServer,
    browser: &poort_tests::Browser,
    client: &TestClient,
) -> anyhow::Result<url::Url> {
    let url = server.authorize_url(client, &[]);
    browser
        .login_through(&url, poort_tests::EMAIL, poort_tests::PASSWORD)
        .await?
        .away()
}

#[tokio::test]
async fn a_confidential_client_without_code_challenge_gets_invalid_request() -> anyhow::Result<()> {
    let spec = ClientSpec {
        pkce_required: true,
        ..ClientSpec::default()
    };
    let (server, client, browser) = setup(spec, |_| {}).await?;
    let back = without_pkce(&server, &browser, &client).await?;
    assert!(
        back.as_str().starts_with(&client.redirect_uri),
        "an error redirect to the client: {back}"
    );
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(Landing::query(&back, "state").as_deref(), Some("st4te"));
    assert!(Landing::query(&back, "code").is_none());

    // With PKCE: a code, redeemed only with its verifier.
    let pkce = Pkce::new();
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, body) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let code = server.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, body) = server.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    Ok(())
}

#[tokio::test]
async fn an_opted_out_legacy_client_gets_a_code_until_pkce_is_required_again() -> anyhow::Result<()>
{
    let spec = ClientSpec {
        pkce_required: false,
        ..ClientSpec::default()
    };
    let (server, client, browser) = setup(spec, |_| {}).await?;
    let back = without_pkce(&server, &browser, &client).await?;
    let code = Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))?;
    let (status, body) = server.redeem(&client, &code, None).await?;
    assert_eq!(status, StatusCode::OK, "{body}");

    // `poort client update ID --pkce-required true` (the flow the command runs).
    let found = set_pkce_required(&server, &client.id, true).await?;
    assert!(found.is_some());
    server.state.caches.clients.remove(&client.id);
    let back = without_pkce(&server, &browser, &client).await?;
    assert_eq!(
        Landing::query(&back, "error").as_deref(),
        Some("invalid_request")
    );
    let missing = set_pkce_required(&server, "no-such-client", false).await?;
    assert!(missing.is_none());
    Ok(())
}

#[tokio::test]
async fn a_public_client_cannot_be_opted_out_of_pkce() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let input = ClientInput {
        name: "SPA".into(),
        redirect_uris: vec!["http://127.0.0.1:9999/callback".into()],
        post_logout_redirect_uris: Vec::new(),
        public: true,
        first_party: false,
        grant_types: vec![GrantType::AuthorizationCode],
        id_token_alg: SigningAlg::RS256,
        allowed_scopes: Vec::new(),
        audiences: Vec::new(),
        org_id: None,
        pkce_required: false,
        web_origins: Vec::new(),
        backchannel_logout: None,
        token_exchange: None,
    };
    let refused = clients::create(&server.state.db, input, server.now(), &Actor::operator()).await;
    assert!(
        matches!(refused, Err(CreateClientError::PublicWithoutPkce)),
        "{:?}",
        refused.err()
    );
    let public = server
        .create_client(ClientSpec {
            public: true,
            ..ClientSpec::default()
        })
        .await?;
    let refused = set_pkce_required(&server, &public.id, false).await;
    assert!(matches!(refused, Err(CreateClientError::PublicWithoutPkce)));
    Ok(())
}

#[tokio::test]
async fn the_admin_api_registers_clients_with_pkce_required_unless_opted_out() -> anyhow::Result<()>
{
    let server = start_server(|_| {}).await?;
    let owner = server
        .create_user("owner@a.example", "a long and unguessable passphrase")
        .await?;
    let org = server.create_org("A", Some("owner@a.example")).await?;
    let token = server.access_token_for(&owner, ALL_SCOPES)?;
    let base = format!("/api/v1/orgs/{}/clients", org.id);
    let web_app = |extra: serde_json::Value| {
        let mut body = json!({
            "name": "Web app", "redirect_uris": ["https://app.example/cb"],
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };
    let created = server
        .api(Method::POST, &base, Some(&token), Some(web_app(json!({}))))
        .await?;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["pkce_required"], true);
    let legacy = server
        .api(
            Method::POST,
            &base,
            Some(&token),
            Some(web_app(json!({"pkce_required": false}))),
        )
        .await?;
    assert_eq!(legacy.status, StatusCode::CREATED, "{}", legacy.text);
    assert_eq!(legacy.json["pkce_required"], false);
    let public = server
        .api(
            Method::POST,
            &base,
            Some(&token),
            Some(web_app(json!({"public": true, "pkce_required": false}))),
        )
        .await?;
    assert_eq!(public.status, StatusCode::BAD_REQUEST, "{}", public.text);

    let listed = server.api(Method::GET, &base, Some(&token), None).await?;
    let flags: Vec<_> = listed.json["clients"]
        .as_array()
        .map(|list| list.iter().map(|c| c["pkce_required"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(flags, [json!(true), json!(false)], "{}", listed.text);

    // PATCH changes the setting, in the organisation's own clients only.
    let first = created.json["client_id"].as_str().unwrap_or_default();
    let path = format!("{base}/{first}");
    let opted_out = server
        .api(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"pkce_required": false})),
        )
        .await?;
    assert_eq!(opted_out.status, StatusCode::OK, "{}", opted_out.text);
    assert_eq!(opted_out.json["pkce_required"], false);
    let unknown_field = server
        .api(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"pkce_required": true, "public": true})),
        )
        .await?;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);
    let spa = server
        .api(
            Method::POST,
            &base,
            Some(&token),
            Some(web_app(json!({"public": true}))),
        )
        .await?;
    assert_eq!(spa.json["pkce_required"], true, "{}", spa.text);
    let spa_path = format!(
        "{base}/{}",
        spa.json["client_id"].as_str().unwrap_or_default()
    );
    let refused = server
        .api(
            Method::PATCH,
            &spa_path,
            Some(&token),
            Some(json!({"pkce_required": false})),
        )
        .await?;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);

    // Another organisation cannot see or change them: the same 404 as an unknown client.
    let other_owner = server
        .create_user("owner@b.example", "a long and unguessable passphrase")
        .await?;
    let other = server.create_org("B", Some("owner@b.example")).await?;
    let other_token = server.access_token_for(&other_owner, ALL_SCOPES)?;
    for client in [first, spa.json["client_id"].as_str().unwrap_or_default()] {
        let answer = server
            .api(
                Method::PATCH,
                &format!("/api/v1/orgs/{}/clients/{client}", other.id),
                Some(&other_token),
                Some(json!({"pkce_required": true})),
            )
            .await?;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
    }
    let listed = server.api(Method::GET, &base, Some(&token), None).await?;
    assert_eq!(listed.json["clients"][0]["pkce_required"], false);
    Ok(())
}

/// `poort client update ID --pkce-required BOOL`: the flow the command and the PATCH run.
async fn set_pkce_required(
    server: &poort_tests::TestServer,
    id: &str,
    required: bool,
) -> Result<Option<client_update::UpdatedClient>, CreateClientError> {
    let context = client_update::UpdateContext {
        db: &server.state.db,
        master_key: &server.state.master_key,
        outbound: &server.state.outbound,
    };
    let changes = client_update::ClientChanges {
        pkce_required: Some(required),
        ..Default::default()
    };
    client_update::update(
        &context,
        id,
        ClientScope::Any,
        changes,
        server.now(),
        &Actor::operator(),
    )
    .await
}

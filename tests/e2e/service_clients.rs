//! Service accounts: confidential clients using `client_credentials` through the `openidconnect`
//! crate, limited to their allowed scopes and audiences (RFC 8707 `resource`), with RFC 9068
//! JWT access tokens whose `aud` names the resource servers.

use openidconnect::core::{CoreClient, CoreErrorResponseType};
use openidconnect::{
    AccessToken, ClientId, ClientSecret, IntrospectionUrl, IssuerUrl, OAuth2TokenResponse,
    RequestTokenError, Scope, TokenIntrospectionResponse,
};
use poort_oidc::token_request::GrantType;
use poort_tests::jwt::audience_of;
use poort_tests::rp::{Metadata, http_client};
use poort_tests::{ClientSpec, TestClient, TestServer, start_server};

const REPORTS: &str = "https://reports.example/api";
const BILLING: &str = "https://billing.example/api";

fn service(scopes: &[&str], audiences: &[&str]) -> ClientSpec {
    ClientSpec {
        grants: vec![GrantType::ClientCredentials],
        allowed_scopes: scopes.iter().map(|s| s.to_string()).collect(),
        audiences: audiences.iter().map(|s| s.to_string()).collect(),
        ..ClientSpec::default()
    }
}

async fn relying_party(server: &TestServer, client: &TestClient) -> anyhow::Result<RelyingParty> {
    let http = http_client();
    let metadata = Metadata::discover_async(IssuerUrl::new(server.base.clone())?, &http).await?;
    let introspection = metadata
        .additional_metadata()
        .introspection_endpoint
        .clone();
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.id.clone()),
        client.secret.clone().map(ClientSecret::new),
    )
    .set_introspection_url(IntrospectionUrl::new(introspection)?))
}

type RelyingParty = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// What a token request gave: the access token, or the OAuth error code.
async fn request(
    rp: &RelyingParty,
    scopes: &[&str],
    resources: &[&str],
) -> anyhow::Result<Result<(String, Vec<String>), String>> {
    let http = http_client();
    let mut request = rp.exchange_client_credentials()?;
    for scope in scopes {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    for resource in resources {
        request = request.add_extra_param("resource", *resource);
    }
    Ok(match request.request_async(&http).await {
        Ok(response) => {
            let granted = response
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            Ok((response.access_token().secret().clone(), granted))
        }
        Err(RequestTokenError::ServerResponse(error)) => Err(match error.error() {
            CoreErrorResponseType::Extension(code) => code.clone(),
            known => serde_json::to_value(known)?
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }),
        Err(other) => anyhow::bail!("token request failed: {other:?}"),
    })
}

#[tokio::test]
async fn a_service_gets_its_allowed_scopes_and_audiences_and_nothing_else() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let client = server
        .create_client(service(
            &["reports.read", "reports.write"],
            &[REPORTS, BILLING],
        ))
        .await?;
    let rp = relying_party(&server, &client).await?;

    // Asking for nothing gives everything it may have.
    let (token, granted) = request(&rp, &[], &[]).await?.map_err(anyhow::Error::msg)?;
    assert_eq!(granted, ["reports.read", "reports.write"]);
    assert_eq!(audience_of(&token)?, [REPORTS, BILLING]);

    // A narrower scope and one resource: exactly that.
    let (token, granted) = request(&rp, &["reports.read"], &[REPORTS])
        .await?
        .map_err(anyhow::Error::msg)?;
    assert_eq!(granted, ["reports.read"]);
    assert_eq!(audience_of(&token)?, [REPORTS]);
    let http = http_client();
    let info = rp
        .introspect(&AccessToken::new(token))
        .request_async(&http)
        .await?;
    assert!(info.active());
    assert_eq!(info.aud().cloned().unwrap_or_default(), [REPORTS]);
    assert_eq!(info.sub(), Some(client.id.as_str()));
    let scopes: Vec<String> = info
        .scopes()
        .map(|s| s.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default();
    assert_eq!(scopes, ["reports.read"]);

    // Beyond what it was given: refused with the spec's errors.
    assert_eq!(
        request(&rp, &["reports.read", "admin"], &[]).await?,
        Err("invalid_scope".to_owned())
    );
    assert_eq!(
        request(&rp, &["openid"], &[]).await?,
        Err("invalid_scope".to_owned())
    );
    assert_eq!(
        request(&rp, &[], &[REPORTS, "https://evil.example/api"]).await?,
        Err("invalid_target".to_owned())
    );
    assert_eq!(
        request(&rp, &[], &["reports.example"]).await?,
        Err("invalid_target".to_owned())
    );
    assert_eq!(
        request(&rp, &[], &["https://reports.example/api#x"]).await?,
        Err("invalid_target".to_owned())
    );
    Ok(())
}

#[tokio::test]
async fn a_client_given_no_scopes_gets_a_bare_token_for_itself() -> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    let client = server.create_client(service(&[], &[])).await?;
    let rp = relying_party(&server, &client).await?;
    let (token, granted) = request(&rp, &[], &[]).await?.map_err(anyhow::Error::msg)?;
    assert!(granted.is_empty(), "{granted:?}");
    assert_eq!(audience_of(&token)?, vec![client.id.clone()]);
    assert_eq!(
        request(&rp, &["reports.read"], &[]).await?,
        Err("invalid_scope".to_owned())
    );
    assert_eq!(
        request(&rp, &[], &[REPORTS]).await?,
        Err("invalid_target".to_owned())
    );
    Ok(())
}

#[tokio::test]
async fn allowed_scopes_and_audiences_are_checked_when_the_client_is_registered()
-> anyhow::Result<()> {
    let server = start_server(|_| {}).await?;
    for spec in [
        service(&["openid"], &[]),
        service(&["two words"], &[]),
        service(&[], &["not-a-uri"]),
        service(&[], &["https://api.example/#fragment"]),
        // Only a client_credentials client acts for itself.
        ClientSpec {
            allowed_scopes: vec!["reports.read".into()],
            ..ClientSpec::default()
        },
    ] {
        let scopes = spec.allowed_scopes.clone();
        let audiences = spec.audiences.clone();
        assert!(
            server.create_client(spec).await.is_err(),
            "registered with {scopes:?} {audiences:?}"
        );
    }
    Ok(())
}

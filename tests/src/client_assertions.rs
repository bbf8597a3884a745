//! Helpers for tests of key-based client authentication (RFC 7523): keys and their JWKS,
//! assertions signed with a key or an HMAC secret, token requests that carry them.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_oidc::client_assertion::JWT_BEARER_ASSERTION_TYPE;
use poort_oidc::client_auth::ClientAuthMethod;
use poort_oidc::jose::{SigningAlg, SigningKey, sign_jwt};
use poort_oidc::token_request::GrantType;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{ClientSpec, TestClient, TestServer};

/// `{"keys": [...]}` with the public JWKs of `keys`.
pub fn jwks_of(keys: &[&SigningKey]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|key| serde_json::to_value(key.public_jwk()).unwrap_or_default())
        .collect();
    json!({ "keys": keys }).to_string()
}

/// A `client_credentials` client (allowed scope `reports.read`) registered for `method`.
pub fn service(method: ClientAuthMethod) -> ClientSpec {
    ClientSpec {
        grants: vec![GrantType::ClientCredentials],
        allowed_scopes: vec!["reports.read".into()],
        auth_method: Some(method),
        ..ClientSpec::default()
    }
}

pub fn new_key(alg: SigningAlg) -> anyhow::Result<SigningKey> {
    Ok(SigningKey::generate(alg)?.0)
}

/// The claims of a good assertion for `client_id` at `server`, now (a fresh `jti`).
pub fn claims(server: &TestServer, client_id: &str) -> Value {
    let now = server.now();
    json!({
        "iss": client_id, "sub": client_id, "aud": server.url("/token"),
        "iat": now, "exp": now + 60, "jti": uuid::Uuid::new_v4().to_string(),
    })
}

pub fn signed(key: &SigningKey, claims: &Value) -> anyhow::Result<String> {
    Ok(sign_jwt(key, "JWT", claims)?)
}

/// base64url of the JSON text of `value`.
pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// An HMAC-signed assertion (`client_secret_jwt`) with `key` as the HMAC key.
pub fn hmac_signed(alg: &str, key: &[u8], claims: &Value) -> String {
    let algorithm = match alg {
        "HS384" => hmac::HMAC_SHA384,
        "HS512" => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    };
    let input = format!(
        "{}.{}",
        b64(&json!({"alg": alg, "typ": "JWT"})),
        b64(claims)
    );
    let tag = hmac::sign(&hmac::Key::new(algorithm, key), input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// POSTs `form` to `path` with the assertion; the status and the JSON answer.
pub async fn post(
    server: &TestServer,
    path: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(StatusCode, Value)> {
    let response = reqwest::Client::new()
        .post(server.url(path))
        .form(form)
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.json().await?))
}

/// A `client_credentials` request authenticated by `assertion` alone.
pub async fn token_with(
    server: &TestServer,
    assertion: &str,
) -> anyhow::Result<(StatusCode, Value)> {
    post(
        server,
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER_ASSERTION_TYPE),
            ("client_assertion", assertion),
        ],
    )
    .await
}

/// The answer is the OAuth `code` (401 for `invalid_client`, else 400).
pub fn assert_refused(answer: &(StatusCode, Value), code: &str, case: &str) {
    let status = match code {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    assert_eq!(answer.0, status, "{case}: {}", answer.1);
    assert_eq!(answer.1["error"], code, "{case}: {}", answer.1);
}

/// The answer carries an access token.
pub fn assert_token(answer: &(StatusCode, Value), case: &str) {
    assert_eq!(answer.0, StatusCode::OK, "{case}: {}", answer.1);
    assert!(answer.1["access_token"].is_string(), "{case}: {}", answer.1);
}

/// A `private_key_jwt` service client with `key` registered inline.
pub async fn private_key_client(
    server: &TestServer,
    key: &SigningKey,
) -> anyhow::Result<TestClient> {
    server
        .create_client(ClientSpec {
            jwks: Some(jwks_of(&[key])),
            ..service(ClientAuthMethod::PrivateKeyJwt)
        })
        .await
}

//! The whole flow (login, callback, home, refresh, logout) and its failure pages, driven
//! through the app's router against a minimal fake provider on 127.0.0.1.
//!
//! The fake signs ID tokens with HS256 under the client secret (which every OpenID Connect
//! client must accept), so the tests need no key material, no network and no running Poort.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Form;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openidconnect::core::{CoreGenderClaim, CoreHmacKey, CoreJwsSigningAlgorithm};
use openidconnect::{
    AccessToken, AuthorizationCode, IdTokenClaims, PkceCodeChallenge, PkceCodeVerifier,
};
use serde_json::{Value, json};
use tower::ServiceExt;
use url::Url;

use crate::config::Config;
use crate::http_client::HttpClient;
use crate::oidc::{OtherClaims, Provider, RpIdToken};
use crate::routes::{AppState, router};
use crate::session::{SESSION_IDLE_TIMEOUT, SessionStore};

const CLIENT_ID: &str = "app";
const CLIENT_SECRET: &str = "a-client-secret-long-enough-for-hs256";

/// What the fake provider remembers between its endpoints.
#[derive(Default)]
struct FakeState {
    issuer: String,
    /// From the authorization request: (code_challenge, nonce).
    authorization: Option<(String, String)>,
    access_token: Option<String>,
    grants: Vec<String>,
    /// Makes the next ID token wrong in this way, to see the app refuse it.
    tamper: Option<Tamper>,
}

#[derive(Clone, Copy)]
enum Tamper {
    /// `at_hash` computed over another access token.
    AccessTokenHash,
    /// `nonce` other than the one in the authorization request.
    Nonce,
}

type Fake = Arc<Mutex<FakeState>>;

async fn start_fake_provider() -> (String, Fake) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let fake: Fake = Arc::new(Mutex::new(FakeState {
        issuer: issuer.clone(),
        ..FakeState::default()
    }));
    let routes = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(|| async { Json(json!({"keys": []})) }))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, routes).await });
    (issuer, fake)
}

async fn discovery(State(fake): State<Fake>) -> Json<Value> {
    let issuer = fake.lock().unwrap().issuer.clone();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "end_session_endpoint": format!("{issuer}/end_session"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["HS256"]
    }))
}

/// Logs the user in at once and redirects back with a code, as a provider would.
async fn authorize(
    State(fake): State<Fake>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Redirect {
    assert_eq!(params["code_challenge_method"], "S256");
    let mut fake = fake.lock().unwrap();
    fake.authorization = Some((params["code_challenge"].clone(), params["nonce"].clone()));
    let mut back = Url::parse(&params["redirect_uri"]).unwrap();
    back.query_pairs_mut()
        .append_pair("code", "the-code")
        .append_pair("state", &params["state"])
        .append_pair("iss", &fake.issuer);
    Redirect::to(back.as_str())
}

async fn token(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    assert_eq!(headers[header::AUTHORIZATION], basic.as_str());
    let mut fake = fake.lock().unwrap();
    let grant = form["grant_type"].clone();
    let (nonce, refresh_token) = match grant.as_str() {
        "authorization_code" => {
            let (challenge, nonce) = fake.authorization.take().expect("authorize came first");
            let verifier = PkceCodeVerifier::new(form["code_verifier"].clone());
            let computed = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
            if form["code"] != "the-code" || computed.as_str() != challenge {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "invalid_grant"})),
                )
                    .into_response();
            }
            (Some(nonce), "refresh-1")
        }
        "refresh_token" => {
            assert_eq!(form["refresh_token"], "refresh-1");
            (None, "refresh-2")
        }
        other => panic!("unexpected grant {other}"),
    };
    let access_token = format!("access-{}", fake.grants.len() + 1);
    let (nonce, hashed_access_token) = match fake.tamper.take() {
        None => (nonce, access_token.clone()),
        Some(Tamper::AccessTokenHash) => (nonce, "someone-elses-token".to_owned()),
        Some(Tamper::Nonce) => (Some("another-nonce".to_owned()), access_token.clone()),
    };
    let id_token = sign_id_token(&fake.issuer, nonce, &hashed_access_token);
    fake.access_token = Some(access_token.clone());
    fake.grants.push(grant);
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "refresh_token": refresh_token,
        "id_token": id_token.to_string(),
    }))
    .into_response()
}

fn sign_id_token(issuer: &str, nonce: Option<String>, access_token: &str) -> RpIdToken {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims: IdTokenClaims<OtherClaims, CoreGenderClaim> = serde_json::from_value(json!({
        "iss": issuer, "aud": CLIENT_ID, "sub": "user-1", "nonce": nonce,
        "iat": now, "exp": now + 300, "amr": ["pwd"], "org": "acme"
    }))
    .unwrap();
    RpIdToken::new(
        claims,
        &CoreHmacKey::new(CLIENT_SECRET),
        CoreJwsSigningAlgorithm::HmacSha256,
        Some(&AccessToken::new(access_token.to_owned())),
        None::<&AuthorizationCode>,
    )
    .unwrap()
}

async fn userinfo(State(fake): State<Fake>, headers: HeaderMap) -> Response {
    let expected = format!(
        "Bearer {}",
        fake.lock().unwrap().access_token.clone().unwrap()
    );
    if headers[header::AUTHORIZATION] != expected.as_str() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(json!({"sub": "user-1", "email": "ada@example.com", "name": "Ada <Lovelace>"}))
        .into_response()
}

/// The app under test, set up from the fake's discovery document.
async fn app_for(issuer: &str) -> Router {
    let config = Config::from_lookup(|name| match name {
        "POORT_ISSUER" => Some(issuer.to_owned()),
        "RP_CLIENT_ID" => Some(CLIENT_ID.to_owned()),
        "RP_CLIENT_SECRET" => Some(CLIENT_SECRET.to_owned()),
        _ => None,
    })
    .unwrap();
    let provider = Provider::discover(&config, HttpClient::new().unwrap())
        .await
        .unwrap();
    router(Arc::new(AppState {
        provider,
        sessions: SessionStore::new(SESSION_IDLE_TIMEOUT),
    }))
}

/// One request to the app; returns status, `Location`, `Set-Cookie` and body.
async fn send(
    app: &Router,
    method: &str,
    path_and_query: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, Option<String>, String) {
    let mut request = Request::builder().method(method).uri(path_and_query);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let text = |name| {
        response
            .headers()
            .get(name)
            .map(|value: &header::HeaderValue| value.to_str().unwrap().to_owned())
    };
    let location = text(header::LOCATION).unwrap_or_default();
    let set_cookie = text(header::SET_COOKIE);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        location,
        set_cookie,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

/// `/login` → the fake's `/authorize` → the callback path and query it redirects to.
async fn log_in_until_callback(app: &Router) -> (String, String) {
    let (status, authorize_url, set_cookie, _) = send(app, "GET", "/login", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let set_cookie = set_cookie.unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let at_provider = browser.get(&authorize_url).send().await.unwrap();
    let callback = Url::parse(at_provider.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(callback.path(), "/callback");
    (cookie, format!("/callback?{}", callback.query().unwrap()))
}

fn with_param(callback: &str, name: &str, value: &str) -> String {
    let mut url = Url::parse(&format!("http://app{callback}")).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(key, _)| key != name)
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair(name, value);
    format!("/callback?{}", url.query().unwrap())
}

#[tokio::test]
async fn login_refresh_and_logout_against_a_provider() {
    let (issuer, fake) = start_fake_provider().await;
    let app = app_for(&issuer).await;

    let (status, _, _, body) = send(&app, "GET", "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("href=\"/login\""));

    let (cookie, callback) = log_in_until_callback(&app).await;
    let (status, location, _, body) = send(&app, "GET", &callback, Some(&cookie)).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/"),
        "{body}"
    );

    let (status, _, _, home) = send(&app, "GET", "/", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("<code>user-1</code>"));
    assert!(
        home.contains("<th>org</th><td>acme</td>"),
        "provider's own claim shown"
    );
    assert!(
        home.contains("<th>email</th><td>ada@example.com</td>"),
        "userinfo shown"
    );
    assert!(home.contains("Ada &lt;Lovelace&gt;"));
    assert!(
        !home.contains("access-1") && !home.contains("refresh-1"),
        "no token printed"
    );

    let (status, location, _, body) = send(&app, "POST", "/refresh", Some(&cookie)).await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/"),
        "{body}"
    );
    assert_eq!(
        fake.lock().unwrap().grants,
        ["authorization_code", "refresh_token"]
    );
    let (_, _, _, home) = send(&app, "GET", "/", Some(&cookie)).await;
    assert!(home.contains("<th>org</th><td>acme</td>"));

    let (status, logout_url, _, _) = send(&app, "GET", "/logout", Some(&cookie)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let logout_url = Url::parse(&logout_url).unwrap();
    assert_eq!(logout_url.path(), "/end_session");
    let params: BTreeMap<String, String> = logout_url.query_pairs().into_owned().collect();
    assert_eq!(params["post_logout_redirect_uri"], "http://127.0.0.1:3000/");
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["id_token_hint"].split('.').count(), 3);

    let (_, _, _, home) = send(&app, "GET", "/", Some(&cookie)).await;
    assert!(home.contains("You are not logged in."));
    assert!(
        !home.contains("logged out at the provider"),
        "no state, no claim"
    );
    let back = format!("/?state={}", params["state"]);
    let (_, _, _, home) = send(&app, "GET", &back, Some(&cookie)).await;
    assert!(home.contains("You have been logged out at the provider."));
}

#[tokio::test]
async fn callback_rejects_wrong_state_and_is_single_use() {
    let (issuer, _fake) = start_fake_provider().await;
    let app = app_for(&issuer).await;
    let (cookie, callback) = log_in_until_callback(&app).await;

    let forged = with_param(&callback, "state", "forged");
    let (status, _, _, body) = send(&app, "GET", &forged, Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("does not match"));

    // The failed attempt used up the pending login: the genuine response is refused too.
    let (status, _, _, body) = send(&app, "GET", &callback, Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("no login in progress"));
}

#[tokio::test]
async fn callback_checks_issuer_and_shows_provider_errors_escaped() {
    let (issuer, _fake) = start_fake_provider().await;
    let app = app_for(&issuer).await;

    let (cookie, callback) = log_in_until_callback(&app).await;
    let mix_up = with_param(&callback, "iss", "http://evil.example");
    let (status, _, _, body) = send(&app, "GET", &mix_up, Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("http://evil.example"));

    let (cookie, callback) = log_in_until_callback(&app).await;
    let denied = with_param(
        &with_param(&callback, "error", "access_denied"),
        "error_description",
        "<b>no</b>",
    );
    let (status, _, _, body) = send(&app, "GET", &denied, Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("access_denied: &lt;b&gt;no&lt;/b&gt;"));
}

#[tokio::test]
async fn id_token_with_wrong_at_hash_or_nonce_is_refused() {
    let (issuer, fake) = start_fake_provider().await;
    let app = app_for(&issuer).await;

    for (tamper, message) in [
        (
            Tamper::AccessTokenHash,
            "does not match the ID token&#39;s at_hash",
        ),
        (Tamper::Nonce, "nonce"),
    ] {
        let (cookie, callback) = log_in_until_callback(&app).await;
        fake.lock().unwrap().tamper = Some(tamper);
        let (status, _, _, body) = send(&app, "GET", &callback, Some(&cookie)).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        assert!(body.contains(message), "{body}");
        let (_, _, _, home) = send(&app, "GET", "/", Some(&cookie)).await;
        assert!(home.contains("You are not logged in."));
    }
}

#[tokio::test]
async fn actions_without_a_session_are_refused_or_sent_home() {
    let (issuer, _fake) = start_fake_provider().await;
    let app = app_for(&issuer).await;

    let (status, _, _, _) = send(&app, "GET", "/callback?code=x&state=y", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _, _) = send(&app, "POST", "/refresh", Some("rp_session=unknown")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, location, _, _) = send(&app, "GET", "/logout", None).await;
    assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/"));
}

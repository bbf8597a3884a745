//! What one connection does per iteration: a fixed request, a refresh-token rotation chained
//! through the answers, or a whole browser login (authorize → login form → password → code →
//! token).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::http::{Conn, Response, request};

pub enum Outcome {
    Ok,
    /// The server answered, but not as expected (e.g. non-2xx).
    Unexpected(String),
    /// Transport trouble: connection refused or closed, timeout, unparsable answer.
    Error(String),
    /// This connection cannot go on (e.g. its refresh token chain broke and no spare is left).
    Stop(String),
}

/// A confidential client's credentials, as an `Authorization: Basic` value.
#[derive(Clone)]
pub struct ClientCreds {
    pub id: String,
    pub basic: String,
}

impl ClientCreds {
    pub fn new(id: &str, secret: &str) -> Self {
        let encode =
            |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
        let basic = STANDARD.encode(format!("{}:{}", encode(id), encode(secret)));
        Self {
            id: id.to_string(),
            basic: format!("Basic {basic}"),
        }
    }
}

pub struct LoginSetup {
    pub host: String,
    pub client: ClientCreds,
    pub redirect_uri: String,
    pub email: String,
    pub password: String,
}

pub enum Scenario {
    /// The same request every time; 2xx expected.
    Fixed(Arc<Vec<u8>>),
    /// `grant_type=refresh_token` with the token the previous answer returned (a fresh token per
    /// request, as clients do); spares replace a chain that breaks.
    Refresh {
        host: String,
        client: ClientCreds,
        token: Option<String>,
        spares: Arc<Mutex<Vec<String>>>,
    },
    Login(Arc<LoginSetup>),
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn expect(response: &Response, status: u16, step: &str) -> Result<(), Outcome> {
    if response.status == status {
        Ok(())
    } else {
        Err(Outcome::Unexpected(format!(
            "{step}: status {} (expected {status}): {:.200}",
            response.status,
            String::from_utf8_lossy(&response.body)
        )))
    }
}

async fn send(conn: &mut Conn, bytes: &[u8]) -> Result<Response, Outcome> {
    conn.send(bytes)
        .await
        .map_err(|e| Outcome::Error(format!("{e:#}")))
}

impl Scenario {
    pub async fn iterate(&mut self, conn: &mut Conn) -> Outcome {
        let result = match self {
            Scenario::Fixed(bytes) => match send(conn, bytes).await {
                Ok(response) if response.is_success() => Ok(()),
                Ok(response) => expect(&response, 200, "request"),
                Err(outcome) => Err(outcome),
            },
            Scenario::Refresh {
                host,
                client,
                token,
                spares,
            } => refresh(conn, host, client, token, spares).await,
            Scenario::Login(setup) => login(conn, setup).await,
        };
        match result {
            Ok(()) => Outcome::Ok,
            Err(outcome) => outcome,
        }
    }
}

fn take_spare(spares: &Mutex<Vec<String>>) -> Option<String> {
    spares.lock().ok().and_then(|mut list| list.pop())
}

async fn refresh(
    conn: &mut Conn,
    host: &str,
    client: &ClientCreds,
    token: &mut Option<String>,
    spares: &Mutex<Vec<String>>,
) -> Result<(), Outcome> {
    let current = match token.take().or_else(|| take_spare(spares)) {
        Some(t) => t,
        None => return Err(Outcome::Stop("no refresh token left".into())),
    };
    let body = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", current.as_str()),
    ]);
    let bytes = request(
        "POST",
        "/token",
        host,
        &[("Authorization", client.basic.as_str())],
        Some(&body),
    );
    let response = send(conn, &bytes).await?;
    expect(&response, 200, "refresh")?;
    let answer: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|e| Outcome::Unexpected(format!("refresh answer is not JSON: {e}")))?;
    match answer["refresh_token"].as_str() {
        Some(next) => {
            *token = Some(next.to_string());
            Ok(())
        }
        None => Err(Outcome::Unexpected("no refresh_token in the answer".into())),
    }
}

/// The value of `<input type="hidden" name="NAME" value="...">` in our pages.
fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

fn query_value(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn missing(what: &str) -> Outcome {
    Outcome::Unexpected(format!("login flow: {what} missing"))
}

/// One whole sign-in by a new browser: five requests on this connection.
async fn login(conn: &mut Conn, setup: &LoginSetup) -> Result<(), Outcome> {
    let host = setup.host.as_str();
    let verifier = format!("{}{}", rand_hex(), rand_hex());
    let challenge = poort_oidc::pkce::challenge_s256(&verifier);
    let query = form(&[
        ("client_id", setup.client.id.as_str()),
        ("redirect_uri", setup.redirect_uri.as_str()),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "bench"),
        ("nonce", "bench"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ]);

    let authorize = send(
        conn,
        &request("GET", &format!("/authorize?{query}"), host, &[], None),
    )
    .await?;
    expect(&authorize, 303, "authorize")?;
    let login_path = authorize
        .location
        .ok_or_else(|| missing("login location"))?;

    let page = send(conn, &request("GET", &login_path, host, &[], None)).await?;
    expect(&page, 200, "login page")?;
    let cookie = page
        .cookie("poort_session")
        .ok_or_else(|| missing("session cookie"))?;
    let html = String::from_utf8_lossy(&page.body);
    let csrf = hidden_field(&html, "csrf").ok_or_else(|| missing("csrf field"))?;
    let tx = hidden_field(&html, "tx").ok_or_else(|| missing("tx field"))?;

    let cookie_header = format!("poort_session={cookie}");
    let body = form(&[
        ("csrf", csrf.as_str()),
        ("tx", tx.as_str()),
        ("login", setup.email.as_str()),
        ("password", setup.password.as_str()),
    ]);
    let submitted = send(
        conn,
        &request(
            "POST",
            "/login",
            host,
            &[("Cookie", cookie_header.as_str())],
            Some(&body),
        ),
    )
    .await?;
    expect(&submitted, 303, "login submit")?;
    let resume_path = submitted
        .location
        .clone()
        .ok_or_else(|| missing("resume location"))?;
    let session = submitted
        .cookie("poort_session")
        .ok_or_else(|| missing("new session cookie"))?;

    let cookie_header = format!("poort_session={session}");
    let resumed = send(
        conn,
        &request(
            "GET",
            &resume_path,
            host,
            &[("Cookie", cookie_header.as_str())],
            None,
        ),
    )
    .await?;
    expect(&resumed, 302, "resume")?;
    let back = resumed
        .location
        .as_deref()
        .and_then(|l| url::Url::parse(l).ok())
        .ok_or_else(|| missing("redirect to the client"))?;
    let code = query_value(&back, "code").ok_or_else(|| missing("code"))?;

    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", setup.redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ]);
    let token = send(
        conn,
        &request(
            "POST",
            "/token",
            host,
            &[("Authorization", setup.client.basic.as_str())],
            Some(&body),
        ),
    )
    .await?;
    expect(&token, 200, "code redemption")?;
    if !token.body.windows(10).any(|w| w == b"\"id_token\"") {
        return Err(missing("id_token"));
    }
    Ok(())
}

fn rand_hex() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn reads_hidden_fields_and_basic_credentials() {
        let html = r#"<input type="hidden" name="csrf" value="abc"><input type="hidden" name="tx" value="t-1">"#;
        assert_eq!(hidden_field(html, "csrf").as_deref(), Some("abc"));
        assert_eq!(hidden_field(html, "tx").as_deref(), Some("t-1"));
        assert_eq!(hidden_field(html, "nope"), None);
        // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
        let creds = ClientCreds::new("a:b", "s");
        assert_eq!(creds.basic, format!("Basic {}", STANDARD.encode("a%3Ab:s")));
    }
}

//! Which client a token, introspection or revocation request says it is, and how it
//! authenticates (RFC 6749 §2.3.1): HTTP Basic, body parameters, a JWT client assertion
//! (RFC 7523 §2.2), or no secret at all. Checking the secret or the assertion's signature is
//! the caller's job (it has the stored digest and the client's keys).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::client_assertion::{ClientAssertion, JWT_BEARER_ASSERTION_TYPE};
use crate::error::OAuthError;
use crate::secret::Secret;
use crate::token_request::BodyClientCredentials;

/// Standard base64 that accepts the credentials with or without `=` padding.
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Longer Authorization headers are refused before decoding.
const MAX_HEADER_LEN: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    /// A JWT signed with one of the client's registered public keys (RFC 7523).
    PrivateKeyJwt,
    /// A JWT whose HMAC key is the client secret (OpenID Connect Core §9).
    ClientSecretJwt,
    /// A public client: only `client_id`, no secret.
    None,
}

impl ClientAuthMethod {
    /// The name used in discovery and client registration metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::None => "none",
        }
    }

    /// Every method, in the order discovery lists them.
    pub const ALL: [ClientAuthMethod; 5] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
        Self::ClientSecretJwt,
        Self::None,
    ];

    /// The method named `text` in registration metadata, if we know it.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|method| method.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedClient {
    pub client_id: String,
    pub secret: Option<Secret>,
    pub method: ClientAuthMethod,
    /// For `private_key_jwt` and `client_secret_jwt`: the assertion, parsed but not verified.
    pub assertion: Option<Box<ClientAssertion>>,
}

/// Combines the `Authorization` header (if any) with the body credentials.
/// Using two methods at once is `invalid_request`; no client id, or an unreadable
/// Basic header or client assertion, is `invalid_client`.
pub fn presented_client(
    authorization_header: Option<&str>,
    body: BodyClientCredentials,
) -> Result<PresentedClient, OAuthError> {
    if body.client_assertion.is_some() || body.client_assertion_type.is_some() {
        if authorization_header.is_some() || body.client_secret.is_some() {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not a client assertion and a secret",
            ));
        }
        return from_assertion(body);
    }
    let Some(header) = authorization_header else {
        return from_body(body);
    };
    let (id, secret) = parse_basic(header)?;
    if body.client_secret.is_some() {
        return Err(OAuthError::invalid_request(
            "use one client authentication method, not Basic and client_secret together",
        ));
    }
    if body
        .client_id
        .as_deref()
        .is_some_and(|body_id| body_id != id)
    {
        return Err(OAuthError::invalid_request(
            "client_id in the body differs from the Basic credentials",
        ));
    }
    // "id:" with an empty password is how some public clients send their id.
    let (secret, method) = if secret.is_empty() {
        (None, ClientAuthMethod::None)
    } else {
        (
            Some(Secret::new(secret)),
            ClientAuthMethod::ClientSecretBasic,
        )
    };
    Ok(PresentedClient {
        client_id: id,
        secret,
        method,
        assertion: None,
    })
}

/// `client_assertion_type` + `client_assertion` (RFC 7523 §2.2); the client is the
/// assertion's `iss`, which `sub` and any `client_id` parameter must repeat.
fn from_assertion(body: BodyClientCredentials) -> Result<PresentedClient, OAuthError> {
    let (Some(assertion_type), Some(assertion)) =
        (body.client_assertion_type, body.client_assertion)
    else {
        return Err(OAuthError::invalid_request(
            "client_assertion and client_assertion_type go together",
        ));
    };
    if assertion_type != JWT_BEARER_ASSERTION_TYPE {
        return Err(OAuthError::invalid_request(format!(
            "client_assertion_type must be {JWT_BEARER_ASSERTION_TYPE}"
        )));
    }
    let assertion = ClientAssertion::parse(assertion.expose())
        .map_err(|why| OAuthError::invalid_client(why.to_string()))?;
    let client_id = assertion.issuer().to_owned();
    if body.client_id.is_some_and(|body_id| body_id != client_id) {
        return Err(OAuthError::invalid_request(
            "client_id differs from the client assertion's issuer",
        ));
    }
    Ok(PresentedClient {
        client_id,
        secret: None,
        method: assertion.method(),
        assertion: Some(Box::new(assertion)),
    })
}

fn from_body(body: BodyClientCredentials) -> Result<PresentedClient, OAuthError> {
    let Some(client_id) = body.client_id else {
        return Err(OAuthError::invalid_client(
            "client authentication is required",
        ));
    };
    let method = if body.client_secret.is_some() {
        ClientAuthMethod::ClientSecretPost
    } else {
        ClientAuthMethod::None
    };
    Ok(PresentedClient {
        client_id,
        secret: body.client_secret,
        method,
        assertion: None,
    })
}

/// Reads `Basic base64(urlencode(id) ":" urlencode(secret))` into the decoded id and secret.
fn parse_basic(header: &str) -> Result<(String, String), OAuthError> {
    let unreadable = || OAuthError::invalid_client("malformed Basic credentials");
    if header.len() > MAX_HEADER_LEN {
        return Err(unreadable());
    }
    let (scheme, credentials) = header.trim().split_once(' ').ok_or_else(unreadable)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client(
            "only the Basic authorization scheme is accepted here",
        ));
    }
    let decoded = BASIC_BASE64
        .decode(credentials.trim_start())
        .map_err(|_| unreadable())?;
    let decoded = String::from_utf8(decoded).map_err(|_| unreadable())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(unreadable)?;
    let id = form_urldecode(id).ok_or_else(unreadable)?;
    let secret = form_urldecode(secret).ok_or_else(unreadable)?;
    if id.is_empty() {
        return Err(unreadable());
    }
    Ok((id, secret))
}

/// application/x-www-form-urlencoded decoding of one value: `+` is a space, `%XX` a byte.
/// `None` for a broken escape or a result that is not UTF-8.
fn form_urldecode(input: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(input.len());
    let mut rest = input.bytes();
    while let Some(byte) = rest.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = hex_value(rest.next()?)?;
                let low = hex_value(rest.next()?)?;
                bytes.push(high << 4 | low);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

    use super::*;
    use crate::error::ErrorCode;

    fn basic(raw: &str) -> String {
        format!("Basic {}", STANDARD.encode(raw))
    }

    fn body(id: Option<&str>, secret: Option<&str>) -> BodyClientCredentials {
        BodyClientCredentials {
            client_id: id.map(str::to_owned),
            client_secret: secret.map(Secret::new),
            ..Default::default()
        }
    }

    #[test]
    fn basic_credentials_are_form_urldecoded() {
        let header = basic("my%3Aclient+id:p%40ss+word%2B");
        let client = presented_client(Some(&header), body(None, None)).unwrap();
        assert_eq!(client.client_id, "my:client id");
        assert_eq!(client.secret.unwrap().expose(), "p@ss word+");
        assert_eq!(client.method, ClientAuthMethod::ClientSecretBasic);
    }

    #[test]
    fn basic_scheme_is_case_insensitive_and_padding_optional() {
        let header = format!("bAsIc {}", STANDARD_NO_PAD.encode("app:s"));
        let client = presented_client(Some(&header), body(Some("app"), None)).unwrap();
        assert_eq!(client.client_id, "app");
        assert_eq!(client.method, ClientAuthMethod::ClientSecretBasic);
    }

    #[test]
    fn basic_with_empty_password_is_a_public_client() {
        let client = presented_client(Some(&basic("app:")), body(None, None)).unwrap();
        assert_eq!(client.secret, None);
        assert_eq!(client.method, ClientAuthMethod::None);
    }

    #[test]
    fn body_credentials() {
        let post = presented_client(None, body(Some("app"), Some("s"))).unwrap();
        assert_eq!(post.method, ClientAuthMethod::ClientSecretPost);
        assert_eq!(post.secret.unwrap().expose(), "s");
        let public = presented_client(None, body(Some("app"), None)).unwrap();
        assert_eq!(public.method, ClientAuthMethod::None);
        assert_eq!(public.client_id, "app");
    }

    #[test]
    fn conflicts_are_invalid_request() {
        let header = basic("app:s");
        let both = presented_client(Some(&header), body(None, Some("s"))).unwrap_err();
        assert_eq!(both.code, ErrorCode::InvalidRequest);
        let other_id = presented_client(Some(&header), body(Some("other"), None)).unwrap_err();
        assert_eq!(other_id.code, ErrorCode::InvalidRequest);
    }

    fn with_assertion(
        id: Option<&str>,
        kind: Option<&str>,
        assertion: Option<&str>,
    ) -> BodyClientCredentials {
        BodyClientCredentials {
            client_id: id.map(str::to_owned),
            client_assertion_type: kind.map(str::to_owned),
            client_assertion: assertion.map(Secret::new),
            ..Default::default()
        }
    }

    fn hs256_assertion(iss: &str) -> String {
        let b64 = |value: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
        };
        let claims = serde_json::json!({"iss": iss, "sub": iss, "aud": "x", "exp": 1, "jti": "j"});
        format!(
            "{}.{}.c2ln",
            b64(serde_json::json!({"alg": "HS256"})),
            b64(claims)
        )
    }

    #[test]
    fn a_client_assertion_names_the_client_and_its_method() {
        let jwt = hs256_assertion("app");
        let client = presented_client(
            None,
            with_assertion(None, Some(JWT_BEARER_ASSERTION_TYPE), Some(&jwt)),
        )
        .unwrap();
        assert_eq!(client.client_id, "app");
        assert_eq!(client.method, ClientAuthMethod::ClientSecretJwt);
        assert!(client.assertion.is_some() && client.secret.is_none());
        let same_id = with_assertion(Some("app"), Some(JWT_BEARER_ASSERTION_TYPE), Some(&jwt));
        assert!(presented_client(None, same_id).is_ok());
    }

    #[test]
    fn client_assertion_refusals() {
        let jwt = hs256_assertion("app");
        let kind = Some(JWT_BEARER_ASSERTION_TYPE);
        let code = |header: Option<&str>, body| presented_client(header, body).unwrap_err().code;
        let other_id = with_assertion(Some("other"), kind, Some(&jwt));
        assert_eq!(code(None, other_id), ErrorCode::InvalidRequest);
        let with_basic = with_assertion(None, kind, Some(&jwt));
        assert_eq!(
            code(Some(&basic("app:s")), with_basic),
            ErrorCode::InvalidRequest
        );
        let with_secret = BodyClientCredentials {
            client_secret: Some(Secret::new("s")),
            ..with_assertion(None, kind, Some(&jwt))
        };
        assert_eq!(code(None, with_secret), ErrorCode::InvalidRequest);
        assert_eq!(
            code(None, with_assertion(None, None, Some(&jwt))),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            code(None, with_assertion(None, kind, None)),
            ErrorCode::InvalidRequest
        );
        let saml = Some("urn:ietf:params:oauth:client-assertion-type:saml2-bearer");
        assert_eq!(
            code(None, with_assertion(None, saml, Some(&jwt))),
            ErrorCode::InvalidRequest
        );
        let huge = "a".repeat(crate::client_assertion::MAX_ASSERTION_LEN + 1);
        for bad in ["not a jwt", huge.as_str()] {
            assert_eq!(
                code(None, with_assertion(None, kind, Some(bad))),
                ErrorCode::InvalidClient
            );
        }
    }

    #[test]
    fn no_client_or_hostile_headers_are_invalid_client() {
        let long = format!("Basic {}", "A".repeat(MAX_HEADER_LEN));
        let not_utf8 = format!("Basic {}", STANDARD.encode([0xff, 0xfe, b':', b'x']));
        let bad_escape = basic("app%:s");
        let escaped_not_utf8 = basic("app%FF:s");
        let headers = [
            "Basic",
            "Basic !!!notbase64",
            "Bearer abc",
            "",
            "Basic Og==", // ":" alone: empty id
            long.as_str(),
            not_utf8.as_str(),
            bad_escape.as_str(),
            escaped_not_utf8.as_str(),
        ];
        for header in headers {
            let error = presented_client(Some(header), body(None, None)).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidClient, "{header:?}");
        }
        let missing = presented_client(None, body(None, Some("s"))).unwrap_err();
        assert_eq!(missing.code, ErrorCode::InvalidClient);
        let no_colon = presented_client(Some(&basic("app")), body(None, None)).unwrap_err();
        assert_eq!(no_colon.code, ErrorCode::InvalidClient);
    }
}

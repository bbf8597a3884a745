//! Which client a token, introspection or revocation request says it is, and how it
//! authenticates (RFC 6749 §2.3.1): HTTP Basic, body parameters, or no secret at all.
//! Checking the secret itself is the caller's job (it has the stored digest).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

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
    /// A public client: only `client_id`, no secret.
    None,
}

impl ClientAuthMethod {
    /// The name used in discovery and client registration metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedClient {
    pub client_id: String,
    pub secret: Option<Secret>,
    pub method: ClientAuthMethod,
}

/// Combines the `Authorization` header (if any) with the body credentials.
/// Using two methods at once is `invalid_request`; no client id, or an unreadable
/// Basic header, is `invalid_client`.
pub fn presented_client(
    authorization_header: Option<&str>,
    body: BodyClientCredentials,
) -> Result<PresentedClient, OAuthError> {
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

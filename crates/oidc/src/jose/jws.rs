//! Compact JWS (RFC 7515) for our own tokens: signing claims with a [`SigningKey`], and
//! verifying a token against the [`KeySet`] the way RFC 8725 asks (explicit typ, the key's
//! own algorithm, no `none`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::alg::SigningAlg;
use super::error::JoseError;
use super::key::SigningKey;
use super::keyset::KeySet;

/// Tokens longer than this are refused before any parsing; ours are well under 4 KiB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

#[derive(Serialize)]
struct SignedHeader<'a> {
    alg: SigningAlg,
    typ: &'a str,
    kid: &'a str,
}

/// The protected header of a received token. serde refuses duplicate members.
#[derive(Deserialize)]
struct ReceivedHeader {
    alg: String,
    typ: Option<String>,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

/// Signs `claims` as a compact JWS with the protected header `{"alg","typ","kid"}`.
pub fn sign_jwt<T: Serialize>(
    key: &SigningKey,
    typ: &str,
    claims: &T,
) -> Result<String, JoseError> {
    let serialize_error = |error: serde_json::Error| JoseError::Serialize(error.to_string());
    let header = serde_json::to_vec(&SignedHeader {
        alg: key.alg(),
        typ,
        kid: key.kid(),
    })
    .map_err(serialize_error)?;
    let payload = serde_json::to_vec(claims).map_err(serialize_error)?;
    let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 400);
    URL_SAFE_NO_PAD.encode_string(header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    Ok(token)
}

/// Verifies a compact JWS signed by one of `keys` and returns its claims. Refuses `alg`
/// `none`, an `alg` other than that of the key named by `kid`, a `typ` other than
/// `expected_typ` (compared case-insensitively, `application/` prefix optional), any `crit`
/// header, and a bad signature. Time claims are the caller's to check.
pub fn verify_jwt<T: DeserializeOwned>(
    keys: &KeySet,
    token: &str,
    expected_typ: &str,
) -> Result<T, JoseError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JoseError::TooLarge);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JoseError::Malformed("a JWS has exactly three parts"));
    };
    let header_json = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| JoseError::Malformed("header is not base64url"))?;
    let header: ReceivedHeader = serde_json::from_slice(&header_json)
        .map_err(|_| JoseError::Malformed("header is not the expected JSON object"))?;
    if header.alg.eq_ignore_ascii_case("none") {
        return Err(JoseError::AlgNone);
    }
    let alg: SigningAlg = header.alg.parse()?;
    if header.crit.is_some() {
        return Err(JoseError::UnsupportedCritical);
    }
    let kid = header.kid.ok_or(JoseError::MissingKid)?;
    let key = keys.find(&kid).ok_or(JoseError::UnknownKid)?;
    if key.alg() != alg {
        return Err(JoseError::AlgMismatch);
    }
    match header.typ.as_deref() {
        Some(typ) if same_media_type(typ, expected_typ) => {}
        Some(_) | None => return Err(JoseError::WrongType),
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| JoseError::Malformed("signature is not base64url"))?;
    let signing_input_len = header_b64.len() + 1 + payload_b64.len();
    let signing_input = token
        .as_bytes()
        .get(..signing_input_len)
        .ok_or(JoseError::Malformed("truncated token"))?;
    key.verify(signing_input, &signature)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| JoseError::Malformed("payload is not base64url"))?;
    serde_json::from_slice(&payload).map_err(|error| JoseError::Claims(error.to_string()))
}

/// RFC 7515 §4.1.9: `typ` is a media type whose `application/` prefix may be left out,
/// and media types compare case-insensitively.
fn same_media_type(received: &str, expected: &str) -> bool {
    fn short_form(typ: &str) -> &str {
        match typ.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => {
                typ.get(12..).unwrap_or("")
            }
            Some(_) | None => typ,
        }
    }
    short_form(received).eq_ignore_ascii_case(short_form(expected))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn key_set(alg: SigningAlg) -> KeySet {
        let (key, _) = SigningKey::generate(alg).unwrap();
        let kid = key.kid().to_owned();
        KeySet::new(vec![key], &[kid]).unwrap()
    }

    fn claims() -> Value {
        json!({"iss": "https://id.example.com", "sub": "u1", "exp": 1_900_000_000})
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    fn parts(token: &str) -> Vec<String> {
        token.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn sign_then_verify_for_every_algorithm() {
        for alg in SigningAlg::ALL {
            let keys = key_set(alg);
            let signer = keys.signer(alg).unwrap();
            let token = sign_jwt(signer, "at+jwt", &claims()).unwrap();
            let header: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts(&token)[0]).unwrap())
                    .unwrap();
            assert_eq!(
                header,
                json!({"alg": alg.as_str(), "typ": "at+jwt", "kid": signer.kid()})
            );
            let back: Value = verify_jwt(&keys, &token, "at+jwt").unwrap();
            assert_eq!(back, claims(), "{alg}");
            assert!(!token.contains('='), "padding in {token}");
        }
    }

    #[test]
    fn typ_comparison_follows_rfc_8725() {
        let keys = key_set(SigningAlg::ES256);
        let token = sign_jwt(
            keys.signer(SigningAlg::ES256).unwrap(),
            "application/AT+JWT",
            &claims(),
        )
        .unwrap();
        assert!(verify_jwt::<Value>(&keys, &token, "at+jwt").is_ok());
        assert!(verify_jwt::<Value>(&keys, &token, "application/at+jwt").is_ok());
        assert_eq!(
            verify_jwt::<Value>(&keys, &token, "JWT").unwrap_err(),
            JoseError::WrongType
        );

        let id_token = sign_jwt(keys.signer(SigningAlg::ES256).unwrap(), "JWT", &claims()).unwrap();
        assert_eq!(
            verify_jwt::<Value>(&keys, &id_token, "at+jwt").unwrap_err(),
            JoseError::WrongType
        );
    }

    #[test]
    fn refuses_alg_none() {
        let keys = key_set(SigningAlg::ES256);
        let kid = keys.signer(SigningAlg::ES256).unwrap().kid().to_owned();
        for alg in ["none", "None", "NONE"] {
            let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
            let token = format!("{}.{}.", b64(&header), b64(&claims()));
            assert_eq!(
                verify_jwt::<Value>(&keys, &token, "JWT").unwrap_err(),
                JoseError::AlgNone
            );
        }
    }

    /// Swaps the token's header for a forged one, keeping payload and signature.
    fn with_header(token: &str, header: &Value) -> String {
        let parts = parts(token);
        format!("{}.{}.{}", b64(header), parts[1], parts[2])
    }

    #[test]
    fn refuses_an_alg_that_is_not_the_keys() {
        let keys = key_set(SigningAlg::RS256);
        let signer = keys.signer(SigningAlg::RS256).unwrap();
        let token = sign_jwt(signer, "JWT", &claims()).unwrap();
        for alg in ["ES256", "EdDSA"] {
            let forged = with_header(
                &token,
                &json!({"alg": alg, "typ": "JWT", "kid": signer.kid()}),
            );
            assert_eq!(
                verify_jwt::<Value>(&keys, &forged, "JWT").unwrap_err(),
                JoseError::AlgMismatch
            );
        }
        let hmac = with_header(
            &token,
            &json!({"alg": "HS256", "typ": "JWT", "kid": signer.kid()}),
        );
        assert!(matches!(
            verify_jwt::<Value>(&keys, &hmac, "JWT").unwrap_err(),
            JoseError::UnsupportedAlg(_)
        ));
    }

    #[test]
    fn refuses_unknown_or_missing_kid_and_crit() {
        let keys = key_set(SigningAlg::EdDSA);
        let signer = keys.signer(SigningAlg::EdDSA).unwrap();
        let token = sign_jwt(signer, "JWT", &claims()).unwrap();
        let unknown = with_header(
            &token,
            &json!({"alg": "EdDSA", "typ": "JWT", "kid": "other"}),
        );
        assert_eq!(
            verify_jwt::<Value>(&keys, &unknown, "JWT").unwrap_err(),
            JoseError::UnknownKid
        );
        let missing = with_header(&token, &json!({"alg": "EdDSA", "typ": "JWT"}));
        assert_eq!(
            verify_jwt::<Value>(&keys, &missing, "JWT").unwrap_err(),
            JoseError::MissingKid
        );
        let no_typ = with_header(&token, &json!({"alg": "EdDSA", "kid": signer.kid()}));
        assert_eq!(
            verify_jwt::<Value>(&keys, &no_typ, "JWT").unwrap_err(),
            JoseError::WrongType
        );
        let crit = with_header(
            &token,
            &json!({"alg": "EdDSA", "typ": "JWT", "kid": signer.kid(), "crit": ["exp"], "exp": 1}),
        );
        assert_eq!(
            verify_jwt::<Value>(&keys, &crit, "JWT").unwrap_err(),
            JoseError::UnsupportedCritical
        );
    }

    #[test]
    fn refuses_tampering_and_foreign_signatures() {
        let keys = key_set(SigningAlg::ES256);
        let token = sign_jwt(keys.signer(SigningAlg::ES256).unwrap(), "JWT", &claims()).unwrap();
        let parts = parts(&token);

        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            b64(&json!({"sub": "admin"})),
            parts[2]
        );
        assert_eq!(
            verify_jwt::<Value>(&keys, &tampered, "JWT").unwrap_err(),
            JoseError::BadSignature
        );

        let header_changed = with_header(
            &token,
            &json!({"typ": "JWT", "alg": "ES256", "kid": keys.signer(SigningAlg::ES256).unwrap().kid()}),
        );
        assert_eq!(
            verify_jwt::<Value>(&keys, &header_changed, "JWT").unwrap_err(),
            JoseError::BadSignature
        );

        // A token from another key that claims our kid.
        let (stranger, _) = SigningKey::generate(SigningAlg::ES256).unwrap();
        let foreign = sign_jwt(&stranger, "JWT", &claims()).unwrap();
        let foreign_parts = self::parts(&foreign);
        let spliced = format!("{}.{}.{}", parts[0], parts[1], foreign_parts[2]);
        assert_eq!(
            verify_jwt::<Value>(&keys, &spliced, "JWT").unwrap_err(),
            JoseError::BadSignature
        );
    }

    #[test]
    fn refuses_garbage_without_panicking() {
        let keys = key_set(SigningAlg::EdDSA);
        let token = sign_jwt(keys.signer(SigningAlg::EdDSA).unwrap(), "JWT", &claims()).unwrap();
        let parts = parts(&token);
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        let four_parts = format!("{token}.x");
        let padded = format!("{}=.{}.{}", parts[0], parts[1], parts[2]);
        let bad_signature_b64 = format!("{}.{}.!!", parts[0], parts[1]);
        let array_header = format!("{}.{}.{}", b64(&json!([1, 2])), parts[1], parts[2]);
        let duplicate_alg = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"EdDSA","alg":"none","typ":"JWT"}"#),
            parts[1],
            parts[2]
        );
        let inputs = [
            "",
            ".",
            "..",
            "a.b",
            "\u{0}.\u{0}.\u{0}",
            "é.é.é",
            huge.as_str(),
            four_parts.as_str(),
            padded.as_str(),
            bad_signature_b64.as_str(),
            array_header.as_str(),
            duplicate_alg.as_str(),
        ];
        for input in inputs {
            let error = verify_jwt::<Value>(&keys, input, "JWT").unwrap_err();
            assert!(
                matches!(error, JoseError::Malformed(_) | JoseError::TooLarge),
                "{input:.40}: {error:?}"
            );
        }
    }

    #[test]
    fn claims_of_the_wrong_shape_are_an_error() {
        #[derive(Debug, Deserialize)]
        struct Needs {
            #[allow(dead_code)]
            aud: String,
        }
        let keys = key_set(SigningAlg::EdDSA);
        let token = sign_jwt(keys.signer(SigningAlg::EdDSA).unwrap(), "JWT", &claims()).unwrap();
        assert!(matches!(
            verify_jwt::<Needs>(&keys, &token, "JWT").unwrap_err(),
            JoseError::Claims(_)
        ));
    }
}

//! JWT client assertions (RFC 7523 §2.2 and §3, OpenID Connect Core §9): `private_key_jwt`
//! (signed with the client's registered key) and `client_secret_jwt` (HMAC with its secret).
//! Parsing, the claim rules and signature checks; finding the keys, refusing a replayed `jti`
//! and comparing with the client's registered method are the caller's.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

use crate::client_auth::ClientAuthMethod;
use crate::jose::{ClientAlg, ClientJwks, JoseError, verify_hmac};

/// `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Longer assertions are refused before decoding.
pub const MAX_ASSERTION_LEN: usize = 8 * 1024;
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: i64 = 60;
/// The longest an assertion may live (from `iat`, and from now): it is single use, so a long
/// life only widens the window in which a stolen one is useful.
pub const MAX_LIFETIME_SECS: i64 = 600;
const MAX_JTI_LEN: usize = 256;
const MAX_CLIENT_ID_LEN: usize = 128;

/// `aud` is one string or an array of them (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The claims RFC 7523 §3 asks for; serde refuses duplicates and wrong types.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: Audience,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    jti: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

/// Why a well-formed assertion is not accepted (all answered `invalid_client`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("iss and sub must both be the client_id")]
    WrongSubject,
    #[error("aud names neither the token endpoint nor the issuer")]
    WrongAudience,
    #[error("exp is missing")]
    NoExpiry,
    #[error("the assertion has expired")]
    Expired,
    #[error("the assertion lives longer than 10 minutes")]
    TooLongLived,
    #[error("the assertion is not valid yet")]
    NotYetValid,
    #[error("jti is missing or longer than 256 characters")]
    BadJti,
    #[error("the signature does not verify: {0}")]
    Signature(JoseError),
}

/// A parsed, not yet verified, assertion.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientAssertion {
    alg: ClientAlg,
    kid: Option<String>,
    claims: Claims,
    /// `header.payload`, what was signed.
    signing_input: String,
    signature: Vec<u8>,
}

impl std::fmt::Debug for ClientAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssertion")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("iss", &self.claims.iss)
            .finish_non_exhaustive()
    }
}

/// Why an assertion cannot even be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedAssertion {
    #[error("the client assertion is longer than 8 KiB")]
    TooLarge,
    #[error("the client assertion is not a signed JWT: {0}")]
    Unreadable(&'static str),
    #[error("unsigned client assertions (alg none) are refused")]
    AlgNone,
    #[error("the client assertion's alg is not supported")]
    UnsupportedAlg,
    #[error("the client assertion carries critical header parameters")]
    Critical,
}

impl ClientAssertion {
    /// Reads a compact JWS: three base64url parts, a header with a supported `alg` (never
    /// `none`) and no `crit`, and claims of the right types.
    pub fn parse(token: &str) -> Result<Self, MalformedAssertion> {
        use MalformedAssertion::Unreadable;
        if token.len() > MAX_ASSERTION_LEN {
            return Err(MalformedAssertion::TooLarge);
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Unreadable("a JWS has exactly three parts"));
        };
        let decode = |part: &str, what| URL_SAFE_NO_PAD.decode(part).map_err(|_| Unreadable(what));
        let header: Header = serde_json::from_slice(&decode(header_b64, "header")?)
            .map_err(|_| Unreadable("header"))?;
        let alg = match header.alg.parse::<ClientAlg>() {
            Ok(alg) => alg,
            Err(JoseError::AlgNone) => return Err(MalformedAssertion::AlgNone),
            Err(_) => return Err(MalformedAssertion::UnsupportedAlg),
        };
        if header.crit.is_some() {
            return Err(MalformedAssertion::Critical);
        }
        let claims: Claims = serde_json::from_slice(&decode(payload_b64, "payload")?)
            .map_err(|_| Unreadable("claims"))?;
        if claims.iss.is_empty() || claims.iss.len() > MAX_CLIENT_ID_LEN {
            return Err(Unreadable("iss"));
        }
        let signature = decode(signature_b64, "signature")?;
        Ok(Self {
            alg,
            kid: header.kid,
            claims,
            signing_input: format!("{header_b64}.{payload_b64}"),
            signature,
        })
    }

    /// The client it claims to be (`iss`).
    pub fn issuer(&self) -> &str {
        &self.claims.iss
    }

    /// `client_secret_jwt` for the HMAC algorithms, `private_key_jwt` for the others.
    pub fn method(&self) -> ClientAuthMethod {
        match self.alg.is_hmac() {
            true => ClientAuthMethod::ClientSecretJwt,
            false => ClientAuthMethod::PrivateKeyJwt,
        }
    }

    pub fn alg(&self) -> ClientAlg {
        self.alg
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The checked `jti` and `exp` (after [`ClientAssertion::check_claims`]): what the caller
    /// remembers, until `exp`, to refuse a second use.
    pub fn jti(&self) -> &str {
        self.claims.jti.as_deref().unwrap_or_default()
    }

    pub fn exp(&self) -> i64 {
        self.claims.exp.unwrap_or_default()
    }

    /// RFC 7523 §3: `iss` = `sub` = `client_id`; `aud` contains one of `audiences` (the token
    /// endpoint URL, the issuer); `exp` present, in the future and at most
    /// [`MAX_LIFETIME_SECS`] away (from `iat` too); `nbf` and `iat` not in the future; `jti`
    /// present. [`LEEWAY_SECS`] of clock skew either way.
    pub fn check_claims(
        &self,
        client_id: &str,
        audiences: &[&str],
        now: i64,
    ) -> Result<(), AssertionError> {
        let claims = &self.claims;
        if claims.iss != client_id || claims.sub != client_id {
            return Err(AssertionError::WrongSubject);
        }
        let named = |aud: &String| audiences.contains(&aud.as_str());
        let aud_ok = match &claims.aud {
            Audience::One(aud) => named(aud),
            Audience::Many(list) => list.iter().any(named),
        };
        if !aud_ok {
            return Err(AssertionError::WrongAudience);
        }
        let exp = claims.exp.ok_or(AssertionError::NoExpiry)?;
        if exp <= now.saturating_sub(LEEWAY_SECS) {
            return Err(AssertionError::Expired);
        }
        let start = claims.iat.unwrap_or(now).min(now);
        if exp.saturating_sub(start) > MAX_LIFETIME_SECS + LEEWAY_SECS {
            return Err(AssertionError::TooLongLived);
        }
        let future = |at: Option<i64>| at.is_some_and(|at| at > now.saturating_add(LEEWAY_SECS));
        if future(claims.nbf) || future(claims.iat) {
            return Err(AssertionError::NotYetValid);
        }
        match claims.jti.as_deref() {
            Some(jti) if !jti.is_empty() && jti.len() <= MAX_JTI_LEN => Ok(()),
            _ => Err(AssertionError::BadJti),
        }
    }

    /// `private_key_jwt`: the signature verifies with one of the client's keys.
    pub fn verify_with_keys(&self, keys: &ClientJwks) -> Result<(), AssertionError> {
        keys.verify(
            self.alg,
            self.kid.as_deref(),
            self.signing_input.as_bytes(),
            &self.signature,
        )
        .map_err(AssertionError::Signature)
    }

    /// `client_secret_jwt`: the HMAC verifies with the client secret.
    pub fn verify_with_secret(&self, secret: &[u8]) -> Result<(), AssertionError> {
        verify_hmac(
            self.alg,
            secret,
            self.signing_input.as_bytes(),
            &self.signature,
        )
        .map_err(AssertionError::Signature)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use aws_lc_rs::hmac;
    use serde_json::{Value, json};

    use super::*;
    use crate::jose::{SigningAlg, SigningKey, sign_jwt};

    const NOW: i64 = 1_800_000_000;
    const TOKEN_ENDPOINT: &str = "https://id.example.com/token";
    const ISSUER: &str = "https://id.example.com";
    const AUDIENCES: &[&str] = &[TOKEN_ENDPOINT, ISSUER];

    fn claims() -> Value {
        json!({"iss": "app", "sub": "app", "aud": TOKEN_ENDPOINT, "exp": NOW + 60,
            "iat": NOW, "jti": "j-1"})
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
    }

    fn hs256(claims: &Value, secret: &[u8]) -> String {
        let input = format!("{}.{}", b64(&json!({"alg": "HS256"})), b64(claims));
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    fn check(claims: Value) -> Result<(), AssertionError> {
        ClientAssertion::parse(&hs256(&claims, b"s"))
            .unwrap()
            .check_claims("app", AUDIENCES, NOW)
    }

    fn with(changes: Value) -> Value {
        let mut all = claims();
        for (name, value) in changes.as_object().unwrap() {
            match value {
                Value::Null => all.as_object_mut().unwrap().remove(name),
                other => all
                    .as_object_mut()
                    .unwrap()
                    .insert(name.clone(), other.clone()),
            };
        }
        all
    }

    #[test]
    fn private_key_jwt_with_every_asymmetric_algorithm() {
        for alg in SigningAlg::ALL {
            let (key, _) = SigningKey::generate(alg).unwrap();
            let jwks = json!({ "keys": [key.public_jwk()] });
            let jwks = ClientJwks::parse(&serde_json::to_vec(&jwks).unwrap()).unwrap();
            let token = sign_jwt(&key, "JWT", &claims()).unwrap();
            let assertion = ClientAssertion::parse(&token).unwrap();
            assert_eq!(assertion.method(), ClientAuthMethod::PrivateKeyJwt);
            assert_eq!(assertion.issuer(), "app");
            assert_eq!(assertion.check_claims("app", AUDIENCES, NOW), Ok(()));
            assert_eq!(assertion.verify_with_keys(&jwks), Ok(()));
            assert_eq!((assertion.jti(), assertion.exp()), ("j-1", NOW + 60));
            assert!(assertion.verify_with_secret(b"anything").is_err());
        }
    }

    #[test]
    fn an_ed25519_key_verifies_under_either_name_of_its_algorithm() {
        use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        // Registered as EdDSA (RFC 8037), signed as Ed25519 (RFC 9864), as WebCrypto clients do.
        let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": x, "alg": "EdDSA" });
        let jwks =
            ClientJwks::parse(&serde_json::to_vec(&json!({ "keys": [jwk] })).unwrap()).unwrap();
        for name in ["Ed25519", "EdDSA"] {
            let header = URL_SAFE_NO_PAD.encode(json!({ "alg": name }).to_string());
            let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
            let input = format!("{header}.{payload}");
            let signature = URL_SAFE_NO_PAD.encode(pair.sign(input.as_bytes()).as_ref());
            let assertion = ClientAssertion::parse(&format!("{input}.{signature}")).unwrap();
            assert_eq!(assertion.method(), ClientAuthMethod::PrivateKeyJwt);
            assert_eq!(assertion.verify_with_keys(&jwks), Ok(()), "{name}");
        }
    }

    #[test]
    fn client_secret_jwt_verifies_with_the_secret_only() {
        let assertion = ClientAssertion::parse(&hs256(&claims(), b"the secret")).unwrap();
        assert_eq!(assertion.method(), ClientAuthMethod::ClientSecretJwt);
        assert_eq!(assertion.verify_with_secret(b"the secret"), Ok(()));
        assert!(assertion.verify_with_secret(b"another").is_err());
    }

    #[test]
    fn hmac_signed_with_a_public_key_never_verifies_with_the_keys() {
        let (key, _) = SigningKey::generate(SigningAlg::RS256).unwrap();
        let public = serde_json::to_vec(&json!({ "keys": [key.public_jwk()] })).unwrap();
        let forged = hs256(&claims(), &public);
        let assertion = ClientAssertion::parse(&forged).unwrap();
        let jwks = ClientJwks::parse(&public).unwrap();
        assert!(matches!(
            assertion.verify_with_keys(&jwks),
            Err(AssertionError::Signature(JoseError::UnsupportedAlg(_)))
        ));
        assert_eq!(assertion.method(), ClientAuthMethod::ClientSecretJwt);
    }

    #[test]
    fn claim_rules() {
        assert_eq!(check(claims()), Ok(()));
        assert_eq!(check(with(json!({"aud": ISSUER}))), Ok(()));
        assert_eq!(
            check(with(json!({"aud": ["https://other.example", ISSUER]}))),
            Ok(())
        );
        assert_eq!(
            check(with(json!({"aud": "https://id.example.com/introspect"}))),
            Err(AssertionError::WrongAudience)
        );
        assert_eq!(
            check(with(json!({"aud": []}))),
            Err(AssertionError::WrongAudience)
        );
        assert_eq!(
            check(with(json!({"sub": "other"}))),
            Err(AssertionError::WrongSubject)
        );
        assert_eq!(
            check(with(json!({"iss": "other", "sub": "other"}))),
            Err(AssertionError::WrongSubject)
        );
        assert_eq!(
            check(with(json!({"exp": null}))),
            Err(AssertionError::NoExpiry)
        );
        assert_eq!(
            check(with(json!({"exp": NOW - LEEWAY_SECS}))),
            Err(AssertionError::Expired)
        );
        assert_eq!(check(with(json!({"exp": NOW - 30}))), Ok(()), "leeway");
        assert_eq!(
            check(with(json!({"exp": NOW + 3600}))),
            Err(AssertionError::TooLongLived)
        );
        assert_eq!(
            check(with(json!({"iat": null, "exp": NOW + 3600}))),
            Err(AssertionError::TooLongLived)
        );
        assert_eq!(
            check(with(json!({"iat": NOW - 3000, "exp": NOW + 60}))),
            Err(AssertionError::TooLongLived)
        );
        assert_eq!(
            check(with(json!({"nbf": NOW + 120}))),
            Err(AssertionError::NotYetValid)
        );
        assert_eq!(
            check(with(json!({"iat": NOW + 120, "exp": NOW + 180}))),
            Err(AssertionError::NotYetValid)
        );
        assert_eq!(check(with(json!({"iat": NOW + 30}))), Ok(()), "leeway");
        assert_eq!(
            check(with(json!({"jti": null}))),
            Err(AssertionError::BadJti)
        );
        assert_eq!(check(with(json!({"jti": ""}))), Err(AssertionError::BadJti));
        assert_eq!(
            check(with(json!({"jti": "x".repeat(300)}))),
            Err(AssertionError::BadJti)
        );
    }

    #[test]
    fn unreadable_assertions_are_refused_without_panicking() {
        let good = hs256(&claims(), b"s");
        let parts: Vec<&str> = good.split('.').collect();
        let none = format!("{}.{}.", b64(&json!({"alg": "none"})), parts[1]);
        assert_eq!(
            ClientAssertion::parse(&none),
            Err(MalformedAssertion::AlgNone)
        );
        let rs384 = format!(
            "{}.{}.{}",
            b64(&json!({"alg": "RS384"})),
            parts[1],
            parts[2]
        );
        assert_eq!(
            ClientAssertion::parse(&rs384),
            Err(MalformedAssertion::UnsupportedAlg)
        );
        let crit = format!(
            "{}.{}.{}",
            b64(&json!({"alg": "HS256", "crit": ["x"]})),
            parts[1],
            parts[2]
        );
        assert_eq!(
            ClientAssertion::parse(&crit),
            Err(MalformedAssertion::Critical)
        );
        assert_eq!(
            ClientAssertion::parse(&"a".repeat(MAX_ASSERTION_LEN + 1)),
            Err(MalformedAssertion::TooLarge)
        );
        let no_iss = hs256(&with(json!({"iss": null})), b"s");
        let string_exp = hs256(&with(json!({"exp": "soon"})), b"s");
        let four = format!("{good}.x");
        for input in [
            "",
            "..",
            "a.b",
            "é.é.é",
            four.as_str(),
            no_iss.as_str(),
            string_exp.as_str(),
        ] {
            assert!(
                matches!(
                    ClientAssertion::parse(input),
                    Err(MalformedAssertion::Unreadable(_))
                ),
                "{input:.40}"
            );
        }
    }
}

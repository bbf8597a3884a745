//! Keys of clients that authenticate with signed JWTs (RFC 7523, OpenID Connect Core §9):
//! the algorithms we accept from them, their registered public keys (a JWKS given inline or
//! served at their `jwks_uri`), and signature verification with those keys or, for
//! `client_secret_jwt`, with the client secret as HMAC key.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::error::JoseError;

/// Largest JWKS document accepted, inline or fetched.
pub const MAX_CLIENT_JWKS_BYTES: usize = 64 * 1024;
/// Most keys one client may publish (each is tried when an assertion names no `kid`).
pub const MAX_CLIENT_KEYS: usize = 20;
const MAX_KID_LEN: usize = 256;
/// 2048 to 8192 bits.
const RSA_MODULUS_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;

/// The JWS algorithms a client may sign its assertion with. `none` is not one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAlg {
    RS256,
    PS256,
    ES256,
    EdDSA,
    /// EdDSA over Ed25519 by its fully-specified name (RFC 9864), which clients built on
    /// WebCrypto (oauth4webapi, so npm `openid-client`) put in the header of an Ed25519 key.
    Ed25519,
    HS256,
    HS384,
    HS512,
}

impl ClientAlg {
    pub const ALL: [ClientAlg; 8] = [
        Self::RS256,
        Self::PS256,
        Self::ES256,
        Self::EdDSA,
        Self::Ed25519,
        Self::HS256,
        Self::HS384,
        Self::HS512,
    ];
    /// What `private_key_jwt` accepts, in the order discovery lists them.
    pub const ASYMMETRIC: [ClientAlg; 5] = [
        Self::RS256,
        Self::PS256,
        Self::ES256,
        Self::EdDSA,
        Self::Ed25519,
    ];
    /// What `client_secret_jwt` accepts.
    pub const HMAC: [ClientAlg; 3] = [Self::HS256, Self::HS384, Self::HS512];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
            Self::Ed25519 => "Ed25519",
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
        }
    }

    pub fn is_hmac(self) -> bool {
        Self::HMAC.contains(&self)
    }

    /// `EdDSA` and `Ed25519` name one algorithm for an Ed25519 key (RFC 9864 §2.2).
    fn same_as(self, other: ClientAlg) -> bool {
        let ed = |alg| matches!(alg, Self::EdDSA | Self::Ed25519);
        self == other || (ed(self) && ed(other))
    }
}

impl fmt::Display for ClientAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ClientAlg {
    type Err = JoseError;

    /// Exact, case-sensitive names; `none` is [`JoseError::AlgNone`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("none") {
            return Err(JoseError::AlgNone);
        }
        Self::ALL
            .into_iter()
            .find(|alg| alg.as_str() == text)
            .ok_or_else(|| JoseError::UnsupportedAlg(text.chars().take(32).collect()))
    }
}

/// Why a client's JWKS is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientJwksError {
    #[error("the JWKS is larger than 64 KiB")]
    TooLarge,
    #[error("the JWKS is not a JSON object with a `keys` array")]
    NotAJwks,
    #[error("the JWKS has more than 20 keys")]
    TooManyKeys,
    #[error("the JWKS has no signature key we can use (RSA 2048+, EC P-256 or Ed25519)")]
    NoUsableKey,
    #[error("the JWKS holds private or symmetric key material (`{0}`): publish public keys only")]
    PrivateKey(String),
    #[error("key {0}: {1}")]
    BadKey(usize, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Material {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed point 0x04 || x || y, checked to be on the curve.
    P256(Vec<u8>),
    Ed25519(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ClientKey {
    kid: Option<String>,
    /// The key's own `alg`, when it declares one: it then signs with nothing else.
    alg: Option<ClientAlg>,
    material: Material,
}

impl ClientKey {
    fn accepts(&self, alg: ClientAlg) -> bool {
        let family = matches!(
            (&self.material, alg),
            (Material::Rsa { .. }, ClientAlg::RS256 | ClientAlg::PS256)
                | (Material::P256(_), ClientAlg::ES256)
                | (Material::Ed25519(_), ClientAlg::EdDSA | ClientAlg::Ed25519)
        );
        family && self.alg.is_none_or(|own| own.same_as(alg))
    }

    fn verify(&self, alg: ClientAlg, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        let result =
            match (&self.material, alg) {
                (Material::Rsa { n, e }, ClientAlg::RS256) => RsaPublicKeyComponents { n, e }
                    .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig),
                (Material::Rsa { n, e }, ClientAlg::PS256) => RsaPublicKeyComponents { n, e }
                    .verify(&signature::RSA_PSS_2048_8192_SHA256, message, sig),
                (Material::P256(point), ClientAlg::ES256) => {
                    UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                        .verify(message, sig)
                }
                (Material::Ed25519(x), ClientAlg::EdDSA | ClientAlg::Ed25519) => {
                    UnparsedPublicKey::new(&signature::ED25519, x).verify(message, sig)
                }
                _ => return Err(JoseError::AlgMismatch),
            };
        result.map_err(|_| JoseError::BadSignature)
    }
}

/// A client's public signature keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientJwks {
    keys: Vec<ClientKey>,
}

impl ClientJwks {
    /// Parses a JWKS registered inline: every key must be a public signature key we support
    /// (keys marked `"use": "enc"` are skipped), none may hold private members.
    pub fn parse(json: &[u8]) -> Result<Self, ClientJwksError> {
        Self::parse_with(json, false)
    }

    /// Parses a JWKS fetched from a client's `jwks_uri`: keys of kinds we do not support are
    /// skipped (the document may serve other parties too), private material still refuses all.
    pub fn parse_fetched(json: &[u8]) -> Result<Self, ClientJwksError> {
        Self::parse_with(json, true)
    }

    fn parse_with(json: &[u8], skip_unsupported: bool) -> Result<Self, ClientJwksError> {
        if json.len() > MAX_CLIENT_JWKS_BYTES {
            return Err(ClientJwksError::TooLarge);
        }
        let document: Map<String, Value> =
            serde_json::from_slice(json).map_err(|_| ClientJwksError::NotAJwks)?;
        let Some(Value::Array(entries)) = document.get("keys") else {
            return Err(ClientJwksError::NotAJwks);
        };
        if entries.len() > MAX_CLIENT_KEYS {
            return Err(ClientJwksError::TooManyKeys);
        }
        let mut keys = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let Value::Object(members) = entry else {
                return Err(ClientJwksError::NotAJwks);
            };
            refuse_private_members(members)?;
            match parse_key(members) {
                Ok(Some(key)) => keys.push(key),
                Ok(None) => {}
                Err(_) if skip_unsupported => {}
                Err(why) => return Err(ClientJwksError::BadKey(index, why)),
            }
        }
        if keys.is_empty() {
            return Err(ClientJwksError::NoUsableKey);
        }
        Ok(Self { keys })
    }

    /// Whether some key carries this `kid`.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.kid.as_deref() == Some(kid))
    }

    /// Verifies `signature` over `message` with the key `kid` names, or, without a `kid`, with
    /// any key that signs with `alg`. [`JoseError::UnknownKid`] when no key has that `kid` (a
    /// rotated set may: fetch it again), [`JoseError::AlgMismatch`] when the named key does not
    /// sign with `alg`. HMAC algorithms never verify with public keys.
    pub fn verify(
        &self,
        alg: ClientAlg,
        kid: Option<&str>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), JoseError> {
        if alg.is_hmac() {
            return Err(JoseError::UnsupportedAlg(alg.as_str().to_owned()));
        }
        let Some(kid) = kid else {
            let mut candidates = self.keys.iter().filter(|key| key.accepts(alg)).peekable();
            if candidates.peek().is_none() {
                return Err(JoseError::AlgMismatch);
            }
            return match candidates.any(|key| key.verify(alg, message, signature).is_ok()) {
                true => Ok(()),
                false => Err(JoseError::BadSignature),
            };
        };
        let mut named = self
            .keys
            .iter()
            .filter(|key| key.kid.as_deref() == Some(kid))
            .peekable();
        if named.peek().is_none() {
            return Err(JoseError::UnknownKid);
        }
        let mut compatible = named.filter(|key| key.accepts(alg)).peekable();
        if compatible.peek().is_none() {
            return Err(JoseError::AlgMismatch);
        }
        match compatible.any(|key| key.verify(alg, message, signature).is_ok()) {
            true => Ok(()),
            false => Err(JoseError::BadSignature),
        }
    }
}

/// Verifies an HS256/384/512 `signature` over `message` with `secret` as the key, in constant
/// time.
pub fn verify_hmac(
    alg: ClientAlg,
    secret: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), JoseError> {
    let algorithm = match alg {
        ClientAlg::HS256 => hmac::HMAC_SHA256,
        ClientAlg::HS384 => hmac::HMAC_SHA384,
        ClientAlg::HS512 => hmac::HMAC_SHA512,
        other => return Err(JoseError::UnsupportedAlg(other.as_str().to_owned())),
    };
    hmac::verify(&hmac::Key::new(algorithm, secret), message, signature)
        .map_err(|_| JoseError::BadSignature)
}

/// RFC 7517/7518 private members, and `k` of symmetric keys.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

fn refuse_private_members(members: &Map<String, Value>) -> Result<(), ClientJwksError> {
    match PRIVATE_MEMBERS
        .iter()
        .find(|name| members.contains_key(**name))
    {
        Some(name) => Err(ClientJwksError::PrivateKey((*name).to_owned())),
        None => Ok(()),
    }
}

/// The string member `name`, if present.
fn text<'a>(members: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match members.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.as_str())),
        Some(_) => Err(format!("`{name}` is not a string")),
    }
}

/// The base64url member `name`, decoded; it must be present.
fn bytes(members: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let value = text(members, name)?.ok_or_else(|| format!("`{name}` is missing"))?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| format!("`{name}` is not base64url"))
}

/// One key; `Ok(None)` for a key that is not for signatures.
fn parse_key(members: &Map<String, Value>) -> Result<Option<ClientKey>, String> {
    let text = |name: &str| text(members, name);
    let bytes = |name: &str| bytes(members, name);
    match text("use")? {
        None | Some("sig") => {}
        Some(_) => return Ok(None),
    }
    let kid = text("kid")?.map(str::to_owned);
    if kid.as_ref().is_some_and(|kid| kid.len() > MAX_KID_LEN) {
        return Err("`kid` is too long".into());
    }
    let alg = match text("alg")? {
        None => None,
        Some(name) => match name.parse::<ClientAlg>() {
            Ok(alg) if !alg.is_hmac() => Some(alg),
            _ => {
                return Err(format!(
                    "`alg` {name:.32} is not RS256, PS256, ES256, EdDSA or Ed25519"
                ));
            }
        },
    };
    let material = match text("kty")? {
        Some("RSA") => {
            let n = strip_leading_zeros(bytes("n")?);
            let e = strip_leading_zeros(bytes("e")?);
            if !RSA_MODULUS_BYTES.contains(&n.len()) {
                return Err("RSA keys must have 2048 to 8192 bits".into());
            }
            if e.is_empty() || e.len() > 8 {
                return Err("`e` is not a usable RSA exponent".into());
            }
            Material::Rsa { n, e }
        }
        Some("EC") => {
            if text("crv")? != Some("P-256") {
                return Err("only the EC curve P-256 is supported".into());
            }
            let (x, y) = (bytes("x")?, bytes("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err("P-256 coordinates are 32 bytes".into());
            }
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            signature::ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
                .map_err(|_| "the point is not on P-256".to_string())?;
            Material::P256(point)
        }
        Some("OKP") => {
            if text("crv")? != Some("Ed25519") {
                return Err("only the OKP curve Ed25519 is supported".into());
            }
            let x = bytes("x")?;
            if x.len() != 32 {
                return Err("Ed25519 keys are 32 bytes".into());
            }
            signature::ParsedPublicKey::new(&signature::ED25519, &x)
                .map_err(|_| "not an Ed25519 public key".to_string())?;
            Material::Ed25519(x)
        }
        Some(other) => return Err(format!("key type {other:.16} is not supported")),
        None => return Err("`kty` is missing".into()),
    };
    let key = ClientKey { kid, alg, material };
    if let Some(alg) = alg
        && !key.accepts(alg)
    {
        return Err(format!("`alg` {alg} does not fit the key type"));
    }
    Ok(Some(key))
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    bytes.drain(..zeros);
    bytes
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeySize;
    use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
    use serde_json::json;

    use super::*;
    use crate::jose::{SigningAlg, SigningKey};

    fn jwks_of(keys: &[&SigningKey]) -> Vec<u8> {
        let keys: Vec<Value> = keys
            .iter()
            .map(|key| serde_json::to_value(key.public_jwk()).unwrap())
            .collect();
        serde_json::to_vec(&json!({ "keys": keys })).unwrap()
    }

    #[test]
    fn names_round_trip_and_none_is_refused() {
        for alg in ClientAlg::ALL {
            assert_eq!(alg.as_str().parse::<ClientAlg>().unwrap(), alg);
        }
        assert_eq!("none".parse::<ClientAlg>(), Err(JoseError::AlgNone));
        assert_eq!("NONE".parse::<ClientAlg>(), Err(JoseError::AlgNone));
        assert!("hs256".parse::<ClientAlg>().is_err());
        assert!("RS384".parse::<ClientAlg>().is_err());
    }

    #[test]
    fn verifies_with_the_key_the_kid_names_or_any_fitting_key() {
        for alg in SigningAlg::ALL {
            let (key, _) = SigningKey::generate(alg).unwrap();
            let (other, _) = SigningKey::generate(alg).unwrap();
            let jwks = ClientJwks::parse(&jwks_of(&[&other, &key])).unwrap();
            let client_alg: ClientAlg = alg.as_str().parse().unwrap();
            let sig = key.sign(b"input").unwrap();
            assert_eq!(
                jwks.verify(client_alg, Some(key.kid()), b"input", &sig),
                Ok(())
            );
            assert_eq!(jwks.verify(client_alg, None, b"input", &sig), Ok(()));
            assert_eq!(
                jwks.verify(client_alg, Some(other.kid()), b"input", &sig),
                Err(JoseError::BadSignature)
            );
            assert_eq!(
                jwks.verify(client_alg, Some(key.kid()), b"other", &sig),
                Err(JoseError::BadSignature)
            );
            assert_eq!(
                jwks.verify(client_alg, Some("rotated"), b"input", &sig),
                Err(JoseError::UnknownKid)
            );
            assert!(jwks.has_kid(key.kid()) && !jwks.has_kid("rotated"));
        }
    }

    #[test]
    fn ps256_verifies_with_an_rsa_key() {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let n = pair
            .public_key()
            .modulus()
            .big_endian_without_leading_zero();
        let jwks = json!({"keys": [{"kty": "RSA", "kid": "r", "n": URL_SAFE_NO_PAD.encode(n), "e": "AQAB"}]});
        let jwks = ClientJwks::parse(&serde_json::to_vec(&jwks).unwrap()).unwrap();
        let mut sig = vec![0; pair.public_modulus_len()];
        pair.sign(
            &signature::RSA_PSS_SHA256,
            &SystemRandom::new(),
            b"m",
            &mut sig,
        )
        .unwrap();
        assert_eq!(jwks.verify(ClientAlg::PS256, Some("r"), b"m", &sig), Ok(()));
        assert_eq!(
            jwks.verify(ClientAlg::RS256, Some("r"), b"m", &sig),
            Err(JoseError::BadSignature)
        );
    }

    #[test]
    fn the_keys_own_alg_and_type_bound_what_it_verifies() {
        let (ec, _) = SigningKey::generate(SigningAlg::ES256).unwrap();
        let jwks = ClientJwks::parse(&jwks_of(&[&ec])).unwrap();
        let sig = ec.sign(b"m").unwrap();
        for alg in [ClientAlg::RS256, ClientAlg::EdDSA, ClientAlg::PS256] {
            assert_eq!(
                jwks.verify(alg, Some(ec.kid()), b"m", &sig),
                Err(JoseError::AlgMismatch)
            );
        }
        for alg in ClientAlg::HMAC {
            assert!(matches!(
                jwks.verify(alg, Some(ec.kid()), b"m", &sig),
                Err(JoseError::UnsupportedAlg(_))
            ));
        }
        let mut declared = serde_json::to_value(ec.public_jwk()).unwrap();
        declared["alg"] = json!("RS256");
        let refused = ClientJwks::parse(&serde_json::to_vec(&json!({"keys": [declared]})).unwrap());
        assert!(matches!(refused, Err(ClientJwksError::BadKey(0, _))));
    }

    #[test]
    fn hmac_uses_the_secret_and_compares_in_constant_time() {
        let key = hmac::Key::new(hmac::HMAC_SHA384, b"a secret of the client");
        let tag = hmac::sign(&key, b"m");
        assert_eq!(
            verify_hmac(
                ClientAlg::HS384,
                b"a secret of the client",
                b"m",
                tag.as_ref()
            ),
            Ok(())
        );
        assert_eq!(
            verify_hmac(
                ClientAlg::HS256,
                b"a secret of the client",
                b"m",
                tag.as_ref()
            ),
            Err(JoseError::BadSignature)
        );
        assert_eq!(
            verify_hmac(ClientAlg::HS384, b"another secret", b"m", tag.as_ref()),
            Err(JoseError::BadSignature)
        );
        assert!(verify_hmac(ClientAlg::RS256, b"s", b"m", tag.as_ref()).is_err());
    }

    #[test]
    fn refuses_private_symmetric_unsupported_and_oversized_sets() {
        let (ed, _) = SigningKey::generate(SigningAlg::EdDSA).unwrap();
        let public = serde_json::to_value(ed.public_jwk()).unwrap();
        let with = |extra: Value| {
            let mut key = public.clone();
            for (name, value) in extra.as_object().unwrap() {
                key[name] = value.clone();
            }
            serde_json::to_vec(&json!({ "keys": [key] })).unwrap()
        };
        assert_eq!(
            ClientJwks::parse(&with(json!({"d": "AAAA"}))),
            Err(ClientJwksError::PrivateKey("d".into()))
        );
        let oct = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]});
        assert_eq!(
            ClientJwks::parse(&serde_json::to_vec(&oct).unwrap()),
            Err(ClientJwksError::PrivateKey("k".into()))
        );
        let p384 = json!({"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]});
        let p384 = serde_json::to_vec(&p384).unwrap();
        assert!(matches!(
            ClientJwks::parse(&p384),
            Err(ClientJwksError::BadKey(0, _))
        ));
        assert_eq!(
            ClientJwks::parse_fetched(&p384),
            Err(ClientJwksError::NoUsableKey)
        );
        let small_rsa =
            json!({"keys": [{"kty": "RSA", "n": URL_SAFE_NO_PAD.encode([7u8; 128]), "e": "AQAB"}]});
        assert!(matches!(
            ClientJwks::parse(&serde_json::to_vec(&small_rsa).unwrap()),
            Err(ClientJwksError::BadKey(0, _))
        ));
        let off_curve = json!({"keys": [{"kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode([1u8; 32]), "y": URL_SAFE_NO_PAD.encode([2u8; 32])}]});
        assert!(matches!(
            ClientJwks::parse(&serde_json::to_vec(&off_curve).unwrap()),
            Err(ClientJwksError::BadKey(0, _))
        ));
        assert_eq!(
            ClientJwks::parse(&with(json!({"use": "enc"}))),
            Err(ClientJwksError::NoUsableKey)
        );
        let many: Vec<Value> = (0..=MAX_CLIENT_KEYS).map(|_| public.clone()).collect();
        assert_eq!(
            ClientJwks::parse(&serde_json::to_vec(&json!({ "keys": many })).unwrap()),
            Err(ClientJwksError::TooManyKeys)
        );
        for garbage in ["[]", "{}", "{\"keys\": 1}", "not json", "{\"keys\": [1]}"] {
            assert_eq!(
                ClientJwks::parse(garbage.as_bytes()),
                Err(ClientJwksError::NotAJwks)
            );
        }
        let huge = vec![b' '; MAX_CLIENT_JWKS_BYTES + 1];
        assert_eq!(ClientJwks::parse(&huge), Err(ClientJwksError::TooLarge));
    }
}

//! Public JSON Web Keys (RFC 7517, RFC 8037 for Ed25519) as published at `/jwks`, and their
//! RFC 7638 thumbprints, which we use as key ids.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::alg::SigningAlg;
use super::error::JoseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyType {
    #[serde(rename = "RSA")]
    Rsa,
    #[serde(rename = "EC")]
    Ec,
    #[serde(rename = "OKP")]
    Okp,
}

/// A public key; the members not used by its key type are `None` and not serialised.
/// Byte values (`n`, `e`, `x`, `y`) are base64url without padding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: KeyType,
    pub kid: String,
    pub alg: SigningAlg,
    #[serde(rename = "use")]
    pub key_use: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// The JWK `use` of every key we publish: signatures.
pub const USE_SIGNATURE: &str = "sig";

impl Jwk {
    pub(crate) fn rsa(modulus: &[u8], exponent: &[u8]) -> Self {
        Self::blank(KeyType::Rsa, SigningAlg::RS256, |jwk| {
            jwk.n = Some(URL_SAFE_NO_PAD.encode(modulus));
            jwk.e = Some(URL_SAFE_NO_PAD.encode(exponent));
        })
    }

    pub(crate) fn p256(x: &[u8], y: &[u8]) -> Self {
        Self::blank(KeyType::Ec, SigningAlg::ES256, |jwk| {
            jwk.crv = Some("P-256".to_owned());
            jwk.x = Some(URL_SAFE_NO_PAD.encode(x));
            jwk.y = Some(URL_SAFE_NO_PAD.encode(y));
        })
    }

    pub(crate) fn ed25519(public_key: &[u8]) -> Self {
        Self::blank(KeyType::Okp, SigningAlg::EdDSA, |jwk| {
            jwk.crv = Some("Ed25519".to_owned());
            jwk.x = Some(URL_SAFE_NO_PAD.encode(public_key));
        })
    }

    fn blank(kty: KeyType, alg: SigningAlg, fill: impl FnOnce(&mut Self)) -> Self {
        let mut jwk = Self {
            kty,
            kid: String::new(),
            alg,
            key_use: USE_SIGNATURE.to_owned(),
            n: None,
            e: None,
            crv: None,
            x: None,
            y: None,
        };
        fill(&mut jwk);
        jwk
    }

    /// RFC 7638 thumbprint: base64url(SHA-256) of the required members in lexicographic
    /// order with no whitespace. `kid`, `alg` and `use` are not part of it.
    pub fn thumbprint(&self) -> Result<String, JoseError> {
        fn member(value: &Option<String>) -> Result<&str, JoseError> {
            value.as_deref().ok_or(JoseError::IncompleteJwk)
        }
        // Members are base64url or fixed names, so none needs JSON escaping; serde_json
        // quotes them anyway to keep that guarantee local.
        let quoted = |value: &str| {
            serde_json::to_string(value).map_err(|e| JoseError::Serialize(e.to_string()))
        };
        let canonical = match self.kty {
            KeyType::Rsa => format!(
                r#"{{"e":{},"kty":"RSA","n":{}}}"#,
                quoted(member(&self.e)?)?,
                quoted(member(&self.n)?)?
            ),
            KeyType::Ec => format!(
                r#"{{"crv":{},"kty":"EC","x":{},"y":{}}}"#,
                quoted(member(&self.crv)?)?,
                quoted(member(&self.x)?)?,
                quoted(member(&self.y)?)?
            ),
            KeyType::Okp => format!(
                r#"{{"crv":{},"kty":"OKP","x":{}}}"#,
                quoted(member(&self.crv)?)?,
                quoted(member(&self.x)?)?
            ),
        };
        Ok(URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes())))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // RFC 7638 §3.1.
    const RFC_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    const RFC_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    #[test]
    fn rfc_7638_example_thumbprint() {
        let n = URL_SAFE_NO_PAD.decode(RFC_N).unwrap();
        let e = URL_SAFE_NO_PAD.decode("AQAB").unwrap();
        let mut jwk = Jwk::rsa(&n, &e);
        assert_eq!(jwk.n.as_deref(), Some(RFC_N));
        assert_eq!(jwk.thumbprint().unwrap(), RFC_THUMBPRINT);
        // kid and use do not change it.
        jwk.kid = "2011-04-29".into();
        jwk.key_use = "enc".into();
        assert_eq!(jwk.thumbprint().unwrap(), RFC_THUMBPRINT);
    }

    #[test]
    fn rfc_8037_ed25519_thumbprint() {
        // RFC 8037 Appendix A.3.
        let x = URL_SAFE_NO_PAD
            .decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
            .unwrap();
        assert_eq!(
            Jwk::ed25519(&x).thumbprint().unwrap(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn a_jwk_missing_members_has_no_thumbprint() {
        let mut jwk = Jwk::p256(&[1; 32], &[2; 32]);
        jwk.y = None;
        assert_eq!(jwk.thumbprint(), Err(JoseError::IncompleteJwk));
    }

    #[test]
    fn serialises_use_and_only_the_members_of_its_type() {
        let mut jwk = Jwk::ed25519(&[7; 32]);
        jwk.kid = "k1".into();
        let json = serde_json::to_value(&jwk).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kty": "OKP", "kid": "k1", "alg": "EdDSA", "use": "sig", "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode([7; 32]),
            })
        );
        assert_eq!(serde_json::from_value::<Jwk>(json).unwrap(), jwk);
    }
}

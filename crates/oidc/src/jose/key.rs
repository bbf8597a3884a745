//! Signing keys: generated or loaded from PKCS#8 once, then used to sign and verify with
//! aws-lc-rs. The key id is the RFC 7638 thumbprint of the public key.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ParsedPublicKey, RsaKeyPair,
    RsaPublicKeyComponents,
};

use super::alg::SigningAlg;
use super::error::JoseError;
use super::jwk::Jwk;

/// 2048 bits: the floor for RS256 (RFC 7518 §3.3).
const MIN_RSA_MODULUS_BYTES: usize = 256;
/// An uncompressed P-256 point: 0x04 || x (32 bytes) || y (32 bytes).
const P256_POINT_LEN: usize = 65;

enum PrivateKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key ready to sign, with its parsed public half for verification.
pub struct SigningKey {
    alg: SigningAlg,
    kid: String,
    private: PrivateKey,
    public: ParsedPublicKey,
    jwk: Jwk,
}

impl SigningKey {
    /// Makes a new key (RSA 2048, P-256 or Ed25519) and returns it with its PKCS#8 v1 DER,
    /// which the caller stores (encrypted) to load it again with [`SigningKey::from_pkcs8`].
    pub fn generate(alg: SigningAlg) -> Result<(SigningKey, Vec<u8>), JoseError> {
        let der = match alg {
            SigningAlg::RS256 => {
                let pair =
                    RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| JoseError::KeyGeneration)?;
                let der: Pkcs8V1Der<'static> =
                    pair.as_der().map_err(|_| JoseError::KeyGeneration)?;
                der.as_ref().to_vec()
            }
            SigningAlg::ES256 => {
                EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                    .and_then(|pair| pair.to_pkcs8v1())
                    .map_err(|_| JoseError::KeyGeneration)?
                    .as_ref()
                    .to_vec()
            }
            SigningAlg::EdDSA => Ed25519KeyPair::generate()
                .and_then(|pair| pair.to_pkcs8v1())
                .map_err(|_| JoseError::KeyGeneration)?
                .as_ref()
                .to_vec(),
        };
        let key = Self::from_pkcs8(alg, &der)?;
        Ok((key, der))
    }

    /// Loads a PKCS#8 DER private key that must be of the kind `alg` names.
    pub fn from_pkcs8(alg: SigningAlg, der: &[u8]) -> Result<SigningKey, JoseError> {
        let rejected =
            |error: aws_lc_rs::error::KeyRejected| JoseError::KeyRejected(error.to_string());
        let (private, public, jwk) = match alg {
            SigningAlg::RS256 => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(rejected)?;
                if pair.public_modulus_len() < MIN_RSA_MODULUS_BYTES {
                    return Err(JoseError::KeyRejected(
                        "RSA key shorter than 2048 bits".into(),
                    ));
                }
                let components = RsaPublicKeyComponents {
                    n: pair
                        .public_key()
                        .modulus()
                        .big_endian_without_leading_zero(),
                    e: pair
                        .public_key()
                        .exponent()
                        .big_endian_without_leading_zero(),
                };
                let public = components
                    .to_parsed_public_key(&signature::RSA_PKCS1_2048_8192_SHA256)
                    .map_err(rejected)?;
                let jwk = Jwk::rsa(components.n, components.e);
                (PrivateKey::Rsa(pair), public, jwk)
            }
            SigningAlg::ES256 => {
                let pair =
                    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der)
                        .map_err(rejected)?;
                let point = pair.public_key().as_ref();
                let (x, y) = match point {
                    [0x04, coordinates @ ..] if point.len() == P256_POINT_LEN => {
                        coordinates.split_at(32)
                    }
                    _ => {
                        return Err(JoseError::KeyRejected(
                            "unexpected P-256 public key form".into(),
                        ));
                    }
                };
                let public = ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .map_err(rejected)?;
                let jwk = Jwk::p256(x, y);
                (PrivateKey::Ecdsa(pair), public, jwk)
            }
            SigningAlg::EdDSA => {
                let pair = Ed25519KeyPair::from_pkcs8(der).map_err(rejected)?;
                let point = pair.public_key().as_ref();
                let public = ParsedPublicKey::new(&signature::ED25519, point).map_err(rejected)?;
                let jwk = Jwk::ed25519(point);
                (PrivateKey::Ed25519(pair), public, jwk)
            }
        };
        let kid = jwk.thumbprint()?;
        let jwk = Jwk {
            kid: kid.clone(),
            ..jwk
        };
        Ok(SigningKey {
            alg,
            kid,
            private,
            public,
            jwk,
        })
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The public key as published in the JWKS, with `kid`, `alg` and `use`.
    pub fn public_jwk(&self) -> Jwk {
        self.jwk.clone()
    }

    /// Signs `message` (the JWS signing input) with this key's algorithm.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        match &self.private {
            PrivateKey::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    &signature::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .map_err(|_| JoseError::Signing)?;
                Ok(signature)
            }
            PrivateKey::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| JoseError::Signing),
            PrivateKey::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }

    /// Checks `signature` over `message` with the public half of this key.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        self.public
            .verify_sig(message, signature)
            .map_err(|_| JoseError::BadSignature)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn keys_can_be_shared_between_threads() {
        assert_send_sync::<SigningKey>();
    }

    #[test]
    fn generated_keys_reload_from_their_pkcs8() {
        for alg in SigningAlg::ALL {
            let (key, der) = SigningKey::generate(alg).unwrap();
            let again = SigningKey::from_pkcs8(alg, &der).unwrap();
            assert_eq!(again.kid(), key.kid(), "{alg}");
            assert_eq!(again.public_jwk(), key.public_jwk(), "{alg}");
            assert_eq!(key.alg(), alg);
            let signature = key.sign(b"message").unwrap();
            assert_eq!(again.verify(b"message", &signature), Ok(()), "{alg}");
            assert_eq!(
                again.verify(b"massage", &signature),
                Err(JoseError::BadSignature)
            );
        }
    }

    #[test]
    fn jwk_members_match_the_key_type() {
        let (rsa, _) = SigningKey::generate(SigningAlg::RS256).unwrap();
        let jwk = rsa.public_jwk();
        assert_eq!(jwk.e.as_deref(), Some("AQAB"));
        assert_eq!(jwk.n.map(|n| n.len()), Some(342)); // 256 bytes in base64url
        assert_eq!(jwk.kid, rsa.kid());

        let (ec, _) = SigningKey::generate(SigningAlg::ES256).unwrap();
        let jwk = ec.public_jwk();
        assert_eq!(jwk.crv.as_deref(), Some("P-256"));
        assert_eq!(jwk.x.map(|x| x.len()), Some(43));
        assert_eq!(jwk.y.map(|y| y.len()), Some(43));
        assert_eq!(jwk.n, None);

        let (ed, _) = SigningKey::generate(SigningAlg::EdDSA).unwrap();
        let jwk = ed.public_jwk();
        assert_eq!(jwk.crv.as_deref(), Some("Ed25519"));
        assert_eq!(jwk.y, None);
    }

    #[test]
    fn es256_signatures_are_fixed_64_bytes() {
        let (key, _) = SigningKey::generate(SigningAlg::ES256).unwrap();
        assert_eq!(key.sign(b"m").unwrap().len(), 64);
        let (key, _) = SigningKey::generate(SigningAlg::RS256).unwrap();
        assert_eq!(key.sign(b"m").unwrap().len(), 256);
    }

    #[test]
    fn a_key_of_the_wrong_kind_or_garbage_is_rejected() {
        let (_, ec_der) = SigningKey::generate(SigningAlg::ES256).unwrap();
        assert!(matches!(
            SigningKey::from_pkcs8(SigningAlg::EdDSA, &ec_der),
            Err(JoseError::KeyRejected(_))
        ));
        assert!(matches!(
            SigningKey::from_pkcs8(SigningAlg::RS256, &ec_der),
            Err(JoseError::KeyRejected(_))
        ));
        assert!(matches!(
            SigningKey::from_pkcs8(SigningAlg::ES256, b"not a key"),
            Err(JoseError::KeyRejected(_))
        ));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let (key, _) = SigningKey::generate(SigningAlg::EdDSA).unwrap();
        let printed = format!("{key:?}");
        assert_eq!(
            printed,
            format!("SigningKey {{ alg: EdDSA, kid: {:?}, .. }}", key.kid())
        );
    }
}

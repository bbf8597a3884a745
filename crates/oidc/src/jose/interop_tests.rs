//! Interoperability with the `openidconnect` crate, the relying-party library of our
//! end-to-end tests: it must accept our JWKS, verify our ID tokens for every algorithm, and
//! compute the same `at_hash`.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::{SystemTime, UNIX_EPOCH};

use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{AccessToken, AccessTokenHash, ClientId, IssuerUrl, Nonce};

use super::{KeySet, SigningAlg, SigningKey, TYP_ID_TOKEN, at_hash, sign_jwt};
use crate::claims::{IdTokenClaims, UserClaims};

const ISSUER: &str = "https://id.example.com/poort";
const ACCESS_TOKEN: &str = "an-opaque-or-jwt-access-token";

fn all_keys() -> KeySet {
    let keys: Vec<SigningKey> = SigningAlg::ALL
        .into_iter()
        .map(|alg| SigningKey::generate(alg).unwrap().0)
        .collect();
    let active: Vec<String> = keys.iter().map(|key| key.kid().to_owned()).collect();
    KeySet::new(keys, &active).unwrap()
}

fn id_token_claims(alg: SigningAlg) -> IdTokenClaims {
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    IdTokenClaims {
        iss: ISSUER.into(),
        sub: "user-1".into(),
        aud: "app".into(),
        exp: now + 300,
        iat: now,
        auth_time: now - 5,
        nonce: Some("n-0S6_WzA2Mj".into()),
        at_hash: Some(at_hash(alg, ACCESS_TOKEN)),
        azp: "app".into(),
        sid: Some("session-1".into()),
        amr: vec!["pwd".into()],
        acr: None,
        profile: UserClaims {
            email: Some("ann@example.com".into()),
            email_verified: Some(true),
            ..UserClaims::default()
        },
    }
}

#[test]
fn openidconnect_verifies_our_id_tokens_and_at_hash() {
    let keys = all_keys();
    let jwks: CoreJsonWebKeySet = serde_json::from_str(keys.jwks_json()).unwrap();
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new("app".into()),
        IssuerUrl::new(ISSUER.into()).unwrap(),
        jwks,
    )
    .set_allowed_algs([
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        CoreJwsSigningAlgorithm::EdDsa,
    ]);
    for alg in SigningAlg::ALL {
        let token = sign_jwt(
            keys.signer(alg).unwrap(),
            TYP_ID_TOKEN,
            &id_token_claims(alg),
        )
        .unwrap();
        let id_token: CoreIdToken = token.parse().unwrap();
        let claims = id_token
            .claims(&verifier, &Nonce::new("n-0S6_WzA2Mj".into()))
            .unwrap_or_else(|error| panic!("{alg}: {error}"));
        assert_eq!(claims.subject().as_str(), "user-1");
        assert_eq!(
            claims.email().map(|email| email.as_str()),
            Some("ann@example.com")
        );

        let theirs = AccessTokenHash::from_token(
            &AccessToken::new(ACCESS_TOKEN.into()),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&verifier).unwrap(),
        )
        .unwrap();
        assert_eq!(claims.access_token_hash(), Some(&theirs), "{alg}");
    }
}

#[test]
fn openidconnect_refuses_a_tampered_token() {
    let keys = all_keys();
    let jwks: CoreJsonWebKeySet = serde_json::from_str(keys.jwks_json()).unwrap();
    let verifier = CoreIdTokenVerifier::new_public_client(
        ClientId::new("app".into()),
        IssuerUrl::new(ISSUER.into()).unwrap(),
        jwks,
    )
    .set_allowed_algs([CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    let token = sign_jwt(
        keys.signer(SigningAlg::ES256).unwrap(),
        TYP_ID_TOKEN,
        &id_token_claims(SigningAlg::ES256),
    )
    .unwrap();
    let mut claims = id_token_claims(SigningAlg::ES256);
    claims.sub = "admin".into();
    let other_body = sign_jwt(
        keys.signer(SigningAlg::ES256).unwrap(),
        TYP_ID_TOKEN,
        &claims,
    )
    .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let other_parts: Vec<&str> = other_body.split('.').collect();
    let spliced = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    let id_token: CoreIdToken = spliced.parse().unwrap();
    assert!(
        id_token
            .claims(&verifier, &Nonce::new("n-0S6_WzA2Mj".into()))
            .is_err()
    );
}

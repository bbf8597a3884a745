//! JOSE for the provider's tokens, on aws-lc-rs: signing keys and their JWKs, the key set
//! published at `/jwks`, compact JWS signing and verification, and `at_hash`; and the keys
//! clients sign their assertions with (`client_keys`).

mod alg;
mod client_keys;
mod error;
mod hash;
mod jwk;
mod jws;
mod key;
mod keyset;

pub use alg::SigningAlg;
pub use client_keys::{
    ClientAlg, ClientJwks, ClientJwksError, MAX_CLIENT_JWKS_BYTES, MAX_CLIENT_KEYS, verify_hmac,
};
pub use error::JoseError;
pub use hash::at_hash;
pub use jwk::{Jwk, KeyType, USE_SIGNATURE};
pub use jws::{MAX_TOKEN_LEN, sign_jwt, verify_jwt};
pub use key::SigningKey;
pub use keyset::KeySet;

/// `typ` of ID tokens (OpenID Connect Core does not register one; `JWT` is what RPs accept).
pub const TYP_ID_TOKEN: &str = "JWT";
/// `typ` of JWT access tokens (RFC 9068 §2.1).
pub const TYP_ACCESS_TOKEN: &str = "at+jwt";

#[cfg(test)]
mod interop_tests;

//! Everything that can go wrong with keys and signed tokens.

use super::alg::SigningAlg;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoseError {
    #[error("unsupported signing algorithm `{0}`")]
    UnsupportedAlg(String),
    #[error("key generation failed")]
    KeyGeneration,
    #[error("private key rejected: {0}")]
    KeyRejected(String),
    #[error("the JWK lacks a member its key type requires")]
    IncompleteJwk,
    #[error("signing failed")]
    Signing,
    #[error("could not serialise JSON: {0}")]
    Serialize(String),
    #[error("two keys share the key id `{0}`")]
    DuplicateKid(String),
    #[error("active key `{0}` is not in the key set")]
    UnknownActiveKid(String),
    #[error("more than one active key for {0}")]
    SeveralActiveKeys(SigningAlg),
    #[error("token is longer than the accepted maximum")]
    TooLarge,
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    #[error("unsigned tokens (alg none) are refused")]
    AlgNone,
    #[error("token header has no kid")]
    MissingKid,
    #[error("no key with the token's kid")]
    UnknownKid,
    #[error("token alg does not match its key")]
    AlgMismatch,
    #[error("token typ is not the expected type")]
    WrongType,
    #[error("token carries critical header parameters")]
    UnsupportedCritical,
    #[error("signature does not verify")]
    BadSignature,
    #[error("token claims do not have the expected shape: {0}")]
    Claims(String),
}
